"""``ssme run``, ``ssme demo`` and ``ssme check``: serving the bot, trying it, checking the set-up."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from pathlib import Path
from typing import Any

from bot.cli import common
from bot.cli.common import EXIT_BAD_INPUT, CliError
from bot.questionnaire.loader import QuestionnaireError, load_questionnaire
from bot.texts import cli as texts
from bot.texts import startup as st
from config import Settings, SettingsError, load_settings


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
    from bot.logs import redact, secret_forms, setup_logging
    from bot.storage import Unusable, check_usable
    from bot.storage.lock import DatabaseInUse, DatabaseLock

    settings = common.settings()
    token = settings.require_token() if settings.telegram_token else None
    if token is None:
        raise CliError(texts.NO_TOKEN)
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
            # Telegram's own words may be in the line; never a secret.
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
    from bot.demo import files, run_demo
    from bot.texts import demo as dt

    # The demo's folder: --dir, else the one --db is in, else ./demo.
    folder = args.dir or (args.db.parent if args.db else Path("demo"))
    db = args.db or folder / files.DATABASE
    if args.reset and not files.is_demo(folder.resolve(), db.resolve()):
        raise CliError(dt.NOT_A_DEMO.format(db=db))
    return run_demo(folder, db=args.db, admin=args.admin, reset=args.reset, script=args.script)


def cmd_check(args: argparse.Namespace) -> int:
    """Settings, questionnaire and database: one line per check, exit 2 if any failed."""
    from bot.services.campaigns import problems
    from bot.storage import MIGRATIONS, inspect
    from bot.texts.admin import campaign_problem

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
                for problem in problems(db.campaigns()):  # the services' campaign rules
                    report(False, campaign_problem(problem.code, problem.campaigns))
    except inspect.DatabaseError as exc:
        report(False, t["db_unreadable"].format(path=path, error=exc))
    return EXIT_BAD_INPUT if failed else 0


def register(sub: Any) -> None:
    h = texts.HELP
    p = sub.add_parser("run", help=h["run"], description=h["run"])
    p.add_argument("--log-level", choices=["DEBUG", "INFO", "WARNING", "ERROR"], help=h["log"])
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("demo", help=h["demo"], description=h["demo"])
    p.add_argument("--dir", type=Path, help=h["demo_dir"])
    p.add_argument("--admin", action="store_true", help=h["demo_admin"])
    p.add_argument("--reset", action="store_true", help=h["demo_reset"])
    p.add_argument("--script", type=Path, help=h["script"])
    p.add_argument("--db", type=Path, help=h["db"])
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("check", help=h["check"], description=h["check"])
    p.set_defaults(func=cmd_check)
