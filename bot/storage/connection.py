"""The SQLite connections, and the one path every statement takes to them.

A connection is a plain ``sqlite3`` connection that lives on a thread of its own: SQLite blocks,
and a connection must be used by one thread at a time. :meth:`Connection.call` is the one trip
from the event loop to that thread and back; nothing else touches the ``sqlite3`` object.

Why not aiosqlite. It does the same (one thread per connection), but its public API is one trip
per statement (``execute``, ``fetchall``, ``commit``…), and under load the trips, not SQLite,
capped the bot: the writer was held 80% of the time for ~0.8 ms a trip, and the reader's queue
grew to ~35 ms a read (docs/BENCHMARKS.md). Running a whole batch in one trip needed its private
``_execute`` and ``_conn``. What it does is small, so it is done here with the standard
library only: a thread that owns the connection and serves a queue of calls, each call's
outcome handed back through ``loop.call_soon_threadsafe``; no private API of anyone, and no
third-party version to pin for it. (A ``ThreadPoolExecutor`` would do too, but measured ~15 µs
more CPU per trip; this thread costs what aiosqlite's did, ~30 µs.)

:class:`Batches` queues jobs (functions of the ``sqlite3`` connection) and runs all the queued
ones in one trip. Writes: :meth:`Connection.run_transaction` runs a batch as ONE transaction,
each job in a savepoint of its own, so a failing job rolls back alone and the others commit
together (a group commit); if ``BEGIN`` or ``COMMIT`` fails, every job of the batch fails. A
job returns only once its batch is committed. Reads: :meth:`Connection.run_reads` runs each
job on its own, in autocommit.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from queue import SimpleQueue
from typing import Any, TypeVar

_T = TypeVar("_T")
# Work for a connection's thread, queued by Batches; its outcome is (True, result) or
# (False, the exception it raised).
Job = Callable[[sqlite3.Connection], Any]
Outcome = tuple[bool, Any]


class Connection:
    """One ``sqlite3`` connection, used only on its own thread; :meth:`call` goes there.

    Made by :meth:`open`. The thread is a daemon: a connection never closed does not keep the
    process alive at exit (to SQLite an exit mid-transaction is a crash: nothing half-written).
    """

    def __init__(self) -> None:
        self._conn: sqlite3.Connection | None = None
        self._calls: SimpleQueue[tuple[asyncio.Future[Any], Callable[[], Any]] | None]
        self._calls = SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="ssme-sqlite", daemon=True)
        self._thread.start()

    @classmethod
    async def open(cls, path: str, pragmas: Sequence[str] = ()) -> Connection:
        """Connect on a new thread (autocommit: transactions are begun explicitly), rows as
        ``sqlite3.Row``, then set ``pragmas``."""

        def connect() -> sqlite3.Connection:
            conn = sqlite3.connect(path, isolation_level=None)
            try:
                conn.row_factory = sqlite3.Row
                for pragma in pragmas:
                    conn.execute(pragma)
            except BaseException:
                conn.close()
                raise
            return conn

        connection = cls()
        try:
            connection._conn = await connection._queue(connect)
        except BaseException:
            connection._calls.put(None)
            raise
        return connection

    def _serve(self) -> None:
        """The thread: run each queued call in turn, hand its outcome back to the caller's loop."""
        while (item := self._calls.get()) is not None:
            future, fn = item
            try:
                outcome: Outcome = (True, fn())
            except BaseException as exc:
                outcome = (False, exc)
            with contextlib.suppress(RuntimeError):  # the caller's loop has closed meanwhile
                future.get_loop().call_soon_threadsafe(_settle, future, outcome)

    def _queue(self, fn: Callable[[], _T]) -> asyncio.Future[_T]:
        future: asyncio.Future[_T] = asyncio.get_running_loop().create_future()
        self._calls.put((future, fn))
        return future

    async def call(self, fn: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``fn(connection)`` on the connection's thread: one trip."""
        if self._conn is None:
            raise sqlite3.ProgrammingError("Cannot operate on a closed database.")
        return await self._queue(partial(fn, self._conn))

    async def close(self) -> None:
        if self._conn is None:  # closed already
            return
        await self.call(sqlite3.Connection.close)
        self._conn = None
        self._calls.put(None)
        self._thread.join()  # idle now: it ends at once

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

    async def __call__(self, job: Callable[[sqlite3.Connection], _T]) -> _T:
        future: asyncio.Future[_T] = asyncio.get_running_loop().create_future()
        self._queued.append((job, future))
        if self._runner is None:
            self._runner = asyncio.create_task(self._run_queued())
        return await future

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
            raise
        finally:
            self._runner = None
