"""Issue 12, the answer path, end to end: the real Application over HTTP against the local Bot API
server and a real SQLite file, as a manager of a coffee cluster in Huila with about 80 firms
would walk it (typing figures the Colombian way and making the usual mistakes)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.conversation import callbacks as cb
from bot.questionnaire.model import ND
from tests.conftest import example
from tests.e2e import Manager, button, is_question, is_review, question_id, settle

pytestmark = pytest.mark.e2e

# The Huila cluster of the issue: 82 firms, sizes 50/20/8/4, shares 30/45/25.
HUILA: dict[str, Any] = {
    **example("consolidado"),
    "empresas_vinculadas": 82,
    "empresas_activas": 54,
    "actores_empresas": 10,
    "empresas_beneficiarias": 30,
    "empresas_micro": 50,
    "empresas_pequenas": 20,
    "empresas_medianas": 8,
    "empresas_grandes": 4,
    "ventas_anio_actual": 41_000_000_000,
    "ventas_anio_anterior": 38_000_000_000,
    "ventas_pct_local": 30,
    "ventas_pct_nacional": 45,
    "ventas_pct_exportacion": 25,
    "empleo_anio_actual": 1200,
    "empleo_anio_anterior": 1100,
}


async def sends_after(env, ana: Manager, event) -> list[str]:
    """The messages the bot sent in the chat after ``event`` (in the server's order)."""
    await settle()  # only to see that nothing more went out
    return [
        e.text or "" for e in env.server.events(ana.user_id, since=event.seq) if e.kind == "send"
    ]


async def edit_from_review(ana: Manager, qid: str) -> None:
    """/revisar → «Editar <area>» → the question."""
    review = ana.question
    assert review is not None and is_review(review)
    section = next(s for s in _q().sections if any(q.id == qid for q in s.questions))
    ana.press(review.message_id, cb.encode(cb.ReviewArea(section.id)))
    area = await ana.next_send("Editar")
    ana.press(area.message_id, cb.encode(cb.ReviewQuestion(qid)))
    assert question_id(await ana.next_question()) == qid


def _q():
    from tests.e2e import QUESTIONNAIRE

    return QUESTIONNAIRE


async def test_the_issue_repro_a_total_edited_after_the_sizes_sticks(env):
    ana = env.manager()
    await ana.register()
    await ana.answer_all(HUILA)
    await edit_from_review(ana, "empresas_vinculadas")
    await ana.send("80")
    refusal = await ana.next_send("suman")
    assert "Las empresas por tamaño suman 82, pero las empresas vinculadas son 80." in refusal.text
    assert "Empresas vinculadas: 80 (nuevo, aún sin guardar)" in refusal.text
    assert "Grandes empresas: 4" in refusal.text  # every number of the rule on one screen
    ana.press(refusal.message_id, "f:empresas_vinculadas:empresas_grandes")
    fix = await ana.next_question()
    assert question_id(fix) == "empresas_grandes"
    assert "Pendiente de guardar: Empresas vinculadas = 80" in fix.text
    review = await ana.answer(2)
    assert is_review(review), "accepted with 80: the 80 was kept, not thrown away"
    stored = env.stored_answers()
    assert (stored["empresas_vinculadas"], stored["empresas_grandes"]) == (80, 2)

    # The shares: 30/45/25 → local 35 → fix the national share.
    await edit_from_review(ana, "ventas_pct_local")
    await ana.send("35")
    refusal = await ana.next_send("suman 105%")
    ana.press(refusal.message_id, "f:ventas_pct_local:ventas_pct_nacional")
    assert question_id(await ana.next_question()) == "ventas_pct_nacional"
    assert is_review(await ana.answer(40))
    stored = env.stored_answers()
    assert (stored["ventas_pct_local"], stored["ventas_pct_nacional"]) == (35, 40)


async def test_a_dropped_zeros_typo_is_asked_about_and_typed_figures_are_echoed(env):
    ana = env.manager()
    await ana.register()
    await ana.answer_all(HUILA, stop_before="ventas_anio_actual")
    asked = ana.question
    await ana.send("457.000")  # 457 thousand pesos for 82 firms
    ask = await ana.next_send("¿Está seguro?")
    assert "por empresa vinculada" in ask.text
    ana.press(ask.message_id, "f:ventas_anio_actual:ventas_anio_actual")
    asked = await ana.next_question()
    await ana.send("457.000.000.000")
    echo = await ana.next(lambda e: e.kind == "edit" and e.message_id == asked.message_id)
    assert "✔️ $457.000.000.000 — 457 mil millones" in echo.text and not echo.buttons
    asked = await ana.next_question()
    assert question_id(asked) == "ventas_anio_anterior"
    # A fall below -50 % is asked about too: 1 billón in 2020, 457 mil millones in 2021.
    await ana.send("1 billón")
    ask = await ana.next_send("¿Está seguro?")
    assert "un cambio de -54%" in ask.text
    ana.press(ask.message_id, "y:ventas_anio_anterior:ok")
    echo = await ana.next(lambda e: e.kind == "edit" and e.message_id == asked.message_id)
    assert "✔️ $1.000.000.000.000 — 1 billón" in echo.text
    await ana.next_question()
    # Passing the other year with «Mantener»: confirmed once, not asked again.
    await ana.answer_all(HUILA)
    await edit_from_review(ana, "ventas_anio_actual")
    shown = ana.question
    ana.press(shown.message_id, "k:ventas_anio_actual")
    assert is_review(await ana.next_question())
    assert not [t for t in await sends_after(env, ana, shown) if "¿Está seguro?" in t]
    assert env.stored_answers()["ventas_anio_anterior"] == 1_000_000_000_000


async def test_firms_in_the_strategy_over_the_linked_firms_are_asked_about(env):
    ana = env.manager()
    await ana.register()
    await ana.answer_all(HUILA, stop_before="actores_empresas")
    await ana.send("120 empresas")  # typed with its unit
    ask = await ana.next_send("¿Está seguro?")
    assert "(120) son más que las empresas vinculadas (82)" in ask.text
    ana.press(ask.message_id, "y:actores_empresas:ok")
    assert question_id(await ana.next_question()) == "actores_academia"
    assert env.stored_answers()["actores_empresas"] == 120


async def test_units_ranges_and_typed_lists_are_read(env):
    ana = env.manager()
    first = await ana.register()
    await ana.send("7")  # a 5-option question
    again = await ana.next_question()
    assert "Escriba un número del 1 al 5" in again.text
    await ana.answer("validados")
    multi = ana.question
    assert question_id(multi) == "inteligencia_actividades"
    # The full option texts are in the message, numbered, and a list can be typed.
    assert "6. Diagnóstico de brechas de las empresas" in multi.text
    await ana.send("1, 5, 6")
    echo = await ana.next(lambda e: e.kind == "edit" and e.message_id == multi.message_id)
    assert "Mapeo de la cadena de valor" in echo.text
    await ana.next_question()
    assert env.stored_answers()["inteligencia_actividades"] == [
        "estudios_mercado",
        "mapeo_cadena",
        "diagnostico_brechas",
    ]
    await ana.answer_all(HUILA, stop_before="empresas_vinculadas")
    await ana.send("82 empresas")
    assert question_id(await ana.next_question()) == "empresas_activas"
    assert env.stored_answers()["empresas_vinculadas"] == 82
    assert first.message_id


async def test_a_mistake_costs_one_message_and_the_old_keyboard_goes(env):
    ana = env.manager()
    await ana.register()
    await ana.answer_all(HUILA, stop_before="empresas_vinculadas")
    old = ana.question
    await ana.send("muchas")
    again = await ana.next_question()
    assert again.text.startswith("⚠️ Escriba un número entero")
    assert question_id(again) == "empresas_vinculadas"
    assert len(await sends_after(env, ana, old)) == 1, "one message per mistake, not two"
    assert not old.message.reply_markup or not old.message.reply_markup.get("inline_keyboard")
    # The question asked again is the one a typed answer is now checked against.
    assert question_id(await ana.answer(82)) == "empresas_activas"


async def test_stray_text_in_the_review_gets_one_short_line(env):
    ana = env.manager()
    await ana.register()
    review = await ana.answer_all(HUILA)
    assert "Continuar" not in review.text  # complete: there is no «Continuar» button
    await ana.send("listo, ya terminé")
    line = await ana.next_send()
    assert len(line.text) < 160 and "Continuar" not in line.text and "Enviar" in line.text
    assert len(await sends_after(env, ana, review)) == 1, "not the whole review again"


async def test_wording_with_nothing_left_and_one_minute(env):
    ana = env.manager()
    await ana.register()
    await ana.answer_all(HUILA, stop_before="empleo_anio_anterior")
    await ana.send("/continuar")
    hello = await ana.next_send("Hola de nuevo")
    assert "le falta 1 de 41 preguntas, un minuto." in hello.text
    await ana.next_question()
    await ana.answer_all(HUILA)
    await ana.send("/continuar")
    hello = await ana.next_send("Hola de nuevo")
    assert "ya respondió las 41 preguntas" in hello.text and "0 de" not in hello.text


async def test_no_manager_skips_the_team_besides_the_manager(env):
    ana = env.manager()
    await ana.register()
    await ana.answer_all(HUILA, stop_before="gerente_dedicacion")
    nxt = await ana.answer("sin_gerente")
    assert question_id(nxt) == "proyectos_formulacion", "«Además del gerente…» is not asked"
    assert "equipo_tiempo_completo" not in env.stored_answers()


async def test_ninguna_over_marks_asks_before_clearing(env):
    ana = env.manager()
    await ana.register()
    await ana.answer("validados")
    mid = ana.question.message_id
    ana.press(mid, "t:inteligencia_actividades:benchmarking")
    await ana.next(lambda e: e.kind == "edit")
    ana.press(mid, "t:inteligencia_actividades:vigilancia")
    await ana.next(lambda e: e.kind == "edit")
    ana.press(mid, "t:inteligencia_actividades:ninguna")
    ask = await ana.next(lambda e: e.kind == "edit")
    assert "«Ninguna» quitará sus otras 2 marcas" in ask.text
    assert button(ask, "y:inteligencia_actividades:marks")
    ana.press(mid, "y:inteligencia_actividades:marks")
    kept = await ana.next(lambda e: e.kind == "edit")
    assert "✅ 2. Benchmarking" in kept.buttons and "✅ 3. Vigilancia tecnológica" in kept.buttons
    ana.press(mid, "d:inteligencia_actividades")
    await ana.next(lambda e: is_question(e) and e.message_id != mid)
    assert env.stored_answers()["inteligencia_actividades"] == ["benchmarking", "vigilancia"]
    assert ND not in env.stored_answers().values()


async def test_why_says_the_rule_where_the_answer_falls_and_the_next_band(env):
    ana = env.manager()
    await ana.register()
    await ana.answer_all(HUILA)
    _, advice = await ana.submit()
    ana.press(advice.message_id, "w:actores")
    why = await ana.next_send("Actores participantes")
    assert (
        "Regla — empresas activas: 0 a 9 → 0 · 10 a 24 → 25 · 25 a 49 → 50 · 50 a 99 → 75 · "
        "100 o más → 100." in why.text
    )
    assert "Su respuesta: 54 → 75. Con 100 empresas activas llegaría a 100." in why.text
    ana.press(advice.message_id, "w:gobernanza")
    why = await ana.next_send("Gobernanza")
    assert "Ya tiene el puntaje más alto de esta regla." in why.text  # the board and charter
    assert "Promedio de 3 puntos:" in why.text  # I09 is the mean of three items
