"""A campaign's responses across clusters: where each stands, the submitted results that the
summary and the export read, and importing an earlier measurement's submissions."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from bot.storage import audit
from bot.storage.base import StorageBase
from bot.storage.clock import parse_optional_ts, parse_ts, ts
from bot.storage.rows import ClusterState, Submitted, SubmittedScores

# Each submitted response of a campaign (``?``) joined to its latest result, by cluster.
_LATEST_SUBMITTED = (
    "FROM responses s JOIN results r ON r.result_id = "
    "(SELECT max(result_id) FROM results WHERE response_id = s.response_id) "
    "WHERE s.campaign_id = ? AND s.status = 'submitted' ORDER BY s.cluster_id"
)


class Results(StorageBase):
    async def response_states(self, campaign_id: str) -> list[ClusterState]:
        """Every registry cluster with where it stands in the campaign."""
        rows = await self._all(
            "SELECT c.cluster_id, c.nombre, c.departamento, c.sector, c.estado, "
            "m.user_id, m.chat_id, m.unreachable_at, s.status, s.updated_at, p.opted_out_at "
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
                status=r["status"] or ("not_started" if r["user_id"] else "no_manager"),
                updated_at=parse_optional_ts(r["updated_at"]),
            )
            for r in rows
        ]

    async def existing_responses(self, campaign_id: str) -> set[str]:
        rows = await self._all(
            "SELECT cluster_id FROM responses WHERE campaign_id = ?", (campaign_id,)
        )
        return {r["cluster_id"] for r in rows}

    async def campaign_area_scores(
        self, campaign_id: str
    ) -> list[tuple[str, str, dict[str, float]]]:
        """(cluster id, sector, area scores) of each submitted response's latest result."""
        rows = await self._all(
            "SELECT s.cluster_id, c.sector, r.scores FROM responses s "
            "JOIN clusters c ON c.cluster_id = s.cluster_id "
            "JOIN results r ON r.result_id = (SELECT max(result_id) FROM results "
            "WHERE response_id = s.response_id) "
            "WHERE s.campaign_id = ? AND s.status = 'submitted'",
            (campaign_id,),
        )
        return [(r["cluster_id"], r["sector"], json.loads(r["scores"])["areas"]) for r in rows]

    async def submissions(
        self, campaign_id: str, *, after: str = "", limit: int = -1
    ) -> list[Submitted]:
        """Every submitted response of the campaign with its latest result, by cluster id; a
        page of them with ``after`` (the last cluster id of the page before) and ``limit``."""
        rows = await self._all(
            "SELECT s.cluster_id, s.questionnaire_version, r.submitted_at, r.scores, r.answers "
            "FROM responses s JOIN results r ON r.result_id = "
            "(SELECT max(result_id) FROM results WHERE response_id = s.response_id) "
            "WHERE s.campaign_id = ? AND s.status = 'submitted' AND s.cluster_id > ? "
            "ORDER BY s.cluster_id LIMIT ?",
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
                db.execute(
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
            detail = {"campaign": campaign_id, "rows": len(rows)}
            audit.record(db, now, actor, "import_responses", None, detail)

        await self._writes(work)
        return len(rows)
