"""The server's state: its internal records and the one object every part works on.

One re-entrant lock guards all of it: API handlers run under it on the server thread, control
calls take it from any thread. Methods named ``*_locked`` expect the caller to hold it.
"""

from __future__ import annotations

import asyncio
import bisect
import ipaddress
import itertools
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

import httpx

from local_botapi.records import BotEvent, CallbackAnswer, CallRecord, FaultKind, SentMessage
from local_botapi.transport import ApiError, maybe_int


@dataclass(eq=False)
class Fault:
    kind: FaultKind
    method: str | None  # lower-cased
    chat_id: int | None
    remaining: int
    retry_after: int
    delay: float
    status: int


@dataclass(eq=False)
class StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    size: int
    file_path: str
    mime_type: str | None
    filename: str | None
    width: int | None = None
    height: int | None = None
    size_known: bool = True  # False: Telegram leaves file_size out (it is optional)


@dataclass(eq=False)
class ChatState:
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
class PendingUpdate:
    order: int
    update_id: int
    update: dict[str, Any]
    delivered: bool = False


@dataclass(eq=False, slots=True)
class CallbackState:
    chat_id: int
    message_id: int
    data: str | None
    answered: bool = False


@dataclass(eq=False, slots=True)
class Waiter:
    loop: asyncio.AbstractEventLoop
    event: asyncio.Event
    thread_id: int


@dataclass(eq=False)
class Webhook:
    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: list[str] | None
    ip_address: str | None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass(eq=False, slots=True)
class LongPoll:
    generation: int
    offset: int | None
    limit: int
    deadline: float


def _event_seq(event: BotEvent) -> int:
    return event.seq


class ServerState:
    """All the state of a :class:`~local_botapi.server.BotApiServer`, and its constructor.

    The server is one object assembled from one mixin per concept (updates, faults, files, Bot
    API methods, waiting, control), all over this state and its one lock. The constructor's
    arguments are documented on ``BotApiServer``.
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
        self._waiters: dict[object, set[Waiter]] = {}

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

        self._chats: dict[int, ChatState] = {}
        self._all_sent: list[SentMessage] = []
        self._events: list[BotEvent] = []  # events[i].seq == i + 1
        # Like Telegram's, ids keep increasing across restarts of the server: a bot that
        # remembers the ids it handled (to drop re-deliveries) must not see an old id again.
        self._next_update_id = time.time_ns() // 1_000_000
        self._order = itertools.count()
        self._pending: deque[PendingUpdate] = deque()
        self._all_updates: dict[int, dict[str, Any]] = {}
        self._poll_generation = 0
        self._callbacks: dict[str, CallbackState] = {}
        self._callback_counter = itertools.count(1)
        self._callback_answers: list[CallbackAnswer] = []
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._commands: dict[str, list[dict[str, Any]]] = {}
        self._calls: deque[CallRecord] = deque(maxlen=max_call_log)
        self._call_count = 0
        self._faults: list[Fault] = []
        self._blocked: set[int] = set()
        self._global_send_times: deque[float] = deque()
        self._counters: defaultdict[str, int] = defaultdict(int)
        self._by_method: defaultdict[str, int] = defaultdict(int)
        self._by_status: defaultdict[str, int] = defaultdict(int)

        self._webhook: Webhook | None = None
        self._webhook_tasks: list[asyncio.Task[None]] = []
        self._webhook_queues: list[asyncio.Queue[PendingUpdate]] = []
        self._webhook_client: httpx.AsyncClient | None = None

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _target_chat_locked(self, params: dict[str, Any]) -> ChatState:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat_id = maybe_int(raw)
        if chat_id is None or chat_id == 0:
            raise ApiError(400, "Bad Request: chat not found")
        return self._chat_locked(chat_id)

    def _chat_locked(self, chat_id: int, first_name: str | None = None) -> ChatState:
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = ChatState(chat_id, first_name or "Usuario")
            self._chats[chat_id] = chat
        elif first_name:
            chat.first_name = first_name
        return chat

    def _chat_dict(self, chat: ChatState) -> dict[str, Any]:
        if chat.chat_id > 0:
            return {"id": chat.chat_id, "type": "private", "first_name": chat.first_name}
        return {"id": chat.chat_id, "type": "group", "title": f"Group {-chat.chat_id}"}

    def _user_locked(self, chat: ChatState) -> dict[str, Any]:
        return {
            "id": chat.chat_id,
            "is_bot": False,
            "first_name": chat.first_name,
            "language_code": "es",
        }

    def _events_after_locked(self, chat_id: int | None, cursor: int) -> list[BotEvent]:
        if chat_id is None:
            return self._events[max(cursor, 0) :]
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        start = bisect.bisect_right(chat.events, cursor, key=_event_seq)
        return chat.events[start:]
