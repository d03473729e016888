"""The loader's errors: one test per kind of broken definition, each naming file, line and path."""

from __future__ import annotations

import copy
from importlib import resources
from typing import Any

import pytest
import yaml

from bot.questionnaire.loader import QuestionnaireError, load_questionnaire, parse_definition

SHIPPED = yaml.safe_load(
    resources.files("bot.questionnaire").joinpath("ssme.yaml").read_text(encoding="utf-8")
)


def broken(mutate) -> tuple[str, QuestionnaireError]:
    data: dict[str, Any] = copy.deepcopy(SHIPPED)
    mutate(data)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    with pytest.raises(QuestionnaireError) as info:
        parse_definition(text, "broken.yaml")
    return text, info.value


def problem_line(text: str, error: QuestionnaireError, needle: str) -> str:
    """The problem mentioning needle, checked to point at a line of the file that exists."""
    matches = [p for p in error.problems if needle in p]
    assert matches, f"{needle!r} not in {error.problems}"
    line_no = int(matches[0].split(":", 1)[0])
    assert 1 <= line_no <= len(text.splitlines())
    return matches[0]


def area(data, area_id):
    return next(a for a in data["areas"] if a["id"] == area_id)


def question(data, qid):
    for section in data["areas"] + data["modules"]:
        for q in section["questions"]:
            if q["id"] == qid:
                return q
    raise KeyError(qid)


def test_shipped_definition_loads():
    q = load_questionnaire()
    assert len(q.areas) == 8
    assert len(q.indicators) == 18
    assert q.version
    assert len({x.id for x in q.questions}) == len(q.questions)


def test_unknown_choice_in_a_rule():
    def mutate(d):
        area(d, "gobernanza")["indicators"][0]["rule"]["board"] = "junta_directivaa"

    text, err = broken(mutate)
    msg = problem_line(text, err, "junta_directivaa")
    assert "areas[3].indicators[0].rule.board" in msg
    line_no = int(msg.split(":")[0])
    assert "board: junta_directivaa" in text.splitlines()[line_no - 1]
    assert str(err).startswith("broken.yaml:")


def test_relevant_names_a_question_that_does_not_exist():
    def mutate(d):
        question(d, "gobernanza_pct_empresarios")["relevant"][0]["question"] = "gobernanza_fantasma"

    text, err = broken(mutate)
    msg = problem_line(text, err, "gobernanza_fantasma")
    assert "areas[3].questions[2].relevant[0].question" in msg
    assert "pregunta desconocida" in msg


def test_relevant_names_a_later_question():
    def mutate(d):
        question(d, "enfoque_segmentos")["relevant"] = [{"question": "empresas_activas", "min": 1}]

    text, err = broken(mutate)
    assert "pregunta anterior" in problem_line(text, err, "empresas_activas")


def test_relevant_names_an_unknown_choice():
    def mutate(d):
        question(d, "estrategia_anio_actualizacion")["relevant"][0]["not_in"] = ["no_hay"]

    text, err = broken(mutate)
    assert "opción desconocida 'no_hay'" in problem_line(text, err, "no_hay")


def test_duplicated_question_id():
    def mutate(d):
        question(d, "empresas_activas")["id"] = "empresas_vinculadas"

    text, err = broken(mutate)
    msg = problem_line(text, err, "id de pregunta repetido")
    assert "areas[2].questions[1].id" in msg and "la primera vez en areas[2].questions[0].id" in msg


def test_duplicated_choice_id():
    def mutate(d):
        question(d, "enfoque_segmentos")["choices"][1]["id"] = "no_definidos"

    text, err = broken(mutate)
    assert "id de opción repetido 'no_definidos'" in problem_line(
        text, err, "id de opción repetido"
    )


def test_area_without_indicators():
    def mutate(d):
        area(d, "proyectos")["indicators"] = []

    text, err = broken(mutate)
    assert "areas[4].indicators" in problem_line(text, err, "no tiene indicadores")


def test_unknown_question_type():
    def mutate(d):
        question(d, "empresas_vinculadas")["type"] = "entero"

    text, err = broken(mutate)
    assert "areas[2].questions[0].type" in problem_line(text, err, "debe ser uno de")


def test_missing_required_field():
    def mutate(d):
        del question(d, "empresas_vinculadas")["text"]

    text, err = broken(mutate)
    assert "areas[2].questions[0].text" in problem_line(text, err, "falta este valor")


def test_bands_must_increase():
    def mutate(d):
        area(d, "enfoque")["indicators"][1]["rule"]["bands"][2]["upto"] = 1

    text, err = broken(mutate)
    assert "areas[0].indicators[1].rule" in problem_line(text, err, "deben crecer")


def test_rule_on_a_question_of_the_wrong_type():
    def mutate(d):
        area(d, "enfoque")["indicators"][1]["rule"]["question"] = "enfoque_segmentos"

    text, err = broken(mutate)
    assert "regla count necesita una pregunta multi" in problem_line(text, err, "enfoque_segmentos")


def test_scored_choice_without_score():
    def mutate(d):
        del question(d, "impacto_evidencia")["choices"][2]["score"]

    text, err = broken(mutate)
    assert "necesita un puntaje" in problem_line(text, err, "impacto_evidencia")


def test_gate_names_unknown_indicator():
    def mutate(d):
        d["gates"][0]["indicator"] = "i99_inexistente"

    text, err = broken(mutate)
    assert "gates[0].indicator" in problem_line(text, err, "i99_inexistente")


def test_consistency_rule_names_unknown_question_and_placeholder():
    def mutate(d):
        d["consistency"][0]["limit"] = "empresas_totales"
        d["consistency"][1]["message"] = "Faltan {cosas}."

    text, err = broken(mutate)
    assert "consistency[0]" in problem_line(text, err, "empresas_totales")
    assert "consistency[1].message" in problem_line(text, err, "{cosas}")


def test_levels_must_increase():
    def mutate(d):
        d["levels"][2]["min_ims"] = 30

    text, err = broken(mutate)
    assert "levels[2].min_ims" in problem_line(text, err, "creciente")


def test_invalid_yaml_reports_its_line():
    with pytest.raises(QuestionnaireError) as info:
        parse_definition("version: 1\nareas: [\n  - {id: x\n", "bad.yaml")
    assert str(info.value).startswith("bad.yaml:")
    assert "no es un YAML válido" in str(info.value)


def test_unreadable_file(tmp_path):
    with pytest.raises(QuestionnaireError) as info:
        load_questionnaire(tmp_path / "nope.yaml")
    assert "nope.yaml" in str(info.value) and "no se puede leer" in str(info.value)


def test_several_problems_are_all_reported():
    def mutate(d):
        question(d, "empresas_activas")["id"] = "empresas_vinculadas"
        d["gates"][0]["indicator"] = "i99_inexistente"

    _, err = broken(mutate)
    assert len(err.problems) >= 2


def test_plausibility_thresholds_are_validated_where_they_are():
    def mutate(d):
        change = next(r for r in d["consistency"] if r["id"] == "cambio_ventas")
        change["max_fall_pct"] = 150  # a fall cannot be more than 100 %
        per_firm = next(r for r in d["consistency"] if r["id"] == "ventas_por_empresa")
        per_firm["min"], per_firm["max"] = 10, 5

    text, err = broken(mutate)
    assert "consistency[4].max_fall_pct" in problem_line(text, err, "max_fall_pct")
    assert "consistency[6]" in problem_line(text, err, "min must be below max")
