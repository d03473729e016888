"""Reminders that raise participation without annoying anyone.

``policy`` decides, purely from data and a given ``now``, who gets which reminder and when;
the texts of the reminders are in ``bot.texts.reminders``.
"""

from bot.reminders.policy import (
    CampaignWindow,
    Decision,
    ManagerState,
    ReminderKind,
    ReminderPolicy,
    SentReminder,
    decide,
    due,
    is_allowed_moment,
    next_allowed_moment,
    next_check,
    snooze_until,
)
from bot.texts.reminders import reminder_text

__all__ = [
    "CampaignWindow",
    "Decision",
    "ManagerState",
    "ReminderKind",
    "ReminderPolicy",
    "SentReminder",
    "decide",
    "due",
    "is_allowed_moment",
    "next_allowed_moment",
    "next_check",
    "reminder_text",
    "snooze_until",
]
