"""An admin's correction of a submitted answer: the answer, a new result, and the trail.

One transaction: the answer changes (and those skip logic made irrelevant go), the re-scored
result is kept as a new row of ``results`` (every result is kept), and the audit log says who,
when, the old value, the new one and why. The review status is left as it is: the correction
is the analyst's own.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from bot.questionnaire.model import Value
from bot.storage import audit
from bot.storage.base import StorageBase


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
    detail: dict[str, Any] = {"question": question_id, "old": old, "new": new}
    if reason:
        detail["reason"] = reason
    audit.record(db, at, actor, "answer_changed", cluster_id, detail)


class Corrections(StorageBase):
    async def correct_answer(
        self,
        response_id: int,
        cluster_id: str,
        question_id: str,
        value: Value,
        *,
        dropped: Sequence[str],
        version: str,
        ims: float,
        level: str,
        scores: Mapping[str, Any],
        answers: Mapping[str, Value],
        actor: str | int,
        reason: str,
    ) -> int:
        """Correct one answer of a submitted response; returns the new result's id."""
        now = self._now()
        encoded = json.dumps(value, ensure_ascii=False)
        scores_json = json.dumps(scores, ensure_ascii=False)
        answers_json = json.dumps(answers, ensure_ascii=False)

        def work(db: sqlite3.Connection) -> int:
            answer_changed(db, now, actor, cluster_id, response_id, question_id, value, reason)
            for gone in dropped:
                answer_changed(db, now, actor, cluster_id, response_id, gone, None, reason)
            db.execute(
                "INSERT INTO answers (response_id, question_id, value, answered_at, answered_by) "
                "VALUES (?, ?, ?, ?, NULL) ON CONFLICT (response_id, question_id) DO UPDATE SET "
                "value = excluded.value, answered_at = excluded.answered_at, answered_by = NULL",
                (response_id, question_id, encoded, now),
            )
            db.executemany(
                "DELETE FROM answers WHERE response_id = ? AND question_id = ?",
                [(response_id, q) for q in dropped],
            )
            cur = db.execute(
                "INSERT INTO results (response_id, submitted_at, questionnaire_version, ims, level, "
                "scores, answers) VALUES (?, (SELECT submitted_at FROM responses "
                "WHERE response_id = ?), ?, ?, ?, ?, ?)",
                (response_id, response_id, version, ims, level, scores_json, answers_json),
            )
            audit.record(
                db, now, actor, "correct", cluster_id, {"question": question_id, "ims": ims}
            )
            return cur.lastrowid  # type: ignore[return-value]  # set by an INSERT

        return await self._writes(work)
