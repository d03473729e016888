"""``ssme run`` as a real process, when it cannot start: one line naming the setting, a non-zero
exit within seconds, and no secret anywhere in what it printed (issue 17, F3/F5/F6)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from local_botapi.server import BotApiServer
from tests.test_run_process import TOKEN, free_port, start_bot, stop

pytestmark = pytest.mark.e2e

SECRET_HALF = TOKEN.split(":")[1]
WEBHOOK_SECRET = "s3cr3t-header-value"
QUICK = 15.0  # "within seconds": generous for a loaded 2-core machine


def run_to_exit(tmp_path: Path, api_url: str, timeout: float = 60, **env: str):
    """Run ``ssme run`` until it exits: (exit code, everything printed, seconds taken)."""
    environ = {
        **os.environ,
        "SSME_TELEGRAM_TOKEN": TOKEN,
        "SSME_TELEGRAM_API_URL": api_url,
        "SSME_DB_PATH": str(tmp_path / "ssme.db"),
        "SSME_CHART_WORKERS": "0",
        "SSME_LOG_LEVEL": "DEBUG",
        **env,
    }
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "run"],
            env=environ,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"ssme run did not exit within {timeout} s:\n{exc.stdout}\n{exc.stderr}")
    out = done.stdout + done.stderr
    assert_no_secret(out)
    return done.returncode, out, time.monotonic() - started


def assert_no_secret(out: str) -> None:
    assert TOKEN not in out
    assert SECRET_HALF not in out
    assert WEBHOOK_SECRET not in out


def error_line(out: str) -> str:
    """The one operator line: exactly one ``ssme:`` line (the CLI's refusal), no traceback."""
    lines = [line for line in out.splitlines() if line.startswith("ssme: ")]
    assert len(lines) == 1, out
    assert "Traceback" not in out, out
    return lines[0]


@pytest.fixture
def server():
    with BotApiServer(token=TOKEN) as s:
        yield s


def test_a_garbage_database_fails_at_once(tmp_path, server):
    db = tmp_path / "ssme.db"
    db.write_bytes(b"this is not a database, just words " * 200)
    code, out, took = run_to_exit(tmp_path, server.base_url)
    assert code != 0 and took < QUICK
    line = error_line(out)
    assert "SSME_DB_PATH" in line and str(db) in line
    assert server.calls("getMe") == [], "nothing is asked of Telegram with no usable database"


def test_a_truncated_database_fails_at_once(tmp_path, server):
    db = tmp_path / "ssme.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x TEXT)")
        conn.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 2000)
    conn.close()
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3])
    code, out, took = run_to_exit(tmp_path, server.base_url)
    assert code != 0 and took < QUICK
    line = error_line(out)
    assert "SSME_DB_PATH" in line and str(db) in line


def test_a_database_in_a_read_only_place_fails_at_once(tmp_path, server):
    if os.geteuid() == 0:  # root writes anywhere a mode allows nothing; /proc refuses even root
        db = Path("/proc/ssme-test/ssme.db")
    else:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        db = folder / "ssme.db"
    code, out, took = run_to_exit(tmp_path, server.base_url, SSME_DB_PATH=str(db))
    assert code != 0 and took < QUICK
    line = error_line(out)
    assert "SSME_DB_PATH" in line and str(db) in line


def test_a_second_run_on_the_same_database_refuses_naming_the_first(tmp_path, server):
    first = start_bot(server, tmp_path)
    try:
        server.wait_for_call("setMyCommands", timeout=30)
        server.wait_for_call("getUpdates", timeout=30)
        code, out, took = run_to_exit(tmp_path, server.base_url)
        assert code != 0 and took < QUICK
        line = error_line(out)
        assert "SSME_DB_PATH" in line and f"proceso {first.pid}" in line
    finally:
        first_code, first_out = stop(first)
    assert first_code == 0, first_out
    # The lock is the kernel's: a lock file left behind by a dead process is simply taken over.
    lock = tmp_path / "ssme.db.lock"
    lock.write_text("999999\n")
    since = server.call_cursor()
    again = start_bot(server, tmp_path)
    try:
        server.wait_for_call("setMyCommands", since=since, timeout=30)
        server.wait_for_call("getUpdates", since=since, timeout=30)
        assert lock.read_text().strip() == str(again.pid)
        time.sleep(0.5)
    finally:
        code, out = stop(again)
    assert code == 0, out


def test_a_token_telegram_rejects_is_one_line_naming_the_setting(tmp_path):
    with BotApiServer(token="111:another-bots-token") as other:
        code, out, took = run_to_exit(tmp_path, other.base_url)
    assert code != 0 and took < QUICK
    assert "SSME_TELEGRAM_TOKEN" in error_line(out)


def test_an_api_answering_5xx_is_retried_with_warnings_then_given_up(tmp_path, server):
    server.inject_fault("5xx", method="getMe", status=502, count=1000)
    code, out, took = run_to_exit(tmp_path, server.base_url, SSME_STARTUP_TIMEOUT="4")
    assert code != 0 and 4 <= took < 4 + QUICK
    line = error_line(out)
    assert "SSME_TELEGRAM_API_URL" in line and "SSME_STARTUP_TIMEOUT" in line
    retries = [x for x in out.splitlines() if "WARNING" in x and "event=startup_retry" in x]
    assert len(retries) >= 2, out
    assert 2 <= len(server.calls("getMe")) <= 6, "backed off, not hammered"


def serve_then_stop(server: BotApiServer, tmp_path: Path, timeout: float = 30) -> str:
    """Start ``ssme run``, wait until it serves, stop it: what it printed (no secret in it)."""
    proc = start_bot(server, tmp_path)
    try:
        server.wait_for_call("setMyCommands", timeout=timeout)
        server.wait_for_call("getUpdates", timeout=timeout)  # serving: stopped as in production
        time.sleep(0.5)
    finally:
        code, out = stop(proc)
    assert code == 0, out
    assert_no_secret(out)
    return out


def test_an_api_answering_5xx_for_a_while_is_waited_for(tmp_path, server):
    server.inject_fault("5xx", method="getMe", status=503, count=2)
    out = serve_then_stop(server, tmp_path)
    assert out.count("event=startup_retry") == 2


def test_an_unreachable_api_is_given_up_after_the_startup_timeout(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    code, out, took = run_to_exit(tmp_path, url, SSME_STARTUP_TIMEOUT="3")
    assert code != 0 and 3 <= took < 3 + QUICK
    line = error_line(out)
    assert "SSME_TELEGRAM_API_URL" in line and url in line
    assert out.count("event=startup_retry") >= 2


def test_a_plain_http_webhook_url_is_refused_naming_the_setting(tmp_path, server):
    code, out, took = run_to_exit(
        tmp_path,
        server.base_url,
        SSME_WEBHOOK_URL="http://bot.example.org",
        SSME_WEBHOOK_SECRET=WEBHOOK_SECRET,
    )
    assert code != 0 and took < QUICK
    assert "SSME_WEBHOOK_URL" in error_line(out)


def test_a_webhook_telegram_refuses_is_one_line_naming_the_settings(tmp_path, server):
    port = free_port()
    code, out, took = run_to_exit(
        tmp_path,
        server.base_url,
        SSME_WEBHOOK_URL=f"http://127.0.0.1:{port}",
        SSME_WEBHOOK_PORT=str(port),
        SSME_WEBHOOK_SECRET="not allowed!",
    )
    assert code != 0 and took < QUICK
    line = error_line(out)
    assert "SSME_WEBHOOK_URL" in line and "SSME_WEBHOOK_SECRET" in line
    assert "not allowed!" not in out


class _RedirectLoop(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.send_response(307)
        self.send_header("Location", self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_a_redirect_loop_at_start_never_prints_the_token(tmp_path):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _RedirectLoop)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        code, out, _ = run_to_exit(tmp_path, url, SSME_STARTUP_TIMEOUT="2")
    finally:
        httpd.shutdown()
    assert code != 0
    assert "TooManyRedirects" in out and "<token>" in out, out  # the URL was there, redacted
    error_line(out)


def test_a_time_out_at_start_is_retried_and_never_prints_the_token(tmp_path, server):
    server.inject_fault("delay", method="getMe", delay=7)  # past the bot's 5 s read time-out
    out = serve_then_stop(server, tmp_path, timeout=40)
    assert "event=startup_retry method=getMe" in out and "Timed out" in out


def test_failing_calls_while_serving_never_print_the_token(tmp_path, server):
    """A redirect loop on sendChatAction and on a send (their URLs carry the token)."""
    proc = start_bot(server, tmp_path, SSME_ADMIN_IDS="777")
    try:
        server.wait_for_call("setMyCommands", timeout=30)
        server.inject_fault("redirect", method="sendChatAction", count=100)
        server.inject_fault("redirect", method="sendMessage", count=100)
        chat = server.chat(777)
        since = server.call_cursor()
        chat.send("/resumen")
        server.wait_for_call("sendChatAction", since=since, timeout=20)
        time.sleep(3)
        server.clear_faults()
        chat.send("/ayuda")
        chat.next(timeout=20)
    finally:
        code, out = stop(proc)
    assert code == 0, out
    assert "TooManyRedirects" in out, out
    assert_no_secret(out)


@pytest.mark.parametrize("workers", ["0", "2"])
def test_a_sigterm_during_post_init_stops_the_bot_cleanly(tmp_path, server, workers):
    """Stopped while post_init opens the database, warms the chart pool (2 workers) or waits
    for Telegram (setMyCommands, held): exit 0, nothing left running, no traceback."""
    server.inject_fault("delay", method="setMyCommands", delay=30)
    proc = start_bot(server, tmp_path, SSME_CHART_WORKERS=workers, SSME_LOG_LEVEL="INFO")
    server.wait_for_call("deleteWebhook", timeout=30)  # ssme run's checks: post_init is next
    time.sleep(0.3)
    code, out = stop(proc)
    assert "event=started" not in out, "stopped after post_init, not during it"
    assert code == 0, out
    assert "Traceback" not in out and "ERROR" not in out, out
    assert "event=stopped" in out
