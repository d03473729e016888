"""The webhook of a real ``ssme run`` process: what a stranger can post to it.

The bot runs in webhook mode against the local Bot API server (which delivers updates to it with
the secret, as Telegram does); the tests post to ``/telegram`` themselves over raw sockets:

- a body over ``MAX_BODY_BYTES`` is refused from its headers, before a byte of it is read (the
  answer comes while the body is still unsent), and six of them at once leave the process's
  memory where it was; a chunked body is cut off at the limit;
- a body with the right secret that is not an update is one short log line;
- a property test (hypothesis) posts random bodies, sizes, framings, content types and secrets:
  the bot always answers (or closes), never logs a body (each carries a marker), and keeps
  processing the valid updates posted with the secret among them. Short form in CI;
  ``SSME_WEBHOOK_EXAMPLES=500`` for a long run.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import texts
from bot.handlers.webhook import MAX_BODY_BYTES
from local_botapi.server import BotApiServer

pytestmark = pytest.mark.e2e

TOKEN = "987654:WEBHOOK-TOKEN-never-in-logs"
SECRET = "s3cr3t-header-value"
MARK = "BODYMARK"  # in every body the tests post: it must never reach the log
EXAMPLES = int(os.environ.get("SSME_WEBHOOK_EXAMPLES", "40"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class WebhookBot:
    server: BotApiServer
    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def rss_kb(self) -> int:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        assert match is not None
        return int(match.group(1))


@pytest.fixture(scope="module")
def webhook_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebhookBot]:
    tmp = tmp_path_factory.mktemp("webhook")
    port = free_port()
    log = tmp / "bot.log"
    with BotApiServer(token=TOKEN) as server, log.open("wb") as out:
        env = {
            **os.environ,
            "SSME_TELEGRAM_TOKEN": TOKEN,
            "SSME_TELEGRAM_API_URL": server.base_url,
            "SSME_DB_PATH": str(tmp / "ssme.db"),
            "SSME_CHART_WORKERS": "0",
            "SSME_LOG_LEVEL": "DEBUG",  # the most talkative level must still log no body
            "SSME_WEBHOOK_URL": f"http://127.0.0.1:{port}",
            "SSME_WEBHOOK_PORT": str(port),
            "SSME_WEBHOOK_SECRET": SECRET,
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"], env=env, cwd=tmp, stdout=out, stderr=out
        )
        bot = WebhookBot(server, proc, port, log)
        try:
            server.wait_for_call("setWebhook", timeout=30)
            server.wait_for_call("setMyCommands", timeout=30)
            deadline = time.monotonic() + 30  # PTB listens once setWebhook has succeeded
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline and proc.poll() is None, bot.output()
                    time.sleep(0.1)
            yield bot
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    assert proc.returncode == 0, bot.output()[-3000:]


def head(
    port: int,
    *,
    length: int | None,
    secret: str | None = SECRET,
    content_type: str | None = "application/json",
    chunked: bool = False,
) -> bytes:
    lines = ["POST /telegram HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    if secret is not None:
        lines.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def read_reply(sock: socket.socket, timeout: float = 5.0) -> bytes:
    """Everything the server answers until it closes (b"" if it reset the connection)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (ConnectionResetError, BrokenPipeError):
        pass
    return data


def status_of(reply: bytes) -> int | None:
    match = re.match(rb"HTTP/1\.1 (\d{3})", reply)
    return int(match.group(1)) if match else None


def post(port: int, body: bytes, **kw: object) -> int | None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head(port, length=len(body), **kw) + body)  # type: ignore[arg-type]
        return status_of(read_reply(sock))


def help_update(update_id: int, user_id: int) -> bytes:
    message = {
        "message_id": 1,
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private", "first_name": "Ana"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Ana"},
        "text": "/ayuda",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
    return json.dumps({"update_id": update_id, "message": message}).encode()


UPDATE_IDS = count(10_000)
USERS = count(50_000)


def assert_serves(bot: WebhookBot) -> None:
    """A valid update posted with the secret is processed: /ayuda gets its answer."""
    user_id = next(USERS)
    chat = bot.server.chat(user_id)  # the chat exists on the server's side, as on Telegram
    assert post(bot.port, help_update(next(UPDATE_IDS), user_id)) == 200
    # Liveness, not speed: on a machine loaded by the rest of the suite (every update is
    # fsync'd before its 200), 10 s was seen to pass; the reply must come, and come right.
    try:
        reply = chat.next(timeout=30)
    except TimeoutError as e:  # say what the bot was doing meanwhile
        raise AssertionError(
            f"no reply to a valid update; the bot's log:\n{bot.output()[-4000:]}"
        ) from e
    assert reply.message.source == texts.HELP


def assert_no_body_logged(bot: WebhookBot) -> None:
    out = bot.output()
    assert MARK not in out
    assert "Traceback" not in out
    assert max((len(line) for line in out.splitlines()), default=0) < 400


# -- refused from the headers ----------------------------------------------------------------


def test_a_huge_body_is_refused_from_its_headers_and_memory_stays_put(webhook_bot):
    bot = webhook_bot
    # The answer comes before a byte of the body is sent: refused from the headers alone.
    for secret in (None, "wrong", SECRET):
        with socket.create_connection(("127.0.0.1", bot.port), timeout=5) as sock:
            sock.sendall(head(bot.port, length=95_000_000, secret=secret))
            began = time.monotonic()
            reply = read_reply(sock, timeout=3)
        assert status_of(reply) == 400, reply[:200]
        assert time.monotonic() - began < 1.0

    before = bot.rss_kb()
    declared = 60_000_000
    sent: list[int] = []

    def flood() -> None:
        chunk = b"x" * 65536
        done = 0
        with socket.create_connection(("127.0.0.1", bot.port), timeout=10) as sock:
            try:
                sock.sendall(head(bot.port, length=declared, secret=None))
                while done < declared:
                    sock.sendall(chunk)
                    done += len(chunk)
            except OSError:  # refused: the server closed the connection
                pass
        sent.append(done)

    began = time.monotonic()
    threads = [threading.Thread(target=flood) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    elapsed = time.monotonic() - began
    grown_mb = (bot.rss_kb() - before) / 1024
    assert all(n < declared for n in sent), "the server read a whole refused body"
    assert grown_mb < 20, f"RSS grew by {grown_mb:.0f} MB"
    assert elapsed < 5

    # Chunked (no Content-Length): cut off once past the limit, not read to the end.
    with socket.create_connection(("127.0.0.1", bot.port), timeout=5) as sock:
        sock.sendall(head(bot.port, length=None, chunked=True))
        piece = b"x" * 65536
        try:
            for _ in range(3 * MAX_BODY_BYTES // len(piece)):
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass
        assert status_of(read_reply(sock)) in (400, None)
    assert (bot.rss_kb() - before) / 1024 < 20
    assert_serves(bot)
    assert_no_body_logged(bot)


def test_a_malformed_body_with_the_secret_is_one_short_log_line(webhook_bot):
    bot = webhook_bot
    lines_before = len(bot.output().splitlines())
    body = json.dumps([MARK * 2000, {"update_id": "x"}]).encode()
    assert post(bot.port, body) == 400
    not_json = (MARK * 3000).encode()
    assert post(bot.port, not_json) in (400, 500)
    time.sleep(0.3)
    new = bot.output().splitlines()[lines_before:]
    assert [line for line in new if "webhook_bad_update" in line] != []
    assert len([line for line in new if "webhook_bad_update" in line]) == 1, new
    assert all(len(line) < 200 for line in new), new
    assert_no_body_logged(bot)
    assert_serves(bot)


def test_a_message_without_a_chat_is_ignored_without_a_traceback(webhook_bot):
    """Found by the property below (200 examples): PTB builds a message without its chat, and
    its filters raised on it, a traceback in the log. Telegram never sends one."""
    bot = webhook_bot
    message = {"message_id": 1, "date": int(time.time()), "text": MARK}
    body = json.dumps({"update_id": next(UPDATE_IDS), "message": message}).encode()
    assert post(bot.port, body) == 200
    assert_serves(bot)  # handled (in order) before the next one is answered
    assert_no_body_logged(bot)


# -- the property ----------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
UPDATE_KEYS = st.sampled_from(
    ["update_id", "message", "edited_message", "callback_query", "my_chat_member", "poll"]
)
BODIES = st.one_of(
    st.binary(max_size=2000).map(lambda b: MARK.encode() + b),
    JSON.map(lambda v: json.dumps([MARK, v]).encode()),
    st.dictionaries(UPDATE_KEYS, JSON, max_size=4).map(
        lambda d: json.dumps({**d, "zz": MARK}).encode()
    ),
    st.builds(
        lambda uid, msg: json.dumps({"update_id": uid, "message": {**msg, "text": MARK}}).encode(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.dictionaries(st.sampled_from(["message_id", "date", "chat", "from"]), JSON),
    ),
)
FRAMINGS = st.sampled_from(["exact", "none", "over", "under", "chunked", "chunked_over"])
SECRETS = st.sampled_from([SECRET, None, "", "wrong", SECRET + "x", SECRET.upper()])
TYPES = st.sampled_from(["application/json", None, "text/plain", "application/json; charset=utf-8"])


@dataclass(frozen=True)
class Attack:
    body: bytes
    framing: str
    secret: str | None
    content_type: str | None

    def send(self, port: int) -> int | None:
        body, framing = self.body, self.framing
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            kw = {"secret": self.secret, "content_type": self.content_type}
            try:
                if framing == "exact":
                    sock.sendall(head(port, length=len(body), **kw) + body)  # type: ignore[arg-type]
                elif framing == "none":
                    sock.sendall(head(port, length=None, **kw) + body)  # type: ignore[arg-type]
                elif framing == "over":  # declared over the limit, nothing sent after
                    sock.sendall(head(port, length=MAX_BODY_BYTES + 1 + len(body), **kw))  # type: ignore[arg-type]
                elif framing == "under":  # fewer bytes declared than sent
                    sock.sendall(head(port, length=len(body) // 2, **kw) + body)  # type: ignore[arg-type]
                else:
                    sock.sendall(head(port, length=None, chunked=True, **kw))  # type: ignore[arg-type]
                    repeat = (
                        (MAX_BODY_BYTES // max(len(body), 1) + 2)
                        if framing == "chunked_over"
                        else 1
                    )
                    chunk = b"%x\r\n%s\r\n" % (len(body), body) if body else b""
                    sock.sendall(chunk * repeat + b"0\r\n\r\n")
            except OSError:
                pass
            return status_of(read_reply(sock))


ATTACKS = st.builds(Attack, BODIES, FRAMINGS, SECRETS, TYPES)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(attacks=st.lists(ATTACKS, min_size=1, max_size=4), valid_too=st.booleans())
def test_random_posts_never_break_the_webhook_nor_reach_the_log(webhook_bot, attacks, valid_too):
    bot = webhook_bot
    for attack in attacks:
        status = attack.send(bot.port)
        assert status in (200, 400, 403, 500, None), status
        assert bot.proc.poll() is None, bot.output()[-3000:]
    if valid_too:
        assert_serves(bot)
    assert_no_body_logged(bot)
