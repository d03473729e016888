"""Telegram update ids already handled: a re-delivered update is recognised and dropped."""

from __future__ import annotations

from datetime import datetime

from bot.storage.base import StorageBase
from bot.storage.clock import ts


class Updates(StorageBase):
    async def first_time(self, update_id: int) -> bool:
        """Record an update id; False when it was seen before (a re-delivery)."""
        changed = await self._write(
            "INSERT OR IGNORE INTO seen_updates (update_id, seen_at) VALUES (?, ?)",
            (update_id, self._now()),
        )
        return changed == 1

    async def forget_updates_before(self, moment: datetime) -> int:
        return await self._write("DELETE FROM seen_updates WHERE seen_at < ?", (ts(moment),))
