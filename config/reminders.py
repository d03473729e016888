"""The reminder policy's settings: the rules as data, read from ``SSME_REMINDERS__*`` (see
``bot/reminders/policy.py`` for what each rule means and how it is applied).

The model lives in ``config`` because the settings hold one, and ``config`` imports nothing from
``bot``; the policy imports it from here.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator


def known_timezone(value: str, prefix: str = "") -> str:
    """``value`` if it names a timezone, else a ValueError that gives an example."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"{prefix}zona horaria desconocida {value!r} (por ejemplo America/Bogota)"
        ) from exc
    return value


_SPAN = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")
_SPANS = (
    "min_gap",
    "first_after",
    "draft_idle",
    "last_call_min_gap",
    "last_call_idle",
    "close_margin",
)


class ReminderPolicy(BaseModel):
    """Reminder rules as data (settings or a campaign), with the issue's defaults.

    Durations accept a ``timedelta``, seconds, ISO 8601 (``P3D``), ``"3 days"`` or the short
    forms ``"3d"``, ``"12h"``, ``"1d12h"``, ``"30m"``; hours accept ``"08:00"``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_per_campaign: int = Field(default=3, ge=0, le=50)
    min_gap: timedelta = timedelta(days=3)
    # No invitation before the manager had time to start on their own.
    first_after: timedelta = timedelta(days=2)
    # A draft untouched this long gets "continue where you left off".
    draft_idle: timedelta = timedelta(days=2)
    # Last call from 00:00 of the day this many days before the deadline day (0: that day only).
    last_call_days: int = Field(default=3, ge=0, le=60)
    # The last call may come sooner after the previous reminder (never later: the gap used is
    # the shorter of this and min_gap).
    last_call_min_gap: timedelta = timedelta(days=1)
    last_call_idle: timedelta = timedelta(days=1)
    # Reminders of an analyst's request for a correction left unanswered, in a campaign (their
    # own cap: the reminders to fill in do not use it up).
    follow_up_max: int = Field(default=2, ge=0, le=50)
    # Keep the last invitation/continue slot for the last call.
    reserve_last_call: bool = True
    # Too late to be useful: no reminder in the last hour before the close.
    close_margin: timedelta = timedelta(hours=1)
    window_start: time = time(8, 0)
    window_end: time = time(18, 0)
    weekdays_only: bool = True
    skip_holidays: bool = True
    timezone: str = "America/Bogota"

    @field_validator(*_SPANS, mode="before")
    @classmethod
    def _short_span(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip().lower().replace(" ", "")
            match = _SPAN.match(text)
            if text and match:
                d, h, m = (int(g) if g else 0 for g in match.groups())
                return timedelta(days=d, hours=h, minutes=m)
        return value

    @field_validator("min_gap", "draft_idle", "last_call_min_gap")
    @classmethod
    def _positive(cls, value: timedelta, info: ValidationInfo) -> timedelta:
        if value <= timedelta(0):
            raise ValueError(f"{info.field_name} debe ser mayor que cero, por ejemplo '3d' o '12h'")
        return value

    @field_validator("first_after", "last_call_idle", "close_margin")
    @classmethod
    def _not_negative(cls, value: timedelta, info: ValidationInfo) -> timedelta:
        if value < timedelta(0):
            raise ValueError(f"{info.field_name} no puede ser negativo, por ejemplo '0m' o '2d'")
        return value

    @field_validator("window_start", "window_end")
    @classmethod
    def _local_hour(cls, value: time, info: ValidationInfo) -> time:
        if value.tzinfo is not None:
            raise ValueError(
                f"{info.field_name} es una hora local sin zona horaria, por ejemplo '08:00' "
                "(la zona es la de la política)"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return known_timezone(value, "timezone: ")

    @model_validator(mode="after")
    def _coherent(self) -> ReminderPolicy:
        if self.window_start >= self.window_end:
            raise ValueError(
                f"window_start ({self.window_start:%H:%M}) debe ser anterior a window_end "
                f"({self.window_end:%H:%M}); no se admite una franja que cruce la medianoche"
            )
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
