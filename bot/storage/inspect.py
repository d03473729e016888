"""Database files looked at from outside the bot: ``ssme check``, backups and restores.

Plain ``sqlite3`` and synchronous, because these run on files the bot may not have open (a
backup being verified, a file about to be restored, the database of a stopped bot), and from the
CLI, where there is no event loop. :class:`DatabaseFile` opens a file read-only (it is never
created or changed); ``copy`` and ``leave_wal`` are the two operations on files that backups
need. Errors are ``sqlite3.Error`` (exported as :data:`DatabaseError`): a file that is not a
database fails on its first read with "file is not a database".
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import TracebackType
from typing import Literal

from bot.storage.campaigns import campaign_row
from bot.storage.rows import Campaign

DatabaseError = sqlite3.Error


class DatabaseFile:
    """A database file opened read-only: ``with DatabaseFile(path) as db: db.integrity()``."""

    def __init__(self, path: Path) -> None:
        self._conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def __enter__(self) -> DatabaseFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._conn.close()

    def integrity(self) -> str:
        """``"ok"``, or SQLite's first complaint (``PRAGMA integrity_check``)."""
        return str(self._conn.execute("PRAGMA integrity_check").fetchone()[0])

    def schema_version(self) -> int:
        """The number of migrations applied (0 for a file the bot never opened)."""
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def count(self, table: Literal["clusters", "responses", "answers"]) -> int:
        return int(self._conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def open_campaigns(self) -> list[str]:
        """The ids of the campaigns open now."""
        rows = self._conn.execute("SELECT campaign_id FROM campaigns WHERE state = 'open'")
        return [str(campaign_id) for (campaign_id,) in rows]

    def campaigns(self) -> list[Campaign]:
        """Every campaign, as ``Storage.list_campaigns`` reads them (for the rules' check)."""
        cur = self._conn.cursor()
        cur.row_factory = sqlite3.Row
        rows = cur.execute("SELECT * FROM campaigns ORDER BY reference_year, campaign_id")
        return [campaign_row(r) for r in rows]


def copy(source: Path, target: Path) -> None:
    """Copy a live database, consistently, to a new self-contained file.

    SQLite's online backup in a single step reads one snapshot, so in WAL mode the bot keeps
    writing meanwhile and the copy is still consistent; the copy leaves WAL mode, to be one file.
    """
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # pages=-1: the whole database from one snapshot
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def leave_wal(path: Path) -> bool:
    """Switch the file out of WAL mode; False if it is in use.

    SQLite leaves WAL only when no other connection has the file open, so this is how a restore
    knows that the bot is stopped. The file's data is not changed.
    """
    conn = sqlite3.connect(path, timeout=0.2)
    try:
        mode = conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0]
    except sqlite3.OperationalError:
        mode = "busy"
    finally:
        conn.close()
    return bool(mode == "delete")
