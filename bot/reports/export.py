"""The data behind the summary, for analysts: registry, answers and scores as XLSX or CSV.

Pure: data in, bytes out. No database, no Telegram, no files of ours (openpyxl itself spools
each worksheet through a temporary file while it saves).

:func:`export_tables` turns the registry and the submitted responses into four tables, each a
``(header, rows)`` pair; :func:`to_xlsx` and :func:`to_csv_zip` write them. Column names are the
ids of methodology §2–§4 (registry columns, question, indicator, area and gate ids) exactly:
they are the variable names in R, Stata or SPSS.

- ``registro``: the registry columns (:data:`bot.files.registry.COLUMNS`), one row per cluster.
- ``respuestas``: ``cluster_id, nombre, campaign, questionnaire_version, submitted_at`` and one
  column per question id in questionnaire order; one row per submission.
- ``puntajes``: ``cluster_id, campaign, ims, level``, the indicator ids, the area ids, the gate
  ids, then every flag id of the questionnaire that is not also a gate id. The shipped gate
  ``estrategia_actualizada`` *is* the flag of the same name (same value by construction), so the
  column appears once, among the gates: a repeated column name breaks R and SPSS.
- ``largo``: ``cluster_id, campaign, question_id, value``; one row per answered question, in
  submission then questionnaire order. A ``multi`` answer is one row with its ids joined by
  ``;`` (as in the wide table), so "one row per answered question" holds and the value reads the
  same in both tables; ``tidyr::separate_rows(value, sep = ";")`` splits it.

Decisions:

- **Values** (methodology §1): a choice id as is; ``multi`` → ids joined by ``;``; ``yesno`` and
  every boolean (gates, flags) → ``si``/``no``, in both formats, so the whole export has one
  convention; ``n/d`` stays ``n/d`` (it is not zero); numbers stay numbers; an unanswered or
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
  and ``,`` decimals would break every statistics package: the CSV is for R/Stata/SPSS/Python,
  the XLSX is for Excel, and README.txt (in the ZIP, in Spanish) says so and how to import.
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
  same content).
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from enum import Enum
from posixpath import join as posix_join
from posixpath import normpath
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from bot.files.registry import COLUMNS as REGISTRY_COLUMNS
from bot.questionnaire.model import Questionnaire, Value
from bot.texts import export as texts

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell

__all__ = [
    "ANSWER_COLUMNS",
    "LONG_COLUMNS",
    "NO",
    "SCORE_COLUMNS",
    "TABLES",
    "YES",
    "ExportRow",
    "Table",
    "Tables",
    "export_tables",
    "local_time",
    "neutralise",
    "to_csv_zip",
    "to_xlsx",
]

Table = tuple[list[str], list[list[Any]]]
Tables = Mapping[str, Table]

TABLES = ("registro", "respuestas", "puntajes", "largo")
ANSWER_COLUMNS = ("cluster_id", "nombre", "campaign", "questionnaire_version", "submitted_at")
SCORE_COLUMNS = ("cluster_id", "campaign", "ims", "level")
LONG_COLUMNS = ("cluster_id", "campaign", "question_id", "value")
YES, NO = "si", "no"  # methodology §1: yesno in files

try:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    BOGOTA: tzinfo = ZoneInfo("America/Bogota")
except (ImportError, ZoneInfoNotFoundError):  # no tz database: Colombia is UTC−5 since 1993
    BOGOTA = timezone(timedelta(hours=-5), "COT")

DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"
BIG_NUMBER_FORMAT = "#,##0"
BIG_NUMBER = 1_000_000

_FORMULA_START = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
# Not allowed in XML 1.0 (or not encodable): C0 controls but tab/LF/CR, U+FFFE/U+FFFF, surrogates.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_XML_SPECIAL = re.compile("[&<>\r]")
_XML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
_WIDTH_SAMPLE = 200
_WIDTH_MIN, _WIDTH_MAX = 8, 50
_CHUNK = 2000  # rows per write to the zip stream
_TEXT_CACHE = 50_000  # distinct texts remembered per sheet while writing XLSX


@dataclass(frozen=True)
class ExportRow:
    """One submitted response with its cluster and its scores."""

    cluster: Mapping[str, Any]  # registry columns (a Cluster dataclass or ClusterRow works too)
    campaign_id: str
    questionnaire_version: str
    submitted_at: datetime  # aware (UTC); naive is taken as UTC
    answers: Mapping[str, Value]
    scores: Mapping[str, Any]  # ScoreResult.to_json(): indicators, areas, ims, level, gates, flags


# ---------------------------------------------------------------------------------------------
# Values → cells


def local_time(moment: datetime) -> datetime:
    """Colombian wall-clock time, naive, to the second (a naive input is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BOGOTA).replace(tzinfo=None, microsecond=0)


def _cell(value: Any) -> str | int | float | datetime | None:
    """A value as a table cell: text, a number, a naive local date-time or None (empty)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):  # naive: already Colombian time (as in the tables)
        return value if value.tzinfo is None else local_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ";".join("" if v is None else str(v) for v in map(_cell, value))
    return str(value)


def _clean(text: str) -> str:
    """Text without the characters XML 1.0 cannot hold."""
    return _ILLEGAL.sub("", text) if _ILLEGAL.search(text) else text


def looks_like_formula(text: str) -> bool:
    return bool(text) and text[0] in _FORMULA_START


def neutralise(text: str) -> str:
    """Text that no spreadsheet runs, for CSV: XML-illegal characters out, formula starts
    quoted."""
    text = _clean(text)
    return "'" + text if looks_like_formula(text) else text


def _as_mapping(obj: Any) -> Mapping[str, Any]:
    if isinstance(obj, Mapping):
        return obj
    if hasattr(obj, "model_dump"):
        return obj.model_dump()
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: getattr(obj, f.name) for f in fields(obj)}
    raise TypeError(f"expected a mapping of registry columns, got {type(obj).__name__}")


# ---------------------------------------------------------------------------------------------
# The tables


def _score_header(q: Questionnaire) -> tuple[list[str], list[str], list[str], list[str]]:
    indicators = [i.id for i in q.indicators]
    areas = [a.id for a in q.areas]
    gates = [g.id for g in q.gates]
    flags = [f.id for f in q.flags if f.id not in set(gates)]
    return indicators, areas, gates, flags


def export_tables(
    q: Questionnaire, registry: Sequence[Mapping[str, Any]], rows: Sequence[ExportRow]
) -> dict[str, Table]:
    """The four tables (see the module docstring), cells as str/int/float/datetime/None."""
    question_ids = [question.id for question in q.questions]
    indicators, areas, gates, flags = _score_header(q)

    registro: list[list[Any]] = []
    for entry in registry:
        cluster = _as_mapping(entry)
        registro.append([_cell(cluster.get(c)) for c in REGISTRY_COLUMNS])

    respuestas: list[list[Any]] = []
    puntajes: list[list[Any]] = []
    largo: list[list[Any]] = []
    for row in rows:
        cluster = _as_mapping(row.cluster)
        cluster_id = _cell(cluster.get("cluster_id"))
        campaign = _cell(row.campaign_id)
        answers = q.relevant_answers(row.answers)
        values = [_cell(answers.get(qid)) for qid in question_ids]
        respuestas.append(
            [
                cluster_id,
                _cell(cluster.get("nombre")),
                campaign,
                _cell(row.questionnaire_version),
                local_time(row.submitted_at),
                *values,
            ]
        )
        largo.extend(
            [cluster_id, campaign, qid, value]
            for qid, value in zip(question_ids, values, strict=True)
            if qid in answers
        )

        scores = row.scores
        ind = scores.get("indicators") or {}
        area = scores.get("areas") or {}
        gate = scores.get("gates") or {}
        puntajes.append(
            [
                cluster_id,
                campaign,
                _cell(scores.get("ims")),
                _cell(scores.get("level")),
                *(_cell(ind.get(i)) for i in indicators),
                *(_cell(area.get(a)) for a in areas),
                *(_cell(gate.get(g)) for g in gates),
                *(_cell(scores.get(f)) for f in flags),
            ]
        )

    return {
        "registro": (list(REGISTRY_COLUMNS), registro),
        "respuestas": ([*ANSWER_COLUMNS, *question_ids], respuestas),
        "puntajes": ([*SCORE_COLUMNS, *indicators, *areas, *gates, *flags], puntajes),
        "largo": (list(LONG_COLUMNS), largo),
    }


def _check(tables: Tables) -> None:
    for name, (header, rows) in tables.items():
        if not 1 <= len(name) <= 31 or any(c in name for c in "[]:*?/\\"):
            raise ValueError(f"table name {name!r} cannot name a sheet or a file")
        for i, row in enumerate(rows):
            if len(row) != len(header):
                raise ValueError(
                    f"table {name!r}, row {i + 1}: {len(row)} cells for {len(header)} columns"
                )


def _plural(forms: tuple[str, str], n: int) -> str:
    return (forms[0] if n == 1 else forms[1]).format(n=f"{n:,}".replace(",", "."))


# ---------------------------------------------------------------------------------------------
# CSV


def _csv_cell(value: Any) -> Any:
    kind = type(value)
    if kind is str:
        return neutralise(value)
    if kind is int:
        return value
    if kind is float:
        if not math.isfinite(value):
            return ""
        return int(value) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if value is None:
        return ""
    converted = _cell(value)
    if isinstance(converted, datetime):
        return converted.isoformat(sep=" ", timespec="seconds")
    return _csv_cell(converted)


def _readme(tables: Tables, title: str) -> str:
    table_lines = "\n".join(
        texts.TABLE_LINE.format(
            file=f"{name}.csv",
            rows=_plural(texts.ROWS, len(rows)),
            description=texts.TABLE_DESCRIPTIONS.get(name, ""),
        )
        for name, (_, rows) in tables.items()
    )
    column_lines = "\n".join(
        texts.COLUMN_LINE.format(column=column, description=description)
        for column, description in texts.COLUMN_DESCRIPTIONS.items()
    )
    return texts.README.format(title=title, tables=table_lines, columns=column_lines)


def to_csv_zip(tables: Tables, *, title: str | None = None) -> bytes:
    """A ZIP with one CSV per table (UTF-8 with BOM, ``,``, CRLF) and a README.txt in Spanish.

    ``title`` heads the README (default :data:`bot.texts.export.README_TITLE`).
    """
    _check(tables)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, (header, rows) in tables.items():
            with (
                zf.open(f"{name}.csv", "w") as raw,
                io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text,
            ):
                writer = csv.writer(text)
                writer.writerow([_csv_cell(h) for h in header])
                for start in range(0, len(rows), _CHUNK):
                    writer.writerows(
                        [_csv_cell(v) for v in row] for row in rows[start : start + _CHUNK]
                    )
        readme = _readme(tables, title or texts.README_TITLE).replace("\n", "\r\n")
        zf.writestr(texts.README_NAME, readme.encode("utf-8-sig"))
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# XLSX


def _display_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len(DATE_FORMAT)
    if isinstance(value, float):
        return len(repr(value))
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= BIG_NUMBER:
        return len(f"{value:,}")
    return max((len(line) for line in str(value).splitlines()), default=0)


def _widths(header: Sequence[Any], rows: Sequence[Sequence[Any]]) -> list[float]:
    widths = [_display_width(h) + 3 for h in header]  # bold header and the filter button
    for row in rows[:_WIDTH_SAMPLE]:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], _display_width(value) + 1)
    return [float(min(max(w, _WIDTH_MIN), _WIDTH_MAX)) for w in widths]


class _Styles:
    """Cell styles registered in the workbook, as WriteOnlyCell factories and style ids."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.bold = Font(bold=True)
        self.date_id = self.number(datetime(2000, 1, 1)).style_id
        self.big_id = self.number(BIG_NUMBER).style_id
        self.quoted_id = self.text("=").style_id

    def header(self, value: str) -> Cell:
        cell = self.text(value)
        cell.font = self.bold
        return cell

    def text(self, value: str) -> Cell:
        cell = WriteOnlyCell(self.ws)
        cell.value = value
        cell.data_type = "s"  # never a formula (=…) nor an error value (#N/A)
        if looks_like_formula(value):
            cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
        return cell

    def number(self, value: int | float | datetime) -> Cell:
        cell = WriteOnlyCell(self.ws, value=value)
        cell.number_format = DATE_FORMAT if isinstance(value, datetime) else BIG_NUMBER_FORMAT
        return cell


def _xlsx_value(value: Any) -> str | int | float | datetime | None:
    """The cell as the workbook holds it: clean text, a number, a local date-time or None."""
    kind = type(value)
    if kind is str:
        return _clean(value) or None
    if kind is int or value is None:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    converted = _cell(value)
    if isinstance(converted, datetime):
        return converted
    return _xlsx_value(converted)


def _is_big(value: int | float) -> bool:
    return abs(value) >= BIG_NUMBER and (isinstance(value, int) or value.is_integer())


def _escape(match: re.Match[str]) -> str:
    return _XML_ESCAPES[match.group()]


def _text_xml(value: str, quoted: str) -> str:
    """What follows ``<c r="A1`` for a text cell, or "" when it is empty; ``quoted`` is the
    style attribute of a text that looks like a formula."""
    value = _clean(value)
    if not value:
        return ""
    style = quoted if looks_like_formula(value) else ""
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f'"{style} t="inlineStr"><is><t{space}>{_XML_SPECIAL.sub(_escape, value)}</t></is></c>'


def _rows_xml(rows: Sequence[Sequence[Any]], ncols: int, styles: _Styles) -> Iterator[bytes]:
    """``<row>`` elements from row 2 on, in chunks of encoded XML (the cell XML of openpyxl)."""
    letters = [get_column_letter(i) for i in range(1, ncols + 1)]
    date_style = f'" s="{styles.date_id}"><v>'
    big_style = f'" s="{styles.big_id}"><v>'
    quoted = f' s="{styles.quoted_id}"'
    texts_seen: dict[str, str] = {}  # ids repeat a lot (cluster, campaign, question, choice ids)
    parts: list[str] = []
    append = parts.append
    for r, row in enumerate(rows, start=2):
        append(f'<row r="{r}">')
        for letter, value in zip(letters, row, strict=True):
            kind = type(value)
            if kind is str:
                tail = texts_seen.get(value)
                if tail is None:
                    tail = _text_xml(value, quoted)
                    if len(texts_seen) < _TEXT_CACHE:
                        texts_seen[value] = tail
                if tail:
                    append(f'<c r="{letter}{r}{tail}')
                continue
            if value is None:
                continue
            value = _xlsx_value(value)
            if isinstance(value, str):
                tail = _text_xml(value, quoted)
                if tail:
                    append(f'<c r="{letter}{r}{tail}')
            elif isinstance(value, datetime):
                append(f'<c r="{letter}{r}{date_style}{to_excel(value)!r}</v></c>')
            elif value is not None:
                style = big_style if _is_big(value) else '"><v>'
                append(f'<c r="{letter}{r}{style}{value!r}</v></c>')
        append("</row>")
        if r % _CHUNK == 0:
            yield "".join(parts).encode("utf-8")
            parts.clear()
    if parts:
        yield "".join(parts).encode("utf-8")


def _openpyxl_row(row: Sequence[Any], styles: _Styles) -> list[Any]:
    cells: list[Any] = []
    for raw in row:
        value = _xlsx_value(raw)
        if isinstance(value, str):
            cells.append(styles.text(value))
        elif isinstance(value, datetime) or (value is not None and _is_big(value)):
            cells.append(styles.number(value))
        else:
            cells.append(value)
    return cells


def _workbook(tables: Tables, title: str, *, with_rows: bool) -> tuple[bytes, _Styles | None]:
    """The workbook by openpyxl: every row when ``with_rows``, else only the header rows."""
    wb = Workbook(write_only=True)
    wb.properties.title = title
    wb.properties.creator = texts.WORKBOOK_CREATOR
    wb.properties.description = texts.WORKBOOK_DESCRIPTION
    styles: _Styles | None = None
    for name, (header, rows) in tables.items():
        ws = wb.create_sheet(title=name)
        if styles is None:
            styles = _Styles(ws)
        styles.ws = ws
        for i, width in enumerate(_widths(header, rows), start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        if header:
            ws.freeze_panes = "B2"
            ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
        ws.append([styles.header(_clean(h)) for h in header])
        if with_rows:
            for row in rows:
                ws.append(_openpyxl_row(row, styles))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), styles


_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _sheet_parts(package: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its part in the package, from xl/workbook.xml and its relationships."""
    workbook = ElementTree.fromstring(package.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    targets = {
        rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_NS_PKG_REL}Relationship")
    }
    parts = {}
    for sheet in workbook.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id"), "")
        path = target.lstrip("/") if target.startswith("/") else posix_join("xl", target)
        parts[sheet.get("name", "")] = normpath(path)
    return parts


def _fast_xlsx(tables: Tables, title: str) -> bytes | None:
    """Headers by openpyxl, data rows streamed into each sheet; None if the shape is unexpected."""
    skeleton, styles = _workbook(tables, title, with_rows=False)
    marker = b"</sheetData>"
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(skeleton)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        parts = _sheet_parts(src)
        sheets = {parts.get(name): name for name in tables}
        if None in sheets or len(sheets) != len(tables) or styles is None:
            return None
        for info in src.infolist():
            data = src.read(info)
            name = sheets.get(info.filename)
            if name is None:
                dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                continue
            if data.count(marker) != 1:
                return None
            head, _, tail = data.partition(marker)
            header, rows = tables[name]
            part = zipfile.ZipInfo(info.filename, info.date_time)
            part.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(part, "w") as stream:
                stream.write(head)
                for chunk in _rows_xml(rows, len(header), styles):
                    stream.write(chunk)
                stream.write(marker + tail)
    return out.getvalue()


def to_xlsx(tables: Tables, *, title: str) -> bytes:
    """An XLSX workbook with one sheet per table (see the module docstring)."""
    _check(tables)
    fast = _fast_xlsx(tables, title)
    if fast is not None:
        return fast
    return _workbook(tables, title, with_rows=True)[0]
