"""Consistent copies of the live database, and putting one back.

The copy uses SQLite's online backup API in a single step (``bot.storage.inspect.copy``): it
reads one snapshot, so in WAL mode the bot keeps writing meanwhile and the copy is still
consistent. A copy is checked
(``PRAGMA integrity_check``) before it is published, and published by an atomic rename.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.storage import MIGRATIONS, inspect
from bot.texts.cli import BACKUP_ERRORS

EVIDENCE = "evidencias"  # the evidence files' folder beside the database (bot.services.evidence)


class BackupError(Exception):
    """Why a backup or restore could not be done (one line in Spanish, names the file)."""

    def __init__(self, code: str, /, **params: object) -> None:
        self.code = code
        super().__init__(BACKUP_ERRORS[code].format(**params))


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    schema_version: int
    responses: int
    answers: int
    evidence_files: int = 0  # copied beside it, in ``<backup>.evidencias/``


def _inspect(path: Path) -> BackupInfo:
    with inspect.DatabaseFile(path) as db:
        status = db.integrity()
        if status != "ok":
            raise BackupError("integrity", path=path, status=status)
        version = db.schema_version()
        responses = db.count("responses")
        answers = db.count("answers")
    return BackupInfo(path, path.stat().st_size, version, responses, answers)


def backup(db_path: Path, target: Path | str) -> BackupInfo:
    """Copy the live database to ``target``: a file in an existing folder, or an existing
    folder (a timestamped name in it). A folder that does not exist is refused, never created
    nor taken for a file name (``bk/`` must not become a file ``bk``)."""
    if not db_path.exists():
        raise BackupError("no_database", path=db_path)
    as_folder = str(target).endswith(("/", os.sep))
    target = Path(target)
    if as_folder and not target.is_dir():
        raise BackupError("no_folder", path=target, folder=target)
    if target.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = target / f"ssme-{stamp}.db"
    if not target.parent.is_dir():
        raise BackupError("no_folder", path=target, folder=target.parent)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        inspect.copy(db_path, partial)
        info = _inspect(partial)
    except (inspect.DatabaseError, BackupError) as exc:
        partial.unlink(missing_ok=True)
        raise BackupError("failed", path=db_path, error=exc) from None
    os.replace(partial, target)
    files = _copy_files(db_path.parent / EVIDENCE, evidence_beside(target))
    return BackupInfo(target, info.size, info.schema_version, info.responses, info.answers, files)


def evidence_beside(backup_path: Path) -> Path:
    """Where a backup's evidence files go: ``<backup>.evidencias/``."""
    return backup_path.with_name(f"{backup_path.name}.{EVIDENCE}")


def _copy_files(source: Path, target: Path) -> int:
    """Copy the evidence files (named by their SHA-256: a name present is the same bytes)."""
    if not source.is_dir():
        return 0
    copied = 0
    for path in source.iterdir():
        if not path.is_file() or path.name.endswith(".partial"):
            continue
        target.mkdir(parents=True, exist_ok=True)
        if not (target / path.name).exists():
            partial = target / f"{path.name}.partial"
            shutil.copyfile(path, partial)
            os.replace(partial, target / path.name)
        copied += 1
    return copied


def _ensure_not_in_use(db_path: Path) -> None:
    if not inspect.leave_wal(db_path):
        raise BackupError("in_use", path=db_path)


def restore(backup_path: Path, db_path: Path) -> tuple[BackupInfo, Path | None]:
    """Put a backup in place of the database; the bot must be stopped.

    The current database is kept beside it (``*.before-restore-<time>``), never deleted.
    Returns the backup's details and where the old database went.
    """
    if not backup_path.exists():
        raise BackupError("no_backup", path=backup_path)
    try:
        info = _inspect(backup_path)
    except inspect.DatabaseError as exc:
        raise BackupError("unreadable", path=backup_path, error=exc) from None
    if info.schema_version > len(MIGRATIONS):
        raise BackupError(
            "newer", path=backup_path, version=info.schema_version, latest=len(MIGRATIONS)
        )
    kept = None
    if db_path.exists():
        _ensure_not_in_use(db_path)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = db_path.with_name(f"{db_path.name}.before-restore-{stamp}")
        inspect.copy(db_path, kept)
        for suffix in ("-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    partial = db_path.with_name(db_path.name + ".restoring")
    shutil.copyfile(backup_path, partial)
    os.replace(partial, db_path)
    _copy_files(evidence_beside(backup_path), db_path.parent / EVIDENCE)
    return info, kept
