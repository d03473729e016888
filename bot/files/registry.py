"""The cluster registry: parsing and validation of the CSV file that admins upload.

Pure: the only input is the given bytes or text; no database, no Telegram, no files. Columns and
ids are those of methodology §2. :func:`parse_registry_csv` never raises for any input: every
problem becomes a :class:`RowError` with the 1-based physical line of the file (the header is
line 1), the column when there is one, and a Spanish message that says what is expected.

Decisions:

- **Reading the file** is :mod:`bot.files.csvio`'s, shared with the responses import: UTF-8 with or
  without BOM, else Windows-1252 with a note in :meth:`RegistryParse.report` (and a sample word
  so the admin can check that accents survived); UTF-16 files, Excel workbooks (.xlsx/.xls) and
  binary files get an error that says how to save a CSV. Delimiter ``,`` or ``;`` (an Excel
  ``sep=`` first line is honoured), the one that splits the header into more registry column
  names winning over :class:`csv.Sniffer`'s. A record's line is the physical line where it
  *starts*, so quoted cells that span several lines keep later lines right. Blank rows (empty
  lines, or only separators/spaces as Excel writes them) are skipped.
- **Header**: names trimmed and lower-cased. A missing required column, an unknown column or a
  repeated column gives one error each on the header line, and no row is validated or returned.
  Columns with an empty name (a trailing ``;`` in the header) are ignored, but a value under one
  is an error on that row. A header with no data row is an error too (an empty registry is almost
  certainly a mistake).
- **Cells** are trimmed. Every cell of a row is checked, so one upload reports all the problems
  of the row. A row with any error is left out of ``rows``; the caller's rule is to import nothing
  unless :attr:`RegistryParse.ok`.
- ``cluster_id`` duplicates are compared case-insensitively (``Huila_Cafe`` and ``huila_cafe``
  would be two keys that people cannot tell apart); the later line is rejected and names the
  earlier one.
- ``departamento``: case-, accent-, punctuation- and space-insensitive match to the official name
  or a common alias; the row stores the official spelling. No match is an error, with a
  suggestion of the closest name when there is one (it is still an error: nothing is guessed).
- ``sector``, ``entidad_gestora_tipo``, ``estado``: case- and accent-insensitive, spaces or hyphens
  may stand for ``_``; stored as the canonical id. Anything else (``Servicio``, ``Cámara de
  Comercio``) is an error listing the ids.
- Cells starting with ``=``, ``+``, ``-`` or ``@`` are kept as text: nothing is ever evaluated here;
  escaping them on export is the exporter's job.

The Spanish texts are in :mod:`bot.texts.registry` (:data:`REGISTRY_ERRORS`, keyed by
:attr:`RowError.code`, includes the shared CSV texts of :mod:`bot.texts.csvfiles`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Literal, get_args

from pydantic import BaseModel, Field, ValidationError, field_validator

from bot.files.csvio import (
    CsvProblem,
    Record,
    check_header,
    collapse_spaces,
    read_csv,
    record_cells,
    show_value,
    strip_accents,
    suggestion,
)
from bot.texts.csvfiles import CSV_TEXTS, REJECTED_WORDS, ROW_WORDS
from bot.texts.registry import REGISTRY_ERRORS, REGISTRY_TEXT_WHAT, REGISTRY_TEXTS

__all__ = [
    "COLUMNS",
    "DEPARTMENTS",
    "MANAGER_TYPES",
    "OPTIONAL_COLUMNS",
    "REGISTRY_ERRORS",
    "REQUIRED_COLUMNS",
    "SECTORS",
    "STATES",
    "ClusterRow",
    "RegistryParse",
    "RowError",
    "normalize_department",
    "parse_registry_csv",
]

Sector = Literal["servicios", "agroindustria", "manufactura"]
ManagerType = Literal[
    "camara_comercio", "gobierno", "gremio", "academia", "entidad_cluster", "otra"
]
State = Literal["activa", "inactiva"]

SECTORS: tuple[str, ...] = get_args(Sector)
MANAGER_TYPES: tuple[str, ...] = get_args(ManagerType)
STATES: tuple[str, ...] = get_args(State)

DEPARTMENTS: tuple[str, ...] = (
    "Amazonas",
    "Antioquia",
    "Arauca",
    "Archipiélago de San Andrés, Providencia y Santa Catalina",
    "Atlántico",
    "Bolívar",
    "Boyacá",
    "Caldas",
    "Caquetá",
    "Casanare",
    "Cauca",
    "Cesar",
    "Chocó",
    "Córdoba",
    "Cundinamarca",
    "Guainía",
    "Guaviare",
    "Huila",
    "La Guajira",
    "Magdalena",
    "Meta",
    "Nariño",
    "Norte de Santander",
    "Putumayo",
    "Quindío",
    "Risaralda",
    "Santander",
    "Sucre",
    "Tolima",
    "Valle del Cauca",
    "Vaupés",
    "Vichada",
    "Bogotá D.C.",
)

COLUMNS: tuple[str, ...] = (
    "cluster_id",
    "nombre",
    "departamento",
    "municipio",
    "sector",
    "subsector",
    "entidad_gestora",
    "entidad_gestora_tipo",
    "anio_creacion",
    "estado",
)
OPTIONAL_COLUMNS: tuple[str, ...] = ("municipio", "subsector", "anio_creacion")
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c for c in COLUMNS if c not in OPTIONAL_COLUMNS)

CLUSTER_ID_MAX = 40
TEXT_MAX = 200
YEAR_MIN = 1950

_CLUSTER_ID_RE = re.compile(rf"[A-Za-z0-9_-]{{1,{CLUSTER_ID_MAX}}}")
_CLUSTER_ID_PATTERN = rf"^[A-Za-z0-9_-]{{1,{CLUSTER_ID_MAX}}}$"


# ---------------------------------------------------------------------------------------------
# Public types
# ---------------------------------------------------------------------------------------------


class ClusterRow(BaseModel, frozen=True, extra="forbid"):
    """One valid row of the registry, with canonical values."""

    cluster_id: str = Field(pattern=_CLUSTER_ID_PATTERN)
    nombre: str = Field(min_length=1, max_length=TEXT_MAX)
    departamento: str
    municipio: str | None = Field(default=None, min_length=1, max_length=TEXT_MAX)
    sector: Sector
    subsector: str | None = Field(default=None, min_length=1, max_length=TEXT_MAX)
    entidad_gestora: str = Field(min_length=1, max_length=TEXT_MAX)
    entidad_gestora_tipo: ManagerType
    anio_creacion: int | None = Field(default=None, ge=YEAR_MIN)
    estado: State

    @field_validator("departamento")
    @classmethod
    def _official_department(cls, value: str) -> str:
        if value not in DEPARTMENTS:
            raise ValueError("not an official department name")
        return value


@dataclass(frozen=True)
class RowError:
    """A problem in the file: 1-based physical line, column (None for the row or file)."""

    line: int
    column: str | None
    message: str
    code: str = ""


@dataclass(frozen=True)
class RegistryParse:
    """Result of :func:`parse_registry_csv`.

    ``rows`` holds the valid rows in file order; ``rejected`` counts data rows left out (all of
    them when the file is unreadable; ``unchecked`` those never checked because the header is wrong). ``notes`` are things said without being errors
    (the cp1252 fallback).
    """

    rows: list[ClusterRow]
    errors: list[RowError]
    notes: list[str] = field(default_factory=list)
    rejected: int = 0
    encoding: str = "utf-8"
    delimiter: str = ","
    unchecked: int = 0  # data rows never checked (the header was wrong)

    @property
    def ok(self) -> bool:
        return not self.errors

    def report(self, max_errors: int | None = None) -> str:
        """Spanish report: notes, one line per error, then ``N filas válidas, M rechazadas``
        (or, when the header was wrong, that no row was checked).

        ``max_errors`` caps the listed errors (a Telegram message holds 4096 characters).
        """
        lines = list(self.notes)
        shown = self.errors if max_errors is None else self.errors[: max(max_errors, 0)]
        for error in shown:
            if error.column is None:
                template = REGISTRY_TEXTS["error_line"]
            else:
                template = REGISTRY_TEXTS["error_line_column"]
            lines.append(
                template.format(line=error.line, column=error.column, message=error.message)
            )
        if len(shown) < len(self.errors):
            lines.append(REGISTRY_TEXTS["more_errors"].format(count=len(self.errors) - len(shown)))
        valid = len(self.rows)
        if self.unchecked:
            lines.append(CSV_TEXTS["unchecked"].format(n=self.unchecked))
            return "\n".join(lines)
        lines.append(
            REGISTRY_TEXTS["summary"].format(
                valid=valid,
                valid_rows=ROW_WORDS[valid != 1],
                rejected=self.rejected,
                rejected_word=REJECTED_WORDS[self.rejected != 1],
            )
        )
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Normalisation helpers
# ---------------------------------------------------------------------------------------------


def _department_key(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", strip_accents(text).casefold())
    if words and words[0] in ("departamento", "depto", "dpto"):
        words = words[1:]
        if words and words[0] in ("de", "del"):
            words = words[1:]
    return "".join(words)


_DEPARTMENT_ALIASES: dict[str, str] = {
    "Bogotá D.C.": (
        "Bogotá|Bogota DC|Bogotá, D.C.|Bogotá Distrito Capital|Bogotá D.C. Distrito Capital|"
        "Distrito Capital|Santafé de Bogotá|Santa Fe de Bogotá|Santafé de Bogotá D.C."
    ),
    "Archipiélago de San Andrés, Providencia y Santa Catalina": (
        "San Andrés|San Andrés y Providencia|San Andrés, Providencia y Santa Catalina|"
        "Archipiélago de San Andrés|Archipiélago de San Andrés y Providencia|San Andrés Islas"
    ),
    "Valle del Cauca": "Valle|Valle Cauca",
    "Norte de Santander": "Norte Santander|N. de Santander|N. Santander",
    "La Guajira": "Guajira",
}

_DEPARTMENT_BY_KEY: dict[str, str] = {_department_key(name): name for name in DEPARTMENTS}
for _official, _aliases in _DEPARTMENT_ALIASES.items():
    for _alias in _aliases.split("|"):
        _DEPARTMENT_BY_KEY.setdefault(_department_key(_alias), _official)


def normalize_department(text: str) -> str | None:
    """Official spelling of a department written leniently, or None when there is no match."""
    key = _department_key(text)
    return _DEPARTMENT_BY_KEY.get(key) if key else None


def _choice_key(text: str) -> str:
    return re.sub(r"[\s-]+", "_", strip_accents(text).casefold().strip())


def _join_or(items: tuple[str, ...] | list[str]) -> str:
    """``a, b o c`` (``u`` before a word that starts with the sound o)."""
    if len(items) == 1:
        return items[0]
    last = items[-1]
    conjunction = "u" if strip_accents(last).lower().startswith(("o", "ho")) else "o"
    return f"{', '.join(items[:-1])} {conjunction} {last}"


def _error(line: int, column: str | None, code: str, /, **params: object) -> RowError:
    return RowError(line, column, REGISTRY_ERRORS[code].format(**params), code)


def _worded(problem: CsvProblem) -> RowError:
    """A problem found by :mod:`bot.files.csvio`, in the registry's words."""
    return RowError(problem.line, problem.column, problem.message(REGISTRY_ERRORS), problem.code)


# ---------------------------------------------------------------------------------------------
# Header and cells
# ---------------------------------------------------------------------------------------------


_COLUMN_SUGGESTIONS = {name: name for name in COLUMNS}


def _check_header(record: Record) -> tuple[list[str], list[RowError]]:
    names, problems = check_header(record, COLUMNS, _COLUMN_SUGGESTIONS)
    errors = [_worded(problem) for problem in problems]
    errors += [
        _error(record.start, name, "missing_column", column=name)
        for name in REQUIRED_COLUMNS
        if name not in names
    ]
    return names, errors


def _text_cell(
    cells: dict[str, str], column: str, line: int, errors: list[RowError], *, required: bool
) -> str | None:
    value = collapse_spaces(cells.get(column, ""))
    if not value:
        if required:
            errors.append(_error(line, column, "text_missing", what=REGISTRY_TEXT_WHAT[column]))
        return None
    if len(value) > TEXT_MAX:
        errors.append(
            _error(line, column, "text_too_long", column=column, length=len(value), max=TEXT_MAX)
        )
        return None
    return value


def _choice_cell(
    cells: dict[str, str], column: str, choices: tuple[str, ...], line: int, errors: list[RowError]
) -> str | None:
    value = cells.get(column, "").strip()
    if not value:
        errors.append(
            _error(line, column, "choice_missing", column=column, choices=_join_or(choices))
        )
        return None
    key = _choice_key(value)
    if key in choices:
        return key
    errors.append(
        _error(
            line,
            column,
            "choice_invalid",
            column=column,
            value=show_value(value),
            choices=_join_or(choices),
        )
    )
    return None


@lru_cache(maxsize=256)
def _department_suggestion(key: str) -> str:
    return suggestion(key, _DEPARTMENT_BY_KEY)


def _department_cell(cells: dict[str, str], line: int, errors: list[RowError]) -> str | None:
    value = cells.get("departamento", "").strip()
    if not value:
        errors.append(_error(line, "departamento", "department_missing"))
        return None
    official = normalize_department(value)
    if official is not None:
        return official
    suggestion = _department_suggestion(_department_key(value))
    errors.append(
        _error(
            line,
            "departamento",
            "department_invalid",
            value=show_value(value),
            suggestion=suggestion,
        )
    )
    return None


def _year_cell(
    cells: dict[str, str], line: int, current_year: int, errors: list[RowError]
) -> int | None:
    value = cells.get("anio_creacion", "").strip()
    if not value:
        return None
    if not re.fullmatch(r"[0-9]{1,4}", value):
        errors.append(_error(line, "anio_creacion", "year_invalid", value=show_value(value)))
        return None
    year = int(value)
    if not YEAR_MIN <= year <= current_year:
        errors.append(
            _error(line, "anio_creacion", "year_range", value=year, min=YEAR_MIN, max=current_year)
        )
        return None
    return year


def _cluster_id_cell(cells: dict[str, str], line: int, errors: list[RowError]) -> str | None:
    value = cells.get("cluster_id", "").strip()
    if not value:
        errors.append(_error(line, "cluster_id", "cluster_id_missing"))
        return None
    if not _CLUSTER_ID_RE.fullmatch(value):
        errors.append(
            _error(
                line,
                "cluster_id",
                "cluster_id_invalid",
                value=show_value(value),
                max=CLUSTER_ID_MAX,
            )
        )
        return None
    return value


def _validate_record(
    record: Record,
    names: list[str],
    delimiter: str,
    current_year: int,
    seen_ids: dict[str, tuple[int, str]],
) -> tuple[ClusterRow | None, list[RowError]]:
    line = record.start
    cells, problems = record_cells(record, names, delimiter)
    errors = [_worded(problem) for problem in problems]
    if cells is None:
        return None, errors

    cluster_id = _cluster_id_cell(cells, line, errors)
    if cluster_id is not None:
        earlier = seen_ids.get(cluster_id.casefold())
        if earlier is None:
            seen_ids[cluster_id.casefold()] = (line, cluster_id)
        elif earlier[1] == cluster_id:
            errors.append(
                _error(
                    line, "cluster_id", "cluster_id_duplicate", value=cluster_id, line=earlier[0]
                )
            )
        else:
            errors.append(
                _error(
                    line,
                    "cluster_id",
                    "cluster_id_duplicate_case",
                    value=cluster_id,
                    line=earlier[0],
                    other=earlier[1],
                )
            )
    values = {
        "cluster_id": cluster_id,
        "nombre": _text_cell(cells, "nombre", line, errors, required=True),
        "departamento": _department_cell(cells, line, errors),
        "municipio": _text_cell(cells, "municipio", line, errors, required=False),
        "sector": _choice_cell(cells, "sector", SECTORS, line, errors),
        "subsector": _text_cell(cells, "subsector", line, errors, required=False),
        "entidad_gestora": _text_cell(cells, "entidad_gestora", line, errors, required=True),
        "entidad_gestora_tipo": _choice_cell(
            cells, "entidad_gestora_tipo", MANAGER_TYPES, line, errors
        ),
        "anio_creacion": _year_cell(cells, line, current_year, errors),
        "estado": _choice_cell(cells, "estado", STATES, line, errors),
    }
    if errors:
        return None, errors
    try:
        return ClusterRow.model_validate(values), []
    except ValidationError as exc:  # a safety net: the checks above should make this unreachable
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['type']}" for e in exc.errors())
        return None, [_error(line, None, "row_invalid", detail=show_value(detail))]


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


def parse_registry_csv(data: bytes | str, *, current_year: int | None = None) -> RegistryParse:
    """Parse and validate a registry CSV; never raises (see the module docstring)."""
    year_max = date.today().year if current_year is None else current_year
    read = read_csv(data, COLUMNS)
    notes, encoding, delimiter = read.notes, read.encoding, read.delimiter
    tail = [_worded(read.failure)] if read.failure is not None else []
    if not read.records:
        errors = tail or [_error(read.header_line, None, "empty", columns=delimiter.join(COLUMNS))]
        return RegistryParse([], errors, notes, 0, encoding, delimiter)

    header, data_records = read.records[0], read.records[1:]
    names, errors = _check_header(header)
    if errors:  # no row was checked: none is counted as rejected
        unchecked = len(data_records)
        return RegistryParse([], errors + tail, notes, 0, encoding, delimiter, unchecked)
    if not data_records and not tail:
        error = _error(header.start, None, "no_rows")
        return RegistryParse([], [error], notes, 0, encoding, delimiter)

    rows: list[ClusterRow] = []
    seen_ids: dict[str, tuple[int, str]] = {}
    rejected = 0
    for record in data_records:
        row, row_errors = _validate_record(record, names, delimiter, year_max, seen_ids)
        if row is None:
            errors.extend(row_errors)
            rejected += 1
        else:
            rows.append(row)
    errors.extend(tail)
    rejected += len(tail)
    return RegistryParse(rows, errors, notes, rejected, encoding, delimiter)
