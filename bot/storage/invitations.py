"""Invitations made in bulk (all or none), and where each cluster's latest one stands.

Redeeming a code, and making one alone, are ``people.py``'s; this module adds a whole sheet of
invitations in one transaction (``ssme invite --csv``, ``--all-without-manager``) and what
participation shows for a cluster without a manager: the expiry of its open invitation.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.storage import audit
from bot.storage.base import StorageBase
from bot.storage.clock import parse_ts, ts


def insert_invitation(
    db: sqlite3.Connection,
    now: str,
    cluster_id: str,
    token: str,
    expires: str,
    actor: str | int,
    *,
    role: str = "manager",
    invited_by: int | None = None,
) -> None:
    """One invitation and its audit line (within the caller's transaction)."""
    db.execute(
        "INSERT INTO invitations (token, cluster_id, created_at, expires_at, created_by, role, "
        "invited_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (token, cluster_id, now, expires, str(actor), role, invited_by),
    )
    detail = {"expires_at": expires} | ({"role": role} if role != "manager" else {})
    audit.record(db, now, actor, "invite", cluster_id, detail)


@dataclass(frozen=True)
class InvitationState:
    """A cluster's invitations not used yet: the latest expiry among them (None: none made,
    or every one used)."""

    cluster_id: str
    expires_at: datetime | None


class Invitations(StorageBase):
    async def create_invitations(
        self, tokens: Sequence[tuple[str, str]], expires_at: datetime, actor: str | int
    ) -> None:
        """One invitation per (cluster id, code), all in one transaction: a failure leaves none."""
        now, expires = self._now(), ts(expires_at)

        def work(db: sqlite3.Connection) -> None:
            for cluster_id, token in tokens:
                insert_invitation(db, now, cluster_id, token, expires, actor)

        await self._writes(work)

    async def open_invitations(self) -> dict[str, InvitationState]:
        """Cluster id → the latest expiry of its unused manager invitations (expired ones
        included: "venció el …" tells the operator a new link is needed; a collaborator's link
        is no manager's invitation)."""
        rows = await self._all(
            "SELECT cluster_id, max(expires_at) AS expires_at FROM invitations "
            "WHERE used_at IS NULL AND role = 'manager' GROUP BY cluster_id"
        )
        return {
            r["cluster_id"]: InvitationState(r["cluster_id"], parse_ts(r["expires_at"]))
            for r in rows
        }
