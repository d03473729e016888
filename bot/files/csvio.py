"""Reading the CSV files that people upload: the plumbing every CSV import shares.

Used by :mod:`bot.files.registry` (the cluster registry) and :mod:`bot.files.responses` (historical
responses). Pure: the input is the given bytes or text. Nothing here raises for any input: every
problem is a :class:`CsvProblem` (1-based physical line, column, code and the parameters of its
message); each import words it with its own texts, which merge the shared ones of
:data:`bot.texts.csvfiles.CSV_ERRORS`.

Decisions:

- **Encoding** (:func:`decode`): UTF-8 with or without BOM; otherwise Windows-1252 (what Excel on
  Windows in Colombia saves as «CSV»), with a note saying so and a sample word so the person can
  check that accents survived. UTF-16 files, Excel workbooks (.xlsx/.xls) and files with NUL
  characters are refused (codes ``utf16``, ``excel_workbook``, ``binary``); bytes that are neither
  UTF-8 nor Windows-1252 give ``encoding``.
- **Delimiter** (:func:`choose_delimiter`): ``,`` or ``;``. A first line ``sep=;`` or ``sep=,``
  (Excel's hint) is honoured and skipped. Otherwise :class:`csv.Sniffer`, restricted to those two,
  is cross-checked with the header: the delimiter that splits the header into more of the
  expected column names wins; without a sniffed delimiter, the header alone decides.
- **Records** (:func:`read_records`): a record's line is the physical line where it *starts*,
  counted with :attr:`csv.reader.line_num`, so quoted cells that span several lines keep later
  lines right. Lines end at ``\\n``, ``\\r\\n`` or ``\\r``. Blank records (empty lines, or only
  separators and spaces as Excel writes them) are skipped. A line the csv module cannot read
  stops the reading there (``unreadable``), keeping the records before it.
- **Header** (:func:`check_header`): names trimmed and lower-cased; a header that is one field
  holding a tab or ``|`` is ``tab_separated``; a repeated name is ``duplicate_column`` (once per
  name); a name not expected is ``unknown_column``, with a ``¿quiso decir …?`` suggestion from
  the caller's suggestion map. Empty names (a trailing ``;``) are ignored here; a value under one
  is ``unnamed_column`` (:func:`record_cells`). Missing columns are the caller's to check.
- **Row shape** (:func:`record_cells`): the field count must match the header's
  (``field_count``, which points at an open quote when the record spans several lines).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.texts.csvfiles import CSV_TEXTS

__all__ = [
    "DELIMITERS",
    "CsvProblem",
    "CsvRead",
    "Record",
    "check_header",
    "choose_delimiter",
    "closest_name",
    "collapse_spaces",
    "decode",
    "detect_delimiter",
    "excel_sep",
    "first_line",
    "header_line",
    "read_csv",
    "read_records",
    "record_cells",
    "show_value",
    "strip_accents",
    "suggestion",
]

DELIMITERS: tuple[str, ...] = (",", ";")
SNIFF_SAMPLE = 4096  # Sniffer's quote regex is quadratic on hostile input: keep the sample small
SHOW_MAX = 40
SUGGEST_CUTOFF = 0.75

_EXCEL_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # .xlsx (zip), .xls (OLE2)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_SEP_RE = re.compile(r"\s*sep=([,;])\s*", flags=re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CsvProblem:
    """A problem in the file, before it is worded: the caller formats ``texts[code]`` with
    ``params`` (see :meth:`message`). ``line`` is 1-based and physical; ``column`` is None for
    the row or the file."""

    line: int
    column: str | None
    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    def message(self, texts: Mapping[str, str]) -> str:
        """The Spanish message, from ``texts`` (an import's error dict) keyed by ``code``."""
        return texts[self.code].format(**self.params)


@dataclass(frozen=True)
class Record:
    """One CSV record: the physical lines where it starts and ends, and its raw fields."""

    start: int
    end: int
    fields: list[str]

    @property
    def blank(self) -> bool:
        return not any(cell.strip() for cell in self.fields)


@dataclass(frozen=True)
class CsvRead:
    """What :func:`read_csv` read: the file's non-blank records, header first.

    ``failure`` is the problem that stopped the reading: the whole file (then ``records`` is
    empty, ``encoding`` is ``""`` and ``delimiter`` the default) or the line where the csv
    module gave up (the records before it are kept). ``header_line`` is where the header is
    expected (2 after a ``sep=`` line).
    """

    records: list[Record]
    failure: CsvProblem | None
    notes: list[str] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","
    header_line: int = 1


# ---------------------------------------------------------------------------------------------
# Text helpers
# ---------------------------------------------------------------------------------------------


def strip_accents(text: str) -> str:
    """``Bogotá`` → ``Bogota``: the text without combining marks (NFKD)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def collapse_spaces(text: str) -> str:
    """Runs of whitespace (newlines included) as one space, without leading or trailing ones."""
    return " ".join(text.split())


def show_value(value: str) -> str:
    """A cell or column name as shown in a one-line message: spaces collapsed, shortened."""
    text = collapse_spaces(value)
    return text if len(text) <= SHOW_MAX else text[: SHOW_MAX - 1] + "…"


def closest_name(
    name: str, candidates: Mapping[str, str], *, key: Callable[[str], str] | None = None
) -> str | None:
    """The value of ``candidates`` whose key is ``key(name)`` or else the closest to it, or None.

    ``candidates`` maps comparable forms (``key`` applied to them) to the names to suggest;
    without ``key`` the name is compared as it is.
    """
    k = name if key is None else key(name)
    if k in candidates:
        return candidates[k]
    close = difflib.get_close_matches(k, list(candidates), n=1, cutoff=SUGGEST_CUTOFF)
    return candidates[close[0]] if close else None


def suggestion(
    name: str, candidates: Mapping[str, str], *, key: Callable[[str], str] | None = None
) -> str:
    """`` (¿quiso decir x?)`` for :func:`closest_name`, or ``""`` when nothing is close."""
    best = closest_name(name, candidates, key=key)
    return "" if best is None else CSV_TEXTS["suggestion"].format(name=best)


# ---------------------------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------------------------


def _line_at(prefix: str | bytes) -> int:
    """1-based line on which the text that follows ``prefix`` starts (LF, CRLF or CR)."""
    if isinstance(prefix, bytes):
        return prefix.count(b"\n") + prefix.count(b"\r") - prefix.count(b"\r\n") + 1
    return prefix.count("\n") + prefix.count("\r") - prefix.count("\r\n") + 1


def decode(data: bytes | str) -> tuple[str, str, list[str], CsvProblem | None]:
    """(text, encoding, notes, fatal problem) of an uploaded file; see the module docstring.

    On a fatal problem the text and encoding are ``""`` and there are no notes. A ``str`` is
    taken as UTF-8 text (a leading BOM is dropped).
    """
    if isinstance(data, str):
        text = data.removeprefix("\ufeff")
        encoding = "utf-8"
        notes: list[str] = []
    else:
        raw = bytes(data)
        if raw.startswith(_EXCEL_MAGIC):
            return "", "", [], CsvProblem(1, None, "excel_workbook")
        if raw.startswith(_UTF16_BOMS):
            return "", "", [], CsvProblem(1, None, "utf16")
        notes = []
        try:
            text = raw.decode("utf-8-sig")
            encoding = "utf-8"
        except UnicodeDecodeError:
            try:
                text = raw.decode("cp1252")
            except UnicodeDecodeError as exc:
                line = _line_at(raw[: exc.start])
                bad = raw[exc.start : exc.start + 1].hex().upper()
                return "", "", [], CsvProblem(line, None, "encoding", {"byte": bad})
            encoding = "cp1252"
            word = re.search(r"\w*[^\x00-\x7f]\w*", text)
            example = (
                CSV_TEXTS["note_example"].format(word=show_value(word.group())) if word else ""
            )
            notes.append(CSV_TEXTS["note_cp1252"].format(example=example))
    if "\x00" in text:
        return "", "", [], CsvProblem(_line_at(text[: text.index("\x00")]), None, "binary")
    return text, encoding, notes, None


# ---------------------------------------------------------------------------------------------
# Dialect
# ---------------------------------------------------------------------------------------------


def first_line(text: str) -> str:
    """The first physical line, without its line end."""
    return io.StringIO(text, newline="").readline().rstrip("\r\n")


def header_line(text: str) -> str:
    """The first line that is not blank, without its line end (``""`` if there is none)."""
    for line in io.StringIO(text, newline=""):
        if line.strip():
            return line.rstrip("\r\n")
    return ""


def excel_sep(text: str) -> str | None:
    """The delimiter of an Excel ``sep=;`` / ``sep=,`` first line, or None without one."""
    match = _SEP_RE.fullmatch(first_line(text))
    return match.group(1) if match else None


def _known_names(line: str, delimiter: str, known: Sequence[str]) -> int:
    try:
        fields = next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])
    except csv.Error:
        return 0
    return sum(1 for name in fields if name.strip().lower() in known)


def detect_delimiter(text: str, known: Sequence[str]) -> str:
    """``,`` or ``;``: the sniffed one unless the other splits the header into more ``known``
    column names; without a sniffed one, the header's known names, then its separator count."""
    sample = text[:SNIFF_SAMPLE]
    if len(text) > SNIFF_SAMPLE and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        sniffed: str | None = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except (csv.Error, ValueError, TypeError, IndexError):
        sniffed = None
    if sniffed not in DELIMITERS:
        sniffed = None
    header = header_line(text)
    scores = {d: _known_names(header, d, known) for d in DELIMITERS}
    if sniffed is not None:
        other = DELIMITERS[1 - DELIMITERS.index(sniffed)]
        return other if scores[other] > scores[sniffed] else sniffed
    if scores[","] != scores[";"]:
        return "," if scores[","] > scores[";"] else ";"
    return ";" if header.count(";") > header.count(",") else ","


def choose_delimiter(text: str, known: Sequence[str]) -> tuple[str, int]:
    """(delimiter, lines to skip before the header): an Excel ``sep=`` line, else detection."""
    sep = excel_sep(text)
    if sep is not None:
        return sep, 1
    return detect_delimiter(text, known), 0


# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------


def read_records(
    text: str, delimiter: str, skip: int = 0
) -> tuple[list[Record], CsvProblem | None]:
    """The non-blank records that start after line ``skip``, and the ``unreadable`` problem
    where the csv module gave up (None when it read to the end)."""
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', skipinitialspace=True
    )
    records: list[Record] = []
    consumed = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return records, None
        except csv.Error as exc:
            if "field limit" in str(exc):
                limit = f"{csv.field_size_limit():,}".replace(",", ".")
                detail = CSV_TEXTS["unreadable_field_limit"].format(limit=limit)
            else:
                detail = CSV_TEXTS["unreadable_format"]
            return records, CsvProblem(consumed + 1, None, "unreadable", {"detail": detail})
        record = Record(consumed + 1, reader.line_num, fields)
        consumed = reader.line_num
        if record.start > skip and not record.blank:
            records.append(record)


def read_csv(data: bytes | str, known: Sequence[str]) -> CsvRead:
    """Decode, choose the delimiter (``known``: the expected column names) and read records."""
    text, encoding, notes, fatal = decode(data)
    if fatal is not None:
        return CsvRead([], fatal, notes, encoding)
    delimiter, skip = choose_delimiter(text, known)
    records, failure = read_records(text, delimiter, skip)
    return CsvRead(records, failure, notes, encoding, delimiter, skip + 1)


# ---------------------------------------------------------------------------------------------
# Header and row shape
# ---------------------------------------------------------------------------------------------


def check_header(
    record: Record,
    known: Sequence[str],
    suggestions: Mapping[str, str],
    *,
    key: Callable[[str], str] | None = None,
) -> tuple[list[str], list[CsvProblem]]:
    """(names, problems) of the header record: names trimmed and lower-cased, in file order.

    Problems: ``tab_separated``; ``duplicate_column`` once per repeated name; ``unknown_column``
    for a name not in ``known``, with params ``column``, ``suggestion`` (from
    :func:`suggestion` over ``suggestions`` and ``key``) and ``columns`` (``known`` joined by
    ``, ``). Missing columns are left to the caller.
    """
    names = [cell.strip().lower() for cell in record.fields]
    line = record.start
    problems: list[CsvProblem] = []
    if len(names) == 1 and ("\t" in names[0] or "|" in names[0]):
        problems.append(CsvProblem(line, None, "tab_separated"))
    seen: set[str] = set()
    repeated: set[str] = set()
    for name in names:
        if not name:
            continue
        shown = show_value(name)
        if name in seen:
            if name not in repeated:
                repeated.add(name)
                problems.append(CsvProblem(line, shown, "duplicate_column", {"column": shown}))
            continue
        seen.add(name)
        if name not in known:
            params = {
                "column": shown,
                "suggestion": suggestion(name, suggestions, key=key),
                "columns": ", ".join(known),
            }
            problems.append(CsvProblem(line, shown, "unknown_column", params))
    return names, problems


def record_cells(
    record: Record, names: Sequence[str], delimiter: str
) -> tuple[dict[str, str] | None, list[CsvProblem]]:
    """(cells by column name, problems) of a data record, cells as they are (not trimmed).

    A field count other than the header's is one ``field_count`` problem and no cells; a value
    under a column without a name is ``unnamed_column`` (the other cells are still returned).
    """
    line = record.start
    if len(record.fields) != len(names):
        quotes = ""
        if record.end > record.start:
            quotes = CSV_TEXTS["field_count_quotes"].format(start=record.start, end=record.end)
        params = {
            "found": len(record.fields),
            "expected": len(names),
            "delimiter": delimiter,
            "quotes": quotes,
        }
        return None, [CsvProblem(line, None, "field_count", params)]
    problems: list[CsvProblem] = []
    cells: dict[str, str] = {}
    for position, (name, cell) in enumerate(zip(names, record.fields, strict=True), start=1):
        if name:
            cells[name] = cell
        elif cell.strip():
            params = {"value": show_value(cell), "position": position}
            problems.append(CsvProblem(line, None, "unnamed_column", params))
    return cells, problems
