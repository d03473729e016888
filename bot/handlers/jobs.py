"""Scheduled work. Jobs live in memory, so each run re-reads the truth from SQLite and
schedules the next run itself: a restart loses nothing but the timer, which post_init sets again."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram.ext import Application

from bot.handlers.context import Context
from bot.handlers.send import BotChannel, deliver_owed_results
from bot.services.reminders import advance_campaigns, send_due, sleep_for

log = logging.getLogger(__name__)
JOB_NAME = "reminders"
RETRY_AFTER_ERROR = timedelta(minutes=1)


async def reminder_tick(context: Context) -> None:
    data = context.bot_data
    lock = data.reminder_lock
    if lock.locked():
        return  # a run is in progress; it schedules the next one
    async with lock:
        now = data.now()
        try:
            await advance_campaigns(data.storage, now)
            data.survey.forget_caches()
            report, plan = await send_due(
                BotChannel(context.bot),
                data.storage,
                data.survey.q,
                data.settings.reminders,
                now,
            )
            if report.sent or report.failed or report.unreachable:
                log.info(
                    "event=reminders_run sent=%d failed=%d unreachable=%d",
                    report.sent,
                    report.failed,
                    report.unreachable,
                )
            delay = sleep_for(plan.wake_at, now)
        except Exception:
            log.exception("event=reminders_error")
            delay = RETRY_AFTER_ERROR
    schedule_reminders(context.application, delay)


def schedule_reminders(app: Application[Any, Any, Any, Any, Any, Any], delay: timedelta) -> None:
    """(Re)arm the single reminder timer."""
    queue = app.job_queue
    assert queue is not None
    for job in queue.get_jobs_by_name(JOB_NAME):
        job.schedule_removal()
    queue.run_once(reminder_tick, when=delay, name=JOB_NAME)


async def owed_results(context: Context) -> None:
    """Results submitted but never delivered (the bot died in between) go out at start-up."""
    try:
        await deliver_owed_results(context.bot, context.bot_data.survey)
    except Exception:
        log.exception("event=owed_results_error")


def schedule_owed_results(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    queue = app.job_queue
    assert queue is not None
    queue.run_once(owed_results, when=0, name="owed_results")
