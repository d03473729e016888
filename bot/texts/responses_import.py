"""Spanish texts of the import of historical responses (``ssme import-responses``).

The report goes to an analyst or admin who prepared a CSV with one row per cluster: each line
says where (line and column, as the spreadsheet shows them) and what is expected. The messages
about a single answer are those of the conversation (``bot.texts.ANSWER_ERRORS`` and the
consistency rules of the questionnaire); what is here is about the file, its header and its rows.
What any CSV import says (encoding, Excel workbooks, repeated columns, row shape, the summary
words) is in :mod:`bot.texts.csvfiles`, merged into :data:`RESPONSES_ERRORS` here.

Templates use ``str.format`` placeholders, filled by :mod:`bot.files.responses`. Values are shown
between «».
"""

from __future__ import annotations

from bot.texts.csvfiles import CSV_ERRORS

# Problems, keyed by code. One line each, lower-case start (they follow "línea 7, columna x: ").
RESPONSES_ERRORS: dict[str, str] = {
    **CSV_ERRORS,
    # The file as a whole.
    "binary": (
        "el archivo no parece de texto (tiene caracteres nulos); envíe las respuestas como CSV"
    ),
    "empty": (
        "el archivo está vacío; la primera línea debe ser el encabezado: cluster_id y los "
        "identificadores de las preguntas, como en la plantilla"
    ),
    "no_rows": "el archivo solo tiene el encabezado; agregue debajo una fila por clúster",
    # The header.
    "missing_cluster_column": (
        "falta la columna «cluster_id» en el encabezado; es la que dice de qué clúster es cada fila"
    ),
    "unknown_column": (
        "la columna «{column}» no es una pregunta del cuestionario{suggestion}; el encabezado "
        "lleva cluster_id y los identificadores de las preguntas, como en la plantilla"
    ),
    # The cluster of a row.
    "cluster_id_missing": "falta el cluster_id; cada fila debe decir de qué clúster es",
    "cluster_id_unknown": (
        "cluster_id «{value}» no está en el registro de clústeres{suggestion}; corrija el código "
        "o cargue primero el clúster en el registro"
    ),
    "cluster_id_duplicate": (
        "cluster_id «{value}» está repetido: ya aparece en la línea {line}; deje una sola fila "
        "por clúster"
    ),
    # Answers: the message of the conversation, with the cell that caused it.
    "cell": "«{value}»: {message}",
    "scientific": (
        " Parece notación científica de Excel: antes de guardar el CSV, dé a la columna formato "
        "de número sin decimales."
    ),
    "rule_columns": " (columnas: {columns})",
    "bad_submitted_at": (
        "«{value}» no es una fecha de envío: escriba AAAA-MM-DD o AAAA-MM-DD HH:MM (hora de "
        "Colombia)"
    ),
    "future_submitted_at": "la fecha de envío «{value}» está en el futuro",
    "row_invalid": "la fila no se pudo validar ({detail}); revise sus celdas",
}

# Warnings: the row is imported, but someone should look.
RESPONSES_WARNINGS: dict[str, str] = {
    "missing_columns": (
        "el encabezado no tiene {what} {columns}; en todas las filas esas preguntas quedan sin "
        "respuesta"
    ),
    "missing_columns_one": "la columna",
    "missing_columns_many": "las columnas",
}

RESPONSES_TEXTS: dict[str, str] = {
    "error_line": "línea {line}: {message}",
    "error_line_column": "línea {line}, columna {column}: {message}",
    "warning_line": "aviso, línea {line}: {message}",
    "warning_line_column": "aviso, línea {line}, columna {column}: {message}",
    "nothing_imported": (
        "Mientras haya errores no se importa ninguna fila: corrija el archivo y cárguelo de "
        "nuevo completo."
    ),
    "summary": "{valid} {valid_word}, {rejected} {rejected_word}",
    "summary_warnings": ", {count} {warning_word}",
}
WARNING_WORDS = ("aviso", "avisos")
MORE_ERRORS = ("… y {count} error más", "… y {count} errores más")
MORE_WARNINGS = ("… y {count} aviso más", "… y {count} avisos más")
