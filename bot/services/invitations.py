"""Invitations: single-use codes that link a Telegram user to a cluster.

How a code is checked: it must match ``TOKEN_PATTERN`` (Telegram's deep-link alphabet, so a
code typed or pasted by hand is recognised too), then ``Storage.redeem_invitation`` accepts it
once, before ``expires_at``, in one transaction (``Redeem`` says why it was refused).
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from bot.storage import utcnow

TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
INVITATION_DAYS = 30


def new_token() -> str:
    return secrets.token_urlsafe(12)


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


def invitation_expiry(now: datetime | None = None) -> datetime:
    return (now or utcnow()) + timedelta(days=INVITATION_DAYS)


def looks_like_code(text: str) -> bool:
    return TOKEN_PATTERN.match(text.strip()) is not None
