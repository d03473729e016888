"""The XLSX and CSV writers on their own: formula safety, text as text, numbers as numbers, the
fast XLSX path equal to openpyxl's (carried over from the issue 5 tests)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.reports.export import ExportRow, export_tables, to_csv_zip, to_xlsx
from bot.reports.export import xlsx as writer
from tests.conftest import CAMPAIGN_YEAR, example

DANGEROUS = ['=HYPERLINK("http://x","clic")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def csv_files(data: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {
            name.removesuffix(".csv"): list(
                csv.reader(io.StringIO(zf.read(name).decode("utf-8-sig"), newline=""))
            )
            for name in zf.namelist()
            if name.endswith(".csv")
        }


@pytest.fixture(scope="module")
def hostile(questionnaire) -> dict[str, Any]:
    from scoring import score_answers

    answers = example("consolidado")
    scores = score_answers(questionnaire, answers, CAMPAIGN_YEAR).to_json()
    registry = [{"cluster_id": f"c{i}", "nombre": name} for i, name in enumerate(DANGEROUS)]
    when = datetime(2021, 6, 15, 15, 30, 12, tzinfo=UTC)
    rows = [ExportRow(c, "2021", questionnaire.version, when, answers, scores) for c in registry]
    return export_tables(questionnaire, registry, rows)


def test_formula_starts_are_neutralised_in_xlsx(hostile):
    data = to_xlsx(hostile, title="x")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheet_xml = [zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheet_xml
    for xml in sheet_xml:
        assert b"<f>" not in xml and b"<f " not in xml
        assert not re.search(rb't="(e|str)"', xml)
    wb = load_workbook(io.BytesIO(data))
    for table in ("registro", "respuestas", "puntajes"):
        ws = wb[table]
        cells = [ws.cell(r, 2) for r in range(2, ws.max_row + 1)]
        assert [c.value for c in cells] == DANGEROUS, table  # shown as written, no '
        assert all(c.data_type == "s" and c.quotePrefix for c in cells), table
        assert not ws.cell(2, 1).quotePrefix


def test_formula_starts_are_neutralised_in_csv(hostile):
    for excel_es in (False, True):
        files = csv_files(to_csv_zip(hostile, excel_es=excel_es))
        names = [row[1] for row in files["registro"][1:]] if not excel_es else None
        if names is not None:
            assert names == ["'" + name for name in DANGEROUS]
        for table, rows in files.items():
            for row in rows[1:]:
                for cell in row:
                    assert not cell or cell[0] not in "=+-@\t\r", (table, cell)


def test_real_negative_numbers_stay_numbers():
    tables = {"t": (["id", "n", "x", "txt"], [["a", -2, -0.5, "-2"], ["b", 3, 1.25, "=1+1"]])}
    ws = load_workbook(io.BytesIO(to_xlsx(tables, title="t")))["t"]
    assert ws["B2"].value == -2 and ws["B2"].data_type == "n"
    assert ws["C2"].value == -0.5 and ws["C2"].data_type == "n"
    assert ws["D2"].value == "-2" and ws["D3"].value == "=1+1"
    assert ws["D2"].quotePrefix and ws["D3"].quotePrefix
    assert csv_files(to_csv_zip(tables))["t"] == [
        ["id", "n", "x", "txt"],
        ["a", "-2", "-0.5", "'-2"],
        ["b", "3", "1.25", "'=1+1"],
    ]


def test_awkward_text_is_kept_as_text():
    texts_in = ["#N/A", "a & b < c > d", "  espacios  ", "línea 1\nlínea 2", "\x01=cmd", "ok\x0b"]
    tables = {"t": (["id", "txt"], [[str(i), t] for i, t in enumerate(texts_in)])}
    expected = ["#N/A", "a & b < c > d", "  espacios  ", "línea 1\nlínea 2", "=cmd", "ok"]
    ws = load_workbook(io.BytesIO(to_xlsx(tables, title="t")))["t"]
    assert [ws.cell(r, 2).value for r in range(2, ws.max_row + 1)] == expected
    assert all(ws.cell(r, 2).data_type == "s" for r in range(2, ws.max_row + 1))


def test_fast_writer_matches_openpyxl_alone(hostile):
    notes = {"registro": {"nombre": "nombre de la aglomeración"}}
    fast = load_workbook(io.BytesIO(to_xlsx(hostile, title="t", notes=notes)))
    plain = load_workbook(io.BytesIO(writer._workbook(hostile, "t", notes, with_rows=True)[0]))
    assert fast.sheetnames == plain.sheetnames
    assert fast["registro"]["B1"].comment.text == "nombre de la aglomeración"

    def cells(ws: Any) -> list[tuple[Any, ...]]:
        return [
            (
                c.value.replace("\r", "\n") if isinstance(c.value, str) else c.value,
                c.data_type,
                c.number_format,
                c.quotePrefix,
            )
            for r in ws.iter_rows()
            for c in r
        ]

    for a, b in zip(fast, plain, strict=True):
        assert cells(a) == cells(b), a.title


def test_naive_submission_time_is_taken_as_utc(questionnaire, hostile):
    when = datetime(2021, 6, 15, 15, 30, 12, 345)
    rows = [
        ExportRow({"cluster_id": "x"}, "2021", "v", moment, {}, {})
        for moment in (when, when.replace(tzinfo=UTC))
    ]
    table = export_tables(questionnaire, [], rows)["respuestas"]
    at = table[0].index("fecha_envio")
    assert table[1][0][at] == table[1][1][at] == datetime(2021, 6, 15, 10, 30, 12)


def test_rows_must_match_the_header():
    with pytest.raises(ValueError, match="2 cells for 3 columns"):
        to_csv_zip({"t": (["a", "b", "c"], [[1, 2]])})


def test_empty_export_still_has_its_headers_and_codebook(questionnaire):
    tables = export_tables(questionnaire, [], [])
    assert list(tables) == [
        "diccionario",
        "registro",
        "respuestas",
        "puntajes",
        "largo",
        "historial",
        "evidencias",
    ]
    assert tables["diccionario"][1], "the codebook is never empty"
    wb = load_workbook(io.BytesIO(to_xlsx(tables, title="vacío")))
    assert [ws.max_row for ws in wb][1:] == [1, 1, 1, 1, 1, 1]
