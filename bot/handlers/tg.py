"""Small Telegram helpers shared by handlers and scheduled jobs."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter


def retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that retry_after will become a timedelta
        warnings.simplefilter("ignore")
        delay = exc.retry_after
    return delay.total_seconds() if isinstance(delay, timedelta) else float(delay)


# A request marked with this is paced like any other but never retried inside PTB: its sender
# handles 429 itself (the reminders release their claim before waiting). PTB drops a falsy
# rate_limit_args, so "0 retries" cannot be said with 0.
NO_RETRY = -1


class RateLimiter(AIORateLimiter):
    """PTB's limiter (Telegram's ~30 messages/s overall, 20/min per group), plus NO_RETRY."""

    async def process_request(  # type: ignore[override]
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        if rate_limit_args != NO_RETRY:
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        return await self._run_request(
            chat=data.get("chat_id") is not None,
            group=False,
            allow_paid_broadcast=False,
            callback=callback,
            args=args,
            kwargs=kwargs,
        )


class Pacer:
    """Evenly spaced starts at a fixed schedule (a late tick does not push the rest back)."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1 / per_second
        self.next_at: float | None = None

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self.next_at is None or self.next_at < now - self.interval:
            self.next_at = now  # idle or far behind: start afresh, no burst to catch up
        delay = self.next_at - now
        self.next_at += self.interval
        if delay > 0:
            await asyncio.sleep(delay)
