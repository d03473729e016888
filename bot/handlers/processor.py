"""Run the updates of different users concurrently, and each user's updates in order.

By default python-telegram-bot processes one update at a time: with 20 managers answering at once
the p95 latency of a questionnaire step was about 1 s. ``concurrent_updates(True)`` fixes the
latency but lets two updates of the same user race (a double tap on a button, an answer typed
while the previous one is still being stored), which breaks the questionnaire flow and is what
the ConversationHandler docs warn about. :class:`PerUserUpdateProcessor` sits in between: a user
is a strict FIFO queue, different users share the application's concurrency limit.

Use it with ``ApplicationBuilder().concurrent_updates(PerUserUpdateProcessor(64))``.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Hashable
from dataclasses import dataclass, field
from typing import Any, Final

from telegram import Update
from telegram.ext import BaseUpdateProcessor

__all__ = ["SHARED_KEY", "PerUserUpdateProcessor"]

# Updates that name neither a user nor a chat (polls, custom objects put on the update queue) have
# no natural owner; serialising them among themselves is the safe default.
SHARED_KEY: Final[Hashable] = object()


@dataclass(slots=True)
class _KeyState:
    # ``asyncio.Lock`` wakes its waiters in FIFO order and a newcomer cannot barge ahead of a woken
    # waiter, so the lock alone gives arrival order per key.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Updates of this key that are running or waiting. It is what lets idle keys be dropped, and
    # it tells without awaiting whether the lock is free with nobody queued for it.
    pending: int = 0


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Update processor that serialises updates per user and runs different users concurrently.

    Updates are keyed by :meth:`key_for`. At most ``max_concurrent_updates`` updates run at once
    in total; an update waiting behind an earlier update of its own user does not count against
    that limit.

    Args:
        max_concurrent_updates: Upper bound of updates processed at the same time.
    """

    __slots__ = ("_keys",)

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._keys: dict[Hashable, _KeyState] = {}

    @staticmethod
    def key_for(update: object) -> Hashable:
        """The ordering key of ``update``: the user's id, else the chat's id, else
        :data:`SHARED_KEY`.

        In a private chat the chat id equals the user id, so both fall on the same key; group and
        channel ids are negative and cannot collide with a user id.
        """
        if isinstance(update, Update):
            if update.effective_user is not None:
                return update.effective_user.id
            if update.effective_chat is not None:
                return update.effective_chat.id
        return SHARED_KEY

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Await ``coroutine`` once every earlier update with the same key has finished.

        Called by :meth:`process_update`, which already holds one slot of the global semaphore.
        """
        key = self.key_for(update)
        state = self._keys.get(key)
        if state is None:
            state = self._keys[key] = _KeyState()
        state.pending += 1
        try:
            if state.pending == 1:
                # Nobody holds or waits for the lock, so this returns without suspending.
                await state.lock.acquire()
            else:
                await self._wait_for_turn(state.lock)
            try:
                await coroutine
            finally:
                state.lock.release()
        except BaseException:
            # Cancelled before its turn: close the coroutine so it is not reported as never awaited.
            if inspect.iscoroutine(coroutine) and inspect.getcoroutinestate(coroutine) == (
                inspect.CORO_CREATED
            ):
                coroutine.close()
            raise
        finally:
            # No await between releasing the lock and this bookkeeping, so ``pending`` never
            # disagrees with the lock's state as seen by another task.
            state.pending -= 1
            if state.pending == 0:
                del self._keys[key]

    async def _wait_for_turn(self, lock: asyncio.Lock) -> None:
        # process_update() is @final and takes a global slot *before* we learn the key, so the slot
        # is handed back while waiting: otherwise a user with a burst of updates would fill every
        # slot with updates that can only wait, stalling all other users.
        self._semaphore.release()
        try:
            await lock.acquire()
        except BaseException:
            await self._take_slot_back()
            raise
        try:
            await self._take_slot_back()
        except BaseException:
            lock.release()
            raise

    async def _take_slot_back(self) -> None:
        # process_update() releases one slot when do_process_update() returns, whatever happens.
        # Leaving without holding one would raise ValueError from the bounded semaphore or, worse,
        # silently raise the concurrency limit for good; so a cancellation is deferred until the
        # slot is held again.
        cancelled: asyncio.CancelledError | None = None
        while True:
            try:
                await self._semaphore.acquire()
            except asyncio.CancelledError as exc:
                cancelled = exc
            else:
                break
        if cancelled is not None:
            raise cancelled

    async def initialize(self) -> None:
        """Nothing to set up: per-key state is created on demand."""

    async def shutdown(self) -> None:
        """Nothing to free: per-key state is dropped as soon as a key has no pending update."""
