"""A local Telegram Bot API server: the stand-in for Telegram behind the demo, the tests and the
benchmarks (no network, no token). Not part of the bot itself; it ships with the project because
``ssme demo`` needs it."""

from local_botapi.server import BotApiServer, BotEvent, CallRecord, ChatSession, SentMessage

__all__ = ["BotApiServer", "BotEvent", "CallRecord", "ChatSession", "SentMessage"]
