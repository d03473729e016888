"""A local, in-memory fake of the Telegram Bot API for tests, benchmarks and the offline demo.

The real :class:`telegram.ext.Application` runs unchanged against it: the server speaks HTTP on
127.0.0.1 only, answers like Telegram (same JSON envelope, same HTTP status codes, same error
descriptions for the cases the bot cares about) and keeps everything in memory.

Pointing a bot at it
--------------------
PTB builds the request URL as ``base_url + token + "/" + method`` (a plain string gets the token
appended, no slash added), so ``base_url`` must end with ``/bot``::

    with BotApiServer() as server:                      # thread + event loop of its own
        app = (
            ApplicationBuilder()
            .token(server.token)
            .base_url(f"{server.base_url}/bot")
            .base_file_url(f"{server.base_url}/file/bot")
            .build()
        )

Leave ``local_mode`` off: uploads stay real multipart uploads and ``getFile`` paths are
downloaded over HTTP from ``/file/bot<token>/<file_path>``.

Driving a conversation (race-free)
----------------------------------
Every send, edit and delete the bot performs is an *event* with a global, increasing ``seq``.
A *cursor* is just a ``seq``: take it **before** acting, then wait for the first event after it.
Because the cursor is taken first, a reply that arrives before the wait starts is never missed::

    chat = server.chat(1001, first_name="Ana")          # remembers its own cursor
    chat.send("/start TOKEN123")
    ev = await chat.next_async()                         # first bot send/edit after the cursor
    assert "Bienvenida" in ev.text
    chat.press("Sí")                                     # newest message with that button
    ev = await chat.next_async(lambda e: "Pregunta 2" in (e.text or ""))

The same without the helper: ``c = server.cursor()``, ``server.send_text(uid, "hola")``,
``ev = await server.wait_new_async(uid, c)``, then ``c = ev.seq`` for the next step.
A :class:`BotEvent` carries the text/markup *as of that event*; ``ev.message`` is the live
:class:`SentMessage`, which always shows the current state (after later edits).

Other waits: :meth:`BotApiServer.wait_for` (any message matching a predicate, newest first),
:meth:`BotApiServer.wait_for_call` (a logged API request). Each has an ``_async`` twin that
waits without blocking the caller's event loop; the blocking forms are for threads.

Control side
------------
Thread-safe methods callable from any thread or event loop: inject user input
(:meth:`~BotApiServer.send_text`, :meth:`~BotApiServer.press_button`,
:meth:`~BotApiServer.press_button_text`, :meth:`~BotApiServer.send_document`, stickers, photos,
voice, locations, raw updates, :meth:`~BotApiServer.redeliver`), read what the bot did
(:meth:`~BotApiServer.sent`, :meth:`~BotApiServer.calls`, :meth:`~BotApiServer.callback_answers`,
:meth:`~BotApiServer.chat_actions`, :meth:`~BotApiServer.stats`) and inject faults
(:meth:`~BotApiServer.inject_fault` with ``"429"``, ``"5xx"``, ``"delay"``, ``"403"``,
``"drop"``; :meth:`~BotApiServer.block_user`; optional global / per-chat rate limits).

Out of process, the same essentials are exposed over HTTP under ``/_control/``:
``POST text {user_id, text[, first_name]}``, ``POST press {user_id, message_id, data}`` (or
``{user_id, label}``), ``POST document {user_id, filename, content_b64[, caption, mime_type]}``,
``POST update {...raw update...}``, ``GET sent?chat_id=&since=&timeout=`` (messages touched after
event ``since``, current state, media as sizes; ``timeout`` long-polls), ``POST fault {kind, ...}``,
``POST clear_faults``, ``POST block {chat_id, blocked}``, ``GET stats``.

CLI: ``python -m local_botapi.server --port 8081`` runs it in the foreground.

Known simplifications: only ``parse_mode="HTML"`` is parsed into entities (Markdown text is kept
verbatim); any positive chat id is a reachable private chat (use :meth:`block_user` for 403s);
``allowed_updates`` is ignored; inline mode, groups' admin methods and media groups are absent.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import bisect
import contextlib
import ipaddress
import itertools
import json
import logging
import mimetypes
import socket
import struct
import threading
import time
import zlib
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http import HTTPStatus
from typing import Any, Literal, TypeVar
from urllib.parse import unquote

import httpx
from tornado import httputil
from tornado.http1connection import HTTP1Connection
from tornado.httpserver import HTTPServer
from tornado.iostream import IOStream, StreamClosedError
from tornado.netutil import bind_sockets

__all__ = [
    "BotApiServer",
    "BotEvent",
    "CallRecord",
    "CallbackAnswer",
    "ChatSession",
    "EditRecord",
    "FaultKind",
    "SentMessage",
    "main",
]

_LOG = logging.getLogger(__name__)

FaultKind = Literal["429", "5xx", "delay", "403", "drop"]
EventKind = Literal["send", "edit", "delete"]
_T = TypeVar("_T")

# Waiter keys besides chat ids.
_ANY_CHAT = "*any-chat*"
_CALLS = "*calls*"

_SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})
_EDIT_METHODS = frozenset({"editMessageText", "editMessageCaption", "editMessageReplyMarkup"})
_RATE_LIMITED_METHODS = _SEND_METHODS | _EDIT_METHODS
_BLOCKABLE_METHODS = _RATE_LIMITED_METHODS | {"sendChatAction"}

_MAX_TEXT = 4096
_MAX_CAPTION = 1024
_MAX_CALLBACK_DATA = 64

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_BAD_QUERY = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

# Form/multipart values arrive as strings; PTB JSON-encodes every non-string parameter. These
# names are genuine strings and must not be JSON-decoded (a text "123" must stay "123").
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "url",
        "secret_token",
        "callback_query_id",
        "file_id",
        "action",
        "language_code",
        "inline_message_id",
        "photo",
        "document",
        "thumbnail",
        "ip_address",
        "description",
        "short_description",
        "name",
        "business_connection_id",
        "message_effect_id",
        "emoji",
    }
)


# --------------------------------------------------------------------------------------------
# Public records
# --------------------------------------------------------------------------------------------


@dataclass(eq=False)
class EditRecord:
    """One successful edit of a bot message (values after the edit)."""

    method: str
    time: float
    text: str | None
    caption: str | None
    reply_markup: dict[str, Any] | None


@dataclass(eq=False)
class SentMessage:
    """A message the bot sent, reflecting its *current* state (edits applied, deleted flag).

    ``text``/``caption`` are what the user sees (HTML tags parsed into ``entities``);
    ``source`` is the text or caption exactly as the bot sent it.
    """

    message_id: int
    chat_id: int
    method: str
    text: str | None = None
    caption: str | None = None
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    photo: bytes | None = field(default=None, repr=False)
    document: bytes | None = field(default=None, repr=False)
    filename: str | None = None
    edits: list[EditRecord] = field(default_factory=list, repr=False)
    deleted: bool = False
    date: float = 0.0
    entities: list[dict[str, Any]] = field(default_factory=list, repr=False)
    source: str | None = field(default=None, repr=False)
    file_id: str | None = None
    file_size: int | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    edit_date: float | None = None
    last_seq: int = 0
    params: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def content(self) -> str:
        """Text or caption, whichever the message has ("" if neither)."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def buttons(self) -> list[str]:
        """Labels of the keyboard attached to the message (inline or reply keyboard)."""
        return _button_labels(self.reply_markup)

    def button_data(self, label: str) -> str | None:
        """The callback_data of the inline button with exactly this label, if any."""
        for button in _inline_buttons(self.reply_markup):
            if button.get("text") == label:
                return button.get("callback_data")
        return None

    def to_json(self) -> dict[str, Any]:
        """JSON-friendly view: media as sizes, not bytes."""
        return {
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "method": self.method,
            "text": self.text,
            "caption": self.caption,
            "parse_mode": self.parse_mode,
            "reply_markup": self.reply_markup,
            "photo_size": self.file_size if self.method == "sendPhoto" else None,
            "document_size": self.file_size if self.method == "sendDocument" else None,
            "filename": self.filename,
            "width": self.width,
            "height": self.height,
            "file_id": self.file_id,
            "deleted": self.deleted,
            "date": self.date,
            "edit_date": self.edit_date,
            "edits": [
                {"method": e.method, "time": e.time, "text": e.text, "caption": e.caption}
                for e in self.edits
            ],
            "seq": self.last_seq,
        }


@dataclass(eq=False)
class BotEvent:
    """Something the bot did to a message: ``kind`` is "send", "edit" or "delete".

    ``text``, ``caption`` and ``reply_markup`` are snapshots taken at the event; ``message``
    is the live record. ``seq`` doubles as the cursor for the next wait.
    """

    seq: int
    kind: EventKind
    chat_id: int
    message_id: int
    method: str
    text: str | None
    caption: str | None
    reply_markup: dict[str, Any] | None
    time: float
    message: SentMessage = field(repr=False)

    @property
    def content(self) -> str:
        return self.text if self.text is not None else (self.caption or "")

    @property
    def buttons(self) -> list[str]:
        return _button_labels(self.reply_markup)


@dataclass(eq=False)
class CallRecord:
    """One Bot API request as received (file bytes replaced by their size) and its outcome."""

    index: int
    method: str
    params: dict[str, Any]
    status: int  # 0 when the "drop" fault closed the connection without an answer
    time: float
    duration: float
    chat_id: int | None = None
    fault: str | None = None


@dataclass(eq=False)
class CallbackAnswer:
    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    chat_id: int | None
    message_id: int | None
    data: str | None
    time: float


# --------------------------------------------------------------------------------------------
# Internal state
# --------------------------------------------------------------------------------------------


class _ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass(eq=False)
class _Fault:
    kind: FaultKind
    method: str | None  # lower-cased
    chat_id: int | None
    remaining: int
    retry_after: int
    delay: float
    status: int


@dataclass(eq=False)
class _StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    size: int
    file_path: str
    mime_type: str | None
    filename: str | None
    width: int | None = None
    height: int | None = None


@dataclass(eq=False)
class _ChatState:
    chat_id: int
    first_name: str
    next_message_id: int = 1
    bot_messages: dict[int, SentMessage] = field(default_factory=dict)
    bot_order: list[SentMessage] = field(default_factory=list)
    user_messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    events: list[BotEvent] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    send_times: deque[float] = field(default_factory=deque)


@dataclass(eq=False, slots=True)
class _PendingUpdate:
    order: int
    update_id: int
    update: dict[str, Any]
    delivered: bool = False


@dataclass(eq=False, slots=True)
class _CallbackState:
    chat_id: int
    message_id: int
    data: str | None
    answered: bool = False


@dataclass(eq=False, slots=True)
class _Waiter:
    loop: asyncio.AbstractEventLoop
    event: asyncio.Event
    thread_id: int


@dataclass(eq=False)
class _Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None
    ip_address: str | None
    last_error_date: int | None = None
    last_error_message: str | None = None


class _NoDelayHTTPServer(HTTPServer):
    """HTTPServer that disables Nagle on every accepted connection.

    Without TCP_NODELAY a small response can sit in the kernel waiting for the client's delayed
    ACK, costing ~40 ms per request. Tornado re-enables Nagle between responses but forces a push
    at the end of each one, so setting it on accept covers the whole connection's life.
    """

    def handle_stream(self, stream: IOStream, address: tuple[Any, ...]) -> None:
        stream.set_nodelay(True)
        super().handle_stream(stream, address)


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class BotApiServer:
    """Fake Telegram Bot API on 127.0.0.1, running in a daemon thread with its own event loop.

    Args:
        token: the only token accepted; others get 401 Unauthorized.
        host: a loopback address (the server never listens on other interfaces).
        port: 0 picks a free port (see :attr:`port` after :meth:`start`).
        bot_username: returned by ``getMe``.
        rate_limit_per_second: if set, send/edit requests beyond this many in any sliding 1 s
            window get 429 with ``retry_after=1``.
        per_chat_limit: also limit sends/edits per chat to ``per_chat_rate`` per second.
        store_media: keep uploaded photo/document bytes (off for big benchmarks; sizes are
            always recorded).
        max_call_log: how many :class:`CallRecord` to keep (oldest dropped; 0 keeps none).
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "ssme_demo_bot",
        rate_limit_per_second: float | None = None,
        per_chat_limit: bool = False,
        per_chat_rate: float = 1.0,
        bot_first_name: str = "SSME Demo",
        store_media: bool = True,
        max_call_log: int = 200_000,
    ) -> None:
        if host == "localhost":
            host = "127.0.0.1"
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"BotApiServer binds to loopback only, got host={host!r}")
        if rate_limit_per_second is not None and rate_limit_per_second <= 0:
            raise ValueError("rate_limit_per_second must be positive")
        if per_chat_rate <= 0:
            raise ValueError("per_chat_rate must be positive")
        self.token = token
        self.bot_username = bot_username
        self.rate_limit_per_second = rate_limit_per_second
        self.per_chat_limit = per_chat_limit
        self.per_chat_rate = per_chat_rate
        self.store_media = store_media
        self._host = host
        self._port = port
        head = token.split(":", 1)[0]
        self.bot_id = int(head) if head.isdigit() else 1
        self._bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

        # One re-entrant lock guards all state: API handlers run under it on the server thread,
        # control calls take it from any thread. Re-entrant so predicates may call back in.
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._waiters: dict[object, set[_Waiter]] = {}

        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._thread_id: int | None = None
        self._stop_event: asyncio.Event | None = None
        self._updates_event: asyncio.Event | None = None
        self._running = False
        self._closing = False
        self._started_once = False
        self._startup_error: BaseException | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

        self._chats: dict[int, _ChatState] = {}
        self._all_sent: list[SentMessage] = []
        self._events: list[BotEvent] = []  # events[i].seq == i + 1
        # Like Telegram's, ids keep increasing across restarts of the server: a bot that
        # remembers the ids it handled (to drop re-deliveries) must not see an old id again.
        self._next_update_id = time.time_ns() // 1_000_000
        self._order = itertools.count()
        self._pending: deque[_PendingUpdate] = deque()
        self._all_updates: dict[int, dict[str, Any]] = {}
        self._poll_generation = 0
        self._callbacks: dict[str, _CallbackState] = {}
        self._callback_counter = itertools.count(1)
        self._callback_answers: list[CallbackAnswer] = []
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._commands: dict[str, list[dict[str, Any]]] = {}
        self._calls: deque[CallRecord] = deque(maxlen=max_call_log)
        self._call_count = 0
        self._faults: list[_Fault] = []
        self._blocked: set[int] = set()
        self._global_send_times: deque[float] = deque()
        self._counters: defaultdict[str, int] = defaultdict(int)
        self._by_method: defaultdict[str, int] = defaultdict(int)
        self._by_status: defaultdict[str, int] = defaultdict(int)

        self._webhook: _Webhook | None = None
        self._webhook_tasks: list[asyncio.Task[None]] = []
        self._webhook_queues: list[asyncio.Queue[_PendingUpdate]] = []
        self._webhook_client: httpx.AsyncClient | None = None

        self._methods: dict[str, tuple[str, Callable[[dict[str, Any], dict[str, Any]], Any]]] = {}
        for name, handler in (
            ("getMe", self._api_get_me),
            ("deleteWebhook", self._api_delete_webhook),
            ("setWebhook", self._api_set_webhook),
            ("getWebhookInfo", self._api_get_webhook_info),
            ("getUpdates", self._api_get_updates_now),
            ("setMyCommands", self._api_set_my_commands),
            ("getMyCommands", self._api_get_my_commands),
            ("deleteMyCommands", self._api_delete_my_commands),
            ("sendMessage", self._api_send_message),
            ("sendPhoto", self._api_send_photo),
            ("sendDocument", self._api_send_document),
            ("editMessageText", self._api_edit_message_text),
            ("editMessageReplyMarkup", self._api_edit_message_reply_markup),
            ("editMessageCaption", self._api_edit_message_caption),
            ("deleteMessage", self._api_delete_message),
            ("answerCallbackQuery", self._api_answer_callback_query),
            ("sendChatAction", self._api_send_chat_action),
            ("getFile", self._api_get_file),
            ("getChat", self._api_get_chat),
            ("close", self._api_true),
            ("logOut", self._api_true),
            ("setMyDescription", self._api_true),
            ("setMyShortDescription", self._api_true),
            ("setMyName", self._api_true),
            ("setChatMenuButton", self._api_true),
        ):
            # Telegram method names are case-insensitive.
            self._methods[name.lower()] = (name, handler)

    # ---------------------------------------------------------------- lifecycle

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._port}"

    @property
    def api_base_url(self) -> str:
        """Value for ``ApplicationBuilder().base_url(...)``."""
        return f"{self.base_url}/bot"

    @property
    def file_base_url(self) -> str:
        """Value for ``ApplicationBuilder().base_file_url(...)``."""
        return f"{self.base_url}/file/bot"

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> BotApiServer:
        """Start listening; returns once the socket is bound (``port`` then holds the port)."""
        if self._started_once:
            raise RuntimeError("a BotApiServer can be started only once")
        self._started_once = True
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._thread_main, args=(ready,), name="BotApiServer", daemon=True
        )
        self._thread.start()
        ready.wait()
        if self._startup_error is not None:
            self._thread.join()
            raise RuntimeError("BotApiServer failed to start") from self._startup_error
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Answer pending long polls, close every connection and end the server thread."""
        thread, loop, stop_event = self._thread, self._loop, self._stop_event
        if thread is None or loop is None or stop_event is None or not thread.is_alive():
            return
        if threading.get_ident() == self._thread_id:
            raise RuntimeError("stop() cannot be called from the server's own thread")
        with contextlib.suppress(RuntimeError):  # loop already closed
            loop.call_soon_threadsafe(stop_event.set)
        thread.join(timeout)

    def __enter__(self) -> BotApiServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def __aenter__(self) -> BotApiServer:
        return await asyncio.to_thread(self.start)

    async def __aexit__(self, *exc_info: object) -> None:
        await asyncio.to_thread(self.stop)

    def _thread_main(self, ready: threading.Event) -> None:
        try:
            asyncio.run(self._serve(ready))
        except BaseException as exc:  # report start-up failures to start()
            if not ready.is_set():
                self._startup_error = exc
                ready.set()
            else:
                _LOG.exception("BotApiServer thread crashed")
        finally:
            self._running = False

    async def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        self._thread_id = threading.get_ident()
        self._stop_event = asyncio.Event()
        self._updates_event = asyncio.Event()
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        try:
            sockets = bind_sockets(self._port, self._host, family=family)
            http_server = _NoDelayHTTPServer(self._on_request, idle_connection_timeout=300)
            http_server.add_sockets(sockets)
        except BaseException as exc:
            self._startup_error = exc
            ready.set()
            return
        self._port = sockets[0].getsockname()[1]
        self._running = True
        ready.set()
        try:
            await self._stop_event.wait()
        finally:
            with self._lock:
                self._closing = True
                self._stop_webhook_locked()
            self._updates_event.set()  # pending long polls answer [] right away
            http_server.stop()
            await asyncio.sleep(0)
            await http_server.close_all_connections()
            if self._webhook_client is not None:
                await self._webhook_client.aclose()
            self._running = False

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ---------------------------------------------------------------- HTTP plumbing

    def _on_request(self, request: httputil.HTTPServerRequest) -> None:
        path = request.path
        try:
            if path.startswith("/bot"):
                self._handle_api(request, path)
            elif path.startswith("/file/bot"):
                self._handle_file(request, path)
            elif path.startswith("/_control/"):
                self._handle_control(request, path[len("/_control/") :])
            else:
                self._reply_json(request, 404, _ApiError(404, "Not Found").payload())
        except Exception:
            _LOG.exception("BotApiServer: unhandled error for %s", path)
            self._reply_json(request, 500, _ApiError(500, "Internal Server Error").payload())

    @staticmethod
    def _reply(
        request: httputil.HTTPServerRequest,
        status: int,
        body: bytes,
        content_type: str = "application/json",
    ) -> None:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        headers = httputil.HTTPHeaders(
            {"Content-Type": content_type, "Content-Length": str(len(body))}
        )
        connection = request.connection
        if connection is None:
            return
        # The client may have gone away (e.g. PTB cancelled a long poll): nothing to do then.
        with contextlib.suppress(StreamClosedError, httputil.HTTPOutputError):
            connection.write_headers(
                httputil.ResponseStartLine("HTTP/1.1", status, reason), headers, body
            )
            connection.finish()

    def _reply_json(self, request: httputil.HTTPServerRequest, status: int, obj: Any) -> None:
        self._reply(request, status, _dumps(obj))

    # ---------------------------------------------------------------- Bot API dispatch

    def _handle_api(self, request: httputil.HTTPServerRequest, path: str) -> None:
        started = time.time()
        token, _, name = path[len("/bot") :].partition("/")
        if "%" in token:
            token = unquote(token)
        entry = self._methods.get(name.lower())
        method = entry[0] if entry else (name or "?")
        if token != self.token:
            self._finish_api(request, method, {}, {}, None, started, _ApiError(401, "Unauthorized"))
            return
        if entry is None:
            self._finish_api(request, method, {}, {}, None, started, _ApiError(404, "Not Found"))
            return
        try:
            params, files = _parse_params(request)
        except _ApiError as exc:
            self._finish_api(request, method, {}, {}, None, started, exc)
            return
        with self._lock:
            chat_id = self._request_chat_locked(method, params)
            fault = self._take_fault_locked(method, chat_id)
        if fault is not None:
            self._apply_fault(request, method, params, files, chat_id, started, fault)
            return
        self._execute(request, method, entry[1], params, files, chat_id, started, None)

    def _execute(
        self,
        request: httputil.HTTPServerRequest,
        method: str,
        handler: Callable[[dict[str, Any], dict[str, Any]], Any],
        params: dict[str, Any],
        files: dict[str, Any],
        chat_id: int | None,
        started: float,
        fault: str | None,
    ) -> None:
        try:
            with self._lock:
                self._check_limits_locked(method, chat_id)
                result = handler(params, files)
        except _ApiError as exc:
            self._finish_api(request, method, params, files, chat_id, started, exc, fault=fault)
            return
        if isinstance(result, _LongPoll):
            self._spawn(self._long_poll(request, params, started, result))
            return
        self._finish_api(request, method, params, files, chat_id, started, result, fault=fault)

    def _finish_api(
        self,
        request: httputil.HTTPServerRequest,
        method: str,
        params: dict[str, Any],
        files: dict[str, Any],
        chat_id: int | None,
        started: float,
        outcome: Any,
        *,
        fault: str | None = None,
    ) -> None:
        if isinstance(outcome, _ApiError):
            status, body = outcome.status, outcome.payload()
        else:
            status, body = 200, {"ok": True, "result": outcome}
        payload = _dumps(body)
        with self._lock:
            self._log_call_locked(method, params, files, chat_id, status, started, fault)
        self._reply(request, status, payload)

    def _apply_fault(
        self,
        request: httputil.HTTPServerRequest,
        method: str,
        params: dict[str, Any],
        files: dict[str, Any],
        chat_id: int | None,
        started: float,
        fault: _Fault,
    ) -> None:
        if fault.kind == "drop":
            with self._lock:
                self._counters["dropped"] += 1
                self._log_call_locked(method, params, files, chat_id, 0, started, "drop")
            if isinstance(request.connection, HTTP1Connection):
                request.connection.close()
            return
        if fault.kind == "delay":
            handler = self._methods[method.lower()][1]

            async def delayed() -> None:
                await asyncio.sleep(fault.delay)
                self._execute(request, method, handler, params, files, chat_id, started, "delay")

            with self._lock:
                self._counters["delayed"] += 1
            self._spawn(delayed())
            return
        error = _fault_error(fault)
        self._finish_api(request, method, params, files, chat_id, started, error, fault=fault.kind)

    def _request_chat_locked(self, method: str, params: dict[str, Any]) -> int | None:
        chat_id = _maybe_int(params.get("chat_id"))
        if chat_id is None and method == "answerCallbackQuery":
            state = self._callbacks.get(str(params.get("callback_query_id")))
            chat_id = state.chat_id if state else None
        return chat_id

    def _take_fault_locked(self, method: str, chat_id: int | None) -> _Fault | None:
        lowered = method.lower()
        for index, fault in enumerate(self._faults):
            if fault.method is None:
                # An unqualified fault must not hit the background long poll, or tests that
                # fault "the next send" would race with getUpdates.
                if lowered == "getupdates":
                    continue
            elif fault.method != lowered:
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            fault.remaining -= 1
            if fault.remaining <= 0:
                del self._faults[index]
            self._counters["faults_applied"] += 1
            return fault
        return None

    def _check_limits_locked(self, method: str, chat_id: int | None) -> None:
        if chat_id is not None and chat_id in self._blocked and method in _BLOCKABLE_METHODS:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        if method not in _RATE_LIMITED_METHODS:
            return
        now = time.monotonic()
        global_limit = self.rate_limit_per_second
        if global_limit is not None and not _window_allows(
            self._global_send_times, now, global_limit
        ):
            self._counters["rate_limited"] += 1
            raise _ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        chat = self._chat_locked(chat_id) if (self.per_chat_limit and chat_id is not None) else None
        if chat is not None and not _window_allows(chat.send_times, now, self.per_chat_rate):
            self._counters["rate_limited"] += 1
            raise _ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        if global_limit is not None:
            self._global_send_times.append(now)
        if chat is not None:
            chat.send_times.append(now)

    def _log_call_locked(
        self,
        method: str,
        params: dict[str, Any],
        files: dict[str, Any],
        chat_id: int | None,
        status: int,
        started: float,
        fault: str | None,
    ) -> None:
        self._call_count += 1
        self._counters["requests"] += 1
        self._by_method[method] += 1
        self._by_status[str(status)] += 1
        if status == 429:
            self._counters["429"] += 1
        elif status >= 500:
            self._counters["5xx"] += 1
        elif status == 403:
            self._counters["403"] += 1
        elif status == 400:
            self._counters["400"] += 1
        if self._calls.maxlen != 0:
            logged = params
            if files:
                logged = dict(params)
                for name, upload in files.items():
                    logged[name] = {
                        "filename": upload.filename,
                        "size": len(upload.body),
                        "content_type": upload.content_type,
                    }
            now = time.time()
            self._calls.append(
                CallRecord(
                    index=self._call_count,
                    method=method,
                    params=logged,
                    status=status,
                    time=started,
                    duration=now - started,
                    chat_id=chat_id,
                    fault=fault,
                )
            )
        self._notify_locked(_CALLS)

    # ---------------------------------------------------------------- files & control HTTP

    def _handle_file(self, request: httputil.HTTPServerRequest, path: str) -> None:
        # PTB's File.download_* runs urllib.parse.quote() over the whole path, so the ':' of
        # the token arrives as %3A.
        token, _, file_path = unquote(path[len("/file/bot") :]).partition("/")
        if token != self.token:
            self._reply_json(request, 401, _ApiError(401, "Unauthorized").payload())
            return
        with self._lock:
            stored = self._files_by_path.get(file_path)
        if stored is None:
            self._reply_json(request, 404, _ApiError(404, "Not Found").payload())
            return
        self._reply(request, 200, stored.content, stored.mime_type or "application/octet-stream")

    def _handle_control(self, request: httputil.HTTPServerRequest, action: str) -> None:
        try:
            body = _control_body(request)
            if action == "sent":
                chat_id = _maybe_int(body.get("chat_id"))
                since = _maybe_int(body.get("since")) or 0
                timeout = float(body.get("timeout") or 0)
                if timeout > 0:
                    self._spawn(self._control_sent_wait(request, chat_id, since, timeout))
                    return
                result: Any = self._control_sent(chat_id, since)
            elif action == "text":
                result = {
                    "update_id": self.send_text(
                        _req_int(body, "user_id"),
                        str(body["text"]),
                        first_name=str(body.get("first_name") or "Usuario"),
                    )
                }
            elif action == "press":
                user_id = _req_int(body, "user_id")
                if "label" in body:
                    cq_id = self.press_button_text(user_id, str(body["label"]))
                else:
                    cq_id = self.press_button(
                        user_id, _req_int(body, "message_id"), str(body["data"])
                    )
                result = {"callback_query_id": cq_id}
            elif action == "document":
                result = {
                    "update_id": self.send_document(
                        _req_int(body, "user_id"),
                        str(body["filename"]),
                        base64.b64decode(str(body["content_b64"])),
                        caption=body.get("caption"),
                        mime_type=str(body.get("mime_type") or "text/csv"),
                    )
                }
            elif action == "update":
                result = {"update_id": self.inject_update(body)}
            elif action == "fault":
                kind = str(body.get("kind"))
                self.inject_fault(
                    kind,  # type: ignore[arg-type]  # validated by inject_fault
                    method=body.get("method"),
                    chat_id=_maybe_int(body.get("chat_id")),
                    count=int(body.get("count", 1)),
                    retry_after=int(body.get("retry_after", 1)),
                    delay=float(body.get("delay", 0.5)),
                    status=int(body.get("status", 502)),
                )
                result = True
            elif action == "clear_faults":
                self.clear_faults()
                result = True
            elif action == "block":
                chat_id = _req_int(body, "chat_id")
                if body.get("blocked", True) in (False, "false", "0", 0):
                    self.unblock_user(chat_id)
                else:
                    self.block_user(chat_id)
                result = True
            elif action == "stats":
                result = self.stats()
            else:
                self._reply_json(request, 404, _ApiError(404, "Not Found").payload())
                return
        except (KeyError, ValueError, TypeError, LookupError) as exc:
            error = _ApiError(400, f"Bad Request: {exc}")
            self._reply_json(request, 400, error.payload())
            return
        self._reply_json(request, 200, {"ok": True, "result": result})

    def _control_sent(self, chat_id: int | None, since: int) -> dict[str, Any] | None:
        with self._lock:
            events = self._events_after_locked(chat_id, since)
            seen: dict[int, SentMessage] = {}
            for event in events:
                seen[id(event.message)] = event.message
            return {"cursor": len(self._events), "messages": [m.to_json() for m in seen.values()]}

    async def _control_sent_wait(
        self, request: httputil.HTTPServerRequest, chat_id: int | None, since: int, wait: float
    ) -> None:
        def check() -> bool | None:
            return True if self._events_after_locked(chat_id, since) or self._closing else None

        with contextlib.suppress(TimeoutError):
            await self._wait_async(check, chat_id, wait, "control sent")
        self._reply_json(request, 200, {"ok": True, "result": self._control_sent(chat_id, since)})

    # ---------------------------------------------------------------- updates & long polling

    def _api_get_updates_now(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        if self._webhook is not None:
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = _maybe_int(params.get("offset"))
        limit = min(max(_maybe_int(params.get("limit")) or 100, 1), 100)
        timeout = min(max(_maybe_float(params.get("timeout")) or 0.0, 0.0), 50.0)
        # A newer getUpdates supersedes an older one (Telegram answers the old one with 409).
        self._poll_generation += 1
        if self._updates_event is not None:
            self._updates_event.set()
        batch = self._take_batch_locked(offset, limit)
        if batch or timeout <= 0 or self._closing:
            return batch
        return _LongPoll(self._poll_generation, offset, limit, time.monotonic() + timeout)

    async def _long_poll(
        self,
        request: httputil.HTTPServerRequest,
        params: dict[str, Any],
        started: float,
        poll: _LongPoll,
    ) -> None:
        event = self._updates_event
        assert event is not None
        outcome: Any = []
        # The generation bump in _api_get_updates_now set the event: start from a clean state.
        event.clear()
        while True:
            with self._lock:
                if self._poll_generation != poll.generation:
                    outcome = _ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; make sure that only "
                        "one bot instance is running",
                    )
                    break
                if self._webhook is not None:
                    break
                outcome = self._take_batch_locked(poll.offset, poll.limit)
            remaining = poll.deadline - time.monotonic()
            if outcome or remaining <= 0 or self._closing:
                break
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await event.wait()
            event.clear()
        self._finish_api(request, "getUpdates", params, {}, None, started, outcome)

    def _take_batch_locked(self, offset: int | None, limit: int) -> list[dict[str, Any]]:
        pending = self._pending
        if offset is not None and offset < 0:
            while len(pending) > -offset:
                pending.popleft()
        elif offset:
            # Delivered updates always form a prefix of the queue (a batch is a prefix), so
            # confirming is popping from the left. Never-delivered entries below the offset are
            # re-deliveries injected on purpose and are kept.
            while pending and pending[0].delivered and pending[0].update_id < offset:
                pending.popleft()
        batch: list[dict[str, Any]] = []
        last_id: int | None = None
        for entry in pending:
            # Stop before an id goes backwards (a re-delivery): PTB confirms with the last id
            # of the batch + 1, which must cover every update in the batch.
            if len(batch) >= limit or (last_id is not None and entry.update_id <= last_id):
                break
            if not entry.delivered:
                entry.delivered = True
                self._counters["updates_delivered"] += 1
            batch.append(entry.update)
            last_id = entry.update_id
        return batch

    def _enqueue_locked(self, payload: dict[str, Any], update_id: int | None = None) -> int:
        if update_id is None:
            update_id = self._next_update_id
        self._next_update_id = max(self._next_update_id, update_id + 1)
        update = {"update_id": update_id, **payload}
        self._all_updates[update_id] = update
        self._pending.append(_PendingUpdate(next(self._order), update_id, update))
        self._counters["updates_injected"] += 1
        self._signal_updates_locked()
        return update_id

    def _signal_updates_locked(self) -> None:
        loop, event = self._loop, self._updates_event
        if loop is None or event is None or not self._running:
            return
        if threading.get_ident() == self._thread_id:
            event.set()
        else:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)

    # ---------------------------------------------------------------- webhook delivery

    def _start_webhook_locked(self, webhook: _Webhook) -> None:
        self._stop_webhook_locked()
        self._webhook = webhook
        loop = self._loop
        assert loop is not None
        if self._webhook_client is None:
            # trust_env=False: a proxy from the environment must never see loopback traffic.
            self._webhook_client = httpx.AsyncClient(
                trust_env=False,
                timeout=10.0,
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=100),
            )
        self._webhook_queues = [asyncio.Queue() for _ in range(webhook.max_connections)]
        self._webhook_tasks = [
            loop.create_task(self._webhook_worker(queue, webhook)) for queue in self._webhook_queues
        ]
        self._webhook_tasks.append(loop.create_task(self._webhook_dispatcher()))

    def _stop_webhook_locked(self) -> None:
        self._webhook = None
        for task in self._webhook_tasks:
            task.cancel()
        self._webhook_tasks = []
        self._webhook_queues = []
        self._signal_updates_locked()  # a waiting long poll may proceed now

    async def _webhook_dispatcher(self) -> None:
        event = self._updates_event
        assert event is not None
        while True:
            event.clear()
            with self._lock:
                queues = self._webhook_queues
                items = list(self._pending)
                self._pending.clear()
            for item in items:
                # Same chat → same worker, so one user's updates arrive in order while different
                # users are delivered concurrently (as with Telegram's max_connections).
                queues[hash(_update_chat(item.update)) % len(queues)].put_nowait(item)
            if not items:
                await event.wait()

    async def _webhook_worker(self, queue: asyncio.Queue[_PendingUpdate], hook: _Webhook) -> None:
        current: _PendingUpdate | None = None
        try:
            while True:
                current = await queue.get()
                await self._deliver(current, hook)
                current = None
        except asyncio.CancelledError:
            leftovers = [current] if current is not None else []
            while not queue.empty():
                leftovers.append(queue.get_nowait())
            with self._lock:
                # Undelivered updates go back in front of the queue for the next consumer.
                merged = sorted([*leftovers, *self._pending], key=lambda p: p.order)
                self._pending = deque(merged)
                self._signal_updates_locked()
            raise

    async def _deliver(self, item: _PendingUpdate, hook: _Webhook) -> None:
        client = self._webhook_client
        assert client is not None
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        body = _dumps(item.update)
        backoff = 0.05
        while True:
            error: str | None
            try:
                response = await client.post(hook.url, content=body, headers=headers)
                ok = 200 <= response.status_code < 300
                error = None if ok else f"Wrong response from the webhook: {response.status_code}"
            except httpx.HTTPError as exc:
                error = f"Connection failed: {exc!r}"
            with self._lock:
                if error is None:
                    self._counters["webhook_deliveries"] += 1
                    self._counters["updates_delivered"] += 1
                    return
                self._counters["webhook_errors"] += 1
                hook.last_error_date = int(time.time())
                hook.last_error_message = error
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 1.0)

    # ---------------------------------------------------------------- API methods (lock held)

    def _api_true(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        return True

    def _api_get_me(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        return dict(self._bot_user)

    def _api_get_chat(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        chat = self._target_chat_locked(params)
        info = self._chat_dict(chat)
        info["accent_color_id"] = 0
        info["max_reaction_count"] = 11
        return info

    def _api_delete_webhook(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        if _truthy(params.get("drop_pending_updates")):
            self._pending.clear()
        self._stop_webhook_locked()
        return True

    def _api_set_webhook(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if _truthy(params.get("drop_pending_updates")):
            self._pending.clear()
        if not url:
            self._stop_webhook_locked()
            return True
        if not url.startswith(("http://", "https://")):
            raise _ApiError(400, "Bad Request: bad webhook: HTTPS url must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None:
            secret = str(secret)
            allowed = all(c.isascii() and (c.isalnum() or c in "_-") for c in secret)
            if not 1 <= len(secret) <= 256 or not allowed:
                raise _ApiError(400, "Bad Request: secret token contains unallowed characters")
        max_connections = min(max(_maybe_int(params.get("max_connections")) or 40, 1), 100)
        allowed_updates = params.get("allowed_updates")
        self._start_webhook_locked(
            _Webhook(
                url=url,
                secret_token=secret,
                max_connections=max_connections,
                allowed_updates=allowed_updates if isinstance(allowed_updates, list) else None,
                ip_address=_maybe_str(params.get("ip_address")),
            )
        )
        return True

    def _api_get_webhook_info(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        hook = self._webhook
        pending = len(self._pending) + sum(q.qsize() for q in self._webhook_queues)
        info: dict[str, Any] = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": pending,
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if hook.ip_address:
                info["ip_address"] = hook.ip_address
            if hook.allowed_updates is not None:
                info["allowed_updates"] = hook.allowed_updates
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info

    def _api_set_my_commands(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _ApiError(400, "Bad Request: can't parse commands JSON object")
        cleaned: list[dict[str, Any]] = []
        for command in commands:
            if not isinstance(command, dict):
                raise _ApiError(400, "Bad Request: can't parse commands JSON object")
            name = str(command.get("command", ""))
            description = str(command.get("description", ""))
            if not (1 <= len(name) <= 32) or not all(
                c.isascii() and (c.islower() or c.isdigit() or c == "_") for c in name
            ):
                raise _ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise _ApiError(400, "Bad Request: command description is empty or too long")
            cleaned.append({"command": name, "description": description})
        self._commands[_commands_key(params)] = cleaned
        return True

    def _api_get_my_commands(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        return list(self._commands.get(_commands_key(params), []))

    def _api_delete_my_commands(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        self._commands.pop(_commands_key(params), None)
        return True

    def _api_send_message(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        chat = self._target_chat_locked(params)
        raw = params.get("text")
        if not isinstance(raw, str) or not raw.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        parse_mode = _maybe_str(params.get("parse_mode"))
        text, entities = _render_text(raw, parse_mode, params.get("entities"))
        if not text:
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > _MAX_TEXT:
            raise _ApiError(400, "Bad Request: message is too long")
        markup = _parse_reply_markup(params.get("reply_markup"))
        message = self._new_message_locked(chat, "sendMessage", params)
        message.text, message.entities, message.source = text, entities, raw
        message.parse_mode, message.reply_markup = parse_mode, markup
        return self._store_message_locked(chat, message)

    def _api_send_photo(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        return self._send_media_locked("sendPhoto", "photo", params, files)

    def _api_send_document(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        return self._send_media_locked("sendDocument", "document", params, files)

    def _send_media_locked(
        self, method: str, kind: str, params: dict[str, Any], files: dict[str, Any]
    ) -> Any:
        chat = self._target_chat_locked(params)
        caption, entities, raw_caption = self._caption_locked(params)
        markup = _parse_reply_markup(params.get("reply_markup"))
        stored = self._input_file_locked(kind, params, files)
        message = self._new_message_locked(chat, method, params)
        message.caption, message.entities, message.source = caption, entities, raw_caption
        message.parse_mode = _maybe_str(params.get("parse_mode"))
        message.reply_markup = markup
        message.file_id, message.file_size = stored.file_id, stored.size
        message.mime_type, message.filename = stored.mime_type, stored.filename
        message.width, message.height = stored.width, stored.height
        content = stored.content if self.store_media else None
        if kind == "photo":
            message.photo = content
        else:
            message.document = content
        return self._store_message_locked(chat, message)

    def _caption_locked(
        self, params: dict[str, Any]
    ) -> tuple[str | None, list[dict[str, Any]], str | None]:
        raw = params.get("caption")
        if raw is None or raw == "":
            return None, [], None
        caption, entities = _render_text(
            str(raw), _maybe_str(params.get("parse_mode")), params.get("caption_entities")
        )
        if len(caption) > _MAX_CAPTION:
            raise _ApiError(400, "Bad Request: message caption is too long")
        return caption or None, entities, str(raw)

    def _input_file_locked(
        self, kind: str, params: dict[str, Any], files: dict[str, Any]
    ) -> _StoredFile:
        value = params.get(kind)
        upload = files.get(kind)
        if upload is None and isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://") :])
        if upload is not None:
            content: bytes = upload.body
            if not content:
                raise _ApiError(400, "Bad Request: file must be non-empty")
            width = height = None
            if kind == "photo":
                size = _image_size(content)
                if size is None:
                    raise _ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED")
                width, height = size
            filename = upload.filename or None
            mime = upload.content_type or None
            if not mime or mime == "application/octet-stream":
                mime = (mimetypes.guess_type(filename)[0] if filename else None) or mime
            return self._register_file_locked(kind, content, mime, filename, width, height)
        if isinstance(value, str) and value:
            stored = self._files.get(value)
            if stored is None:
                raise _ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            return stored
        raise _ApiError(400, f"Bad Request: there is no {kind} in the request")

    def _api_edit_message_text(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        message = self._editable_locked(params)
        if message.text is None:
            raise _ApiError(400, "Bad Request: there is no text in the message to edit")
        raw = params.get("text")
        if not isinstance(raw, str) or not raw.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        parse_mode = _maybe_str(params.get("parse_mode"))
        text, entities = _render_text(raw, parse_mode, params.get("entities"))
        if len(text) > _MAX_TEXT:
            raise _ApiError(400, "Bad Request: message is too long")
        # Omitting reply_markup removes the inline keyboard, as on Telegram.
        markup = _inline_only(_parse_reply_markup(params.get("reply_markup")))
        current = _inline_only(message.reply_markup)
        if (text, entities, markup) == (message.text, message.entities, current):
            raise _ApiError(400, _NOT_MODIFIED)
        message.text, message.entities, message.source = text, entities, raw
        message.parse_mode, message.reply_markup = parse_mode, markup
        return self._apply_edit_locked(message, "editMessageText")

    def _api_edit_message_caption(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        message = self._editable_locked(params)
        if message.method == "sendMessage":
            raise _ApiError(400, "Bad Request: there is no caption in the message to edit")
        caption, entities, raw = self._caption_locked(params)
        markup = _inline_only(_parse_reply_markup(params.get("reply_markup")))
        current = _inline_only(message.reply_markup)
        if (caption, entities, markup) == (message.caption, message.entities, current):
            raise _ApiError(400, _NOT_MODIFIED)
        message.caption, message.entities, message.source = caption, entities, raw
        message.parse_mode, message.reply_markup = _maybe_str(params.get("parse_mode")), markup
        return self._apply_edit_locked(message, "editMessageCaption")

    def _api_edit_message_reply_markup(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        message = self._editable_locked(params)
        markup = _parse_reply_markup(params.get("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise _ApiError(400, "Bad Request: inline keyboard expected")
        if markup == _inline_only(message.reply_markup):
            raise _ApiError(400, _NOT_MODIFIED)
        message.reply_markup = markup
        return self._apply_edit_locked(message, "editMessageReplyMarkup")

    def _editable_locked(self, params: dict[str, Any]) -> SentMessage:
        if params.get("inline_message_id"):
            raise _ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat = self._target_chat_locked(params)
        message_id = _maybe_int(params.get("message_id"))
        if message_id is None:
            raise _ApiError(400, "Bad Request: message identifier is not specified")
        message = chat.bot_messages.get(message_id)
        if message is None or message.deleted:
            if message_id in chat.user_messages:
                raise _ApiError(400, "Bad Request: message can't be edited")
            raise _ApiError(400, "Bad Request: message to edit not found")
        return message

    def _apply_edit_locked(self, message: SentMessage, method: str) -> Any:
        now = time.time()
        message.edit_date = now
        message.edits.append(
            EditRecord(method, now, message.text, message.caption, message.reply_markup)
        )
        self._counters["edits"] += 1
        self._record_event_locked("edit", message)
        return self._api_message(message)

    def _api_delete_message(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        chat = self._target_chat_locked(params)
        message_id = _maybe_int(params.get("message_id"))
        message = chat.bot_messages.get(message_id) if message_id is not None else None
        if message is not None and not message.deleted:
            message.deleted = True
            self._counters["deleted"] += 1
            self._record_event_locked("delete", message)
            return True
        if message_id is not None and chat.user_messages.pop(message_id, None) is not None:
            return True
        raise _ApiError(400, "Bad Request: message to delete not found")

    def _api_answer_callback_query(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        state = self._callbacks.get(query_id)
        if state is None or state.answered:
            raise _ApiError(400, _BAD_QUERY)
        text = _maybe_str(params.get("text"))
        if text is not None and len(text) > 200:
            raise _ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        state.answered = True
        self._callback_answers.append(
            CallbackAnswer(
                callback_query_id=query_id,
                text=text,
                show_alert=_truthy(params.get("show_alert")),
                url=_maybe_str(params.get("url")),
                chat_id=state.chat_id,
                message_id=state.message_id,
                data=state.data,
                time=time.time(),
            )
        )
        self._counters["callback_answers"] += 1
        return True

    def _api_send_chat_action(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        chat = self._target_chat_locked(params)
        action = str(params.get("action") or "")
        if action not in _CHAT_ACTIONS:
            raise _ApiError(400, "Bad Request: wrong parameter action in request")
        chat.actions.append(action)
        return True

    def _api_get_file(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    # ---------------------------------------------------------------- message helpers (locked)

    def _target_chat_locked(self, params: dict[str, Any]) -> _ChatState:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise _ApiError(400, "Bad Request: chat_id is empty")
        chat_id = _maybe_int(raw)
        if chat_id is None or chat_id == 0:
            raise _ApiError(400, "Bad Request: chat not found")
        return self._chat_locked(chat_id)

    def _chat_locked(self, chat_id: int, first_name: str | None = None) -> _ChatState:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = _ChatState(chat_id, first_name or "Usuario")
            self._chats[chat_id] = chat
        elif first_name:
            chat.first_name = first_name
        return chat

    def _chat_dict(self, chat: _ChatState) -> dict[str, Any]:
        if chat.chat_id > 0:
            return {"id": chat.chat_id, "type": "private", "first_name": chat.first_name}
        return {"id": chat.chat_id, "type": "group", "title": f"Group {-chat.chat_id}"}

    def _new_message_locked(
        self, chat: _ChatState, method: str, params: dict[str, Any]
    ) -> SentMessage:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        return SentMessage(
            message_id=message_id,
            chat_id=chat.chat_id,
            method=method,
            date=time.time(),
            params=params,
        )

    def _store_message_locked(self, chat: _ChatState, message: SentMessage) -> dict[str, Any]:
        chat.bot_messages[message.message_id] = message
        chat.bot_order.append(message)
        self._all_sent.append(message)
        self._counters["messages_sent"] += 1
        self._record_event_locked("send", message)
        return self._api_message(message)

    def _record_event_locked(self, kind: EventKind, message: SentMessage) -> None:
        seq = len(self._events) + 1
        event = BotEvent(
            seq=seq,
            kind=kind,
            chat_id=message.chat_id,
            message_id=message.message_id,
            method=message.method,
            text=message.text,
            caption=message.caption,
            reply_markup=message.reply_markup,
            time=time.time(),
            message=message,
        )
        message.last_seq = seq
        self._events.append(event)
        self._chats[message.chat_id].events.append(event)
        self._notify_locked(message.chat_id)

    def _api_message(self, message: SentMessage) -> dict[str, Any]:
        """The Message object Telegram would return for this bot message."""
        chat = self._chats[message.chat_id]
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self._bot_user,
            "chat": self._chat_dict(chat),
            "date": int(message.date),
        }
        if message.edit_date is not None:
            data["edit_date"] = int(message.edit_date)
        if message.method == "sendMessage":
            data["text"] = message.text
            if message.entities:
                data["entities"] = message.entities
        else:
            if message.caption is not None:
                data["caption"] = message.caption
                if message.entities:
                    data["caption_entities"] = message.entities
            stored = self._files.get(message.file_id or "")
            if stored is not None:
                kind = "photo" if message.method == "sendPhoto" else "document"
                data.update(_media_fields(kind, stored))
        # Only inline keyboards belong in a returned Message: PTB parses reply_markup as an
        # InlineKeyboardMarkup and fails on a reply keyboard.
        markup = _inline_only(message.reply_markup)
        if markup is not None:
            data["reply_markup"] = markup
        return data

    def _register_file_locked(
        self,
        kind: str,
        content: bytes,
        mime_type: str | None,
        filename: str | None,
        width: int | None = None,
        height: int | None = None,
    ) -> _StoredFile:
        number = next(self._file_counter)
        extension = ""
        if filename and "." in filename:
            extension = filename.rsplit(".", 1)[1]
        elif mime_type:
            extension = (mimetypes.guess_extension(mime_type) or "").lstrip(".")
        stored = _StoredFile(
            file_id=f"{kind.upper()}-{number:06d}-{self.bot_id}",
            file_unique_id=f"U{kind[:3]}{number:06d}",
            content=content if self.store_media or kind not in ("photo", "document") else b"",
            size=len(content),
            file_path=f"{kind}s/file_{number}" + (f".{extension}" if extension else ""),
            mime_type=mime_type,
            filename=filename,
            width=width,
            height=height,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _user_locked(self, chat: _ChatState) -> dict[str, Any]:
        return {
            "id": chat.chat_id,
            "is_bot": False,
            "first_name": chat.first_name,
            "language_code": "es",
        }

    def _user_message_locked(
        self, user_id: int, first_name: str | None, content: dict[str, Any]
    ) -> dict[str, Any]:
        chat = self._chat_locked(user_id, first_name)
        message_id = chat.next_message_id
        chat.next_message_id += 1
        message = {
            "message_id": message_id,
            "from": self._user_locked(chat),
            "chat": self._chat_dict(chat),
            "date": int(time.time()),
            **content,
        }
        chat.user_messages[message_id] = message
        return message

    # ---------------------------------------------------------------- notification & waiting

    def _notify_locked(self, key: object) -> None:
        self._cond.notify_all()
        if not self._waiters:
            return
        targets: list[_Waiter] = []
        for waiter_key in (key, _ANY_CHAT) if key != _CALLS else (_CALLS,):
            waiters = self._waiters.get(waiter_key)
            if waiters:
                targets.extend(waiters)
        if not targets:
            return
        me = threading.get_ident()
        remote: dict[asyncio.AbstractEventLoop, list[asyncio.Event]] = {}
        for waiter in targets:
            if waiter.thread_id == me:
                waiter.event.set()
            else:
                remote.setdefault(waiter.loop, []).append(waiter.event)
        # One cross-thread wake-up per loop, however many waiters it has.
        for loop, events in remote.items():
            with contextlib.suppress(RuntimeError):  # that loop is closed
                loop.call_soon_threadsafe(_set_all, events)

    def _wait_sync(self, check: Callable[[], _T | None], timeout: float, what: str) -> _T:
        if threading.get_ident() == self._thread_id:
            raise RuntimeError("blocking waits cannot run on the server thread")
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                result = check()
                if result is not None:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
                self._cond.wait(remaining)

    async def _wait_async(
        self, check: Callable[[], _T | None], key: object, seconds: float, what: str
    ) -> _T:
        loop = asyncio.get_running_loop()
        waiter = _Waiter(loop, asyncio.Event(), threading.get_ident())
        deadline = loop.time() + seconds
        waiter_key = _ANY_CHAT if key is None else key
        with self._lock:
            result = check()
            if result is not None:
                return result
            self._waiters.setdefault(waiter_key, set()).add(waiter)
        try:
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise TimeoutError(f"timed out after {seconds} s waiting for {what}")
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(remaining):
                        await waiter.event.wait()
                # Clear before checking: a notification after the check sets it again.
                waiter.event.clear()
                with self._lock:
                    result = check()
                if result is not None:
                    return result
        finally:
            with self._lock:
                waiters = self._waiters.get(waiter_key)
                if waiters is not None:
                    waiters.discard(waiter)
                    if not waiters:
                        del self._waiters[waiter_key]

    def _events_after_locked(self, chat_id: int | None, cursor: int) -> list[BotEvent]:
        if chat_id is None:
            return self._events[max(cursor, 0) :]
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        start = bisect.bisect_right(chat.events, cursor, key=_event_seq)
        return chat.events[start:]

    def _new_event_check(
        self,
        chat_id: int | None,
        cursor: int,
        predicate: Callable[[BotEvent], bool] | None,
        kinds: Iterable[str],
    ) -> Callable[[], BotEvent | None]:
        wanted = frozenset(kinds)

        def check() -> BotEvent | None:
            for event in self._events_after_locked(chat_id, cursor):
                if event.kind in wanted and (predicate is None or predicate(event)):
                    return event
            return None

        return check

    def _message_check(
        self, predicate: Callable[[SentMessage], bool], chat_id: int | None
    ) -> Callable[[], SentMessage | None]:
        def check() -> SentMessage | None:
            if chat_id is None:
                messages: list[SentMessage] = self._all_sent
            else:
                chat = self._chats.get(chat_id)
                messages = chat.bot_order if chat else []
            for message in reversed(messages):
                if predicate(message):
                    return message
            return None

        return check

    def _call_check(
        self, method: str | None, predicate: Callable[[CallRecord], bool] | None, since: int
    ) -> Callable[[], CallRecord | None]:
        def check() -> CallRecord | None:
            calls = self._calls
            if not calls:
                return None
            start = max(since - calls[0].index + 1, 0)
            for record in itertools.islice(calls, start, None):
                if method is not None and record.method != method:
                    continue
                if predicate is None or predicate(record):
                    return record
            return None

        return check

    # ---------------------------------------------------------------- control: user input

    def send_text(self, user_id: int, text: str, *, first_name: str = "Usuario") -> int:
        """Inject a private text message from ``user_id``; returns the update_id.

        A leading ``/command`` (optionally ``@botname``) gets a ``bot_command`` entity, so
        ``CommandHandler`` and ``context.args`` work (``/start TOKEN123``).
        """
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        with self._lock:
            message = self._user_message_locked(user_id, first_name, content)
            return self._enqueue_locked({"message": message})

    def press_button(self, user_id: int, message_id: int, data: str) -> str:
        """Inject a callback_query for bot message ``message_id`` in chat ``user_id``.

        The data is not checked against the keyboard, so presses on stale keyboards can be
        simulated. Returns the callback_query id.
        """
        with self._lock:
            chat = self._chats.get(user_id)
            message = chat.bot_messages.get(message_id) if chat else None
            if chat is None or message is None or message.deleted:
                raise LookupError(f"no bot message {message_id} in chat {user_id}")
            query_id = str(4_200_000_000_000_000 + next(self._callback_counter))
            self._callbacks[query_id] = _CallbackState(user_id, message_id, data)
            query = {
                "id": query_id,
                "from": self._user_locked(chat),
                "message": self._api_message(message),
                "chat_instance": str(-(abs(user_id) * 7919 + 13)),
                "data": data,
            }
            self._enqueue_locked({"callback_query": query})
            return query_id

    def press_button_text(self, user_id: int, label: str) -> str:
        """Press the inline button labelled ``label`` on the newest bot message that has one.

        Exact label matches win over partial (substring) matches. Raises LookupError listing
        the labels on offer when nothing matches.
        """
        with self._lock:
            chat = self._chats.get(user_id)
            messages = [m for m in reversed(chat.bot_order) if not m.deleted] if chat else []
            for exact in (True, False):
                for message in messages:
                    for button in _inline_buttons(message.reply_markup):
                        text = str(button.get("text", ""))
                        if (text == label) if exact else (label in text):
                            data = button.get("callback_data")
                            if data is None:
                                raise LookupError(f"button {text!r} has no callback_data")
                            return self.press_button(user_id, message.message_id, data)
            offered = [m.buttons for m in messages[:3] if m.buttons]
            raise LookupError(
                f"no inline button matching {label!r} in chat {user_id}; newest keyboards: "
                f"{offered}"
            )

    def send_sticker(self, user_id: int, *, emoji: str = "👍", first_name: str = "Usuario") -> int:
        with self._lock:
            stored = self._register_file_locked("sticker", _TINY_PNG, "image/webp", None, 512, 512)
            sticker = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": emoji,
                "file_size": stored.size,
            }
            message = self._user_message_locked(user_id, first_name, {"sticker": sticker})
            return self._enqueue_locked({"message": message})

    def send_photo(
        self,
        user_id: int,
        content: bytes | None = None,
        *,
        caption: str | None = None,
        first_name: str = "Usuario",
    ) -> int:
        """Inject a photo from the user (a tiny PNG unless ``content`` is given)."""
        data = content if content is not None else _TINY_PNG
        width, height = _image_size(data) or (1, 1)
        with self._lock:
            stored = self._register_file_locked("photo", data, "image/jpeg", None, width, height)
            payload: dict[str, Any] = _media_fields("photo", stored)
            if caption:
                payload["caption"] = caption
            message = self._user_message_locked(user_id, first_name, payload)
            return self._enqueue_locked({"message": message})

    def send_voice(self, user_id: int, *, duration: int = 3, first_name: str = "Usuario") -> int:
        with self._lock:
            stored = self._register_file_locked("voice", b"OggS\x00fake-voice", "audio/ogg", None)
            voice = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "duration": duration,
                "mime_type": "audio/ogg",
                "file_size": stored.size,
            }
            message = self._user_message_locked(user_id, first_name, {"voice": voice})
            return self._enqueue_locked({"message": message})

    def send_location(
        self,
        user_id: int,
        *,
        latitude: float = 4.7110,
        longitude: float = -74.0721,
        first_name: str = "Usuario",
    ) -> int:
        location = {"latitude": latitude, "longitude": longitude}
        with self._lock:
            message = self._user_message_locked(user_id, first_name, {"location": location})
            return self._enqueue_locked({"message": message})

    def send_document(
        self,
        user_id: int,
        filename: str,
        content: bytes,
        caption: str | None = None,
        mime_type: str = "text/csv",
        *,
        first_name: str = "Usuario",
    ) -> int:
        """Inject a document upload; the bot can fetch it with getFile + download."""
        with self._lock:
            stored = self._register_file_locked("document", content, mime_type, filename)
            # Files the *user* sends must stay downloadable even with store_media=False.
            stored.content = content
            payload = _media_fields("document", stored)
            if caption:
                payload["caption"] = caption
            message = self._user_message_locked(user_id, first_name, payload)
            return self._enqueue_locked({"message": message})

    def inject_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update. An explicit ``update_id`` is kept (re-delivery simulation)."""
        if not isinstance(update, dict):
            raise TypeError("update must be a dict")
        payload = {k: v for k, v in update.items() if k != "update_id"}
        update_id = _maybe_int(update.get("update_id"))
        with self._lock:
            return self._enqueue_locked(payload, update_id)

    def redeliver(self, update_id: int) -> None:
        """Queue an already injected update again, same update_id (Telegram re-delivery)."""
        with self._lock:
            update = self._all_updates.get(update_id)
            if update is None:
                raise LookupError(f"unknown update_id {update_id}")
            payload = {k: v for k, v in update.items() if k != "update_id"}
            self._enqueue_locked(payload, update_id)

    # ---------------------------------------------------------------- control: reading

    def sent(self, chat_id: int | None = None) -> list[SentMessage]:
        """Messages the bot sent (oldest first), live records; deleted ones included."""
        with self._lock:
            if chat_id is None:
                return list(self._all_sent)
            chat = self._chats.get(chat_id)
            return list(chat.bot_order) if chat else []

    def last_sent(self, chat_id: int) -> SentMessage | None:
        """The newest not-deleted bot message in the chat."""
        with self._lock:
            chat = self._chats.get(chat_id)
            for message in reversed(chat.bot_order if chat else []):
                if not message.deleted:
                    return message
            return None

    def events(self, chat_id: int | None = None, since: int = 0) -> list[BotEvent]:
        """Send/edit/delete events with ``seq > since`` (optionally for one chat)."""
        with self._lock:
            return list(self._events_after_locked(chat_id, since))

    def cursor(self, chat_id: int | None = None) -> int:
        """The current event sequence number; pass it to :meth:`wait_new`.

        Sequence numbers are global, so the value is valid for any chat; ``chat_id`` is
        accepted only for readability.
        """
        with self._lock:
            return len(self._events)

    def calls(self, method: str | None = None, *, since: int = 0) -> list[CallRecord]:
        """Logged API requests (``index > since``), optionally of one method."""
        with self._lock:
            return [
                c for c in self._calls if c.index > since and (method is None or c.method == method)
            ]

    def call_cursor(self) -> int:
        """Number of API requests logged so far; use as ``since`` for calls()/wait_for_call()."""
        with self._lock:
            return self._call_count

    def callback_answers(self) -> list[CallbackAnswer]:
        with self._lock:
            return list(self._callback_answers)

    def chat_actions(self, chat_id: int) -> list[str]:
        """Actions sent with sendChatAction to this chat, in order."""
        with self._lock:
            chat = self._chats.get(chat_id)
            return list(chat.actions) if chat else []

    def commands(self, scope: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The command list registered with setMyCommands for ``scope`` (default: the default)."""
        key = _commands_key({"scope": scope} if scope else {})
        with self._lock:
            return list(self._commands.get(key, []))

    def webhook_url(self) -> str | None:
        with self._lock:
            return self._webhook.url if self._webhook else None

    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed by the bot."""
        with self._lock:
            return len(self._pending)

    def stats(self) -> dict[str, Any]:
        """Counters: requests, per method / status, 429, 5xx, 403, 400, rate_limited,
        dropped, delayed, updates_injected/delivered, messages_sent, edits, deleted, ..."""
        with self._lock:
            result: dict[str, Any] = {
                key: 0
                for key in (
                    "requests",
                    "429",
                    "5xx",
                    "403",
                    "400",
                    "rate_limited",
                    "dropped",
                    "delayed",
                    "faults_applied",
                    "updates_injected",
                    "updates_delivered",
                    "messages_sent",
                    "edits",
                    "deleted",
                    "callback_answers",
                    "webhook_deliveries",
                    "webhook_errors",
                )
            }
            result.update(self._counters)
            result["by_method"] = dict(self._by_method)
            result["by_status"] = dict(self._by_status)
            result["pending_updates"] = len(self._pending)
            return result

    # ---------------------------------------------------------------- control: waiting

    def wait_for(
        self,
        predicate: Callable[[SentMessage], bool],
        *,
        chat_id: int | None = None,
        timeout: float = 10.0,
    ) -> SentMessage:
        """Block until a bot message satisfies ``predicate``; returns the newest such message.

        Already-sent messages count, so take a :meth:`cursor` and use :meth:`wait_new` when
        only *new* output should match.
        """
        check = self._message_check(predicate, chat_id)
        return self._wait_sync(check, timeout, "a matching bot message")

    async def wait_for_async(
        self,
        predicate: Callable[[SentMessage], bool],
        *,
        chat_id: int | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - mirrors the blocking twin's API
    ) -> SentMessage:
        check = self._message_check(predicate, chat_id)
        return await self._wait_async(check, chat_id, timeout, "a matching bot message")

    def wait_new(
        self,
        chat_id: int | None,
        cursor: int,
        *,
        predicate: Callable[[BotEvent], bool] | None = None,
        kinds: Iterable[str] = ("send", "edit"),
        timeout: float = 10.0,
    ) -> BotEvent:
        """Block until the first event after ``cursor`` in the chat (matching ``predicate``)."""
        check = self._new_event_check(chat_id, cursor, predicate, kinds)
        return self._wait_sync(check, timeout, f"bot output in chat {chat_id} after {cursor}")

    async def wait_new_async(
        self,
        chat_id: int | None,
        cursor: int,
        *,
        predicate: Callable[[BotEvent], bool] | None = None,
        kinds: Iterable[str] = ("send", "edit"),
        timeout: float = 10.0,  # noqa: ASYNC109 - mirrors the blocking twin's API
    ) -> BotEvent:
        check = self._new_event_check(chat_id, cursor, predicate, kinds)
        what = f"bot output in chat {chat_id} after {cursor}"
        return await self._wait_async(check, chat_id, timeout, what)

    def next_message(
        self, chat_id: int, after: int | None = None, timeout: float = 10.0
    ) -> BotEvent:
        """First send/edit in the chat after cursor ``after`` (``None``: after *now*)."""
        return self.wait_new(chat_id, self.cursor() if after is None else after, timeout=timeout)

    async def next_message_async(
        self,
        chat_id: int,
        after: int | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> BotEvent:
        start = self.cursor() if after is None else after
        return await self.wait_new_async(chat_id, start, timeout=timeout)

    def wait_for_call(
        self,
        method: str | None,
        predicate: Callable[[CallRecord], bool] | None = None,
        *,
        since: int = 0,
        timeout: float = 10.0,
    ) -> CallRecord:
        """Block until a logged request (``index > since``) of ``method`` matches."""
        check = self._call_check(method, predicate, since)
        return self._wait_sync(check, timeout, f"a {method or 'any'} call")

    async def wait_for_call_async(
        self,
        method: str | None,
        predicate: Callable[[CallRecord], bool] | None = None,
        *,
        since: int = 0,
        timeout: float = 10.0,  # noqa: ASYNC109 - mirrors the blocking twin's API
    ) -> CallRecord:
        check = self._call_check(method, predicate, since)
        return await self._wait_async(check, _CALLS, timeout, f"a {method or 'any'} call")

    def chat(self, user_id: int, *, first_name: str = "Usuario") -> ChatSession:
        """A step-by-step driver for one simulated user (see the module docstring)."""
        return ChatSession(self, user_id, first_name=first_name)

    # ---------------------------------------------------------------- control: faults

    def inject_fault(
        self,
        kind: FaultKind,
        *,
        method: str | None = None,
        chat_id: int | None = None,
        count: int = 1,
        retry_after: int = 1,
        delay: float = 0.5,
        status: int = 502,
    ) -> None:
        """The next ``count`` matching requests get the fault.

        ``method=None`` matches every method except ``getUpdates`` (name it explicitly to
        fault the poll); ``chat_id`` restricts to requests for that chat. Kinds: "429"
        (retry_after), "5xx" (``status``), "delay" (then a normal answer), "403" (bot blocked),
        "drop" (connection closed without an answer).
        """
        if kind not in ("429", "5xx", "delay", "403", "drop"):
            raise ValueError(f"unknown fault kind {kind!r}")
        if count < 1:
            raise ValueError("count must be >= 1")
        if kind == "5xx" and not 500 <= status <= 599:
            raise ValueError("status must be 5xx")
        fault = _Fault(
            kind=kind,
            method=method.lower() if method else None,
            chat_id=chat_id,
            remaining=count,
            retry_after=retry_after,
            delay=delay,
            status=status,
        )
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        """Forget injected faults not yet used (blocked users stay blocked)."""
        with self._lock:
            self._faults.clear()

    def block_user(self, chat_id: int) -> None:
        """Every send/edit/chat action to this chat answers 403 until unblocked."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock_user(self, chat_id: int) -> None:
        with self._lock:
            self._blocked.discard(chat_id)


@dataclass(eq=False, slots=True)
class _LongPoll:
    generation: int
    offset: int | None
    limit: int
    deadline: float


class ChatSession:
    """Drives one simulated user; keeps its own cursor so each ``next`` sees only new output.

    The cursor is taken when the session is created and advanced to each event returned, so
    a reply that arrives before ``next`` is called is never missed nor seen twice.
    """

    def __init__(self, server: BotApiServer, user_id: int, *, first_name: str = "Usuario") -> None:
        self.server = server
        self.user_id = user_id
        self.first_name = first_name
        self.cursor = server.cursor()

    def send(self, text: str) -> int:
        return self.server.send_text(self.user_id, text, first_name=self.first_name)

    def press(self, label: str) -> str:
        return self.server.press_button_text(self.user_id, label)

    def press_data(self, message_id: int, data: str) -> str:
        return self.server.press_button(self.user_id, message_id, data)

    def send_document(
        self, filename: str, content: bytes, caption: str | None = None, mime_type: str = "text/csv"
    ) -> int:
        return self.server.send_document(
            self.user_id, filename, content, caption, mime_type, first_name=self.first_name
        )

    def next(
        self,
        predicate: Callable[[BotEvent], bool] | None = None,
        *,
        kinds: Iterable[str] = ("send", "edit"),
        timeout: float = 10.0,
    ) -> BotEvent:
        event = self.server.wait_new(
            self.user_id, self.cursor, predicate=predicate, kinds=kinds, timeout=timeout
        )
        self.cursor = event.seq
        return event

    async def next_async(
        self,
        predicate: Callable[[BotEvent], bool] | None = None,
        *,
        kinds: Iterable[str] = ("send", "edit"),
        timeout: float = 10.0,  # noqa: ASYNC109 - mirrors the blocking twin's API
    ) -> BotEvent:
        event = await self.server.wait_new_async(
            self.user_id, self.cursor, predicate=predicate, kinds=kinds, timeout=timeout
        )
        self.cursor = event.seq
        return event

    def skip(self) -> None:
        """Ignore everything the bot did so far."""
        self.cursor = self.server.cursor()

    def messages(self) -> list[SentMessage]:
        return self.server.sent(self.user_id)

    @property
    def last(self) -> SentMessage | None:
        return self.server.last_sent(self.user_id)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def _set_all(events: list[asyncio.Event]) -> None:
    for event in events:
        event.set()


def _event_seq(event: BotEvent) -> int:
    return event.seq


def _utf16_len(text: str) -> int:
    # Telegram measures entity offsets/lengths in UTF-16 code units.
    return len(text.encode("utf-16-le")) // 2


def _maybe_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return int(value.strip())
    return None


def _maybe_float(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return float(value)
    return None


def _maybe_str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _truthy(value: Any) -> bool:
    return value in (True, 1, "true", "True", "1")


def _req_int(body: dict[str, Any], key: str) -> int:
    value = _maybe_int(body.get(key))
    if value is None:
        raise ValueError(f"{key} must be an integer")
    return value


def _window_allows(times: deque[float], now: float, rate: float) -> bool:
    """Sliding-window limiter: at most ``rate`` events per second (one per 1/rate if < 1)."""
    window, allowed = (1.0, int(rate)) if rate >= 1 else (1.0 / rate, 1)
    while times and now - times[0] >= window:
        times.popleft()
    return len(times) < allowed


def _fault_error(fault: _Fault) -> _ApiError:
    if fault.kind == "429":
        return _ApiError(
            429, f"Too Many Requests: retry after {fault.retry_after}", fault.retry_after
        )
    if fault.kind == "403":
        return _ApiError(403, "Forbidden: bot was blocked by the user")
    try:
        phrase = HTTPStatus(fault.status).phrase
    except ValueError:
        phrase = "Server Error"
    return _ApiError(fault.status, phrase)


def _update_chat(update: dict[str, Any]) -> int:
    for key in ("message", "edited_message", "callback_query"):
        part = update.get(key)
        if isinstance(part, dict):
            user = part.get("from") or (part.get("chat") or {})
            return int(user.get("id", 0))
    return 0


def _commands_key(params: dict[str, Any]) -> str:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)


def _media_fields(kind: str, stored: _StoredFile) -> dict[str, Any]:
    if kind == "photo":
        return {
            "photo": [
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": stored.width or 0,
                    "height": stored.height or 0,
                    "file_size": stored.size,
                }
            ]
        }
    document: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
    }
    if stored.filename:
        document["file_name"] = stored.filename
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    return {"document": document}


def _inline_buttons(markup: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    if not markup:
        return
    for row in markup.get("inline_keyboard") or []:
        for button in row:
            if isinstance(button, dict):
                yield button


def _button_labels(markup: dict[str, Any] | None) -> list[str]:
    if not markup:
        return []
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    labels: list[str] = []
    for row in rows:
        for button in row:
            labels.append(str(button.get("text", "")) if isinstance(button, dict) else str(button))
    return labels


def _inline_only(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    return markup if markup is not None and "inline_keyboard" in markup else None


def _parse_reply_markup(value: Any) -> dict[str, Any] | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, dict):
        raise _ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in value:
        rows = value["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _ApiError(400, "Bad Request: can't parse inline keyboard button")
        for button in _inline_buttons(value):
            if not button.get("text"):
                raise _ApiError(
                    400,
                    "Bad Request: can't parse inline keyboard button: Text buttons are "
                    "unallowed in the inline keyboard",
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= _MAX_CALLBACK_DATA:
                raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return value


def _parse_params(request: httputil.HTTPServerRequest) -> tuple[dict[str, Any], dict[str, Any]]:
    """Bot API parameters from the query string and a JSON, urlencoded or multipart body.

    PTB sends urlencoded forms (multipart with uploads) where every non-string value is
    JSON-encoded, so form values are JSON-decoded unless the parameter is a string one.
    """
    params: dict[str, Any] = {}
    for key, values in request.query_arguments.items():
        params[key] = _decode_form_value(key, values[-1])
    content_type = request.headers.get("Content-Type", "")
    if content_type.startswith("application/json"):
        if request.body:
            try:
                body = json.loads(request.body)
            except ValueError as exc:
                raise _ApiError(400, "Bad Request: can't parse JSON body") from exc
            if not isinstance(body, dict):
                raise _ApiError(400, "Bad Request: JSON body must be an object")
            params.update(body)
    else:
        for key, values in request.body_arguments.items():
            params[key] = _decode_form_value(key, values[-1])
    files = {name: uploads[0] for name, uploads in request.files.items() if uploads}
    return params, files


def _decode_form_value(key: str, raw: bytes) -> Any:
    text = raw.decode("utf-8", errors="replace")
    if key in _STRING_PARAMS or not text:
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def _control_body(request: httputil.HTTPServerRequest) -> dict[str, Any]:
    body: dict[str, Any] = {
        key: values[-1].decode() for key, values in request.query_arguments.items()
    }
    if request.body:
        # Sniff JSON by content: `curl -d '{...}'` labels a JSON body as a urlencoded form.
        if not request.body.lstrip().startswith(b"{"):
            body.update({k: v[-1].decode() for k, v in request.body_arguments.items()})
        else:
            decoded = json.loads(request.body)
            if not isinstance(decoded, dict):
                raise ValueError("body must be a JSON object")
            body.update(decoded)
    return body


# ---------------------------------------------------------------- images


def _image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, JPEG, GIF or WebP, read from its header; None otherwise."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(
                data[27:30], "little"
            )
        if chunk == b"VP8 ":
            width, height = struct.unpack("<HH", data[26:30])
            return int(width) & 0x3FFF, int(height) & 0x3FFF
        if chunk == b"VP8L":
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        return None
    if data[:2] == b"\xff\xd8":
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                index += 1
                continue
            marker = data[index + 1]
            if marker == 0xFF:
                index += 1
                continue
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                index += 2
                continue
            (segment_length,) = struct.unpack(">H", data[index + 2 : index + 4])
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return int(width), int(height)
            index += 2 + segment_length
    return None


def _make_png(width: int, height: int) -> bytes:
    """A valid grayscale PNG (used for injected user photos/stickers)."""

    def chunk(tag: bytes, payload: bytes) -> bytes:
        checksum = zlib.crc32(tag + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + tag + payload + struct.pack(">I", checksum)

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


_TINY_PNG = _make_png(4, 4)


# ---------------------------------------------------------------- HTML parse mode

_HTML_ENTITY_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class _EntityParseError(Exception):
    pass


class _HtmlToEntities(HTMLParser):
    """Telegram's HTML parse mode: supported tags become entities, anything else is an error.

    Rejecting what Telegram rejects (unknown tags, unbalanced tags) surfaces the classic bug of
    interpolating user text containing "<" into an HTML message.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        # In UTF-16 units; not named `offset`, which HTMLParser uses for its own bookkeeping.
        self.position = 0
        self.stack: list[tuple[str, int, dict[str, str | None]]] = []
        self.entities: list[dict[str, Any]] = []

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)
        self.position += _utf16_len(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag not in _HTML_ENTITY_TAGS or (
            tag == "span" and attributes.get("class") != "tg-spoiler"
        ):
            raise _EntityParseError(f'Unsupported start tag "{tag}"')
        self.stack.append((tag, self.position, attributes))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise _EntityParseError(f'Unsupported start tag "{tag}"')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            raise _EntityParseError(f'Unexpected end tag "{tag}"')
        open_tag, start, attributes = self.stack.pop()
        if open_tag != tag:
            raise _EntityParseError(
                f'Unmatched end tag, expected "</{open_tag}>", found "</{tag}>"'
            )
        length = self.position - start
        language = (attributes.get("class") or "").removeprefix("language-")
        if tag == "code" and self.stack and self.stack[-1][0] == "pre":
            # <pre><code class="language-x"> is one pre entity with a language.
            if language:
                self.stack[-1][2]["language"] = language
            return
        if length <= 0:
            return
        kind = _HTML_ENTITY_TAGS[tag]
        entity: dict[str, Any] = {"type": kind, "offset": start, "length": length}
        if kind == "text_link":
            entity["url"] = attributes.get("href") or ""
        elif kind == "pre" and attributes.get("language"):
            entity["language"] = attributes["language"]
        elif kind == "blockquote" and "expandable" in attributes:
            entity["type"] = "expandable_blockquote"
        elif kind == "custom_emoji":
            entity["custom_emoji_id"] = attributes.get("emoji-id") or ""
        self.entities.append(entity)


def _render_text(
    raw: str, parse_mode: str | None, explicit_entities: Any
) -> tuple[str, list[dict[str, Any]]]:
    """Text as the user sees it plus its entities (Telegram also trims outer whitespace)."""
    entities: list[dict[str, Any]]
    if parse_mode and parse_mode.lower() == "html":
        parser = _HtmlToEntities()
        try:
            parser.feed(raw)
            parser.close()
            if parser.stack:
                raise _EntityParseError(
                    f'Can\'t find end tag corresponding to start tag "{parser.stack[-1][0]}"'
                )
        except _EntityParseError as exc:
            raise _ApiError(400, f"Bad Request: can't parse entities: {exc}") from exc
        text = "".join(parser.chunks)
        entities = parser.entities
    else:
        text = raw
        entities = list(explicit_entities) if isinstance(explicit_entities, list) else []
    stripped = text.strip()
    if stripped != text:
        shift = _utf16_len(text) - _utf16_len(text.lstrip())
        limit = _utf16_len(stripped)
        adjusted: list[dict[str, Any]] = []
        for entity in entities:
            start = max(int(entity.get("offset", 0)) - shift, 0)
            end = min(int(entity.get("offset", 0)) + int(entity.get("length", 0)) - shift, limit)
            if end > start:
                adjusted.append({**entity, "offset": start, "length": end - start})
        text, entities = stripped, adjusted
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return text, entities


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local_botapi.server",
        description="Run the fake Telegram Bot API server in the foreground (loopback only).",
    )
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--token", default="123456:TEST-TOKEN")
    parser.add_argument("--bot-username", default="ssme_demo_bot")
    parser.add_argument("--rate-limit", type=float, default=None, help="sends per second")
    parser.add_argument("--per-chat-limit", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    server = BotApiServer(
        args.token,
        host=args.host,
        port=args.port,
        bot_username=args.bot_username,
        rate_limit_per_second=args.rate_limit,
        per_chat_limit=args.per_chat_limit,
    )
    server.start()
    print(f"Fake Bot API listening on {server.base_url}")
    print(f"  token:         {server.token}")
    print(f"  base_url:      {server.api_base_url}")
    print(f"  base_file_url: {server.file_base_url}")
    print(
        f"  inject:        curl -s {server.base_url}/_control/text "
        '-d \'{"user_id": 1001, "text": "/start"}\''
    )
    print(f"  read:          curl -s '{server.base_url}/_control/sent?chat_id=1001'")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
