"""Personal data under Ley 1581 de 2012 (habeas data): what is kept about a person, their
deletion requests, and carrying one out (the person's identifiers go; the cluster's data stays).
"""

from __future__ import annotations

import sqlite3

from bot.storage import audit, evidence
from bot.storage.base import StorageBase
from bot.storage.clock import parse_optional_ts, parse_ts
from bot.storage.rows import DataRequest, PersonalData, Registration


def _request(row: sqlite3.Row) -> DataRequest:
    return DataRequest(
        row["request_id"],
        row["user_id"],
        row["cluster_id"],
        row["kind"],
        row["status"],
        parse_ts(row["created_at"]),
        parse_optional_ts(row["handled_at"]),
        row["handled_by"],
    )


def deletion_request(db: sqlite3.Connection, now: str, user_id: int, cluster_id: str | None) -> int:
    """The person's pending deletion request, made now if there is none (inside a job)."""
    row = db.execute(
        "SELECT request_id FROM data_requests WHERE user_id = ? AND status = 'pending'",
        (user_id,),
    ).fetchone()
    if row is not None:
        return int(row[0])
    cur = db.execute(
        "INSERT INTO data_requests (user_id, cluster_id, kind, created_at) "
        "VALUES (?, ?, 'deletion', ?)",
        (user_id, cluster_id, now),
    )
    audit.record(db, now, user_id, "data_deletion_requested", cluster_id)
    return cur.lastrowid  # type: ignore[return-value]  # set by an INSERT


class Privacy(StorageBase):
    async def personal_data(self, user_id: int) -> PersonalData:
        """Everything stored about a person (not their cluster's answers, which are the cluster's)."""
        managers = await self._all(
            "SELECT * FROM members WHERE user_id = ? ORDER BY registered_at", (user_id,)
        )
        requests = await self._all(
            "SELECT * FROM data_requests WHERE user_id = ? ORDER BY request_id", (user_id,)
        )
        actions = await self._one("SELECT count(*) FROM audit WHERE actor = ?", (str(user_id),))
        return PersonalData(
            tuple(
                Registration(
                    m["cluster_id"],
                    m["user_id"],
                    m["chat_id"],
                    m["name"],
                    parse_ts(m["registered_at"]),
                    parse_optional_ts(m["consent_at"]),
                    m["consent_version"],
                    parse_optional_ts(m["unreachable_at"]),
                    m["role"],
                )
                for m in managers
            ),
            tuple(_request(r) for r in requests),
            int(actions[0]) if actions else 0,
        )

    async def request_deletion(self, user_id: int, cluster_id: str | None) -> int:
        """The person's pending deletion request, made now if there is none yet."""
        now = self._now()

        return await self._writes(lambda db: deletion_request(db, now, user_id, cluster_id))

    async def data_requests(self, pending_only: bool = True) -> list[DataRequest]:
        rows = await self._all(
            "SELECT * FROM data_requests "
            + ("WHERE status = 'pending' " if pending_only else "")
            + "ORDER BY request_id"
        )
        return [_request(r) for r in rows]

    async def erase_person(self, request_id: int, actor: str | int) -> int | None:
        """Carry out a deletion request: the person's identifiers go; the cluster's data stays.

        Returns the user id erased, or None if there is no such pending request.
        """
        now = self._now()

        def work(db: sqlite3.Connection) -> int | None:
            row = db.execute(
                "SELECT user_id FROM data_requests WHERE request_id = ? AND status = 'pending'",
                (request_id,),
            ).fetchone()
            if row is None:
                return None
            user_id = int(row[0])
            db.execute("DELETE FROM members WHERE user_id = ?", (user_id,))
            db.execute("DELETE FROM desk_inputs WHERE user_id = ?", (user_id,))  # an admin's
            db.execute("DELETE FROM cursors WHERE user_id = ?", (user_id,))  # a collaborator's
            evidence.erase_uploads(db, user_id)  # the files they sent (services delete them)
            db.execute("UPDATE answers SET answered_by = NULL WHERE answered_by = ?", (user_id,))
            db.execute("UPDATE invitations SET used_by = NULL WHERE used_by = ?", (user_id,))
            db.execute("UPDATE reminders SET user_id = 0 WHERE user_id = ?", (user_id,))
            # What the bot still owes them, and the text of any update of theirs not yet replied
            # to (the inbox keeps a body only until the reply).
            db.execute("DELETE FROM outbox WHERE user_id = ?", (user_id,))
            db.execute(
                "UPDATE inbox SET body = NULL WHERE body IS NOT NULL AND ? IN ("
                "json_extract(body, '$.message.from.id'), "
                "json_extract(body, '$.edited_message.from.id'), "
                "json_extract(body, '$.callback_query.from.id'))",
                (user_id,),
            )
            db.execute(
                "UPDATE audit SET actor = 'persona-eliminada' WHERE actor = ?", (str(user_id),)
            )
            db.execute(
                "UPDATE audit SET detail = NULL WHERE detail LIKE ?",
                (f'%"previous_user": {user_id}%',),
            )
            db.execute(
                "UPDATE data_requests SET status = 'done', handled_at = ?, handled_by = ?, "
                "user_id = 0 WHERE request_id = ?",
                (now, str(actor), request_id),
            )
            audit.record(db, now, actor, "data_erased", None, {"request": request_id})
            return user_id

        return await self._writes(work)
