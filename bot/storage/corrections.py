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
from typing import Any

from bot.questionnaire.model import Value
from bot.storage import audit
from bot.storage.base import StorageBase


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
    ) -> None:
        """Several answers, those they made irrelevant, the confirmations given and the new
        cursor (nothing pending), in one commit. With ``cluster_id``, a change to a response
        sent before leaves its trail (``bot.storage.audit.answer_changed``)."""
        now = self._now()
        rows = [
            (response_id, qid, json.dumps(v, ensure_ascii=False), now, user_id)
            for qid, v in values.items()
        ]

        def work(db: sqlite3.Connection) -> None:
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
            db.execute(
                "UPDATE responses SET updated_at = ?, cursor_question = ?, cursor_mode = ?, "
                "pending = NULL, paused_at = NULL WHERE response_id = ?",
                (now, cursor[0], cursor[1], response_id),
            )

        await self._writes(work)

    async def set_cursor_pending(
        self,
        response_id: int,
        question_id: str | None,
        mode: str | None,
        pending: Mapping[str, Any] | None,
    ) -> None:
        """Move the cursor keeping something pending (values a rule holds while fixing)."""
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
