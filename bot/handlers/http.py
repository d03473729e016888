"""The bot's HTTP client for the Bot API: python-telegram-bot's request interface on aiohttp.

PTB's default, ``HTTPXRequest``, spends most of the bot's CPU under load: profiling the
throughput benchmark (``bench/bench_bot.py``) put ~75% of the event loop's time in
httpx/httpcore/h11/anyio, including a scan of every pooled connection on every request. aiohttp
parses HTTP in C and keeps a lean pool; see ``docs/BENCHMARKS.md`` for the figures.

Errors map as PTB's own client maps them, so the rest of the bot (retries, the rate limiter,
the reminders' at-most-once bookkeeping) sees the same exceptions: a time-out is
:class:`telegram.error.TimedOut`, any other transport failure :class:`telegram.error.NetworkError`.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

import aiohttp

# PTB's own request classes type and test their time-outs with these two (not re-exported).
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

if TYPE_CHECKING:
    from telegram._utils.types import ODVInput

_FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# The methods the bot calls for every answer, whose result (the message sent or edited) it reads
# only for its ids, and the parts of that message it never reads: PTB would build objects for
# each of them (the echoed keyboard, its buttons, the text's entities) on every call, ~6% of the
# bot's CPU under load (docs/BENCHMARKS.md). They are dropped before PTB parses the result.
_LEAN_RESULTS = ("/sendMessage", "/editMessageText", "/editMessageReplyMarkup")
_UNREAD = ("reply_markup", "entities", "link_preview_options")


class _Parsed(bytes):
    """A 200 answer's body with its JSON already parsed (and trimmed): PTB's parse of the
    payload (:meth:`AiohttpRequest.parse_json_payload`) takes ``parsed`` instead."""

    parsed: Any


def _lean(body: bytes) -> bytes:
    try:
        data = json.loads(body)
        result = data.get("result")
    except (ValueError, AttributeError):
        return body  # PTB reports what is wrong with it
    if isinstance(result, dict):
        for key in _UNREAD:
            result.pop(key, None)
    lean = _Parsed(body)
    lean.parsed = data
    return lean


@functools.lru_cache(maxsize=64)
def _timeout(
    read: float | None, connect: float | None, pool: float | None
) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(
        total=None,
        # aiohttp's "connect" covers waiting for a pooled connection and opening one.
        connect=None if pool is None or connect is None else pool + connect,
        sock_connect=connect,
        sock_read=read,
    )


def _given(timeout: ODVInput[float], default: float | None) -> float | None:
    """The time-out PTB passed, or ours when it passed a ``DefaultValue`` (the caller gave none)."""
    return default if isinstance(timeout, DefaultValue) else timeout


class AiohttpRequest(BaseRequest):
    """A :class:`telegram.request.BaseRequest` backed by one :class:`aiohttp.ClientSession`.

    Timeouts mean what they mean for PTB's ``HTTPXRequest``: ``connect_timeout`` to open a
    connection, ``read_timeout`` between bytes of the answer, ``pool_timeout`` to wait for a free
    pooled connection. aiohttp has no write timeout; a stalled upload ends at the read timeout
    of its answer instead.
    """

    __slots__ = (
        "_connect_timeout",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "busy",
        "pause",
    )

    def __init__(
        self,
        connection_pool_size: int = 16,
        *,
        read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        pause: float = 0.0,
        busy: Callable[[], bool] | None = None,
    ) -> None:
        self._pool_size = connection_pool_size
        # While ``busy()`` is true every request first waits ``pause`` s (see PollingRequest).
        self.pause = pause
        self.busy = busy
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    @staticmethod
    def parse_json_payload(payload: bytes) -> Any:
        parsed = getattr(payload, "parsed", None)
        if parsed is not None:
            return parsed
        return BaseRequest.parse_json_payload(payload)

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        if self.busy is not None and self.busy():
            await asyncio.sleep(self.pause)
        timeout = _timeout(
            _given(read_timeout, self._read_timeout),
            _given(connect_timeout, self._connect_timeout),
            _given(pool_timeout, self._pool_timeout),
        )
        data: aiohttp.FormData | bytes | None = None
        headers = None
        if request_data is not None:
            files = request_data.multipart_data
            if files:
                form = aiohttp.FormData()
                for name, value in request_data.json_parameters.items():
                    form.add_field(name, value)
                for name, (filename, content, mime) in files.items():
                    form.add_field(name, content, filename=filename, content_type=mime)
                data = form
            else:
                # Encoded here rather than by aiohttp's FormData: ~15% less CPU per request.
                data = request_data.url_encoded_parameters().encode()
                headers = _FORM
        try:
            async with self._session.request(
                method, url, data=data, headers=headers, timeout=timeout
            ) as res:
                body = await res.read()
                if res.status == 200 and url.endswith(_LEAN_RESULTS):
                    return res.status, _lean(body)
                return res.status, body
        except TimeoutError as exc:  # aiohttp's time-outs are TimeoutErrors
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{exc.__class__.__name__}: {exc}") from exc


class PollingRequest(AiohttpRequest):
    """The request object for ``getUpdates`` only: it batches updates when the bot is busy.

    Telegram answers a long poll as soon as one update is waiting, so a bot that polls again at
    once gets about one update per ``getUpdates`` (1.2 on average in the throughput benchmark,
    a third of all its requests). When ``busy()`` says the bot already has work in hand, the next
    poll waits ``pause`` seconds first and collects what arrived meanwhile; an idle bot polls at
    once, so a lone manager's answer is never delayed.
    """

    __slots__ = ("keep",)

    def __init__(self, *, pause: float = 0.01, busy: Callable[[], bool] | None = None) -> None:
        super().__init__(1, pause=pause, busy=busy)
        # Where fetched updates are kept (the inbox, ``Storage.keep_updates``) before PTB sees
        # them: the next getUpdates confirms them to Telegram, which never sends them again.
        self.keep: Callable[[Sequence[tuple[int, str]]], Awaitable[None]] | None = None

    async def do_request(  # PTB passes the rest by keyword
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        status, body = await super().do_request(url, method, *args, **kwargs)
        if self.keep is not None and status == 200 and url.endswith("/getUpdates"):
            try:
                data = json.loads(body)
                updates = data.get("result") or []
                ids = [u["update_id"] for u in updates]
            except (ValueError, AttributeError, TypeError, KeyError):
                return status, body  # PTB reports what is wrong with it
            if updates:
                # Stored before PTB sees them; if this fails, PTB asks for them again.
                await self.keep(
                    [
                        (i, json.dumps(u, ensure_ascii=False))
                        for i, u in zip(ids, updates, strict=True)
                    ]
                )
            page = _Parsed(body)
            page.parsed = data  # parsed once, here, not again by PTB
            return status, page
        return status, body
