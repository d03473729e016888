"""``ssme summary … --pdf FILE --docx FILE`` and ``ssme report CLUSTER_ID [--campaign C] --pdf
FILE``: the documents (issue 14). Parse → one service call (``bot.services.documents``) → the
file written. Registered after :mod:`bot.cli.data`, whose ``summary`` it extends.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from bot.cli import common
from bot.texts import cli as cli_texts
from bot.texts import documents as dt


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    summary = sub.choices["summary"]
    summary.add_argument("--pdf", type=Path, help=dt.CLI_SUMMARY_PDF)
    summary.add_argument("--docx", type=Path, help=dt.CLI_SUMMARY_DOCX)
    plain: Callable[[argparse.Namespace], int] = summary.get_default("func")
    summary.set_defaults(func=lambda args: cmd_summary(args, plain))

    p = sub.add_parser("report", help=dt.CLI_REPORT, description=dt.CLI_REPORT)
    p.add_argument("cluster_id", help=cli_texts.HELP["cluster_id"])
    p.add_argument("--campaign", help=dt.CLI_CAMPAIGN)
    p.add_argument("--pdf", type=Path, required=True, help=dt.CLI_REPORT_PDF)
    p.set_defaults(func=cmd_report)


def cmd_summary(args: argparse.Namespace, plain: Callable[[argparse.Namespace], int]) -> int:
    """Without --pdf/--docx, the summary as before. With them, the documents (both from one
    reading of the figures) and their headline figures; the text or JSON too with --json or
    --charts (which read the figures once more)."""
    formats = [fmt for fmt in ("pdf", "docx") if getattr(args, fmt)]
    if not formats or args.json or args.charts:
        status = plain(args)
        if not formats:
            return status
    _documents(args, formats)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    _documents(args, ["pdf"], cluster_id=args.cluster_id)
    return 0


def _documents(args: argparse.Namespace, formats: list[str], cluster_id: str | None = None) -> None:
    from bot.services import documents
    from charts import ChartRenderer

    settings = common.settings()
    q, today = common.questionnaire(settings), date.today()
    # One chart worker, started first: it imports matplotlib on the other core while this
    # process reads the figures (~0.5 s of a summary's 3 s on 2 cores), then draws. Not niced:
    # here it is the work, not the background.
    renderer = ChartRenderer(1, warm="imports", nice=0)

    async def work(storage: Any) -> list[documents.Made]:
        starting = asyncio.ensure_future(renderer.start())
        try:
            if cluster_id is None:
                made = await documents.summaries(
                    storage,
                    q,
                    args.campaign,
                    renderer.run,
                    today,
                    formats,
                    approved_only=args.approved_only,
                )
            else:
                made = [
                    await documents.report_card(
                        storage, q, cluster_id, args.campaign, renderer.run, today
                    )
                ]
            await starting
            return made
        finally:
            await renderer.aclose()

    made = common.on_storage(settings, work)
    paths = [getattr(args, fmt) for fmt in formats]
    for path, one in zip(paths, made, strict=True):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(one.data)
        except OSError as exc:
            raise common.CliError(
                dt.CLI_CANNOT_WRITE.format(path=path, error=exc.strerror)
            ) from None
        size = max(1, len(one.data) // 1024)
        print(cli_texts.EXPORTED.format(path=path, size=size), file=sys.stderr)
    if not (args.json if cluster_id is None else False):
        print(made[0].caption)
