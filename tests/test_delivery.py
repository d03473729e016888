"""The outbound policy (bot/delivery.py) outcome by outcome, the mapping from PTB's exceptions to
those outcomes (bot/handlers/send.py), and one call under the policy over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest
from telegram import Bot
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot import delivery
from bot.delivery import BACKOFF, MAX_ATTEMPTS, MAX_WAIT, SENT, Kind, Outcome, next_wait
from bot.handlers.http import AiohttpRequest
from bot.handlers.send import deliver, outcome_of
from local_botapi.server import BotApiServer
from tests.imports import loaded_by

SENDS = ("sendMessage", "sendPhoto", "sendDocument")
HARMLESS = ("editMessageText", "editMessageReplyMarkup", "answerCallbackQuery", "setMyCommands")


def retry_after(seconds: float) -> Outcome:
    return Outcome(Kind.RETRY_AFTER, seconds)


# --- the policy, outcome by outcome -----------------------------------------------------------


@pytest.mark.parametrize("method", SENDS + HARMLESS)
def test_sent_stops(method: str) -> None:
    assert next_wait(method, SENT, 1) is None


def test_retry_after_waits_what_telegram_said_within_the_caps() -> None:
    assert next_wait("sendMessage", retry_after(3), 1) == 3
    assert next_wait("sendMessage", retry_after(3), 2, waited=3) == 3
    assert next_wait("sendMessage", retry_after(1), MAX_ATTEMPTS) is None, "tries are capped"
    assert next_wait("sendMessage", retry_after(MAX_WAIT + 1), 1) is None, "not worth waiting"
    assert next_wait("sendMessage", retry_after(4), 2, waited=MAX_WAIT - 3) is None
    assert next_wait("sendMessage", retry_after(-1), 1) == 0


@pytest.mark.parametrize("method", SENDS + HARMLESS)
def test_temporary_backs_off_then_stops(method: str) -> None:
    temporary = Outcome(Kind.TEMPORARY, detail="NetworkError: Bad Gateway")
    assert next_wait(method, temporary, 1) == BACKOFF
    assert next_wait(method, temporary, 2, waited=BACKOFF) == 2 * BACKOFF
    assert next_wait(method, temporary, MAX_ATTEMPTS) is None


@pytest.mark.parametrize("method", SENDS)
def test_maybe_sent_is_not_repeated_where_a_duplicate_would_show(method: str) -> None:
    assert next_wait(method, Outcome(Kind.MAYBE_SENT), 1) is None


@pytest.mark.parametrize("method", HARMLESS)
def test_maybe_sent_is_repeated_where_a_repeat_is_harmless(method: str) -> None:
    assert next_wait(method, Outcome(Kind.MAYBE_SENT), 1) == BACKOFF
    assert next_wait(method, Outcome(Kind.MAYBE_SENT), MAX_ATTEMPTS) is None


def test_an_unknown_method_counts_as_one_whose_duplicate_shows() -> None:
    assert next_wait("sendVoice", Outcome(Kind.MAYBE_SENT), 1) is None


@pytest.mark.parametrize("kind", [Kind.FORBIDDEN, Kind.REJECTED])
@pytest.mark.parametrize("method", SENDS + HARMLESS)
def test_forbidden_and_rejected_stop(kind: Kind, method: str) -> None:
    assert next_wait(method, Outcome(kind), 1) is None


def test_every_outcome_is_decided() -> None:
    for kind in Kind:
        for method in SENDS + HARMLESS:
            wait = next_wait(method, Outcome(kind, 1.0), 1)
            assert wait is None or 0 <= wait <= MAX_WAIT


async def run_with(outcomes: list[Outcome], method: str = "sendMessage") -> tuple:
    tries: list[Outcome] = []
    waits: list[float] = []

    async def once() -> tuple[Outcome, int]:
        tries.append(outcomes[min(len(tries), len(outcomes) - 1)])
        return tries[-1], len(tries)

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    outcome, value = await delivery.run(once, method, 7, sleep=sleep)
    return outcome, value, tries, waits


async def test_a_429_storm_costs_the_policys_tries_and_waits_no_more_than_the_cap() -> None:
    outcome, value, tries, waits = await run_with([retry_after(1)])
    assert outcome.kind is Kind.RETRY_AFTER and value == MAX_ATTEMPTS
    assert len(tries) == MAX_ATTEMPTS and waits == [1.0] * (MAX_ATTEMPTS - 1)
    _, _, tries, waits = await run_with([retry_after(6)])
    assert len(tries) == 2 and sum(waits) <= MAX_WAIT


async def test_run_returns_the_first_success_and_its_value() -> None:
    outcome, value, _, waits = await run_with([retry_after(2), Outcome(Kind.TEMPORARY), SENT])
    assert (outcome, value) == (SENT, 3)
    assert waits == [2.0, 2 * BACKOFF]


async def test_run_stops_at_once_on_a_refusal_or_a_send_that_may_have_gone_out() -> None:
    for outcome in (Outcome(Kind.FORBIDDEN), Outcome(Kind.REJECTED), Outcome(Kind.MAYBE_SENT)):
        last, _, tries, waits = await run_with([outcome])
        assert (last, len(tries), waits) == (outcome, 1, [])


@pytest.mark.e2e  # a fresh interpreter: a process of its own
def test_the_policy_and_the_reminder_sender_import_no_telegram() -> None:
    modules = ["bot.delivery", "bot.reminders.policy", "bot.services.reminders", "config"]
    assert loaded_by(modules, ("telegram", "telegram.")) == []


# --- PTB's exceptions → outcomes --------------------------------------------------------------


def timed_out_from(cause: BaseException) -> TimedOut:
    try:
        raise TimedOut from cause
    except TimedOut as exc:
        return exc


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (Forbidden("Forbidden: bot was blocked by the user"), Kind.FORBIDDEN),
        (Forbidden("Forbidden: user is deactivated"), Kind.FORBIDDEN),
        (BadRequest("Message is not modified: specified new message content ..."), Kind.SENT),
        (BadRequest("Bad Request: message text is empty"), Kind.REJECTED),
        (InvalidToken(), Kind.REJECTED),
        (NetworkError("Bad Gateway"), Kind.TEMPORARY),
        (NetworkError("aiohttp.ClientConnectorError: Connection refused"), Kind.TEMPORARY),
        (NetworkError("aiohttp.ServerDisconnectedError: Server disconnected"), Kind.TEMPORARY),
        (TimedOut(), Kind.MAYBE_SENT),
        (timed_out_from(aiohttp.SocketTimeoutError("Timeout on reading data")), Kind.MAYBE_SENT),
        (timed_out_from(aiohttp.ConnectionTimeoutError("Connection timeout")), Kind.TEMPORARY),
        (
            TimedOut("Pool timeout: All connections in the connection pool are occupied."),
            Kind.TEMPORARY,
        ),
    ],
)
def test_ptb_exceptions_map_to_one_outcome_each(exc: Exception, kind: Kind) -> None:
    assert outcome_of(exc).kind is kind  # type: ignore[arg-type]


def test_a_429_carries_its_retry_after() -> None:
    outcome = outcome_of(RetryAfter(3))
    assert (outcome.kind, outcome.retry_after) == (Kind.RETRY_AFTER, 3.0)
    assert "RetryAfter" in outcome.detail


# --- one call under the policy, over real HTTP ------------------------------------------------


@pytest.fixture
def server() -> Iterator[BotApiServer]:
    with BotApiServer() as srv:
        yield srv


@pytest.fixture
async def bot(server: BotApiServer) -> AsyncIterator[Bot]:
    request = AiohttpRequest(4, read_timeout=0.5)
    async with Bot(server.token, base_url=server.api_base_url, request=request) as tg_bot:
        yield tg_bot


@pytest.mark.e2e  # over HTTP against the local Bot API server
async def test_a_send_that_timed_out_is_not_sent_again(server: BotApiServer, bot: Bot) -> None:
    server.inject_fault("delay", method="sendMessage", delay=1.0)  # the read timeout is 0.5 s
    assert await deliver(lambda: bot.send_message(1, "hola"), "sendMessage", 1) is None
    await asyncio.sleep(1.0)  # the server logs a call when it answers it
    assert len(server.calls("sendMessage")) == 1
    assert [m.text for m in server.sent(1)] == ["hola"], "it went out, once"


@pytest.mark.e2e  # over HTTP against the local Bot API server
async def test_an_edit_that_timed_out_is_made_again(server: BotApiServer, bot: Bot) -> None:
    message = await bot.send_message(1, "hola")
    server.inject_fault("delay", method="editMessageText", delay=1.0)
    await deliver(
        lambda: bot.edit_message_text("adiós", 1, message.message_id), "editMessageText", 1
    )
    await asyncio.sleep(1.0)
    # Whichever of the two edits the server applied second found nothing to change: harmless.
    assert len(server.calls("editMessageText")) == 2
    assert server.last_sent(1).text == "adiós"


@pytest.mark.e2e  # over HTTP against the local Bot API server
async def test_a_dropped_connection_and_a_5xx_are_tried_again(
    server: BotApiServer, bot: Bot
) -> None:
    server.inject_fault("drop", method="sendMessage")
    server.inject_fault("5xx", method="sendMessage", status=503)
    sent = await deliver(lambda: bot.send_message(1, "hola"), "sendMessage", 1)
    assert sent is not None and sent.text == "hola"
    assert [c.status for c in server.calls("sendMessage")] == [0, 503, 200]


@pytest.mark.e2e  # over HTTP against the local Bot API server
async def test_a_block_is_not_tried_again(server: BotApiServer, bot: Bot) -> None:
    server.block_user(2)
    assert await deliver(lambda: bot.send_message(2, "hola"), "sendMessage", 2) is None
    assert [c.status for c in server.calls("sendMessage")] == [403]


def test_the_five_lines_on_a_429_state_the_policys_numbers() -> None:
    assert f"≤ {MAX_ATTEMPTS} tries, ≤ {MAX_WAIT:.0f} s" in (delivery.__doc__ or "")


@pytest.mark.parametrize(
    ("kind", "owed"),
    [
        (Kind.SENT, False),
        (Kind.MAYBE_SENT, False),  # it may be in the chat already: never sent again
        (Kind.TEMPORARY, True),  # surely not delivered: the next start tries again
        (Kind.RETRY_AFTER, True),
        (Kind.FORBIDDEN, False),
        (Kind.REJECTED, False),
    ],
)
def test_an_owed_photo_stays_owed_only_while_it_surely_did_not_go_out(kind, owed):
    assert delivery.still_owed("sendPhoto", Outcome(kind)) is owed
