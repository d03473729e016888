"""Webhook mode gives the crash guarantees of polling (issue 17): an update Telegram was
answered 200 for is in the inbox, so a kill before its reply loses nothing; a re-delivery of
one already handled is dropped. A real ``ssme run`` process in webhook mode."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from bot import texts
from local_botapi.server import BotApiServer
from tests.test_run_process import TOKEN, free_port, start_bot

pytestmark = pytest.mark.e2e


def _webhook_bot(server: BotApiServer, tmp_path: Path, port: int) -> subprocess.Popen:
    proc = start_bot(
        server,
        tmp_path,
        SSME_LOG_LEVEL="INFO",
        SSME_WEBHOOK_URL=f"http://127.0.0.1:{port}",
        SSME_WEBHOOK_PORT=str(port),
        SSME_WEBHOOK_SECRET="s3cr3t-header",
    )
    server.wait_for_call("setMyCommands", timeout=60)
    return proc


def _stop(proc: subprocess.Popen) -> str:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    assert proc.stdout is not None
    out = proc.stdout.read()
    proc.stdout.close()
    return out


def test_an_update_answered_200_then_killed_before_its_reply_is_handled_at_the_next_start(
    tmp_path,
):
    """/ayuda stores nothing: only the inbox can bring it back once Telegram had its 200."""
    port = free_port()
    with BotApiServer(token=TOKEN) as server:
        proc = _webhook_bot(server, tmp_path, port)
        try:
            chat = server.chat(7101, first_name="Ana")
            since = server.call_cursor()
            # Every try of the reply fails without an answer: the bot is still retrying it
            # (or has given up) when it is killed, long after the webhook answered 200.
            server.inject_fault("drop", method="sendMessage", chat_id=7101, count=3)
            chat.send("/ayuda")
            deadline = time.monotonic() + 20
            while not server.calls("sendMessage", since=since) and time.monotonic() < deadline:
                time.sleep(0.02)
            assert server.calls("sendMessage", since=since), "the bot never tried to reply"
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            server.clear_faults()
            with sqlite3.connect(tmp_path / "ssme.db") as db:
                kept = db.execute("SELECT count(*) FROM inbox WHERE replied_at IS NULL").fetchone()
            assert kept == (1,), "the update was kept before Telegram was answered"
            _stop(proc)
            proc = _webhook_bot(server, tmp_path, port)
            reply = chat.next(timeout=30)
            assert reply.message.source == texts.HELP
            # Replied now: a further start sends nothing more.
            _stop(proc)
            proc = _webhook_bot(server, tmp_path, port)
            time.sleep(1.0)
            helps = [m for m in server.sent(7101) if m.source == texts.HELP]
            assert len(helps) == 1
        finally:
            out = _stop(proc)
    assert TOKEN not in out


def test_a_webhook_redelivery_of_a_handled_update_is_dropped(tmp_path):
    port = free_port()
    with BotApiServer(token=TOKEN) as server:
        proc = _webhook_bot(server, tmp_path, port)
        try:
            chat = server.chat(7102, first_name="Ana")
            update_id = chat.send("/ayuda")
            assert chat.next(timeout=20).message.source == texts.HELP
            server.redeliver(update_id)  # Telegram did not get the 200, say: it sends it again
            chat.send("/ayuda")  # a new update, after it
            assert chat.next(timeout=20).message.source == texts.HELP
            time.sleep(0.5)
            helps = [m for m in server.sent(7102) if m.source == texts.HELP]
            assert len(helps) == 2, "the re-delivered update was answered again"
        finally:
            _stop(proc)
