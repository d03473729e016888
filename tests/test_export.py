"""The analyst's workbook and CSV zip, read back with openpyxl and csv (issue 15)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime
from importlib import resources

import pytest
import yaml
from openpyxl import load_workbook

from bot.questionnaire.loader import load_questionnaire
from bot.reports.export import (
    NUMERIC_KINDS,
    SEP,
    ExportRow,
    column_specs,
    export_tables,
    to_csv_zip,
    to_xlsx,
)
from scoring import score_answers

EXAMPLES = resources.files("bot") / "examples"


@pytest.fixture(scope="module")
def q():
    return load_questionnaire()


def _answers(name: str) -> dict:
    return yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rows(q):
    out = []
    for campaign, year in (("2020", 2020), ("2021", 2021)):
        for i, name in enumerate(("consolidado.yaml", "joven.yaml")):
            answers = _answers(name)
            answers["estrategia_anio_actualizacion"] = year - 1
            answers["ventas_anio_anterior"] = "n/d"
            if i == 1:
                answers["gobernanza_reuniones"] = 3
            scores = score_answers(q, answers, year).to_json()
            cluster = {"cluster_id": f"c{i}", "nombre": f"=Clúster {i}", "sector": "servicios"}
            out.append(
                ExportRow(
                    cluster, campaign, q.version, datetime(year, 10, 1, tzinfo=UTC), answers, scores
                )
            )
    return out


@pytest.fixture(scope="module")
def tables(q, rows):
    registry = [{"cluster_id": "c0", "nombre": "@uno"}, {"cluster_id": "c1", "nombre": "dos"}]
    return export_tables(q, registry, rows, campaigns=["2020", "2021"])


@pytest.fixture(scope="module")
def workbook(tables):
    data = to_xlsx(tables, title="prueba", notes={})
    return load_workbook(io.BytesIO(data))


def _sheet(wb, name):
    values = list(wb[name].iter_rows(values_only=True))
    return list(values[0]), [list(r) for r in values[1:]]


def test_sheets_and_the_codebook_covers_every_column(workbook):
    assert workbook.sheetnames == [
        "diccionario",
        "registro",
        "respuestas",
        "puntajes",
        "largo",
        "historial",
        "evidencias",
        "evolucion",
    ]
    header, book = _sheet(workbook, "diccionario")
    assert header == ["hoja", "variable", "etiqueta", "tipo", "unidad", "opciones", "regla"]
    described = {(r[0], r[1]) for r in book}
    for name in workbook.sheetnames[1:]:
        columns, _ = _sheet(workbook, name)
        assert {(name, c) for c in columns} <= described, name
        assert len(columns) == len(set(columns)), name
    by_var = {r[1]: r for r in book if r[0] == "respuestas"}
    segment = by_var["enfoque_segmentos"]
    assert "segmentos de negocio" in segment[2] and "validados_analisis" in segment[5]
    assert "100 puntos" in segment[5] and "i01_enfoque_negocio" in segment[6]
    assert "≤" in by_var["empresas_activas"][6]  # the bands of I06
    assert by_var["ventas_anio_actual"][4] == "pesos colombianos (COP)"


def test_each_option_has_a_01_column_summing_to_the_joined_count(q, workbook):
    header, data = _sheet(workbook, "respuestas")
    multi = [question for question in q.questions if question.type == "multi"]
    assert multi
    for question in multi:
        at = header.index(question.id)
        names = [f"{question.id}{SEP}{c.id}" for c in question.choices]
        assert header[at + 1 : at + 1 + len(names)] == names, "next to the joined cell"
        for row in data:
            joined = row[at]
            ones = row[at + 1 : at + 1 + len(names)]
            if joined is None:
                assert set(ones) == {None}
                continue
            assert set(ones) <= {0, 1}
            assert sum(ones) == len(joined.split(";"))


def test_no_numeric_column_holds_text_and_nd_is_a_flag(tables, workbook):
    specs = column_specs(tables)
    checked = 0
    for name in workbook.sheetnames[1:]:
        header, data = _sheet(workbook, name)
        for i, column in enumerate(header):
            if specs[name][column][1] not in NUMERIC_KINDS:
                continue
            checked += 1
            for row in data:
                assert row[i] is None or isinstance(row[i], int | float), (name, column, row[i])
    assert checked > 50
    header, data = _sheet(workbook, "respuestas")
    sales, flag = header.index("ventas_anio_anterior"), header.index(f"ventas_anio_anterior{SEP}nd")
    assert all(row[sales] is None and row[flag] == 1 for row in data)
    reuniones = (
        header.index(f"gobernanza_reuniones{SEP}nd")
        if f"gobernanza_reuniones{SEP}nd" in header
        else None
    )
    if reuniones is not None:
        assert {row[reuniones] for row in data} <= {0, None}


def test_scores_sheet_has_name_department_sector_and_level_label(workbook):
    header, data = _sheet(workbook, "puntajes")
    assert header[:10] == [
        "cluster_id",
        "nombre",
        "departamento",
        "sector",
        "medicion",
        "origen",
        "ims",
        "nivel",
        "nivel_etiqueta",
        "estado_revision",  # the analysts' review (tests/test_review.py fills it)
    ]
    assert {r[8] for r in data} >= {"Consolidado"}


def test_every_wave_in_one_file_with_the_evolution(workbook):
    header, data = _sheet(workbook, "puntajes")
    assert {r[header.index("medicion")] for r in data} == {"2020", "2021"}
    for name in ("respuestas", "largo", "evolucion"):
        assert "medicion" in _sheet(workbook, name)[0]
    scores = {(r[0], r[4]): r for r in data}
    _, evolution = _sheet(workbook, "evolucion")
    assert evolution
    for row in evolution:
        cluster, area, campaign, value, before, change = (
            row[0],
            row[2],
            row[4],
            row[5],
            row[7],
            row[8],
        )
        own = scores[(cluster, campaign)]
        assert value == own[header.index(area)]
        if campaign == "2021":
            assert before == scores[(cluster, "2020")][header.index(area)]
            assert change == round(value - before, 1)
        else:
            assert before is None and change is None


def test_formula_looking_text_is_text_without_a_visible_quote(workbook):
    _, data = _sheet(workbook, "respuestas")
    assert data[0][1] == "=Clúster 0"  # the value, not a formula, no leading '
    cell = workbook["respuestas"]["B2"]
    assert cell.data_type == "s" and cell.quotePrefix


def test_csv_zip_has_the_codebook_and_excel_es(tables):
    plain = zipfile.ZipFile(io.BytesIO(to_csv_zip(tables)))
    assert "diccionario.csv" in plain.namelist() and "evolucion.csv" in plain.namelist()
    text = plain.read("puntajes.csv").decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert header[0] == "cluster_id" and "'=Clúster 0" in text
    spanish = zipfile.ZipFile(io.BytesIO(to_csv_zip(tables, excel_es=True)))
    raw = spanish.read("evolucion.csv")
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "cluster_id" and len(rows[0]) == 9
    assert any("," in r[5] for r in rows[1:]), "decimal comma"
    assert "read_csv2" in spanish.read("README.txt").decode("utf-8-sig")


def test_the_slow_path_is_logged_and_writes_the_same(tables, monkeypatch, caplog):
    from bot.reports.export import xlsx

    monkeypatch.setattr(xlsx, "_fast_xlsx", lambda *a: None)
    slow = load_workbook(io.BytesIO(to_xlsx(tables, title="t")))
    assert "xlsx_slow_path" in caplog.text
    monkeypatch.undo()
    fast = load_workbook(io.BytesIO(to_xlsx(tables, title="t")))
    for name in fast.sheetnames:
        assert _sheet(slow, name) == _sheet(fast, name), name
