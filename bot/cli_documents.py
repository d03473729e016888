"""The ``ssme`` commands for documents (issue 14), kept apart from ``bot/cli.py`` (at its size
limit): ``ssme summary … --pdf FILE --docx FILE`` and ``ssme report CLUSTER_ID [--campaign C]
--pdf FILE``. Parse → one service call (``bot.services.documents``) → the file written.

``bot.cli`` hands itself in (``host``) for its settings, questionnaire and database helpers, so
this module does not import it back (no cycle).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import ModuleType

from bot.texts import documents as dt


def extend(
    parser: argparse.ArgumentParser,
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    host: ModuleType,
) -> argparse.ArgumentParser:
    summary = sub.choices["summary"]
    summary.add_argument("--pdf", type=Path, help=dt.CLI_SUMMARY_PDF)
    summary.add_argument("--docx", type=Path, help=dt.CLI_SUMMARY_DOCX)
    plain: Callable[[argparse.Namespace], int] = summary.get_default("func")
    summary.set_defaults(func=lambda args: cmd_summary(args, plain, host))

    p = sub.add_parser("report", help=dt.CLI_REPORT)
    p.add_argument("cluster_id")
    p.add_argument("--campaign", help=dt.CLI_CAMPAIGN)
    p.add_argument("--pdf", type=Path, required=True, help=dt.CLI_REPORT_PDF)
    p.set_defaults(func=lambda args: cmd_report(args, host))
    return parser


def cmd_summary(
    args: argparse.Namespace, plain: Callable[[argparse.Namespace], int], cli: ModuleType
) -> int:
    """The summary as before (text or --json), then the documents asked for."""
    status = plain(args)
    for fmt in ("pdf", "docx"):
        if getattr(args, fmt):
            _document(args, getattr(args, fmt), "summary", fmt, cli)
    return status


def cmd_report(args: argparse.Namespace, cli: ModuleType) -> int:
    _document(args, args.pdf, "report_card", "pdf", cli)
    return 0


def _document(args: argparse.Namespace, path: Path, what: str, fmt: str, cli: ModuleType) -> None:
    from bot import texts
    from bot.services import documents
    from charts import InlineChartRenderer

    settings = cli._settings()
    q, run, today = cli._questionnaire(settings), InlineChartRenderer().run, date.today()
    made = cli._on_storage(
        settings,
        lambda s: (
            documents.summary(s, q, args.campaign, run, today, fmt)
            if what == "summary"
            else documents.report_card(s, q, args.cluster_id, args.campaign, run, today)
        ),
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(made.data)
    except OSError as exc:
        raise cli.CliError(dt.CLI_CANNOT_WRITE.format(path=path, error=exc.strerror)) from None
    print(
        texts.CLI_EXPORTED.format(path=path, size=max(1, len(made.data) // 1024)), file=sys.stderr
    )
