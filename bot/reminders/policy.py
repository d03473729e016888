"""Who gets a reminder, of which kind, and when: a pure function of data and ``now``.

No database, no Telegram and no clock here: the caller reads each registered manager's state
(``ManagerState``) and the campaign (``CampaignWindow``), passes the current moment, sends what
``due`` returns, records each send, and schedules one wake-up at ``next_check``. Because a
decision depends only on that data, a reminder that fell due while the bot was down is still due
at the next allowed moment, and once its send is recorded the gap and the count stop it from
going out twice.

The rules, in the order ``decide`` checks them (each refusal has a machine code, ``reason``,
and the numbers behind it, ``params``; ``bot.texts.reminders.detail`` words them in Spanish for
the admin dry-run, and this module imports no text at all):

1. The campaign is ``open`` and ``opens_at <= now < closes_at - close_margin``.
2. Never to a manager who submitted, opted out ("No más recordatorios") or is unreachable
   (Telegram answered 403: blocked the bot). A manager who submitted and opened a correction
   ("correcting": the sent version counts) gets only the last call, about the unsent changes.
3. Never before ``snoozed_until``.
4. A pending snooze ("Recordarme mañana" pressed on the latest reminder, and the manager has not
   come back since) is a reminder the manager asked for: at ``snoozed_until`` it is sent
   regardless of the gap and the count (still only at an allowed moment and while open).
5. The kind follows the phase of the campaign:
   * ``LAST_CALL`` from 00:00 local of the day ``last_call_days`` before the deadline day (the
     day the text calls the deadline, see :func:`deadline_day`): once per
     closing date (a campaign extended after its last call gets a new one), at least
     ``last_call_min_gap`` (1 day; never more than ``min_gap``) after the previous reminder,
     shorter than ``min_gap`` because the close will not wait, and not within
     ``last_call_idle`` of the manager's own activity (registering, answering: they are at it).
   * before that, ``INVITATION`` for a manager who has not started, ``first_after`` after they
     could start (the later of registering and the campaign opening), ``CONSENT`` the same way
     for one who accepted the invitation but not the data notice yet ("consent_pending"), and
     ``CONTINUE`` for a draft untouched for ``draft_idle``; all repeat after ``min_gap``.
6. At most ``max_per_campaign`` reminders in the campaign; with ``reserve_last_call`` (default)
   invitations and continues stop one short of it, so the last one left is the last call.
7. An analyst's follow-up request (review ``requiere_ajuste``, ``follow_up_at``) not answered
   by a new submission makes a manager who sent (or is correcting) remindable again, with
   ``FOLLOW_UP`` only: the first ``first_after`` after the request (``draft_idle`` after the
   manager's own activity since, as for a draft), then after ``min_gap`` since any reminder, at
   most ``follow_up_max`` in the campaign (a cap of their own: the reminders to fill in do not
   use it up, nor these theirs), until ``close_margin`` before the close. Snooze and stop apply
   as to any reminder; a new submission ends the request (the caller passes no
   ``follow_up_at``), and with it these reminders.
8. Only at allowed moments: local time in ``[window_start, window_end)`` (start included, end
   excluded: 08:00 and 17:59 yes, 18:00 no), Monday to Friday, not a Colombian public holiday
   (from the ``holidays`` package, with the "Ley Emiliani" Monday moves).

Datetimes must be timezone-aware; results are in the policy's timezone.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any, Literal

import holidays

from config.reminders import ReminderPolicy

__all__ = [
    "CampaignWindow",
    "Decision",
    "ManagerState",
    "ReminderKind",
    "ReminderPolicy",
    "SentReminder",
    "deadline_day",
    "decide",
    "due",
    "is_allowed_moment",
    "next_allowed_moment",
    "next_check",
    "snooze_until",
]

Status = Literal["consent_pending", "not_started", "draft", "correcting", "submitted"]
STATUSES: tuple[str, ...] = ("consent_pending", "not_started", "draft", "correcting", "submitted")
_NOT_STARTED = ("not_started", "consent_pending")
HOLIDAY_COUNTRY = "CO"
_SEARCH_DAYS = 400  # an allowed day always comes within a week; this only bounds the loop


class ReminderKind(StrEnum):
    INVITATION = "invitation"  # registered, never started
    CONTINUE = "continue"  # a draft in progress, idle
    LAST_CALL = "last_call"  # not submitted (or a correction unsent), in the last days
    CONSENT = "consent"  # registered, the data notice not accepted yet
    FOLLOW_UP = "follow_up"  # sent, an analyst asked for a correction not sent yet


# --- what the caller passes in -----------------------------------------------------------------


def _aware(name: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


@dataclass(frozen=True)
class SentReminder:
    """A reminder sent (or attempted without a failure) in this campaign."""

    kind: ReminderKind
    at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ReminderKind(self.kind))
        _aware("SentReminder.at", self.at)


@dataclass(frozen=True)
class CampaignWindow:
    campaign_id: str
    opens_at: datetime
    closes_at: datetime
    state: str  # scheduled / open / closed

    def __post_init__(self) -> None:
        _aware("CampaignWindow.opens_at", self.opens_at)
        _aware("CampaignWindow.closes_at", self.closes_at)
        if self.closes_at <= self.opens_at:
            raise ValueError(f"campaign {self.campaign_id}: closes_at must be after opens_at")

    def deadline_day(self, tz: tzinfo) -> date:
        """The day a manager reads as the deadline (see :func:`deadline_day`)."""
        return deadline_day(self.closes_at, tz)

    def days_left(self, now: datetime, tz: tzinfo) -> int:
        """Local calendar days from ``now`` to the deadline day: 0 on it (or after), 1 the day
        before ("cierra mañana")."""
        return max(0, (self.deadline_day(tz) - now.astimezone(tz).date()).days)


def deadline_day(closes_at: datetime, tz: tzinfo) -> date:
    """The day a manager reads as the deadline: a close at exactly 00:00 is the end of the day
    before ("cierra el viernes", not "el sábado"). The last-call window counts its days from it,
    so "cierra en 3 días" in the text and the last call agree."""
    local = closes_at.astimezone(tz)
    if local.time() == time(0, 0):
        return local.date() - timedelta(days=1)
    return local.date()


@dataclass(frozen=True)
class ManagerState:
    """One registered manager in one campaign, as the caller reads it from the database."""

    cluster_id: str
    user_id: int
    chat_id: int
    registered_at: datetime
    status: Status
    last_activity_at: datetime | None = None  # last answer, for drafts
    answered: int = 0
    total: int = 0
    opted_out: bool = False
    unreachable: bool = False
    snoozed_until: datetime | None = None
    sent: Sequence[SentReminder] = field(default_factory=tuple)
    # An analyst's request for a correction not answered by a new submission: when it was made
    # and the questions it names (ids; the text names them).
    follow_up_at: datetime | None = None
    follow_up: Sequence[str] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"ManagerState.status must be one of {STATUSES}, not {self.status!r}")
        _aware("ManagerState.registered_at", self.registered_at)
        _aware("ManagerState.last_activity_at", self.last_activity_at)
        _aware("ManagerState.snoozed_until", self.snoozed_until)
        _aware("ManagerState.follow_up_at", self.follow_up_at)
        object.__setattr__(self, "follow_up", tuple(self.follow_up))
        if self.answered < 0 or self.total < 0:
            raise ValueError("ManagerState.answered and total cannot be negative")
        object.__setattr__(self, "sent", tuple(self.sent))

    @property
    def last_sent_at(self) -> datetime | None:
        return max((s.at for s in self.sent), default=None)

    @property
    def follow_up_open(self) -> bool:
        """A request for a correction waits for this manager's next submission."""
        return self.follow_up_at is not None and self.status in ("submitted", "correcting")


@dataclass(frozen=True)
class Decision:
    """Whether to send now, and why, as codes and numbers (``bot.texts.reminders.detail`` words
    it for the admin dry-run: "enviado hace 1 día; espacio mínimo 3 días; próximo: ...").

    ``reason`` is a machine code ("due", "min_gap", "outside_hours"...) and ``params`` what it
    rests on: ``ago`` and ``wait`` (timedeltas: since the reference moment, and the rule's
    span), ``when`` (a datetime: the campaign's opening, the snooze's end), ``count`` and
    ``max``, ``state``, ``margin``, and for "outside_hours" ``why`` ("weekend", "holiday" with
    ``holiday`` its name, "hours" with ``start`` and ``end``). ``kind`` is what would be sent, if
    any; ``next_at`` the earliest moment this manager gets a reminder if nothing changes (``now``
    when ``send``; None: never again in this campaign); ``final``: the reason holds for the rest
    of the campaign by its nature (submitted, opted out, unreachable, not open, closed)."""

    cluster_id: str
    kind: ReminderKind | None
    send: bool
    reason: str
    params: Mapping[str, Any] = field(default_factory=dict)
    next_at: datetime | None = None
    final: bool = False


# --- allowed moments ---------------------------------------------------------------------------


@functools.cache
def _holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays(HOLIDAY_COUNTRY, years=year, language="es"))


def _holiday(policy: ReminderPolicy, day: date) -> str | None:
    return _holidays(day.year).get(day) if policy.skip_holidays else None


def _day_allowed(policy: ReminderPolicy, day: date) -> bool:
    if policy.weekdays_only and day.weekday() >= 5:
        return False
    return _holiday(policy, day) is None


def _local(policy: ReminderPolicy, moment: datetime, name: str = "now") -> datetime:
    _aware(name, moment)
    return moment.astimezone(policy.tz)


def is_allowed_moment(policy: ReminderPolicy, now: datetime) -> bool:
    """Inside the sending hours (start included, end excluded), on a weekday if required, and
    not a Colombian public holiday; all in local time."""
    local = _local(policy, now)
    return policy.window_start <= local.time() < policy.window_end and _day_allowed(
        policy, local.date()
    )


def next_allowed_moment(policy: ReminderPolicy, after: datetime) -> datetime:
    """The earliest allowed instant at or after ``after``, in the policy's timezone: ``after``
    itself if allowed, else the window start of the next allowed day (Friday 19:00 → Monday
    8:00; Tuesday 8:00 when that Monday is a holiday)."""
    local = _local(policy, after, "after")
    if is_allowed_moment(policy, local):
        return local
    day = local.date()
    if not (_day_allowed(policy, day) and local.time() < policy.window_start):
        day += timedelta(days=1)
    for _ in range(_SEARCH_DAYS):
        if _day_allowed(policy, day):
            return datetime.combine(day, policy.window_start, tzinfo=policy.tz)
        day += timedelta(days=1)
    raise RuntimeError("no allowed day for reminders within a year")  # pragma: no cover


def snooze_until(policy: ReminderPolicy, pressed_at: datetime) -> datetime:
    """The moment «Recordarme mañana» means: the window start of the next day, or of the next
    allowed day after it (pressed on Friday → Monday 8:00)."""
    local = _local(policy, pressed_at, "pressed_at")
    tomorrow = datetime.combine(
        local.date() + timedelta(days=1), policy.window_start, tzinfo=policy.tz
    )
    return next_allowed_moment(policy, tomorrow)


def _why_not_allowed(policy: ReminderPolicy, local: datetime) -> dict[str, Any]:
    if policy.weekdays_only and local.weekday() >= 5:
        return {"why": "weekend"}
    name = _holiday(policy, local.date())
    if name:
        return {"why": "holiday", "holiday": name}
    return {"why": "hours", "start": policy.window_start, "end": policy.window_end}


# --- the decision ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Bound:
    """A "not before" of one rule, with the reason to give while it holds."""

    at: datetime
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Path:
    """The rules of one phase: sendable in ``[max(bounds), until)`` at allowed moments, unless
    ``block`` (a code and its params) forbids it for good."""

    bounds: tuple[_Bound, ...] = ()
    until: datetime | None = None
    block: tuple[str, dict[str, Any]] | None = None

    @property
    def binding(self) -> _Bound:
        return max(self.bounds, key=lambda b: b.at)


def _last_call_start(policy: ReminderPolicy, campaign: CampaignWindow) -> datetime:
    day = campaign.deadline_day(policy.tz) - timedelta(days=policy.last_call_days)
    return datetime.combine(day, time(0, 0), tzinfo=policy.tz)


# Refusals that hold for the rest of the campaign, whatever the clock says.
_FINAL = frozenset({"campaign_not_open", "submitted", "opted_out", "unreachable", "closed"})


def _permanent_block(
    campaign: CampaignWindow, m: ManagerState
) -> tuple[str, dict[str, Any]] | None:
    if campaign.state != "open":
        return "campaign_not_open", {"state": campaign.state}
    if m.status == "submitted" and not m.follow_up_open:
        return "submitted", {}
    if m.opted_out:
        return "opted_out", {}
    if m.unreachable:
        return "unreachable", {}
    return None


def _snooze_pending(m: ManagerState) -> bool:
    """Whether «Recordarme mañana» was pressed on the latest reminder, not yet answered by a
    send, and the manager has not come back on their own since that reminder. A snooze answers
    a reminder: without any sent, ``snoozed_until`` is only a "not before"."""
    last = m.last_sent_at
    if m.snoozed_until is None or last is None or m.snoozed_until <= last:
        return False
    return not (m.last_activity_at is not None and m.last_activity_at > last)


def _common(policy: ReminderPolicy, campaign: CampaignWindow, m: ManagerState) -> list[_Bound]:
    common = [_Bound(campaign.opens_at, "before_open")]
    if m.snoozed_until is not None:
        common.append(_Bound(m.snoozed_until, "snoozed"))
    return common


def _gap(m: ManagerState, span: timedelta) -> list[_Bound]:
    last = m.last_sent_at
    return [] if last is None else [_Bound(last + span, "min_gap", {"since": last, "wait": span})]


def _follow_up_path(policy: ReminderPolicy, campaign: CampaignWindow, m: ManagerState) -> _Path:
    """The rules of an unanswered request for a correction (rule 7)."""
    assert m.follow_up_at is not None
    if m.last_activity_at is not None and m.last_activity_at > m.follow_up_at:
        idle = _Bound(
            m.last_activity_at + policy.draft_idle,
            "draft_active",
            {"since": m.last_activity_at, "wait": policy.draft_idle},
        )
    else:
        idle = _Bound(
            m.follow_up_at + policy.first_after,
            "follow_up_after",
            {"since": m.follow_up_at, "wait": policy.first_after},
        )
    count = sum(1 for s in m.sent if s.kind is ReminderKind.FOLLOW_UP)
    block: tuple[str, dict[str, Any]] | None = None
    if count >= policy.follow_up_max:
        block = ("follow_up_max", {"count": count, "max": policy.follow_up_max})
    bounds = (*_common(policy, campaign, m), idle, *_gap(m, policy.min_gap))
    return _Path(bounds, campaign.closes_at - policy.close_margin, block)


def _paths(
    policy: ReminderPolicy, campaign: CampaignWindow, m: ManagerState
) -> tuple[_Path, _Path, _Path, datetime]:
    """The snooze, regular (invitation/continue) and last-call paths, and the last-call start."""
    close_by = campaign.closes_at - policy.close_margin
    lc_start = _last_call_start(policy, campaign)
    common = _common(policy, campaign, m)
    snooze = _Path(tuple(common), close_by)

    # The reminders to fill in count among themselves (a follow-up's have their own cap).
    count = sum(1 for s in m.sent if s.kind is not ReminderKind.FOLLOW_UP)
    start = max(m.registered_at, campaign.opens_at)
    if m.status in _NOT_STARTED:
        ref, idle_code, idle = start, "first_after", policy.first_after
    else:
        ref = max(start, m.last_activity_at) if m.last_activity_at else start
        idle_code, idle = "draft_active", policy.draft_idle

    regular_bounds = (
        *common,
        _Bound(ref + idle, idle_code, {"since": ref, "wait": idle}),
        *_gap(m, policy.min_gap),
    )
    limit = policy.max_per_campaign - (1 if policy.reserve_last_call else 0)
    counts = {"count": count, "max": policy.max_per_campaign}
    if m.status == "correcting":  # the sent version counts: only the last call is worth it
        regular_block: tuple[str, dict[str, Any]] | None = ("correcting", {})
    elif count >= policy.max_per_campaign:
        regular_block = ("max_reached", counts)
    elif count >= limit:
        regular_block = ("reserved", counts)
    else:
        regular_block = None
    regular = _Path(regular_bounds, min(lc_start, close_by), regular_block)

    last_call_bounds = (
        *common,
        _Bound(lc_start, "before_open"),
        _Bound(
            ref + policy.last_call_idle, idle_code, {"since": ref, "wait": policy.last_call_idle}
        ),
        *_gap(m, min(policy.last_call_min_gap, policy.min_gap)),
    )
    if any(s.kind == ReminderKind.LAST_CALL and s.at >= lc_start for s in m.sent):
        last_call_block: tuple[str, dict[str, Any]] | None = ("last_call_sent", {})
    elif count >= policy.max_per_campaign:
        last_call_block = ("max_reached", counts)
    else:
        last_call_block = None
    last_call = _Path(last_call_bounds, close_by, last_call_block)
    return snooze, regular, last_call, lc_start


def _regular_kind(m: ManagerState) -> ReminderKind:
    if m.status == "consent_pending":
        return ReminderKind.CONSENT
    return ReminderKind.INVITATION if m.status == "not_started" else ReminderKind.CONTINUE


def _earliest_on(policy: ReminderPolicy, path: _Path, now: datetime) -> datetime | None:
    if path.block is not None or path.until is None:
        return None
    moment = next_allowed_moment(policy, max(now, path.binding.at))
    return moment if moment < path.until else None


def _earliest(
    policy: ReminderPolicy, campaign: CampaignWindow, m: ManagerState, now: datetime
) -> datetime | None:
    """The first moment at or after ``now`` at which ``decide`` sends to ``m``, if its state
    does not change; None if never in this campaign."""
    if _permanent_block(campaign, m) is not None:
        return None
    snooze, regular, last_call, _ = _paths(policy, campaign, m)
    if _snooze_pending(m):
        return _earliest_on(policy, snooze, now)
    if m.follow_up_open:
        return _earliest_on(policy, _follow_up_path(policy, campaign, m), now)
    found = [t for p in (regular, last_call) if (t := _earliest_on(policy, p, now)) is not None]
    return min(found, default=None)


def decide(
    policy: ReminderPolicy, campaign: CampaignWindow, manager: ManagerState, now: datetime
) -> Decision:
    """Whether to send ``manager`` a reminder at ``now``, which kind, and why (see the module
    docstring for the rules)."""
    _aware("now", now)
    m = manager

    def no(code: str, kind: ReminderKind | None = None, **params: Any) -> Decision:
        if "since" in params:
            params["ago"] = now - params.pop("since")
        final = code in _FINAL
        next_at = None if final else _earliest(policy, campaign, m, now)
        return Decision(m.cluster_id, kind, False, code, params, next_at, final)

    block = _permanent_block(campaign, m)
    if block is not None:
        return no(block[0], **block[1])
    if now >= campaign.closes_at:
        return no("closed")
    if now >= campaign.closes_at - policy.close_margin:
        return no("closing", margin=policy.close_margin)
    if now < campaign.opens_at:
        return no("before_open", when=campaign.opens_at)

    snooze, regular, last_call, lc_start = _paths(policy, campaign, m)
    if m.follow_up_open:
        kind = ReminderKind.FOLLOW_UP
    else:
        kind = ReminderKind.LAST_CALL if now >= lc_start else _regular_kind(m)
    pending = _snooze_pending(m)
    if pending:
        path = snooze
    else:
        if m.follow_up_open:
            path = _follow_up_path(policy, campaign, m)
        else:
            path = last_call if kind is ReminderKind.LAST_CALL else regular
        if path.block is not None:
            return no(path.block[0], kind, **path.block[1])
    bound = path.binding
    if now < bound.at:
        params = dict(bound.params)
        if bound.code in {"snoozed", "before_open"}:
            params["when"] = bound.at
        return no(bound.code, kind, **params)
    if not is_allowed_moment(policy, now):
        return no("outside_hours", kind, **_why_not_allowed(policy, _local(policy, now)))
    code = "snooze_due" if pending else "due"
    return Decision(m.cluster_id, kind, True, code, {}, now.astimezone(policy.tz))


def due(
    policy: ReminderPolicy,
    campaign: CampaignWindow,
    managers: Iterable[ManagerState],
    now: datetime,
) -> list[Decision]:
    """The reminders to send at ``now`` (``send=True`` only), ordered by cluster id."""
    decisions = (decide(policy, campaign, m, now) for m in managers)
    return sorted((d for d in decisions if d.send), key=lambda d: d.cluster_id)


def next_check(
    policy: ReminderPolicy,
    campaign: CampaignWindow,
    managers: Iterable[ManagerState],
    now: datetime,
) -> datetime | None:
    """When the scheduler should wake up next: the earliest moment at or after ``now`` at which
    some manager is due, if nothing changes (``now`` itself while some are due: call it after
    recording the sends). None when nothing will ever be due (campaign not open, or closed,
    or every manager done). A campaign that opens later is scheduled when it opens."""
    _aware("now", now)
    if campaign.state != "open" or now >= campaign.closes_at:
        return None
    moments = [t for m in managers if (t := _earliest(policy, campaign, m, now)) is not None]
    return min(moments, default=None)
