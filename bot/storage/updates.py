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
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextvars import Token
from datetime import datetime, timedelta

from bot.storage.base import HANDLING, MARK_SEEN, StorageBase
from bot.storage.clock import ts

REPLAY_WINDOW = timedelta(hours=24)  # as long as Telegram keeps an update


class Updates(StorageBase):
    async def first_time(self, update_id: int) -> bool:
        """Record an update id; False when it was seen before (a re-delivery)."""
        changed = await self._write(MARK_SEEN, (update_id, self._now()))
        return changed == 1

    async def seen(self, update_id: int) -> tuple[bool, bool]:
        """(seen: its effect is committed, replied: its handling ended) of an update."""
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

    async def mark_replied(self, update_id: int) -> None:
        """The end of an update's handling: replied to; seen too, whether or not it wrote
        anything, unless its handling failed (``handling(None)`` was called)."""
        ok = HANDLING.get() == update_id
        HANDLING.set(None)
        now = self._now()

        def work(db: sqlite3.Connection) -> None:
            if ok:
                db.execute(MARK_SEEN, (update_id, now))
            db.execute(
                "UPDATE inbox SET replied_at = ?, body = NULL WHERE update_id = ?",
                (now, update_id),
            )

        await self._writes(work)

    async def keep_updates(self, updates: Sequence[tuple[int, str]]) -> None:
        """Updates as fetched (id, JSON), before Telegram is told they arrived."""
        now = self._now()
        await self._writes(
            lambda db: db.executemany(
                "INSERT OR IGNORE INTO inbox (update_id, body, received_at) VALUES (?, ?, ?)",
                [(update_id, body, now) for update_id, body in updates],
            )
        )

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
