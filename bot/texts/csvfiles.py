"""Spanish texts about CSV files as such, shared by every CSV import (registry, responses).

They say what is wrong with the file, its header or the shape of a row, whatever the file holds:
how to save a CSV from Excel, an unreadable line, a repeated column, a row with too many fields.
Each import adds its own texts for what depends on the content (``binary``, ``unknown_column``,
``empty``...) in :mod:`bot.texts.registry` and :mod:`bot.texts.responses_import`, which merge
:data:`CSV_ERRORS` into their own error dicts.

Templates use ``str.format`` placeholders, filled by :mod:`bot.files.csvio` and the importers.
Values are shown between «».
"""

from __future__ import annotations

# Problems, keyed by ``bot.files.csvio.CsvProblem.code``. One line each, lower-case start (they
# follow "línea 7, columna x: ").
CSV_ERRORS: dict[str, str] = {
    # The file as a whole.
    "excel_workbook": (
        "el archivo es un libro de Excel, no un CSV; en Excel use Archivo > Guardar como > "
        "«CSV UTF-8 (delimitado por comas)» y envíe ese archivo"
    ),
    "utf16": (
        "el archivo está en UTF-16 («Texto Unicode»); guárdelo como "
        "«CSV UTF-8 (delimitado por comas)»"
    ),
    "encoding": (
        "el archivo no está en UTF-8 ni en Windows-1252 (byte 0x{byte} no válido); "
        "guárdelo como «CSV UTF-8 (delimitado por comas)»"
    ),
    "unreadable": (
        "no se pudo leer el archivo desde esta línea ({detail}); "
        "revise que las comillas de las celdas estén cerradas"
    ),
    # The header.
    "duplicate_column": "la columna «{column}» está repetida en el encabezado",
    "tab_separated": (
        "el encabezado parece separado por tabuladores; guarde el archivo como CSV separado por "
        "comas (,) o por punto y coma (;)"
    ),
    # The shape of a row.
    "field_count": (
        "la fila tiene {found} campos y el encabezado tiene {expected}; revise que no sobren ni "
        "falten separadores «{delimiter}»{quotes}"
    ),
    "unnamed_column": (
        "hay un valor («{value}») en la columna {position}, que no tiene nombre en el encabezado"
    ),
}

# Pieces of the messages above, and notes about the file that are not errors.
CSV_TEXTS: dict[str, str] = {
    "note_cp1252": (
        "Nota: el archivo no estaba en UTF-8; se leyó como Windows-1252 (el «CSV» de Excel en "
        "Windows). Revise que las tildes y la ñ se vean bien{example}."
    ),
    "note_example": ", por ejemplo «{word}»",
    # The {detail} of "unreadable".
    "unreadable_field_limit": "una celda supera {limit} caracteres",
    "unreadable_format": "formato CSV no válido",
    # The {quotes} of "field_count", when the record spans several lines.
    "field_count_quotes": (
        " y que estén cerradas las comillas de la celda que va de la línea {start} a la {end}"
    ),
    # Instead of the summary line when the header is wrong: the rows were never checked.
    "unchecked": (
        "Ninguna fila se revisó ({n} en el archivo): corrija primero el encabezado; las filas "
        "se revisan cuando el encabezado está bien."
    ),
    # The {suggestion} of "unknown_column" and of other "not a known name" messages.
    "suggestion": " (¿quiso decir {name}?)",
}

# The summary line of an import report: "3 filas válidas, 1 rechazada".
ROW_WORDS = ("fila válida", "filas válidas")
REJECTED_WORDS = ("rechazada", "rechazadas")
