"""Campaigns (mediciones): the one a command means, creating them, opening, closing, extending.

The date rules, for every way a campaign is created or changed:

- A date alone (``AAAA-MM-DD``) is the first moment of that day when a campaign opens and its
  last second (23:59:59) when it closes; a date-time (``AAAA-MM-DDTHH:MM``) is that moment.
- Both are read in the network's time zone (``Settings.tz``, Bogotá) unless they carry an offset.
- A campaign closes after it opens, when it is created and when its closing is extended.
- A campaign id names one campaign: creating it twice is refused.

A command that names no campaign means the current one (``Storage.current_campaign``: the open
one, else the most recent).
"""

from __future__ import annotations

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
    """Move a campaign's closing (earlier or later, but after it opens); the new closing."""
    campaign = await named(storage, campaign_id)
    closes_at = moment(closes, tz, end=True)
    if closes_at <= campaign.opens_at:
        raise ServiceError("campaign_dates")
    await storage.set_campaign_closes(campaign_id, closes_at, actor)
    return closes_at


async def open_campaign(storage: Storage, campaign_id: str, actor: str | int) -> None:
    await named(storage, campaign_id)
    await storage.set_campaign_state(campaign_id, "open", actor)


async def close_campaign(storage: Storage, campaign_id: str, actor: str | int) -> None:
    await named(storage, campaign_id)
    await storage.set_campaign_state(campaign_id, "closed", actor)
