"""The ``ssme`` command line: scoring files, running the bot, the demo and admin tasks.

Each admin command parses its arguments, calls one use case of ``bot.services`` and prints
what it returns; a refusal (``ServiceError``) is one line on stderr, exit status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import re
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from html import unescape
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml

from bot import texts
from bot.logs import redact, redacted, secret_forms, setup_logging
from bot.questionnaire.loader import QuestionnaireError, load_questionnaire
from bot.services.errors import ServiceError
from bot.texts import admin as t
from bot.texts import startup as st
from config import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from bot.questionnaire.model import Questionnaire
    from bot.storage import Storage

EXIT_BAD_INPUT = 2

_T = TypeVar("_T")


class CliError(Exception):
    """A user error: printed as one clear line, exit status 2."""


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise CliError(str(exc)) from None


def _questionnaire(settings: Settings) -> Questionnaire:
    return load_questionnaire(settings.questionnaire_path)


def _on_storage(settings: Settings, work: Callable[[Storage], Awaitable[_T]]) -> _T:
    """Run one task on the database (opened for it, then closed) and return what it returns."""
    from bot.storage import Storage

    # An admin command is a short batch run that builds tens of thousands of long-lived objects
    # (a campaign's responses); the cyclic collector's passes over them free nothing and took
    # ~0.1 s of a 1 s summary (bench/bench_summary.py), so it runs less often (as mypy does).
    gc.set_threshold(10_000, 10, 10)

    async def run() -> _T:
        storage = await Storage.open(settings.db_path)
        try:
            return await work(storage)
        finally:
            await storage.close()

    return asyncio.run(run())


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CliError(texts.CLI_CANNOT_READ.format(path=path, error=exc.strerror)) from None


def _read_answers(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(texts.CLI_CANNOT_READ.format(path=path, error=exc.strerror)) from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise CliError(texts.CLI_BAD_FILE.format(path=path, error=exc)) from None
    if not isinstance(data, dict):
        raise CliError(texts.CLI_NOT_MAPPING.format(path=path))
    return data


def _plain(html: str) -> str:
    """Telegram's HTML as terminal text."""
    return unescape(re.sub(r"<[^>]+>", "", html))


def _local(moment: datetime, settings: Settings) -> str:
    return moment.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")


def cmd_score(args: argparse.Namespace) -> int:
    from bot.conversation import results
    from bot.services.scoring import radar_png, score_file

    settings = _settings()
    q = _questionnaire(settings)
    scored = score_file(q, _read_answers(args.answers), args.campaign_year)
    for warning in scored.warnings:
        print(texts.CLI_WARNING.format(text=warning), file=sys.stderr)
    if scored.result is None:
        for error in scored.errors:
            print(texts.CLI_ERROR.format(text=error), file=sys.stderr)
        print(texts.CLI_REJECTED.format(path=args.answers, n=len(scored.errors)), file=sys.stderr)
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
            print(texts.CLI_CHART_SAVED.format(path=args.chart))
    return 0


def use_uvloop() -> bool:
    """Run the bot's event loop on uvloop where it is installed (not on Windows).

    The bot is one event loop doing many small things per update (HTTP requests, database hops,
    timers); uvloop does them with less CPU (docs/BENCHMARKS.md).
    """
    try:
        import uvloop
    except ImportError:
        return False
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return True


def cmd_run(args: argparse.Namespace) -> int:
    """Serve until SIGINT/SIGTERM. The database's lock, the database, then the Bot API
    (bot/handlers/startup.py) are checked first: each failure is one line naming its setting."""
    from bot.app import build_application
    from bot.handlers.startup import StartupError, bootstrap, webhook_url
    from bot.storage import Unusable, check_usable
    from bot.storage.lock import DatabaseInUse, DatabaseLock

    settings = _settings()
    token = settings.require_token() if settings.telegram_token else None
    if token is None:
        raise CliError(texts.CLI_NO_TOKEN)
    secret = settings.webhook_secret_value
    setup_logging(args.log_level or settings.log_level, token, secret)
    load_questionnaire(settings.questionnaire_path)  # a broken definition fails before connecting
    try:
        lock = DatabaseLock.acquire(settings.db_path)
    except DatabaseInUse as exc:
        raise CliError(st.DB_IN_USE.format(path=settings.db_path, pid=exc.pid)) from None
    except OSError as exc:
        raise CliError(_db_unusable(settings, exc.strerror or exc)) from None
    try:
        use_uvloop()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(check_usable(settings.db_path))
        except Unusable as exc:
            raise CliError(_db_unusable(settings, exc)) from None
        app = build_application(settings)
        try:
            loop.run_until_complete(bootstrap(app.bot, settings))
        except StartupError as exc:
            loop.run_until_complete(app.bot.shutdown())
            loop.close()
            raise CliError(redact(str(exc), secret_forms([token, secret]))) from None
        # The token and the webhook were checked just now: PTB's own bootstrap runs once more.
        url = webhook_url(settings)
        try:
            if url:
                app.run_webhook(
                    listen=settings.webhook_listen,
                    port=settings.webhook_port,
                    url_path="telegram",
                    webhook_url=url,
                    secret_token=secret,
                    bootstrap_retries=0,
                )
            else:
                # run_polling stops gracefully on SIGINT, SIGTERM and SIGABRT.
                app.run_polling(drop_pending_updates=False, bootstrap_retries=0)
        except Exception:  # its threads (the database's) must not keep a broken bot alive
            logging.getLogger("bot").critical("event=crashed", exc_info=True)
            logging.shutdown()
            os._exit(1)
    finally:
        lock.release()
    return 0


def _db_unusable(settings: Settings, error: object) -> str:
    return st.DB_UNUSABLE.format(path=settings.db_path, error=error)


def cmd_demo(args: argparse.Namespace) -> int:
    from bot.demo import run_demo

    return run_demo(args.db, script=args.script, chart_dir=args.charts)


def cmd_import_clusters(args: argparse.Namespace) -> int:
    from bot.services import imports

    settings = _settings()
    checked = imports.read_registry(_read_bytes(args.file))
    print(checked.parsed.report())
    if not checked.ok:
        print(texts.CLI_IMPORT_NOTHING, file=sys.stderr)
        return EXIT_BAD_INPUT
    done = _on_storage(settings, lambda s: imports.save_registry(s, checked, "cli"))
    print(texts.CLI_IMPORTED.format(n=done.imported, db=settings.db_path))
    return 0


def cmd_invite(args: argparse.Namespace) -> int:
    from bot.services import invitations

    settings = _settings()
    invitation = _on_storage(
        settings, lambda s: invitations.invite(s, args.cluster_id, "cli", days=args.days)
    )
    print(
        texts.CLI_INVITATION.format(
            cluster=args.cluster_id,
            link=invitation.link(settings.bot_username or "<bot>"),
            code=invitation.token,
            expires=_local(invitation.expires_at, settings),
        )
    )
    return 0


def cmd_campaign(args: argparse.Namespace) -> int:
    from bot.services import campaigns

    settings = _settings()
    if args.action == "list":
        for c in _on_storage(settings, campaigns.list_all):
            print(
                texts.CLI_CAMPAIGN_LINE.format(
                    id=c.campaign_id,
                    year=c.reference_year,
                    state=c.state,
                    opens=_local(c.opens_at, settings),
                    closes=_local(c.closes_at, settings),
                )
            )
        return 0
    if args.action == "create":
        _on_storage(
            settings,
            lambda s: campaigns.create(
                s, args.id, args.reference_year, args.opens, args.closes, settings.tz, "cli"
            ),
        )
        print(texts.CLI_CAMPAIGN_CREATED.format(id=args.id))
        return 0
    changes: dict[str, Callable[[Storage], Awaitable[object]]] = {
        "open": lambda s: campaigns.open_campaign(s, args.id, "cli"),
        "close": lambda s: campaigns.close_campaign(s, args.id, "cli"),
        "extend": lambda s: campaigns.extend(s, args.id, args.closes, settings.tz, "cli"),
    }
    _on_storage(settings, changes[args.action])
    print(texts.CLI_CAMPAIGN_UPDATED.format(id=args.id, action=args.action))
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from bot.services import reports

    settings = _settings()
    q = _questionnaire(settings)
    bundle = _on_storage(settings, lambda s: reports.summary(s, q, args.campaign))
    if args.json:
        print(json.dumps(bundle.data, ensure_ascii=False, indent=2))
    else:
        print(_plain(bundle.text))
    if args.charts:
        from bot.reports.summary import render_chart

        args.charts.mkdir(parents=True, exist_ok=True)
        for name, job in bundle.charts:
            path = args.charts / f"{name}.png"
            path.write_bytes(render_chart(job))
            print(texts.CLI_CHART_SAVED.format(path=path), file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from bot.services import reports

    settings = _settings()
    q = _questionnaire(settings)
    export = _on_storage(settings, lambda s: reports.export(s, q, args.campaign, args.format))
    path = args.output or Path(export.filename)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(export.data)
    print(texts.CLI_EXPORTED.format(path=path, size=len(export.data) // 1024))
    return 0


def cmd_import_responses(args: argparse.Namespace) -> int:
    from bot.services import imports

    data = _read_bytes(args.file)
    settings = _settings()
    q = _questionnaire(settings)
    result = _on_storage(
        settings, lambda s: imports.import_responses(s, q, args.campaign, data, "cli")
    )
    print(t.responses_import_text(result))
    return 0 if result.ok else EXIT_BAD_INPUT


def cmd_participation(args: argparse.Namespace) -> int:
    from bot.services.participation import participation

    report = _on_storage(_settings(), lambda s: participation(s, args.campaign))
    print(_plain(t.participation_text(report)))
    return 0


def cmd_remind(args: argparse.Namespace) -> int:
    from bot.handlers.admin import reminder_channel
    from bot.services import campaigns
    from bot.services.reminders import plan, send_due
    from bot.storage import utcnow
    from bot.texts import reminders as rtexts

    settings = _settings()
    q = _questionnaire(settings)

    async def work(storage: Storage) -> int:
        campaign = await campaigns.resolve(storage, args.campaign)
        now = utcnow()
        current = await plan(storage, q, settings.reminders, now, campaign)
        for decision, _, name in current.decisions:
            print(
                texts.CLI_REMIND_LINE.format(
                    mark="→" if decision.send else "·",
                    cluster=decision.cluster_id,
                    name=name,
                    kind=decision.kind.value if decision.kind else "-",
                    detail=rtexts.detail(decision, settings.reminders.tz),
                )
            )
        print(texts.CLI_REMIND_DUE.format(n=len(current.due), total=len(current.decisions)))
        if args.dry_run or not current.due:
            return 0
        async with reminder_channel(settings) as channel:
            report, _ = await send_due(
                channel, storage, q, settings.reminders, now, campaign=campaign
            )
        print(
            texts.CLI_REMIND_SENT.format(
                sent=report.sent, failed=report.failed, unreachable=report.unreachable
            )
        )
        return 0

    return _on_storage(settings, work)


def cmd_backup(args: argparse.Namespace) -> int:
    from bot.services.backup import BackupError, backup

    settings = _settings()
    try:
        info = backup(settings.db_path, args.target)
    except BackupError as exc:
        raise CliError(str(exc)) from None
    print(
        texts.CLI_BACKUP_DONE.format(
            path=info.path, size=info.size // 1024, responses=info.responses, answers=info.answers
        )
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from bot.services.backup import BackupError, restore

    settings = _settings()
    try:
        info, kept = restore(args.backup, settings.db_path)
    except BackupError as exc:
        raise CliError(str(exc)) from None
    print(
        texts.CLI_RESTORE_DONE.format(
            path=settings.db_path, responses=info.responses, answers=info.answers, kept=kept or "-"
        )
    )
    return 0


def cmd_data_requests(args: argparse.Namespace) -> int:
    from bot.services import privacy
    from bot.texts import personal_data as pt

    settings = _settings()
    if args.erase is not None:
        _on_storage(settings, lambda s: privacy.erase(s, args.erase, "cli"))
        print(pt.ERASED.format(id=args.erase))
        return 0
    pending = _on_storage(settings, privacy.pending_requests)
    print(_plain(pt.ADMIN_TITLE.format(n=len(pending))) if pending else pt.ADMIN_NONE)
    for r in pending:
        print(
            pt.CLI_LINE.format(
                id=r.request_id,
                user_id=r.user_id,
                cluster=r.cluster_id,
                created=r.created_at.isoformat(),
            )
        )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Settings, questionnaire and database: one line per check, exit 2 if any failed."""
    from bot.storage import MIGRATIONS, inspect

    t = texts.CHECK
    failed = False

    def report(ok: bool | None, line: str) -> None:
        nonlocal failed
        mark = {True: "✔", False: "✘", None: "!"}[ok]
        failed |= ok is False
        print(f"{mark} {line}")

    try:
        settings = load_settings()
        report(True, t["settings"])
    except SettingsError as exc:
        report(False, f"{t['settings']}: {exc}")
        return EXIT_BAD_INPUT
    report(
        True if settings.telegram_token else None,
        t["token"] if settings.telegram_token else t["no_token"],
    )
    report(True if settings.admin_ids else None, t["admins"].format(n=len(settings.admin_ids)))
    report(
        True if settings.bot_username else None,
        t["username"] if settings.bot_username else t["no_username"],
    )
    try:
        q = load_questionnaire(settings.questionnaire_path)
        report(True, t["questionnaire"].format(version=q.version, n=len(q.questions)))
    except QuestionnaireError as exc:
        report(False, f"{t['questionnaire_bad']}\n{exc}")
    path = settings.db_path
    if not path.exists():
        report(None, t["no_db"].format(path=path))
        return EXIT_BAD_INPUT if failed else 0
    try:
        with inspect.DatabaseFile(path) as db:
            status = db.integrity()
            version = db.schema_version()
            report(status == "ok", t["db"].format(path=path, status=status))
            if version < len(MIGRATIONS):
                report(None, t["migrations"].format(version=version, latest=len(MIGRATIONS)))
            elif version > len(MIGRATIONS):
                report(False, t["db_newer"].format(version=version, latest=len(MIGRATIONS)))
            if version >= 1:
                clusters = db.count("clusters")
                report(True if clusters else None, t["clusters"].format(n=clusters))
                open_ = db.open_campaigns()
                report(
                    True if open_ else None,
                    t["campaign"].format(ids=", ".join(open_) or "—"),
                )
    except inspect.DatabaseError as exc:
        report(False, t["db_unreadable"].format(path=path, error=exc))
    return EXIT_BAD_INPUT if failed else 0


def build_parser() -> argparse.ArgumentParser:
    h = texts.CLI_HELP
    parser = argparse.ArgumentParser(prog="ssme", description=h["ssme"])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("score", help=h["score"])
    p.add_argument("answers", type=Path, help=h["answers"])
    p.add_argument("--campaign-year", type=int, default=date.today().year - 1, help=h["year"])
    p.add_argument("--chart", type=Path, help=h["chart"])
    p.add_argument("--name", help=h["name"])
    p.add_argument("--json", action="store_true", help=h["json"])
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("run", help=h["run"])
    p.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help=h["log"])
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("demo", help=h["demo"])
    p.add_argument("--db", type=Path, default=Path("data/demo.db"), help=h["db"])
    p.add_argument("--script", type=Path, help=h["script"])
    p.add_argument("--charts", type=Path, default=Path("out"), help=h["charts"])
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("import-clusters", help=h["import"])
    p.add_argument("file", type=Path)
    p.set_defaults(func=cmd_import_clusters)

    p = sub.add_parser("invite", help=h["invite"])
    p.add_argument("cluster_id")
    p.add_argument("--days", type=int, help=h["days"])
    p.set_defaults(func=cmd_invite)

    p = sub.add_parser("summary", help=h["summary"])
    p.add_argument("--campaign", help=h["campaign_id"])
    p.add_argument("--json", action="store_true", help=h["json"])
    p.add_argument("--charts", type=Path, help=h["summary_charts"])
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser("export", help=h["export"])
    p.add_argument("--campaign", help=h["campaign_id"])
    p.add_argument("--format", choices=["xlsx", "csv"], default="xlsx")
    p.add_argument("--output", type=Path, help=h["output"])
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import-responses", help=h["import_responses"])
    p.add_argument("file", type=Path)
    p.add_argument("--campaign", required=True, help=h["campaign_id"])
    p.set_defaults(func=cmd_import_responses)

    p = sub.add_parser("remind", help=h["remind"])
    p.add_argument("--campaign", help=h["campaign_id"])
    p.add_argument("--dry-run", action="store_true", help=h["dry_run"])
    p.set_defaults(func=cmd_remind)

    p = sub.add_parser("participation", help=h["participation"])
    p.add_argument("--campaign", help=h["campaign_id"])
    p.set_defaults(func=cmd_participation)

    p = sub.add_parser("check", help=h["check"])
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("data-requests", help=h["data_requests"])
    p.add_argument("--erase", type=int, metavar="N", help=h["erase"])
    p.set_defaults(func=cmd_data_requests)

    p = sub.add_parser("backup", help=h["backup"])
    p.add_argument("target", type=Path, help=h["backup_target"])
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help=h["restore"])
    p.add_argument("backup", type=Path)
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("campaign", help=h["campaign"])
    csub = p.add_subparsers(dest="action", required=True)
    c = csub.add_parser("create")
    c.add_argument("id")
    c.add_argument("--reference-year", type=int, required=True)
    c.add_argument("--opens", required=True)
    c.add_argument("--closes", required=True)
    for action in ("open", "close"):
        csub.add_parser(action).add_argument("id")
    c = csub.add_parser("extend")
    c.add_argument("id")
    c.add_argument("--closes", required=True)
    csub.add_parser("list")
    p.set_defaults(func=cmd_campaign)
    return parser


@redacted  # no secret in anything a command prints (bot/logs.py)
def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (CliError, SettingsError, QuestionnaireError) as exc:
        print(texts.CLI_ERROR.format(text=exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    except ServiceError as exc:
        print(texts.CLI_ERROR.format(text=t.error(exc, cli=True)), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
