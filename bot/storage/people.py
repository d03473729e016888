"""Invitations and members: a single-use code makes a Telegram user a member of a cluster.

A person may hold any number of clusters (table ``members``, one row per person and cluster),
each in a role: the cluster's one ``manager``, or a ``collaborator`` the manager invited. The
cluster a person stands on is the one they chose last (``chosen``, a counter per person: an
invitation accepted, ``/cambiar``). A manager invitation for a cluster that has another manager replaces them: their
row goes (their answers and the audit stay), and the caller is told whom, to let them know.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.storage import audit
from bot.storage.base import StorageBase
from bot.storage.clock import parse_optional_ts, parse_ts, ts
from bot.storage.invitations import insert_invitation
from bot.storage.rows import Manager, Redeem, Redemption

# The cluster a person stands on: the one chosen last.
_CHOSEN_LAST = "ORDER BY chosen DESC"
# The next number in the person's order of choices.
_NEXT_CHOICE = "(SELECT COALESCE(MAX(chosen), 0) + 1 FROM members WHERE user_id = ?)"


class People(StorageBase):
    async def create_invitation(
        self,
        cluster_id: str,
        token: str,
        expires_at: datetime,
        actor: str | int,
        *,
        role: str = "manager",
        invited_by: int | None = None,
    ) -> None:
        now, expires = self._now(), ts(expires_at)

        await self._writes(
            lambda db: insert_invitation(
                db, now, cluster_id, token, expires, actor, role=role, invited_by=invited_by
            )
        )

    async def redeem_invitation(
        self, token: str, user_id: int, chat_id: int, name: str | None, now: datetime | None = None
    ) -> Redemption:
        """Use a single-use code: the user becomes a member of its cluster in its role, and the
        cluster the user stands on. A manager code replaces another manager (returned); the
        person's other clusters are untouched."""
        moment = now or self._clock()
        at = ts(moment)

        def work(db: sqlite3.Connection) -> Redemption:
            row = db.execute(
                "SELECT cluster_id, expires_at, used_at, role, invited_by FROM invitations "
                "WHERE token = ?",
                (token,),
            ).fetchone()
            if row is None:
                return Redemption(Redeem.UNKNOWN, None)
            cluster_id: str = row["cluster_id"]
            role: str = row["role"]
            if row["used_at"] is not None:
                return Redemption(Redeem.USED, cluster_id, role)
            if parse_ts(row["expires_at"]) <= moment:
                return Redemption(Redeem.EXPIRED, cluster_id, role)
            db.execute(
                "UPDATE invitations SET used_at = ?, used_by = ? WHERE token = ?",
                (at, user_id, token),
            )
            previous = db.execute(
                "SELECT * FROM members WHERE cluster_id = ? AND role = 'manager'", (cluster_id,)
            ).fetchone()
            replaced = None
            if role == "manager" and previous is not None and previous["user_id"] != user_id:
                replaced = _manager(previous)
                db.execute(
                    "DELETE FROM members WHERE cluster_id = ? AND user_id = ?",
                    (cluster_id, replaced.user_id),
                )
            if role == "collaborator" and previous is not None and previous["user_id"] == user_id:
                role = "manager"  # a manager who opens a collaborator's link stays the manager
            db.execute(
                "INSERT INTO members (cluster_id, user_id, chat_id, name, role, registered_at, "
                f"chosen, invited_by) VALUES (?, ?, ?, ?, ?, ?, {_NEXT_CHOICE}, ?) "
                "ON CONFLICT (cluster_id, user_id) DO UPDATE SET chat_id = excluded.chat_id, "
                "name = excluded.name, role = excluded.role, chosen = excluded.chosen, "
                "unreachable_at = NULL",
                (cluster_id, user_id, chat_id, name, role, at, user_id, row["invited_by"]),
            )
            if replaced is not None:
                action, detail = "manager_replaced", {"previous_user": replaced.user_id}
            elif role == "collaborator":
                action, detail = "collaborator_joined", {"invited_by": row["invited_by"]}
            else:
                action, detail = "register", {}
            audit.record(db, at, user_id, action, cluster_id, detail)
            return Redemption(Redeem.OK, cluster_id, role, replaced)

        return await self._writes(work)

    async def manager_for_user(self, user_id: int) -> Manager | None:
        """The membership the person stands on (the cluster chosen last), in any role."""
        row = await self._one(
            f"SELECT * FROM members WHERE user_id = ? {_CHOSEN_LAST} LIMIT 1", (user_id,)
        )
        return _manager(row) if row else None

    async def memberships(self, user_id: int) -> list[Manager]:
        """Every cluster the person holds, the one they stand on first."""
        rows = await self._all(
            f"SELECT * FROM members WHERE user_id = ? {_CHOSEN_LAST}", (user_id,)
        )
        return [_manager(r) for r in rows]

    async def membership(self, user_id: int, cluster_id: str) -> Manager | None:
        row = await self._one(
            "SELECT * FROM members WHERE user_id = ? AND cluster_id = ?", (user_id, cluster_id)
        )
        return _manager(row) if row else None

    async def cluster_members(self, cluster_id: str) -> list[Manager]:
        """The cluster's manager first, then its collaborators in the order they joined."""
        rows = await self._all(
            "SELECT * FROM members WHERE cluster_id = ? "
            "ORDER BY role = 'manager' DESC, registered_at",
            (cluster_id,),
        )
        return [_manager(r) for r in rows]

    async def choose_cluster(self, user_id: int, cluster_id: str) -> bool:
        """Stand on one of the person's clusters; False if they do not hold it."""

        def work(db: sqlite3.Connection) -> bool:
            changed = db.execute(
                f"UPDATE members SET chosen = {_NEXT_CHOICE} WHERE user_id = ? AND cluster_id = ?",
                (user_id, user_id, cluster_id),
            ).rowcount
            return bool(changed)

        return await self._writes(work)

    async def leave_cluster(self, user_id: int, cluster_id: str) -> Manager | None:
        """The person leaves one of their clusters: their membership goes (their answers, the
        cluster's history and the audit stay), with an audit line; the membership left, or None
        if they did not hold it. A manager leaving leaves the cluster without one (participation
        shows it; a new manager invitation fills it)."""
        now = self._now()

        def work(db: sqlite3.Connection) -> Manager | None:
            row = db.execute(
                "SELECT * FROM members WHERE user_id = ? AND cluster_id = ?", (user_id, cluster_id)
            ).fetchone()
            if row is None:
                return None
            db.execute(
                "DELETE FROM members WHERE user_id = ? AND cluster_id = ?", (user_id, cluster_id)
            )
            audit.record(db, now, user_id, "member_left", cluster_id, {"role": row["role"]})
            return _manager(row)

        return await self._writes(work)

    async def cluster_manager(self, cluster_id: str) -> Manager | None:
        row = await self._one(
            "SELECT * FROM members WHERE cluster_id = ? AND role = 'manager'", (cluster_id,)
        )
        return _manager(row) if row else None

    async def record_consent(self, cluster_id: str, user_id: int, version: str) -> None:
        now = self._now()

        def work(db: sqlite3.Connection) -> None:
            db.execute(
                "UPDATE members SET consent_at = ?, consent_version = ? "
                "WHERE cluster_id = ? AND user_id = ?",
                (now, version, cluster_id, user_id),
            )
            audit.record(db, now, user_id, "consent", cluster_id, {"version": version})

        await self._writes(work)

    async def mark_reachable(self, user_id: int) -> None:
        """A person who writes to the bot again has unblocked it."""
        await self._writes.unmarked(
            lambda db: db.execute(
                "UPDATE members SET unreachable_at = NULL "
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
        row["role"],
        row["consent_version"],
    )
