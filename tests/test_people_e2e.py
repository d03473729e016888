"""Issue 16 end to end: one Telegram user holding two clusters, and a manager replaced.

The real Application polls the local Bot API server over HTTP, on a real SQLite file; the
reminder job runs as ``tests/test_reminders_e2e.py`` runs it (the bot's clock moved forward).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.conversation import callbacks as cb
from bot.local import DEMO_CLUSTER
from bot.services.invitations import new_token
from bot.storage import Storage, utcnow
from bot.texts import memberships as mt
from local_botapi.server import BotEvent
from tests.conftest import example
from tests.e2e import OTHER_CLUSTER, TIMEOUT, Env, Manager, is_question, key_on, settle
from tests.test_reminders_e2e import later, run_reminders

pytestmark = pytest.mark.e2e

A, B = DEMO_CLUSTER.cluster_id, OTHER_CLUSTER.cluster_id
ANSWERS = example("consolidado")
HEADER_A, HEADER_B = f"🏷️ {DEMO_CLUSTER.nombre}", f"🏷️ {OTHER_CLUSTER.nombre}"


async def toast_of(env: Env, query_id: str) -> str | None:
    call = await env.server.wait_for_call_async(
        "answerCallbackQuery",
        lambda c: str(c.params.get("callback_query_id")) == query_id,
        timeout=TIMEOUT,
    )
    return call.params.get("text")


def stood_on(env: Env, user_id: int) -> str:
    with env.db() as db:
        row = db.execute(
            "SELECT cluster_id FROM members WHERE user_id = ? ORDER BY chosen DESC LIMIT 1",
            (user_id,),
        ).fetchone()
    return row["cluster_id"]


async def switch_to(ana: Manager, name: str) -> BotEvent:
    """/cambiar, then the button of the cluster named ``name``; the menu shown."""
    await ana.send("/cambiar")
    menu = await ana.next_send("Sus clústeres")
    [data] = [
        b["callback_data"]
        for row in menu.reply_markup["inline_keyboard"]  # type: ignore[index]
        for b in row
        if b["text"].startswith(name[:20])
    ]
    ana.press(menu.message_id, data)
    return menu


async def answer_rest(ana: Manager, answers: dict[str, Any]) -> None:
    await ana.answer_all(answers)
    photo, _ = await ana.submit()
    assert photo.caption is not None


async def test_one_person_two_clusters_switch_stale_keyboard_reminders_and_results(env):
    ana = env.manager(cluster_id=A)
    first_a = await ana.register()
    assert key_on(first_a) == cb.cluster_key(A)
    await ana.answer(ANSWERS[ana.current_id])  # type: ignore[index]
    await ana.answer(ANSWERS[ana.current_id])  # type: ignore[index]
    third_a = ana.question
    assert third_a is not None

    # A second invitation: told, with the way to switch; the notice accepted holds for it.
    await ana.send(f"/start {env.seeded.tokens[B]}")
    several = await ana.next_send("Ahora responde por 2 clústeres")
    assert "/cambiar" in several.text
    await ana.next_send("vale también para este")
    first_b = await ana.next_question()
    assert first_b.text.startswith(HEADER_B) and key_on(first_b) == cb.cluster_key(B)
    await ana.answer(ANSWERS[ana.current_id])  # type: ignore[index]
    assert len(env.stored_answers(A)) == 2 and len(env.stored_answers(B)) == 1

    # On B, the old keyboard of A's first question (answered): a toast, nothing written.
    a_before, b_before = env.stored_answers(A), env.stored_answers(B)
    old = next(
        b["callback_data"]
        for row in first_a.reply_markup["inline_keyboard"]  # type: ignore[index]
        for b in row
        if isinstance(cb.decode(b["callback_data"]), cb.Choose)
    )
    query = env.server.press_button(ana.user_id, first_a.message_id, old)
    assert (
        await toast_of(env, query)
        == "Ese botón es de un mensaje anterior. Siga con la pregunta actual."
    )
    await settle()
    assert (env.stored_answers(A), env.stored_answers(B)) == (a_before, b_before)
    assert stood_on(env, ana.user_id) == B
    # What she types still goes to B, where the question on screen is.
    await ana.answer(ANSWERS[ana.current_id])  # type: ignore[index]
    assert env.stored_answers(A) == a_before and len(env.stored_answers(B)) == 2

    # /cambiar: both clusters with their state; a press switches to A, where she left it.
    menu = await switch_to(ana, DEMO_CLUSTER.nombre)
    assert "2 de " in menu.text and "▶️" in menu.text
    back_on_a = await ana.next_question()
    assert back_on_a.text.startswith(HEADER_A)
    assert (
        ana.current_id
        == cb.decode(third_a.reply_markup["inline_keyboard"][0][0]["callback_data"]).question
    )  # type: ignore[index, union-attr]
    assert stood_on(env, ana.user_id) == A

    # A reminder for each cluster, each naming its own; «Continuar» of B's opens B.
    now = later(3)
    await run_reminders(env, now)
    first = await ana.next_send("Faltan")
    second = await ana.next_send("Faltan")
    by_cluster = {key_on(m): m for m in (first, second)}
    assert set(by_cluster) == {cb.cluster_key(A), cb.cluster_key(B)}
    assert DEMO_CLUSTER.nombre in by_cluster[cb.cluster_key(A)].text
    assert OTHER_CLUSTER.nombre in by_cluster[cb.cluster_key(B)].text
    reminder_b = by_cluster[cb.cluster_key(B)]
    go = reminder_b.reply_markup["inline_keyboard"][0][0]["callback_data"]  # type: ignore[index]
    assert cb.decode(go) == cb.Resume()
    ana.press(reminder_b.message_id, go)
    await ana.next_send(mt.SWITCHED.format(cluster=OTHER_CLUSTER.nombre).split("<b>")[0])
    on_b = await ana.next_question()
    assert on_b.text.startswith(HEADER_B) and stood_on(env, ana.user_id) == B

    # Both results: B sent from here, then A; /resultado shows the cluster stood on.
    await answer_rest(ana, ANSWERS)
    await switch_to(ana, DEMO_CLUSTER.nombre)
    await ana.next_question()
    await answer_rest(ana, ANSWERS)
    await ana.send("/resultado")
    photo_a = await ana.next(lambda e: e.method == "sendPhoto")
    assert DEMO_CLUSTER.nombre in (photo_a.caption or "")
    assert key_on(photo_a) == cb.cluster_key(A)
    menu = await switch_to(ana, OTHER_CLUSTER.nombre)
    assert menu.text.count("enviada") == 2
    await ana.next_send("ya fueron enviadas")
    await ana.send("/resultado")
    photo_b = await ana.next(lambda e: e.method == "sendPhoto")
    assert OTHER_CLUSTER.nombre in (photo_b.caption or "")
    # The report card under A's result is A's, pressed while standing on B.
    ana.press(photo_a.message_id, photo_a.reply_markup["inline_keyboard"][0][0]["callback_data"])  # type: ignore[index]
    doc = await ana.next(lambda e: e.method == "sendDocument")
    assert doc.message.filename == f"informe_{A}_2021.pdf"


async def test_a_replaced_manager_is_told_and_can_no_longer_read_the_cluster(env):
    ana = env.manager(cluster_id=A)
    first = await ana.register()
    await ana.answer(ANSWERS[ana.current_id])  # type: ignore[index]
    token = new_token()
    storage = await Storage.open(env.db_path)
    try:
        await storage.create_invitation(A, token, utcnow() + timedelta(days=5), "admin")
    finally:
        await storage.close()
    luis = env.manager(user_id=2002, cluster_id=A, first_name="Luis")
    await luis.register(token)

    told = await ana.next_send("registró a otra persona")
    assert DEMO_CLUSTER.nombre in told.text and not told.buttons
    await settle()
    after = len(env.server.sent())
    # Her old buttons for the cluster stop working; nothing of it is shown to her any more.
    live = ana.question
    assert live is not None and is_question(live)
    data = live.reply_markup["inline_keyboard"][0][0]["callback_data"]  # type: ignore[index]
    query = env.server.press_button(ana.user_id, live.message_id, data)
    assert await toast_of(env, query) == mt.NOT_HELD
    await ana.send("/resultado")
    assert "Soy el asistente" in (await ana.next_send()).text
    await ana.send("/continuar")
    assert "Soy el asistente" in (await ana.next_send()).text
    assert not any(
        DEMO_CLUSTER.nombre in (m.text or m.caption or "")
        for m in env.server.sent()[after:]
        if m.chat_id == ana.user_id
    )
    # Her answer stays with the cluster (Luis continues from it); the audit says who replaced whom.
    assert len(env.stored_answers(A)) == 1
    with env.db() as db:
        rows = db.execute(
            "SELECT actor, detail FROM audit WHERE action = 'manager_replaced'"
        ).fetchall()
    assert [(r["actor"], json.loads(r["detail"])) for r in rows] == [
        (str(luis.user_id), {"previous_user": ana.user_id})
    ]
    assert first.message_id  # her chat kept the old messages; only their buttons are dead
