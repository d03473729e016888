"""Personal data requests (Ley 1581 de 2012): the pending ones, and carrying one out.

A manager asks from the conversation (/mis_datos); an admin erases from Telegram or the CLI.
Erasing removes or blanks the person's identifiers (the manager link, who answered, who used an
invitation, reminders and audit entries); the cluster's answers stay: they are the initiative's
data, not the person's.
"""

from __future__ import annotations

from bot.services import evidence
from bot.services.errors import ServiceError
from bot.storage import DataRequest, Storage


async def pending_requests(storage: Storage) -> list[DataRequest]:
    """Deletion requests not yet carried out, oldest first."""
    return await storage.data_requests()


async def erase(storage: Storage, request_id: int, actor: str | int) -> int:
    """Carry out a pending request; the Telegram user id whose data went (to tell them)."""
    user_id = await storage.erase_person(request_id, actor)
    if user_id is None:
        raise ServiceError("unknown_request", id=request_id)
    await evidence.forget_unused(storage)  # the files they sent, which no record names now
    return user_id
