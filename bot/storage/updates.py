"""Telegram updates: the inbox of those fetched, and those already handled (seen).

An update is *seen* once its effect is committed: every write made while it is being handled
(:meth:`Updates.handling`) records its id in the same transaction (``base.HANDLING``), and an
update that wrote nothing is marked when its handling ends without an error. So a re-delivery
after a crash is dropped only when what it did is on disk; one killed before its effect
committed is handled again, once. Marking *before* handling (as the bot once did) dropped those
silently; marking only *after* it would apply a typed answer twice, the second time to the next
question.

Polling confirms an update to Telegram with the next ``getUpdates``, before it is handled, so
Telegram would never deliver again one the bot was killed on. Hence the inbox: updates are
stored as fetched (:meth:`Updates.keep_updates`) and marked *replied* when their handling ends;
at start-up the ones not replied to are handled again (:meth:`Updates.unreplied_updates`): as
new when not seen, else by showing the manager where they stand (the reply may have been lost).
A webhook's updates are kept the same way, before Telegram is answered 200.

What this costs per update, kept small (docs/BENCHMARKS.md): keeping a page of updates is one
job, and it tells which of them are new (neither kept before nor seen), so those are never
looked up again (:meth:`Updates.seen` answers from memory; only a re-delivery or a replay reads
the database); the replied marks of all the updates that end while one batch is being written
make one job of the next batch (``Batches.gather``), and nobody waits for it: any later write
runs in the same batch or after it, so no effect of a later update commits before the mark.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Sequence
from contextvars import Token
from datetime import datetime, timedelta

from bot.storage.base import HANDLING, MARK_SEEN, StorageBase
from bot.storage.clock import Clock, ts
from bot.storage.connection import Connection

log = logging.getLogger(__name__)
REPLAY_WINDOW = timedelta(hours=24)  # as long as Telegram keeps an update
_KEEP = "INSERT OR IGNORE INTO inbox (update_id, body, received_at) VALUES (?, ?, ?)"
_REPLIED = "UPDATE inbox SET replied_at = ?, body = NULL WHERE update_id = ?"


class Updates(StorageBase):
    def __init__(self, writer: Connection, reader: Connection | None, clock: Clock) -> None:
        super().__init__(writer, reader, clock)
        # Updates this process kept in the inbox that were new then (see keep_updates).
        self._fresh: set[int] = set()
        self._replying: asyncio.Future[None] | None = None  # the replied marks' open job
        # Updates whose replied mark is queued and not yet committed: (was it handled well).
        self._replied_here: dict[int, bool] = {}

    async def first_time(self, update_id: int) -> bool:
        """Record an update id; False when it was seen before (a re-delivery)."""
        changed = await self._write(MARK_SEEN, (update_id, self._now()))
        return changed == 1

    async def seen(self, update_id: int) -> tuple[bool, bool]:
        """(seen: its effect is committed, replied: its handling ended) of an update.

        An update :meth:`keep_updates` found new is answered from memory, once: a later copy
        (a re-delivery) is looked up."""
        if update_id in self._fresh:
            self._fresh.discard(update_id)
            return False, False
        if update_id in self._replied_here:  # its mark is queued, not yet committed
            return self._replied_here[update_id], True
        row = await self._one(
            "SELECT (SELECT 1 FROM seen_updates WHERE update_id = ?) AS seen, "
            "(SELECT replied_at FROM inbox WHERE update_id = ?) AS replied, "
            "(SELECT 1 FROM inbox WHERE update_id = ?) AS kept",
            (update_id, update_id, update_id),
        )
        assert row is not None
        # An update the inbox never had (a webhook's) counts as replied once seen.
        return bool(row["seen"]), bool(row["replied"]) or not row["kept"]

    @staticmethod
    def handling(update_id: int | None) -> Token[int | None]:
        """From now on in this task, every write also marks ``update_id`` seen (None: stop,
        after a failure: what failed is not marked seen, a re-delivery is handled again)."""
        return HANDLING.set(update_id)

    def mark_replied(self, update_id: int) -> asyncio.Future[None]:
        """The end of an update's handling: replied to; seen too, whether or not it wrote
        anything, unless its handling failed (``handling(None)`` was called).

        Queued, not waited for: the marks of every update ending before the next batch make
        one job of it (see the module's docstring). Returns that job's future (shared: await
        it through ``asyncio.shield``); a failure is logged, and costs only a replay."""
        ok = HANDLING.get() == update_id
        HANDLING.set(None)
        self._fresh.discard(update_id)
        future = self._writes.gather(_REPLIED, (update_id, ok, self._now()), _replied_job)
        if future is not self._replying:  # a new job: its failure is logged once
            self._replying = future
            future.add_done_callback(_log_failure)
        # Until then, a copy of this update (a re-delivery) is told it was replied to here.
        self._replied_here[update_id] = ok
        future.add_done_callback(lambda _: self._replied_here.pop(update_id, None))
        return future

    async def keep_updates(self, updates: Sequence[tuple[int, str]]) -> None:
        """Updates as fetched (id, JSON), before Telegram is told they arrived (polling: before
        the next getUpdates; a webhook: before its 200). Those new to the inbox and not seen
        are remembered as such, for :meth:`seen`."""
        now = self._now()

        def work(db: sqlite3.Connection) -> list[int]:
            new = [u for u, body in updates if db.execute(_KEEP, (u, body, now)).rowcount]
            if not new:
                return new
            marks = ",".join("?" * len(new))
            seen = {
                r[0]
                for r in db.execute(
                    f"SELECT update_id FROM seen_updates WHERE update_id IN ({marks})", new
                )
            }
            return [u for u in new if u not in seen]

        self._fresh.update(await self._writes(work))

    async def unreplied_updates(self) -> list[str]:
        """The JSON of every update fetched in the last day and never replied to, oldest first."""
        rows = await self._all(
            "SELECT body FROM inbox WHERE replied_at IS NULL AND body IS NOT NULL "
            "AND received_at >= ? ORDER BY update_id",
            (ts(self._clock() - REPLAY_WINDOW),),
        )
        return [r["body"] for r in rows]

    async def forget_updates_before(self, moment: datetime) -> int:
        def work(db: sqlite3.Connection) -> int:
            db.execute("DELETE FROM inbox WHERE received_at < ?", (ts(moment),))
            return db.execute("DELETE FROM seen_updates WHERE seen_at < ?", (ts(moment),)).rowcount

        return await self._writes(work)


def _replied_job(marks: list[tuple[int, bool, str]]) -> Callable[[sqlite3.Connection], None]:
    def work(db: sqlite3.Connection) -> None:
        db.executemany(MARK_SEEN, [(u, at) for u, ok, at in marks if ok])
        db.executemany(_REPLIED, [(at, u) for u, _, at in marks])

    return work


def _log_failure(future: asyncio.Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("event=replied_marks_failed error=%r", future.exception())
