"""The analyst's desk end to end: /cluster and /clusters through the real Application, the
local Bot API server and a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from importlib import resources

import pytest

from bot import texts
from bot.conversation import callbacks as cb
from bot.local import DEMO_CLUSTER
from bot.texts import admin as admin_texts
from bot.texts import desk as t
from local_botapi.server import BotEvent
from scoring import score_answers
from tests.conftest import example
from tests.e2e import (
    OTHER_CLUSTER,
    QUESTIONNAIRE,
    Env,
    Manager,
    is_review,
    make_env,
    question_id,
    settle,
)

pytestmark = pytest.mark.e2e

ADMIN = 9001
REGISTRY = (resources.files("bot") / "examples" / "registro_ejemplo.csv").read_bytes()


@pytest.fixture
async def admin_env(tmp_path) -> AsyncIterator[Env]:
    async for e in make_env(tmp_path, admin_ids=frozenset({ADMIN})):
        yield e


async def test_an_admin_sees_a_submitted_cluster_at_a_glance_with_its_radar(admin_env):
    env = admin_env
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("consolidado"))
    await ana.submit()
    admin = env.manager(user_id=ADMIN, first_name="Analista")
    await admin.send(f"/cluster {DEMO_CLUSTER.cluster_id}")
    radar = await admin.next(lambda e: e.method == "sendPhoto")
    assert DEMO_CLUSTER.nombre in radar.content and "IMS" in radar.content
    view = await admin.next_send(DEMO_CLUSTER.nombre)
    assert "enviada el" in view.content and "Ana" in view.content
    assert "Respuestas" in view.content
    history = view.content
    while "Historial" not in history:  # a long view comes in more messages
        history = (await admin.next_send()).content
    assert "respuestas enviadas" in history


async def test_a_mistyped_cluster_gets_suggestions(admin_env):
    admin = admin_env.manager(user_id=ADMIN, first_name="Analista")
    await admin.send("/cluster cafe_huila")
    reply = await admin.next_send()
    assert "¿Quiso decir demo_cafe_huila?" in reply.content
    await admin.send("/cluster")
    assert (await admin.next_send()).content == t.CLUSTER_USAGE


async def test_the_list_pages_with_buttons_and_opens_a_cluster(admin_env):
    env = admin_env
    admin = env.manager(user_id=ADMIN, first_name="Analista")
    env.server.send_document(ADMIN, "registro.csv", REGISTRY, caption="/importar")
    await admin.next_send("importados")
    await admin.send("/clusters")
    first = await admin.next_send("Clústeres — medición")
    with env.db() as db:
        (active,) = db.execute("SELECT count(*) FROM clusters WHERE estado = 'activa'").fetchone()
    assert active > 10 and f"{active} de {active}" in first.content
    assert "Página 1 de 2" in first.content
    # Ten clusters on a page, each with its button, and «Siguiente».
    assert len([b for b in first.buttons if b.startswith("🔎")]) == 10
    nxt = next(
        b["callback_data"]
        for row in first.reply_markup["inline_keyboard"]
        for b in row
        if b["callback_data"].startswith("adm:cls:2")
    )
    admin.press(first.message_id, nxt)
    second = await admin.next(lambda e: e.kind == "edit" and e.message_id == first.message_id)
    assert second.content != first.content and "Clústeres — medición" in second.content
    opens = [
        b["callback_data"]
        for row in second.reply_markup["inline_keyboard"]
        for b in row
        if b["callback_data"].startswith("adm:cl:")
    ]
    assert opens
    admin.press(second.message_id, opens[0])
    cluster_id = cb.decode(opens[0]).cluster  # type: ignore[union-attr]
    view = await admin.next_send(f"· {cluster_id}")
    assert "Medición 2021" in view.content


async def test_the_list_filters_and_refuses_a_word_it_does_not_know(admin_env):
    admin = admin_env.manager(user_id=ADMIN, first_name="Analista")
    await admin.send("/clusters caldas")
    reply = await admin.next_send("Clústeres — medición")
    assert OTHER_CLUSTER.nombre in reply.content and DEMO_CLUSTER.nombre not in reply.content
    await admin.send("/clusters antartida")
    assert "«antartida»" in (await admin.next_send()).content


async def test_a_manager_or_a_stranger_never_sees_the_desk(admin_env):
    env = admin_env
    ana = env.manager()
    await ana.register()
    stranger = env.manager(user_id=5555, first_name="Extraño")
    for who in (ana, stranger):
        for command in (f"/cluster {OTHER_CLUSTER.cluster_id}", "/clusters"):
            await who.send(command)
            assert (await who.next_send()).content == texts.UNKNOWN_COMMAND
        for forged in (cb.ClusterOpen(OTHER_CLUSTER.cluster_id), cb.ClusterPage(1, "-|-|-")):
            message_id = env.server.sent(who.user_id)[-1].message_id
            who.press(message_id, cb.encode(forged))
    await settle()
    for who in (ana, stranger):
        for message in env.server.sent(who.user_id):
            assert OTHER_CLUSTER.nombre not in (message.text or "") + (message.caption or "")


async def test_an_analyst_approves_from_the_queue_and_the_cluster_view_says_so(admin_env):
    env = admin_env
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("consolidado"))
    await ana.submit()
    admin = env.manager(user_id=ADMIN, first_name="Analista")
    await admin.send("/revision")
    queue = await admin.next_send("Revisión — medición")
    assert DEMO_CLUSTER.nombre in queue.content and "1 por revisar" in queue.content
    approve = next(
        b["callback_data"]
        for row in queue.reply_markup["inline_keyboard"]
        for b in row
        if b["callback_data"].startswith("adm:ok:")
    )
    admin.press(queue.message_id, approve)
    after = await admin.next(lambda e: e.kind == "edit" and e.message_id == queue.message_id)
    assert "No hay respuestas por revisar" in after.content and "1 aprobadas" in after.content
    approved = t.APPROVED.format(name=DEMO_CLUSTER.nombre)
    await env.server.wait_for_call_async(
        "answerCallbackQuery", lambda c: c.params.get("text") == approved
    )
    with env.db() as db:
        (status,) = db.execute("SELECT status FROM reviews").fetchone()
    assert status == "aprobada"
    await admin.send(f"/cluster {DEMO_CLUSTER.cluster_id}")
    view = await admin.next_send(DEMO_CLUSTER.nombre + " ·")
    assert "Revisión: aprobada" in view.content


async def test_a_manager_cannot_approve_with_a_forged_press(admin_env):
    env = admin_env
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("consolidado"))
    await ana.submit()
    message_id = env.server.sent(ana.user_id)[-1].message_id
    ana.press(message_id, cb.encode(cb.Approve(1, DEMO_CLUSTER.cluster_id)))
    await settle()
    with env.db() as db:
        (status,) = db.execute("SELECT status FROM reviews").fetchone()
    assert status == "pendiente"


async def test_an_admin_corrects_an_answer_from_telegram_and_the_history_shows_it(admin_env):
    env = admin_env
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("consolidado"))
    await ana.submit()
    admin = env.manager(user_id=ADMIN, first_name="Analista")
    await admin.send("/corregir demo_cafe_huila empresas_activas")
    assert (await admin.next_send()).content.startswith("Para corregir")
    await admin.send("/corregir demo_cafe_huila empresas_vinculadas 200 | acta")
    refused = await admin.next_send()
    assert "empresas_vinculadas" in refused.content
    await admin.send("/corregir demo_cafe_huila empresas_activas 150 | según el acta")
    done = await admin.next_send("Corregida")
    assert "110 → 150" in done.content and "Nuevo resultado: IMS" in done.content
    with env.db() as db:
        (results,) = db.execute("SELECT count(*) FROM results").fetchone()
    assert results == 2
    await admin.send(f"/cluster {DEMO_CLUSTER.cluster_id}")
    history = ""
    while "según el acta" not in history:
        history = (await admin.next_send()).content
    assert "cambió «Empresas activas»: 110 → 150" in history
    # A manager cannot do it.
    await ana.send("/corregir demo_cafe_huila empresas_activas 1 | x")
    assert (await ana.next_send()).content == texts.UNKNOWN_COMMAND


async def test_an_analyst_asks_the_manager_answers_from_the_button_and_sends_again(admin_env):
    env = admin_env
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("consolidado"))
    await ana.submit()
    admin = env.manager(user_id=ADMIN, first_name="Analista")
    await admin.send("/pedir_ajuste demo_cafe_huila")
    assert (await admin.next_send()).content == t.ASK_USAGE
    await admin.send("/pedir_ajuste demo_cafe_huila empresas_activas | Revise con el acta")
    await admin.next_send("Pedido enviado")
    asked = await ana.next_send("le pide revisar")
    assert "Empresas activas" in asked.content and "Revise con el acta" in asked.content
    with env.db() as db:
        (status,) = db.execute("SELECT status FROM reviews").fetchone()
    assert status == "requiere_ajuste"
    ana.press(asked.message_id, cb.encode(cb.FollowUp("empresas_activas")))
    question = await ana.next_question()
    assert question_id(question) == "empresas_activas"
    review_screen = await ana.answer(120)
    assert is_review(review_screen)
    photo, _ = await ana.submit()
    assert photo.method == "sendPhoto"
    with env.db() as db:
        (status,) = db.execute("SELECT status FROM reviews").fetchone()
        (versions,) = db.execute("SELECT count(*) FROM submissions").fetchone()
    assert status == "pendiente" and versions == 2, "sent again: back in the queue"
    await admin.send(f"/cluster {DEMO_CLUSTER.cluster_id}")
    history = ""
    while "Historial" not in history:
        history = (await admin.next_send()).content
    assert "revisión: ajuste pedido al gestor — motivo: Revise con el acta" in history
    assert "cambió «Empresas activas»: 110 → 120" in history


# -- the desk's buttons under /cluster: «Pedir ajuste», «Corregir» ----------------------------


async def sent_by_ana(env: Env) -> Manager:
    """Ana registered, answered every question and sent the response."""
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("consolidado"))
    await ana.submit()
    return ana


def data_of(event: BotEvent, text: str) -> str | None:
    """The callback data of the event's first button whose label holds ``text``."""
    for row in (event.reply_markup or {}).get("inline_keyboard", []):
        for b in row:
            if text in b["text"]:
                return str(b["callback_data"])
    return None


async def cluster_buttons(admin: Manager, cluster_id: str) -> BotEvent:
    """/cluster ID, up to its message with the desk's buttons (the view's last page)."""
    await admin.send(f"/cluster {cluster_id}")
    while True:
        message = await admin.next_send()
        if data_of(message, t.BTN_ASK):
            return message


async def start_correction(admin: Manager) -> BotEvent:
    """«Corregir» under /cluster of Ana's cluster: the picker."""
    view = await cluster_buttons(admin, DEMO_CLUSTER.cluster_id)
    admin.press(view.message_id, data_of(view, t.BTN_CORRECT) or "")
    return await admin.next_send("Corregir una respuesta de")


async def edited(who: Manager, message_id: int) -> BotEvent:
    return await who.next(lambda e: e.kind == "edit" and e.message_id == message_id)


async def pick(admin: Manager, picker: BotEvent, label: str) -> BotEvent:
    """Page through the picker until a question's button shows, press it: the edit."""
    screen = picker
    while (data := data_of(screen, label)) is None:
        turn = data_of(screen, admin_texts.BTN_NEXT)
        assert turn is not None, f"no button for {label!r} on any page"
        admin.press(picker.message_id, turn)
        screen = await edited(admin, picker.message_id)
    admin.press(picker.message_id, data)
    return await edited(admin, picker.message_id)


async def test_the_analyst_asks_from_buttons_with_a_note_the_manager_resends_it_is_approved(
    admin_env,
):
    env = admin_env
    ana = await sent_by_ana(env)
    admin = env.manager(user_id=ADMIN, first_name="Analista")
    await admin.send("/revision")  # the analyst looks at the queue first
    queue = await admin.next_send("Revisión — medición")
    assert DEMO_CLUSTER.nombre in queue.content
    view = await cluster_buttons(admin, DEMO_CLUSTER.cluster_id)
    admin.press(view.message_id, data_of(view, t.BTN_ASK) or "")
    picker = await admin.next_send("Pedir ajuste a")
    assert "▫️ " in " ".join(picker.buttons) and "_" not in " ".join(picker.buttons), "labels"
    assert len([b for b in picker.buttons if b.startswith("▫️")]) == 8, "a page of questions"
    # Two ticked, one unticked again: the press toggles.
    screen = await pick(admin, picker, "Empresas vinculadas")
    assert "✅ Empresas vinculadas" in screen.buttons
    screen = await pick(admin, screen, "Empresas activas")
    screen = await pick(admin, screen, "✅ Empresas vinculadas")
    assert "▫️ Empresas vinculadas" in screen.buttons and "✅ Empresas activas" in screen.buttons
    assert "Marcadas: Empresas activas" in screen.content
    # The input is in the database: a restart keeps it.
    await env.restart(admin_ids=frozenset({ADMIN}))
    admin.press(picker.message_id, data_of(screen, "Listo") or "")
    prompt = await edited(admin, picker.message_id)
    assert "Escriba ahora la nota" in prompt.content and "Empresas activas" in prompt.content
    with env.db() as db:
        assert db.execute("SELECT status FROM reviews").fetchone()[0] == "pendiente"
    await admin.send("Revise con el acta de la junta")
    await admin.next_send("Pedido enviado")
    asked = await ana.next_send("le pide revisar")
    assert "Empresas activas" in asked.content and "Revise con el acta de la junta" in asked.content
    assert "Empresas vinculadas" not in asked.content
    with env.db() as db:
        assert db.execute("SELECT status FROM reviews").fetchone()[0] == "requiere_ajuste"
        assert db.execute("SELECT count(*) FROM desk_inputs").fetchone()[0] == 0
    # The manager answers from the «Corregir: …» button and sends again.
    ana.press(asked.message_id, data_of(asked, "Empresas activas") or "")
    question = await ana.next_question()
    assert question_id(question) == "empresas_activas"
    assert is_review(await ana.answer(120))
    await ana.submit()
    with env.db() as db:
        assert db.execute("SELECT status FROM reviews").fetchone()[0] == "pendiente"
    # The analyst approves from the queue's button.
    await admin.send("/revision")
    queue = await admin.next_send("Revisión — medición")
    admin.press(queue.message_id, data_of(queue, "Aprobar") or "")
    after = await edited(admin, queue.message_id)
    assert "1 aprobadas" in after.content
    await admin.send(f"/cluster {DEMO_CLUSTER.cluster_id}")
    history = ""
    while "Historial" not in history:
        history = (await admin.next_send()).content
    assert "revisión: ajuste pedido al gestor — motivo: Revise con el acta de la junta" in history
    assert "cambió «Empresas activas»: 110 → 120" in history


async def test_an_admin_corrects_from_buttons_it_is_rescored_and_in_the_history(admin_env):
    env = admin_env
    await sent_by_ana(env)
    admin = env.manager(user_id=ADMIN, first_name="Analista")
    picker = await start_correction(admin)
    prompt = await pick(admin, picker, "Empresas activas: 110")
    assert "hoy 110" in prompt.content and "Escriba el valor nuevo" in prompt.content
    # Checked as the conversation checks it: refused with one sentence, the step waits again.
    await admin.send("200")
    refused = await admin.next_send()
    assert "no pueden ser más que las empresas vinculadas" in refused.content
    await admin.send("muchas")
    await admin.next_send()
    await admin.send("150")
    reason = await admin.next_send("Escriba ahora el motivo")
    assert "150" in reason.content
    await admin.send("según el acta")
    confirm = await admin.next_send("¿Confirma la corrección")
    assert "110 → 150" in confirm.content and "Motivo: según el acta" in confirm.content
    with env.db() as db:
        assert db.execute("SELECT count(*) FROM results").fetchone()[0] == 1, "not yet"
    admin.press(confirm.message_id, data_of(confirm, "Confirmar") or "")
    done = await edited(admin, confirm.message_id)
    assert "Corregida" in done.content and "Nuevo resultado: IMS" in done.content
    with env.db() as db:
        assert db.execute("SELECT count(*) FROM results").fetchone()[0] == 2
        (ims,) = db.execute("SELECT ims FROM results ORDER BY result_id DESC").fetchone()
    expected = score_answers(
        QUESTIONNAIRE, {**example("consolidado"), "empresas_activas": 150}, 2021
    )
    assert ims == pytest.approx(expected.ims)
    assert env.stored_answers()["empresas_activas"] == 150
    await admin.send(f"/cluster {DEMO_CLUSTER.cluster_id}")
    history = ""
    while "según el acta" not in history:
        history = (await admin.next_send()).content
    assert "cambió «Empresas activas»: 110 → 150 — motivo: según el acta" in history
    # A press on the finished input's keyboard changes nothing.
    admin.press(confirm.message_id, data_of(confirm, "Confirmar") or "")
    assert "ya no está activo" in (await admin.next_send()).content


async def test_a_desk_input_is_cancelled_and_never_taken_for_an_answer(admin_env):
    """The admin manages a cluster too: with a desk input waiting, typed text is the desk's;
    cancelled, it is the questionnaire's again."""
    env = admin_env
    await sent_by_ana(env)
    admin = env.manager(user_id=ADMIN, cluster_id=OTHER_CLUSTER.cluster_id, first_name="Analista")
    first = await admin.register()
    assert question_id(first) == "enfoque_segmentos"
    picker = await start_correction(admin)
    await admin.send("2")  # a press is awaited: not an answer to the question on screen
    assert (await admin.next_send()).content == t.DESK_WAITING
    await pick(admin, picker, "Empresas activas")
    await admin.send("2")  # the value, not the answer «2» to enfoque_segmentos
    await admin.next_send("Escriba ahora el motivo")
    assert env.stored_answers(OTHER_CLUSTER.cluster_id) == {}
    await admin.send("/cancelar")
    assert (await admin.next_send()).content == t.DESK_CANCELLED
    with env.db() as db:
        assert db.execute("SELECT count(*) FROM desk_inputs").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM results").fetchone()[0] == 1
    await admin.send("2")  # now it answers the questionnaire
    await admin.next_question()
    assert env.stored_answers(OTHER_CLUSTER.cluster_id) == {"enfoque_segmentos": "sector"}
    # The cancelled picker's buttons are stale.
    admin.press(picker.message_id, data_of(picker, "Empresas") or "")
    assert "ya no está activo" in (await admin.next_send()).content


async def test_a_manager_or_a_stranger_pressing_desk_buttons_gets_nothing(admin_env):
    env = admin_env
    ana = await sent_by_ana(env)
    stranger = env.manager(user_id=5555, first_name="Extraño")
    await stranger.send("/start")
    await stranger.next_send()
    forged = [
        cb.DeskStart("ask", OTHER_CLUSTER.cluster_id),
        cb.DeskStart("correct", DEMO_CLUSTER.cluster_id),
        cb.DeskPick(5, DEMO_CLUSTER.cluster_id),
        cb.DeskPickPage(2, DEMO_CLUSTER.cluster_id),
        cb.DeskPicked(DEMO_CLUSTER.cluster_id),
        cb.DeskConfirm(DEMO_CLUSTER.cluster_id),
        cb.DeskCancel(),
    ]
    for who in (ana, stranger):
        for press in forged:
            message_id = env.server.sent(who.user_id)[-1].message_id
            who.press(message_id, cb.encode(press))
    await settle()
    with env.db() as db:
        assert db.execute("SELECT count(*) FROM desk_inputs").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM results").fetchone()[0] == 1
        assert db.execute("SELECT status FROM reviews").fetchone()[0] == "pendiente"
    for who in (ana, stranger):
        for message in env.server.sent(who.user_id):
            assert OTHER_CLUSTER.nombre not in (message.text or "")
            assert "Corregir una respuesta" not in (message.text or "")


async def test_a_choice_is_corrected_by_pressing_its_option(admin_env):
    env = admin_env
    await sent_by_ana(env)
    admin = env.manager(user_id=ADMIN, first_name="Analista")
    picker = await start_correction(admin)
    question = QUESTIONNAIRE.question_map["enfoque_segmentos"]
    prompt = await pick(admin, picker, question.short)
    option = question.choices[1]
    admin.press(prompt.message_id, data_of(prompt, t.desk_label(option.label)) or "")
    reason = await edited(admin, prompt.message_id)
    assert "Escriba ahora el motivo" in reason.content and option.label in reason.content
    await admin.send("visto en el acta")
    confirm = await admin.next_send("¿Confirma la corrección")
    admin.press(confirm.message_id, data_of(confirm, "Confirmar") or "")
    assert "Corregida" in (await edited(admin, confirm.message_id)).content
    assert env.stored_answers()["enfoque_segmentos"] == option.id
