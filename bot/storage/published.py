"""Results of an earlier wave as they were published (``ssme import-results``).

An earlier wave whose questionnaire differed cannot be re-scored with today's rules: its
published IMS, level and area scores (and the indicators, where given) are stored as they came.
Each becomes a submitted response (``source = 'published'``, no answers) with one result, so
the summary (``level_change_pp``), the national and sector means and the manager's
previous-campaign overlay read it like any other, and a ``published_results`` row that marks
it as imported and keeps the file's row as it was.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.storage import audit
from bot.storage.base import StorageBase
from bot.storage.responses import record_submission

PUBLISHED_SOURCE = "published"
PUBLISHED_VERSION = "publicado"  # the questionnaire version of a published result


@dataclass(frozen=True)
class PublishedResult:
    """One cluster's published figures (0–100), as the results file gives them."""

    cluster_id: str
    ims: float
    level: str
    areas: dict[str, float]
    indicators: dict[str, float] = field(default_factory=dict)

    def scores(self) -> dict[str, object]:
        """The result's scores in the shape the bot stores (``ScoreResult.to_json``), marked."""
        return {
            "questionnaire_version": PUBLISHED_VERSION,
            "indicators": self.indicators,
            "areas": self.areas,
            "ims": self.ims,
            "level": self.level,
            "gates": {},
            "published": True,
        }


class Published(StorageBase):
    async def import_published(
        self, campaign_id: str, rows: Sequence[PublishedResult], actor: str | int
    ) -> int:
        """Published results of a campaign, all in one transaction or none."""
        now = self._now()

        def work(db: sqlite3.Connection) -> None:
            for row in rows:
                cur = db.execute(
                    "INSERT INTO responses (cluster_id, campaign_id, status, questionnaire_version, "
                    "source, created_at, updated_at, submitted_at) "
                    "VALUES (?, ?, 'submitted', ?, ?, ?, ?, ?)",
                    (
                        row.cluster_id,
                        campaign_id,
                        PUBLISHED_VERSION,
                        PUBLISHED_SOURCE,
                        now,
                        now,
                        now,
                    ),
                )
                scores = json.dumps(row.scores(), ensure_ascii=False)
                response_id = int(cur.lastrowid or 0)
                result = db.execute(
                    "INSERT INTO results (response_id, submitted_at, questionnaire_version, ims, "
                    "level, scores, answers) VALUES (?, ?, ?, ?, ?, ?, '{}')",
                    (response_id, now, PUBLISHED_VERSION, row.ims, row.level, scores),
                )
                # A published result is the wave's submission (the official figures read those).
                record_submission(db, response_id, int(result.lastrowid or 0), now, actor)
                db.execute(
                    "INSERT INTO published_results (response_id, campaign_id, cluster_id, "
                    "imported_at, imported_by, published) VALUES (?, ?, ?, ?, ?, ?)",
                    (response_id, campaign_id, row.cluster_id, now, str(actor), scores),
                )
            detail = {"campaign": campaign_id, "rows": len(rows)}
            audit.record(db, now, actor, "import_results", None, detail)

        await self._writes(work)
        return len(rows)

    async def response_sources(self, campaign_id: str) -> dict[str, str]:
        """Cluster id → where its submitted response came from: telegram, import, published."""
        rows = await self._all(
            "SELECT s.cluster_id, s.source FROM responses s WHERE s.campaign_id = ? "
            "AND EXISTS (SELECT 1 FROM submissions b WHERE b.response_id = s.response_id)",
            (campaign_id,),
        )
        return {r["cluster_id"]: r["source"] for r in rows}
