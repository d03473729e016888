"""What every aggregate's methods are built on: the two connections' batches and the clock.

Each module of this package adds the methods of one aggregate to :class:`Storage` as a subclass
of :class:`StorageBase`. A write is a *job*, a function of the ``sqlite3`` connection run on the
writer's thread inside its batch's savepoint (see :mod:`bot.storage.connection`): however many
statements it makes, it commits or rolls back as one, and it returns once committed:
``await self._writes(job)`` is the only way anything in this package writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from bot.storage.clock import Clock, ts
from bot.storage.connection import Batches, Connection


class StorageBase:
    def __init__(self, writer: Connection, reader: Connection | None, clock: Clock) -> None:
        self._writer = writer
        self._reader = reader
        self._clock = clock
        self._writes = Batches(writer.run_transaction)
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
