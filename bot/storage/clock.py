"""Time as storage keeps it: the clock it asks, and the text it writes.

Every timestamp is stored as ISO 8601 text in UTC to the second (``2024-05-01T12:00:00+00:00``),
so text order is time order and SQLite compares them as strings. ``Storage.open(path,
clock=...)`` takes the clock that every timestamp storage writes comes from; a method given a
time by its caller (``now=``) uses that one instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def ts(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_ts(text: str) -> datetime:
    """A NOT NULL timestamp column."""
    return datetime.fromisoformat(text)


def parse_optional_ts(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
