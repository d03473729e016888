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

EVIDENCE = "evidencias"  # the evidence files' folder beside the database (bot.services.evidence)


class BackupError(Exception):
    """Why a backup or restore could not be done (one line, names the file)."""


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
            raise BackupError(f"{path}: integrity_check failed: {status}")
        version = db.schema_version()
        responses = db.count("responses")
        answers = db.count("answers")
    return BackupInfo(path, path.stat().st_size, version, responses, answers)


def backup(db_path: Path, target: Path) -> BackupInfo:
    """Copy the live database to ``target`` (a file, or a folder for a timestamped name)."""
    if not db_path.exists():
        raise BackupError(f"{db_path}: no such database (SSME_DB_PATH)")
    if target.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = target / f"ssme-{stamp}.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        inspect.copy(db_path, partial)
        info = _inspect(partial)
    except (inspect.DatabaseError, BackupError) as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"{db_path}: backup failed: {exc}") from None
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
        raise BackupError(f"{db_path} is in use: stop the bot (ssme run) before restoring")


def restore(backup_path: Path, db_path: Path) -> tuple[BackupInfo, Path | None]:
    """Put a backup in place of the database; the bot must be stopped.

    The current database is kept beside it (``*.before-restore-<time>``), never deleted.
    Returns the backup's details and where the old database went.
    """
    if not backup_path.exists():
        raise BackupError(f"{backup_path}: no such backup")
    try:
        info = _inspect(backup_path)
    except inspect.DatabaseError as exc:
        raise BackupError(f"{backup_path}: not a readable SQLite database: {exc}") from None
    if info.schema_version > len(MIGRATIONS):
        raise BackupError(
            f"{backup_path}: schema version {info.schema_version} is newer than this program "
            f"({len(MIGRATIONS)}); upgrade the program first"
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
