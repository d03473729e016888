"""Data in and out: ``import-clusters``, ``import-responses``, ``import-results``, ``summary``
and ``export``."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

from bot.cli import common
from bot.cli.common import EXIT_BAD_INPUT, CliError
from bot.texts import cli as texts

ALL_CAMPAIGNS = ("all", "todas")  # --campaign all: every campaign in one file


def cmd_import_clusters(args: argparse.Namespace) -> int:
    from bot.services import imports

    settings = common.settings()
    checked = imports.read_registry(common.read_bytes(args.file))
    print(checked.parsed.report())
    if not checked.ok:
        print(texts.IMPORT_NOTHING, file=sys.stderr)
        return EXIT_BAD_INPUT
    done = common.on_storage(settings, lambda s: imports.save_registry(s, checked, "cli"))
    print(texts.IMPORTED.format(n=done.imported, db=settings.db_path))
    return 0


def _write_template(path: Path, text: str, example: str) -> int:
    common.write_bytes(path, text.encode("utf-8-sig"))
    print(texts.TEMPLATE_WRITTEN.format(path=path, example=example))
    return 0


def _import(args: argparse.Namespace, kind: str) -> int:
    """``import-responses`` or ``import-results``: the template, or the file into a campaign."""
    from bot.services import imports
    from bot.texts import admin as t

    settings = common.settings()
    q = common.questionnaire(settings)
    responses = kind == "responses"
    if args.template:
        template = imports.responses_template(q) if responses else imports.results_template(q)
        return _write_template(args.template, template, imports.EXAMPLE_ID)
    if args.file is None or (args.campaign is None and not responses):
        raise CliError(texts.NEEDS_FILE if responses else texts.NEEDS_FILE_AND_CAMPAIGN)
    data = common.read_bytes(args.file)
    if responses:
        done = common.on_storage(
            settings, lambda s: imports.import_responses(s, q, args.campaign, data, "cli")
        )
        print(t.responses_import_text(done))
        return 0 if done.ok else EXIT_BAD_INPUT
    result = common.on_storage(
        settings, lambda s: imports.import_results(s, q, args.campaign, data, "cli")
    )
    print(texts.results_import_text(result))
    return 0 if result.ok else EXIT_BAD_INPUT


def cmd_import_responses(args: argparse.Namespace) -> int:
    return _import(args, "responses")


def cmd_import_results(args: argparse.Namespace) -> int:
    return _import(args, "results")


def cmd_summary(args: argparse.Namespace) -> int:
    from bot.services import reports

    settings = common.settings()
    q = common.questionnaire(settings)
    bundle = common.on_storage(
        settings, lambda s: reports.summary(s, q, args.campaign, approved_only=args.approved_only)
    )
    if args.json:
        print(json.dumps(bundle.data, ensure_ascii=False, indent=2))
    else:
        print(common.plain(bundle.text))
    if args.charts:
        from bot.reports.summary import render_chart

        args.charts.mkdir(parents=True, exist_ok=True)
        for name, job in bundle.charts:
            path = args.charts / f"{name}.png"
            path.write_bytes(render_chart(job))
            print(texts.CHART_SAVED.format(path=path), file=sys.stderr)
    return 0


def _check_output(path: Path | None, fmt: str) -> None:
    """A CSV export is a .zip, an XLSX one an .xlsx: a name that says otherwise is refused."""
    if path is None:
        return
    wanted = ".zip" if fmt == "csv" else ".xlsx"
    if path.suffix.lower() != wanted:
        template = texts.EXPORT_NEEDS_ZIP if fmt == "csv" else texts.EXPORT_NEEDS_XLSX
        raise CliError(template.format(suggestion=path.with_suffix(wanted).name))


def cmd_export(args: argparse.Namespace) -> int:
    from bot.services import exports

    _check_output(args.output, args.format)
    settings = common.settings()
    q = common.questionnaire(settings)
    every = args.campaign is not None and args.campaign.casefold() in ALL_CAMPAIGNS
    export = common.on_storage(
        settings,
        lambda s: exports.export(
            s,
            q,
            exports.ALL if every else args.campaign,
            args.format,
            excel_es=args.excel_es,
        ),
    )
    path = args.output or Path(export.filename)
    common.write_bytes(path, export.data)
    print(texts.EXPORTED.format(path=path, size=len(export.data) // 1024))
    return 0


def _wrapped(text: str) -> str:
    return "\n".join(textwrap.fill(part, 78) for part in text.split("\n"))


def register(sub: Any) -> None:
    from bot.questionnaire.loader import load_questionnaire

    h = texts.HELP
    p = sub.add_parser("import-clusters", help=h["import"], description=h["import"])
    p.add_argument("file", type=Path, help=h["registry_file"])
    p.set_defaults(func=cmd_import_clusters)

    q = load_questionnaire()  # the shipped one: the columns the help lists
    p = sub.add_parser(
        "import-responses",
        help=h["import_responses"],
        description=h["import_responses"],
        epilog=_wrapped(
            texts.RESPONSES_COLUMNS.format(columns=", ".join(x.id for x in q.questions))
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", type=Path, nargs="?", help=h["responses_file"])
    p.add_argument("--campaign", help=h["import_campaign"])
    p.add_argument("--template", type=Path, metavar="PLANTILLA.csv", help=h["template"])
    p.set_defaults(func=cmd_import_responses)

    p = sub.add_parser(
        "import-results",
        help=h["import_results"],
        description=h["import_results"],
        epilog=_wrapped(
            texts.RESULTS_COLUMNS.format(
                levels=", ".join(level.id for level in q.levels),
                areas=", ".join(a.id for a in q.areas),
                indicators=", ".join(i.id for i in q.indicators),
            )
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", type=Path, nargs="?", help=h["results_file"])
    p.add_argument("--campaign", help=h["results_campaign"])
    p.add_argument("--template", type=Path, metavar="PLANTILLA.csv", help=h["template"])
    p.set_defaults(func=cmd_import_results)

    p = sub.add_parser("summary", help=h["summary"], description=h["summary"])
    p.add_argument("--campaign", help=h["campaign_id"])
    p.add_argument("--json", action="store_true", help=h["json"])
    p.add_argument("--charts", type=Path, help=h["summary_charts"])
    p.add_argument("--approved-only", action="store_true", help=h["approved_only"])
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("export", help=h["export"], description=h["export"])
    p.add_argument("--campaign", help=h["export_campaign"])
    p.add_argument("--format", choices=["xlsx", "csv"], default="xlsx", help=h["format"])
    p.add_argument("--output", type=Path, help=h["output"])
    p.add_argument("--excel-es", action="store_true", help=h["excel_es"])
    p.set_defaults(func=cmd_export)
