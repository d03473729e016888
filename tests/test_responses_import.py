"""Tests of bot.files.responses: the CSV of historical responses (``ssme import-responses``)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.files.responses import (
    TEMPLATE_CLUSTER_ID,
    ResponsesParse,
    RowProblem,
    answer_cell,
    parse_responses_csv,
    responses_template_csv,
)
from bot.questionnaire.model import Questionnaire
from bot.texts import ANSWER_ERRORS
from tests.conftest import CAMPAIGN_YEAR, example

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KNOWN = {"huila_cafe", "valle_moda", "narino_turismo"}
CONSOLIDADO = example("consolidado")
JOVEN = example("joven")


def cell(value: Any) -> str:
    """Written independently of the module: methodology §1's CSV conventions."""
    if isinstance(value, bool):
        return "si" if value else "no"
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def make_csv(
    q: Questionnaire,
    rows: list[tuple[str, dict[str, Any]]],
    *,
    delimiter: str = ",",
    columns: list[str] | None = None,
    lineterminator: str = "\n",
) -> str:
    names = columns if columns is not None else [question.id for question in q.questions]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerow(["cluster_id", *names])
    for cluster_id, answers in rows:
        writer.writerow([cluster_id, *(cell(answers[n]) if n in answers else "" for n in names)])
    return buffer.getvalue()


def parse(q: Questionnaire, data: bytes | str, known: set[str] = KNOWN) -> ResponsesParse:
    return parse_responses_csv(data, q, CAMPAIGN_YEAR, known_clusters=known)


def two_rows(q: Questionnaire, **changes: Any) -> str:
    """Line 2: joven, valid; line 3: consolidado with the given changes."""
    return make_csv(q, [("valle_moda", JOVEN), ("huila_cafe", CONSOLIDADO | changes)])


# ---------------------------------------------------------------------------------------------
# Valid files
# ---------------------------------------------------------------------------------------------


def test_valid_rows_parse_to_exactly_the_example_answers(questionnaire: Questionnaire) -> None:
    text = make_csv(questionnaire, [("huila_cafe", CONSOLIDADO), ("valle_moda", JOVEN)])
    result = parse(questionnaire, text)
    assert result.ok, result.report()
    assert [(r.line, r.cluster_id) for r in result.rows] == [(2, "huila_cafe"), (3, "valle_moda")]
    assert result.rows[0].answers == CONSOLIDADO
    assert result.rows[1].answers == JOVEN
    assert result.rows[1].answers["ventas_anio_actual"] == "n/d"
    assert result.rows[1].answers["estrategia_anio_actualizacion"] == "nunca"
    assert result.warnings == [] and result.notes == [] and result.rejected == 0
    assert result.report() == "2 filas válidas, 0 rechazadas"


@pytest.mark.parametrize(
    ("encode", "delimiter", "first_line", "note"),
    [
        pytest.param(lambda t: t.encode("utf-8"), ",", 2, False, id="utf8-comma"),
        pytest.param(lambda t: t.encode("utf-8"), ";", 2, False, id="utf8-semicolon"),
        pytest.param(lambda t: t.encode("utf-8-sig"), ",", 2, False, id="bom-comma"),
        pytest.param(lambda t: t.encode("utf-8-sig"), ";", 2, False, id="bom-semicolon"),
        pytest.param(
            lambda t: t.replace(";si;", ";sí;").encode("cp1252"), ";", 2, True, id="cp1252"
        ),
        pytest.param(lambda t: "sep=;\r\n" + t, ";", 3, False, id="excel-sep-line"),
        pytest.param(lambda t: "\n\n" + t, ",", 4, False, id="blank-lines-first"),
    ],
)
def test_delimiters_and_encodings(
    questionnaire: Questionnaire, encode: Any, delimiter: str, first_line: int, note: bool
) -> None:
    text = make_csv(
        questionnaire,
        [("huila_cafe", CONSOLIDADO), ("valle_moda", JOVEN)],
        delimiter=delimiter,
        lineterminator="\r\n",
    )
    if delimiter == ";":  # multi answers are quoted, since they contain the delimiter
        assert '"estudios_mercado;benchmarking;' in text
    data = encode(text)
    result = parse(questionnaire, data)
    assert result.ok, result.report()
    assert result.delimiter == delimiter
    assert [r.answers for r in result.rows] == [CONSOLIDADO, JOVEN]
    assert [r.line for r in result.rows] == [first_line, first_line + 1]
    if note:
        assert b";s\xed;" in data  # "sí" in Windows-1252
        assert result.encoding == "cp1252"
        assert len(result.notes) == 1 and "Windows-1252" in result.notes[0]
        assert result.report().startswith(result.notes[0])
    else:
        assert result.notes == []


def test_excel_sep_line_keeps_physical_line_numbers(questionnaire: Questionnaire) -> None:
    text = "sep=,\n" + make_csv(
        questionnaire, [("huila_cafe", CONSOLIDADO | {"enfoque_segmentos": "x"})]
    )
    result = parse(questionnaire, text)
    assert [(e.line, e.column) for e in result.errors] == [(3, "enfoque_segmentos")]


@pytest.mark.parametrize(
    ("qid", "text", "expected"),
    [
        ("ventas_anio_actual", "457.000.000.000", 457_000_000_000),
        ("ventas_anio_actual", "457000000000", 457_000_000_000),
        ("ventas_anio_actual", "457 mil millones", 457_000_000_000),
        ("financiacion_pct_empresas", "12.5", 12.5),
        ("financiacion_pct_empresas", "12,5", 12.5),
        ("financiacion_pct_empresas", "35%", 35),
        ("empleo_anio_actual", "1234", 1234),
        ("empleo_anio_actual", "3.850", 3850),
        ("gobernanza_presidencia_empresarial", "Sí", True),
        ("gobernanza_presidencia_empresarial", "NO", False),
        ("empleo_anio_actual", "N/D", "n/d"),
        (
            "inteligencia_actividades",
            " benchmarking ; estudios_mercado ;",
            ["estudios_mercado", "benchmarking"],
        ),
    ],
)
def test_cells_are_read_like_typed_answers(
    questionnaire: Questionnaire, qid: str, text: str, expected: Any
) -> None:
    result = parse(questionnaire, two_rows(questionnaire, **{qid: text}))
    assert result.ok, result.report()
    assert result.rows[1].answers[qid] == expected


# ---------------------------------------------------------------------------------------------
# Bad cells: an error on the right line and column, and the row is left out
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("qid", "text", "code"),
    [
        ("enfoque_segmentos", "validado", "unknown_choice"),
        ("inteligencia_actividades", "benchmarking;encuestas", "unknown_choice"),
        ("empresas_vinculadas", "muchas", "integer_format"),
        ("empresas_activas", "12.5", "not_integer"),
        ("ventas_anio_actual", "4.57E+11", "money_format"),
        ("ventas_anio_actual", "1.234 millones", "ambiguous_in_file"),
        ("gobernanza_pct_empresarios", "150", "percent_range"),
        ("estrategia_anio_actualizacion", "2030", "year_range"),
        ("estrategia_anio_actualizacion", "hace poco", "year_format"),
        ("inteligencia_actividades", "ninguna;benchmarking", "multi_exclusive"),
        ("inteligencia_actividades", "benchmarking;benchmarking", "multi_repeated"),
        ("empresas_activas", "n/d", "nd_not_allowed"),
        ("gobernanza_presidencia_empresarial", "tal vez", "yesno"),
    ],
)
def test_each_bad_cell_is_an_error_on_its_line_and_column(
    questionnaire: Questionnaire, qid: str, text: str, code: str
) -> None:
    result = parse(questionnaire, two_rows(questionnaire, **{qid: text}))
    assert not result.ok
    assert len(result.errors) == 1, result.report()  # and no "falta la respuesta" echo
    error = result.errors[0]
    assert (error.line, error.column) == (3, qid)
    fixed = ANSWER_ERRORS[code].split("{")[0]
    assert fixed in error.message
    assert f"«{text}»" in error.message
    assert [r.cluster_id for r in result.rows] == ["valle_moda"]
    assert result.rejected == 1
    if code == "money_format":
        assert "notación científica" in error.message


def test_activas_above_vinculadas_is_an_error_on_activas(questionnaire: Questionnaire) -> None:
    result = parse(questionnaire, two_rows(questionnaire, empresas_activas=200))
    assert [(e.line, e.column) for e in result.errors] == [(3, "empresas_activas")]
    message = result.errors[0].message
    assert (
        "Las empresas activas (200) no pueden ser más que las empresas vinculadas (180)" in message
    )
    assert "empresas_vinculadas, empresas_activas" in message
    assert result.warnings == []


def test_a_sum_rule_is_an_error_on_the_row(questionnaire: Questionnaire) -> None:
    result = parse(questionnaire, two_rows(questionnaire, ventas_pct_local=50))
    assert [(e.line, e.column) for e in result.errors] == [(3, None)]
    assert "suman 104%" in result.errors[0].message
    assert (
        "ventas_pct_local, ventas_pct_nacional, ventas_pct_exportacion" in result.errors[0].message
    )


def test_all_problems_of_a_row_are_reported(questionnaire: Questionnaire) -> None:
    result = parse(
        questionnaire,
        two_rows(questionnaire, enfoque_segmentos="x", empresas_micro="-3", ventas_pct_local="a"),
    )
    assert [e.column for e in result.errors] == [
        "enfoque_segmentos",
        "empresas_micro",
        "ventas_pct_local",
    ]
    assert {e.line for e in result.errors} == {3}


# ---------------------------------------------------------------------------------------------
# Header, clusters and missing answers
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wrong", "right"),
    [("empresas_activa", "empresas_activas"), ("Empresas activas", "empresas_activas")],
)
def test_unknown_column_with_suggestion(
    questionnaire: Questionnaire, wrong: str, right: str
) -> None:
    text = make_csv(questionnaire, [("huila_cafe", CONSOLIDADO), ("valle_moda", JOVEN)])
    result = parse(questionnaire, text.replace(right, wrong, 1))
    assert len(result.errors) == 1
    error = result.errors[0]
    assert (error.line, error.column) == (1, wrong.lower())
    assert f"(¿quiso decir {right}?)" in error.message
    assert result.rows == [] and result.rejected == 0 and result.unchecked == 2
    assert "Ninguna fila se revisó" in result.report()


def test_header_problems(questionnaire: Questionnaire) -> None:
    result = parse(questionnaire, "enfoque_segmentos,enfoque_segmentos\nsector,sector\n")
    assert [(e.line, e.column) for e in result.errors] == [
        (1, "enfoque_segmentos"),
        (1, "cluster_id"),
    ]
    assert "repetida" in result.errors[0].message
    assert "falta la columna «cluster_id»" in result.errors[1].message
    assert "tabuladores" in parse(questionnaire, "cluster_id\tenfoque_segmentos\nx\ty\n").report()


def test_duplicate_cluster_names_both_lines(questionnaire: Questionnaire) -> None:
    text = make_csv(
        questionnaire, [("huila_cafe", CONSOLIDADO), ("valle_moda", JOVEN), ("huila_cafe", JOVEN)]
    )
    result = parse(questionnaire, text)
    assert result.errors == [
        RowProblem(
            4,
            "cluster_id",
            "cluster_id «huila_cafe» está repetido: ya aparece en la línea 2; deje una sola fila "
            "por clúster",
        )
    ]
    assert [r.line for r in result.rows] == [2, 3]


def test_unknown_cluster_is_an_error_with_suggestion(questionnaire: Questionnaire) -> None:
    text = make_csv(
        questionnaire,
        [("Huila_Cafe", CONSOLIDADO), ("valle_modas", JOVEN), ("atlantico_x", JOVEN), ("", JOVEN)],
    )
    result = parse(questionnaire, text)
    assert [(e.line, e.column) for e in result.errors] == [(n, "cluster_id") for n in (2, 3, 4, 5)]
    messages = [e.message for e in result.errors]
    assert "(¿quiso decir huila_cafe?)" in messages[0]
    assert "(¿quiso decir valle_moda?)" in messages[1]
    assert "quiso decir" not in messages[2] and "no está en el registro" in messages[2]
    assert messages[3].startswith("falta el cluster_id")
    assert result.rows == [] and result.rejected == 4


def test_missing_column_and_blank_cells_report_missing_answers(
    questionnaire: Questionnaire,
) -> None:
    names = [q.id for q in questionnaire.questions if q.id != "empresas_activas"]
    text = make_csv(
        questionnaire, [("huila_cafe", CONSOLIDADO), ("valle_moda", JOVEN)], columns=names
    )
    result = parse(questionnaire, text)
    assert [(w.line, w.column) for w in result.warnings] == [(1, None)]
    assert "empresas_activas" in result.warnings[0].message
    assert [(e.line, e.column, e.message) for e in result.errors] == [
        (2, "empresas_activas", "falta la respuesta."),
        (3, "empresas_activas", "falta la respuesta."),
    ]
    blank = {k: v for k, v in CONSOLIDADO.items() if k != "impacto_evidencia"}
    result = parse(questionnaire, make_csv(questionnaire, [("huila_cafe", blank)]))
    assert [(e.line, e.column) for e in result.errors] == [(2, "impacto_evidencia")]


def test_large_change_is_only_a_warning(questionnaire: Questionnaire) -> None:
    result = parse(questionnaire, two_rows(questionnaire, ventas_anio_anterior=100_000_000_000))
    assert result.ok, result.report()
    assert [(w.line, w.column) for w in result.warnings] == [(3, "ventas_anio_actual")]
    assert "un cambio de 357%" in result.warnings[0].message
    assert result.rows[1].answers["ventas_anio_anterior"] == 100_000_000_000
    assert len(result.rows[1].warnings) == 1
    assert result.rows[1].warnings[0].startswith("ventas_anio_actual, ventas_anio_anterior: ")
    report = result.report()
    assert "aviso, línea 3, columna ventas_anio_actual: Las ventas pasan de" in report
    assert report.endswith("2 filas válidas, 0 rechazadas, 1 aviso")
    assert "no se importa" not in report


def test_answer_to_a_question_that_does_not_apply_is_ignored_with_a_warning(
    questionnaire: Questionnaire,
) -> None:
    text = make_csv(questionnaire, [("valle_moda", JOVEN | {"gobernanza_pct_empresarios": 40})])
    result = parse(questionnaire, text)
    assert result.ok
    assert result.rows[0].answers == JOVEN
    assert [(w.line, w.column) for w in result.warnings] == [(2, "gobernanza_pct_empresarios")]


# ---------------------------------------------------------------------------------------------
# The file as a whole, and the report
# ---------------------------------------------------------------------------------------------


def test_file_level_problems(questionnaire: Questionnaire) -> None:
    assert parse(questionnaire, b"").errors[0].message.startswith("el archivo está vacío")
    header_only = parse(questionnaire, "cluster_id,enfoque_segmentos\n\n")
    assert header_only.errors == [
        RowProblem(
            1, None, "el archivo solo tiene el encabezado; agregue debajo una fila por clúster"
        )
    ]
    assert "libro de Excel" in parse(questionnaire, b"PK\x03\x04rest").errors[0].message
    assert "envíe las respuestas" in parse(questionnaire, "cluster_id\x00").errors[0].message
    short = make_csv(questionnaire, [("huila_cafe", CONSOLIDADO)]).rstrip("\n") + ",extra\n"
    result = parse(questionnaire, short)
    assert [(e.line, e.column) for e in result.errors] == [(2, None)]
    assert "la fila tiene 43 campos y el encabezado tiene 42" in result.errors[0].message


def test_report_text(questionnaire: Questionnaire) -> None:
    text = make_csv(
        questionnaire,
        [
            ("huila_cafe", CONSOLIDADO | {"empresas_activas": "muchas"}),
            ("valle_moda", JOVEN),
            ("narino_turismo", CONSOLIDADO | {"empleo_anio_anterior": 1000}),
        ],
    )
    result = parse(questionnaire, text)
    assert result.report() == "\n".join(
        [
            "línea 2, columna empresas_activas: «muchas»: Escriba un número entero, por ejemplo 25.",
            "aviso, línea 4, columna empleo_anio_actual: El empleo pasa de 1.000 en 2020 a 3.850 "
            "en 2021: un cambio de 285%. ¿Está seguro? (columnas: empleo_anio_actual, "
            "empleo_anio_anterior)",
            "Mientras haya errores no se importa ninguna fila: corrija el archivo y cárguelo de "
            "nuevo completo.",
            "2 filas válidas, 1 rechazada, 1 aviso",
        ]
    )
    capped = parse(
        questionnaire, two_rows(questionnaire, enfoque_segmentos="x", empresas_micro="-3")
    )
    lines = capped.report(max_errors=1).splitlines()
    assert lines[0].startswith("línea 3, columna enfoque_segmentos:")
    assert lines[1] == "… y 1 error más"


# ---------------------------------------------------------------------------------------------
# The template
# ---------------------------------------------------------------------------------------------


def test_template_round_trips(questionnaire: Questionnaire) -> None:
    template = responses_template_csv(questionnaire)
    header, example_row = template.splitlines()
    assert header.split(",") == [
        "cluster_id",
        "submitted_at",
        *(q.id for q in questionnaire.questions),
    ]
    assert example_row.startswith(f"{TEMPLATE_CLUSTER_ID},")
    result = parse(questionnaire, template, {TEMPLATE_CLUSTER_ID})
    assert result.ok, result.report()
    assert result.rows[0].answers == CONSOLIDADO
    # Left in a real file, the example row is refused: its cluster is in no registry.
    assert [e.column for e in parse(questionnaire, template).errors] == ["cluster_id"]


def test_answer_cell() -> None:
    assert answer_cell(["a", "b"]) == "a;b"
    assert (answer_cell(True), answer_cell(False)) == ("si", "no")
    assert (answer_cell("n/d"), answer_cell(12.5), answer_cell(70.0), answer_cell(None)) == (
        "n/d",
        "12.5",
        "70",
        "",
    )


# ---------------------------------------------------------------------------------------------
# Never raises
# ---------------------------------------------------------------------------------------------

HEADER_START = "cluster_id,enfoque_segmentos,empresas_vinculadas,inteligencia_actividades\n"
TOKENS = [*',;"\n\r \t0123456789.ae/-Eíñ\x00\ufeff', "sector", "huila_cafe", "n/d", "ninguna", "si"]
CSVISH = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)


@FAST
@given(st.text(max_size=300))
def test_arbitrary_text_never_raises(questionnaire: Questionnaire, text: str) -> None:
    result = parse(questionnaire, text)
    assert isinstance(result.report(), str)
    assert result.ok == (not result.errors)


@FAST
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(questionnaire: Questionnaire, data: bytes) -> None:
    assert isinstance(parse(questionnaire, data).report(max_errors=3), str)


@FAST
@given(CSVISH)
def test_csv_like_rows_never_raise(questionnaire: Questionnaire, rows: str) -> None:
    result = parse(questionnaire, HEADER_START + rows)
    assert isinstance(result.report(), str)
    assert all(p.line >= 1 for p in result.errors + result.warnings)
    assert all(row.cluster_id == "huila_cafe" for row in result.rows)
