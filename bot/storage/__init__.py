"""All SQL of the project: one SQLite file, a writer and a reader connection.

:class:`Storage` is the one object the bot and the CLI use; each of its aggregates is a module
here, added to it as a base class:

  connection   the sqlite3 connections on their threads, and the batches every statement rides
  schema       the migrations, applied when a file is opened
  clock        the clock every stored timestamp comes from, and how times are stored
  rows         the typed rows (frozen dataclasses) the methods return
  clusters, campaigns, people (invitations, managers), invitations (made in bulk, their
  expiry for participation), responses (answers, cursor, submit,
  results, the outbox of results owed), results (a campaign's submissions across clusters),
  published (an earlier wave's results as published), reviews (the analysts' review of each
  submitted response), checks (each submission's plausibility findings and per-firm figures,
  as the review queue reads them), desk_inputs (an admin's desk input awaited in the chat),
  amendments (an admin's correction of a submitted answer, as a new submission), evidence (the records of files attached to answers), reminders, privacy
  (personal data, deletion requests, erasure), consent (the data notice declined or
  withdrawn), audit, updates (the inbox of
  fetched updates, seen update ids)
  inspect      read-only checks of a database file, for ``ssme check`` and the backups

One writer connection with WAL is the fast, simple choice here (see docs/BENCHMARKS.md). Every
write, single statement or many, is one job of the writer's batches: group-committed, each job
in a savepoint of its own, each caller woken with its own result or error once committed. So an
answer is committed before the bot sends the next question, and concurrent managers'
transactions never interleave. ``synchronous=FULL``: a commit returns only once the WAL is
fsync'd, so a confirmed answer survives a power loss too (NORMAL would let the last commits
vanish); the batching makes it one flush per batch (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from bot.storage.amendments import Amendments
from bot.storage.audit import Audit
from bot.storage.campaigns import Campaigns
from bot.storage.checks import Checks
from bot.storage.clock import Clock, utcnow
from bot.storage.clusters import Clusters
from bot.storage.connection import Connection
from bot.storage.consent import Consent
from bot.storage.corrections import Corrections
from bot.storage.desk_inputs import DeskInput, DeskInputs
from bot.storage.evidence import EvidenceFiles
from bot.storage.invitations import Invitations
from bot.storage.members import LastAnswer, Overtaken, Sharing
from bot.storage.people import People
from bot.storage.privacy import Privacy
from bot.storage.published import Published, PublishedResult
from bot.storage.reminders import Reminders
from bot.storage.responses import Responses
from bot.storage.results import Results
from bot.storage.reviews import Reviews
from bot.storage.rows import (
    AuditEntry,
    Campaign,
    Cluster,
    ClusterState,
    DataRequest,
    Evidence,
    Manager,
    PersonalData,
    Redeem,
    Redemption,
    Registration,
    ReminderRow,
    Response,
    Review,
    StoredResult,
    Submission,
    Submitted,
    SubmittedScores,
)
from bot.storage.schema import MIGRATIONS, migrate
from bot.storage.updates import Updates

__all__ = [
    "MIGRATIONS",
    "AuditEntry",
    "Campaign",
    "Cluster",
    "ClusterState",
    "DataRequest",
    "DeskInput",
    "Evidence",
    "LastAnswer",
    "Manager",
    "Overtaken",
    "PersonalData",
    "PublishedResult",
    "Redeem",
    "Redemption",
    "Registration",
    "ReminderRow",
    "Response",
    "Review",
    "Storage",
    "StoredResult",
    "Submission",
    "Submitted",
    "SubmittedScores",
    "Unusable",
    "check_usable",
    "utcnow",
]

_WRITER_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=5000",
)
_READER_PRAGMAS = ("PRAGMA busy_timeout=5000", "PRAGMA query_only=ON")


class Storage(
    Clusters,
    Campaigns,
    People,
    Invitations,
    Responses,
    Corrections,
    Results,
    Published,
    Reviews,
    Checks,
    DeskInputs,
    Amendments,
    EvidenceFiles,
    Reminders,
    Privacy,
    Consent,
    Sharing,
    Audit,
    Updates,
):
    """All SQL of the bot, on one SQLite file.

    Two connections, as SQLite's WAL mode allows: one writer and one reader for the plain reads,
    so that looking up where a manager stands never queues behind other managers' writes. A
    read sees everything committed before it starts (a write returns only once committed, and
    the bot replies after that).
    """

    path: Path | None = None  # the database file (None in memory); files kept beside it

    @classmethod
    async def open(cls, path: Path | str, clock: Clock = utcnow) -> Storage:
        """Open (creating it and its folder if need be) and migrate the file at ``path``.

        ``clock`` gives every timestamp storage writes, unless a caller passes its own time.
        """
        memory = str(path) == ":memory:"
        if not memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        writer = await Connection.open(str(path), _WRITER_PRAGMAS)
        reader = None
        try:
            if not memory:  # a second connection to ":memory:" would be another, empty database
                reader = await Connection.open(str(path), _READER_PRAGMAS)
            storage = cls(writer, reader, clock)
            storage.path = None if memory else Path(path)
            await storage._writes(migrate)
        except BaseException:
            if reader is not None:
                await reader.close()
            await writer.close()
            raise
        return storage

    async def close(self) -> None:
        await self._writes.drain()
        await self._reads.drain()
        if self._reader is not None:
            await self._reader.close()
        await self._writer.close()

    async def schema_version(self) -> int:
        row = await self._one("PRAGMA user_version")
        return int(row[0]) if row else 0

    async def integrity_check(self) -> str:
        row = await self._one("PRAGMA integrity_check")
        return str(row[0]) if row else "no answer"


class Unusable(Exception):
    """The database file cannot be used; the message is SQLite's or the system's reason."""


async def check_usable(path: Path) -> None:
    """Raise :class:`Unusable` unless the file at ``path`` opens as the bot opens it.

    An existing file is checked read-only first (a damaged file is never migrated), then it is
    opened, migrated and closed, so a read-only place or a file that is not a database fails
    here, before anything depends on it.
    """
    try:
        status = await asyncio.to_thread(_integrity, path)
        if status != "ok":
            raise Unusable(status)
        storage = await Storage.open(path)
        await storage.close()
    except (sqlite3.Error, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise Unusable(reason) from None


def _integrity(path: Path) -> str:
    """``PRAGMA integrity_check`` of an existing file, read-only; "ok" for none yet."""
    from bot.storage import inspect

    if not path.exists():
        return "ok"
    with inspect.DatabaseFile(path) as db:
        return db.integrity()
