"""Logging: one line per event, and no secret (the bot token, the webhook secret) written anywhere.

Redaction is done on the formatted record, so it covers the message, its arguments, the
exception's message and every line of an attached traceback (PTB puts the token in request
URLs and in ``InvalidToken``'s message; aiohttp in its errors' URLs). Exceptions nobody caught,
in the main thread or another, are logged through the same handler instead of printed raw.

Every ``ssme`` command, not only ``run``, writes through :func:`redacted_output`: standard
output and standard error are redacted as written (what a command prints, its one-line errors,
log records without a handler of their own, warnings, a thread's traceback), and an error
nobody expected is one redacted traceback and exit status 1.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO
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


SECRET_VARIABLES = ("SSME_TELEGRAM_TOKEN", "SSME_WEBHOOK_SECRET")


def known_secrets() -> list[str]:
    """The token and the webhook secret as the settings have them; when the settings do not
    load, as the environment or ``.env`` has them (the error may still name other values)."""
    from config import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError:
        return _raw_secrets()
    token = settings.telegram_token.get_secret_value() if settings.telegram_token else None
    found = [token, token.strip() if token else None, settings.webhook_secret_value]
    return [s for s in [*found, *_raw_secrets()] if s]


def _raw_secrets() -> list[str]:
    values = [os.environ.get(name) for name in SECRET_VARIABLES]
    try:
        lines = Path(".env").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    for line in lines:
        name, sep, value = line.strip().removeprefix("export ").partition("=")
        if sep and name.strip() in SECRET_VARIABLES:
            values.append(value.strip().strip("'\""))
    return [v for v in (*values, *(v.strip() for v in values if v)) if v]


class RedactingStream:
    """A text stream that writes through another, with every secret form replaced."""

    def __init__(self, stream: TextIO, forms: list[str]) -> None:
        self.stream = stream
        self.forms = forms

    def write(self, text: str) -> int:
        self.stream.write(redact(text, self.forms))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


@contextmanager
def redacted_output() -> Iterator[None]:
    """Run a command with its standard output and error redacted (see the module docstring)."""
    forms = secret_forms(known_secrets())
    out, err = sys.stdout, sys.stderr
    sys.stdout = RedactingStream(out, forms)
    sys.stderr = RedactingStream(err, forms)
    try:
        yield
    except BrokenPipeError:  # the reader went away (``ssme review list | head``): not an error
        with suppress(OSError, ValueError):  # nothing more reaches it, the final flush included
            os.dup2(os.open(os.devnull, os.O_WRONLY), out.fileno())
        raise SystemExit(1) from None
    except Exception as exc:  # a bug or a failure nobody handled: its traceback, redacted
        logging.getLogger("bot").critical("event=uncaught error=%r", exc, exc_info=True)
        raise SystemExit(1) from None
    finally:
        for stream in (sys.stdout, sys.stderr):
            with suppress(OSError, ValueError):
                stream.flush()
        sys.stdout, sys.stderr = out, err


def redacted(command: Callable[..., int]) -> Callable[..., int]:
    """``command`` (the ``ssme`` entry point) run under :func:`redacted_output`."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> int:
        with redacted_output():
            return command(*args, **kwargs)

    return run
