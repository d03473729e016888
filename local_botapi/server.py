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
import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from functools import cached_property
from typing import Any
from urllib.parse import unquote

from tornado import httputil
from tornado.http1connection import HTTP1Connection
from tornado.netutil import bind_sockets

from local_botapi.control import ChatSession, Control
from local_botapi.faults import fault_error
from local_botapi.records import (
    BotEvent,
    CallbackAnswer,
    CallRecord,
    EditRecord,
    FaultKind,
    SentMessage,
)
from local_botapi.state import Fault, LongPoll
from local_botapi.transport import (
    ApiError,
    NoDelayHTTPServer,
    dumps,
    parse_params,
    reply,
    reply_json,
)
from local_botapi.waiting import CALLS

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


class BotApiServer(Control):
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
            http_server = NoDelayHTTPServer(self._on_request, idle_connection_timeout=300)
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

    # ---------------------------------------------------------------- HTTP dispatch

    @cached_property
    def _methods(self) -> dict[str, tuple[str, Callable[[dict[str, Any], dict[str, Any]], Any]]]:
        """Bot API method (lower case: Telegram's names are case-insensitive) -> name, handler."""
        table: dict[str, tuple[str, Callable[[dict[str, Any], dict[str, Any]], Any]]] = {}
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
            table[name.lower()] = (name, handler)
        return table

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
                reply_json(request, 404, ApiError(404, "Not Found").payload())
        except Exception:
            _LOG.exception("BotApiServer: unhandled error for %s", path)
            reply_json(request, 500, ApiError(500, "Internal Server Error").payload())

    def _handle_api(self, request: httputil.HTTPServerRequest, path: str) -> None:
        started = time.time()
        token, _, name = path[len("/bot") :].partition("/")
        if "%" in token:
            token = unquote(token)
        entry = self._methods.get(name.lower())
        method = entry[0] if entry else (name or "?")
        if token != self.token:
            self._finish_api(request, method, {}, {}, None, started, ApiError(401, "Unauthorized"))
            return
        if entry is None:
            self._finish_api(request, method, {}, {}, None, started, ApiError(404, "Not Found"))
            return
        try:
            params, files = parse_params(request)
        except ApiError as exc:
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
        except ApiError as exc:
            self._finish_api(request, method, params, files, chat_id, started, exc, fault=fault)
            return
        if isinstance(result, LongPoll):
            self._spawn(self._long_poll(request, params, started, result))
            return
        self._finish_api(request, method, params, files, chat_id, started, result, fault=fault)

    async def _long_poll(
        self,
        request: httputil.HTTPServerRequest,
        params: dict[str, Any],
        started: float,
        poll: LongPoll,
    ) -> None:
        outcome = await self._poll(poll)
        self._finish_api(request, "getUpdates", params, {}, None, started, outcome)

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
        if isinstance(outcome, ApiError):
            status, body = outcome.status, outcome.payload()
        else:
            status, body = 200, {"ok": True, "result": outcome}
        payload = dumps(body)
        with self._lock:
            self._log_call_locked(method, params, files, chat_id, status, started, fault)
        reply(request, status, payload)

    def _apply_fault(
        self,
        request: httputil.HTTPServerRequest,
        method: str,
        params: dict[str, Any],
        files: dict[str, Any],
        chat_id: int | None,
        started: float,
        fault: Fault,
    ) -> None:
        if fault.kind == "drop":
            with self._lock:
                self._counters["dropped"] += 1
                self._log_call_locked(method, params, files, chat_id, 0, started, "drop")
            if isinstance(request.connection, HTTP1Connection):
                request.connection.close()
            return
        if fault.kind == "redirect":
            with self._lock:
                self._log_call_locked(method, params, files, chat_id, 307, started, "redirect")
            reply(request, 307, b"", location=request.uri)
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
        error = fault_error(fault)
        self._finish_api(request, method, params, files, chat_id, started, error, fault=fault.kind)

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
        self._notify_locked(CALLS)


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
