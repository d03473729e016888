"""Send the due reminders: the use case behind the scheduled job (``handlers/jobs.py``), the
admin's «Recordar» buttons (``handlers/admin.py``) and ``ssme remind`` (``cli/campaigns.py``).

The truth lives in SQLite. Every run reads the managers' states, asks the pure policy what is
due, and sends it through a :class:`Channel` (the handlers implement it on Telegram; nothing
here imports ``telegram``). Each send is claimed (recorded as 'sending') before the call and
settled after it: a crash in between counts it as sent, so a restart can never send it twice,
and anything due that was not recorded is still due at the next run, so nothing due is
forgotten.

Retries follow the one outbound policy (``bot.delivery``) with the reminders' own rule: a try
that is known not delivered (429, 5xx) releases its claim *before* the policy waits, and the
next try claims it again, so a crash during the wait cannot leave a reminder claimed but unsent.
A try that may have gone out (a time-out) keeps its claim and counts as sent: at most once.

An analyst's request for a correction left unanswered (``open_follow_ups``) makes its manager a
candidate again, for the policy's ``FOLLOW_UP`` reminder (a «Corregir: …» button per question).
``send_due(only=…)`` narrows whom (an aim: ``bot.services.participation``), never past the
policy; its report counts the others by the policy's reason.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot import delivery
from bot.conversation import callbacks as cb
from bot.conversation.actions import Button, Keyboard, at
from bot.delivery import Kind, Outcome
from bot.questionnaire.engine import Engine
from bot.questionnaire.model import Questionnaire
from bot.reminders.policy import (
    CampaignWindow,
    Decision,
    ManagerState,
    ReminderKind,
    ReminderPolicy,
    SentReminder,
    decide,
    next_check,
)
from bot.services import campaigns
from bot.storage import Campaign, ReminderRow, Storage
from bot.storage.reminders import OpenFollowUp
from bot.texts import reminders as rtexts

log = logging.getLogger(__name__)
# Reminders are paced here, before a send is claimed, rather than queued in PTB's rate limiter:
# a kill -9 can then lose only the few requests actually in flight, not a queue of claimed ones.
# 28/s leaves room under Telegram's ~30/s for managers answering meanwhile.
SENDS_PER_SECOND = 28
# Requests in flight at once: enough to hide Telegram's latency at that pace, few enough that a
# kill -9 catches at most a handful mid-request (the one window where a reminder can be lost:
# nobody can tell whether Telegram got it, and at most once is the rule).
CONCURRENT_SENDS = 4
MAX_SLEEP = timedelta(minutes=15)  # re-read the database at least this often
MIN_SLEEP = timedelta(seconds=5)


class Channel(Protocol):
    """Where reminders go: one try of one message (HTML text and its buttons); the outcome and,
    when sent, the message id. ``bot.handlers.send.BotChannel`` is the one on Telegram."""

    async def send_text(
        self, chat_id: int, text: str, buttons: Sequence[Sequence[Button]]
    ) -> tuple[Outcome, int | None]: ...


class Pacer:
    """Evenly spaced starts at a fixed schedule (a late tick does not push the rest back)."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1 / per_second
        self.next_at: float | None = None

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self.next_at is None or self.next_at < now - self.interval:
            self.next_at = now  # idle or far behind: start afresh, no burst to catch up
        delay = self.next_at - now
        self.next_at += self.interval
        if delay > 0:
            await asyncio.sleep(delay)


def window(campaign: Campaign) -> CampaignWindow:
    return CampaignWindow(
        campaign.campaign_id, campaign.opens_at, campaign.closes_at, campaign.state
    )


def manager_state(
    row: ReminderRow, engine: Engine, follow_up: OpenFollowUp | None = None
) -> ManagerState:
    expected = engine.expected_questions(row.answers)
    answered = sum(1 for q in expected if q.id in row.answers)
    return ManagerState(
        cluster_id=row.cluster_id,
        user_id=row.user_id,
        chat_id=row.chat_id,
        registered_at=row.registered_at,
        status=row.status,  # type: ignore[arg-type]
        last_activity_at=row.last_activity_at,
        answered=answered,
        total=len(expected),
        opted_out=row.opted_out,
        unreachable=row.unreachable,
        snoozed_until=row.snoozed_until,
        sent=[SentReminder(ReminderKind(kind), at) for kind, at in row.sent],
        follow_up_at=follow_up.asked_at if follow_up else None,
        follow_up=follow_up.questions if follow_up else (),
    )


@dataclass
class Plan:
    campaign: Campaign | None
    decisions: list[tuple[Decision, ManagerState, str]] = field(default_factory=list)
    wake_at: datetime | None = None

    @property
    def due(self) -> list[tuple[Decision, ManagerState, str]]:
        return [d for d in self.decisions if d[0].send]


async def plan(
    storage: Storage,
    q: Questionnaire,
    policy: ReminderPolicy,
    now: datetime,
    campaign: Campaign | None = None,
) -> Plan:
    """Every registered manager's decision at ``now``, and when to look again."""
    campaign = campaign or await storage.current_campaign()
    if campaign is None or campaign.state != "open":
        return Plan(campaign)
    engine = Engine(q, campaign.reference_year)
    rows = await storage.reminder_candidates(campaign.campaign_id)
    asked = await storage.open_follow_ups(campaign.campaign_id)
    states = [(manager_state(r, engine, asked.get(r.cluster_id)), r.nombre) for r in rows]
    win = window(campaign)
    decisions = [(decide(policy, win, m, now), m, name) for m, name in states]
    return Plan(campaign, decisions, next_check(policy, win, [m for m, _ in states], now))


FOLLOW_UP_BUTTONS = 8  # questions of a follow-up with a button of their own under its reminder


def follow_up_questions(q: Questionnaire, manager: ManagerState) -> list[tuple[str, str]]:
    """The questions a follow-up asked about that the questionnaire still has: (id, short)."""
    return [(qid, q.question_map[qid].short) for qid in manager.follow_up if qid in q.question_map]


def keyboard(
    kind: ReminderKind,
    campaign_id: str,
    status: str = "",
    questions: Sequence[tuple[str, str]] = (),
) -> Keyboard:
    if status == "consent_pending":  # nothing to start before the notice is accepted
        return ((Button(rtexts.BTN_NOTICE, cb.ShowNotice()),),)
    if kind is ReminderKind.FOLLOW_UP and questions:  # each opens its question, as the request
        first_rows: Keyboard = tuple(
            (Button(rtexts.BTN_FOLLOW_UP.format(question=short[:40]), cb.FollowUp(qid)),)
            for qid, short in questions[:FOLLOW_UP_BUTTONS]
        )
    else:
        first = rtexts.BTN_START if kind is ReminderKind.INVITATION else rtexts.BTN_CONTINUE
        first_rows = ((Button(first, cb.Resume()),),)
    return (
        *first_rows,
        (Button(rtexts.BTN_SNOOZE, cb.Snooze(campaign_id)),),
        (Button(rtexts.BTN_STOP, cb.StopReminders(campaign_id)),),
    )


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    unreachable: int = 0
    # Managers in scope not due now, by the policy's reason ("min_gap", "submitted"…).
    skipped: Counter[str] = field(default_factory=Counter)


class _ClaimedElsewhere(Exception):
    """Another sender holds this reminder's slot: nothing more to do here."""


async def _send_one(
    channel: Channel,
    storage: Storage,
    q: Questionnaire,
    campaign: Campaign,
    item: tuple[Decision, ManagerState, str],
    now: datetime,
    tz: Any,
    report: SendReport,
) -> None:
    decision, manager, name = item
    kind = decision.kind
    assert kind is not None
    questions = follow_up_questions(q, manager)
    text = rtexts.reminder_text(
        kind,
        manager,
        window(campaign),
        cluster_name=name,
        seconds_per_question=q.seconds_per_question,
        tz=tz,
        now=now,
        questions=[short for _, short in questions],
    )
    # Every button carries the reminder's cluster: «Continuar» opens that one (issue 16).
    buttons = at(
        manager.cluster_id, keyboard(kind, campaign.campaign_id, manager.status, questions)
    )
    slot = len(manager.sent)

    async def once() -> tuple[Outcome, int | None]:
        """Claim, send, and settle what is known; a try not delivered releases the claim."""
        reminder_id = await storage.begin_reminder(
            manager.cluster_id, campaign.campaign_id, manager.user_id, kind.value, slot, now
        )
        if reminder_id is None:
            raise _ClaimedElsewhere
        outcome, message_id = await channel.send_text(manager.chat_id, text, buttons)
        if outcome.kind is Kind.SENT:
            await storage.settle_reminder(reminder_id, "sent", message_id=message_id)
        elif outcome.kind is Kind.MAYBE_SENT:
            # Telegram may have delivered it: the claim stands (at most once), as after a crash.
            await storage.settle_reminder(reminder_id, "sent", error=outcome.detail)
        elif outcome.kind is Kind.FORBIDDEN:
            await storage.settle_reminder(
                reminder_id,
                "failed",
                error=f"403 {outcome.detail}",
                unreachable=(manager.cluster_id, manager.user_id),
            )
        else:  # not delivered (429, 5xx, 400): released before the policy waits, if it does
            await storage.settle_reminder(reminder_id, "failed", error=outcome.detail)
        return outcome, message_id

    try:
        outcome, _ = await delivery.run(once, "sendMessage", manager.chat_id)
    except _ClaimedElsewhere:
        log.info("event=reminder_claimed_elsewhere cluster=%s", manager.cluster_id)
        return
    if outcome.kind in (Kind.SENT, Kind.MAYBE_SENT):
        report.sent += 1
        log.info(
            "event=reminder_sent cluster=%s user=%s kind=%s",
            manager.cluster_id,
            manager.user_id,
            kind.value,
        )
    elif outcome.kind is Kind.FORBIDDEN:
        report.unreachable += 1
        log.info(
            "event=reminder_unreachable cluster=%s user=%s", manager.cluster_id, manager.user_id
        )
    else:
        report.failed += 1
        log.warning("event=reminder_failed cluster=%s error=%s", manager.cluster_id, outcome.detail)


async def send_due(
    channel: Channel,
    storage: Storage,
    q: Questionnaire,
    policy: ReminderPolicy,
    now: datetime,
    *,
    only: Collection[str] | None = None,
    campaign: Campaign | None = None,
    rate: float = SENDS_PER_SECOND,
) -> tuple[SendReport, Plan]:
    """Send every reminder due at ``now`` (optionally only to some clusters: a narrower
    scope, never past the policy); the report counts the managers in scope not due, by why."""
    current = await plan(storage, q, policy, now, campaign)
    report = SendReport()
    open_campaign = current.campaign
    if open_campaign is None:
        return report, current
    scope = [d for d in current.decisions if only is None or d[0].cluster_id in only]
    report.skipped.update(d.reason for d, _, _ in scope if not d.send)
    due = [d for d in scope if d[0].send]
    gate = asyncio.Semaphore(CONCURRENT_SENDS)
    pace = Pacer(rate)  # evenly spaced, no bursts

    async def one(item: tuple[Decision, ManagerState, str]) -> None:
        async with gate:
            await pace.wait()
            await _send_one(channel, storage, q, open_campaign, item, now, policy.tz, report)

    await asyncio.gather(*(one(item) for item in due))
    if due:
        current = await plan(storage, q, policy, now, campaign)  # sends move the next look
    return report, current


def sleep_for(wake_at: datetime | None, now: datetime) -> timedelta:
    """How long the scheduler sleeps: until the next due moment, re-reading at least every 15 min."""
    if wake_at is None:
        return MAX_SLEEP
    return min(MAX_SLEEP, max(MIN_SLEEP, wake_at - now))


async def advance_campaigns(storage: Storage, now: datetime) -> None:
    """Close an open campaign whose time passed, then open a scheduled one whose time came
    (never a second one open at once: ``bot.services.campaigns``)."""
    for campaign in await storage.list_campaigns():
        if campaign.state == "open" and now >= campaign.closes_at:
            await storage.set_campaign_state(campaign.campaign_id, "closed", "scheduler")
    every = await storage.list_campaigns()
    for campaign in every:
        if campaign.opens_at <= now < campaign.closes_at and campaigns.may_open_now(
            campaign, every
        ):
            await storage.set_campaign_state(campaign.campaign_id, "open", "scheduler")
            every = await storage.list_campaigns()
