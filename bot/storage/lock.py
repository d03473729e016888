"""One ``ssme run`` per database file: an exclusive lock on a file next to it, holding the pid.

The lock is the operating system's (``flock``), so it is released when the process ends, however
it ends: a lock file left by a process that died is simply taken over. The pid written in it is
only there to say who holds the lock.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class DatabaseInUse(Exception):
    """Another process holds the database's lock."""

    def __init__(self, path: Path, pid: str) -> None:
        super().__init__(f"{path} is locked by process {pid}")
        self.path = path
        self.pid = pid


class DatabaseLock:
    """Held from :meth:`acquire` until :meth:`release` (or the process's end)."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, db_path: Path) -> DatabaseLock:
        """Lock ``<db_path>.lock``; :class:`DatabaseInUse` if another process holds it, OSError
        if it cannot be made (a read-only or missing folder)."""
        path = db_path.with_name(db_path.name + ".lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise DatabaseInUse(db_path, pid) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        return cls(path, fd)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.ftruncate(fd, 0)
            os.close(fd)
