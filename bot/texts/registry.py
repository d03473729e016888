"""Spanish texts of the cluster registry import (``ssme import-clusters``, the admin's upload).

The report goes to an admin who prepared a CSV with one row per cluster (methodology §2): each
line says where (line and column, as the spreadsheet shows them) and what is expected. What is
about any CSV file (encoding, Excel workbooks, repeated columns, row shape) is shared with the
responses import in :mod:`bot.texts.csvfiles` and merged into :data:`REGISTRY_ERRORS` here.

Templates use ``str.format`` placeholders, filled by :mod:`bot.files.registry`. Values are shown
between «».
"""

from __future__ import annotations

from bot.texts.csvfiles import CSV_ERRORS

# Problems, keyed by ``bot.files.registry.RowError.code``. One line each, lower-case start.
REGISTRY_ERRORS: dict[str, str] = {
    **CSV_ERRORS,
    # The file as a whole.
    "binary": "el archivo no parece de texto (tiene caracteres nulos); envíe el registro como CSV",
    "empty": (
        "el archivo está vacío; la primera línea debe ser el encabezado con las columnas {columns}"
    ),
    "no_rows": "el archivo solo tiene el encabezado; agregue debajo una fila por clúster",
    # The header.
    "missing_column": "falta la columna obligatoria «{column}» en el encabezado",
    "unknown_column": (
        "la columna «{column}» no es del registro{suggestion}; las columnas válidas son {columns}"
    ),
    # Cells.
    "cluster_id_missing": (
        "falta el cluster_id; es obligatorio: un código de letras sin tildes, números, guion (-) "
        "o guion bajo (_), por ejemplo huila_cafe"
    ),
    "cluster_id_invalid": (
        "cluster_id «{value}» no es válido; use solo letras sin tildes, números, guion (-) o "
        "guion bajo (_), sin espacios y hasta {max} caracteres, por ejemplo huila_cafe"
    ),
    "cluster_id_duplicate": "cluster_id «{value}» está repetido: ya aparece en la línea {line}",
    "cluster_id_duplicate_case": (
        "cluster_id «{value}» está repetido: en la línea {line} aparece «{other}», que solo "
        "cambia en mayúsculas y minúsculas"
    ),
    "text_missing": "falta {what}; es obligatorio",
    "text_too_long": "{column} tiene {length} caracteres; el máximo es {max}",
    "department_missing": (
        "falta el departamento; escriba uno de los 32 departamentos de Colombia o Bogotá D.C."
    ),
    "department_invalid": (
        "departamento «{value}» no es un departamento de Colombia{suggestion}; escriba el nombre "
        "del departamento, por ejemplo Huila, Valle del Cauca o Bogotá D.C."
    ),
    "choice_missing": "falta {column}; use {choices}",
    "choice_invalid": "{column} «{value}» no es válido; use {choices}",
    "year_invalid": (
        "anio_creacion «{value}» no es un año; escriba el año con sus cuatro cifras, "
        "por ejemplo 2015, o deje la celda vacía"
    ),
    "year_range": "anio_creacion {value} está fuera de rango; debe estar entre {min} y {max}",
    "row_invalid": "la fila no es válida ({detail})",
}

# The report around the errors.
REGISTRY_TEXTS: dict[str, str] = {
    "error_line": "línea {line}: {message}",
    "error_line_column": "línea {line}, columna {column}: {message}",
    "more_errors": "… y {count} errores más",
    "summary": "{valid} {valid_rows}, {rejected} {rejected_word}",
}

# The {what} of "text_missing", by column.
REGISTRY_TEXT_WHAT: dict[str, str] = {
    "nombre": "el nombre del clúster",
    "entidad_gestora": "el nombre de la entidad gestora",
}
