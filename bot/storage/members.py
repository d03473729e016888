"""Collaborators (issue 16 item 2): a cluster's response answered by its manager and colleagues.

A collaborator is a member of the cluster in the ``collaborator`` role (``members``, see
:mod:`bot.storage.people`); the manager invites them (an invitation of that role) and can remove
them. Everyone answers the same response, so the answers are shared; where each person stands
is not: a collaborator has a cursor of their own (table ``cursors``, migration 12: the question
they walk to, what waits on them, the question last delivered to *their* chat and its message
id, /cancelar), while the response's own cursor columns stay the manager's, read and written as
before (the single-person path is unchanged). ``Response.cursor_of`` says whose cursor a
response row carries; the cursor writes of :mod:`bot.storage.responses` and
:mod:`bot.storage.corrections` take it and land here for a collaborator.

Two people answering the same question: the writer commits one job at a time, so the later
answer wins; :func:`trail` (inside the answer's job) keeps the earlier in the audit log
(``answer_changed`` with ``old_by``) and returns it when it was given after the later person's
question was delivered (their screen was stale), so they are told. In a shared response every
answer leaves that trail line, which is how the analyst's history shows who answered what.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from bot.questionnaire.model import Value
from bot.storage import audit
from bot.storage.base import StorageBase
from bot.storage.clock import parse_optional_ts, parse_ts
from bot.storage.people import _manager as member_row
from bot.storage.rows import Manager, Response

_UNSET: Any = object()


@dataclass(frozen=True)
class Overtaken:
    """An answer someone else gave to a question after it was delivered to the person who just
    replaced it: what their stale screen did not show."""

    question_id: str
    value: Value
    by: int
    name: str | None


@dataclass(frozen=True)
class LastAnswer:
    """The latest answer of a response: who gave it, to which question, when."""

    user_id: int
    name: str | None
    question_id: str
    at: datetime


def write_cursor(
    db: sqlite3.Connection,
    response_id: int,
    user_id: int,
    *,
    question: Any = _UNSET,
    mode: Any = _UNSET,
    pending: Any = _UNSET,
    paused_at: Any = _UNSET,
) -> None:
    """Inside a write job: change a collaborator's cursor (created on first use). Only the
    columns given change."""
    given = {
        "cursor_question": question,
        "cursor_mode": mode,
        "pending": pending
        if pending is _UNSET or pending is None
        else json.dumps(pending, ensure_ascii=False),
        "paused_at": paused_at,
    }
    cols = {k: v for k, v in given.items() if v is not _UNSET}
    names = ", ".join(cols)
    marks = ", ".join("?" for _ in cols)
    sets = ", ".join(f"{k} = excluded.{k}" for k in cols)
    db.execute(
        f"INSERT INTO cursors (response_id, user_id, {names}) VALUES (?, ?, {marks}) "
        f"ON CONFLICT (response_id, user_id) DO UPDATE SET {sets}",
        (response_id, user_id, *cols.values()),
    )


def record_shown(
    db: sqlite3.Connection, response_id: int, user_id: int, question: str, message: int, at: str
) -> int:
    """Inside a write job: the question last delivered to a collaborator's chat (their message
    ids only grow, so an older message delivered late never wins)."""
    return db.execute(
        "INSERT INTO cursors (response_id, user_id, shown_question, shown_message, shown_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (response_id, user_id) DO UPDATE SET "
        "shown_question = excluded.shown_question, shown_message = excluded.shown_message, "
        "shown_at = excluded.shown_at "
        "WHERE shown_message IS NULL OR shown_message < excluded.shown_message",
        (response_id, user_id, question, message, at),
    ).rowcount


def forget_cursors(db: sqlite3.Connection, response_id: int) -> None:
    """Inside the submission's job: nobody stands anywhere in a sent response."""
    db.execute("DELETE FROM cursors WHERE response_id = ?", (response_id,))


def trail(
    db: sqlite3.Connection,
    now: str,
    user_id: int | None,
    response_id: int,
    values: Mapping[str, Value],
    dropped: Sequence[str],
    seen_since: datetime | None,
    *,
    trailed: bool,
) -> list[Overtaken]:
    """Inside an answer's job, before it is written. In a response shared with collaborators
    every answer given or dropped leaves an ``answer_changed`` line (unless ``trailed``: the
    caller's trail of a response sent before already did), with who gave the value it
    replaces. Returns the answers it replaces that someone else gave since ``seen_since``
    (when the question was delivered to this person)."""
    shared = db.execute(
        "SELECT r.cluster_id, r.campaign_id FROM responses r WHERE r.response_id = ? AND EXISTS "
        "(SELECT 1 FROM members m WHERE m.cluster_id = r.cluster_id "
        "AND m.role = 'collaborator')",
        (response_id,),
    ).fetchone()
    if shared is None or user_id is None:
        return []
    ids = [*values, *dropped]
    marks = ", ".join("?" for _ in ids)
    before = {
        r["question_id"]: r
        for r in db.execute(
            "SELECT a.question_id, a.value, a.answered_by, a.answered_at, m.name FROM answers a "
            "LEFT JOIN members m ON m.user_id = a.answered_by AND m.cluster_id = ? "
            f"WHERE a.response_id = ? AND a.question_id IN ({marks})",
            (shared["cluster_id"], response_id, *ids),
        )
    }
    overtaken: list[Overtaken] = []
    for qid in ids:
        new = values.get(qid)
        row = before.get(qid)
        old: Value | None = json.loads(row["value"]) if row is not None else None
        by: int | None = row["answered_by"] if row is not None else None
        other = by is not None and by != user_id
        if row is not None and by is not None and other and qid in values and old is not None:
            since = seen_since.replace(microsecond=0) if seen_since is not None else None
            if since is not None and parse_ts(row["answered_at"]) >= since:
                overtaken.append(Overtaken(qid, old, by, row["name"]))
        if trailed or (row is None and qid not in values):
            continue
        if old == new and not other:
            continue
        detail: dict[str, Any] = {
            "campaign": shared["campaign_id"],
            "question": qid,
            "old": old,
            "new": new,
        }
        if other:
            detail["old_by"] = by
        audit.record(db, now, user_id, "answer_changed", shared["cluster_id"], detail)
    return overtaken


class Sharing(StorageBase):
    async def own_cursor(self, response: Response, user_id: int) -> Response:
        """The response as a collaborator sees it: their own cursor in place of the manager's."""
        row = await self._one(
            "SELECT * FROM cursors WHERE response_id = ? AND user_id = ?",
            (response.response_id, user_id),
        )
        return replace(
            response,
            cursor_question=row["cursor_question"] if row else None,
            cursor_mode=row["cursor_mode"] if row else None,
            pending=json.loads(row["pending"]) if row and row["pending"] else None,
            shown_question=row["shown_question"] if row else None,
            shown_message=row["shown_message"] if row else None,
            shown_at=parse_optional_ts(row["shown_at"]) if row else None,
            paused=bool(row and row["paused_at"]),
            cursor_of=user_id,
        )

    async def answered_by(self, response_id: int, question_id: str) -> int | None:
        """Who gave the stored answer to a question (None: nobody, or not a person)."""
        row = await self._one(
            "SELECT answered_by FROM answers WHERE response_id = ? AND question_id = ?",
            (response_id, question_id),
        )
        return row["answered_by"] if row else None

    async def last_answers(self, response_id: int) -> dict[int, LastAnswer]:
        """Each person's latest answer in a response (where they left off), by user id."""
        rows = await self._all(
            "SELECT a.answered_by, a.question_id, max(a.answered_at) AS at, m.name FROM answers a "
            "JOIN responses r ON r.response_id = a.response_id "
            "LEFT JOIN members m ON m.user_id = a.answered_by AND m.cluster_id = r.cluster_id "
            "WHERE a.response_id = ? AND a.answered_by IS NOT NULL GROUP BY a.answered_by",
            (response_id,),
        )
        return {
            r["answered_by"]: LastAnswer(
                r["answered_by"], r["name"], r["question_id"], parse_ts(r["at"])
            )
            for r in rows
        }

    async def collaborators_send(self, cluster_id: str) -> bool:
        """Whether the manager lets the cluster's collaborators press «Enviar»."""
        row = await self._one(
            "SELECT collaborators_send FROM cluster_settings WHERE cluster_id = ?", (cluster_id,)
        )
        return bool(row and row[0])

    async def set_collaborators_send(self, cluster_id: str, allow: bool, by: int) -> None:
        now = self._now()

        def work(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO cluster_settings (cluster_id, collaborators_send, changed_at, "
                "changed_by) VALUES (?, ?, ?, ?) ON CONFLICT (cluster_id) DO UPDATE SET "
                "collaborators_send = excluded.collaborators_send, "
                "changed_at = excluded.changed_at, changed_by = excluded.changed_by",
                (cluster_id, int(allow), now, by),
            )
            audit.record(db, now, by, "collaborators_send", cluster_id, {"allow": allow})

        await self._writes(work)

    async def remove_collaborator(self, cluster_id: str, user_id: int, by: int) -> Manager | None:
        """The manager takes a collaborator off the cluster: their membership and cursors go
        (their answers stay, with who gave them). Returns whom, to tell them; None if they
        were not a collaborator of it."""
        now = self._now()

        def work(db: sqlite3.Connection) -> Manager | None:
            row = db.execute(
                "SELECT * FROM members WHERE cluster_id = ? AND user_id = ? "
                "AND role = 'collaborator'",
                (cluster_id, user_id),
            ).fetchone()
            if row is None:
                return None
            db.execute(
                "DELETE FROM members WHERE cluster_id = ? AND user_id = ?", (cluster_id, user_id)
            )
            db.execute(
                "DELETE FROM cursors WHERE user_id = ? AND response_id IN "
                "(SELECT response_id FROM responses WHERE cluster_id = ?)",
                (user_id, cluster_id),
            )
            audit.record(db, now, by, "collaborator_removed", cluster_id, {"user": user_id})
            return member_row(row)

        return await self._writes(work)
