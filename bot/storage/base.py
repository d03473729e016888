"""What every aggregate's methods are built on: the two connections' batches and the clock.

Each module of this package adds the methods of one aggregate to :class:`Storage` as a subclass
of :class:`StorageBase`. A write is a *job*, a function of the ``sqlite3`` connection run on the
writer's thread inside its batch's savepoint (see :mod:`bot.storage.connection`): however many
statements it makes, it commits or rolls back as one, and it returns once committed:
``await self._writes(job)`` is the only way anything in this package writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any, TypeVar

from bot.storage.clock import Clock, ts
from bot.storage.connection import Batches, Connection

_T = TypeVar("_T")

# The Telegram update whose handling is running in this task, if any (the Telegram layer sets
# it, see ``Updates.handling``). Every write made meanwhile records the update's id as seen in
# its own transaction: the "seen" mark commits with the update's effect or not at all.
HANDLING: ContextVar[int | None] = ContextVar("ssme_handling_update", default=None)
MARK_SEEN = "INSERT OR IGNORE INTO seen_updates (update_id, seen_at) VALUES (?, ?)"


class _Writes(Batches):
    """The writer's batches, adding the current update's "seen" mark to every job."""

    def __init__(self, writer: Connection, now: Callable[[], str]) -> None:
        super().__init__(writer.run_transaction)
        self._now = now

    async def __call__(self, job: Callable[[sqlite3.Connection], _T]) -> _T:
        update_id = HANDLING.get()
        if update_id is None:
            return await super().__call__(job)
        at = self._now()

        def marked(db: sqlite3.Connection) -> _T:
            db.execute(MARK_SEEN, (update_id, at))
            return job(db)

        return await super().__call__(marked)

    async def unmarked(self, job: Callable[[sqlite3.Connection], _T]) -> _T:
        """A write that is not an update's effect but its preparation (creating the draft
        response, clearing "unreachable"): done again harmlessly, so it must not make a
        re-delivery look handled when the kill came before the effect."""
        return await super().__call__(job)


class StorageBase:
    def __init__(self, writer: Connection, reader: Connection | None, clock: Clock) -> None:
        self._writer = writer
        self._reader = reader
        self._clock = clock
        self._writes = _Writes(writer, self._now)
        # ":memory:" has no second connection: its reads share the writer (its thread runs one
        # batch at a time, so a read never lands inside a write's transaction).
        self._reads = Batches((reader or writer).run_reads)

    def _now(self) -> str:
        """The clock's time, as stored."""
        return ts(self._clock())

    async def _write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One statement, group-committed. Returns the number of rows it changed."""
        return await self._writes(lambda db: db.execute(sql, params).rowcount)

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return await self._reads(lambda db: db.execute(sql, params).fetchall())

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        rows = await self._all(sql, params)
        return rows[0] if rows else None
