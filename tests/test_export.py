"""The exports for analysts: tables, XLSX and ZIP of CSV files (bot.reports.export)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.files.registry import COLUMNS
from bot.questionnaire.model import ND, Questionnaire
from bot.reports import export
from bot.reports.export import (
    ANSWER_COLUMNS,
    LONG_COLUMNS,
    SCORE_COLUMNS,
    TABLES,
    ExportRow,
    export_tables,
    to_csv_zip,
    to_xlsx,
)
from bot.texts import export as texts
from scoring.scorer import score_answers
from tests.conftest import CAMPAIGN_YEAR, example

DANGEROUS = ['=HYPERLINK("http://x","clic")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def cluster(cluster_id: str, nombre: str, **extra: Any) -> dict[str, Any]:
    row = {
        "cluster_id": cluster_id,
        "nombre": nombre,
        "departamento": "Huila",
        "municipio": None,
        "sector": "agroindustria",
        "subsector": "café",
        "entidad_gestora": "Cámara de Comercio del Huila",
        "entidad_gestora_tipo": "camara_comercio",
        "anio_creacion": 2012,
        "estado": "activa",
    }
    return row | extra


@pytest.fixture(scope="module")
def q(questionnaire: Questionnaire) -> Questionnaire:
    return questionnaire


@pytest.fixture(scope="module")
def registry() -> list[dict[str, Any]]:
    return [
        cluster("huila_cafe", "Clúster de Café del Huila"),
        cluster("bogota_moda", "Clúster de Moda de Bogotá", departamento="Bogotá D.C."),
        cluster("cauca_turismo", "Turismo Cauca", anio_creacion=None, estado="inactiva"),
    ]


@pytest.fixture(scope="module")
def rows(q: Questionnaire, registry: list[dict[str, Any]]) -> list[ExportRow]:
    consolidado, joven = example("consolidado"), example("joven")
    # The third: more n/d, and a stale answer that an upstream change made irrelevant.
    tercero = example("consolidado") | {
        "gobernanza_instancias": ["mesas_tecnicas", "reglamento"],
        "gobernanza_pct_empresarios": 40,  # only relevant with junta_directiva
        "empleo_anio_actual": ND,
        "empleo_anio_anterior": ND,
        "ventas_pct_local": ND,
    }
    out = []
    for i, answers in enumerate((consolidado, joven, tercero)):
        scores = score_answers(q, answers, CAMPAIGN_YEAR).to_json()
        out.append(
            ExportRow(
                cluster=registry[i],
                campaign_id="2021",
                questionnaire_version=q.version,
                submitted_at=datetime(2021, 6, 15, 15, 30 + i, 12, 345, tzinfo=UTC),
                answers=answers,
                scores=scores,
            )
        )
    return out


@pytest.fixture(scope="module")
def tables(q, registry, rows):
    return export_tables(q, registry, rows)


@pytest.fixture(scope="module")
def xlsx(tables) -> bytes:
    return to_xlsx(tables, title="SSME · Medición 2021")


@pytest.fixture(scope="module")
def csv_zip(tables) -> bytes:
    return to_csv_zip(tables)


def sheets(data: bytes) -> dict[str, list[list[Any]]]:
    wb = load_workbook(io.BytesIO(data))
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb}


def csv_files(data: bytes) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        out = {}
        for name in zf.namelist():
            if name.endswith(".csv"):
                raw = zf.read(name)
                assert raw.startswith(b"\xef\xbb\xbf"), name
                text = raw.decode("utf-8-sig")
                out[name.removesuffix(".csv")] = list(csv.reader(io.StringIO(text, newline="")))
        return out


def expected_headers(q: Questionnaire) -> dict[str, list[str]]:
    return {
        "registro": list(COLUMNS),
        "respuestas": [*ANSWER_COLUMNS, *(x.id for x in q.questions)],
        "puntajes": [
            *SCORE_COLUMNS,
            *(i.id for i in q.indicators),
            *(a.id for a in q.areas),
            *(g.id for g in q.gates),
        ],
        "largo": list(LONG_COLUMNS),
    }


def by_header(header: list[Any], row: list[Any]) -> dict[str, Any]:
    return dict(zip(header, row, strict=True))


# ---------------------------------------------------------------------------------------------
# Headers and values


def test_xlsx_has_the_four_sheets_with_exact_headers(q, xlsx):
    got = sheets(xlsx)
    assert list(got) == list(TABLES)
    headers = expected_headers(q)
    for name in TABLES:
        assert got[name][0] == headers[name], name
        assert len(set(headers[name])) == len(headers[name]), f"repeated column in {name}"
    # The shipped questionnaire: 41 questions, 18 indicators, 8 areas, 5 gates.
    assert len(headers["respuestas"]) == 5 + 41
    assert len(headers["puntajes"]) == 4 + 18 + 8 + 5
    # The flag estrategia_actualizada is also a gate: one column, not two.
    assert headers["puntajes"].count("estrategia_actualizada") == 1


def test_xlsx_layout(xlsx):
    wb = load_workbook(io.BytesIO(xlsx))
    assert wb.properties.title == "SSME · Medición 2021"
    for ws in wb:
        assert ws.freeze_panes == "B2"
        assert all(c.font.bold for c in ws[1])
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
        assert 8 <= ws.column_dimensions["A"].width <= 50
    resp = wb["respuestas"]
    header = [c.value for c in resp[1]]
    ventas = resp.cell(2, header.index("ventas_anio_actual") + 1)
    assert ventas.value == 457_000_000_000 and ventas.number_format == "#,##0"
    submitted = resp.cell(2, header.index("submitted_at") + 1)
    assert submitted.is_date and submitted.number_format == "yyyy-mm-dd hh:mm:ss"


def test_values_round_trip_in_xlsx(q, xlsx):
    got = sheets(xlsx)
    header, *rows = got["respuestas"]
    consolidado, joven, tercero = (by_header(header, r) for r in rows)

    assert consolidado["cluster_id"] == "huila_cafe"
    assert consolidado["nombre"] == "Clúster de Café del Huila"
    assert consolidado["campaign"] == "2021"
    assert consolidado["questionnaire_version"] == q.version
    # 15:30:12 UTC is 10:30:12 in Bogotá; to the second.
    assert consolidado["submitted_at"] == datetime(2021, 6, 15, 10, 30, 12)
    assert consolidado["enfoque_segmentos"] == "validados_analisis"
    assert consolidado["gobernanza_instancias"] == (
        "junta_directiva;consejo_ampliado;mesas_tecnicas;reglamento"
    )
    assert consolidado["empresas_vinculadas"] == 180
    assert type(consolidado["empresas_vinculadas"]) is int
    assert consolidado["ventas_anio_actual"] == 457_000_000_000
    assert consolidado["estrategia_anio_actualizacion"] == 2020
    assert consolidado["gobernanza_presidencia_empresarial"] == "si"
    assert consolidado["financiacion_plan_plurianual"] == "si"

    assert joven["gobernanza_presidencia_empresarial"] == "no"
    assert joven["estrategia_anio_actualizacion"] == "nunca"
    assert joven["ventas_anio_actual"] == ND
    assert joven["ventas_anio_anterior"] == ND
    assert joven["gobernanza_pct_empresarios"] is None  # not relevant: no board

    assert tercero["empleo_anio_actual"] == ND
    assert tercero["ventas_pct_local"] == ND
    assert tercero["gobernanza_pct_empresarios"] is None  # a stale, irrelevant answer

    header, *rows = got["puntajes"]
    scores = [by_header(header, r) for r in rows]
    assert [s["level"] for s in scores[:2]] == ["consolidado", "exploracion"]
    for s in scores:
        assert isinstance(s["ims"], float)
        assert all(isinstance(s[i.id], int | float) for i in q.indicators)
        assert all(isinstance(s[a.id], int | float) for a in q.areas)
        assert all(s[g.id] in ("si", "no") for g in q.gates)
    assert scores[0]["ims"] == score_answers(q, example("consolidado"), CAMPAIGN_YEAR).ims
    assert scores[0]["estrategia_actualizada"] == "si"
    assert scores[1]["estrategia_actualizada"] == "no"

    header, *rows = got["registro"]
    registro = [by_header(header, r) for r in rows]
    assert registro[0]["anio_creacion"] == 2012 and registro[0]["municipio"] is None
    assert registro[1]["departamento"] == "Bogotá D.C."
    assert registro[2]["anio_creacion"] is None and registro[2]["estado"] == "inactiva"


def test_long_format_has_one_row_per_answered_question(q, rows, xlsx):
    header, *long_rows = sheets(xlsx)["largo"]
    assert header == list(LONG_COLUMNS)
    expected = []
    for row in rows:
        relevant = q.relevant_answers(row.answers)
        for question in q.questions:
            if question.id in relevant:
                expected.append((row.cluster["cluster_id"], question.id))
    assert [(r[0], r[2]) for r in long_rows] == expected
    assert len(long_rows) == sum(len(q.relevant_answers(r.answers)) for r in rows)

    values = {(r[0], r[2]): r[3] for r in long_rows}
    assert values["huila_cafe", "financiacion_fuentes"] == (
        "gestora;aportes_empresas;cofinanciacion_nacional;gobierno_local"
    )
    assert values["huila_cafe", "empresas_activas"] == 110
    assert values["bogota_moda", "ventas_anio_actual"] == ND
    assert values["bogota_moda", "gobernanza_presidencia_empresarial"] == "no"
    assert ("cauca_turismo", "gobernanza_pct_empresarios") not in values
    assert all(r[1] == "2021" for r in long_rows)


def test_csv_zip_has_the_same_content(q, xlsx, csv_zip):
    with zipfile.ZipFile(io.BytesIO(csv_zip)) as zf:
        assert sorted(zf.namelist()) == sorted([*(f"{t}.csv" for t in TABLES), "README.txt"])
        readme = zf.read("README.txt")
    assert readme.startswith(b"\xef\xbb\xbf")
    readme_text = readme.decode("utf-8-sig")
    assert "\r\n" in readme_text
    for name in TABLES:
        assert f"{name}.csv" in readme_text

    def as_csv(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            return value.isoformat(sep=" ")
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    files = csv_files(csv_zip)
    workbook = sheets(xlsx)
    assert list(files) == list(TABLES)
    for name in TABLES:
        assert files[name] == [[as_csv(v) for v in row] for row in workbook[name]], name

    header, *rows = files["respuestas"]
    first = by_header(header, rows[0])
    assert first["submitted_at"] == "2021-06-15 10:30:12"
    assert first["nombre"] == "Clúster de Café del Huila"
    assert first["gobernanza_presidencia_empresarial"] == "si"


def test_csv_is_comma_separated_rfc4180(csv_zip):
    with zipfile.ZipFile(io.BytesIO(csv_zip)) as zf:
        raw = zf.read("respuestas.csv").decode("utf-8-sig")
    first_line = raw.split("\r\n", 1)[0]
    assert first_line.startswith("cluster_id,nombre,campaign,questionnaire_version,submitted_at,")
    assert raw.endswith("\r\n")


# ---------------------------------------------------------------------------------------------
# Formula neutralisation


@pytest.fixture(scope="module")
def hostile(q, rows) -> dict[str, tuple[list[str], list[list[Any]]]]:
    registry = [cluster(f"c{i}", name) for i, name in enumerate(DANGEROUS)]
    submissions = [
        ExportRow(
            cluster=registry[i],
            campaign_id="2021",
            questionnaire_version=q.version,
            submitted_at=rows[0].submitted_at,
            answers=rows[0].answers,
            scores=rows[0].scores,
        )
        for i in range(len(DANGEROUS))
    ]
    return export_tables(q, registry, submissions)


def test_formula_starts_are_neutralised_in_xlsx(hostile):
    data = to_xlsx(hostile, title="x")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheet_xml = [zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/")]
    assert sheet_xml
    for xml in sheet_xml:
        assert b"<f>" not in xml and b"<f " not in xml
        assert not re.search(rb't="(e|str)"', xml)

    wb = load_workbook(io.BytesIO(data))
    for table, column in (("registro", 2), ("respuestas", 2)):
        ws = wb[table]
        cells = [ws.cell(r, column) for r in range(2, ws.max_row + 1)]
        # Text by its type, shown as written (no visible '), quote-prefixed like Excel's own.
        assert [c.value for c in cells] == DANGEROUS, table
        assert all(c.data_type == "s" for c in cells)
        assert all(c.quotePrefix for c in cells), table
        assert not ws.cell(2, 1).quotePrefix  # an ordinary id is not


def test_formula_starts_are_neutralised_in_csv(hostile):
    files = csv_files(to_csv_zip(hostile))
    for table in ("registro", "respuestas"):
        names = [row[1] for row in files[table][1:]]
        assert names == ["'" + name for name in DANGEROUS], table
    for table, rows in files.items():
        for row in rows[1:]:
            for cell in row:
                assert not cell or cell[0] not in "=+-@\t\r", (table, cell)


def test_real_negative_numbers_stay_numbers():
    tables = {"t": (["id", "n", "x", "txt"], [["a", -2, -0.5, "-2"], ["b", 3, 1.25, "=1+1"]])}
    wb = load_workbook(io.BytesIO(to_xlsx(tables, title="t")))
    ws = wb["t"]
    assert ws["B2"].value == -2 and ws["B2"].data_type == "n"
    assert ws["C2"].value == -0.5 and ws["C2"].data_type == "n"
    assert ws["D2"].value == "-2" and ws["D3"].value == "=1+1"
    assert ws["D2"].data_type == ws["D3"].data_type == "s"
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
    assert [ws.cell(r, 2).quotePrefix for r in range(2, ws.max_row + 1)] == [False] * 4 + [
        True,
        False,
    ]
    in_csv = [*expected[:4], "'=cmd", "ok"]
    assert [r[1] for r in csv_files(to_csv_zip(tables))["t"][1:]] == in_csv


# ---------------------------------------------------------------------------------------------
# Edge cases


def test_empty_export_still_has_headers(q):
    tables = export_tables(q, [], [])
    headers = expected_headers(q)
    assert {name: rows for name, (_, rows) in tables.items()} == {t: [] for t in TABLES}
    got = sheets(to_xlsx(tables, title="vacío"))
    assert got == {name: [headers[name]] for name in TABLES}
    files = csv_files(to_csv_zip(tables))
    assert files == {name: [headers[name]] for name in TABLES}


@pytest.mark.parametrize("which", ["tables", "hostile"])
def test_fast_writer_matches_openpyxl_alone(which, request):
    tables = request.getfixturevalue(which)
    fast = load_workbook(io.BytesIO(to_xlsx(tables, title="t")))
    plain = load_workbook(io.BytesIO(export._workbook(tables, "t", with_rows=True)[0]))
    assert fast.sheetnames == plain.sheetnames

    def cells(ws: Any) -> list[tuple[Any, ...]]:
        # openpyxl writes a leading CR as is, and XML reads it as LF: the fast writer escapes it.
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


def test_naive_submission_time_is_taken_as_utc(q, rows):
    aware = rows[0]
    naive = ExportRow(
        aware.cluster,
        aware.campaign_id,
        aware.questionnaire_version,
        aware.submitted_at.replace(tzinfo=None),
        aware.answers,
        aware.scores,
    )
    a = export_tables(q, [], [aware])["respuestas"][1][0][4]
    b = export_tables(q, [], [naive])["respuestas"][1][0][4]
    assert a == b == datetime(2021, 6, 15, 10, 30, 12)


def test_rows_must_match_the_header():
    with pytest.raises(ValueError, match="2 cells for 3 columns"):
        to_csv_zip({"t": (["a", "b", "c"], [[1, 2]])})


def test_readme_describes_every_table():
    assert set(texts.TABLE_DESCRIPTIONS) == set(TABLES)


def test_registry_rows_may_be_dataclasses(q, rows):
    from dataclasses import make_dataclass

    Cluster = make_dataclass("Cluster", [(c, Any) for c in COLUMNS])
    entry = Cluster(**cluster("huila_cafe", "Café"))
    row = ExportRow(entry, "2021", q.version, rows[0].submitted_at, {}, rows[0].scores)
    tables = export_tables(q, [entry], [row])
    assert tables["registro"][1] == [[*cluster("huila_cafe", "Café").values()]]
    assert tables["respuestas"][1][0][:2] == ["huila_cafe", "Café"]
    assert tables["largo"][1] == []
