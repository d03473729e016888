"""What the audit log keeps of admins' requests (the writes record themselves in storage)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.storage import Storage


async def admin_command(storage: Storage, user_id: int, command: str, args: Sequence[str]) -> None:
    """An admin ran ``command`` (recorded before it runs, whether or not it then succeeds)."""
    await storage.audit(user_id, f"admin_{command}", None, args=list(args))
