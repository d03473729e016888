"""Reminders that raise participation without annoying anyone.

``policy`` decides, purely from data and a given ``now``, who gets which reminder and when, in
codes and numbers; ``bot.texts.reminders`` words them in Spanish, and
``bot.services.reminders`` sends what is due. The policy's settings model is
``config.reminders.ReminderPolicy``.
"""

from bot.reminders.policy import (
    CampaignWindow,
    Decision,
    ManagerState,
    ReminderKind,
    ReminderPolicy,
    SentReminder,
    deadline_day,
    decide,
    due,
    is_allowed_moment,
    next_allowed_moment,
    next_check,
    snooze_until,
)

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
