"""The data behind the summary, for analysts: registry, answers and scores as XLSX or CSV.

Pure: data in, bytes out. No database, no Telegram, no files of ours (openpyxl itself spools
each worksheet through a temporary file while it saves).

:func:`export_tables` turns the registry and the submitted responses into tables, each a
``(header, rows)`` pair (``tables.py``); :func:`to_xlsx` (``xlsx.py``) and :func:`to_csv_zip`
(``csvzip.py``) write them. Column names are the ids of methodology §2–§4 (registry columns,
question, indicator, area and gate ids) exactly: they are the variable names in R, Stata or
SPSS. The few other columns have Spanish names (``medicion``, ``fecha_envio``, ``nivel``…).
One header row of variable names (a pivot table and R need exactly one); each column's Spanish
label, type, unit, options (label and score) and scoring rule are in ``diccionario``
(``codebook.py``), and in the workbook each header cell carries its label as a note.

- ``diccionario``: ``hoja, variable, etiqueta, tipo, unidad, opciones, regla``; one row per
  column of every other sheet.

- ``registro``: the registry columns (:data:`bot.files.registry.COLUMNS`), one row per cluster.
- ``respuestas``: ``cluster_id, nombre, departamento, sector, medicion, origen,
  version_cuestionario, fecha_envio`` and one column per question id in questionnaire order;
  after a ``multi`` question's joined cell, one 0/1 column per option (``q__choice``); after a
  question that accepts «No disponible», its flag ``q__nd`` (1: n/d, 0: answered, empty: not
  answered), and a numeric question's own cell is then empty, so no numeric column holds text.
  One row per submission.
- ``puntajes``: ``cluster_id, nombre, departamento, sector, medicion, origen, ims, nivel,
  nivel_etiqueta``, the indicator ids, the area ids, the gate ids, then every flag id of the
  questionnaire that is not also a gate id. (No review status: none exists yet.) The shipped gate
  ``estrategia_actualizada`` *is* the flag of the same name (same value by construction), so the
  column appears once, among the gates: a repeated column name breaks R and SPSS.
- ``largo``: ``cluster_id, medicion, pregunta_id, valor``; one row per answered question, in
  submission then questionnaire order. A ``multi`` answer is one row with its ids joined by
  ``;`` (as in the wide table), so "one row per answered question" holds and the value reads the
  same in both tables; ``tidyr::separate_rows(valor, sep = ";")`` splits it. ``valor`` is
  the one mixed column (text or number), typed so in the codebook.
- ``evolucion`` (every campaign in one file): per cluster, area (and ``ims``) and campaign the
  score, the cluster's previous campaign with a score, that score and the change in points.
- ``historial``: every answer changed after a submission (the manager correcting, or an
  admin with ``/corregir``): who, when, the old value, the new one and the reason.
- ``evidencias``: every evidence file attached to an answer (name, type, size, SHA-256).
  Every data sheet but ``registro`` (which is not per campaign) has the ``medicion`` column.

Decisions:

- **Values** (methodology §1): a choice id as is; ``multi`` → ids joined by ``;``; ``yesno`` and
  every boolean (gates, flags) → ``si``/``no``, in both formats, so the whole export has one
  convention; ``n/d`` is the flag above (it is not zero); numbers stay numbers; an unanswered or
  irrelevant question is an empty cell. Only *relevant* answers are exported
  (:meth:`Questionnaire.relevant_answers`): a stale answer made irrelevant by a later change does
  not count in the scores and is not shown either. Answer ids unknown to the questionnaire are
  left out (they have no column).
- **Time**: ``submitted_at`` (aware; a naive value is taken as UTC, as the storage writes it) is
  written in Colombia's local time (America/Bogota, UTC−5 all year) without an offset, to the
  second: a real date-time cell (``yyyy-mm-dd hh:mm:ss``) in XLSX, ``2021-06-15 10:30:00`` in
  CSV, which Excel, R (``as.POSIXct``, readr) and pandas all parse.
- **CSV**: UTF-8 with BOM, ``,`` delimiter, ``.`` decimal point, CRLF, minimal quoting
  (RFC 4180, the csv module's ``excel`` dialect). Excel in Spanish uses ``;`` as its list
  separator, but a ``;`` file with ``.`` decimals would turn ``66.3`` into text or a date there,
  and ``,`` decimals would break every statistics package: the default CSV is for
  R/Stata/SPSS/Python, and ``excel_es`` writes ``;`` with decimal commas (both, never one
  alone) for Spanish Excel. README.txt (in the ZIP, in Spanish) says which and how to import.
  Integral floats are written without ``.0`` (``75``), others in shortest round-trip form.
- **XLSX**: one sheet per table, named like the table; header bold, first row and first column
  (``cluster_id``) frozen, an autofilter, column widths from the header and the first rows;
  integers of a million or more get ``#,##0`` (Excel's General format shows 457000000000 as
  4,57E+11). The workbook's title is ``title``.
- **Formula neutralisation** (OWASP "CSV injection"), in both formats and whatever the table: a
  text cell that begins with ``=``, ``+``, ``-``, ``@``, tab or carriage return (or the full-width
  ``＝＋－＠`` that some Excel locales also take as formulas) gets a leading ``'`` in CSV (the
  only way a CSV can say "text"). In XLSX the cell is text by its type and shows exactly what
  was written, with no ``'``: text is always written as an inline string (``t="inlineStr"``),
  never through openpyxl's value guessing (which stores a string starting with ``=`` as a
  formula and ``#N/A`` as an error), and such a cell also gets the quote-prefix style
  (``quotePrefix="1"``, what Excel itself sets when one types ``'=1+1``), so editing the cell
  in Excel keeps it text. Numbers, negative ones included, are never text and stay numbers.
  Characters that XML 1.0 cannot hold (control characters other than tab, LF, CR) are removed
  first, in both formats, so the two files say the same and nothing is hidden in front of a
  ``=``.
- **Speed**: openpyxl's write-only mode writes ~130,000 cells per second without lxml, and an
  export of 10,000 submissions is ~2.4 million cells (the long table is two thirds of them). So
  openpyxl (write-only) builds the workbook: sheets, styles, frozen panes, widths, filter,
  properties and each header row; the data rows are then streamed straight into each sheet's
  ``<sheetData>`` as XML (the same cell XML that openpyxl writes). If openpyxl's output ever
  does not have the expected shape, the whole workbook is written by openpyxl alone (slower,
  same content) and a WARNING is logged; openpyxl is pinned to the 3.1 series it was checked on.
"""

from __future__ import annotations

from bot.reports.export.codebook import NUMERIC_KINDS
from bot.reports.export.csvzip import to_csv_zip
from bot.reports.export.tables import (
    SEP,
    EvidenceRow,
    ExportRow,
    HistoryRow,
    Table,
    TableBuilder,
    column_specs,
    export_tables,
)
from bot.reports.export.values import NO, YES, Tables, local_time, neutralise
from bot.reports.export.xlsx import to_xlsx

__all__ = [
    "NO",
    "NUMERIC_KINDS",
    "SEP",
    "YES",
    "EvidenceRow",
    "ExportRow",
    "HistoryRow",
    "Table",
    "TableBuilder",
    "Tables",
    "column_specs",
    "export_tables",
    "local_time",
    "neutralise",
    "to_csv_zip",
    "to_xlsx",
]
