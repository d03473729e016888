"""The cluster registry: parsing and validation of the CSV file that admins upload.

Pure: the only input is the given bytes or text; no database, no Telegram, no files. Columns and
ids are those of methodology §2. :func:`parse_registry_csv` never raises for any input: every
problem becomes a :class:`RowError` with the 1-based physical line of the file (the header is
line 1), the column when there is one, and a Spanish message that says what is expected.

Decisions:

- **Encoding**: UTF-8 with or without BOM; otherwise Windows-1252 (what Excel on Windows in
  Colombia saves as «CSV»), and then :meth:`RegistryParse.report` carries a note saying so, with a
  sample word so the admin can check that accents survived. UTF-16 files, Excel workbooks
  (.xlsx/.xls) and binary files get an error that says how to save a CSV.
- **Delimiter**: ``,`` or ``;``, from :class:`csv.Sniffer` restricted to those two, cross-checked
  with the header (the delimiter that splits the header into more registry column names wins),
  falling back to the header alone. A first line ``sep=;`` or ``sep=,`` (Excel's hint) is honoured
  and skipped.
- **Line numbers**: a record's line is the physical line where it *starts*, counted with
  :attr:`csv.reader.line_num`, so quoted cells that span several lines keep later lines right.
  Lines end at ``\\n``, ``\\r\\n`` or ``\\r``.
- **Blank rows** (empty lines, or only separators/spaces as Excel writes them) are skipped.
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

The Spanish texts are in :data:`REGISTRY_ERRORS`, keyed by :attr:`RowError.code`, ready to move to
``bot.texts``.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Literal, get_args

from pydantic import BaseModel, Field, ValidationError, field_validator

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
_DELIMITERS = (",", ";")
_SNIFF_SAMPLE = 4096  # Sniffer's quote regex is quadratic on hostile input: keep the sample small
_SHOW_MAX = 40

# Spanish texts, keyed by RowError.code. One line each; values are shown between «».
REGISTRY_ERRORS: dict[str, str] = {
    # The file as a whole.
    "excel_workbook": (
        "el archivo es un libro de Excel, no un CSV; en Excel use Archivo > Guardar como > "
        "«CSV UTF-8 (delimitado por comas)» y envíe ese archivo"
    ),
    "utf16": (
        "el archivo está en UTF-16 («Texto Unicode»); guárdelo como "
        "«CSV UTF-8 (delimitado por comas)»"
    ),
    "binary": "el archivo no parece de texto (tiene caracteres nulos); envíe el registro como CSV",
    "encoding": (
        "el archivo no está en UTF-8 ni en Windows-1252 (byte 0x{byte} no válido); "
        "guárdelo como «CSV UTF-8 (delimitado por comas)»"
    ),
    "empty": (
        "el archivo está vacío; la primera línea debe ser el encabezado con las columnas {columns}"
    ),
    "no_rows": "el archivo solo tiene el encabezado; agregue debajo una fila por clúster",
    "unreadable": (
        "no se pudo leer el archivo desde esta línea ({detail}); "
        "revise que las comillas de las celdas estén cerradas"
    ),
    # The header.
    "missing_column": "falta la columna obligatoria «{column}» en el encabezado",
    "unknown_column": (
        "la columna «{column}» no es del registro{suggestion}; las columnas válidas son {columns}"
    ),
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
    "field_count_quotes": (
        " y que estén cerradas las comillas de la celda que va de la línea {start} a la {end}"
    ),
    "unnamed_column": (
        "hay un valor («{value}») en la columna {position}, que no tiene nombre en el encabezado"
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

REGISTRY_TEXTS: dict[str, str] = {
    "note_cp1252": (
        "Nota: el archivo no estaba en UTF-8; se leyó como Windows-1252 (el «CSV» de Excel en "
        "Windows). Revise que las tildes y la ñ se vean bien{example}."
    ),
    "note_example": ", por ejemplo «{word}»",
    "error_line": "línea {line}: {message}",
    "error_line_column": "línea {line}, columna {column}: {message}",
    "more_errors": "… y {count} errores más",
    "summary": "{valid} {valid_rows}, {rejected} {rejected_word}",
}

_TEXT_WHAT = {
    "nombre": "el nombre del clúster",
    "entidad_gestora": "el nombre de la entidad gestora",
}


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
    them when the header or the file is wrong). ``notes`` are things said without being errors
    (the cp1252 fallback).
    """

    rows: list[ClusterRow]
    errors: list[RowError]
    notes: list[str] = field(default_factory=list)
    rejected: int = 0
    encoding: str = "utf-8"
    delimiter: str = ","

    @property
    def ok(self) -> bool:
        return not self.errors

    def report(self, max_errors: int | None = None) -> str:
        """Spanish report: notes, one line per error, then ``N filas válidas, M rechazadas``.

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
        lines.append(
            REGISTRY_TEXTS["summary"].format(
                valid=valid,
                valid_rows="fila válida" if valid == 1 else "filas válidas",
                rejected=self.rejected,
                rejected_word="rechazada" if self.rejected == 1 else "rechazadas",
            )
        )
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Normalisation helpers
# ---------------------------------------------------------------------------------------------


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _department_key(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", _strip_accents(text).casefold())
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
    return re.sub(r"[\s-]+", "_", _strip_accents(text).casefold().strip())


def _join_or(items: tuple[str, ...] | list[str]) -> str:
    """``a, b o c`` (``u`` before a word that starts with the sound o)."""
    if len(items) == 1:
        return items[0]
    last = items[-1]
    conjunction = "u" if _strip_accents(last).lower().startswith(("o", "ho")) else "o"
    return f"{', '.join(items[:-1])} {conjunction} {last}"


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _show(value: str) -> str:
    """A cell or column name as shown in a one-line message: spaces collapsed, shortened."""
    text = _collapse(value)
    return text if len(text) <= _SHOW_MAX else text[: _SHOW_MAX - 1] + "…"


def _error(line: int, column: str | None, code: str, /, **params: object) -> RowError:
    return RowError(line, column, REGISTRY_ERRORS[code].format(**params), code)


# ---------------------------------------------------------------------------------------------
# Decoding and dialect
# ---------------------------------------------------------------------------------------------


def _line_at(prefix: str | bytes) -> int:
    """1-based line on which the text that follows ``prefix`` starts (LF, CRLF or CR)."""
    if isinstance(prefix, bytes):
        return prefix.count(b"\n") + prefix.count(b"\r") - prefix.count(b"\r\n") + 1
    return prefix.count("\n") + prefix.count("\r") - prefix.count("\r\n") + 1


def _decode(data: bytes | str) -> tuple[str, str, list[str], RowError | None]:
    """(text, encoding, notes, fatal error)."""
    if isinstance(data, str):
        text = data.removeprefix("\ufeff")
        encoding = "utf-8"
        notes: list[str] = []
    else:
        raw = bytes(data)
        if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
            return "", "", [], _error(1, None, "excel_workbook")
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            return "", "", [], _error(1, None, "utf16")
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
                return "", "", [], _error(line, None, "encoding", byte=bad)
            encoding = "cp1252"
            word = re.search(r"\w*[^\x00-\x7f]\w*", text)
            example = (
                REGISTRY_TEXTS["note_example"].format(word=_show(word.group())) if word else ""
            )
            notes.append(REGISTRY_TEXTS["note_cp1252"].format(example=example))
    if "\x00" in text:
        return "", "", [], _error(_line_at(text[: text.index("\x00")]), None, "binary")
    return text, encoding, notes, None


def _first_line(text: str) -> str:
    return io.StringIO(text, newline="").readline().rstrip("\r\n")


def _known_names(line: str, delimiter: str) -> int:
    try:
        fields = next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])
    except csv.Error:
        return 0
    return sum(1 for name in fields if name.strip().lower() in COLUMNS)


def _header_line(text: str) -> str:
    for line in io.StringIO(text, newline=""):
        if line.strip():
            return line.rstrip("\r\n")
    return ""


def _detect_delimiter(text: str) -> str:
    sample = text[:_SNIFF_SAMPLE]
    if len(text) > _SNIFF_SAMPLE and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        sniffed: str | None = csv.Sniffer().sniff(sample, delimiters="".join(_DELIMITERS)).delimiter
    except (csv.Error, ValueError, TypeError, IndexError):
        sniffed = None
    if sniffed not in _DELIMITERS:
        sniffed = None
    header = _header_line(text)
    scores = {d: _known_names(header, d) for d in _DELIMITERS}
    if sniffed is not None:
        other = _DELIMITERS[1 - _DELIMITERS.index(sniffed)]
        return other if scores[other] > scores[sniffed] else sniffed
    if scores[","] != scores[";"]:
        return "," if scores[","] > scores[";"] else ";"
    return ";" if header.count(";") > header.count(",") else ","


# ---------------------------------------------------------------------------------------------
# Reading records
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Record:
    start: int  # physical line where the record starts
    end: int  # physical line where it ends
    fields: list[str]

    @property
    def blank(self) -> bool:
        return not any(cell.strip() for cell in self.fields)


def _read_records(text: str, delimiter: str, skip: int) -> tuple[list[_Record], RowError | None]:
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', skipinitialspace=True
    )
    records: list[_Record] = []
    consumed = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return records, None
        except csv.Error as exc:
            detail = (
                f"una celda supera {csv.field_size_limit():,} caracteres".replace(",", ".")
                if "field limit" in str(exc)
                else "formato CSV no válido"
            )
            return records, _error(consumed + 1, None, "unreadable", detail=detail)
        record = _Record(consumed + 1, reader.line_num, fields)
        consumed = reader.line_num
        if record.start > skip and not record.blank:
            records.append(record)


# ---------------------------------------------------------------------------------------------
# Header and cells
# ---------------------------------------------------------------------------------------------


def _check_header(record: _Record) -> tuple[list[str], list[RowError]]:
    names = [cell.strip().lower() for cell in record.fields]
    line = record.start
    errors: list[RowError] = []
    if len(names) == 1 and ("\t" in names[0] or "|" in names[0]):
        errors.append(_error(line, None, "tab_separated"))
    seen: set[str] = set()
    repeated: set[str] = set()
    for name in names:
        if not name:
            continue
        if name in seen:
            if name not in repeated:
                repeated.add(name)
                errors.append(_error(line, _show(name), "duplicate_column", column=_show(name)))
            continue
        seen.add(name)
        if name not in COLUMNS:
            close = difflib.get_close_matches(name, COLUMNS, n=1, cutoff=0.75)
            suggestion = f" (¿quiso decir {close[0]}?)" if close else ""
            errors.append(
                _error(
                    line,
                    _show(name),
                    "unknown_column",
                    column=_show(name),
                    suggestion=suggestion,
                    columns=", ".join(COLUMNS),
                )
            )
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            errors.append(_error(line, name, "missing_column", column=name))
    return names, errors


def _text_cell(
    cells: dict[str, str], column: str, line: int, errors: list[RowError], *, required: bool
) -> str | None:
    value = _collapse(cells.get(column, ""))
    if not value:
        if required:
            errors.append(_error(line, column, "text_missing", what=_TEXT_WHAT[column]))
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
            value=_show(value),
            choices=_join_or(choices),
        )
    )
    return None


@lru_cache(maxsize=256)
def _department_suggestion(key: str) -> str:
    close = difflib.get_close_matches(key, list(_DEPARTMENT_BY_KEY), 1, 0.75)
    return f" (¿quiso decir {_DEPARTMENT_BY_KEY[close[0]]}?)" if close else ""


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
            line, "departamento", "department_invalid", value=_show(value), suggestion=suggestion
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
        errors.append(_error(line, "anio_creacion", "year_invalid", value=_show(value)))
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
            _error(line, "cluster_id", "cluster_id_invalid", value=_show(value), max=CLUSTER_ID_MAX)
        )
        return None
    return value


def _validate_record(
    record: _Record,
    names: list[str],
    delimiter: str,
    current_year: int,
    seen_ids: dict[str, tuple[int, str]],
) -> tuple[ClusterRow | None, list[RowError]]:
    line = record.start
    if len(record.fields) != len(names):
        quotes = ""
        if record.end > record.start:
            quotes = REGISTRY_ERRORS["field_count_quotes"].format(
                start=record.start, end=record.end
            )
        error = _error(
            line,
            None,
            "field_count",
            found=len(record.fields),
            expected=len(names),
            delimiter=delimiter,
            quotes=quotes,
        )
        return None, [error]

    errors: list[RowError] = []
    cells: dict[str, str] = {}
    for position, (name, cell) in enumerate(zip(names, record.fields, strict=True), start=1):
        if name:
            cells[name] = cell
        elif cell.strip():
            errors.append(
                _error(line, None, "unnamed_column", value=_show(cell), position=position)
            )

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
        return None, [_error(line, None, "row_invalid", detail=_show(detail))]


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


def parse_registry_csv(data: bytes | str, *, current_year: int | None = None) -> RegistryParse:
    """Parse and validate a registry CSV; never raises (see the module docstring)."""
    year_max = date.today().year if current_year is None else current_year
    text, encoding, notes, fatal = _decode(data)
    if fatal is not None:
        return RegistryParse([], [fatal], notes, 0, encoding)

    skip = 0
    sep = re.fullmatch(r"\s*sep=([,;])\s*", _first_line(text), flags=re.IGNORECASE)
    if sep:
        delimiter, skip = sep.group(1), 1
    else:
        delimiter = _detect_delimiter(text)

    records, read_error = _read_records(text, delimiter, skip)
    tail = [read_error] if read_error is not None else []
    if not records:
        if read_error is not None:
            return RegistryParse([], tail, notes, 0, encoding, delimiter)
        error = _error(skip + 1, None, "empty", columns=delimiter.join(COLUMNS))
        return RegistryParse([], [error], notes, 0, encoding, delimiter)

    header, data_records = records[0], records[1:]
    names, errors = _check_header(header)
    if errors:
        rejected = len(data_records) + len(tail)
        return RegistryParse([], errors + tail, notes, rejected, encoding, delimiter)
    if not data_records and read_error is None:
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
