"""Consistent copies of the live database, and putting one back.

The copy uses SQLite's online backup API in a single step: it reads one snapshot, so in WAL
mode the bot keeps writing meanwhile and the copy is still consistent. A copy is checked
(``PRAGMA integrity_check``) before it is published, and published by an atomic rename.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.storage import MIGRATIONS


class BackupError(Exception):
    """Why a backup or restore could not be done (one line, names the file)."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    schema_version: int
    responses: int
    answers: int


def _inspect(path: Path) -> BackupInfo:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        status = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if status != "ok":
            raise BackupError(f"{path}: integrity_check failed: {status}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        responses = conn.execute("SELECT count(*) FROM responses").fetchone()[0]
        answers = conn.execute("SELECT count(*) FROM answers").fetchone()[0]
    return BackupInfo(path, path.stat().st_size, version, responses, answers)


def _copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # pages=-1: the whole database from one snapshot
        dst.execute("PRAGMA journal_mode=DELETE")  # a backup is one self-contained file
    finally:
        dst.close()
        src.close()


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
        _copy(db_path, partial)
        info = _inspect(partial)
    except (sqlite3.Error, BackupError) as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"{db_path}: backup failed: {exc}") from None
    os.replace(partial, target)
    return BackupInfo(target, info.size, info.schema_version, info.responses, info.answers)


def _ensure_not_in_use(db_path: Path) -> None:
    """Leaving WAL mode needs every other connection closed: if it fails, the bot is running."""
    conn = sqlite3.connect(db_path, timeout=0.2)
    try:
        mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
    except sqlite3.OperationalError:
        mode = "busy"
    finally:
        conn.close()
    if mode != "delete":
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
    except sqlite3.Error as exc:
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
        _copy(db_path, kept)
        for suffix in ("-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    partial = db_path.with_name(db_path.name + ".restoring")
    shutil.copyfile(backup_path, partial)
    os.replace(partial, db_path)
    return info, kept
