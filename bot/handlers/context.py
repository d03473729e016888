"""The Application's typed context: what handlers and jobs reach, by attribute, never by key.

``app.py`` passes ``CONTEXT_TYPES`` to the builder, so ``context.bot_data`` (and
``app.bot_data``) is a :class:`BotData`. The settings are there from the start; storage, the
chart renderer and the survey from ``post_init`` on, and reaching them before is a bug that
says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.conversation.survey import Survey
from bot.handlers.http import PollingRequest
from bot.handlers.webhook import KeptUpdates
from bot.storage import Storage, utcnow
from charts import Renderer
from config import Settings

Clock = Callable[[], datetime]
_T = TypeVar("_T")


class BotData:
    """What the bot holds while it runs (one per Application)."""

    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._storage: Storage | None = None
        self._survey: Survey | None = None
        self.renderer: Renderer | None = None
        # The bot's notion of now: the tests move it forward to make reminders fall due.
        self.clock: Clock = utcnow
        # Held by a reminder run (the scheduled one or an admin's button): never two at once.
        self.reminder_lock = asyncio.Lock()
        # The getUpdates request (polling) or the update queue (webhook): post_init connects
        # the one in use to the inbox.
        self.polling: PollingRequest | None = None
        self.webhook: KeptUpdates | None = None
        # post_init while it runs (a stop signal may interrupt it: post_shutdown ends it).
        self.starting: asyncio.Task[Any] | None = None
        self.warming: asyncio.Future[Any] | None = None  # the chart pool's warm-up

    @property
    def settings(self) -> Settings:
        return _required(self._settings, "settings")

    @settings.setter
    def settings(self, value: Settings) -> None:
        self._settings = value

    @property
    def storage(self) -> Storage:
        return _required(self._storage, "storage")

    @storage.setter
    def storage(self, value: Storage | None) -> None:
        self._storage = value

    @property
    def survey(self) -> Survey:
        return _required(self._survey, "survey")

    @survey.setter
    def survey(self, value: Survey | None) -> None:
        self._survey = value

    def now(self) -> datetime:
        return self.clock()

    def detach(self) -> tuple[Renderer | None, Storage | None]:
        """At shutdown: hand back the renderer and the storage to close, holding neither."""
        renderer, storage = self.renderer, self._storage
        self.renderer, self._storage, self._survey = None, None, None
        return renderer, storage


def _required(value: _T | None, name: str) -> _T:
    if value is None:
        raise RuntimeError(f"bot_data.{name} is set up in post_init: not started yet")
    return value


Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
# The bot's and the job queue's type parameters are whatever PTB's builder infers.
SsmeApplication = Application[Any, Context, dict[Any, Any], dict[Any, Any], BotData, Any]
CONTEXT_TYPES = ContextTypes(bot_data=BotData)
