"""The answer path's writes beyond one answer: values stored together, confirmations kept.

A hard consistency rule keeps the value just typed *pending* (in ``responses.pending``) while the
manager corrects another answer of the rule; once the rule holds both are stored in one commit
(:meth:`Corrections.save_answers`). A plausibility question confirmed once is kept per rule and
values (``confirmations``), so it is not asked again (``bot/questionnaire/rules.py``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.questionnaire.model import Value
from bot.storage import audit, members
from bot.storage.base import StorageBase
from bot.storage.members import Overtaken


class Corrections(StorageBase):
    async def confirmations(self, response_id: int) -> set[str]:
        rows = await self._all(
            "SELECT confirmation FROM confirmations WHERE response_id = ?", (response_id,)
        )
        return {r["confirmation"] for r in rows}

    async def save_answers(
        self,
        response_id: int,
        values: Mapping[str, Value],
        *,
        dropped: Sequence[str] = (),
        user_id: int | None = None,
        cursor: tuple[str | None, str | None] = (None, None),
        confirmed: Sequence[str] = (),
        cluster_id: str | None = None,
        cursor_of: int | None = None,
        seen_since: datetime | None = None,
    ) -> list[Overtaken]:
        """Several answers, those they made irrelevant, the confirmations given and the new
        cursor (nothing pending), in one commit. With ``cluster_id``, a change to a response
        sent before leaves its trail (``bot.storage.audit.answer_changed``); in a response
        shared with collaborators every answer does (``members.trail``). ``cursor_of``: the
        collaborator whose cursor moves (else the response's). Returns the answers replaced
        that someone else gave since ``seen_since`` (the question on the person's screen was
        stale)."""
        now = self._now()
        rows = [
            (response_id, qid, json.dumps(v, ensure_ascii=False), now, user_id)
            for qid, v in values.items()
        ]

        def work(db: sqlite3.Connection) -> list[Overtaken]:
            overtaken = members.trail(
                db,
                now,
                user_id,
                response_id,
                values,
                dropped,
                seen_since,
                trailed=cluster_id is not None,
            )
            if cluster_id is not None:
                actor = user_id if user_id is not None else "bot"
                for qid, new in [*values.items(), *((q, None) for q in dropped)]:
                    audit.answer_changed(db, now, actor, cluster_id, response_id, qid, new)
            db.executemany(
                "INSERT INTO answers (response_id, question_id, value, answered_at, answered_by) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (response_id, question_id) DO UPDATE SET "
                "value = excluded.value, answered_at = excluded.answered_at, "
                "answered_by = excluded.answered_by",
                rows,
            )
            db.executemany(
                "DELETE FROM answers WHERE response_id = ? AND question_id = ?",
                [(response_id, q) for q in dropped],
            )
            db.executemany(
                "INSERT OR IGNORE INTO confirmations (response_id, confirmation, confirmed_at) "
                "VALUES (?, ?, ?)",
                [(response_id, key, now) for key in confirmed],
            )
            if cursor_of is not None:
                db.execute(
                    "UPDATE responses SET updated_at = ? WHERE response_id = ?", (now, response_id)
                )
                members.write_cursor(
                    db,
                    response_id,
                    cursor_of,
                    question=cursor[0],
                    mode=cursor[1],
                    pending=None,
                    paused_at=None,
                )
                return overtaken
            db.execute(
                "UPDATE responses SET updated_at = ?, cursor_question = ?, cursor_mode = ?, "
                "pending = NULL, paused_at = NULL WHERE response_id = ?",
                (now, cursor[0], cursor[1], response_id),
            )
            return overtaken

        return await self._writes(work)

    async def set_cursor_pending(
        self,
        response_id: int,
        question_id: str | None,
        mode: str | None,
        pending: Mapping[str, Any] | None,
        *,
        cursor_of: int | None = None,
    ) -> None:
        """Move the cursor keeping something pending (values a rule holds while fixing)."""
        if cursor_of is not None:
            await self._writes(
                lambda db: members.write_cursor(
                    db, response_id, cursor_of, question=question_id, mode=mode, pending=pending
                )
            )
            return
        await self._write(
            "UPDATE responses SET cursor_question = ?, cursor_mode = ?, pending = ? "
            "WHERE response_id = ?",
            (
                question_id,
                mode,
                json.dumps(pending, ensure_ascii=False) if pending else None,
                response_id,
            ),
        )
