"""Logging: one line per event, and no secret (the bot token, the webhook secret) written anywhere.

Redaction is done on the formatted record, so it covers the message, its arguments, the
exception's message and every line of an attached traceback (PTB puts the token in request
URLs and in ``InvalidToken``'s message; aiohttp in its errors' URLs). Exceptions nobody caught,
in the main thread or another, are logged through the same handler instead of printed raw.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterable
from types import TracebackType
from urllib.parse import quote

REDACTED = "<token>"


def secret_forms(secrets: Iterable[str | None]) -> list[str]:
    """Each secret as it may appear in output: whole, URL-quoted, and a token's secret half."""
    forms: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        forms |= {secret, quote(secret, safe="")}
        _, _, half = secret.partition(":")
        if len(half) >= 8:  # a bot token is <bot id>:<secret>; the id alone is public
            forms.add(half)
    return sorted(forms, key=len, reverse=True)


def redact(text: str, forms: Iterable[str]) -> str:
    for form in forms:
        text = text.replace(form, REDACTED)
    return text


class RedactingFormatter(logging.Formatter):
    def __init__(self, fmt: str, secrets: Iterable[str | None] = ()) -> None:
        super().__init__(fmt)
        self.forms = secret_forms(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.forms)


def setup_logging(level: str = "INFO", *secrets: str | None) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s", secrets)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and Telegram URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # PTB logs whole updates (what managers typed) at DEBUG, aiosqlite every statement with its
    # parameters (answers, names): never below INFO for them.
    for name in ("telegram", "apscheduler", "aiosqlite"):
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread


def _log_uncaught(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    logging.getLogger("bot").critical("event=uncaught error=%r", exc, exc_info=(kind, exc, tb))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        _log_uncaught(args.exc_type, args.exc_value, args.exc_traceback)
