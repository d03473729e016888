"""Waiting for the bot: cursors, wake-ups across threads and loops, the blocking and async waits."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from local_botapi.records import BotEvent, CallRecord, SentMessage
from local_botapi.state import ServerState, Waiter

_T = TypeVar("_T")

# Waiter keys besides chat ids.
ANY_CHAT = "*any-chat*"

CALLS = "*calls*"


def _set_all(events: list[asyncio.Event]) -> None:
    for event in events:
        event.set()


class Waiting(ServerState):
    """Waits on what the bot does, from any thread or event loop."""

    def _notify_locked(self, key: object) -> None:
        self._cond.notify_all()
        if not self._waiters:
            return
        targets: list[Waiter] = []
        for waiter_key in (key, ANY_CHAT) if key != CALLS else (CALLS,):
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
        waiter = Waiter(loop, asyncio.Event(), threading.get_ident())
        deadline = loop.time() + seconds
        waiter_key = ANY_CHAT if key is None else key
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

    def cursor(self, chat_id: int | None = None) -> int:
        """The current event sequence number; pass it to :meth:`wait_new`.

        Sequence numbers are global, so the value is valid for any chat; ``chat_id`` is
        accepted only for readability.
        """
        with self._lock:
            return len(self._events)

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
        return await self._wait_async(check, CALLS, timeout, f"a {method or 'any'} call")
