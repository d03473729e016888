"""``ssme demo``: the real bot against the local Bot API stand-in, in the terminal, with a
seeded network behind it. ``session`` is the chat, ``seeding`` and ``network`` the network,
``files`` the demo's folder (database, received files, log)."""

from bot.demo.session import run_demo

__all__ = ["run_demo"]
