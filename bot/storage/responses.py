"""A cluster's response to a campaign: its draft answers, the cursor, submissions and results.

Every answer is committed before the bot sends the next question; upserts keyed on (response,
question) make a re-delivered update harmless. Every submission is kept, numbered (a corrected
and resent response has several versions; the latest sent one counts, whatever the draft does
meanwhile: the answers table is the draft, each submission's result snapshots what was sent).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.questionnaire.model import Value
from bot.storage import audit, members, reviews
from bot.storage.base import StorageBase
from bot.storage.clock import parse_optional_ts, parse_ts, ts
from bot.storage.rows import Response, StoredResult, Submission

# A response with its latest sent version (None: never sent).
_SELECT = (
    "SELECT r.*, (SELECT max(version) FROM submissions b WHERE b.response_id = r.response_id) "
    "AS sent_version FROM responses r "
)


def _response(row: sqlite3.Row) -> Response:
    return Response(
        row["response_id"],
        row["cluster_id"],
        row["campaign_id"],
        row["status"],
        row["questionnaire_version"],
        row["cursor_question"],
        row["cursor_mode"],
        json.loads(row["pending"]) if row["pending"] else None,
        parse_optional_ts(row["submitted_at"]),
        row["shown_question"],
        row["shown_message"],
        row["paused_at"] is not None,
        row["sent_version"],
        parse_optional_ts(row["shown_at"]),
    )


def _submission(row: sqlite3.Row) -> Submission:
    return Submission(
        row["submission_id"],
        row["response_id"],
        row["version"],
        row["result_id"],
        parse_ts(row["submitted_at"]),
        row["submitted_by"],
    )


def record_submission(
    db: sqlite3.Connection, response_id: int, result_id: int, at: str, by: str | int
) -> int:
    """The response's next version, for the result just stored (inside the caller's job)."""
    (version,) = db.execute(
        "SELECT coalesce(max(version), 0) + 1 FROM submissions WHERE response_id = ?",
        (response_id,),
    ).fetchone()
    db.execute(  # its level copied beside it: the review queue reads no result row
        "INSERT INTO submissions (response_id, version, result_id, submitted_at, submitted_by, "
        "level) VALUES (?, ?, ?, ?, ?, (SELECT level FROM results WHERE result_id = ?))",
        (response_id, version, result_id, at, str(by), result_id),
    )
    return int(version)


def _result(row: sqlite3.Row) -> StoredResult:
    return StoredResult(
        row["result_id"],
        row["response_id"],
        parse_ts(row["submitted_at"]),
        row["ims"],
        row["level"],
        json.loads(row["scores"]),
    )


class Responses(StorageBase):
    async def get_response(self, cluster_id: str, campaign_id: str) -> Response | None:
        row = await self._one(
            _SELECT + "WHERE r.cluster_id = ? AND r.campaign_id = ?", (cluster_id, campaign_id)
        )
        return _response(row) if row else None

    async def start_response(
        self, cluster_id: str, campaign_id: str, version: str, user_id: int
    ) -> Response:
        """The cluster's response to the campaign, created as a draft on first use."""
        existing = await self.get_response(cluster_id, campaign_id)
        if existing is not None:  # the usual case: no write transaction per update
            return existing
        now = self._now()

        def work(db: sqlite3.Connection) -> Response:
            db.execute(
                "INSERT INTO responses (cluster_id, campaign_id, questionnaire_version, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (cluster_id, campaign_id) DO NOTHING",
                (cluster_id, campaign_id, version, now, now),
            )
            row = db.execute(
                _SELECT + "WHERE r.cluster_id = ? AND r.campaign_id = ?", (cluster_id, campaign_id)
            ).fetchone()
            return _response(row)

        return await self._writes.unmarked(work)

    async def answers(self, response_id: int) -> dict[str, Value]:
        rows = await self._all(
            "SELECT question_id, value FROM answers WHERE response_id = ?", (response_id,)
        )
        return {r["question_id"]: json.loads(r["value"]) for r in rows}

    async def save_answer(
        self,
        response_id: int,
        question_id: str,
        value: Value,
        *,
        dropped: Sequence[str] = (),
        user_id: int | None = None,
        cursor: tuple[str | None, str | None] = (None, None),
        cluster_id: str | None = None,
    ) -> None:
        """One answer, the answers it made irrelevant and the new cursor, in one commit.

        With ``cluster_id``, a change to a response submitted before leaves its trail in the
        audit log (old and new value, see ``bot.storage.audit.answer_changed``)."""
        now = self._now()
        encoded = json.dumps(value, ensure_ascii=False)

        def work(db: sqlite3.Connection) -> None:
            if cluster_id is not None:  # the trail of a change after a submission
                actor = user_id if user_id is not None else "bot"
                changed = [(question_id, value), *((q, None) for q in dropped)]
                for qid, new in changed:
                    audit.answer_changed(db, now, actor, cluster_id, response_id, qid, new)
            db.execute(
                "INSERT INTO answers (response_id, question_id, value, answered_at, answered_by) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (response_id, question_id) DO UPDATE SET "
                "value = excluded.value, answered_at = excluded.answered_at, "
                "answered_by = excluded.answered_by",
                (response_id, question_id, encoded, now, user_id),
            )
            if dropped:
                db.executemany(
                    "DELETE FROM answers WHERE response_id = ? AND question_id = ?",
                    [(response_id, q) for q in dropped],
                )
            db.execute(
                "UPDATE responses SET updated_at = ?, cursor_question = ?, cursor_mode = ?, "
                "pending = NULL, paused_at = NULL WHERE response_id = ?",
                (now, cursor[0], cursor[1], response_id),
            )

        await self._writes(work)

    async def set_cursor(
        self,
        response_id: int,
        question_id: str | None,
        mode: str | None = None,
        *,
        cursor_of: int | None = None,
    ) -> None:
        """``cursor_of``: a collaborator's own cursor (``Response.cursor_of``), else the
        response's (its manager's)."""
        if cursor_of is not None:
            await self._writes(
                lambda db: members.write_cursor(
                    db, response_id, cursor_of, question=question_id, mode=mode, pending=None
                )
            )
            return
        await self._write(
            "UPDATE responses SET cursor_question = ?, cursor_mode = ?, pending = NULL "
            "WHERE response_id = ?",
            (question_id, mode, response_id),
        )

    async def record_shown(
        self, response_id: int, question_id: str, message_id: int, *, cursor_of: int | None = None
    ) -> None:
        """The question just delivered to the manager (or to the collaborator ``cursor_of``), as
        Telegram's message ``message_id``, and when.

        Message ids in a chat only grow, so an older message delivered late never wins.
        """
        now = self._now()
        if cursor_of is not None:
            await self._writes(
                lambda db: members.record_shown(
                    db, response_id, cursor_of, question_id, message_id, now
                )
            )
            return
        await self._write(
            "UPDATE responses SET shown_question = ?, shown_message = ?, shown_at = ? "
            "WHERE response_id = ? AND (shown_message IS NULL OR shown_message < ?)",
            (question_id, message_id, now, response_id, message_id),
        )

    async def set_pending(
        self,
        response_id: int,
        pending: Mapping[str, Any] | None,
        *,
        cursor_of: int | None = None,
    ) -> None:
        if cursor_of is not None:
            await self._writes(
                lambda db: members.write_cursor(db, response_id, cursor_of, pending=pending or None)
            )
            return
        await self._write(
            "UPDATE responses SET pending = ? WHERE response_id = ?",
            (json.dumps(pending, ensure_ascii=False) if pending else None, response_id),
        )

    async def submit_response(
        self,
        response_id: int,
        *,
        version: str,
        ims: float,
        level: str,
        scores: Mapping[str, Any],
        answers: Mapping[str, Value],
        actor: str | int,
        cluster_id: str,
        now: datetime | None = None,
        owed_to: int | None = None,
    ) -> StoredResult:
        """Mark the response submitted and keep this submission (every one is kept, numbered).

        ``owed_to``: the user the result is to be delivered to, put in the outbox in the same
        transaction (see :meth:`owed_results`).
        """
        at = ts(now) if now else self._now()
        logged = self._now()
        scores_json = json.dumps(scores, ensure_ascii=False)
        answers_json = json.dumps(answers, ensure_ascii=False)

        def work(db: sqlite3.Connection) -> int:
            cur = db.execute(
                "INSERT INTO results (response_id, submitted_at, questionnaire_version, ims, level, "
                "scores, answers) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (response_id, at, version, ims, level, scores_json, answers_json),
            )
            number = record_submission(db, response_id, cur.lastrowid or 0, at, actor)
            db.execute(
                "UPDATE responses SET status = 'submitted', submitted_at = ?, updated_at = ?, "
                "cursor_question = NULL, cursor_mode = NULL, pending = NULL, paused_at = NULL "
                "WHERE response_id = ?",
                (at, at, response_id),
            )
            members.forget_cursors(db, response_id)
            detail = {"ims": ims, "level": level, "version": number}
            audit.record(db, logged, actor, "submit", cluster_id, detail)
            reviews.mark_pending(db, response_id, logged, actor)
            if owed_to is not None:
                db.execute(
                    "INSERT OR REPLACE INTO outbox (response_id, user_id, created_at) "
                    "VALUES (?, ?, ?)",
                    (response_id, owed_to, logged),
                )
            return cur.lastrowid  # type: ignore[return-value]  # set by an INSERT

        result_id = await self._writes(work)
        return StoredResult(result_id, response_id, parse_ts(at), ims, level, dict(scores))

    async def owed_results(self) -> list[tuple[int, int]]:
        """(response id, user id) of every result submitted but not yet delivered."""
        rows = await self._all("SELECT response_id, user_id FROM outbox ORDER BY created_at")
        return [(r["response_id"], r["user_id"]) for r in rows]

    async def result_delivered(self, response_id: int) -> None:
        await self._write("DELETE FROM outbox WHERE response_id = ?", (response_id,))

    async def reopen_response(self, response_id: int, actor: str | int, cluster_id: str) -> None:
        """Open a correction: the draft (the answers as sent) can change again; the latest
        submission keeps counting until the next one."""
        now = self._now()

        def work(db: sqlite3.Connection) -> None:
            db.execute(
                "UPDATE responses SET status = 'draft', updated_at = ? "
                "WHERE response_id = ? AND status = 'submitted'",
                (now, response_id),
            )
            audit.record(db, now, actor, "reopen", cluster_id)

        await self._writes(work)

    async def set_paused(
        self, response_id: int, paused: bool, *, cursor_of: int | None = None
    ) -> None:
        """/cancelar holds typed answers (and any pending one is dropped) until /continuar."""
        now = self._now() if paused else None
        if cursor_of is not None:
            if paused:
                job = lambda db: members.write_cursor(  # noqa: E731
                    db, response_id, cursor_of, paused_at=now, pending=None
                )
            else:
                job = lambda db: members.write_cursor(db, response_id, cursor_of, paused_at=None)  # noqa: E731
            await self._writes(job)
            return
        await self._write(
            "UPDATE responses SET paused_at = ?, pending = CASE WHEN ? THEN NULL ELSE pending END "
            "WHERE response_id = ?",
            (now, paused, response_id),
        )

    async def submissions_of(self, response_id: int) -> list[Submission]:
        """Every sent version of a response, oldest first."""
        rows = await self._all(
            "SELECT * FROM submissions WHERE response_id = ? ORDER BY version", (response_id,)
        )
        return [_submission(r) for r in rows]

    async def latest_submission(self, response_id: int) -> Submission | None:
        row = await self._one(
            "SELECT * FROM submissions WHERE response_id = ? ORDER BY version DESC LIMIT 1",
            (response_id,),
        )
        return _submission(row) if row else None

    async def latest_result(self, response_id: int) -> StoredResult | None:
        row = await self._one(
            "SELECT * FROM results WHERE response_id = ? ORDER BY result_id DESC LIMIT 1",
            (response_id,),
        )
        return _result(row) if row else None

    async def result_answers(self, result_id: int) -> dict[str, Value]:
        """The answers exactly as they were when that result was computed."""
        row = await self._one("SELECT answers FROM results WHERE result_id = ?", (result_id,))
        return json.loads(row["answers"]) if row else {}

    async def results_count(self, response_id: int) -> int:
        row = await self._one("SELECT count(*) FROM results WHERE response_id = ?", (response_id,))
        return int(row[0]) if row else 0

    async def previous_result(
        self, cluster_id: str, reference_year: int
    ) -> tuple[str, StoredResult] | None:
        """The cluster's latest result in an earlier campaign: (campaign id, result)."""
        row = await self._one(
            "SELECT c.campaign_id AS campaign, r.* FROM results r "
            "JOIN submissions b ON b.result_id = r.result_id "
            "JOIN responses s ON s.response_id = r.response_id "
            "JOIN campaigns c ON c.campaign_id = s.campaign_id "
            "WHERE s.cluster_id = ? AND c.reference_year < ? "
            "ORDER BY c.reference_year DESC, b.version DESC LIMIT 1",
            (cluster_id, reference_year),
        )
        return (row["campaign"], _result(row)) if row else None
