"""The CSV export: a ZIP of one CSV per table plus README.txt (``diccionario.csv`` is the
codebook). Plain CSV by default (``,``, ``.`` decimals: R, Stata, SPSS, pandas); with
``excel_es`` the files are for Spanish Excel (``;``, decimal comma). Both UTF-8 with BOM, CRLF."""

from __future__ import annotations

import csv
import io
import math
import zipfile
from datetime import datetime
from typing import Any

from bot.reports.export.values import Tables, cell, check_tables, neutralise
from bot.texts import export as texts

_CHUNK = 2000  # rows per write to the zip stream


def _csv_cell(value: Any, comma: bool) -> Any:
    kind = type(value)
    if kind is str:
        return neutralise(value)
    if kind is int:
        return value
    if kind is float:
        if not math.isfinite(value):
            return ""
        text = str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
        return text.replace(".", ",") if comma else text
    if value is None:
        return ""
    converted = cell(value)
    if isinstance(converted, datetime):
        return converted.isoformat(sep=" ", timespec="seconds")
    return _csv_cell(converted, comma)


def _plural(forms: tuple[str, str], n: int) -> str:
    return (forms[0] if n == 1 else forms[1]).format(n=f"{n:,}".replace(",", "."))


def readme(tables: Tables, title: str, *, excel_es: bool = False) -> str:
    table_lines = "\n".join(
        texts.TABLE_LINE.format(
            file=f"{name}.csv",
            rows=_plural(texts.ROWS, len(rows)),
            description=texts.TABLE_DESCRIPTIONS.get(name, ""),
        )
        for name, (_, rows) in tables.items()
    )
    return texts.README.format(
        title=title, tables=table_lines, csv=texts.CSV_EXCEL_ES if excel_es else texts.CSV_PLAIN
    )


def to_csv_zip(tables: Tables, *, title: str | None = None, excel_es: bool = False) -> bytes:
    """A ZIP with one CSV per table and a README.txt in Spanish (see the module docstring)."""
    check_tables(tables)
    out = io.BytesIO()
    delimiter = ";" if excel_es else ","
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, (header, rows) in tables.items():
            with (
                zf.open(f"{name}.csv", "w") as raw,
                io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text,
            ):
                writer = csv.writer(text, delimiter=delimiter)
                writer.writerow([_csv_cell(h, excel_es) for h in header])
                for start in range(0, len(rows), _CHUNK):
                    writer.writerows(
                        [_csv_cell(v, excel_es) for v in row]
                        for row in rows[start : start + _CHUNK]
                    )
        body = readme(tables, title or texts.README_TITLE, excel_es=excel_es)
        zf.writestr(texts.README_NAME, body.replace("\n", "\r\n").encode("utf-8-sig"))
    return out.getvalue()
