"""The audit log: who did what, when, to which cluster (admins read it; erasure rewrites it)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from bot.questionnaire.model import Value
from bot.storage.base import StorageBase
from bot.storage.clock import parse_ts
from bot.storage.rows import AuditEntry


def record(
    db: sqlite3.Connection,
    at: str,
    actor: str | int,
    action: str,
    cluster_id: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Add an entry inside a write job (so it commits with the change it describes)."""
    db.execute(
        "INSERT INTO audit (at, actor, action, cluster_id, detail) VALUES (?, ?, ?, ?, ?)",
        (
            at,
            str(actor),
            action,
            cluster_id,
            json.dumps(detail, ensure_ascii=False) if detail else None,
        ),
    )


def answer_changed(
    db: sqlite3.Connection,
    at: str,
    actor: str | int,
    cluster_id: str,
    response_id: int,
    question_id: str,
    new: Value | None,
    reason: str | None = None,
) -> None:
    """Inside a write job, before the answer is written: if the response was submitted before
    and the value changes, an ``answer_changed`` line with the old and new values."""
    submitted = db.execute(
        "SELECT 1 FROM results WHERE response_id = ? LIMIT 1", (response_id,)
    ).fetchone()
    if submitted is None:
        return  # the first filling-in is not a change
    row = db.execute(
        "SELECT value FROM answers WHERE response_id = ? AND question_id = ?",
        (response_id, question_id),
    ).fetchone()
    old = json.loads(row[0]) if row else None
    if old == new:
        return
    detail: dict[str, Any] = {
        "campaign": response_campaign(db, response_id),
        "question": question_id,
        "old": old,
        "new": new,
    }
    if reason:
        detail["reason"] = reason
    record(db, at, actor, "answer_changed", cluster_id, detail)


def response_campaign(db: sqlite3.Connection, response_id: int) -> str | None:
    row = db.execute(
        "SELECT campaign_id FROM responses WHERE response_id = ?", (response_id,)
    ).fetchone()
    return str(row[0]) if row else None


class Audit(StorageBase):
    async def audit(
        self, actor: str | int, action: str, cluster_id: str | None = None, **detail: Any
    ) -> None:
        at = self._now()
        await self._writes(lambda db: record(db, at, actor, action, cluster_id, detail))

    async def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        """The latest entries, newest first."""
        rows = await self._all("SELECT * FROM audit ORDER BY audit_id DESC LIMIT ?", (limit,))
        return [_entry(r) for r in rows]

    async def answer_changes(self, campaign_id: str) -> list[AuditEntry]:
        """Every answer changed after a submission in the campaign, oldest first (the
        export's ``historial``)."""
        rows = await self._all(
            "SELECT * FROM audit WHERE action = 'answer_changed' "
            "AND json_extract(detail, '$.campaign') = ? ORDER BY audit_id",
            (campaign_id,),
        )
        return [_entry(r) for r in rows]

    async def cluster_history(self, cluster_id: str, limit: int = 100) -> list[AuditEntry]:
        """A cluster's latest entries (its registry, manager, responses), newest first."""
        rows = await self._all(
            "SELECT * FROM audit WHERE cluster_id = ? ORDER BY audit_id DESC LIMIT ?",
            (cluster_id, limit),
        )
        return [_entry(r) for r in rows]


def _entry(r: sqlite3.Row) -> AuditEntry:
    return AuditEntry(
        r["audit_id"],
        parse_ts(r["at"]),
        r["actor"],
        r["action"],
        r["cluster_id"],
        json.loads(r["detail"]) if r["detail"] else None,
    )
