"""The webhook's guard: a stranger's POST is refused from its headers, and no body is logged.

PTB's ``run_webhook`` serves ``/telegram`` with tornado (``telegram/ext/_utils/webhookhandler.py``):
its ``WebhookServer`` builds a plain ``tornado.httpserver.HTTPServer`` for ``WebhookAppClass``,
whose handler checks the secret header only once tornado has read the whole body into memory
(tornado's default limit is 100 MB a request), and logs a body it cannot turn into an update, in
full, at CRITICAL. Neither the server nor the handler can be passed in through PTB's public API.

Two hooks, both public APIs, keep ``run_webhook`` (its set-up, retries and signal handling) as
it is:

- **the size, from the headers**: ``HTTPServer`` is a tornado ``Configurable``, and
  ``HTTPServer.configure(None, max_body_size=…, body_timeout=…)`` sets the defaults of every
  server built afterwards (the bot builds one: PTB's). With ``max_body_size`` tornado compares
  ``Content-Length`` with the limit right after the headers and answers ``400`` and closes the
  connection before reading a byte of the body, so before the secret check; a chunked body is
  cut off as soon as it passes the limit, so at most ``MAX_BODY_BYTES`` are ever held. Telegram's
  updates are a few kilobytes: 1 MiB is far above any of them. ``body_timeout`` drops a client
  that sends its body too slowly. Rejected: re-implementing ``run_webhook`` around our own
  server (``updater(None)``) would copy PTB's start-up, retries and shutdown; patching PTB's
  private ``_start_webhook`` would break silently on an upgrade.
- **the log**: a filter on PTB's ``telegram.ext.Updater`` logger turns the record of an
  undecodable update into one short line (``event=webhook_bad_update``, the error's type, no
  data, no traceback) and drops the DEBUG records that carry the body.

**When Telegram is answered 200** (the crash guarantees of polling, issue 17): Telegram forgets
an update once its POST is answered 200 and re-delivers one that is not. PTB's handler answers
200 as soon as ``update_queue.put`` returns, long before the update is handled, so a kill in
between lost it. The Application's queue is a :class:`KeptUpdates`, whose ``put`` first keeps
the update in the inbox (committed, fsync'd: ``Storage.keep_updates``), as polling does before
its next ``getUpdates``; the next start replays what was kept and not replied to, and a
re-delivery is told from a new update as for polling. Answering only once the update is
*handled* was rejected: a slow reply (a chart, Telegram's own delays) would hold Telegram's
connection and make it deliver again; a failed keep answers 500, so Telegram does.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import Update
from tornado.httpserver import HTTPServer

MAX_BODY_BYTES = 1 << 20  # 1 MiB
BODY_TIMEOUT_S = 20.0
PTB_LOGGER = "telegram.ext.Updater"
# The messages of PTB 22's webhook handler (pinned in constraints.txt; tests/test_webhook.py).
_BAD_UPDATE = "Something went wrong processing the data received from Telegram"
_RECEIVED = "Webhook received data"
_HANDLER_EXCEPTION = "Exception in TelegramHandler"
_WRONG_SECRET = "Request had the wrong secret token"


class ShortWebhookRecords(logging.Filter):
    """PTB's webhook records without the body: one short line, or nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = str(record.msg)
        if msg.startswith(_RECEIVED):
            return False  # the whole body, at DEBUG
        if msg.startswith(_WRONG_SECRET):  # what a stranger sent as the secret
            record.msg, record.args = "event=webhook_wrong_secret", ()
            return True
        args = record.args if isinstance(record.args, tuple) else ()
        if msg.startswith(_BAD_UPDATE):
            self._shorten(record, "event=webhook_bad_update error=%s")
            if record.levelno > logging.WARNING:
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        elif _HANDLER_EXCEPTION in args:  # a refused or unreadable request, at DEBUG
            self._shorten(record, "event=webhook_refused error=%s")
        return True

    @staticmethod
    def _shorten(record: logging.LogRecord, msg: str) -> None:
        error = record.exc_info[1] if record.exc_info else None
        record.msg = msg
        record.args = (type(error).__name__ if error is not None else "unknown",)
        record.exc_info, record.exc_text = None, None


_FILTER = ShortWebhookRecords()


def guard_webhook() -> None:
    """Set the limits of the webhook's HTTP server and shorten PTB's webhook log records.

    Call before ``run_webhook`` builds its server; calling it again changes nothing.
    """
    HTTPServer.configure(None, max_body_size=MAX_BODY_BYTES, body_timeout=BODY_TIMEOUT_S)
    logging.getLogger(PTB_LOGGER).addFilter(_FILTER)


class KeptUpdates(asyncio.Queue[object]):
    """The Application's update queue: in webhook mode an update is kept in the inbox before
    it is queued, so before PTB's webhook answers Telegram 200 (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__()
        # Set by post_init in webhook mode, once the inbox has been replayed.
        self.keep: Callable[[Sequence[tuple[int, str]]], Awaitable[None]] | None = None

    async def put(self, item: object) -> None:
        if self.keep is not None and isinstance(item, Update):
            await self.keep([(item.update_id, json.dumps(item.to_dict(), ensure_ascii=False))])
        await super().put(item)
