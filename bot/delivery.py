"""The outbound policy: what one Bot API call can come to, and what the bot does about it.

What happens on a 429, in five lines:
1. PTB's ``AIORateLimiter`` paces every request (~30/s overall); it never retries (max_retries=0).
2. Telegram answers 429 with ``retry_after``; ``handlers/send.py`` maps it to ``RETRY_AFTER``.
3. This policy, and nothing under it, waits ``retry_after`` and tries again: ≤ 3 tries, ≤ 10 s.
4. A reminder releases its claim (row settled 'failed') before that wait, and claims it again.
5. Given up: logged (event=send_failed); the answer was committed first, a reminder stays due.

Telegram-free on purpose: the channel (``bot.handlers.send``) turns PTB's exceptions into an
:class:`Outcome` from a closed set, and everything else decides on that set alone:

=============  ==================================================  ===========================
outcome        what Telegram said                                  what the policy does
=============  ==================================================  ===========================
SENT           ok (an edit "message is not modified" is ok too)    done
RETRY_AFTER    429 with ``retry_after`` seconds                    wait that long, try again
TEMPORARY      5xx, connection refused or closed before an          back off, try again
               answer, a time-out before the request left:
               known not delivered
MAYBE_SENT     a time-out after the request went out               try again only when a
                                                                   repeat is harmless (below)
FORBIDDEN      403: the user blocked the bot or is deactivated     stop (reminders mark the
                                                                   manager unreachable)
REJECTED       400 and other refusals: the request is wrong        stop, logged
=============  ==================================================  ===========================

The decision on ``MAYBE_SENT``: a ``sendMessage``/``sendPhoto``/``sendDocument`` that may have
gone out is not repeated, because a duplicate would show in the chat (a question asked twice, a
reminder sent twice: reminders are at most once). Edits, ``answerCallbackQuery``,
``sendChatAction`` and ``setMyCommands`` are repeated: a second one changes nothing the user
sees. A method not listed is treated as one whose duplicate would show.

The same decision for what the bot *owes* (a result in the outbox, delivered again at the next
start until its photo is known delivered): :func:`still_owed`. A photo that may have gone out
is not owed any more, so a restart never sends it a second time; the manager who did not get it
has /resultado, and the result is stored either way. Only a send known not to have gone out
(5xx, refused, a time-out before it left, 429s past the budget) stays owed.

Every call gets at most :data:`MAX_ATTEMPTS` tries and at most :data:`MAX_WAIT` seconds of
waiting in all; a ``retry_after`` longer than what is left of that is not waited for at all.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_ATTEMPTS = 3  # tries per call, the first included
MAX_WAIT = 10.0  # seconds of waiting per call, all retries together
BACKOFF = 0.5  # seconds before the second try after a TEMPORARY/MAYBE_SENT, doubled after

# A second call changes nothing the user sees, even if the first one went through.
HARMLESS_TO_REPEAT = frozenset(
    {
        "answerCallbackQuery",
        "editMessage",
        "editMessageReplyMarkup",
        "editMessageText",
        "sendChatAction",
        "setMyCommands",
    }
)


class Kind(StrEnum):
    SENT = "sent"
    RETRY_AFTER = "retry_after"
    TEMPORARY = "temporary"
    MAYBE_SENT = "maybe_sent"
    FORBIDDEN = "forbidden"
    REJECTED = "rejected"


FINAL = frozenset({Kind.SENT, Kind.FORBIDDEN, Kind.REJECTED})


@dataclass(frozen=True, slots=True)
class Outcome:
    """What came of one Bot API call. ``retry_after`` (seconds) only for RETRY_AFTER; ``detail``
    is Telegram's or the transport's words, for logs and records."""

    kind: Kind
    retry_after: float = 0.0
    detail: str = ""

    @property
    def sent(self) -> bool:
        return self.kind is Kind.SENT


SENT = Outcome(Kind.SENT)


def repeat_is_harmless(method: str) -> bool:
    return method in HARMLESS_TO_REPEAT


def still_owed(method: str, outcome: Outcome) -> bool:
    """After the last try of ``method`` for something the bot owes came to ``outcome``: is it
    still owed (to be tried again later, at the next start)? Yes only if it surely did not go
    out and may yet: never when it may have gone out where a repeat would show (MAYBE_SENT),
    was delivered, or cannot be (the user blocked the bot, Telegram refused the request)."""
    if outcome.kind in (Kind.TEMPORARY, Kind.RETRY_AFTER):
        return True
    if outcome.kind is Kind.MAYBE_SENT:
        return repeat_is_harmless(method)
    return False


def next_wait(method: str, outcome: Outcome, attempt: int, waited: float = 0.0) -> float | None:
    """THE retry policy: after try number ``attempt`` (1 for the first) of ``method`` came to
    ``outcome``, having waited ``waited`` seconds so far, how long to wait before trying again;
    None: stop here."""
    if outcome.kind in FINAL or attempt >= MAX_ATTEMPTS:
        return None
    if outcome.kind is Kind.MAYBE_SENT and not repeat_is_harmless(method):
        return None
    if outcome.kind is Kind.RETRY_AFTER:
        wait = max(0.0, outcome.retry_after)
    else:
        wait = BACKOFF * 2 ** (attempt - 1)
    return wait if waited + wait <= MAX_WAIT else None


async def run(
    once: Callable[[], Awaitable[tuple[Outcome, T]]],
    method: str,
    chat_id: int,
    *,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> tuple[Outcome, T]:
    """Make the call (``once`` makes one try) under the policy; the last try's outcome and value.

    Whatever the caller must do before a wait (the reminders release their claim) it does in
    ``once``, when the outcome is not a success: the policy waits only after ``once`` returned.
    """
    attempt, waited = 1, 0.0
    while True:
        outcome, value = await once()
        wait = next_wait(method, outcome, attempt, waited)
        if wait is None:
            _log_end(method, chat_id, outcome, attempt)
            return outcome, value
        log.log(
            logging.INFO if outcome.kind is Kind.RETRY_AFTER else logging.WARNING,
            "event=send_retry method=%s chat=%s attempt=%d outcome=%s wait=%.1f error=%s",
            method,
            chat_id,
            attempt,
            outcome.kind.value,
            wait,
            outcome.detail,
        )
        await sleep(wait)
        attempt += 1
        waited += wait


def _log_end(method: str, chat_id: int, outcome: Outcome, attempts: int) -> None:
    if outcome.kind is Kind.SENT:
        return
    if outcome.kind is Kind.FORBIDDEN:
        log.warning("event=send_forbidden method=%s chat=%s", method, chat_id)
    elif outcome.kind is Kind.REJECTED:
        log.warning("event=bad_request method=%s chat=%s error=%s", method, chat_id, outcome.detail)
    elif outcome.kind is Kind.MAYBE_SENT and not repeat_is_harmless(method):
        log.warning(
            "event=send_maybe_sent method=%s chat=%s error=%s (not repeated: it may have gone out)",
            method,
            chat_id,
            outcome.detail,
        )
    else:
        log.error(
            "event=send_failed method=%s chat=%s attempts=%d outcome=%s error=%s",
            method,
            chat_id,
            attempts,
            outcome.kind.value,
            outcome.detail,
        )
