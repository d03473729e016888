"""A campaign's responses across clusters: where each stands, the submitted results that the
summary and the export read, and importing an earlier measurement's submissions.

The official figures read each response's latest *submission* (``submissions``, migration 5),
never the draft: a correction in progress, or one left open at the close, changes nothing until
it is sent."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from bot.storage import audit, reviews
from bot.storage.base import StorageBase
from bot.storage.clock import parse_optional_ts, parse_ts, ts
from bot.storage.responses import record_submission
from bot.storage.rows import ClusterState, Submitted, SubmittedScores

# Each response of a campaign (``?``) that was ever sent, joined to its latest submission's
# result, by cluster.
_LATEST_SUBMITTED = (
    "FROM responses s JOIN submissions b ON b.submission_id = "
    "(SELECT max(submission_id) FROM submissions WHERE response_id = s.response_id) "
    "JOIN results r ON r.result_id = b.result_id "
    "WHERE s.campaign_id = ? ORDER BY s.cluster_id"
)


def _status(r: sqlite3.Row) -> str:
    """Where a cluster stands: a response ever sent counts as submitted (``correcting`` says
    whether a correction is open); a manager who has not accepted the data notice yet cannot
    start."""
    if r["sent"]:
        return "submitted"
    if r["status"]:
        return str(r["status"])
    if r["user_id"] is None:
        return "no_manager"
    return "not_started" if r["consent_at"] else "consent_pending"


class Results(StorageBase):
    async def response_states(self, campaign_id: str) -> list[ClusterState]:
        """Every registry cluster with where it stands in the campaign."""
        rows = await self._all(
            "SELECT c.cluster_id, c.nombre, c.departamento, c.sector, c.estado, "
            "m.user_id, m.chat_id, m.unreachable_at, m.consent_at, s.status, s.updated_at, "
            "p.opted_out_at, "
            "EXISTS (SELECT 1 FROM submissions b WHERE b.response_id = s.response_id) AS sent, "
            "(SELECT count(*) FROM answers a WHERE a.response_id = s.response_id) AS answered "
            "FROM clusters c LEFT JOIN managers m ON m.cluster_id = c.cluster_id "
            "LEFT JOIN responses s ON s.cluster_id = c.cluster_id AND s.campaign_id = ? "
            "LEFT JOIN reminder_prefs p ON p.cluster_id = c.cluster_id AND p.campaign_id = ? "
            "ORDER BY c.departamento, c.nombre",
            (campaign_id, campaign_id),
        )
        return [
            ClusterState(
                cluster_id=r["cluster_id"],
                nombre=r["nombre"],
                departamento=r["departamento"],
                sector=r["sector"],
                estado=r["estado"],
                user_id=r["user_id"],
                chat_id=r["chat_id"],
                unreachable=r["unreachable_at"] is not None,
                opted_out=r["opted_out_at"] is not None,
                status=_status(r),
                updated_at=parse_optional_ts(r["updated_at"]),
                correcting=bool(r["sent"]) and r["status"] == "draft",
                answered=int(r["answered"] or 0),
            )
            for r in rows
        ]

    async def existing_responses(self, campaign_id: str) -> set[str]:
        rows = await self._all(
            "SELECT cluster_id FROM responses WHERE campaign_id = ?", (campaign_id,)
        )
        return {r["cluster_id"] for r in rows}

    async def campaign_area_means(
        self, campaign_id: str, area_ids: Sequence[str]
    ) -> dict[str, tuple[dict[str, float], int]]:
        """Per sector, over each submitted response's latest result: (area id → mean score, n).

        SQLite averages inside its JSON functions: a campaign of 10,000 results is not decoded
        into Python (the radar's comparisons are read on every «Enviar» and every /cluster).
        An area missing from a result counts as 0."""
        columns = ", ".join("avg(coalesce(json_extract(r.scores, ?), 0))" for _ in area_ids)
        rows = await self._all(
            f"SELECT c.sector, count(*) AS n{', ' if area_ids else ''}{columns} "
            "FROM responses s JOIN clusters c ON c.cluster_id = s.cluster_id "
            "JOIN submissions b ON b.submission_id = (SELECT max(submission_id) FROM submissions "
            "WHERE response_id = s.response_id) JOIN results r ON r.result_id = b.result_id "
            "WHERE s.campaign_id = ? GROUP BY c.sector",
            (*(f'$.areas."{a}"' for a in area_ids), campaign_id),
        )
        return {r[0]: ({a: float(r[2 + k]) for k, a in enumerate(area_ids)}, r[1]) for r in rows}

    async def submissions(
        self, campaign_id: str, *, after: str = "", limit: int = -1
    ) -> list[Submitted]:
        """Every submitted response of the campaign with its latest result, by cluster id; a
        page of them with ``after`` (the last cluster id of the page before) and ``limit``."""
        rows = await self._all(
            "SELECT s.cluster_id, r.questionnaire_version, r.submitted_at, r.scores, r.answers "
            "FROM responses s JOIN submissions b ON b.submission_id = "
            "(SELECT max(submission_id) FROM submissions WHERE response_id = s.response_id) "
            "JOIN results r ON r.result_id = b.result_id "
            "WHERE s.campaign_id = ? AND s.cluster_id > ? ORDER BY s.cluster_id LIMIT ?",
            (campaign_id, after, limit),
        )
        return [
            Submitted(
                r["cluster_id"],
                r["questionnaire_version"],
                parse_ts(r["submitted_at"]),
                json.loads(r["scores"]),
                json.loads(r["answers"]),
            )
            for r in rows
        ]

    async def submitted_scores(
        self, campaign_id: str, questions: Sequence[str] = ()
    ) -> list[SubmittedScores]:
        """Every submitted response's latest scores, plus the answers to ``questions`` only.

        SQLite's JSON functions pick the few values out of each stored result, so a campaign of
        10,000 responses is not decoded into 10,000 dicts of every answer (measured: decoding
        and collecting those was most of ``summary``'s time). With two or more paths
        ``json_extract`` returns a JSON array holding each value's own text, so numbers reach
        Python exactly as stored; a single path would return a converted SQL value, hence the
        repeated path when only one question is asked for.
        """
        paths = [f'$."{q}"' for q in questions]
        if len(paths) == 1:
            paths.append(paths[0])
        picked = f"json_extract(r.answers, {', '.join('?' * len(paths))})" if paths else "'[]'"
        rows = await self._all(
            "SELECT s.cluster_id, r.ims, r.level, "
            "json_extract(r.scores, '$.areas', '$.estrategia_actualizada') AS head, "
            f"{picked} AS picked " + _LATEST_SUBMITTED,
            (*paths, campaign_id),
        )
        out = []
        for r in rows:
            areas, strategy = json.loads(r["head"])
            values = json.loads(r["picked"])
            out.append(
                SubmittedScores(
                    r["cluster_id"],
                    r["ims"],
                    r["level"],
                    areas,
                    strategy is True,
                    {q: v for q, v in zip(questions, values, strict=False) if v is not None},
                )
            )
        return out

    async def import_submissions(
        self, campaign_id: str, rows: Sequence[Submitted], actor: str | int
    ) -> int:
        """Submitted responses from an earlier measurement, all in one transaction or none.

        Each is stamped with its own ``submitted_at`` (the file's, or the import's time)."""
        now = self._now()

        def work(db: sqlite3.Connection) -> None:
            for row in rows:
                submitted = ts(row.submitted_at)
                cur = db.execute(
                    "INSERT INTO responses (cluster_id, campaign_id, status, questionnaire_version, "
                    "source, created_at, updated_at, submitted_at) "
                    "VALUES (?, ?, 'submitted', ?, 'import', ?, ?, ?)",
                    (row.cluster_id, campaign_id, row.questionnaire_version, now, now, submitted),
                )
                response_id = cur.lastrowid
                db.executemany(
                    "INSERT INTO answers (response_id, question_id, value, answered_at) "
                    "VALUES (?, ?, ?, ?)",
                    [
                        (response_id, q, json.dumps(v, ensure_ascii=False), now)
                        for q, v in row.answers.items()
                    ],
                )
                cur = db.execute(
                    "INSERT INTO results (response_id, submitted_at, questionnaire_version, ims, "
                    "level, scores, answers) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        response_id,
                        submitted,
                        row.questionnaire_version,
                        row.scores["ims"],
                        row.scores["level"],
                        json.dumps(row.scores, ensure_ascii=False),
                        json.dumps(row.answers, ensure_ascii=False),
                    ),
                )
                record_submission(db, response_id or 0, cur.lastrowid or 0, submitted, actor)
                reviews.mark_pending(db, response_id, submitted, actor)  # type: ignore[arg-type]
                # Each cluster's history shows it too (the analyst's desk reads it by cluster).
                audit.record(
                    db, now, actor, "import_responses", row.cluster_id, {"campaign": campaign_id}
                )
            detail = {"campaign": campaign_id, "rows": len(rows)}
            audit.record(db, now, actor, "import_responses", None, detail)

        await self._writes(work)
        return len(rows)
