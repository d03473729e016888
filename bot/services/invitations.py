"""Invitations: single-use codes that link a Telegram user to a cluster.

How a code is checked: the conversation recognises its shape (``INVITATION_CODE`` in
``bot/conversation/survey.py``: Telegram's deep-link alphabet, so a code typed or pasted by hand
is recognised too), then ``Storage.redeem_invitation`` accepts it once, before ``expires_at``,
in one transaction (``Redeem`` says why it was refused).

An invitation is created for a cluster of the registry (``invite``), alone, or as a sheet of
links for a mail merge: for every active cluster without a manager (``invitations_csv``,
``/invitaciones``, ``ssme invite --all-without-manager``) or for the clusters of an operator's
CSV (``read_wanted``, ``ssme invite --csv FILE``: cluster id and, optionally, a contact name).
A sheet is checked whole first (a bad line is named, and nothing is made) and its invitations
are stored in one transaction (all or none).
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
from bot.storage import Cluster, ClusterState, Storage, utcnow
from bot.texts import admin as t

INVITATION_DAYS = 30
CSV_HEADER = ("cluster_id", "nombre", "departamento", "enlace", "codigo", "contacto", "vence")
CONTACT_COLUMNS = ("contacto", "nombre_contacto", "contact", "contact_name")
CONTACT_MAX = 120
MAX_PROBLEMS = 20  # lines named in one refusal


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
class Wanted:
    """A cluster to invite, with the contact name the mail merge greets (may be empty)."""

    cluster: Cluster | ClusterState
    contact: str = ""


@dataclass(frozen=True)
class InvitationSheet:
    count: int  # invitations created, one per row
    data: bytes  # UTF-8 CSV with a BOM (Excel reads the accents right)
    expires_at: datetime | None = None
    tokens: tuple[tuple[str, str], ...] = ()  # (cluster id, code), not stored yet if prepared


def prepare_sheet(
    wanted: list[Wanted], bot_username: str, *, days: int | None = None
) -> InvitationSheet:
    """The codes and the mail-merge CSV for ``wanted``, not stored yet (``store_sheet``);
    formula-safe like the export (``neutralise``): a cell starting with ``=``, ``+``, ``-``,
    ``@`` (or their full-width forms) gets a leading ``'``."""
    expires = invitation_expiry(days=INVITATION_DAYS if days is None else days)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    tokens = []
    for w in wanted:
        token = new_token()
        c = w.cluster
        row = (
            c.cluster_id,
            c.nombre,
            c.departamento,
            deep_link(bot_username, token),
            token,
            w.contact,
            expires.date().isoformat(),
        )
        writer.writerow([neutralise(cell) for cell in row])
        tokens.append((c.cluster_id, token))
    data = ("\ufeff" + out.getvalue()).encode("utf-8")
    return InvitationSheet(len(tokens), data, expires, tuple(tokens))


async def store_sheet(storage: Storage, sheet: InvitationSheet, actor: str | int) -> None:
    """Every invitation of a prepared sheet, in one transaction."""
    if sheet.tokens and sheet.expires_at is not None:
        await storage.create_invitations(sheet.tokens, sheet.expires_at, actor)


async def without_manager(storage: Storage, campaign_id: str | None) -> list[Wanted]:
    """Every active cluster nobody registered for."""
    campaign = await campaigns.resolve(storage, campaign_id)
    return [
        Wanted(state)
        for state in await storage.response_states(campaign.campaign_id)
        if state.status == "no_manager" and state.estado == "activa"
    ]


async def invitations_csv(
    storage: Storage, campaign_id: str | None, bot_username: str, actor: str | int
) -> InvitationSheet:
    """Links for every active cluster without a manager, as a CSV for mail merges (stored in
    one transaction)."""
    sheet = prepare_sheet(await without_manager(storage, campaign_id), bot_username)
    await store_sheet(storage, sheet, actor)
    return sheet


def _problem(file: str, line: int, field: str, reason: str) -> str:
    return t.ERRORS["invite_csv"].format(file=file, line=line, field=field, reason=reason)


async def read_wanted(storage: Storage, data: bytes, file: str) -> list[Wanted]:
    """The clusters of an operator's CSV (``cluster_id`` and, optionally, ``contacto``; with
    that header, or without one in that order; ``,`` or ``;``), checked whole: every line that
    is wrong is named with its field, and then nothing is made."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError("invite_csv_file", file=file, reason=t.INVITE_CSV_ENCODING) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = [(reader.line_num, row) for row in reader]
    id_col, contact_col = 0, 1  # without a header: cluster id, then the contact
    header = [h.strip().lower() for h in rows[0][1]] if rows else []
    if "cluster_id" in header:
        id_col = header.index("cluster_id")
        contact_col = next((header.index(c) for c in CONTACT_COLUMNS if c in header), -1)
        rows = rows[1:]
    known = {c.cluster_id: c for c in await storage.list_clusters()}
    wanted: list[Wanted] = []
    seen: dict[str, int] = {}
    problems: list[str] = []
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        cluster_id = row[id_col].strip() if id_col < len(row) else ""
        contact = row[contact_col].strip() if 0 <= contact_col < len(row) else ""
        cluster = known.get(cluster_id)
        if not cluster_id:
            problems.append(_problem(file, line, "cluster_id", t.INVITE_CSV_EMPTY))
        elif cluster is None:
            reason = t.INVITE_CSV_UNKNOWN.format(cluster=cluster_id)
            problems.append(_problem(file, line, "cluster_id", reason))
        elif cluster.estado != "activa":
            reason = t.INVITE_CSV_INACTIVE.format(cluster=cluster_id, estado=cluster.estado)
            problems.append(_problem(file, line, "cluster_id", reason))
        elif cluster_id in seen:
            reason = t.INVITE_CSV_REPEATED.format(line=seen[cluster_id])
            problems.append(_problem(file, line, "cluster_id", reason))
        if len(contact) > CONTACT_MAX or any(ord(ch) < 32 for ch in contact):
            reason = t.INVITE_CSV_CONTACT.format(max=CONTACT_MAX)
            problems.append(_problem(file, line, "contacto", reason))
        if cluster is not None and cluster_id not in seen:
            seen[cluster_id] = line
            wanted.append(Wanted(cluster, contact))
    if problems:
        shown = problems[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            shown.append(t.INVITE_CSV_MORE.format(n=len(problems) - MAX_PROBLEMS))
        raise ServiceError("invite_csv_lines", problems="\n".join(shown))
    if not wanted:
        raise ServiceError("invite_csv_file", file=file, reason=t.INVITE_CSV_NO_ROWS)
    return wanted
