"""argparse in Spanish: its boilerplate (``usage:``, ``options``, ``error:``…) translated.

argparse words its messages through :func:`gettext.gettext`, looked up as the module's ``_``
and ``ngettext`` when a parser is built and when it prints. Python ships no Spanish catalog
and the CLI libraries that translate (click) would need one too, so the ~25 message ids of
argparse are translated here (:data:`bot.texts.cli.ARGPARSE`): :func:`spanish` swaps argparse's
two functions for the time the ``ssme`` parser is built and used, then puts them back (other
users of argparse in the same process, such as pytest, keep English). A message id Python adds
in a later version shows in English until it is added to the table; the CLI test lists the
words that must never show.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

from bot.texts import cli as texts


def _gettext(message: str) -> str:
    return texts.ARGPARSE.get(message, message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _gettext(singular if n == 1 else plural)


@contextmanager
def spanish() -> Iterator[None]:
    """argparse speaks Spanish inside the block."""
    saved = {name: getattr(argparse, name) for name in ("_", "ngettext")}
    setattr(argparse, "_", _gettext)  # noqa: B010 (the module attributes argparse reads)
    setattr(argparse, "ngettext", _ngettext)  # noqa: B010
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(argparse, name, function)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose refusals are one Spanish line and a pointer to ``--help``."""

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        if action.metavar is None and action.nargs != 0 and action.choices is None:
            action.metavar = texts.METAVARS.get(action.dest)
        return action

    def error(self, message: str) -> NoReturn:
        for english, spanish_name in texts.ARGPARSE_TYPES.items():
            message = message.replace(f"({english})", f"({spanish_name})")
        self.print_usage(sys.stderr)
        hint = texts.USAGE_HINT.format(prog=self.prog)
        self.exit(
            2,
            _gettext("%(prog)s: error: %(message)s\n")
            % {
                "prog": self.prog,
                "message": message,
            }
            + hint
            + "\n",
        )
