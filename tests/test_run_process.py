"""``ssme run`` as a real process: polling and webhook modes, SIGTERM, and no token in the logs."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from local_botapi.server import BotApiServer

pytestmark = pytest.mark.e2e

TOKEN = "987654:SECRET-TOKEN-never-in-logs"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_bot(server: BotApiServer, tmp_path: Path, **env: str) -> subprocess.Popen:
    environ = {
        **os.environ,
        "SSME_TELEGRAM_TOKEN": TOKEN,
        "SSME_TELEGRAM_API_URL": server.base_url,
        "SSME_DB_PATH": str(tmp_path / "ssme.db"),
        "SSME_CHART_WORKERS": "0",
        "SSME_LOG_LEVEL": "DEBUG",  # the most talkative level must still not leak the token
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        env=environ,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(proc: subprocess.Popen) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        pytest.fail(f"the bot did not stop on SIGTERM:\n{out}")
    return proc.returncode, out


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_run_serves_stops_on_sigterm_and_never_logs_the_token(tmp_path, mode):
    with BotApiServer(token=TOKEN) as server:
        extra = {}
        if mode == "webhook":
            port = free_port()
            extra = {
                "SSME_WEBHOOK_URL": f"http://127.0.0.1:{port}",
                "SSME_WEBHOOK_PORT": str(port),
                "SSME_WEBHOOK_SECRET": "s3cr3t-header",
            }
        proc = start_bot(server, tmp_path, **extra)
        try:
            server.wait_for_call("setMyCommands", timeout=30)
            if mode == "webhook":
                server.wait_for_call("setWebhook", timeout=30)
                assert server.webhook_url() == f"http://127.0.0.1:{port}/telegram"
            deadline = time.monotonic() + 20
            chat = server.chat(4242)
            chat.send("hola, mi dato privado 31415926")
            reply = chat.next(timeout=max(1.0, deadline - time.monotonic()))
            assert "invitación" in reply.text
        finally:
            code, out = stop(proc)
    assert code == 0, out
    assert "event=started" in out and "event=stopped" in out
    assert TOKEN not in out
    assert "31415926" not in out, "what users type is never logged"
    assert TOKEN.split(":")[1] not in out
