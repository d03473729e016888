"""An admin's correction of a submitted answer: a new submission, and the trail.

One transaction: the re-scored result of the corrected answers is kept as the response's next
submission (by the admin: the version that counts from now on), the audit log says who, when,
the old value, the new one and why, and the draft follows where the manager has not changed it
meanwhile (a correction of theirs that is open keeps what they typed). The review status is left
as it is: the correction is the analyst's own.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from bot.questionnaire.model import Value
from bot.storage import audit
from bot.storage.base import StorageBase
from bot.storage.responses import _result as result_row
from bot.storage.responses import record_submission
from bot.storage.rows import StoredResult


class Amendments(StorageBase):
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
        sent: Mapping[str, Value],
    ) -> int:
        """Correct one answer of the version ``sent`` (its answers); returns the new result's
        id."""
        now = self._now()
        scores_json = json.dumps(scores, ensure_ascii=False)
        answers_json = json.dumps(answers, ensure_ascii=False)

        def work(db: sqlite3.Connection) -> int:
            changes = [(question_id, value), *((q, None) for q in dropped)]
            for qid, new in changes:
                old = sent.get(qid)
                if old == new:
                    continue
                detail: dict[str, Any] = {
                    "campaign": audit.response_campaign(db, response_id),
                    "question": qid,
                    "old": old,
                    "new": new,
                }
                audit.record(
                    db, now, actor, "answer_changed", cluster_id, {**detail, "reason": reason}
                )
                draft = db.execute(
                    "SELECT value FROM answers WHERE response_id = ? AND question_id = ?",
                    (response_id, qid),
                ).fetchone()
                if (json.loads(draft[0]) if draft else None) != old:
                    continue  # the manager changed it in an open correction: theirs stays
                if new is None:
                    db.execute(
                        "DELETE FROM answers WHERE response_id = ? AND question_id = ?",
                        (response_id, qid),
                    )
                else:
                    db.execute(
                        "INSERT INTO answers (response_id, question_id, value, answered_at, "
                        "answered_by) VALUES (?, ?, ?, ?, NULL) ON CONFLICT (response_id, "
                        "question_id) DO UPDATE SET value = excluded.value, "
                        "answered_at = excluded.answered_at, answered_by = NULL",
                        (response_id, qid, json.dumps(new, ensure_ascii=False), now),
                    )
            cur = db.execute(
                "INSERT INTO results (response_id, submitted_at, questionnaire_version, ims, level, "
                "scores, answers) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (response_id, now, version, ims, level, scores_json, answers_json),
            )
            result_id = int(cur.lastrowid or 0)
            number = record_submission(db, response_id, result_id, now, actor)
            detail = {"question": question_id, "ims": ims, "version": number}
            audit.record(db, now, actor, "correct", cluster_id, detail)
            return result_id

        return await self._writes(work)

    async def result_by_id(self, result_id: int) -> StoredResult | None:
        row = await self._one("SELECT * FROM results WHERE result_id = ?", (result_id,))
        return result_row(row) if row else None
