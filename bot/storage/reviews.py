"""The analysts' review of submitted responses: ``pendiente`` → ``aprobada`` | ``requiere_ajuste``.

Every submission (the manager's «Enviar», an import) puts its response back to ``pendiente`` in
the same transaction (:func:`mark_pending`); an analyst's decision is a row here and a line in
the audit log, committed together.
"""

from __future__ import annotations

import sqlite3

from bot.storage import audit
from bot.storage.base import StorageBase
from bot.storage.checks import LEVEL
from bot.storage.clock import parse_ts
from bot.storage.rows import Review

STATUSES = ("pendiente", "aprobada", "requiere_ajuste")


def mark_pending(db: sqlite3.Connection, response_id: int, at: str, actor: str | int) -> None:
    """Inside a submission's write job: its review starts (again) at ``pendiente``."""
    db.execute(
        "INSERT INTO reviews (response_id, status, changed_at, changed_by, note) "
        "VALUES (?, 'pendiente', ?, ?, NULL) ON CONFLICT (response_id) DO UPDATE SET "
        "status = 'pendiente', changed_at = excluded.changed_at, "
        "changed_by = excluded.changed_by, note = NULL",
        (response_id, at, str(actor)),
    )


class Reviews(StorageBase):
    async def set_review(
        self,
        response_id: int,
        cluster_id: str,
        status: str,
        actor: str | int,
        note: str | None = None,
        detail: dict[str, object] | None = None,
    ) -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown review status {status!r}")
        now = self._now()

        def work(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO reviews (response_id, status, changed_at, changed_by, note) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (response_id) DO UPDATE SET "
                "status = excluded.status, changed_at = excluded.changed_at, "
                "changed_by = excluded.changed_by, note = excluded.note",
                (response_id, status, now, str(actor), note),
            )
            audit.record(
                db, now, actor, f"review_{status}", cluster_id, {"note": note, **(detail or {})}
            )

        await self._writes(work)

    async def campaign_reviews(self, campaign_id: str) -> dict[str, Review]:
        """Cluster id → the review of its submitted response in the campaign."""
        rows = await self._all(
            "SELECT s.cluster_id, v.* FROM reviews v "
            "JOIN responses s ON s.response_id = v.response_id "
            "WHERE s.campaign_id = ? "
            "AND EXISTS (SELECT 1 FROM submissions b WHERE b.response_id = s.response_id)",
            (campaign_id,),
        )
        return {r["cluster_id"]: _review(r) for r in rows}

    async def campaign_levels(self, campaign_id: str) -> dict[str, str]:
        """Cluster id → the level of its latest submission in the campaign."""
        rows = await self._all(
            "SELECT s.cluster_id, " + LEVEL + " FROM responses s "
            "JOIN submissions b ON b.submission_id = (SELECT max(submission_id) FROM submissions "
            "WHERE response_id = s.response_id) "
            "WHERE s.campaign_id = ?",
            (campaign_id,),
        )
        return {r[0]: r[1] for r in rows}

    async def review_of(self, response_id: int) -> Review | None:
        row = await self._one("SELECT * FROM reviews WHERE response_id = ?", (response_id,))
        return _review(row) if row else None


def _review(row: sqlite3.Row) -> Review:
    return Review(
        row["response_id"],
        row["status"],
        parse_ts(row["changed_at"]),
        row["changed_by"],
        row["note"],
    )
