"""After a crash nothing is left behind (issue 17, point 2), and a typed answer goes to the
question the manager saw (point 3, F11)."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
import time

import pytest

from bench.chaos import alive, children
from bot.conversation import callbacks as cb
from bot.local import DEMO_CLUSTER, seed
from bot.storage import Storage
from local_botapi.server import BotApiServer
from tests.conftest import example
from tests.e2e import is_question, question_id, settle
from tests.test_run_process import TOKEN, start_bot

pytestmark = pytest.mark.e2e


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_chart_workers_exit_when_the_bot_is_killed(tmp_path):
    with BotApiServer(token=TOKEN) as server:
        proc = start_bot(server, tmp_path, SSME_CHART_WORKERS="2", SSME_LOG_LEVEL="INFO")
        try:
            server.wait_for_call("setMyCommands", timeout=60)  # after the pool has started
            workers = children(proc.pid)
            assert len(workers) >= 2, workers
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            deadline = time.monotonic() + 5
            while any(alive(w) for w in workers) and time.monotonic() < deadline:
                time.sleep(0.1)
            orphans = {w for w in workers if alive(w)}
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
            if proc.stdout is not None:
                proc.stdout.close()
    assert orphans == set(), f"chart workers outlived the bot: {orphans}"


async def test_a_redelivered_update_whose_answer_was_not_committed_is_handled(env, monkeypatch):
    """The bot fails between taking the update and committing its answer (as a kill would);
    Telegram delivers the update again: it must be handled, not dropped as already seen."""
    ana = env.manager()
    await ana.register()
    await ana.answer("validados")
    await ana.answer(["benchmarking"])
    await ana.answer("plan_accion")
    assert ana.current_id == "estrategia_anio_actualizacion"
    real = Storage.save_answers  # the answer path's one write (answers stored together)
    failed: list[str] = []

    async def fail_once(self, response_id, values, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not failed:
            failed.extend(values)
            raise sqlite3.OperationalError("disk I/O error")
        return await real(self, response_id, values, *args, **kwargs)

    monkeypatch.setattr(Storage, "save_answers", fail_once)
    update_id = env.server.send_text(ana.user_id, "2020")
    await ana.next_send()  # the error reply
    assert failed == ["estrategia_anio_actualizacion"]
    assert "estrategia_anio_actualizacion" not in env.stored_answers()
    env.server.redeliver(update_id)
    nxt = await ana.next_question()
    assert question_id(nxt) == "estrategia_seguimiento"
    assert env.stored_answers()["estrategia_anio_actualizacion"] == 2020
    # Handled once: a further re-delivery changes nothing.
    env.server.redeliver(update_id)
    await settle()
    assert "estrategia_seguimiento" not in env.stored_answers()


async def test_a_number_typed_twice_quickly_is_not_taken_for_the_next_question(env):
    """F11: "40" typed twice before the bot showed the next question: the first answers the
    question on screen; the second is not silently the answer to the next one: the bot asks."""
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("consolidado"), stop_before="empresas_vinculadas")
    assert ana.current_id == "empresas_vinculadas"
    env.server.send_text(ana.user_id, "40")
    env.server.send_text(ana.user_id, "40")  # sent before the bot could show the next question
    await settle(1.0)
    stored = env.stored_answers()
    assert stored["empresas_vinculadas"] == 40
    assert "empresas_activas" not in stored, "the second 40 was taken for the next question"
    asked = await ana.next_send("antes de mostrarle la pregunta")
    again = await ana.next_question()
    assert question_id(again) == "empresas_activas"
    # The manager says it was meant for this question: then it is taken.
    (data,) = [b["callback_data"] for row in asked.reply_markup["inline_keyboard"] for b in row]
    ana.press(asked.message_id, data)
    nxt = await ana.next_question()
    assert question_id(nxt) != "empresas_activas"
    assert env.stored_answers()["empresas_activas"] == 40


async def test_a_number_typed_after_the_question_appeared_is_its_answer(env):
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("consolidado"), stop_before="empresas_vinculadas")
    await ana.answer(40)
    assert ana.current_id == "empresas_activas"
    await ana.answer(30)
    assert env.stored_answers()["empresas_activas"] == 30


async def test_a_result_not_delivered_is_delivered_when_the_bot_starts_again(env):
    """The radar photo fails to go out (Telegram down, or the bot killed after the submission
    committed): the next start delivers it, once."""
    ana = env.manager()
    await ana.register()
    review = await ana.answer_all(example("consolidado"))
    env.server.inject_fault("5xx", method="sendPhoto", count=3)  # every try of the photo
    ana.press(review.message_id, "r:send")
    await ana.next_send("¿Quiere ver por qué")  # the advice after the photo that failed
    assert not [m for m in env.server.sent() if m.chat_id == ana.user_id and m.photo]
    await env.restart()
    photo = await ana.next(lambda e: e.method == "sendPhoto")
    assert photo.caption
    await env.restart()  # delivered: not sent again
    await settle(1.0)
    photos = [m for m in env.server.sent() if m.chat_id == ana.user_id and m.photo]
    assert len(photos) == 1


def test_a_tap_whose_reply_a_kill_cut_short_is_answered_at_the_next_start(tmp_path):
    """The answer is committed, the next question is on its way (Telegram is slow to take it)
    and the bot is SIGKILLed: polling had already confirmed the update, so Telegram will never
    send it again. The next start must still reply (from the inbox)."""
    seeded = asyncio.run(seed(tmp_path / "ssme.db", [DEMO_CLUSTER]))
    with BotApiServer(token=TOKEN) as server:
        proc = start_bot(server, tmp_path, SSME_LOG_LEVEL="INFO")
        try:
            chat = server.chat(7001, first_name="Ana")
            chat.send(f"/start {seeded.tokens[DEMO_CLUSTER.cluster_id]}")
            consent = chat.next(lambda e: "Ley 1581" in e.content, timeout=60)
            chat.press_data(consent.message_id, cb.encode(cb.Consent()))
            first = chat.next(is_question, timeout=20)
            qid = question_id(first)
            assert qid == "enfoque_segmentos"
            since = server.call_cursor()
            server.inject_fault("drop", method="sendMessage", chat_id=7001, count=3)
            chat.press_data(first.message_id, cb.encode(cb.Choose(qid, "validados")))
            deadline = time.monotonic() + 20
            while not server.calls("sendMessage", since=since) and time.monotonic() < deadline:
                time.sleep(0.02)
            proc.send_signal(signal.SIGKILL)  # while it waits to try the question again
            proc.wait(10)
            server.clear_faults()
            with sqlite3.connect(tmp_path / "ssme.db") as db:
                (stored,) = db.execute("SELECT count(*) FROM answers").fetchone()
            assert stored == 1, "the answer was committed before the kill"
            proc.stdout.close()
            proc = start_bot(server, tmp_path, SSME_LOG_LEVEL="INFO")
            nxt = chat.next(is_question, timeout=60)
            assert question_id(nxt) != qid
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(20)
            if proc.stdout is not None:
                proc.stdout.close()


async def test_a_photo_that_may_have_gone_out_is_not_sent_again_at_the_next_start(env):
    """The photo's upload times out after Telegram took it (MAYBE_SENT): the manager has it, so
    the outbox must not send it again when the bot starts."""
    ana = env.manager()
    await ana.register()
    review = await ana.answer_all(example("consolidado"))
    # Longer than the bot's read time-out (5 s): Telegram keeps it, the bot hears nothing.
    env.server.inject_fault("delay", method="sendPhoto", delay=6.5)
    ana.press(review.message_id, "r:send")
    await ana.next_send("¿Quiere ver por qué")  # the advice, after the photo timed out
    await settle(2.0)  # the delayed photo reaches the chat
    photos = [m for m in env.server.sent() if m.chat_id == ana.user_id and m.photo]
    assert len(photos) == 1, "Telegram took the photo"
    await env.restart()
    await settle(1.5)
    photos = [m for m in env.server.sent() if m.chat_id == ana.user_id and m.photo]
    assert len(photos) == 1, "the restart sent the photo a second time"
