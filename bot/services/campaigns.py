"""Campaigns (mediciones): the one a command means, creating them, opening, closing, extending.

The date rules, for every way a campaign is created or changed:

- A date alone (``AAAA-MM-DD``) is the first moment of that day when a campaign opens and its
  last second (23:59:59) when it closes; a date-time (``AAAA-MM-DDTHH:MM``) is that moment.
- Both are read in the network's time zone (``Settings.tz``, Bogotá) unless they carry an offset.
- A campaign closes after it opens, when it is created and when its closing is extended.
- A campaign id names one campaign: creating it twice is refused.

The state rules (``problems`` lists any state that breaks them, for ``ssme check``):

- At most one campaign is open at a time: opening another while one is open is refused (close
  it first: its drafts get their last call within the reminder policy, and the admin sees
  them as "sin enviar" in participation), and so is the scheduler's automatic opening.
- A closed campaign reopens only with ``force`` (``ssme campaign open ID --force``), and the
  audit says so.
- ``extend`` only moves the close later (and never for a closed campaign).

A command that names no campaign means the current one (``Storage.current_campaign``: the open
one, else the most recent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from bot.services.errors import ServiceError
from bot.storage import Campaign, Storage

DAY_STARTS = time(0, 0)
DAY_ENDS = time(23, 59, 59)


def moment(text: str, tz: tzinfo, *, end: bool = False) -> datetime:
    """A date (the start of that day, or its end with ``end``) or a date-time, in ``tz``."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), DAY_ENDS if end else DAY_STARTS, tz)
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ServiceError("bad_date", value=text) from None
    return at if at.tzinfo else at.replace(tzinfo=tz)


async def resolve(storage: Storage, campaign_id: str | None) -> Campaign:
    """The campaign a command means: the one it names, else the current one."""
    if campaign_id:
        campaign = await storage.get_campaign(campaign_id)
        if campaign is None:
            known = ", ".join(c.campaign_id for c in await storage.list_campaigns()) or "—"
            raise ServiceError("unknown_campaign", id=campaign_id, known=known)
        return campaign
    campaign = await storage.current_campaign()
    if campaign is None:
        raise ServiceError("no_campaigns")
    return campaign


async def named(storage: Storage, campaign_id: str) -> Campaign:
    """Exactly the campaign ``campaign_id`` (the commands that change one must name it)."""
    campaign = await storage.get_campaign(campaign_id)
    if campaign is None:
        raise ServiceError("no_such_campaign", id=campaign_id)
    return campaign


async def list_all(storage: Storage) -> list[Campaign]:
    return await storage.list_campaigns()


async def create(
    storage: Storage,
    campaign_id: str,
    reference_year: int,
    opens: str,
    closes: str,
    tz: tzinfo,
    actor: str | int,
) -> Campaign:
    """A new campaign, scheduled (not open yet), from the dates as the admin typed them."""
    if await storage.get_campaign(campaign_id) is not None:
        raise ServiceError("campaign_exists", id=campaign_id)
    opens_at = moment(opens, tz)
    closes_at = moment(closes, tz, end=True)
    if closes_at <= opens_at:
        raise ServiceError("campaign_dates")
    return await storage.create_campaign(
        campaign_id, reference_year, opens_at, closes_at, actor=actor
    )


async def extend(
    storage: Storage, campaign_id: str, closes: str, tz: tzinfo, actor: str | int
) -> datetime:
    """Move a campaign's closing later (only later, and not once closed); the new closing."""
    campaign = await named(storage, campaign_id)
    closes_at = moment(closes, tz, end=True)
    if campaign.state == "closed":
        raise ServiceError("campaign_closed_extend", id=campaign_id)
    if closes_at <= campaign.closes_at:
        raise ServiceError("campaign_extend_earlier", id=campaign_id)
    await storage.set_campaign_closes(campaign_id, closes_at, actor)
    return closes_at


async def open_campaign(
    storage: Storage, campaign_id: str, actor: str | int, *, force: bool = False
) -> None:
    """Open a campaign: refused while another is open, and for a closed one without ``force``
    (then the audit records the reopening as forced)."""
    campaign = await named(storage, campaign_id)
    others = [
        c.campaign_id for c in await storage.list_campaigns() if may_not_open_with(c, campaign)
    ]
    if others:
        raise ServiceError("campaign_other_open", id=campaign_id, other=", ".join(others))
    if campaign.state == "open":
        return
    if campaign.state == "closed" and not force:
        raise ServiceError("campaign_reopen", id=campaign_id)
    forced = campaign.state == "closed"
    await storage.set_campaign_state(campaign_id, "open", actor, forced=forced)


def may_not_open_with(other: Campaign, campaign: Campaign) -> bool:
    """Whether ``other`` keeps ``campaign`` from opening: another campaign that is open."""
    return other.state == "open" and other.campaign_id != campaign.campaign_id


def may_open_now(campaign: Campaign, all_campaigns: list[Campaign]) -> bool:
    """For the scheduler: a scheduled campaign opens at its time only if no other is open."""
    return campaign.state == "scheduled" and not any(
        may_not_open_with(c, campaign) for c in all_campaigns
    )


@dataclass(frozen=True)
class Problem:
    """A state that breaks the rules above: ``code`` (worded by ``bot.texts.admin``) and the
    campaigns it concerns."""

    code: str
    campaigns: tuple[str, ...]


def problems(all_campaigns: list[Campaign]) -> list[Problem]:
    """What ``ssme check`` reports: several campaigns open at once (the bot serves the newest,
    so the others' drafts are stranded), a campaign that closes before it opens."""
    found = []
    open_ = [c.campaign_id for c in all_campaigns if c.state == "open"]
    if len(open_) > 1:
        found.append(Problem("several_open", tuple(open_)))
    found += [
        Problem("closes_before_opens", (c.campaign_id,))
        for c in all_campaigns
        if c.closes_at <= c.opens_at
    ]
    return found


async def close_campaign(storage: Storage, campaign_id: str, actor: str | int) -> None:
    await named(storage, campaign_id)
    await storage.set_campaign_state(campaign_id, "closed", actor)
