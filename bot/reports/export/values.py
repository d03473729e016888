"""Values as table cells, and the text rules both formats share (formula starts, XML-illegal
characters, Colombian time). See :mod:`bot.reports.export` for the decisions."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from enum import Enum
from typing import Any

Table = tuple[list[str], list[list[Any]]]
Tables = Mapping[str, Table]

YES, NO = "si", "no"  # methodology §1: yesno in files

try:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    BOGOTA: tzinfo = ZoneInfo("America/Bogota")
except (ImportError, ZoneInfoNotFoundError):  # no tz database: Colombia is UTC−5 since 1993
    BOGOTA = timezone(timedelta(hours=-5), "COT")


_FORMULA_START = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")
# Not allowed in XML 1.0 (or not encodable): C0 controls but tab/LF/CR, U+FFFE/U+FFFF, surrogates.
ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def local_time(moment: datetime) -> datetime:
    """Colombian wall-clock time, naive, to the second (a naive input is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BOGOTA).replace(tzinfo=None, microsecond=0)


_PLAIN = frozenset({str, int})


def cell(value: Any) -> str | int | float | datetime | None:
    """A value as a table cell: text, a number, a naive local date-time or None (empty)."""
    kind = type(value)
    if kind in _PLAIN:  # the common case first (an export is millions of cells)
        return value
    if value is None:
        return None
    if kind is list and all(type(v) is str for v in value):
        return ";".join(value)
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
        return ";".join("" if v is None else str(v) for v in map(cell, value))
    return str(value)


def clean(text: str) -> str:
    """Text without the characters XML 1.0 cannot hold."""
    return ILLEGAL.sub("", text) if ILLEGAL.search(text) else text


def looks_like_formula(text: str) -> bool:
    return bool(text) and text[0] in _FORMULA_START


def neutralise(text: str) -> str:
    """Text that no spreadsheet runs, for CSV: XML-illegal characters out, formula starts
    quoted."""
    text = clean(text)
    return "'" + text if looks_like_formula(text) else text


def as_mapping(obj: Any) -> Mapping[str, Any]:
    if isinstance(obj, Mapping):
        return obj
    if hasattr(obj, "model_dump"):
        return obj.model_dump()
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: getattr(obj, f.name) for f in fields(obj)}
    raise TypeError(f"expected a mapping of registry columns, got {type(obj).__name__}")


def check_tables(tables: Tables) -> None:
    for name, (header, rows) in tables.items():
        if not 1 <= len(name) <= 31 or any(c in name for c in "[]:*?/\\"):
            raise ValueError(f"table name {name!r} cannot name a sheet or a file")
        for i, row in enumerate(rows):
            if len(row) != len(header):
                raise ValueError(
                    f"table {name!r}, row {i + 1}: {len(row)} cells for {len(header)} columns"
                )
