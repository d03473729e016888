"""Reminders against the real world: the database, Telegram and a clock.

The truth lives in SQLite. Every tick reads the managers' states, asks the pure policy what is
due, and sends it. Each send is recorded as 'sending' before the call and settled after it: a
crash in between counts it as sent, so a restart can never send it twice, and anything due that
was not recorded is still due at the next tick, so nothing due is forgotten.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.conversation import callbacks as cb
from bot.handlers.tg import NO_RETRY, Pacer, retry_after_seconds
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
from bot.storage import Campaign, ReminderRow, Storage
from bot.texts import reminders as rtexts

log = logging.getLogger(__name__)
SEND_ATTEMPTS = 4
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


def window(campaign: Campaign) -> CampaignWindow:
    return CampaignWindow(
        campaign.campaign_id, campaign.opens_at, campaign.closes_at, campaign.state
    )


def manager_state(row: ReminderRow, engine: Engine) -> ManagerState:
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
    states = [(manager_state(r, engine), r.nombre) for r in rows]
    win = window(campaign)
    decisions = [(decide(policy, win, m, now), m, name) for m, name in states]
    return Plan(campaign, decisions, next_check(policy, win, [m for m, _ in states], now))


def keyboard(kind: ReminderKind, campaign_id: str) -> InlineKeyboardMarkup:
    first = rtexts.BTN_START if kind is ReminderKind.INVITATION else rtexts.BTN_CONTINUE
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(first, callback_data=cb.encode(cb.Resume()))],
            [InlineKeyboardButton(rtexts.BTN_SNOOZE, callback_data=cb.encode(cb.Snooze(campaign_id)))],
            [InlineKeyboardButton(rtexts.BTN_STOP, callback_data=cb.encode(cb.StopReminders(campaign_id)))],
        ]
    )


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    unreachable: int = 0


async def _send_one(
    bot: Bot,
    storage: Storage,
    q: Questionnaire,
    campaign: Campaign,
    item: tuple[Decision, ManagerState, str],
    now: datetime,
    tz: Any,
    report: SendReport,
) -> None:
    decision, manager, name = item
    assert decision.kind is not None
    text = rtexts.reminder_text(
        decision.kind,
        manager,
        window(campaign),
        cluster_name=name,
        seconds_per_question=q.seconds_per_question,
        tz=tz,
        now=now,
    )
    slot = len(manager.sent)
    error = "gave up"
    for attempt in range(1, SEND_ATTEMPTS + 1):
        reminder_id = await storage.begin_reminder(
            manager.cluster_id,
            campaign.campaign_id,
            manager.user_id,
            decision.kind.value,
            slot,
            now,
        )
        if reminder_id is None:
            log.info("event=reminder_claimed_elsewhere cluster=%s", manager.cluster_id)
            return
        try:
            message = await bot.send_message(
                manager.chat_id,
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(decision.kind, campaign.campaign_id),
                # No waiting inside PTB's limiter while the send is claimed: see below.
                rate_limit_args=NO_RETRY,
            )
        except Forbidden as exc:
            await storage.settle_reminder(
                reminder_id,
                "failed",
                error=f"403 {exc}",
                unreachable=(manager.cluster_id, manager.user_id),
            )
            report.unreachable += 1
            log.info(
                "event=reminder_unreachable cluster=%s user=%s", manager.cluster_id, manager.user_id
            )
            return
        except TimedOut as exc:
            # Telegram may have delivered it: the claim stands (at most once), as after a crash.
            await storage.settle_reminder(reminder_id, "sent", error=f"timed out: {exc}")
            report.sent += 1
            return
        except (RetryAfter, BadRequest, NetworkError) as exc:
            # Not delivered (429, 4xx, 5xx, refused connection): release the claim before
            # waiting, so a crash during the wait cannot leave a reminder claimed but unsent.
            error = f"{type(exc).__name__}: {exc}"
            await storage.settle_reminder(reminder_id, "failed", error=error)
            if isinstance(exc, BadRequest):
                break
            delay = retry_after_seconds(exc) if isinstance(exc, RetryAfter) else 0.5 * 2**attempt
            await asyncio.sleep(delay)
        else:
            await storage.settle_reminder(reminder_id, "sent", message_id=message.message_id)
            report.sent += 1
            log.info(
                "event=reminder_sent cluster=%s user=%s kind=%s",
                manager.cluster_id,
                manager.user_id,
                decision.kind.value,
            )
            return
    report.failed += 1
    log.warning("event=reminder_failed cluster=%s error=%s", manager.cluster_id, error)


async def send_due(
    bot: Bot,
    storage: Storage,
    q: Questionnaire,
    policy: ReminderPolicy,
    now: datetime,
    *,
    only: Sequence[str] | None = None,
    campaign: Campaign | None = None,
    rate: float = SENDS_PER_SECOND,
) -> tuple[SendReport, Plan]:
    """Send every reminder due at ``now`` (optionally only to some clusters)."""
    current = await plan(storage, q, policy, now, campaign)
    report = SendReport()
    if current.campaign is None:
        return report, current
    due = [d for d in current.due if only is None or d[0].cluster_id in only]
    gate = asyncio.Semaphore(CONCURRENT_SENDS)
    pace = Pacer(rate)  # evenly spaced, no bursts

    async def one(item: tuple[Decision, ManagerState, str]) -> None:
        async with gate:
            await pace.wait()
            await _send_one(bot, storage, q, current.campaign, item, now, policy.tz, report)  # type: ignore[arg-type]

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
    """Open a scheduled campaign whose time came; close an open one whose time passed."""
    for campaign in await storage.list_campaigns():
        if campaign.state == "scheduled" and campaign.opens_at <= now < campaign.closes_at:
            await storage.set_campaign_state(campaign.campaign_id, "open", "scheduler")
        elif campaign.state == "open" and now >= campaign.closes_at:
            await storage.set_campaign_state(campaign.campaign_id, "closed", "scheduler")


Clock = Callable[[], datetime]
