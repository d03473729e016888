"""An admin's desk input awaited in the chat (``/cluster``'s «Pedir ajuste» and «Corregir»):
the cluster, the questions picked so far, the step (picking, the note; or the value, the reason,
the confirmation) and what was typed for it. One per admin, in the database so a restart
keeps it; dropped when done or cancelled (``bot.services.desk_input``).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.storage.base import StorageBase
from bot.storage.clock import parse_ts

KINDS = ("ask", "correct")
STEPS = ("pick", "note", "value", "reason", "confirm")


@dataclass(frozen=True)
class DeskInput:
    user_id: int  # the admin
    kind: str  # ask | correct
    cluster_id: str
    campaign_id: str
    questions: tuple[str, ...]  # picked so far (a correction: the one)
    step: str  # one of STEPS
    value: str | None = None  # a correction's value, as typed
    reason: str | None = None  # a correction's reason
    page: int = 1  # the picker's page
    since: datetime | None = None  # when it started (set by storage)


class DeskInputs(StorageBase):
    async def desk_input(self, user_id: int) -> DeskInput | None:
        row = await self._one("SELECT * FROM desk_inputs WHERE user_id = ?", (user_id,))
        if row is None:
            return None
        return DeskInput(
            row["user_id"],
            row["kind"],
            row["cluster_id"],
            row["campaign_id"],
            tuple(json.loads(row["questions"])),
            row["step"],
            row["value"],
            row["reason"],
            row["page"],
            parse_ts(row["since"]),
        )

    async def put_desk_input(self, d: DeskInput) -> None:
        """Start or move on the admin's input (a new start replaces an older one)."""
        if d.kind not in KINDS or d.step not in STEPS:
            raise ValueError(f"unknown desk input {d.kind!r}/{d.step!r}")
        now = self._now()

        def work(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO desk_inputs (user_id, kind, cluster_id, campaign_id, questions, step, "
                "value, reason, page, since) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET kind = excluded.kind, "
                "cluster_id = excluded.cluster_id, campaign_id = excluded.campaign_id, "
                "questions = excluded.questions, step = excluded.step, value = excluded.value, "
                "reason = excluded.reason, page = excluded.page, since = CASE WHEN "
                "desk_inputs.kind = excluded.kind AND desk_inputs.cluster_id = excluded.cluster_id "
                "THEN desk_inputs.since ELSE excluded.since END",
                (
                    d.user_id,
                    d.kind,
                    d.cluster_id,
                    d.campaign_id,
                    json.dumps(list(d.questions)),
                    d.step,
                    d.value,
                    d.reason,
                    d.page,
                    now,
                ),
            )

        await self._writes(work)

    async def drop_desk_input(self, user_id: int) -> bool:
        """Whether there was one to drop."""
        return await self._write("DELETE FROM desk_inputs WHERE user_id = ?", (user_id,)) > 0
