"""Invitations: single-use codes that link a Telegram user to a cluster.

How a code is checked: the conversation recognises its shape (``INVITATION_CODE`` in
``bot/conversation/survey.py``: Telegram's deep-link alphabet, so a code typed or pasted by hand
is recognised too), then ``Storage.redeem_invitation`` accepts it once, before ``expires_at``,
in one transaction (``Redeem`` says why it was refused).

An invitation is created for a cluster of the registry (``invite``), alone or for every active
cluster without a manager at once (``invitations_csv``, for mail merges).
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.reports.export import neutralise
from bot.services import campaigns
from bot.services.errors import ServiceError
from bot.storage import Cluster, Storage, utcnow

INVITATION_DAYS = 30
CSV_HEADER = ("cluster_id", "nombre", "departamento", "enlace", "codigo")


def new_token() -> str:
    """A code of Telegram's deep-link alphabet that does not start with ``-``: one in 64 did,
    and a spreadsheet reads such a code as a formula (``#NAME?`` in the mail merge)."""
    while True:
        token = secrets.token_urlsafe(12)
        if not token.startswith("-"):
            return token


def deep_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


def invitation_expiry(now: datetime | None = None, days: int = INVITATION_DAYS) -> datetime:
    return (now or utcnow()) + timedelta(days=days)


@dataclass(frozen=True)
class Invitation:
    cluster: Cluster
    token: str
    expires_at: datetime

    def link(self, bot_username: str) -> str:
        return deep_link(bot_username, self.token)


async def invite(
    storage: Storage, cluster_id: str, actor: str | int, *, days: int | None = None
) -> Invitation:
    """A new single-use invitation for a cluster of the registry, valid ``days`` (30)."""
    cluster = await storage.get_cluster(cluster_id)
    if cluster is None:
        raise ServiceError("unknown_cluster", cluster=cluster_id)
    token = new_token()
    expires = invitation_expiry(days=INVITATION_DAYS if days is None else days)
    await storage.create_invitation(cluster_id, token, expires, actor)
    return Invitation(cluster, token, expires)


@dataclass(frozen=True)
class InvitationSheet:
    count: int  # invitations created, one per row
    data: bytes  # UTF-8 CSV with a BOM (Excel reads the accents right)


async def invitations_csv(
    storage: Storage, campaign_id: str | None, bot_username: str, actor: str | int
) -> InvitationSheet:
    """Links for every active cluster without a manager, as a CSV for mail merges; formula-safe
    like the export (``neutralise``): a name starting with ``=``, ``+``, ``-``, ``@`` (or
    their full-width forms) gets a leading ``'``."""
    campaign = await campaigns.resolve(storage, campaign_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    n = 0
    for state in await storage.response_states(campaign.campaign_id):
        if state.status != "no_manager" or state.estado != "activa":
            continue
        invitation = await invite(storage, state.cluster_id, actor)
        row = (
            state.cluster_id,
            state.nombre,
            state.departamento,
            invitation.link(bot_username),
            invitation.token,
        )
        writer.writerow([neutralise(cell) for cell in row])
        n += 1
    return InvitationSheet(n, ("\ufeff" + out.getvalue()).encode("utf-8"))
