"""``ssme score``: a file of answers scored as the bot scores them."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.cli.common import EXIT_BAD_INPUT, CliError, os_error, questionnaire, settings
from bot.texts import cli as texts


def _read_answers(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(texts.CANNOT_READ.format(path=path, error=os_error(exc))) from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise CliError(texts.BAD_FILE.format(path=path, error=exc)) from None
    if not isinstance(data, dict):
        raise CliError(texts.NOT_MAPPING.format(path=path))
    return data


def cmd_score(args: argparse.Namespace) -> int:
    from bot.conversation import results
    from bot.services.scoring import radar_png, score_file

    current = settings()
    q = questionnaire(current)
    scored = score_file(q, _read_answers(args.answers), args.campaign_year)
    for warning in scored.warnings:
        print(texts.WARNING.format(text=warning), file=sys.stderr)
    if scored.result is None:
        for error in scored.errors:
            print(texts.ERROR.format(text=error), file=sys.stderr)
        print(texts.REJECTED.format(path=args.answers, n=len(scored.errors)), file=sys.stderr)
        return EXIT_BAD_INPUT
    name, year = args.name or args.answers.stem, str(args.campaign_year)
    if args.chart:
        args.chart.parent.mkdir(parents=True, exist_ok=True)
        args.chart.write_bytes(radar_png(q, scored.result, name, year))
    if args.json:
        print(json.dumps(scored.result.to_json(), ensure_ascii=False, indent=2))
    else:
        print(results.plain_text(scored.result, name, year))
        if args.chart:
            print(texts.CHART_SAVED.format(path=args.chart))
    return 0


def register(sub: Any) -> None:
    h = texts.HELP
    p = sub.add_parser("score", help=h["score"], description=h["score"])
    p.add_argument("answers", type=Path, help=h["answers"])
    p.add_argument("--campaign-year", type=int, default=date.today().year - 1, help=h["year"])
    p.add_argument("--chart", type=Path, help=h["chart"])
    p.add_argument("--name", help=h["name"])
    p.add_argument("--json", action="store_true", help=h["json"])
    p.set_defaults(func=cmd_score)
