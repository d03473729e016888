"""Measurement campaigns: one a year, scheduled, open, then closed."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.storage import audit
from bot.storage.base import StorageBase
from bot.storage.clock import parse_ts, ts
from bot.storage.rows import Campaign


def campaign_row(row: sqlite3.Row) -> Campaign:
    return Campaign(
        row["campaign_id"],
        row["reference_year"],
        parse_ts(row["opens_at"]),
        parse_ts(row["closes_at"]),
        row["state"],
    )


class Campaigns(StorageBase):
    async def create_campaign(
        self,
        campaign_id: str,
        reference_year: int,
        opens_at: datetime,
        closes_at: datetime,
        *,
        state: str = "scheduled",
        actor: str | int = "cli",
    ) -> Campaign:
        now = self._now()

        def work(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO campaigns (campaign_id, reference_year, opens_at, closes_at, state, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (campaign_id, reference_year, ts(opens_at), ts(closes_at), state, now),
            )
            audit.record(db, now, actor, "create_campaign", None, {"campaign": campaign_id})

        await self._writes(work)
        return Campaign(campaign_id, reference_year, opens_at, closes_at, state)

    async def set_campaign_state(
        self, campaign_id: str, state: str, actor: str | int, *, forced: bool = False
    ) -> None:
        """``forced``: a closed campaign reopened on purpose (``--force``), said in the audit."""
        now = self._now()
        detail: dict[str, object] = {"campaign": campaign_id}
        if forced:
            detail["forced"] = True

        def work(db: sqlite3.Connection) -> None:
            db.execute("UPDATE campaigns SET state = ? WHERE campaign_id = ?", (state, campaign_id))
            action = "campaign_reopened" if forced else f"campaign_{state}"
            audit.record(db, now, actor, action, None, detail)

        await self._writes(work)

    async def set_campaign_closes(
        self, campaign_id: str, closes_at: datetime, actor: str | int
    ) -> None:
        now, closes = self._now(), ts(closes_at)

        def work(db: sqlite3.Connection) -> None:
            db.execute(
                "UPDATE campaigns SET closes_at = ? WHERE campaign_id = ?", (closes, campaign_id)
            )
            detail = {"campaign": campaign_id, "closes_at": closes}
            audit.record(db, now, actor, "campaign_extend", None, detail)

        await self._writes(work)

    async def get_campaign(self, campaign_id: str) -> Campaign | None:
        row = await self._one("SELECT * FROM campaigns WHERE campaign_id = ?", (campaign_id,))
        return campaign_row(row) if row else None

    async def list_campaigns(self) -> list[Campaign]:
        rows = await self._all("SELECT * FROM campaigns ORDER BY reference_year, campaign_id")
        return [campaign_row(r) for r in rows]

    async def current_campaign(self) -> Campaign | None:
        """The open campaign, else the latest one (to say it is closed or not open yet)."""
        row = await self._one(
            "SELECT * FROM campaigns ORDER BY state = 'open' DESC, opens_at DESC LIMIT 1"
        )
        return campaign_row(row) if row else None

    async def open_count(self) -> int:
        row = await self._one("SELECT count(*) FROM campaigns WHERE state = 'open'")
        return int(row[0]) if row else 0

    async def campaign_for(self, cluster_id: str) -> Campaign | None:
        """The current campaign for one cluster: an open one where it has a draft never sent
        (the oldest), else ``current_campaign``. Only matters while several are open."""
        row = await self._one(
            "SELECT c.* FROM campaigns c WHERE c.state = 'open' AND EXISTS (SELECT 1 FROM "
            "responses r WHERE r.campaign_id = c.campaign_id AND r.cluster_id = ? AND "
            "r.status = 'draft' AND NOT EXISTS (SELECT 1 FROM submissions b "
            "WHERE b.response_id = r.response_id)) ORDER BY c.opens_at LIMIT 1",
            (cluster_id,),
        )
        return campaign_row(row) if row else await self.current_campaign()

    async def previous_campaign(self, campaign_id: str) -> Campaign | None:
        """The campaign just before this one (by reference year)."""
        row = await self._one(
            "SELECT * FROM campaigns WHERE reference_year < "
            "(SELECT reference_year FROM campaigns WHERE campaign_id = ?) "
            "ORDER BY reference_year DESC, opens_at DESC LIMIT 1",
            (campaign_id,),
        )
        return campaign_row(row) if row else None
