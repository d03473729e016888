"""Settings of the SSME bot."""

from config.reminders import ReminderPolicy
from config.settings import Settings, SettingsError, load_settings

__all__ = ["ReminderPolicy", "Settings", "SettingsError", "load_settings"]
