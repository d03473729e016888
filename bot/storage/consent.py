"""The data notice declined or withdrawn (Ley 1581 de 2012); accepting it is ``People``'s.

Declining keeps nothing of the person: the registration the invitation made goes, the
invitation can be used again, and the audit keeps only that a notice was declined. Withdrawing
stops the processing (no consent: no reminders, no answers taken) and files a deletion request,
carried out like any other (``Privacy.erase_person``).
"""

from __future__ import annotations

import sqlite3

from bot.storage import audit
from bot.storage.base import StorageBase
from bot.storage.privacy import deletion_request

ANONYMOUS = "persona-sin-aviso"  # the audit's actor for someone who declined the notice


class Consent(StorageBase):
    async def decline_consent(self, cluster_id: str, user_id: int) -> bool:
        """Undo the registration of a manager who has not accepted the notice; False if there
        is none (already accepted, or never registered)."""
        now = self._now()

        def work(db: sqlite3.Connection) -> bool:
            gone = db.execute(
                "DELETE FROM members WHERE cluster_id = ? AND user_id = ? AND consent_at IS NULL",
                (cluster_id, user_id),
            ).rowcount
            if not gone:
                return False
            db.execute(
                "UPDATE invitations SET used_at = NULL, used_by = NULL "
                "WHERE cluster_id = ? AND used_by = ?",
                (cluster_id, user_id),
            )
            others = db.execute("SELECT 1 FROM members WHERE user_id = ?", (user_id,)).fetchone()
            if others is None:  # not a member of another cluster: no trace of who it was
                db.execute("UPDATE audit SET actor = ? WHERE actor = ?", (ANONYMOUS, str(user_id)))
            audit.record(db, now, ANONYMOUS, "consent_declined", cluster_id)
            return True

        return await self._writes(work)

    async def withdraw_consent(self, cluster_id: str, user_id: int) -> int | None:
        """Withdraw the person's consent and file their deletion request (its id); None if
        they had none to withdraw. The consent is the person's (the same data for every
        cluster they hold, as accepting it once holds for the next): withdrawn for all."""
        now = self._now()

        def work(db: sqlite3.Connection) -> int | None:
            held = db.execute(
                "SELECT 1 FROM members WHERE cluster_id = ? AND user_id = ? "
                "AND consent_at IS NOT NULL",
                (cluster_id, user_id),
            ).fetchone()
            if held is None:
                return None
            db.execute(
                "UPDATE members SET consent_at = NULL, consent_version = NULL WHERE user_id = ?",
                (user_id,),
            )
            audit.record(db, now, user_id, "consent_withdrawn", cluster_id)
            return deletion_request(db, now, user_id, cluster_id)

        return await self._writes(work)
