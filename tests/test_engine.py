"""The questionnaire engine: navigation, skip logic, consistency rules, reading and coercing answers."""

from __future__ import annotations

import contextlib
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.questionnaire.engine import Accepted, Engine, NeedsConfirmation, Rejected
from bot.questionnaire.model import ND
from bot.questionnaire.parsing import Ambiguous, AnswerError
from bot.questionnaire.rules import plausibility
from bot.texts import ANSWER_ERRORS
from tests.conftest import CAMPAIGN_YEAR, example


@pytest.fixture
def engine(questionnaire):
    return Engine(questionnaire, CAMPAIGN_YEAR)


def walk(engine, answers):
    """Answer in order, as the conversation does; returns what was stored."""
    stored = {}
    while (question := engine.next_question(stored)) is not None:
        outcome = engine.submit(stored, question.id, answers[question.id])
        assert isinstance(outcome, Accepted), (question.id, outcome)
        stored[question.id] = outcome.value
        for dropped in outcome.dropped:
            stored.pop(dropped)
    return stored


def test_walk_asks_every_relevant_question_once(engine, consolidado):
    stored = walk(engine, consolidado)
    assert stored == consolidado
    assert engine.is_complete(stored)


def test_progress_counts_undecided_questions_and_areas(engine, questionnaire):
    p = engine.progress({}, "enfoque_segmentos")
    assert (p.index, p.total, p.section_index, p.section_count, p.is_area) == (1, 41, 1, 8, True)
    p = engine.progress({"estrategia_formalizacion": "no_existe"}, "estrategia_seguimiento")
    assert p.total == 40 and p.section.id == "estrategia" and p.section_index == 2
    p = engine.progress({}, "empleo_anio_anterior")
    assert p.is_area is False and p.section.id == "desempeno" and p.index == 41


def test_skip_logic_and_previous_question(engine):
    answers = {
        "enfoque_segmentos": "sector",
        "inteligencia_actividades": ["ninguna"],
        "estrategia_formalizacion": "no_existe",
    }
    assert engine.next_question(answers).id == "estrategia_seguimiento"
    assert (
        engine.previous_question(answers, "estrategia_seguimiento").id == "estrategia_formalizacion"
    )
    answers["estrategia_formalizacion"] = "documento"
    assert engine.next_question(answers).id == "estrategia_anio_actualizacion"
    assert engine.previous_question(answers, "enfoque_segmentos") is None


def test_answer_change_reports_answers_that_become_irrelevant(engine, consolidado):
    outcome = engine.submit(consolidado, "gobernanza_instancias", ["mesas_tecnicas"])
    assert isinstance(outcome, Accepted)
    assert outcome.dropped == ("gobernanza_pct_empresarios",)
    outcome = engine.submit(consolidado, "estrategia_formalizacion", "no_existe")
    assert outcome.dropped == ("estrategia_anio_actualizacion",)


def test_submit_for_an_irrelevant_question_is_rejected(engine):
    answers = {"estrategia_formalizacion": "no_existe"}
    outcome = engine.submit(answers, "estrategia_anio_actualizacion", 2020)
    assert isinstance(outcome, Rejected) and "ya no aplica" in outcome.message
    assert isinstance(engine.submit({}, "pregunta_inventada", 1), Rejected)


# --- consistency rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "value", "ok"),
    [
        ("empresas_activas", 180, True),
        ("empresas_activas", 181, False),
        ("empresas_beneficiarias", 180, True),
        ("empresas_beneficiarias", 200, False),
    ],
)
def test_at_most_rules(engine, consolidado, question, value, ok):
    outcome = engine.submit(consolidado, question, value)
    assert isinstance(outcome, Accepted) is ok
    if not ok:
        assert "(180)" in outcome.message and "empresas_vinculadas" in outcome.questions


def test_at_most_checked_when_the_limit_changes_too(engine, consolidado):
    outcome = engine.submit(consolidado, "empresas_vinculadas", 100)  # activas is 110
    assert isinstance(outcome, Rejected) and "activas (110)" in outcome.message


def test_size_counts_must_sum_to_linked_firms(engine, consolidado):
    outcome = engine.submit(consolidado, "empresas_grandes", 6)
    assert isinstance(outcome, Rejected)
    assert "suman 181" in outcome.message and "son 180" in outcome.message
    assert set(outcome.questions) == {
        "empresas_vinculadas",
        "empresas_micro",
        "empresas_pequenas",
        "empresas_medianas",
        "empresas_grandes",
    }
    # A size given as n/d: the rule cannot be checked, so it does not block.
    assert isinstance(engine.submit(consolidado, "empresas_grandes", ND), Accepted)


@pytest.mark.parametrize(
    ("export", "ok"), [(21, True), (22, True), (20, True), (23, False), (19, False)]
)
def test_destination_shares_sum_to_100_within_1(engine, consolidado, export, ok):
    outcome = engine.submit(consolidado, "ventas_pct_exportacion", export)
    assert isinstance(outcome, Accepted) is ok


@pytest.mark.parametrize(
    ("previous", "confirm"),
    # 3.850 jobs in t: a rise over +100 % (from under 1.925) or a fall under -50 % (from over
    # 7.700) is asked about; a fall could never be before (the dropped zeros).
    [(3850, False), (7700, False), (7701, True), (8000, True), (1925, False), (1924, True)],
)
def test_large_change_needs_confirmation(engine, consolidado, previous, confirm):
    outcome = engine.submit(consolidado, "empleo_anio_anterior", previous)
    assert isinstance(outcome, NeedsConfirmation) is confirm
    if confirm:
        assert "¿Está seguro?" in outcome.message and outcome.rule_id == "cambio_empleo"
        again = engine.submit(
            consolidado, "empleo_anio_anterior", previous, confirmed=[outcome.key]
        )
        assert isinstance(again, Accepted)
        # The confirmation is for these figures: another one is asked about again.
        other = engine.submit(consolidado, "empleo_anio_anterior", 1, confirmed=[outcome.key])
        assert isinstance(other, NeedsConfirmation)


def test_change_from_zero_is_not_a_percentage(engine, consolidado):
    assert isinstance(engine.submit(consolidado, "ventas_anio_anterior", 0), Accepted)


# --- reading and coercing ---------------------------------------------------------------------


def test_read_typed_answers(engine, questionnaire):
    q = questionnaire.question
    assert engine.read(q("enfoque_segmentos"), "3") == "segmentos"
    assert engine.read(q("enfoque_segmentos"), "Validados") == "validados"
    assert engine.read(q("gobernanza_presidencia_empresarial"), "Sí.") is True
    assert engine.read(q("estrategia_anio_actualizacion"), "nunca") == "nunca"
    assert engine.read(q("estrategia_anio_actualizacion"), "2021") == 2021
    assert engine.read(q("ventas_anio_actual"), "457 mil millones") == 457_000_000_000
    assert engine.read(q("ventas_anio_actual"), "n/d") == ND
    assert engine.read(q("financiacion_pct_empresas"), "12,5%") == 12.5
    assert isinstance(engine.read(q("ventas_anio_actual"), "1.234 millones"), Ambiguous)


@pytest.mark.parametrize(
    ("qid", "text", "code"),
    [
        ("inteligencia_actividades", "la junta", "use_buttons_multi"),
        ("inteligencia_actividades", "1, 9", "multi_range"),
        ("enfoque_segmentos", "9", "choice_range"),
        ("enfoque_segmentos", "otra cosa", "use_buttons"),
        ("estrategia_anio_actualizacion", "2022", "year_range"),
        ("estrategia_anio_actualizacion", "1989", "year_range"),
        ("empresas_vinculadas", "n/d", "integer_format"),
    ],
)
def test_read_errors(engine, questionnaire, qid, text, code):
    with pytest.raises(AnswerError) as info:
        engine.read(questionnaire.question(qid), text)
    assert info.value.code == code


# Every code the engine adds to ANSWER_ERRORS, with one input that raises it.
ENGINE_TRIGGERS = {
    "use_buttons": ("enfoque_segmentos", "otra cosa", "read"),
    "use_buttons_multi": ("alianzas_externas", "todas", "read"),
    "choice_range": ("enfoque_segmentos", "7", "read"),
    "multi_range": ("alianzas_externas", "8", "read"),
    "nd_not_allowed": ("empresas_vinculadas", "n/d", "coerce"),
    "multi_format": ("alianzas_externas", 7, "coerce"),
    "multi_empty": ("alianzas_externas", [], "coerce"),
    "multi_repeated": ("alianzas_externas", ["comision_regional", "comision_regional"], "coerce"),
    "multi_exclusive": ("alianzas_externas", "ninguna;comision_regional", "coerce"),
    "unknown_choice": ("enfoque_segmentos", "excelente", "coerce"),
    "ambiguous_in_file": ("ventas_anio_actual", "1.234 millones", "coerce"),
}
ENGINE_MESSAGES = {"not_relevant", "unknown_question", "ignored_not_relevant", "missing_answer"}


@pytest.mark.parametrize("code", sorted(ENGINE_TRIGGERS))
def test_engine_error_codes_are_raised(engine, questionnaire, code):
    qid, raw, how = ENGINE_TRIGGERS[code]
    with pytest.raises(AnswerError) as info:
        getattr(engine, how)(questionnaire.question(qid), raw)
    assert info.value.code == code
    assert info.value.message


def test_every_answer_error_code_is_reachable():
    from tests.test_parsing import TRIGGERS

    assert set(ANSWER_ERRORS) == set(TRIGGERS) | set(ENGINE_TRIGGERS) | ENGINE_MESSAGES
    for code in ENGINE_MESSAGES:
        names = {n for _, n, _, _ in string.Formatter().parse(ANSWER_ERRORS[code]) if n}
        assert not names


def test_coerce_file_values(engine, questionnaire):
    q = questionnaire.question
    assert engine.coerce(q("alianzas_externas"), "plan_desarrollo;comision_regional") == [
        "comision_regional",
        "plan_desarrollo",
    ]
    assert engine.coerce(q("gobernanza_presidencia_empresarial"), "si") is True
    assert engine.coerce(q("gobernanza_presidencia_empresarial"), False) is False
    assert engine.coerce(q("empresas_vinculadas"), 1.234e3) == 1234
    with pytest.raises(AnswerError):
        engine.coerce(q("empresas_vinculadas"), 1.234)  # a JSON float is not read as 1.234 thousand
    with pytest.raises(AnswerError):
        engine.coerce(q("empresas_vinculadas"), True)
    assert engine.coerce(q("financiacion_pct_empresas"), "35") == 35
    with pytest.raises(AnswerError):
        engine.coerce(q("financiacion_pct_empresas"), 100.5)


def test_toggle_exclusive_options(questionnaire):
    q = questionnaire.question("gobernanza_instancias")
    selected = Engine.toggle(q, [], "mesas_tecnicas")
    selected = Engine.toggle(q, selected, "junta_directiva")
    assert selected == ["junta_directiva", "mesas_tecnicas"]
    assert Engine.toggle(q, selected, "ninguna") == ["ninguna"]
    assert Engine.toggle(q, ["ninguna"], "reglamento") == ["reglamento"]
    assert Engine.toggle(q, ["reglamento"], "reglamento") == []


def test_validate_a_whole_file(engine, consolidado, joven):
    for answers in (consolidado, joven):
        kept, errors, warnings = engine.validate(answers)
        assert errors == [] and warnings == []
        assert kept == answers
    bad = {**consolidado, "empresas_activas": 500, "preguntita": 1, "empleo_anio_actual": 9000}
    bad.pop("enfoque_segmentos")
    _, errors, warnings = engine.validate(bad)
    assert any(e.startswith("preguntita:") for e in errors)
    assert any(e.startswith("enfoque_segmentos:") and "falta" in e for e in errors)
    assert any("empresas_activas" in e and "(500)" in e for e in errors)
    assert any("empleo" in w and "¿Está seguro?" in w for w in warnings)
    irrelevant = {**joven, "gobernanza_pct_empresarios": 50}
    kept, errors, warnings = engine.validate(irrelevant)
    assert errors == [] and "gobernanza_pct_empresarios" not in kept
    assert any(w.startswith("gobernanza_pct_empresarios:") for w in warnings)


def test_display_values(engine, questionnaire):
    q = questionnaire.question
    assert engine.display(q("ventas_anio_actual"), 457_000_000_000) == "$457.000.000.000"
    assert engine.display(q("financiacion_pct_empresas"), 12.5) == "12,5%"
    assert engine.display(q("empresas_vinculadas"), ND) == "No disponible"
    assert (
        engine.display(q("gobernanza_instancias"), ["junta_directiva"], compact=True)
        == "Junta directiva"
    )
    assert engine.display(q("estrategia_anio_actualizacion"), 2020) == "2020"


def test_question_text_uses_the_reference_year(engine, questionnaire):
    assert "2021" in engine.text(questionnaire.question("ventas_anio_actual"))
    assert "2020" in engine.text(questionnaire.question("ventas_anio_anterior"))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=80))
def test_reading_any_text_never_raises_anything_else(text):
    from bot.questionnaire.loader import load_questionnaire

    questionnaire = load_questionnaire()
    engine = Engine(questionnaire, CAMPAIGN_YEAR)
    for question in questionnaire.questions:
        with contextlib.suppress(AnswerError):
            engine.read(question, text)


def test_examples_are_valid_for_their_campaign():
    for name in ("consolidado", "joven"):
        from bot.questionnaire.loader import load_questionnaire

        _, errors, _ = Engine(load_questionnaire(), CAMPAIGN_YEAR).validate(example(name))
        assert errors == []


def test_plausibility_per_firm_and_actors_are_questions_not_refusals(engine, consolidado):
    answers = {**consolidado, "empresas_vinculadas": 80}
    del answers["ventas_anio_anterior"], answers["empleo_anio_anterior"]  # other rules
    # 457 thousand pesos of sales for 80 firms: the dropped-zeros typo.
    low = engine.submit(answers, "ventas_anio_actual", 457_000)
    assert isinstance(low, NeedsConfirmation) and low.rule_id == "ventas_por_empresa"
    assert "$5.713 por empresa vinculada" in low.message
    assert isinstance(engine.submit(answers, "ventas_anio_actual", 40_000_000_000), Accepted)
    jobs = engine.submit(answers, "empleo_anio_actual", 40)
    assert isinstance(jobs, NeedsConfirmation) and jobs.rule_id == "empleos_por_empresa"
    actors = engine.submit(answers, "actores_empresas", 81)
    assert isinstance(actors, NeedsConfirmation) and actors.rule_id == "actores_vs_vinculadas"
    assert isinstance(engine.submit(answers, "actores_empresas", 80), Accepted)
    confirmed = engine.submit(answers, "actores_empresas", 81, confirmed=[actors.key])
    assert isinstance(confirmed, Accepted)


def test_the_plausibility_rules_are_a_pure_function_over_answers(questionnaire, consolidado):
    q = questionnaire
    assert plausibility(q, consolidado, 2021) == []
    typo = {**consolidado, "ventas_anio_actual": 457_000, "actores_empresas": 500}
    found = plausibility(q, typo, 2021)
    assert [f.rule_id for f in found] == [
        "cambio_ventas",
        "ventas_por_empresa",
        "actores_vs_vinculadas",
    ]
    assert plausibility(q, typo, 2021, confirmed=[found[0].key]) == found[1:]
