"""No secret in anything any ``ssme`` command prints (issue 17, point 5): its output, its
one-line errors, its logs and an unexpected error's traceback. Each command runs as a real
process with a token and a webhook secret set, on error paths that carry them: Telegram
rejecting the token (``InvalidToken`` quotes it), a redirect loop (the URL has it), a refused
connection, and files and folders whose names contain the secrets (errors name the path)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.cli import main
from local_botapi.server import BotApiServer
from tests.test_cli import EXAMPLES
from tests.test_run_process import free_port
from tests.test_startup_process import _RedirectLoop

pytestmark = pytest.mark.e2e

TOKEN = "424242:CLI-TOKEN-never-printed-anywhere"
HALF = TOKEN.split(":")[1]
WEBHOOK_SECRET = "cli-webhook-s3cr3t"
FORMS = (TOKEN, HALF, WEBHOOK_SECRET)


def ssme(tmp: Path, *args: str, api: str = "http://127.0.0.1:9", **env: str) -> tuple[int, str]:
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SSME_")},
        "SSME_TELEGRAM_TOKEN": TOKEN,
        "SSME_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "SSME_TELEGRAM_API_URL": api,
        "SSME_DB_PATH": str(tmp / "ssme.db"),
        "SSME_LOG_LEVEL": "DEBUG",
        # Any hour of the day: the reminder is due whenever the test runs.
        "SSME_REMINDERS__WINDOW_START": "00:00",
        "SSME_REMINDERS__WINDOW_END": "23:59",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=environ,
        cwd=tmp,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout + done.stderr


def assert_clean(out: str) -> None:
    for form in FORMS:
        assert form not in out, out


@pytest.fixture
def due(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A database with one reminder due (a registered manager who has not answered)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SSME_DB_PATH", str(tmp_path / "ssme.db"))
    monkeypatch.delenv("SSME_TELEGRAM_TOKEN", raising=False)
    main(["import-clusters", str(EXAMPLES / "registro_ejemplo.csv")])
    main(["campaign", "create", "2021", "--reference-year", "2021", *DATES])
    main(["campaign", "open", "2021"])
    with sqlite3.connect(tmp_path / "ssme.db") as db:
        (cluster,) = db.execute("SELECT cluster_id FROM clusters LIMIT 1").fetchone()
        db.execute(
            "INSERT INTO members (cluster_id, user_id, chat_id, registered_at, consent_at) "
            "VALUES (?, 77, 77, '2021-09-01T12:00:00+00:00', '2021-09-01T12:00:00+00:00')",
            (cluster,),
        )
    return tmp_path


DATES = ["--opens", "2021-09-01", "--closes", "2099-10-15"]


@pytest.fixture
def redirect_loop() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _RedirectLoop)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


def test_remind_with_a_token_telegram_rejects_never_prints_it(due):
    with BotApiServer(token="999:another-token-entirely") as server:
        code, out = ssme(due, "remind", "--campaign", "2021", api=server.base_url)
    assert code != 0, out
    assert "InvalidToken" in out and "<token>" in out, out  # it was there, redacted
    assert_clean(out)


def test_remind_through_a_redirect_loop_never_prints_the_token(due, redirect_loop):
    code, out = ssme(due, "remind", "--campaign", "2021", api=redirect_loop)
    assert code != 0
    assert "<token>" in out, out
    assert_clean(out)


def test_remind_with_telegram_unreachable_never_prints_the_token(due):
    code, out = ssme(due, "remind", "--campaign", "2021", api=f"http://127.0.0.1:{free_port()}")
    assert code != 0, out
    assert_clean(out)


@pytest.mark.parametrize(
    "args",
    [
        ["score", "{dir}/respuestas.yaml"],
        ["import-clusters", "{dir}/registro.csv"],
        ["import-responses", "{dir}/respuestas.csv", "--campaign", "2021"],
        ["restore", "{dir}/copia.db"],
        ["backup", "{dir}/no/such/folder/copia.db"],
        ["export", "--output", "{dir}/no/such/folder/x.xlsx"],
        ["summary", "--charts", "{dir}"],
        ["invite", "no_such_cluster"],
        ["participation"],
        ["data-requests"],
        ["campaign", "list"],
        ["check"],
        ["demo", "--db", "{dir}/demo.db", "--script", "{dir}/guion.txt"],
        ["run"],
    ],
    ids=lambda a: a[0],
)
def test_every_command_on_its_error_paths_prints_no_secret(tmp_path, args):
    """The folder, the files and the database are named after the secrets: every message
    that names one (most errors do) must still not show them."""
    folder = tmp_path / f"{HALF}-{WEBHOOK_SECRET}"
    folder.mkdir()
    db = folder / "ssme.db"
    db.write_bytes(b"not a database " * 100)  # an error path for every command that opens it
    argv = [a.format(dir=folder) for a in args]
    code, out = ssme(tmp_path, *argv, SSME_DB_PATH=str(db), SSME_CHART_WORKERS="0")
    assert code != 0, out
    assert_clean(out)


def test_a_reader_that_goes_away_is_not_an_error(tmp_path):
    """``ssme … | head``: the pipe closes under a long output; no traceback, no 'uncaught'."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from bot.logs import redacted\n"
        "@redacted\n"
        "def main():\n"
        "    for i in range(200000):\n"
        "        print('línea', i)\n"
        "    return 0\n"
        "sys.exit(main())\n"
    )
    script = tmp_path / "long.py"
    script.write_text(code, encoding="utf-8")
    reader = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.readline()
    reader.stdout.close()  # as head does after its lines
    err = reader.stderr.read().decode()
    assert reader.wait(timeout=30) == 1
    assert "Traceback" not in err and "uncaught" not in err, err
