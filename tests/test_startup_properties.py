"""An adversarial property test of the start-up path (issue 17, point 8), beside the webhook's
(tests/test_webhook.py) and the conversation's (tests/test_bot_properties.py).

Hypothesis draws a token (right or wrong), polling or a webhook with a secret Telegram accepts
or refuses, and a script of faults the local Bot API server plays on ``getMe``,
``deleteWebhook`` and ``setWebhook`` (429s, 5xx, dropped connections, redirect loops, answers
slower than the bot's read time-out, refusals); :func:`bot.handlers.startup.bootstrap` runs
against it over real HTTP. Whatever the draw: it ends (before a generous bound, never hangs),
either serving or with a :class:`StartupError` of one line naming a setting; nothing it says
or logs carries a secret; every retry is one WARNING; a right token with no fault starts; a
wrong token or a refusal never does. Short form in CI; ``SSME_STARTUP_EXAMPLES=300`` for a
long run.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Bot

from bot.handlers import startup
from bot.handlers.http import AiohttpRequest
from bot.handlers.startup import StartupError, bootstrap
from bot.logs import secret_forms
from config import Settings
from local_botapi.server import BotApiServer

pytestmark = pytest.mark.e2e

TOKEN = "135790:STARTUP-PROPERTY-token-secret"
WRONG_TOKEN = "135790:a-token-telegram-revoked-long-ago"
EXAMPLES = int(os.environ.get("SSME_STARTUP_EXAMPLES", "25"))
READ_TIMEOUT = 0.4  # the bot's, for this test: a "slow" fault answers after it
STARTUP_TIMEOUT = 1.0
GOOD_SECRETS = ("s3cr3t_Header-1", "x" * 256)
BAD_SECRETS = ("con espacio", "ñandú", "y" * 257)


@dataclass(frozen=True)
class Fault:
    kind: str  # local_botapi's fault kinds; "slow" is a delay past the read time-out
    method: str
    count: int

    def inject(self, server: BotApiServer) -> None:
        if self.kind == "slow":
            server.inject_fault("delay", method=self.method, count=self.count, delay=0.6)
        elif self.kind == "5xx":
            server.inject_fault("5xx", method=self.method, count=self.count, status=503)
        elif self.kind == "429":
            server.inject_fault("429", method=self.method, count=self.count, retry_after=1)
        else:
            server.inject_fault(self.kind, method=self.method, count=self.count)  # type: ignore[arg-type]


FAULTS = st.builds(
    Fault,
    st.sampled_from(["5xx", "429", "drop", "redirect", "slow", "403"]),
    st.sampled_from(["getMe", "deleteWebhook", "setWebhook"]),
    st.integers(1, 2),
)


@pytest.fixture(scope="module")
def server() -> Iterator[BotApiServer]:
    with BotApiServer(token=TOKEN) as srv:
        yield srv


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.levelno, self.format(record)))


async def _attempt(server: BotApiServer, token: str, config: Settings) -> StartupError | None:
    bot = Bot(
        token,
        base_url=f"{server.base_url}/bot",
        request=AiohttpRequest(2, read_timeout=READ_TIMEOUT, connect_timeout=1.0),
    )
    try:
        await bootstrap(bot, config)
        return None
    except StartupError as exc:
        return exc
    finally:
        await bot.shutdown()


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    right_token=st.booleans(),
    webhook=st.booleans(),
    secret=st.sampled_from(GOOD_SECRETS + BAD_SECRETS),
    faults=st.lists(FAULTS, max_size=3),
)
def test_start_up_ends_in_one_clear_line_or_serves_and_never_shows_a_secret(
    server, right_token, webhook, secret, faults
):
    server.clear_faults()
    token = TOKEN if right_token else WRONG_TOKEN
    config = Settings(  # type: ignore[call-arg]
        _env_file=None,
        telegram_token=token,
        telegram_api_url=server.base_url,
        startup_timeout=STARTUP_TIMEOUT,
        webhook_url="http://127.0.0.1:9" if webhook else None,
        webhook_secret=secret if webhook else None,
    )
    for fault in faults:
        fault.inject(server)
    records = Records()
    root = logging.getLogger()
    root.addHandler(records)
    try:
        with mock.patch.object(startup, "FIRST_WAIT", 0.02):  # back-off, shortened for speed
            error = asyncio.run(
                asyncio.wait_for(_attempt(server, token, config), STARTUP_TIMEOUT + 20)
            )
    finally:
        root.removeHandler(records)
        server.clear_faults()
    said = [str(error)] if error is not None else []
    logged = [line for _, line in records.lines]
    for form in secret_forms([TOKEN, WRONG_TOKEN, secret]):
        assert not any(form in text for text in said + logged), (form, said, logged)
    assert all(
        "event=startup_retry" in line for level, line in records.lines if level == logging.WARNING
    ), logged
    second = "setWebhook" if webhook else "deleteWebhook"
    refused = any(f.kind == "403" and f.method in ("getMe", second) for f in faults)
    if error is None:
        assert right_token and not refused
        assert not webhook or secret in GOOD_SECRETS
        return
    message = str(error)
    assert "\n" not in message and "SSME_" in message, message  # one line, naming a setting
    if right_token and not faults and (not webhook or secret in GOOD_SECRETS):
        pytest.fail(f"a right token with no fault did not start: {message}")
    if not right_token and "SSME_TELEGRAM_TOKEN" not in message:
        # Only a fault met before Telegram could judge the token excuses another line.
        assert any(f.method == "getMe" for f in faults), message
