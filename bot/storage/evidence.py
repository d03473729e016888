"""Evidence files a manager attaches to an answer: their records (the bytes are files named by
their SHA-256 under the data directory, written by ``bot.services.evidence``), and which
question a manager is about to send a file for.
"""

from __future__ import annotations

import sqlite3

from bot.storage import audit
from bot.storage.base import StorageBase
from bot.storage.clock import parse_ts
from bot.storage.rows import Evidence

_COLUMNS = (
    "evidence_id, response_id, cluster_id, question_id, sha256, name, mime, size, "
    "uploaded_by, uploaded_at"
)


def _evidence(row: sqlite3.Row) -> Evidence:
    return Evidence(
        row["evidence_id"],
        row["response_id"],
        row["cluster_id"],
        row["question_id"],
        row["sha256"],
        row["name"],
        row["mime"],
        row["size"],
        row["uploaded_by"],
        parse_ts(row["uploaded_at"]),
    )


class EvidenceFiles(StorageBase):
    async def await_evidence(
        self, response_id: int, question_id: str | None, user_id: int | None = None
    ) -> None:
        """The question the next file of ``user_id`` (the manager, or a collaborator) is for
        (``None``: no file expected)."""
        now = self._now()

        def work(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM evidence_wait WHERE response_id = ?", (response_id,))
            if question_id is not None:
                db.execute(
                    "INSERT INTO evidence_wait (response_id, question_id, since, user_id) "
                    "VALUES (?, ?, ?, ?)",
                    (response_id, question_id, now, user_id),
                )

        await self._writes(work)

    async def awaited_evidence(self, response_id: int, user_id: int | None = None) -> str | None:
        """The question a file of ``user_id`` is for: only one they awaited themselves."""
        row = await self._one(
            "SELECT question_id FROM evidence_wait WHERE response_id = ? "
            "AND (user_id IS NULL OR user_id = ?)",
            (response_id, user_id),
        )
        return row["question_id"] if row else None

    async def add_evidence(
        self,
        response_id: int,
        cluster_id: str,
        question_id: str,
        sha256: str,
        name: str,
        mime: str,
        size: int,
        uploaded_by: int,
    ) -> Evidence:
        """Record a file (already on disk) and stop waiting for one, in one commit."""
        now = self._now()

        def work(db: sqlite3.Connection) -> int:
            cur = db.execute(
                "INSERT INTO evidence (response_id, cluster_id, question_id, sha256, name, mime, "
                "size, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (response_id, cluster_id, question_id, sha256, name, mime, size, uploaded_by, now),
            )
            db.execute("DELETE FROM evidence_wait WHERE response_id = ?", (response_id,))
            detail = {"question": question_id, "name": name, "size": size}
            audit.record(db, now, uploaded_by, "evidence_added", cluster_id, detail)
            return cur.lastrowid  # type: ignore[return-value]  # set by an INSERT

        evidence_id = await self._writes(work)
        return Evidence(
            evidence_id,
            response_id,
            cluster_id,
            question_id,
            sha256,
            name,
            mime,
            size,
            uploaded_by,
            parse_ts(now),
        )

    async def response_evidence(self, response_id: int) -> list[Evidence]:
        rows = await self._all(
            f"SELECT {_COLUMNS} FROM evidence WHERE response_id = ? ORDER BY evidence_id",
            (response_id,),
        )
        return [_evidence(r) for r in rows]

    async def campaign_evidence(self, campaign_id: str) -> list[Evidence]:
        """Every evidence file of the campaign's responses (the export's ``evidencias``)."""
        rows = await self._all(
            f"SELECT {', '.join('e.' + c.strip() for c in _COLUMNS.split(','))} FROM evidence e "
            "JOIN responses s ON s.response_id = e.response_id WHERE s.campaign_id = ? "
            "ORDER BY e.cluster_id, e.evidence_id",
            (campaign_id,),
        )
        return [_evidence(r) for r in rows]

    async def get_evidence(self, evidence_id: int) -> Evidence | None:
        row = await self._one(
            f"SELECT {_COLUMNS} FROM evidence WHERE evidence_id = ?", (evidence_id,)
        )
        return _evidence(row) if row else None

    async def evidence_hashes(self) -> set[str]:
        """Every file the records name (a backup copies these; erasure keeps the others)."""
        rows = await self._all("SELECT DISTINCT sha256 FROM evidence")
        return {r["sha256"] for r in rows}


def erase_uploads(db: sqlite3.Connection, user_id: int) -> None:
    """Inside an erasure's job: the files this person uploaded go with their data."""
    db.execute("DELETE FROM evidence WHERE uploaded_by = ?", (user_id,))
