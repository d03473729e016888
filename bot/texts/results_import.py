"""Spanish texts of the import of published results (``ssme import-results``).

Templates use ``str.format`` placeholders, filled by :mod:`bot.files.results`; values are
shown between «». What any CSV import says is in :mod:`bot.texts.csvfiles`.
"""

from __future__ import annotations

from bot.texts.csvfiles import CSV_ERRORS

RESULTS_ERRORS: dict[str, str] = {
    **CSV_ERRORS,
    "binary": "el archivo no parece de texto; envíe los resultados como CSV",
    "empty": (
        "el archivo está vacío; la primera línea debe ser el encabezado: cluster_id, ims, level "
        "y las áreas, como en la plantilla (ssme import-results --template)"
    ),
    "no_rows": "el archivo solo tiene el encabezado; agregue debajo una fila por clúster",
    "unknown_column": (
        "la columna «{column}» no es de resultados{suggestion}; el encabezado lleva cluster_id, "
        "ims, level, las áreas y, si quiere, los indicadores, como en la plantilla"
    ),
    "missing_column": "falta esta columna en el encabezado; es obligatoria",
    "cluster_missing": "falta el cluster_id; cada fila debe decir de qué clúster es",
    "cluster_unknown": (
        "cluster_id {value} no está en el registro de clústeres; corrija el código o cargue "
        "primero el clúster (ssme import-clusters)"
    ),
    "cluster_repeated": "cluster_id «{value}» está repetido: ya aparece en la línea {line}",
    "bad_level": "nivel {value} no reconocido: use {levels} (o su nombre, como Consolidado)",
    "bad_score": "{value} no es un puntaje de 0 a 100 (por ejemplo 66.3 o 66,3)",
}
RESULTS_TEXTS: dict[str, str] = {
    "error_line": "línea {line}: {message}",
    "error_line_column": "línea {line}, columna {column}: {message}",
    "more_errors": "… y {count} errores más",
    "summary": "{valid} {valid_word}, {rejected} {rejected_word}",
    "already": "línea {line}: el clúster {cluster} ya tiene respuesta en esta medición.",
    "imported": (
        "✔️ {n} resultados publicados importados en la medición {campaign}, marcados como "
        "importados."
    ),
    "nothing": "No se importó nada: corrija las filas rechazadas y cargue el archivo de nuevo.",
}
