"""The SQLite connections, and the one path every statement takes to them.

Each connection is an aiosqlite connection (the project's embedded store): a ``sqlite3``
connection living on a thread of its own, since SQLite blocks and a connection must be used
by one thread at a time. :meth:`Connection.call` is the one trip from the event loop to that
thread and back, and the only place that reaches into aiosqlite's internals.

Why those internals. aiosqlite's public API is one trip per statement (``execute``,
``fetchall``, ``commit``…), and under load the trips, not SQLite, capped the bot: the writer
was held 80% of the time for ~0.8 ms a trip, and the reader's queue grew to ~35 ms a read
(docs/BENCHMARKS.md). Running a whole batch in one trip needs a function run on the
connection's thread: ``Connection._execute(fn)``, with the ``sqlite3`` object it owns
(``Connection._conn``). Both are used in :meth:`Connection.call` only; aiosqlite is pinned to
its minor version in pyproject.toml, and ``tests/test_storage.py`` fails if either changes.

:class:`Batches` queues jobs (functions of the ``sqlite3`` connection) and runs all the queued
ones in one trip. Writes: :meth:`Connection.run_transaction` runs a batch as ONE transaction,
each job in a savepoint of its own, so a failing job rolls back alone and the others commit
together (a group commit); if ``BEGIN`` or ``COMMIT`` fails, every job of the batch fails. A
job returns only once its batch is committed. Reads: :meth:`Connection.run_reads` runs each
job on its own, in autocommit.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, Hashable, Sequence
from functools import partial
from typing import Any, TypeVar

import aiosqlite

_T = TypeVar("_T")
# Work for a connection's thread, queued by Batches; its outcome is (True, result) or
# (False, the exception it raised).
Job = Callable[[sqlite3.Connection], Any]
Outcome = tuple[bool, Any]


class Connection:
    """One SQLite connection on its own thread (aiosqlite's); :meth:`call` goes there.

    Made by :meth:`open`; ``close`` is idempotent.
    """

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db: aiosqlite.Connection | None = db

    @classmethod
    async def open(cls, path: str, pragmas: Sequence[str] = ()) -> Connection:
        """Connect (autocommit: transactions are begun explicitly), rows as ``sqlite3.Row``,
        then set ``pragmas``."""
        db = await aiosqlite.connect(path, isolation_level=None)
        connection = cls(db)
        try:
            db.row_factory = sqlite3.Row
            for pragma in pragmas:
                await connection.call(partial(_execute, pragma))
        except BaseException:
            await connection.close()
            raise
        return connection

    async def call(self, fn: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``fn(connection)`` on the connection's thread: one trip."""
        db = self._db
        if db is None:
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        # aiosqlite's internals, here only (see the module docstring): run ``fn`` on the
        # connection's thread with the sqlite3 connection it owns.
        result: _T = await db._execute(partial(fn, db._conn))
        return result

    async def close(self) -> None:
        db, self._db = self._db, None
        if db is not None:  # closed already otherwise
            await db.close()

    async def run_reads(self, jobs: Sequence[Job]) -> list[Outcome]:
        """Run each job on its own (autocommit), in order: ``(True, result)`` or
        ``(False, exception)`` per job."""

        def batch(conn: sqlite3.Connection) -> list[Outcome]:
            outcomes: list[Outcome] = []
            for job in jobs:
                try:
                    outcomes.append((True, job(conn)))
                except Exception as exc:
                    outcomes.append((False, exc))
            return outcomes

        return await self.call(batch)

    async def run_transaction(self, jobs: Sequence[Job]) -> list[Outcome]:
        """Run each job in a savepoint of one transaction: ``(True, result)`` or
        ``(False, exception)`` per job, in order.

        A job that raises is rolled back alone; the others commit together. If the transaction
        itself fails (``BEGIN`` or ``COMMIT``), nothing is committed and this raises.
        """

        def batch(conn: sqlite3.Connection) -> list[Outcome]:
            outcomes: list[Outcome] = []
            try:
                conn.execute("BEGIN IMMEDIATE")
                for job in jobs:
                    conn.execute("SAVEPOINT job")
                    try:
                        outcomes.append((True, job(conn)))
                    except Exception as exc:
                        conn.execute("ROLLBACK TO job")
                        outcomes.append((False, exc))
                    conn.execute("RELEASE job")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return outcomes

        return await self.call(batch)


def _execute(sql: str, conn: sqlite3.Connection) -> None:
    conn.execute(sql)


def _settle(future: asyncio.Future[Any], outcome: Outcome) -> None:
    if future.done():  # its caller was cancelled meanwhile
        return
    ok, value = outcome
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


class Batches:
    """Queue jobs for one connection and run all queued jobs in one trip per batch.

    The first job starts a task that runs the queue; jobs queued while a batch is in the
    thread form the next batch. At rest a batch is one job and nothing waits; under load
    batches grow by themselves. For writes this is a group commit.
    """

    def __init__(self, run: Callable[[Sequence[Job]], Awaitable[list[Outcome]]]) -> None:
        self._run = run
        self._queued: list[tuple[Job, asyncio.Future[Any]]] = []
        self._runner: asyncio.Task[None] | None = None
        # The items of each gathered job still open, and its future (see gather).
        self._gathered: dict[Hashable, tuple[list[Any], asyncio.Future[Any]]] = {}

    async def __call__(self, job: Callable[[sqlite3.Connection], _T]) -> _T:
        future: asyncio.Future[_T] = asyncio.get_running_loop().create_future()
        self._queue(job, future)
        return await future

    def gather(
        self, key: Hashable, item: Any, job_of: Callable[[list[Any]], Job]
    ) -> asyncio.Future[Any]:
        """Add ``item`` to the one job of ``key`` waiting for the next batch: however many
        callers add items before that batch starts, they make one job, ``job_of(items)`` (one
        savepoint, one ``executemany``), not one each. Returns the job's future, shared by
        every caller: await it through ``asyncio.shield``, or not at all. A job queued later
        runs in the same batch or a later one, so it never commits before these items."""
        gathered = self._gathered.get(key)
        if gathered is None:
            items: list[Any] = []
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            gathered = self._gathered[key] = (items, future)
            self._queue(lambda conn: job_of(items)(conn), future)
        gathered[0].append(item)
        return gathered[1]

    def _queue(self, job: Job, future: asyncio.Future[Any]) -> None:
        self._queued.append((job, future))
        if self._runner is None:
            self._runner = asyncio.create_task(self._run_queued())

    async def drain(self) -> None:
        if self._runner is not None:
            await self._runner

    async def _run_queued(self) -> None:
        batch: list[tuple[Job, asyncio.Future[Any]]] = []
        try:
            while self._queued:
                # Whatever was queued while the last batch ran rides along. A job whose caller
                # has gone (cancelled) is dropped before it starts.
                batch = [(job, f) for job, f in self._queued if not f.cancelled()]
                self._queued = []
                self._gathered = {}  # their items are final now: later ones make new jobs
                if not batch:
                    continue
                try:
                    outcomes = await self._run([job for job, _ in batch])
                except Exception as exc:
                    outcomes = [(False, exc)] * len(batch)
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    _settle(future, outcome)
                batch = []
        except BaseException:
            # Cancelled, or SystemExit raised in this task by a signal: no caller may wait for
            # ever, or the bot's shutdown (which waits for every update to end) never ends.
            for _, future in [*batch, *self._queued]:
                future.cancel()
            self._queued = []
            self._gathered = {}
            raise
        finally:
            self._runner = None
