"""Reminders: who may get one, and each send claimed before the call and settled after it.

A send is recorded as 'sending' (claiming the cluster's n-th slot) before the Bot API call and
settled after it, so a crash in between can never make it go out twice (it counts as sent).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from bot.questionnaire.model import Value
from bot.storage import audit
from bot.storage.base import StorageBase
from bot.storage.clock import parse_optional_ts, parse_ts, ts
from bot.storage.rows import ReminderRow


def _status(r: sqlite3.Row) -> str:
    if r["consent_at"] is None:
        return "consent_pending"
    if r["sent"]:
        return "correcting" if r["status"] == "draft" else "submitted"
    return str(r["status"] or "not_started")


@dataclass(frozen=True)
class OpenFollowUp:
    """An analyst's request for a correction (review ``requiere_ajuste``) that no submission
    has answered yet: when it was made and the questions it names."""

    cluster_id: str
    asked_at: datetime
    questions: tuple[str, ...]


class Reminders(StorageBase):
    async def open_follow_ups(self, campaign_id: str) -> dict[str, OpenFollowUp]:
        """Cluster id → its unanswered request for a correction in the campaign (a submission
        puts the review back to ``pendiente``, which ends it). The questions are the request's
        audit line's (``review.ask`` records them there)."""
        rows = await self._all(
            "SELECT s.cluster_id, v.changed_at, (SELECT a.detail FROM audit a "
            "WHERE a.cluster_id = s.cluster_id AND a.action = 'review_requiere_ajuste' "
            "ORDER BY a.audit_id DESC LIMIT 1) AS detail FROM reviews v "
            "JOIN responses s ON s.response_id = v.response_id "
            "WHERE s.campaign_id = ? AND v.status = 'requiere_ajuste'",
            (campaign_id,),
        )
        found = {}
        for r in rows:
            detail = json.loads(r["detail"]) if r["detail"] else {}
            mine = detail.get("campaign") in (None, campaign_id)
            questions = tuple(str(q) for q in detail.get("questions", ())) if mine else ()
            found[r["cluster_id"]] = OpenFollowUp(
                r["cluster_id"], parse_ts(r["changed_at"]), questions
            )
        return found

    async def reminder_candidates(self, campaign_id: str) -> list[ReminderRow]:
        """Every registered manager with what the reminder policy needs to decide.

        A manager who has not accepted the data notice yet is a candidate too (for the consent
        reminder); one who asked for their data to be deleted is not.
        """
        rows = await self._all(
            "SELECT m.cluster_id, c.nombre, m.user_id, m.chat_id, m.registered_at, m.unreachable_at, "
            "m.consent_at, s.response_id, s.status, s.updated_at, p.opted_out_at, p.snoozed_until, "
            "EXISTS (SELECT 1 FROM submissions b WHERE b.response_id = s.response_id) AS sent "
            "FROM managers m JOIN clusters c ON c.cluster_id = m.cluster_id "
            "LEFT JOIN responses s ON s.cluster_id = m.cluster_id AND s.campaign_id = ? "
            "LEFT JOIN reminder_prefs p ON p.cluster_id = m.cluster_id AND p.campaign_id = ? "
            "WHERE c.estado = 'activa' AND NOT EXISTS (SELECT 1 FROM data_requests d "
            "WHERE d.user_id = m.user_id AND d.status = 'pending') ORDER BY m.cluster_id",
            (campaign_id, campaign_id),
        )
        sent = await self._all(
            "SELECT cluster_id, kind, created_at FROM reminders "
            "WHERE campaign_id = ? AND status != 'failed' ORDER BY reminder_id",
            (campaign_id,),
        )
        by_cluster: dict[str, list[tuple[str, datetime]]] = {}
        for r in sent:
            by_cluster.setdefault(r["cluster_id"], []).append(
                (r["kind"], parse_ts(r["created_at"]))
            )
        answers = await self._all(
            "SELECT a.response_id, a.question_id, a.value FROM answers a "
            "JOIN responses s ON s.response_id = a.response_id WHERE s.campaign_id = ? "
            "AND s.status = 'draft'",
            (campaign_id,),
        )
        by_response: dict[int, dict[str, Value]] = {}
        for a in answers:
            by_response.setdefault(a["response_id"], {})[a["question_id"]] = json.loads(a["value"])
        return [
            ReminderRow(
                cluster_id=r["cluster_id"],
                nombre=r["nombre"],
                user_id=r["user_id"],
                chat_id=r["chat_id"],
                registered_at=parse_ts(r["registered_at"]),
                unreachable=r["unreachable_at"] is not None,
                status=_status(r),
                last_activity_at=parse_optional_ts(r["updated_at"]),
                answers=by_response.get(r["response_id"], {}),
                opted_out=r["opted_out_at"] is not None,
                snoozed_until=parse_optional_ts(r["snoozed_until"]),
                sent=by_cluster.get(r["cluster_id"], []),
            )
            for r in rows
        ]

    async def begin_reminder(
        self, cluster_id: str, campaign_id: str, user_id: int, kind: str, slot: int, now: datetime
    ) -> int | None:
        """Claim the cluster's ``slot``-th reminder; None if another sender already has it."""

        def work(db: sqlite3.Connection) -> int | None:
            cur = db.execute(
                "INSERT OR IGNORE INTO reminders (cluster_id, campaign_id, user_id, kind, slot, "
                "status, created_at) VALUES (?, ?, ?, ?, ?, 'sending', ?)",
                (cluster_id, campaign_id, user_id, kind, slot, ts(now)),
            )
            return cur.lastrowid if cur.rowcount == 1 else None

        return await self._writes(work)

    async def settle_reminder(
        self,
        reminder_id: int,
        status: str,
        *,
        message_id: int | None = None,
        error: str | None = None,
        unreachable: tuple[str, int] | None = None,
    ) -> None:
        """The outcome of a send; a 403 also marks the manager unreachable (no more sends)."""
        now = self._now()

        def work(db: sqlite3.Connection) -> None:
            db.execute(
                "UPDATE reminders SET status = ?, settled_at = ?, message_id = ?, error = ?, "
                "slot = CASE WHEN ? = 'failed' THEN NULL ELSE slot END WHERE reminder_id = ?",
                (status, now, message_id, error, status, reminder_id),
            )
            if unreachable is not None:
                cluster_id, user_id = unreachable
                db.execute(
                    "UPDATE members SET unreachable_at = ? WHERE cluster_id = ? AND user_id = ?",
                    (now, cluster_id, user_id),
                )
                audit.record(db, now, "bot", "unreachable", cluster_id, {"user": user_id})

        await self._writes(work)

    async def set_reminder_pref(
        self,
        cluster_id: str,
        campaign_id: str,
        *,
        opted_out: bool | None = None,
        snoozed_until: datetime | None = None,
        actor: int,
    ) -> None:
        now = self._now()

        def work(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO reminder_prefs (cluster_id, campaign_id) VALUES (?, ?) "
                "ON CONFLICT DO NOTHING",
                (cluster_id, campaign_id),
            )
            if opted_out is not None:
                db.execute(
                    "UPDATE reminder_prefs SET opted_out_at = ? WHERE cluster_id = ? AND campaign_id = ?",
                    (now if opted_out else None, cluster_id, campaign_id),
                )
                audit.record(
                    db, now, actor, "reminders_stop", cluster_id, {"campaign": campaign_id}
                )
            if snoozed_until is not None:
                db.execute(
                    "UPDATE reminder_prefs SET snoozed_until = ? WHERE cluster_id = ? AND campaign_id = ?",
                    (ts(snoozed_until), cluster_id, campaign_id),
                )

        await self._writes(work)
