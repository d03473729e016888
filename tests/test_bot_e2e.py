"""End to end: the real Application over HTTP against the local Bot API server, a real SQLite file
and real chart rendering. No handler is called directly."""

from __future__ import annotations

import asyncio
import io
import json
import time

import pytest
from PIL import Image

from bot import texts
from bot.questionnaire.model import ND
from tests.conftest import example
from tests.e2e import (
    OTHER_CLUSTER,
    is_question,
    is_review,
    question_id,
    settle,
)

pytestmark = pytest.mark.e2e


def jpeg_size(data: bytes) -> tuple[int, int]:
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"  # Telegram re-encodes photos as JPEG: the bot sends one
    return image.size


async def test_full_walkthrough_to_result_photo(env):
    answers = example("consolidado")
    ana = env.manager()
    first = await ana.register()
    assert "Área 1/8 · Enfoque — pregunta 1 de 41" in first.text
    review = await ana.answer_all(answers)
    assert "Resumen de sus respuestas" in review.text
    assert "Empresas vinculadas: 180" in review.text
    assert "Ventas 2021: $457.000.000.000" in review.text

    photo, advice = await ana.submit()
    width, height = jpeg_size(photo.message.photo)
    assert width > 600 and height > 600
    assert "IMS): 88,9" in photo.caption and "Nivel: Consolidado" in photo.caption
    assert "Gobernanza: 94,4 (Sólido)" in photo.caption
    assert "upload_photo" in env.server.chat_actions(ana.user_id)
    assert "¿Por qué? Gobernanza" in advice.buttons

    ana.press(advice.message_id, "w:gobernanza")
    why = await ana.next_send("Gobernanza")
    assert "Instancias de gobernanza: 100" in why.text
    assert "Reuniones de la instancia ejecutiva: 10" in why.text

    with env.db() as db:
        status, version = db.execute(
            "SELECT status, questionnaire_version FROM responses"
        ).fetchone()
        assert (status, version) == ("submitted", "2026.1")
        scores = json.loads(db.execute("SELECT scores FROM results").fetchone()[0])
    assert scores["ims"] == 88.9 and scores["level"] == "consolidado"
    assert env.stored_answers() == answers


async def test_upload_photo_shows_while_the_chart_draws(env):
    """The chat action goes out when the chart starts drawing, not once it is drawn."""
    survey = env.bot.app.bot_data.survey
    real, gate = survey.renderer, asyncio.Event()

    class SlowChart:  # a busy chart worker: the one delay the local server cannot make
        async def render_radar(self, spec, **kwargs):
            await gate.wait()
            return await real.render_radar(spec, **kwargs)

    survey.renderer = SlowChart()
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("consolidado"))
    since = env.server.call_cursor()
    ana.press(ana.question.message_id, "r:send")
    await env.server.wait_for_call_async("sendChatAction", since=since)
    assert env.server.calls("sendPhoto", since=since) == []
    gate.set()
    photo = await ana.next(lambda e: e.method == "sendPhoto")
    assert photo.caption and "Nivel: Consolidado" in photo.caption


async def test_commands_are_registered_in_the_menu(env):
    commands = {c["command"] for c in env.server.commands()}
    assert {"start", "continuar", "revisar", "resultado", "ayuda", "cancelar"} <= commands


async def test_skip_logic_hides_irrelevant_questions_and_drops_their_answers(env):
    answers = example("consolidado")
    ana = env.manager()
    await ana.register()
    await ana.answer_all(answers, stop_before="estrategia_formalizacion")
    nxt = await ana.answer("no_existe")
    assert question_id(nxt) == "estrategia_seguimiento", "the year question must be skipped"
    assert "pregunta 4 de 40" in nxt.text

    # Back to the strategy, now with a plan: the year question comes back.
    ana.press(nxt.message_id, "b:estrategia_seguimiento")
    back = await ana.next_question()
    assert question_id(back) == "estrategia_formalizacion"
    assert "Respuesta actual: <b>No existe</b>" in back.message.source
    year = await ana.answer("plan_accion")
    assert question_id(year) == "estrategia_anio_actualizacion"
    await ana.answer(2020)

    # Governance without a board: the share-of-seats question is skipped.
    await ana.answer_all(answers, stop_before="gobernanza_instancias")
    nxt = await ana.answer(["mesas_tecnicas"])
    assert question_id(nxt) == "gobernanza_reuniones"
    nxt = await ana.answer(4)
    assert question_id(nxt) == "gobernanza_presidencia_empresarial"
    assert "gobernanza_pct_empresarios" not in env.stored_answers()


async def test_changing_an_earlier_answer_deletes_answers_that_no_longer_apply(env):
    answers = example("consolidado")
    ana = env.manager()
    await ana.register()
    await ana.answer_all(answers, stop_before="gobernanza_presidencia_empresarial")
    assert env.stored_answers()["gobernanza_pct_empresarios"] == 70
    ana.press(ana.question.message_id, "b:gobernanza_presidencia_empresarial")
    await ana.next_question()  # pct
    ana.press(ana.question.message_id, "b:gobernanza_pct_empresarios")
    await ana.next_question()  # reuniones
    ana.press(ana.question.message_id, "b:gobernanza_reuniones")
    instancias = await ana.next_question()
    assert question_id(instancias) == "gobernanza_instancias"
    await ana.answer(["ninguna"])
    stored = env.stored_answers()
    assert stored["gobernanza_instancias"] == ["ninguna"]
    assert "gobernanza_pct_empresarios" not in stored


async def test_bad_typed_input_gets_a_spanish_sentence_and_the_same_question(env):
    answers = example("consolidado")
    ana = env.manager()
    await ana.register()
    await ana.answer_all(answers, stop_before="empresas_vinculadas")
    before = env.stored_answers()

    for text, expected in [
        ("muchas", "Escriba un número entero"),
        ("-5", "entre 0 y 1.000.000"),
        ("12,5", "sin decimales"),
        ("x" * 2000, "máximo 1.000 caracteres"),
    ]:
        await ana.send(text)
        again = await ana.next_question()  # one message: the question, the error on top
        assert again.text.startswith("⚠️") and expected in again.text, again.text
        assert question_id(again) == "empresas_vinculadas"
    assert env.stored_answers() == before

    # A choice question answered by typing something that is no option.
    await ana.answer(180)
    await ana.answer(110)
    await ana.answer_all(answers, stop_before="gobernanza_instancias")
    await ana.send("la junta")
    again = await ana.next_question()
    assert "Listo" in again.text and question_id(again) == "gobernanza_instancias"
    assert env.stored_answers() == {
        **before,
        **{k: answers[k] for k in answers if k in env.stored_answers()},
    }


async def test_non_text_messages_get_a_clear_sentence(env):
    ana = env.manager()
    await ana.register()
    for inject in (env.server.send_sticker, env.server.send_voice):
        inject(ana.user_id)
        again = await ana.next_question()  # one message: the question, the sentence on top
        assert "solo puedo leer texto y botones" in again.text
        assert question_id(again) == "enfoque_segmentos"
    # A photo or a file is evidence only after «Adjuntar evidencia»: the sentence says so.
    env.server.send_photo(ana.user_id)
    assert (await ana.next_send()).text == texts.EVIDENCE_NOT_AWAITED
    assert question_id(await ana.next_question()) == "enfoque_segmentos"
    env.server.send_document(ana.user_id, "datos.xlsx", b"PK\x03\x04", mime_type="application/zip")
    assert (await ana.next_send()).text == texts.EVIDENCE_NOT_AWAITED
    assert env.stored_answers() == {}


async def test_user_text_is_escaped_in_html_messages(env):
    ana = env.manager(first_name="<b>Ana</b> & <i>Co")
    await ana.send(f"/start {env.seeded.tokens[ana.cluster_id]}")
    consent = await ana.next_send("Ley 1581")
    ana.press(consent.message_id, "consent:ok")
    welcome = await ana.next_send("Bienvenido")
    assert "<b>Ana</b> & <i>Co" in welcome.text, "the name must be shown literally, not as markup"


async def test_unregistered_users_and_bad_codes(env):
    stranger = env.manager(user_id=5555)
    await stranger.send("hola")
    intro = await stranger.next_send()
    assert "invitación" in intro.text
    await stranger.send("/start CODIGOFALSO123")
    assert "No reconozco ese código" in (await stranger.next_send()).text

    ana = env.manager()
    await ana.register()
    await stranger.send(f"/start {env.seeded.tokens[ana.cluster_id]}")
    assert "ya fue usado" in (await stranger.next_send()).text
    with env.db() as db:
        (owner,) = db.execute(
            "SELECT user_id FROM managers WHERE cluster_id = ?", (ana.cluster_id,)
        ).fetchone()
    assert owner == ana.user_id


async def test_typing_the_code_registers_too(env):
    luis = env.manager(user_id=2002, cluster_id=OTHER_CLUSTER.cluster_id, first_name="Luis")
    await luis.send(env.seeded.tokens[OTHER_CLUSTER.cluster_id])
    assert "Clúster de Software de Caldas" in (await luis.next_send("registrado")).text


async def test_consistency_rule_shows_the_numbers_and_lets_fix_either(env):
    answers = example("consolidado")
    ana = env.manager()
    await ana.register()
    await ana.answer_all(answers, stop_before="empresas_activas")
    await ana.send("500")
    error = await ana.next_send()
    assert "activas (500)" in error.text and "vinculadas (180)" in error.text
    assert "empresas_activas" not in env.stored_answers()
    ana.press(error.message_id, "f:empresas_activas:empresas_vinculadas")
    fix = await ana.next_question()
    assert question_id(fix) == "empresas_vinculadas"
    assert "Pendiente de guardar: Empresas activas = 500" in fix.text
    nxt = await ana.answer(600)
    assert question_id(nxt) == "actores_empresas", "both stored: the walk goes on"
    assert env.stored_answers()["empresas_activas"] == 500
    assert env.stored_answers()["empresas_vinculadas"] == 600


async def test_large_change_asks_are_you_sure(env):
    answers = {**example("consolidado"), "empleo_anio_actual": 9000}
    ana = env.manager()
    await ana.register()
    await ana.answer_all(answers, stop_before="empleo_anio_anterior")
    await ana.send("3600")
    ask = await ana.next_send("¿Está seguro?")
    assert "150%" in ask.text
    assert "empleo_anio_anterior" not in env.stored_answers()
    ana.press(ask.message_id, "y:empleo_anio_anterior:ok")
    assert is_review(await ana.next_question())
    assert env.stored_answers()["empleo_anio_anterior"] == 3600


async def test_ambiguous_number_is_confirmed_not_guessed(env):
    answers = example("consolidado")
    ana = env.manager()
    await ana.register()
    await ana.answer_all(answers, stop_before="ventas_anio_actual")
    await ana.send("1.234 millones")
    ask = await ana.next_send("¿Cuál quiso decir?")
    assert ask.buttons == ["1.234.000.000", "1.234.000"]
    assert "ventas_anio_actual" not in env.stored_answers()
    ana.press(ask.message_id, "y:ventas_anio_actual:0")
    nxt = await ana.next_question()
    assert question_id(nxt) == "ventas_anio_anterior"
    assert env.stored_answers()["ventas_anio_actual"] == 1_234_000_000


async def test_not_available_is_stored_as_such(env):
    answers = {**example("consolidado"), "ventas_anio_actual": ND}
    ana = env.manager()
    await ana.register()
    await ana.answer_all(answers, stop_before="ventas_anio_anterior")
    assert env.stored_answers()["ventas_anio_actual"] == ND
    await ana.send("no sé")
    nxt = await ana.next_question()
    assert question_id(nxt) == "ventas_pct_local"
    assert env.stored_answers()["ventas_anio_anterior"] == ND


async def test_multi_toggles_edit_in_place_and_exclusive_clears_others(env):
    ana = env.manager()
    await ana.register()
    await ana.answer("validados")
    mid = ana.question.message_id
    ana.press(mid, "t:inteligencia_actividades:benchmarking")
    edit = await ana.next(lambda e: e.kind == "edit")
    assert "✅ 2. Benchmarking" in edit.buttons
    ana.press(mid, "t:inteligencia_actividades:ninguna")  # over a mark: asked first
    ask = await ana.next(lambda e: e.kind == "edit")
    assert "«Ninguna» quitará su otra marca" in ask.text
    ana.press(mid, "y:inteligencia_actividades:only")
    edit = await ana.next(lambda e: e.kind == "edit")
    assert "✅ 7. Ninguna" in edit.buttons and "▫️ 2. Benchmarking" in edit.buttons
    ana.press(mid, "t:inteligencia_actividades:ninguna")
    await ana.next(lambda e: e.kind == "edit")
    ana.press(mid, "d:inteligencia_actividades")
    await settle()
    toast = env.server.callback_answers()[-1]
    assert toast.text and "al menos una opción" in toast.text
    ana.press(mid, "t:inteligencia_actividades:vigilancia")
    await ana.next(lambda e: e.kind == "edit")
    ana.press(mid, "d:inteligencia_actividades")
    transcript = await ana.next(lambda e: e.kind == "edit" and "✔️" in (e.text or ""))
    assert "Vigilancia tecnológica" in transcript.text and not transcript.buttons
    await ana.next_question()
    assert env.stored_answers()["inteligencia_actividades"] == ["vigilancia"]


async def test_stale_buttons_change_nothing(env):
    ana = env.manager()
    first = await ana.register()
    await ana.answer("validados")
    stored = env.stored_answers()
    ana.press(first.message_id, "c:enfoque_segmentos:no_definidos")
    await settle()
    assert env.server.callback_answers()[-1].text == texts.STALE_BUTTON
    assert env.stored_answers() == stored
    # A forged press for a question that is not on screen, and garbage data.
    ana.press(ana.question.message_id, "c:gerente_dedicacion:tiempo_completo")
    ana.press(ana.question.message_id, "zz:💥")
    await settle()
    assert env.stored_answers() == stored


async def test_double_tap_and_redelivered_update_change_nothing(env):
    ana = env.manager()
    await ana.register()
    await ana.answer("validados")
    await ana.answer(["benchmarking"])
    await ana.answer("plan_accion")
    update_id = env.server.send_text(ana.user_id, "2020")
    await ana.next_question()
    assert env.stored_answers()["estrategia_anio_actualizacion"] == 2020
    # Telegram re-delivers the same update: it must not become the answer to the next question.
    env.server.redeliver(update_id)
    await settle()
    assert "estrategia_seguimiento" not in env.stored_answers()
    # Double tap on a choice: the second press is stale.
    mid = ana.question.message_id
    ana.press(mid, "c:estrategia_seguimiento:tablero")
    ana.press(mid, "c:estrategia_seguimiento:no")
    await ana.next_question()
    await settle()
    assert env.stored_answers()["estrategia_seguimiento"] == "tablero"


async def test_review_edit_and_resubmit_keeps_every_result(env):
    answers = example("consolidado")
    ana = env.manager()
    await ana.register()
    await ana.answer_all(answers)
    await ana.submit()
    await ana.send("/revisar")
    sent = await ana.next_send("Sus respuestas enviadas")
    ana.press(sent.message_id, "sub:correct")  # «Corregir mis respuestas»
    await ana.next_send("Puede corregir")
    review = await ana.next_question()
    assert is_review(review)
    ana.press(review.message_id, "r:area:gobernanza")
    area = await ana.next_send("Editar Gobernanza")
    ana.press(area.message_id, "r:q:gerente_dedicacion")
    question = await ana.next_question()
    assert question_id(question) == "gerente_dedicacion"
    review = await ana.answer("menos_medio")
    assert is_review(review)
    photo, _ = await ana.submit()
    assert "Nivel: Intermedio" in photo.caption
    assert "Gerente con al menos medio tiempo" in photo.caption
    with env.db() as db:
        levels = [r[0] for r in db.execute("SELECT level FROM results ORDER BY result_id")]
    assert levels == ["consolidado", "intermedio"]


async def test_restart_in_the_middle_resumes_at_the_right_question(env):
    answers = example("consolidado")
    ana = env.manager()
    await ana.register()
    await ana.answer_all(answers, stop_before="actores_academia")
    stored = env.stored_answers()
    await env.restart()
    await ana.send("/continuar")
    await ana.next_send("Hola de nuevo")
    resumed = await ana.next_question()
    assert question_id(resumed) == "actores_academia"
    assert env.stored_answers() == stored
    review = await ana.answer_all(answers)
    assert is_review(review)


async def test_pause_and_result_commands(env):
    ana = env.manager()
    await ana.register()
    await ana.send("/cancelar")
    assert "quedan guardadas" in (await ana.next_send()).text
    await ana.send("/resultado")
    assert "Aún no tiene resultados" in (await ana.next_send()).text
    await ana.send("/ayuda")
    assert "Cómo funciona" in (await ana.next_send()).text
    await ana.send("/inexistente")
    assert "No conozco ese comando" in (await ana.next_send()).text


async def test_a_slow_button_answer_does_not_hold_the_next_question(env):
    # On Telegram each call is a round trip; answering the pressed button runs alongside the
    # transcript edit and the next question instead of before them.
    ana = env.manager()
    await ana.register()
    server = env.server
    # The consent button's answer may still be on its way: the fault is for the next one.
    for _ in range(250):
        if any(a.data == "consent:ok" for a in server.callback_answers()):
            break
        await asyncio.sleep(0.02)
    answered = len(server.callback_answers())
    server.inject_fault("delay", method="answerCallbackQuery", count=1, delay=3.0)
    pressed = time.monotonic()
    nxt = await ana.answer("validados")
    assert question_id(nxt) == "inteligencia_actividades"
    assert time.monotonic() - pressed < 2.0, "the next question waited for the button's answer"
    await settle(3.5)
    assert len(server.callback_answers()) == answered + 1  # answered all the same, once


async def test_telegram_faults_are_survived_and_no_answer_is_lost(env):
    ana = env.manager()
    await ana.register()
    server = env.server
    server.inject_fault("5xx", method="sendMessage", count=1)
    nxt = await ana.answer("validados")
    assert question_id(nxt) == "inteligencia_actividades"
    server.inject_fault("429", method="sendMessage", count=1, retry_after=1)
    nxt = await ana.answer(["benchmarking"])
    assert question_id(nxt) == "estrategia_formalizacion"
    server.inject_fault("drop", method="sendMessage", count=1)
    nxt = await ana.answer("plan_accion")
    assert question_id(nxt) == "estrategia_anio_actualizacion"
    server.inject_fault("delay", method="sendMessage", count=1, delay=0.5)
    await ana.answer(2020)
    # Blocked by the user: the answer is still kept, and the bot keeps serving others.
    server.block_user(ana.user_id)
    await ana.send("tablero")
    await settle(0.5)
    assert env.stored_answers()["estrategia_seguimiento"] == "tablero"
    server.unblock_user(ana.user_id)
    luis = env.manager(user_id=2002, cluster_id=OTHER_CLUSTER.cluster_id, first_name="Luis")
    assert is_question(await luis.register())
    stats = server.stats()
    assert stats is not None


async def test_campaign_not_open_yet_and_closed(env):
    ana = env.manager()
    await ana.register()
    with env.db() as db:
        db.execute(
            "UPDATE campaigns SET state = 'scheduled', opens_at = '2099-01-01T05:00:00+00:00'"
        )
    env.bot.app.bot_data.survey.forget_caches()  # the bot re-reads within seconds anyway
    await ana.send("/continuar")
    assert (
        "todavía no ha abierto: abre el jueves 1 de enero de 2099" in (await ana.next_send()).text
    )
    with env.db() as db:
        db.execute("UPDATE campaigns SET state = 'closed'")
    env.bot.app.bot_data.survey.forget_caches()
    await ana.send("150")
    assert "ya cerró" in (await ana.next_send()).text
    assert env.stored_answers() == {}


async def test_result_command_resends_the_latest_result(env):
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("joven"))
    photo, _ = await ana.submit()
    await ana.send("/resultado")
    again = await ana.next(lambda e: e.method == "sendPhoto")
    assert again.caption == photo.caption and "Exploración" in again.caption
    await ana.send("hola")
    assert "/revisar" in (await ana.next_send("ya fueron enviadas")).text
