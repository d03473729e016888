"""Start-up against the Bot API: fail loudly on what retrying cannot fix, retry what it can.

Before the Application starts serving, :func:`bootstrap` checks the token (``getMe``) and sets
up how updates arrive (``deleteWebhook`` for polling, ``setWebhook``). A token Telegram rejects,
or a webhook it refuses, is a :class:`StartupError` at once (one line for the operator; the
process exits non-zero so a supervisor alerts). A Bot API that is unreachable, times out or
answers 5xx is retried with back-off, one WARNING per attempt, until ``timeout`` seconds have
passed; then a :class:`StartupError` too. PTB's own bootstrap would retry everything forever
and log it below INFO.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

from telegram import Bot
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.texts import startup as t
from config import Settings

log = logging.getLogger(__name__)

FIRST_WAIT = 1.0
MAX_WAIT = 30.0


class StartupError(Exception):
    """The bot cannot start; the message is the operator's one line (Spanish, names the setting)."""


def webhook_url(settings: Settings) -> str | None:
    """The URL Telegram posts updates to, or None for long polling."""
    if not settings.webhook_url:
        return None
    return f"{settings.webhook_url.rstrip('/')}/telegram"


async def bootstrap(bot: Bot, settings: Settings) -> None:
    """getMe, then deleteWebhook (polling) or setWebhook, each retried while it may yet work."""
    deadline = time.monotonic() + settings.startup_timeout
    url = webhook_url(settings)
    secret = settings.webhook_secret_value
    await _retried("getMe", bot.initialize, deadline, settings)
    if url is None:
        await _retried("deleteWebhook", bot.delete_webhook, deadline, settings)
        return

    async def set_webhook() -> object:
        return await bot.set_webhook(url, secret_token=secret)

    try:
        await _retried("setWebhook", set_webhook, deadline, settings)
    except StartupError:
        raise
    except TelegramError as exc:
        raise StartupError(t.WEBHOOK_REFUSED.format(url=url, error=exc.message)) from None


async def _retried(
    method: str, call: Callable[[], Awaitable[object]], deadline: float, settings: Settings
) -> None:
    wait = FIRST_WAIT
    attempt = 0
    while True:
        attempt += 1
        try:
            await call()
            return
        except InvalidToken:
            raise StartupError(t.TOKEN_REJECTED) from None
        except (BadRequest, Forbidden) as exc:  # a refusal (PTB makes them NetworkErrors too)
            if method == "setWebhook":
                raise
            raise StartupError(
                t.API_REFUSED.format(
                    url=settings.telegram_api_url, method=method, error=exc.message
                )
            ) from None
        except (NetworkError, RetryAfter) as exc:  # unreachable, time-outs, 5xx, 429
            error = exc
        left = deadline - time.monotonic()
        if left <= 0:
            raise StartupError(
                t.API_UNREACHABLE.format(
                    url=settings.telegram_api_url,
                    seconds=f"{settings.startup_timeout:g}",
                    error=error.message,
                )
            ) from None
        pause = min(wait, left)
        if isinstance(error, RetryAfter):
            after = error.retry_after
            seconds = after.total_seconds() if isinstance(after, timedelta) else float(after)
            pause = min(max(pause, seconds), left)
        log.warning(
            "event=startup_retry method=%s attempt=%d error=%r retry_in=%.1fs",
            method,
            attempt,
            error.message,
            pause,
        )
        await asyncio.sleep(pause)
        wait = min(wait * 2, MAX_WAIT)
