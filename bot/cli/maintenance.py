"""``ssme backup``, ``restore`` and ``data-requests``: the database and personal data."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.cli import common
from bot.cli.common import CliError
from bot.texts import cli as texts


def cmd_backup(args: argparse.Namespace) -> int:
    from bot.services.backup import BackupError, backup

    settings = common.settings()
    try:
        info = backup(settings.db_path, args.target)
    except BackupError as exc:
        raise CliError(str(exc)) from None
    print(
        texts.BACKUP_DONE.format(
            path=info.path, size=info.size // 1024, responses=info.responses, answers=info.answers
        )
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from bot.services.backup import BackupError, restore

    settings = common.settings()
    try:
        info, kept = restore(args.backup, settings.db_path)
    except BackupError as exc:
        raise CliError(str(exc)) from None
    print(
        texts.RESTORE_DONE.format(
            path=settings.db_path, responses=info.responses, answers=info.answers, kept=kept or "-"
        )
    )
    return 0


def cmd_data_requests(args: argparse.Namespace) -> int:
    from bot.services import privacy
    from bot.texts import personal_data as pt

    settings = common.settings()
    if args.erase is not None:
        common.on_storage(settings, lambda s: privacy.erase(s, args.erase, "cli"))
        print(pt.ERASED.format(id=args.erase))
        return 0
    pending = common.on_storage(settings, privacy.pending_requests)
    print(common.plain(pt.ADMIN_TITLE.format(n=len(pending))) if pending else pt.ADMIN_NONE)
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


def register(sub: Any) -> None:
    h = texts.HELP
    p = sub.add_parser("data-requests", help=h["data_requests"], description=h["data_requests"])
    p.add_argument("--erase", type=int, metavar="N", help=h["erase"])
    p.set_defaults(func=cmd_data_requests)

    p = sub.add_parser("backup", help=h["backup"], description=h["backup"])
    # A string, not a Path: "bk/" (a folder that must exist) is not "bk" (a file).
    p.add_argument("target", help=h["backup_target"])
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help=h["restore"], description=h["restore"])
    p.add_argument("backup", type=Path, help=h["backup_file"])
    p.set_defaults(func=cmd_restore)
