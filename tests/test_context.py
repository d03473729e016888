"""The Application's typed context (bot/handlers/context.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.handlers.context import BotData
from config import Settings


def test_parts_set_up_in_post_init_cannot_be_reached_before() -> None:
    data = BotData()
    for name in ("settings", "storage", "survey"):
        with pytest.raises(RuntimeError, match=f"bot_data.{name} .*not started"):
            getattr(data, name)


def test_settings_and_the_clock_are_reached_by_attribute() -> None:
    data = BotData()
    settings = Settings(telegram_token="1:x")
    data.settings = settings
    assert data.settings is settings
    moment = datetime(2026, 3, 1, tzinfo=UTC)
    data.clock = lambda: moment
    assert data.now() == moment


def test_detach_hands_back_what_to_close_and_keeps_nothing() -> None:
    data = BotData()
    assert data.detach() == (None, None)
    with pytest.raises(RuntimeError):
        _ = data.storage
