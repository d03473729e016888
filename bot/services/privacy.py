"""Personal data requests (Ley 1581 de 2012): the pending ones, and carrying one out.

A manager asks from the conversation (/mis_datos); an admin erases from Telegram or the CLI.
Erasing removes or blanks the person's identifiers (the manager link, who answered, who used an
invitation, reminders and audit entries); the cluster's answers stay: they are the initiative's
data, not the person's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.services.errors import ServiceError
from bot.storage import Storage


@dataclass(frozen=True)
class DataRequest:
    request_id: int
    user_id: int
    cluster_id: str | None
    created_at: datetime


def _request(row: dict[str, Any]) -> DataRequest:
    return DataRequest(
        int(row["request_id"]),
        int(row["user_id"]),
        row["cluster_id"],
        datetime.fromisoformat(row["created_at"]),
    )


async def pending_requests(storage: Storage) -> list[DataRequest]:
    """Deletion requests not yet carried out, oldest first."""
    return [_request(r) for r in await storage.data_requests()]


async def erase(storage: Storage, request_id: int, actor: str | int) -> int:
    """Carry out a pending request; the Telegram user id whose data went (to tell them)."""
    user_id = await storage.erase_person(request_id, actor)
    if user_id is None:
        raise ServiceError("unknown_request", id=request_id)
    return user_id
