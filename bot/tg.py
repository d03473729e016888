"""Small Telegram helpers shared by handlers and scheduled jobs."""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram.error import RetryAfter


def retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that retry_after will become a timedelta
        warnings.simplefilter("ignore")
        delay = exc.retry_after
    return delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
