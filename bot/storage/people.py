"""Invitations and managers: a single-use code makes a Telegram user a cluster's manager.

A cluster has at most one manager; redeeming a new code for it replaces the previous one (the
audit log keeps who it was until that person's data is erased, see :mod:`bot.storage.privacy`).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.storage import audit
from bot.storage.base import StorageBase
from bot.storage.clock import parse_optional_ts, parse_ts, ts
from bot.storage.rows import Manager, Redeem


class People(StorageBase):
    async def create_invitation(
        self, cluster_id: str, token: str, expires_at: datetime, actor: str | int
    ) -> None:
        now, expires = self._now(), ts(expires_at)

        def work(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO invitations (token, cluster_id, created_at, expires_at, created_by) "
                "VALUES (?, ?, ?, ?, ?)",
                (token, cluster_id, now, expires, str(actor)),
            )
            audit.record(db, now, actor, "invite", cluster_id, {"expires_at": expires})

        await self._writes(work)

    async def redeem_invitation(
        self, token: str, user_id: int, chat_id: int, name: str | None, now: datetime | None = None
    ) -> tuple[Redeem, str | None]:
        """Use a single-use code: the user becomes the cluster's manager, replacing any other."""
        moment = now or self._clock()
        at = ts(moment)

        def work(db: sqlite3.Connection) -> tuple[Redeem, str | None]:
            row = db.execute(
                "SELECT cluster_id, expires_at, used_at FROM invitations WHERE token = ?", (token,)
            ).fetchone()
            if row is None:
                return Redeem.UNKNOWN, None
            cluster_id: str = row["cluster_id"]
            if row["used_at"] is not None:
                return Redeem.USED, cluster_id
            if parse_ts(row["expires_at"]) <= moment:
                return Redeem.EXPIRED, cluster_id
            db.execute(
                "UPDATE invitations SET used_at = ?, used_by = ? WHERE token = ?",
                (at, user_id, token),
            )
            previous = db.execute(
                "SELECT user_id FROM managers WHERE cluster_id = ?", (cluster_id,)
            ).fetchone()
            db.execute(
                "INSERT INTO managers (cluster_id, user_id, chat_id, name, registered_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (cluster_id) DO UPDATE SET "
                "user_id = excluded.user_id, chat_id = excluded.chat_id, name = excluded.name, "
                "registered_at = excluded.registered_at, consent_at = NULL, consent_version = NULL, "
                "unreachable_at = NULL",
                (cluster_id, user_id, chat_id, name, at),
            )
            detail = {"previous_user": previous["user_id"]} if previous else {}
            action = (
                "manager_replaced" if previous and previous["user_id"] != user_id else "register"
            )
            audit.record(db, at, user_id, action, cluster_id, detail)
            return Redeem.OK, cluster_id

        return await self._writes(work)

    async def manager_for_user(self, user_id: int) -> Manager | None:
        row = await self._one(
            "SELECT * FROM managers WHERE user_id = ? ORDER BY registered_at DESC LIMIT 1",
            (user_id,),
        )
        return _manager(row) if row else None

    async def cluster_manager(self, cluster_id: str) -> Manager | None:
        row = await self._one("SELECT * FROM managers WHERE cluster_id = ?", (cluster_id,))
        return _manager(row) if row else None

    async def record_consent(self, cluster_id: str, user_id: int, version: str) -> None:
        now = self._now()

        def work(db: sqlite3.Connection) -> None:
            db.execute(
                "UPDATE managers SET consent_at = ?, consent_version = ? "
                "WHERE cluster_id = ? AND user_id = ?",
                (now, version, cluster_id, user_id),
            )
            audit.record(db, now, user_id, "consent", cluster_id, {"version": version})

        await self._writes(work)

    async def mark_reachable(self, user_id: int) -> None:
        """A manager who writes to the bot again has unblocked it."""
        await self._writes.unmarked(
            lambda db: db.execute(
                "UPDATE managers SET unreachable_at = NULL "
                "WHERE user_id = ? AND unreachable_at IS NOT NULL",
                (user_id,),
            )
        )


def _manager(row: sqlite3.Row) -> Manager:
    return Manager(
        row["cluster_id"],
        row["user_id"],
        row["chat_id"],
        row["name"],
        parse_optional_ts(row["consent_at"]),
        row["unreachable_at"] is not None,
    )
