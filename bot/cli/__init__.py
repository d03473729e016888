"""The ``ssme`` command line: scoring files, running the bot, the demo and admin tasks.

One module per group of commands, each a thin adapter over ``bot.services``: it parses its
arguments, calls one use case and prints what it returns; a refusal (``ServiceError``, a bad
file or setting) is one Spanish line on stderr, exit status 2. Each module's ``register`` adds
its subcommands to the parser; a new command goes in the module of its group (or a new one,
listed in :data:`GROUPS`). Everything printed, argparse's own words too
(:mod:`bot.cli.spanish`), is Spanish, from :mod:`bot.texts.cli`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli import campaigns, data, desk, documents, maintenance, scoring, server
from bot.cli.common import EXIT_BAD_INPUT, CliError
from bot.cli.spanish import Parser, spanish
from bot.logs import redacted
from bot.questionnaire.loader import QuestionnaireError
from bot.services.errors import ServiceError
from bot.texts import admin as t
from bot.texts import cli as texts
from config import SettingsError

__all__ = ["EXIT_BAD_INPUT", "CliError", "build_parser", "main"]

GROUPS = (
    scoring,
    server,
    data,
    documents,
    campaigns,
    desk,
    maintenance,
)  # documents extends data's


def build_parser() -> argparse.ArgumentParser:
    """The whole parser (build and use it inside :func:`bot.cli.spanish.spanish`)."""
    h = texts.HELP
    parser = Parser(prog="ssme", description=h["ssme"])
    sub = parser.add_subparsers(
        dest="command", required=True, title=h["commands"], metavar=h["command"]
    )
    for group in GROUPS:
        group.register(sub)
    return parser


@redacted  # no secret in anything a command prints (bot/logs.py)
def main(argv: Sequence[str] | None = None) -> int:
    with spanish():
        args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (CliError, SettingsError, QuestionnaireError) as exc:
        print(texts.ERROR.format(text=exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except ServiceError as exc:
        print(texts.ERROR.format(text=t.error(exc, cli=True)), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
