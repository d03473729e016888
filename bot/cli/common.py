"""What every ``ssme`` command shares: its refusal, the settings, the database for one task."""

from __future__ import annotations

import asyncio
import gc
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bot.questionnaire.loader import load_questionnaire
from bot.texts import cli as texts
from config import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from bot.questionnaire.model import Questionnaire
    from bot.storage import Storage

EXIT_BAD_INPUT = 2

_T = TypeVar("_T")


class CliError(Exception):
    """A user error: printed as one clear line, exit status 2."""


def settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise CliError(str(exc)) from None


def questionnaire(current: Settings) -> Questionnaire:
    return load_questionnaire(current.questionnaire_path)


def on_storage(current: Settings, work: Callable[[Storage], Awaitable[_T]]) -> _T:
    """Run one task on the database (opened for it, then closed) and return what it returns."""
    from bot.storage import Storage

    # An admin command is a short batch run that builds tens of thousands of long-lived objects
    # (a campaign's responses); the cyclic collector's passes over them free nothing and took
    # ~0.1 s of a 1 s summary (bench/bench_summary.py), so it runs less often (as mypy does).
    gc.set_threshold(10_000, 10, 10)

    async def run() -> _T:
        storage = await Storage.open(current.db_path)
        try:
            return await work(storage)
        finally:
            await storage.close()

    return asyncio.run(run())


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CliError(texts.CANNOT_READ.format(path=path, error=os_error(exc))) from None


def os_error(exc: OSError) -> str:
    """What the system said, in Spanish where it is a common case."""
    return texts.OS_ERRORS.get(exc.errno or 0, exc.strerror or str(exc))


def write_bytes(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise CliError(texts.CANNOT_WRITE.format(path=path, error=os_error(exc))) from None


def plain(html: str) -> str:
    """Telegram's HTML as terminal text."""
    return unescape(re.sub(r"<[^>]+>", "", html))


def local(moment: datetime, current: Settings) -> str:
    return moment.astimezone(current.tz).strftime("%Y-%m-%d %H:%M")
