"""What the review queue reads of each submission, computed once and kept with it: the
questionnaire's plausibility findings (their messages) and the figures the outliers compare
(sales and jobs per linked firm).

A row of ``submission_checks`` is valid for the rules it was computed with (``rules``: a key
of the questionnaire and the campaign's year, ``bot.services.review.rules_key``); a submission
without one, or with one computed under other rules (migration 11 leaves every existing
submission without; a questionnaire changed since), is computed again from its answers by
the service and stored (:meth:`Checks.keep_checks`). So the queue reads them in SQL instead of
running the rules over every answer set each time (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

from bot.questionnaire.model import Value
from bot.storage.base import StorageBase
from bot.storage.clock import parse_optional_ts

# The per-firm figures the outliers compare (``bot.reports.flags.RATIOS`` names them the same).
RATIO_COLUMNS = ("sales_per_firm", "jobs_per_firm")
_CHUNK = 500  # submission ids per IN (…) list
# A submission's level: the copy beside it (migration 11), or its result's where a row was
# written without it (a benchmark's bulk insert).
LEVEL = "coalesce(b.level, (SELECT level FROM results WHERE result_id = b.result_id))"


class SubmissionChecks(NamedTuple):
    ratios: Mapping[str, float | None]  # RATIO_COLUMNS → the figure (None: not computable)
    findings: tuple[str, ...]  # the plausibility messages, in the rules' order


class QueueRow(NamedTuple):
    """A submitted response as the review queue reads it (:meth:`Checks.queue_rows`; tuples:
    ten thousand are built per queue, a frozen dataclass costs several times more)."""

    cluster_id: str
    nombre: str
    departamento: str
    level: str  # of its latest submission
    status: str  # pendiente | aprobada | requiere_ajuste
    changed_at: datetime | None
    note: str | None
    submission_id: int  # its latest submission
    checked: bool  # False: no checks kept under these rules yet (the next two are empty)
    ratios: tuple[float | None, ...]  # RATIO_COLUMNS' figures
    findings: tuple[str, ...]  # the plausibility messages


class Checks(StorageBase):
    async def queue_rows(self, campaign_id: str, rules: str) -> list[QueueRow]:
        """Every submitted response of the campaign with its latest submission's checks (kept
        under ``rules``), in one query that reads no answers."""
        ratios = ", ".join(f"k.{c}" for c in RATIO_COLUMNS)
        rows = await self._all(
            "SELECT s.cluster_id, c.nombre, c.departamento, " + LEVEL + ", v.status, v.changed_at, "
            f"v.note, b.submission_id, k.rules, k.findings, {ratios} FROM responses s "
            "JOIN clusters c ON c.cluster_id = s.cluster_id "
            "JOIN submissions b ON b.submission_id = (SELECT max(submission_id) FROM submissions "
            "WHERE response_id = s.response_id) "
            "LEFT JOIN reviews v ON v.response_id = s.response_id "
            "LEFT JOIN submission_checks k ON k.submission_id = b.submission_id AND k.rules = ? "
            "WHERE s.campaign_id = ? ORDER BY s.cluster_id",
            (rules, campaign_id),
        )
        return [
            QueueRow(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4] or "pendiente",
                parse_optional_ts(r[5]),
                r[6],
                r[7],
                r[8] is not None,
                tuple(r[10:]),
                tuple(json.loads(r[9])) if r[9] else (),
            )
            for r in rows
        ]

    async def submission_answers(
        self, submission_ids: Sequence[int], questions: Sequence[str]
    ) -> dict[int, dict[str, Value]]:
        """Submission id → its answers to ``questions`` (those answered), as sent."""
        paths = [f'$."{q}"' for q in questions]
        if len(paths) == 1:
            paths.append(paths[0])  # two paths or more: json_extract returns an array
        if not paths:
            return {i: {} for i in submission_ids}
        picked = f"json_extract(r.answers, {', '.join('?' * len(paths))})"
        out: dict[int, dict[str, Value]] = {}
        for start in range(0, len(submission_ids), _CHUNK):
            chunk = list(submission_ids[start : start + _CHUNK])
            rows = await self._all(
                f"SELECT b.submission_id, {picked} AS picked FROM submissions b "
                "JOIN results r ON r.result_id = b.result_id "
                f"WHERE b.submission_id IN ({', '.join('?' * len(chunk))})",
                (*paths, *chunk),
            )
            for r in rows:
                values = json.loads(r["picked"])
                out[r["submission_id"]] = {
                    q: v for q, v in zip(questions, values, strict=False) if v is not None
                }
        return out

    async def keep_checks(self, rules: str, checks: Mapping[int, SubmissionChecks]) -> None:
        """Store submissions' checks computed under ``rules`` (replacing older ones)."""
        if not checks:
            return
        columns = ", ".join(RATIO_COLUMNS)
        marks = ", ".join("?" * len(RATIO_COLUMNS))
        params = [
            (
                sid,
                rules,
                json.dumps(list(c.findings), ensure_ascii=False) if c.findings else None,
                *(c.ratios.get(col) for col in RATIO_COLUMNS),
            )
            for sid, c in checks.items()
        ]

        def work(db: sqlite3.Connection) -> None:
            db.executemany(
                "INSERT OR REPLACE INTO submission_checks (submission_id, rules, findings, "
                f"{columns}) VALUES (?, ?, ?, {marks})",
                params,
            )

        await self._writes.unmarked(work)
