"""All SQL of the project: one SQLite file through one aiosqlite connection.

One writer connection with WAL is the fast, simple choice here (see docs/BENCHMARKS.md); an
asyncio lock makes each public method one unit, so transactions of concurrent managers never
interleave on the shared connection. Every answer is committed before the bot sends the next
question; upserts keyed on (response, question) make a re-delivered update harmless.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.questionnaire.model import Value

_T = TypeVar("_T")
# Work for a connection's thread, queued by _Batches; its outcome is (True, result) or
# (False, the exception it raised).
_Job = Callable[[sqlite3.Connection], Any]
_Outcome = tuple[bool, Any]

MIGRATIONS: tuple[str, ...] = (
    # 1: the initial schema.
    """
    CREATE TABLE clusters (
        cluster_id TEXT PRIMARY KEY,
        nombre TEXT NOT NULL,
        departamento TEXT NOT NULL,
        municipio TEXT,
        sector TEXT NOT NULL,
        subsector TEXT,
        entidad_gestora TEXT NOT NULL,
        entidad_gestora_tipo TEXT NOT NULL,
        anio_creacion INTEGER,
        estado TEXT NOT NULL DEFAULT 'activa',
        updated_at TEXT NOT NULL
    );
    CREATE TABLE campaigns (
        campaign_id TEXT PRIMARY KEY,
        reference_year INTEGER NOT NULL,
        opens_at TEXT NOT NULL,
        closes_at TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT 'scheduled' CHECK (state IN ('scheduled', 'open', 'closed')),
        created_at TEXT NOT NULL
    );
    CREATE TABLE managers (
        cluster_id TEXT PRIMARY KEY REFERENCES clusters(cluster_id),
        user_id INTEGER NOT NULL,
        chat_id INTEGER NOT NULL,
        name TEXT,
        registered_at TEXT NOT NULL,
        consent_at TEXT,
        consent_version TEXT,
        unreachable_at TEXT
    );
    CREATE INDEX managers_user ON managers(user_id, registered_at);
    CREATE TABLE invitations (
        token TEXT PRIMARY KEY,
        cluster_id TEXT NOT NULL REFERENCES clusters(cluster_id),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT,
        used_by INTEGER,
        created_by TEXT NOT NULL
    );
    CREATE INDEX invitations_cluster ON invitations(cluster_id);
    CREATE TABLE responses (
        response_id INTEGER PRIMARY KEY,
        cluster_id TEXT NOT NULL REFERENCES clusters(cluster_id),
        campaign_id TEXT NOT NULL REFERENCES campaigns(campaign_id),
        status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
        questionnaire_version TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT 'telegram',
        cursor_question TEXT,
        cursor_mode TEXT,
        pending TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        submitted_at TEXT,
        UNIQUE (cluster_id, campaign_id)
    );
    CREATE TABLE answers (
        response_id INTEGER NOT NULL REFERENCES responses(response_id) ON DELETE CASCADE,
        question_id TEXT NOT NULL,
        value TEXT NOT NULL,
        answered_at TEXT NOT NULL,
        answered_by INTEGER,
        PRIMARY KEY (response_id, question_id)
    ) WITHOUT ROWID;
    CREATE TABLE results (
        result_id INTEGER PRIMARY KEY,
        response_id INTEGER NOT NULL REFERENCES responses(response_id),
        submitted_at TEXT NOT NULL,
        questionnaire_version TEXT NOT NULL,
        ims REAL NOT NULL,
        level TEXT NOT NULL,
        scores TEXT NOT NULL,
        answers TEXT NOT NULL
    );
    CREATE INDEX results_response ON results(response_id, result_id);
    CREATE TABLE seen_updates (
        update_id INTEGER PRIMARY KEY,
        seen_at TEXT NOT NULL
    );
    CREATE TABLE audit (
        audit_id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        cluster_id TEXT,
        detail TEXT
    );
    """,
    # 2: reminders. A send is recorded as 'sending' before the call and settled after it, so a
    # crash in between can never make it go out twice (it counts as sent).
    """
    CREATE TABLE reminder_prefs (
        cluster_id TEXT NOT NULL REFERENCES clusters(cluster_id),
        campaign_id TEXT NOT NULL REFERENCES campaigns(campaign_id),
        opted_out_at TEXT,
        snoozed_until TEXT,
        PRIMARY KEY (cluster_id, campaign_id)
    );
    CREATE TABLE reminders (
        reminder_id INTEGER PRIMARY KEY,
        cluster_id TEXT NOT NULL REFERENCES clusters(cluster_id),
        campaign_id TEXT NOT NULL REFERENCES campaigns(campaign_id),
        user_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        -- n-th reminder of this cluster in this campaign: two senders (the bot's timer and an
        -- admin's command) cannot both claim it; a failed send frees it (NULL).
        slot INTEGER,
        status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
        created_at TEXT NOT NULL,
        settled_at TEXT,
        message_id INTEGER,
        error TEXT
    );
    CREATE UNIQUE INDEX reminders_slot ON reminders(campaign_id, cluster_id, slot);
    """,
    # 3: requests under Ley 1581 de 2012 (habeas data).
    """
    CREATE TABLE data_requests (
        request_id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL,
        cluster_id TEXT,
        kind TEXT NOT NULL CHECK (kind IN ('deletion')),
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
        created_at TEXT NOT NULL,
        handled_at TEXT,
        handled_by TEXT
    );
    """,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_ts(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Cluster:
    cluster_id: str
    nombre: str
    departamento: str
    municipio: str | None
    sector: str
    subsector: str | None
    entidad_gestora: str
    entidad_gestora_tipo: str
    anio_creacion: int | None
    estado: str


CLUSTER_COLUMNS = tuple(Cluster.__dataclass_fields__)


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    reference_year: int
    opens_at: datetime
    closes_at: datetime
    state: str


@dataclass(frozen=True)
class Manager:
    cluster_id: str
    user_id: int
    chat_id: int
    name: str | None
    consent_at: datetime | None
    unreachable: bool = False


@dataclass(frozen=True)
class Response:
    response_id: int
    cluster_id: str
    campaign_id: str
    status: str
    questionnaire_version: str
    cursor_question: str | None
    cursor_mode: str | None
    pending: dict[str, Any] | None
    submitted_at: datetime | None


@dataclass(frozen=True)
class StoredResult:
    result_id: int
    response_id: int
    submitted_at: datetime
    ims: float
    level: str
    scores: dict[str, Any]


@dataclass(frozen=True)
class Submitted:
    cluster_id: str
    questionnaire_version: str
    submitted_at: datetime
    scores: dict[str, Any]
    answers: dict[str, Value]


@dataclass(frozen=True)
class SubmittedScores:
    """A submitted response's latest result, reduced to what aggregate figures read."""

    cluster_id: str
    ims: float
    level: str
    areas: dict[str, float]
    strategy_updated: bool
    answers: dict[str, Value]  # only the questions asked for, and only those answered


@dataclass(frozen=True)
class ClusterState:
    cluster_id: str
    nombre: str
    departamento: str
    sector: str
    estado: str
    user_id: int | None
    chat_id: int | None
    unreachable: bool
    opted_out: bool
    status: str  # no_manager | not_started | draft | submitted
    updated_at: datetime | None


@dataclass(frozen=True)
class ReminderRow:
    cluster_id: str
    nombre: str
    user_id: int
    chat_id: int
    registered_at: datetime
    unreachable: bool
    status: str  # not_started | draft | submitted
    last_activity_at: datetime | None
    answers: dict[str, Value]  # for drafts: what is left
    opted_out: bool
    snoozed_until: datetime | None
    sent: list[tuple[str, datetime]]  # (kind, at), failed sends excluded


class Redeem(Enum):
    OK = "ok"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


# Each submitted response of a campaign (``?``) joined to its latest result, by cluster.
_LATEST_SUBMITTED = (
    "FROM responses s JOIN results r ON r.result_id = "
    "(SELECT max(result_id) FROM results WHERE response_id = s.response_id) "
    "WHERE s.campaign_id = ? AND s.status = 'submitted' ORDER BY s.cluster_id"
)


class _Connection(aiosqlite.Connection):
    """aiosqlite's connection, plus a whole queue of statements in one trip to its thread.

    Each ``await`` on aiosqlite is a round trip to its thread and back through the event loop,
    and a connection is one thread. Under load the trips, not SQLite, capped the bot: the writer
    was held 80% of the time for ~0.8 ms a trip, and the reader's queue grew to ~35 ms a read
    once writes were batched (docs/BENCHMARKS.md). Both now run batches.

    It uses two aiosqlite internals, ``_execute`` (queue a call on the connection's thread) and
    ``_conn``, which every public method is built on; the version is pinned below 0.23 and
    ``tests/test_storage.py`` runs these paths, commit and rollback.
    """

    async def run_reads(self, jobs: Sequence[_Job]) -> list[_Outcome]:
        """Run each job on its own (autocommit), in order: ``(True, result)`` or
        ``(False, exception)`` per job."""

        def batch() -> list[_Outcome]:
            outcomes: list[_Outcome] = []
            for job in jobs:
                try:
                    outcomes.append((True, job(self._conn)))
                except Exception as exc:
                    outcomes.append((False, exc))
            return outcomes

        return await self._execute(batch)

    async def run_transaction(self, jobs: Sequence[_Job]) -> list[_Outcome]:
        """Run each job in a savepoint of one transaction: ``(True, result)`` or
        ``(False, exception)`` per job, in order.

        A job that raises is rolled back alone; the others commit together. If the transaction
        itself fails (``BEGIN`` or ``COMMIT``), nothing is committed and this raises.
        """

        def batch() -> list[_Outcome]:
            conn = self._conn
            outcomes: list[_Outcome] = []
            try:
                conn.execute("BEGIN IMMEDIATE")
                for job in jobs:
                    conn.execute("SAVEPOINT job")
                    try:
                        outcomes.append((True, job(conn)))
                    except Exception as exc:
                        conn.execute("ROLLBACK TO job")
                        outcomes.append((False, exc))
                    conn.execute("RELEASE job")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return outcomes

        return await self._execute(batch)


async def _migrate(db: aiosqlite.Connection) -> None:
    async with db.execute("PRAGMA user_version") as cur:
        (version,) = await cur.fetchone()  # type: ignore[misc]
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        # executescript commits first; the version bump rides in the same script.
        await db.executescript(
            f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
        )


async def _connect(path: Path | str) -> _Connection:
    return await _Connection(lambda: sqlite3.connect(str(path), isolation_level=None), 64)


class _Batches:
    """Queue jobs for one connection and run all queued jobs in one trip per batch.

    The first job starts a task that runs the queue; jobs queued while a batch is in the
    thread form the next batch. At rest a batch is one job and nothing waits; under load
    batches grow by themselves. For writes this is a group commit.
    """

    def __init__(
        self,
        run: Callable[[Sequence[_Job]], Awaitable[list[_Outcome]]],
        lock: asyncio.Lock | None = None,
    ) -> None:
        self._run = run
        self._lock = lock or asyncio.Lock()
        self._queued: list[tuple[_Job, asyncio.Future[Any]]] = []
        self._runner: asyncio.Task[None] | None = None

    async def __call__(self, job: Callable[[sqlite3.Connection], _T]) -> _T:
        future: asyncio.Future[_T] = asyncio.get_running_loop().create_future()
        self._queued.append((job, future))
        if self._runner is None:
            self._runner = asyncio.create_task(self._run_queued())
        return await future

    async def drain(self) -> None:
        if self._runner is not None:
            await self._runner

    async def _run_queued(self) -> None:
        batch: list[tuple[_Job, asyncio.Future[Any]]] = []
        try:
            while self._queued:
                async with self._lock:
                    # Taken under the lock: whatever was queued while waiting for it rides along.
                    # A job whose caller has gone (cancelled) is dropped before it starts.
                    batch = [(job, f) for job, f in self._queued if not f.cancelled()]
                    self._queued = []
                    if not batch:
                        continue
                    try:
                        outcomes = await self._run([job for job, _ in batch])
                    except Exception as exc:
                        outcomes = [(False, exc)] * len(batch)
                for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                    if future.done():  # its caller was cancelled while the batch ran
                        continue
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)
                batch = []
        except BaseException:
            # Cancelled, or SystemExit raised in this task by a signal: no caller may wait for
            # ever, or the bot's shutdown (which waits for every update to end) never ends.
            for _, future in [*batch, *self._queued]:
                future.cancel()
            self._queued = []
            raise
        finally:
            self._runner = None


class Storage:
    """All SQL of the bot, on one SQLite file.

    Two connections, as SQLite's WAL mode allows: one writer and one reader for the plain reads,
    so that looking up where a manager stands never queues behind other managers' writes. A
    read sees everything committed before it starts (a write returns only once committed, and
    the bot replies after that).

    Reads and single-transaction writes go through :class:`_Batches`: writes are
    group-committed, each in a savepoint of one transaction, each writer woken with its own
    result or error. The few multi-step transactions (``_tx``) hold the writer between batches
    through the same lock.
    """

    def __init__(self, db: _Connection, reader: _Connection | None = None) -> None:
        self._db = db
        self._reader = reader
        self._lock = asyncio.Lock()
        self._writes = _Batches(db.run_transaction, self._lock)
        # ":memory:" has no second connection: its reads share the writer, between its batches.
        self._reads = (
            _Batches(reader.run_reads) if reader is not None else _Batches(db.run_reads, self._lock)
        )

    @classmethod
    async def open(cls, path: Path | str) -> Storage:
        memory = str(path) == ":memory:"
        if not memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = await _connect(path)
        db.row_factory = sqlite3.Row
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=5000",
        ):
            await db.execute(pragma)
        await _migrate(db)
        reader = None
        if not memory:  # a second connection to ":memory:" would be another, empty database
            reader = await _connect(path)
            reader.row_factory = sqlite3.Row
            for pragma in ("PRAGMA busy_timeout=5000", "PRAGMA query_only=ON"):
                await reader.execute(pragma)
        return cls(db, reader)

    async def close(self) -> None:
        await self._writes.drain()
        await self._reads.drain()
        if self._reader is not None:
            await self._reader.close()
        await self._db.close()

    async def schema_version(self) -> int:
        async with self._db.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0])  # type: ignore[index]

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")

    async def _write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """One statement, group-committed. Returns the number of rows it changed."""
        return await self._writes(lambda db: db.execute(sql, params).rowcount)

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return await self._reads(lambda db: db.execute(sql, params).fetchall())

    async def _one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    @staticmethod
    async def _audit(
        db: aiosqlite.Connection,
        actor: str | int,
        action: str,
        cluster_id: str | None = None,
        detail: Mapping[str, Any] | None = None,
        now: datetime | None = None,
    ) -> None:
        await db.execute(
            "INSERT INTO audit (at, actor, action, cluster_id, detail) VALUES (?, ?, ?, ?, ?)",
            (
                _ts(now or utcnow()),
                str(actor),
                action,
                cluster_id,
                json.dumps(detail, ensure_ascii=False) if detail else None,
            ),
        )

    async def audit(
        self, actor: str | int, action: str, cluster_id: str | None = None, **detail: Any
    ) -> None:
        async with self._tx() as db:
            await self._audit(db, actor, action, cluster_id, detail)

    async def audit_log(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = await self._all("SELECT * FROM audit ORDER BY audit_id DESC LIMIT ?", (limit,))
        return [dict(r) for r in rows]

    # -- clusters ----------------------------------------------------------------------------

    async def upsert_clusters(self, clusters: Iterable[Cluster], actor: str | int) -> int:
        """Insert or update every cluster in one transaction: all or nothing."""
        rows = [tuple(getattr(c, k) for k in CLUSTER_COLUMNS) for c in clusters]
        cols = ", ".join(CLUSTER_COLUMNS)
        updates = ", ".join(f"{k} = excluded.{k}" for k in CLUSTER_COLUMNS[1:])
        now = _ts(utcnow())
        async with self._tx() as db:
            await db.executemany(
                f"INSERT INTO clusters ({cols}, updated_at) VALUES ({', '.join('?' * len(CLUSTER_COLUMNS))}, ?) "
                f"ON CONFLICT (cluster_id) DO UPDATE SET {updates}, updated_at = excluded.updated_at",
                [(*r, now) for r in rows],
            )
            await self._audit(db, actor, "import_clusters", None, {"rows": len(rows)})
        return len(rows)

    async def get_cluster(self, cluster_id: str) -> Cluster | None:
        row = await self._one(
            f"SELECT {', '.join(CLUSTER_COLUMNS)} FROM clusters WHERE cluster_id = ?", (cluster_id,)
        )
        return Cluster(**dict(row)) if row else None

    async def list_clusters(self) -> list[Cluster]:
        rows = await self._all(
            f"SELECT {', '.join(CLUSTER_COLUMNS)} FROM clusters ORDER BY cluster_id"
        )
        return [Cluster(*r) for r in rows]  # the columns are selected in field order

    # -- campaigns ---------------------------------------------------------------------------

    async def create_campaign(
        self,
        campaign_id: str,
        reference_year: int,
        opens_at: datetime,
        closes_at: datetime,
        *,
        state: str = "scheduled",
        actor: str | int = "cli",
    ) -> Campaign:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO campaigns (campaign_id, reference_year, opens_at, closes_at, state, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (campaign_id, reference_year, _ts(opens_at), _ts(closes_at), state, _ts(utcnow())),
            )
            await self._audit(db, actor, "create_campaign", None, {"campaign": campaign_id})
        return Campaign(campaign_id, reference_year, opens_at, closes_at, state)

    async def set_campaign_state(self, campaign_id: str, state: str, actor: str | int) -> None:
        async with self._tx() as db:
            await db.execute(
                "UPDATE campaigns SET state = ? WHERE campaign_id = ?", (state, campaign_id)
            )
            await self._audit(db, actor, f"campaign_{state}", None, {"campaign": campaign_id})

    async def set_campaign_closes(
        self, campaign_id: str, closes_at: datetime, actor: str | int
    ) -> None:
        async with self._tx() as db:
            await db.execute(
                "UPDATE campaigns SET closes_at = ? WHERE campaign_id = ?",
                (_ts(closes_at), campaign_id),
            )
            await self._audit(
                db,
                actor,
                "campaign_extend",
                None,
                {"campaign": campaign_id, "closes_at": _ts(closes_at)},
            )

    @staticmethod
    def _campaign(row: sqlite3.Row) -> Campaign:
        return Campaign(
            row["campaign_id"],
            row["reference_year"],
            parse_ts(row["opens_at"]),  # type: ignore[arg-type]
            parse_ts(row["closes_at"]),  # type: ignore[arg-type]
            row["state"],
        )

    async def get_campaign(self, campaign_id: str) -> Campaign | None:
        row = await self._one("SELECT * FROM campaigns WHERE campaign_id = ?", (campaign_id,))
        return self._campaign(row) if row else None

    async def list_campaigns(self) -> list[Campaign]:
        rows = await self._all("SELECT * FROM campaigns ORDER BY reference_year, campaign_id")
        return [self._campaign(r) for r in rows]

    async def current_campaign(self) -> Campaign | None:
        """The open campaign, else the latest one (to say it is closed or not open yet)."""
        row = await self._one(
            "SELECT * FROM campaigns ORDER BY state = 'open' DESC, opens_at DESC LIMIT 1"
        )
        return self._campaign(row) if row else None

    # -- invitations and managers ------------------------------------------------------------

    async def create_invitation(
        self, cluster_id: str, token: str, expires_at: datetime, actor: str | int
    ) -> None:
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO invitations (token, cluster_id, created_at, expires_at, created_by) "
                "VALUES (?, ?, ?, ?, ?)",
                (token, cluster_id, _ts(utcnow()), _ts(expires_at), str(actor)),
            )
            await self._audit(db, actor, "invite", cluster_id, {"expires_at": _ts(expires_at)})

    async def redeem_invitation(
        self, token: str, user_id: int, chat_id: int, name: str | None, now: datetime | None = None
    ) -> tuple[Redeem, str | None]:
        """Use a single-use code: the user becomes the cluster's manager, replacing any other."""
        now = now or utcnow()
        async with self._tx() as db:
            async with db.execute(
                "SELECT cluster_id, expires_at, used_at FROM invitations WHERE token = ?", (token,)
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return Redeem.UNKNOWN, None
            if row["used_at"] is not None:
                return Redeem.USED, row["cluster_id"]
            if parse_ts(row["expires_at"]) <= now:  # type: ignore[operator]
                return Redeem.EXPIRED, row["cluster_id"]
            cluster_id = row["cluster_id"]
            await db.execute(
                "UPDATE invitations SET used_at = ?, used_by = ? WHERE token = ?",
                (_ts(now), user_id, token),
            )
            async with db.execute(
                "SELECT user_id FROM managers WHERE cluster_id = ?", (cluster_id,)
            ) as cur:
                previous = await cur.fetchone()
            await db.execute(
                "INSERT INTO managers (cluster_id, user_id, chat_id, name, registered_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (cluster_id) DO UPDATE SET "
                "user_id = excluded.user_id, chat_id = excluded.chat_id, name = excluded.name, "
                "registered_at = excluded.registered_at, consent_at = NULL, consent_version = NULL, "
                "unreachable_at = NULL",
                (cluster_id, user_id, chat_id, name, _ts(now)),
            )
            detail = {"previous_user": previous["user_id"]} if previous else {}
            action = (
                "manager_replaced" if previous and previous["user_id"] != user_id else "register"
            )
            await self._audit(db, user_id, action, cluster_id, detail, now)
        return Redeem.OK, cluster_id

    async def manager_for_user(self, user_id: int) -> Manager | None:
        row = await self._one(
            "SELECT * FROM managers WHERE user_id = ? ORDER BY registered_at DESC LIMIT 1",
            (user_id,),
        )
        if row is None:
            return None
        return Manager(
            row["cluster_id"],
            row["user_id"],
            row["chat_id"],
            row["name"],
            parse_ts(row["consent_at"]),
            row["unreachable_at"] is not None,
        )

    async def record_consent(self, cluster_id: str, user_id: int, version: str) -> None:
        async with self._tx() as db:
            await db.execute(
                "UPDATE managers SET consent_at = ?, consent_version = ? "
                "WHERE cluster_id = ? AND user_id = ?",
                (_ts(utcnow()), version, cluster_id, user_id),
            )
            await self._audit(db, user_id, "consent", cluster_id, {"version": version})

    # -- responses and answers ---------------------------------------------------------------

    @staticmethod
    def _response(row: sqlite3.Row) -> Response:
        return Response(
            row["response_id"],
            row["cluster_id"],
            row["campaign_id"],
            row["status"],
            row["questionnaire_version"],
            row["cursor_question"],
            row["cursor_mode"],
            json.loads(row["pending"]) if row["pending"] else None,
            parse_ts(row["submitted_at"]),
        )

    async def get_response(self, cluster_id: str, campaign_id: str) -> Response | None:
        row = await self._one(
            "SELECT * FROM responses WHERE cluster_id = ? AND campaign_id = ?",
            (cluster_id, campaign_id),
        )
        return self._response(row) if row else None

    async def start_response(
        self, cluster_id: str, campaign_id: str, version: str, user_id: int
    ) -> Response:
        """The cluster's response to the campaign, created as a draft on first use."""
        existing = await self.get_response(cluster_id, campaign_id)
        if existing is not None:  # the usual case: no write transaction per update
            return existing
        now = _ts(utcnow())
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO responses (cluster_id, campaign_id, questionnaire_version, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (cluster_id, campaign_id) DO NOTHING",
                (cluster_id, campaign_id, version, now, now),
            )
            async with db.execute(
                "SELECT * FROM responses WHERE cluster_id = ? AND campaign_id = ?",
                (cluster_id, campaign_id),
            ) as cur:
                row = await cur.fetchone()
        return self._response(row)  # type: ignore[arg-type]

    async def answers(self, response_id: int) -> dict[str, Value]:
        rows = await self._all(
            "SELECT question_id, value FROM answers WHERE response_id = ?", (response_id,)
        )
        return {r["question_id"]: json.loads(r["value"]) for r in rows}

    async def save_answer(
        self,
        response_id: int,
        question_id: str,
        value: Value,
        *,
        dropped: Sequence[str] = (),
        user_id: int | None = None,
        cursor: tuple[str | None, str | None] = (None, None),
    ) -> None:
        """One answer, the answers it made irrelevant and the new cursor, in one commit."""
        now = _ts(utcnow())
        encoded = json.dumps(value, ensure_ascii=False)

        def work(db: sqlite3.Connection) -> None:
            db.execute(
                "INSERT INTO answers (response_id, question_id, value, answered_at, answered_by) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (response_id, question_id) DO UPDATE SET "
                "value = excluded.value, answered_at = excluded.answered_at, "
                "answered_by = excluded.answered_by",
                (response_id, question_id, encoded, now, user_id),
            )
            if dropped:
                db.executemany(
                    "DELETE FROM answers WHERE response_id = ? AND question_id = ?",
                    [(response_id, q) for q in dropped],
                )
            db.execute(
                "UPDATE responses SET updated_at = ?, cursor_question = ?, cursor_mode = ?, "
                "pending = NULL WHERE response_id = ?",
                (now, cursor[0], cursor[1], response_id),
            )

        await self._writes(work)

    async def set_cursor(
        self, response_id: int, question_id: str | None, mode: str | None = None
    ) -> None:
        await self._write(
            "UPDATE responses SET cursor_question = ?, cursor_mode = ?, pending = NULL "
            "WHERE response_id = ?",
            (question_id, mode, response_id),
        )

    async def set_pending(self, response_id: int, pending: Mapping[str, Any] | None) -> None:
        await self._write(
            "UPDATE responses SET pending = ? WHERE response_id = ?",
            (json.dumps(pending, ensure_ascii=False) if pending else None, response_id),
        )

    async def submit_response(
        self,
        response_id: int,
        *,
        version: str,
        ims: float,
        level: str,
        scores: Mapping[str, Any],
        answers: Mapping[str, Value],
        actor: str | int,
        cluster_id: str,
        now: datetime | None = None,
    ) -> StoredResult:
        """Mark the response submitted and keep this submission's result (every one is kept)."""
        at = _ts(now or utcnow())
        async with self._tx() as db:
            cur = await db.execute(
                "INSERT INTO results (response_id, submitted_at, questionnaire_version, ims, level, "
                "scores, answers) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    response_id,
                    at,
                    version,
                    ims,
                    level,
                    json.dumps(scores, ensure_ascii=False),
                    json.dumps(answers, ensure_ascii=False),
                ),
            )
            result_id = cur.lastrowid
            await db.execute(
                "UPDATE responses SET status = 'submitted', submitted_at = ?, updated_at = ?, "
                "cursor_question = NULL, cursor_mode = NULL, pending = NULL WHERE response_id = ?",
                (at, at, response_id),
            )
            await self._audit(db, actor, "submit", cluster_id, {"ims": ims, "level": level})
        return StoredResult(result_id, response_id, parse_ts(at), ims, level, dict(scores))  # type: ignore[arg-type]

    async def reopen_response(self, response_id: int, actor: str | int, cluster_id: str) -> None:
        async with self._tx() as db:
            await db.execute(
                "UPDATE responses SET status = 'draft', updated_at = ? WHERE response_id = ?",
                (_ts(utcnow()), response_id),
            )
            await self._audit(db, actor, "reopen", cluster_id)

    @staticmethod
    def _result(row: sqlite3.Row) -> StoredResult:
        return StoredResult(
            row["result_id"],
            row["response_id"],
            parse_ts(row["submitted_at"]),  # type: ignore[arg-type]
            row["ims"],
            row["level"],
            json.loads(row["scores"]),
        )

    async def latest_result(self, response_id: int) -> StoredResult | None:
        row = await self._one(
            "SELECT * FROM results WHERE response_id = ? ORDER BY result_id DESC LIMIT 1",
            (response_id,),
        )
        return self._result(row) if row else None

    async def result_answers(self, result_id: int) -> dict[str, Value]:
        """The answers exactly as they were when that result was computed."""
        row = await self._one("SELECT answers FROM results WHERE result_id = ?", (result_id,))
        return json.loads(row["answers"]) if row else {}

    async def results_count(self, response_id: int) -> int:
        row = await self._one("SELECT count(*) FROM results WHERE response_id = ?", (response_id,))
        return int(row[0])  # type: ignore[index]

    async def previous_result(
        self, cluster_id: str, reference_year: int
    ) -> tuple[str, StoredResult] | None:
        """The cluster's latest result in an earlier campaign: (campaign id, result)."""
        row = await self._one(
            "SELECT c.campaign_id AS campaign, r.* FROM results r "
            "JOIN responses s ON s.response_id = r.response_id "
            "JOIN campaigns c ON c.campaign_id = s.campaign_id "
            "WHERE s.cluster_id = ? AND s.status = 'submitted' AND c.reference_year < ? "
            "ORDER BY c.reference_year DESC, r.result_id DESC LIMIT 1",
            (cluster_id, reference_year),
        )
        return (row["campaign"], self._result(row)) if row else None

    async def campaign_area_scores(
        self, campaign_id: str
    ) -> list[tuple[str, str, dict[str, float]]]:
        """(cluster id, sector, area scores) of each submitted response's latest result."""
        rows = await self._all(
            "SELECT s.cluster_id, c.sector, r.scores FROM responses s "
            "JOIN clusters c ON c.cluster_id = s.cluster_id "
            "JOIN results r ON r.result_id = (SELECT max(result_id) FROM results "
            "WHERE response_id = s.response_id) "
            "WHERE s.campaign_id = ? AND s.status = 'submitted'",
            (campaign_id,),
        )
        return [(r["cluster_id"], r["sector"], json.loads(r["scores"])["areas"]) for r in rows]

    async def first_time(self, update_id: int) -> bool:
        """Record an update id; False when it was seen before (a re-delivery)."""
        changed = await self._write(
            "INSERT OR IGNORE INTO seen_updates (update_id, seen_at) VALUES (?, ?)",
            (update_id, _ts(utcnow())),
        )
        return changed == 1

    async def forget_updates_before(self, moment: datetime) -> int:
        return await self._write("DELETE FROM seen_updates WHERE seen_at < ?", (_ts(moment),))

    # -- admin: campaigns' data ----------------------------------------------------------------

    async def previous_campaign(self, campaign_id: str) -> Campaign | None:
        """The campaign just before this one (by reference year)."""
        row = await self._one(
            "SELECT * FROM campaigns WHERE reference_year < "
            "(SELECT reference_year FROM campaigns WHERE campaign_id = ?) "
            "ORDER BY reference_year DESC, opens_at DESC LIMIT 1",
            (campaign_id,),
        )
        return self._campaign(row) if row else None

    async def submissions(self, campaign_id: str) -> list[Submitted]:
        """Every submitted response of the campaign with its latest result."""
        rows = await self._all(
            "SELECT s.cluster_id, s.questionnaire_version, r.submitted_at, r.scores, r.answers "
            + _LATEST_SUBMITTED,
            (campaign_id,),
        )
        return [
            Submitted(
                r["cluster_id"],
                r["questionnaire_version"],
                parse_ts(r["submitted_at"]),  # type: ignore[arg-type]
                json.loads(r["scores"]),
                json.loads(r["answers"]),
            )
            for r in rows
        ]

    async def submitted_scores(
        self, campaign_id: str, questions: Sequence[str] = ()
    ) -> list[SubmittedScores]:
        """Every submitted response's latest scores, plus the answers to ``questions`` only.

        SQLite's JSON functions pick the few values out of each stored result, so a campaign of
        10,000 responses is not decoded into 10,000 dicts of every answer (measured: decoding
        and collecting those was most of ``summary``'s time). With two or more paths
        ``json_extract`` returns a JSON array holding each value's own text, so numbers reach
        Python exactly as stored; a single path would return a converted SQL value, hence the
        repeated path when only one question is asked for.
        """
        paths = [f'$."{q}"' for q in questions]
        if len(paths) == 1:
            paths.append(paths[0])
        picked = f"json_extract(r.answers, {', '.join('?' * len(paths))})" if paths else "'[]'"
        rows = await self._all(
            "SELECT s.cluster_id, r.ims, r.level, "
            "json_extract(r.scores, '$.areas', '$.estrategia_actualizada') AS head, "
            f"{picked} AS picked " + _LATEST_SUBMITTED,
            (*paths, campaign_id),
        )
        out = []
        for r in rows:
            areas, strategy = json.loads(r["head"])
            values = json.loads(r["picked"])
            out.append(
                SubmittedScores(
                    r["cluster_id"],
                    r["ims"],
                    r["level"],
                    areas,
                    strategy is True,
                    {q: v for q, v in zip(questions, values, strict=False) if v is not None},
                )
            )
        return out

    async def import_submissions(
        self, campaign_id: str, rows: Sequence[Submitted], actor: str | int
    ) -> int:
        """Submitted responses from an earlier measurement, all in one transaction or none."""
        now = _ts(utcnow())
        async with self._tx() as db:
            for row in rows:
                cur = await db.execute(
                    "INSERT INTO responses (cluster_id, campaign_id, status, questionnaire_version, "
                    "source, created_at, updated_at, submitted_at) "
                    "VALUES (?, ?, 'submitted', ?, 'import', ?, ?, ?)",
                    (row.cluster_id, campaign_id, row.questionnaire_version, now, now, now),
                )
                response_id = cur.lastrowid
                await db.executemany(
                    "INSERT INTO answers (response_id, question_id, value, answered_at) "
                    "VALUES (?, ?, ?, ?)",
                    [
                        (response_id, q, json.dumps(v, ensure_ascii=False), now)
                        for q, v in row.answers.items()
                    ],
                )
                await db.execute(
                    "INSERT INTO results (response_id, submitted_at, questionnaire_version, ims, "
                    "level, scores, answers) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        response_id,
                        now,
                        row.questionnaire_version,
                        row.scores["ims"],
                        row.scores["level"],
                        json.dumps(row.scores, ensure_ascii=False),
                        json.dumps(row.answers, ensure_ascii=False),
                    ),
                )
            await self._audit(
                db, actor, "import_responses", None, {"campaign": campaign_id, "rows": len(rows)}
            )
        return len(rows)

    async def response_states(self, campaign_id: str) -> list[ClusterState]:
        """Every registry cluster with where it stands in the campaign."""
        rows = await self._all(
            "SELECT c.cluster_id, c.nombre, c.departamento, c.sector, c.estado, "
            "m.user_id, m.chat_id, m.unreachable_at, s.status, s.updated_at, p.opted_out_at "
            "FROM clusters c LEFT JOIN managers m ON m.cluster_id = c.cluster_id "
            "LEFT JOIN responses s ON s.cluster_id = c.cluster_id AND s.campaign_id = ? "
            "LEFT JOIN reminder_prefs p ON p.cluster_id = c.cluster_id AND p.campaign_id = ? "
            "ORDER BY c.departamento, c.nombre",
            (campaign_id, campaign_id),
        )
        return [
            ClusterState(
                cluster_id=r["cluster_id"],
                nombre=r["nombre"],
                departamento=r["departamento"],
                sector=r["sector"],
                estado=r["estado"],
                user_id=r["user_id"],
                chat_id=r["chat_id"],
                unreachable=r["unreachable_at"] is not None,
                opted_out=r["opted_out_at"] is not None,
                status=r["status"] or ("not_started" if r["user_id"] else "no_manager"),
                updated_at=parse_ts(r["updated_at"]),
            )
            for r in rows
        ]

    async def existing_responses(self, campaign_id: str) -> set[str]:
        rows = await self._all(
            "SELECT cluster_id FROM responses WHERE campaign_id = ?", (campaign_id,)
        )
        return {r["cluster_id"] for r in rows}

    # -- reminders ---------------------------------------------------------------------------

    async def reminder_candidates(self, campaign_id: str) -> list[ReminderRow]:
        """Every registered manager with what the reminder policy needs to decide."""
        rows = await self._all(
            "SELECT m.cluster_id, c.nombre, m.user_id, m.chat_id, m.registered_at, m.unreachable_at, "
            "s.response_id, s.status, s.updated_at, p.opted_out_at, p.snoozed_until "
            "FROM managers m JOIN clusters c ON c.cluster_id = m.cluster_id "
            "LEFT JOIN responses s ON s.cluster_id = m.cluster_id AND s.campaign_id = ? "
            "LEFT JOIN reminder_prefs p ON p.cluster_id = m.cluster_id AND p.campaign_id = ? "
            "WHERE m.consent_at IS NOT NULL AND c.estado = 'activa' ORDER BY m.cluster_id",
            (campaign_id, campaign_id),
        )
        sent = await self._all(
            "SELECT cluster_id, kind, created_at FROM reminders "
            "WHERE campaign_id = ? AND status != 'failed' ORDER BY reminder_id",
            (campaign_id,),
        )
        by_cluster: dict[str, list[tuple[str, datetime]]] = {}
        for r in sent:
            by_cluster.setdefault(r["cluster_id"], []).append(
                (r["kind"], parse_ts(r["created_at"]))
            )  # type: ignore[arg-type]
        answers = await self._all(
            "SELECT a.response_id, a.question_id, a.value FROM answers a "
            "JOIN responses s ON s.response_id = a.response_id WHERE s.campaign_id = ? "
            "AND s.status = 'draft'",
            (campaign_id,),
        )
        by_response: dict[int, dict[str, Value]] = {}
        for a in answers:
            by_response.setdefault(a["response_id"], {})[a["question_id"]] = json.loads(a["value"])
        return [
            ReminderRow(
                cluster_id=r["cluster_id"],
                nombre=r["nombre"],
                user_id=r["user_id"],
                chat_id=r["chat_id"],
                registered_at=parse_ts(r["registered_at"]),  # type: ignore[arg-type]
                unreachable=r["unreachable_at"] is not None,
                status=r["status"] or "not_started",
                last_activity_at=parse_ts(r["updated_at"]),
                answers=by_response.get(r["response_id"], {}),
                opted_out=r["opted_out_at"] is not None,
                snoozed_until=parse_ts(r["snoozed_until"]),
                sent=by_cluster.get(r["cluster_id"], []),
            )
            for r in rows
        ]

    async def begin_reminder(
        self, cluster_id: str, campaign_id: str, user_id: int, kind: str, slot: int, now: datetime
    ) -> int | None:
        """Claim the cluster's ``slot``-th reminder; None if another sender already has it."""
        async with self._tx() as db:
            cur = await db.execute(
                "INSERT OR IGNORE INTO reminders (cluster_id, campaign_id, user_id, kind, slot, "
                "status, created_at) VALUES (?, ?, ?, ?, ?, 'sending', ?)",
                (cluster_id, campaign_id, user_id, kind, slot, _ts(now)),
            )
            return int(cur.lastrowid) if cur.rowcount == 1 else None  # type: ignore[arg-type]

    async def settle_reminder(
        self,
        reminder_id: int,
        status: str,
        *,
        message_id: int | None = None,
        error: str | None = None,
        unreachable: tuple[str, int] | None = None,
    ) -> None:
        """The outcome of a send; a 403 also marks the manager unreachable (no more sends)."""
        now = _ts(utcnow())
        async with self._tx() as db:
            await db.execute(
                "UPDATE reminders SET status = ?, settled_at = ?, message_id = ?, error = ?, "
                "slot = CASE WHEN ? = 'failed' THEN NULL ELSE slot END WHERE reminder_id = ?",
                (status, now, message_id, error, status, reminder_id),
            )
            if unreachable is not None:
                cluster_id, user_id = unreachable
                await db.execute(
                    "UPDATE managers SET unreachable_at = ? WHERE cluster_id = ? AND user_id = ?",
                    (now, cluster_id, user_id),
                )
                await self._audit(db, "bot", "unreachable", cluster_id, {"user": user_id})

    async def set_reminder_pref(
        self,
        cluster_id: str,
        campaign_id: str,
        *,
        opted_out: bool | None = None,
        snoozed_until: datetime | None = None,
        actor: int,
    ) -> None:
        now = _ts(utcnow())
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO reminder_prefs (cluster_id, campaign_id) VALUES (?, ?) "
                "ON CONFLICT DO NOTHING",
                (cluster_id, campaign_id),
            )
            if opted_out is not None:
                await db.execute(
                    "UPDATE reminder_prefs SET opted_out_at = ? WHERE cluster_id = ? AND campaign_id = ?",
                    (now if opted_out else None, cluster_id, campaign_id),
                )
                await self._audit(
                    db, actor, "reminders_stop", cluster_id, {"campaign": campaign_id}
                )
            if snoozed_until is not None:
                await db.execute(
                    "UPDATE reminder_prefs SET snoozed_until = ? WHERE cluster_id = ? AND campaign_id = ?",
                    (_ts(snoozed_until), cluster_id, campaign_id),
                )

    async def mark_reachable(self, user_id: int) -> None:
        """A manager who writes to the bot again has unblocked it."""
        await self._write(
            "UPDATE managers SET unreachable_at = NULL WHERE user_id = ? AND unreachable_at IS NOT NULL",
            (user_id,),
        )

    # -- personal data (Ley 1581 de 2012) -------------------------------------------------------

    async def personal_data(self, user_id: int) -> dict[str, Any]:
        """Everything stored about a person (not their cluster's answers, which are the cluster's)."""
        managers = await self._all("SELECT * FROM managers WHERE user_id = ?", (user_id,))
        requests = await self._all(
            "SELECT * FROM data_requests WHERE user_id = ? ORDER BY request_id", (user_id,)
        )
        actions = await self._one("SELECT count(*) FROM audit WHERE actor = ?", (str(user_id),))
        return {
            "managers": [dict(r) for r in managers],
            "requests": [dict(r) for r in requests],
            "audit_entries": int(actions[0]) if actions else 0,
        }

    async def request_deletion(self, user_id: int, cluster_id: str | None) -> int:
        async with self._tx() as db:
            async with db.execute(
                "SELECT request_id FROM data_requests WHERE user_id = ? AND status = 'pending'",
                (user_id,),
            ) as cur:
                row = await cur.fetchone()
            if row is not None:
                return int(row[0])
            cur = await db.execute(
                "INSERT INTO data_requests (user_id, cluster_id, kind, created_at) "
                "VALUES (?, ?, 'deletion', ?)",
                (user_id, cluster_id, _ts(utcnow())),
            )
            await self._audit(db, user_id, "data_deletion_requested", cluster_id)
            return int(cur.lastrowid)  # type: ignore[arg-type]

    async def data_requests(self, pending_only: bool = True) -> list[dict[str, Any]]:
        rows = await self._all(
            "SELECT * FROM data_requests "
            + ("WHERE status = 'pending' " if pending_only else "")
            + "ORDER BY request_id"
        )
        return [dict(r) for r in rows]

    async def erase_person(self, request_id: int, actor: str | int) -> int | None:
        """Carry out a deletion request: the person's identifiers go; the cluster's data stays.

        Returns the user id erased, or None if there is no such pending request.
        """
        async with self._tx() as db:
            async with db.execute(
                "SELECT user_id FROM data_requests WHERE request_id = ? AND status = 'pending'",
                (request_id,),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            user_id = int(row[0])
            await db.execute("DELETE FROM managers WHERE user_id = ?", (user_id,))
            await db.execute(
                "UPDATE answers SET answered_by = NULL WHERE answered_by = ?", (user_id,)
            )
            await db.execute("UPDATE invitations SET used_by = NULL WHERE used_by = ?", (user_id,))
            await db.execute("UPDATE reminders SET user_id = 0 WHERE user_id = ?", (user_id,))
            await db.execute(
                "UPDATE audit SET actor = 'persona-eliminada' WHERE actor = ?", (str(user_id),)
            )
            await db.execute(
                "UPDATE audit SET detail = NULL WHERE detail LIKE ?",
                (f'%"previous_user": {user_id}%',),
            )
            await db.execute(
                "UPDATE data_requests SET status = 'done', handled_at = ?, handled_by = ?, "
                "user_id = 0 WHERE request_id = ?",
                (_ts(utcnow()), str(actor), request_id),
            )
            await self._audit(db, actor, "data_erased", None, {"request": request_id})
        return user_id

    async def integrity_check(self) -> str:
        row = await self._one("PRAGMA integrity_check")
        return str(row[0])  # type: ignore[index]
