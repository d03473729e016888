"""The storage layer on real SQLite files: schema, invitations, answers, results, concurrency."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
from contextlib import closing
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite
import pytest

import bot.storage
from bot.local import DEMO_CLUSTER
from bot.storage import (
    MIGRATIONS,
    AuditEntry,
    DataRequest,
    PersonalData,
    Redeem,
    Registration,
    Storage,
    Submitted,
    schema,
    utcnow,
)
from bot.storage.connection import Connection
from tests.e2e import OTHER_CLUSTER


@pytest.fixture
async def storage(tmp_path):
    s = await Storage.open(tmp_path / "db" / "ssme.db")
    await s.upsert_clusters([DEMO_CLUSTER, OTHER_CLUSTER], "test")
    now = utcnow()
    await s.create_campaign(
        "2021", 2021, now - timedelta(days=1), now + timedelta(days=9), state="open"
    )
    yield s
    await s.close()


async def test_schema_is_migrated_and_pragmas_set(tmp_path):
    path = tmp_path / "new" / "ssme.db"
    s = await Storage.open(path)
    assert await s.schema_version() == len(MIGRATIONS)
    await s.close()
    s = await Storage.open(path)  # opening again runs no migration twice
    assert await s.schema_version() == len(MIGRATIONS)
    assert await s.integrity_check() == "ok"
    await s.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_invitation_single_use_expiry_and_replacement(storage, tmp_path):
    now = utcnow()
    await storage.create_invitation(
        DEMO_CLUSTER.cluster_id, "codigo-uno-123", now + timedelta(days=1), "cli"
    )
    await storage.create_invitation(
        DEMO_CLUSTER.cluster_id, "codigo-viejo-9", now - timedelta(seconds=1), "cli"
    )
    assert (await storage.redeem_invitation("nada-de-nada", 1, 1, "A"))[0] is Redeem.UNKNOWN
    assert (await storage.redeem_invitation("codigo-viejo-9", 1, 1, "A"))[0] is Redeem.EXPIRED
    assert (await storage.redeem_invitation("codigo-uno-123", 1, 1, "Ana"))[:2] == (
        Redeem.OK,
        DEMO_CLUSTER.cluster_id,
    )
    assert (await storage.redeem_invitation("codigo-uno-123", 2, 2, "Beto"))[0] is Redeem.USED
    manager = await storage.manager_for_user(1)
    assert manager is not None and manager.cluster_id == DEMO_CLUSTER.cluster_id

    # A new invitation for the same cluster replaces its manager, and the audit log says so.
    await storage.create_invitation(
        DEMO_CLUSTER.cluster_id, "codigo-dos-456", now + timedelta(days=1), "cli"
    )
    redeemed = await storage.redeem_invitation("codigo-dos-456", 2, 2, "Beto")
    assert redeemed.outcome is Redeem.OK
    assert redeemed.replaced is not None and redeemed.replaced.user_id == 1  # the caller tells
    assert (await storage.manager_for_user(2)).cluster_id == DEMO_CLUSTER.cluster_id
    assert await storage.manager_for_user(1) is None
    log = await storage.audit_log()
    replaced = [e for e in log if e.action == "manager_replaced"]
    assert replaced and replaced[0].detail == {"previous_user": 1}
    # Stored as this text, which erasing person 1 looks for.
    with sqlite3.connect(tmp_path / "db" / "ssme.db") as conn:
        (detail,) = conn.execute(
            "SELECT detail FROM audit WHERE audit_id = ?", (replaced[0].audit_id,)
        ).fetchone()
    assert '"previous_user": 1' in detail


async def test_answers_upsert_drop_and_cursor_in_one_commit(storage):
    response = await storage.start_response(DEMO_CLUSTER.cluster_id, "2021", "v1", 1)
    same = await storage.start_response(DEMO_CLUSTER.cluster_id, "2021", "v1", 1)
    assert same.response_id == response.response_id
    rid = response.response_id
    await storage.save_answer(rid, "a", 1, user_id=1)
    await storage.save_answer(rid, "b", ["x", "y"], user_id=1)
    await storage.save_answer(rid, "a", 2, dropped=["b"], user_id=1, cursor=("c", "walk"))
    assert await storage.answers(rid) == {"a": 2}
    current = await storage.get_response(DEMO_CLUSTER.cluster_id, "2021")
    assert (current.cursor_question, current.cursor_mode) == ("c", "walk")


async def test_answers_held_together_and_their_confirmations_commit_as_one(storage):
    rid = (await storage.start_response(DEMO_CLUSTER.cluster_id, "2021", "v1", 1)).response_id
    await storage.save_answer(rid, "b", 1, user_id=1)
    held = {"question": "c", "held": {"a": 80}, "rule": "r"}
    await storage.set_cursor_pending(rid, "c", "jump", held)  # a move keeps the held values
    moved = await storage.get_response(DEMO_CLUSTER.cluster_id, "2021")
    assert (moved.cursor_question, moved.cursor_mode, moved.pending) == ("c", "jump", held)
    await storage.save_answers(
        rid, {"a": 80, "c": 2}, dropped=["b"], user_id=1, confirmed=["r:a=80", "r:a=80"]
    )
    assert await storage.answers(rid) == {"a": 80, "c": 2}
    assert await storage.confirmations(rid) == {"r:a=80"}
    after = await storage.get_response(DEMO_CLUSTER.cluster_id, "2021")
    assert (after.cursor_question, after.pending) == (None, None)
    with pytest.raises(sqlite3.Error):  # fails mid-transaction: nothing of the group is stored
        await storage.save_answers(rid, {"d": 1}, dropped=[object()], confirmed=["x"])  # type: ignore[list-item]
    assert await storage.answers(rid) == {"a": 80, "c": 2}
    assert await storage.confirmations(rid) == {"r:a=80"}


async def test_a_failed_answer_transaction_leaves_nothing_and_the_writer_usable(storage):
    rid = (await storage.start_response(DEMO_CLUSTER.cluster_id, "2021", "v1", 1)).response_id
    await storage.save_answer(rid, "a", 1, user_id=1, cursor=("a", "walk"))
    # The upsert of "b" runs, then the drop list (an unbindable value) fails mid-transaction.
    with pytest.raises(sqlite3.Error):
        await storage.save_answer(rid, "b", 2, dropped=[object()], user_id=1)  # type: ignore[list-item]
    assert await storage.answers(rid) == {"a": 1}  # "b" was rolled back with the rest
    assert (await storage.get_response(DEMO_CLUSTER.cluster_id, "2021")).cursor_question == "a"
    await storage.save_answer(rid, "c", 3, user_id=1)  # no transaction was left open
    assert await storage.answers(rid) == {"a": 1, "c": 3}


async def test_every_submission_result_is_kept(storage):
    rid = (await storage.start_response(DEMO_CLUSTER.cluster_id, "2021", "v1", 1)).response_id
    for ims, level in ((55.0, "intermedio"), (72.5, "consolidado")):
        await storage.submit_response(
            rid,
            version="v1",
            ims=ims,
            level=level,
            scores={"areas": {}, "ims": ims},
            answers={"a": 1},
            actor=1,
            cluster_id=DEMO_CLUSTER.cluster_id,
        )
        await storage.reopen_response(rid, 1, DEMO_CLUSTER.cluster_id)
    assert await storage.results_count(rid) == 2
    latest = await storage.latest_result(rid)
    assert latest.ims == 72.5
    assert await storage.result_answers(latest.result_id) == {"a": 1}


async def test_previous_campaign_result_and_campaign_means(storage):
    now = utcnow()
    await storage.create_campaign(
        "2020", 2020, now - timedelta(days=400), now - timedelta(days=300)
    )
    old = (await storage.start_response(DEMO_CLUSTER.cluster_id, "2020", "v1", 1)).response_id
    await storage.submit_response(
        old,
        version="v1",
        ims=40.0,
        level="intermedio",
        scores={"areas": {"enfoque": 25.0}},
        answers={},
        actor="import",
        cluster_id=DEMO_CLUSTER.cluster_id,
    )
    campaign, result = await storage.previous_result(DEMO_CLUSTER.cluster_id, 2021)
    assert campaign == "2020" and result.scores["areas"]["enfoque"] == 25.0
    assert await storage.previous_result(DEMO_CLUSTER.cluster_id, 2020) is None
    means = await storage.campaign_area_means("2020", ["enfoque", "estrategia"])
    assert means == {"agroindustria": ({"enfoque": 25.0, "estrategia": 0.0}, 1)}


async def test_submitted_scores_pick_the_latest_result_and_only_the_named_answers(storage):
    answers = {
        "ventas": 1234567890123,
        "pct": 0.1,
        "media": 83.33333333333333,
        "fuentes": ["a", "b"],
        "nota": "n/d",
    }
    rid = (await storage.start_response(DEMO_CLUSTER.cluster_id, "2021", "v1", 1)).response_id
    for ims, strategy in ((55.0, False), (72.55, True)):
        scores = {"ims": ims, "areas": {"enfoque": ims}, "estrategia_actualizada": strategy}
        await storage.submit_response(
            rid,
            version="v1",
            ims=ims,
            level="intermedio",
            scores=scores,
            answers={**answers, "ventas": answers["ventas"] + int(ims)},
            actor=1,
            cluster_id=DEMO_CLUSTER.cluster_id,
        )
        await storage.reopen_response(rid, 1, DEMO_CLUSTER.cluster_id)
    await storage.submit_response(
        rid,
        version="v1",
        ims=72.55,
        level="consolidado",
        scores={"ims": 72.55, "areas": {"enfoque": 72.55}, "estrategia_actualizada": True},
        answers=answers,
        actor=1,
        cluster_id=DEMO_CLUSTER.cluster_id,
    )

    (row,) = await storage.submitted_scores("2021", ["ventas", "pct", "media", "fuentes", "nota"])
    assert (row.cluster_id, row.ims, row.level) == (DEMO_CLUSTER.cluster_id, 72.55, "consolidado")
    assert row.areas == {"enfoque": 72.55} and row.strategy_updated is True
    assert row.answers == answers  # the latest result's, numbers exactly as stored
    assert type(row.answers["ventas"]) is int

    # One question (json_extract's single-path form), an unanswered one, none at all.
    (one,) = await storage.submitted_scores("2021", ["pct"])
    assert one.answers == {"pct": 0.1}
    (missing,) = await storage.submitted_scores("2021", ["pct", "nunca_respondida"])
    assert missing.answers == {"pct": 0.1}
    (bare,) = await storage.submitted_scores("2021")
    assert bare.answers == {} and bare.areas == {"enfoque": 72.55}
    # Drafts and other campaigns are not submissions of this campaign.
    assert await storage.submitted_scores("2020") == []
    draft = await storage.start_response(OTHER_CLUSTER.cluster_id, "2021", "v1", 2)
    await storage.save_answer(draft.response_id, "pct", 5, user_id=2)
    assert [r.cluster_id for r in await storage.submitted_scores("2021")] == [
        DEMO_CLUSTER.cluster_id
    ]


async def test_update_ids_are_seen_once(storage):
    assert await storage.first_time(10) is True
    assert await storage.first_time(10) is False
    assert await storage.forget_updates_before(utcnow() + timedelta(seconds=1)) == 1
    assert await storage.first_time(10) is True


async def test_concurrent_writers_never_interleave_transactions(storage):
    """Many managers saving at once on one connection: every answer lands, nothing is lost."""
    rids = []
    for i in range(40):
        await storage.upsert_clusters(
            [DEMO_CLUSTER.__class__(**{**DEMO_CLUSTER.__dict__, "cluster_id": f"c{i}"})], "t"
        )
        rids.append((await storage.start_response(f"c{i}", "2021", "v1", i)).response_id)

    async def manager(rid: int) -> None:
        for q in range(25):
            await storage.save_answer(rid, f"q{q}", q, user_id=rid)

    await asyncio.gather(*(manager(r) for r in rids))
    for rid in rids:
        assert len(await storage.answers(rid)) == 25
    assert await storage.integrity_check() == "ok"


async def _responses(storage: Storage, n: int) -> list[int]:
    rids = []
    for i in range(n):
        await storage.upsert_clusters(
            [DEMO_CLUSTER.__class__(**{**DEMO_CLUSTER.__dict__, "cluster_id": f"g{i}"})], "t"
        )
        rids.append((await storage.start_response(f"g{i}", "2021", "v1", i)).response_id)
    return rids


def _batch_sizes(batches, monkeypatch) -> list[int]:
    """The size of each batch that ``batches`` runs from now on."""
    sizes: list[int] = []
    run = batches._run

    async def spy(jobs):
        sizes.append(len(jobs))
        return await run(jobs)

    monkeypatch.setattr(batches, "_run", spy)
    return sizes


async def test_concurrent_writes_are_group_committed(storage, monkeypatch):
    """Writes queued while a batch runs go to the writer's thread together, not one by one."""
    rids = await _responses(storage, 50)
    sizes = _batch_sizes(storage._writes, monkeypatch)
    await asyncio.gather(
        *(storage.save_answer(rid, f"q{q}", q, user_id=rid) for rid in rids for q in range(4))
    )
    assert sum(sizes) == 200
    assert len(sizes) <= 10, sizes  # one job, then everything queued meanwhile
    for rid in rids:
        assert await storage.answers(rid) == {f"q{q}": q for q in range(4)}


async def test_a_failing_write_in_a_batch_fails_alone(storage):
    rids = await _responses(storage, 3)
    good = [storage.save_answer(rid, "a", 1, user_id=rid) for rid in rids]
    bad = storage.save_answer(rids[0], "b", 2, dropped=[object()], user_id=1)  # type: ignore[list-item]
    outcomes = await asyncio.gather(*good, bad, return_exceptions=True)
    assert outcomes[:3] == [None, None, None]
    assert isinstance(outcomes[3], sqlite3.Error)
    for rid in rids:
        assert await storage.answers(rid) == {"a": 1}  # the bad job's upsert was rolled back
    assert await storage.first_time(99) is True  # the writer is usable afterwards


async def test_a_batch_whose_transaction_fails_commits_nothing(storage, tmp_path):
    """Another process holds the write lock: every queued write fails, none half-lands."""
    rids = await _responses(storage, 2)
    await storage._writer.call(lambda db: db.execute("PRAGMA busy_timeout = 50"))
    other = sqlite3.connect(tmp_path / "db" / "ssme.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        outcomes = await asyncio.gather(
            *(storage.save_answer(rid, "a", 1, user_id=rid) for rid in rids),
            storage.first_time(7),
            return_exceptions=True,
        )
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert all(isinstance(o, sqlite3.OperationalError) for o in outcomes), outcomes
    for rid in rids:
        assert await storage.answers(rid) == {}
    assert await storage.first_time(7) is True  # it was not recorded the first time


async def test_a_cancelled_writer_does_not_stop_the_others(storage):
    rids = await _responses(storage, 20)
    tasks = [asyncio.create_task(storage.save_answer(rid, "a", 1, user_id=rid)) for rid in rids]
    tasks[5].cancel()
    tasks[12].cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    landed = [rid for rid in rids if await storage.answers(rid) == {"a": 1}]
    assert set(rids) - set(landed) <= {rids[5], rids[12]}
    assert len(landed) >= 18
    await storage.save_answer(rids[5], "a", 1, user_id=1)  # and the writer still works
    assert await storage.answers(rids[5]) == {"a": 1}


async def test_concurrent_reads_share_trips_and_fail_alone(storage, monkeypatch):
    rids = await _responses(storage, 30)
    for rid in rids:
        await storage.save_answer(rid, "a", rid, user_id=rid)
    sizes = _batch_sizes(storage._reads, monkeypatch)
    bad = storage._all("SELECT no_such_column FROM answers")
    outcomes = await asyncio.gather(
        *(storage.answers(rid) for rid in rids), bad, return_exceptions=True
    )
    assert outcomes[:-1] == [{"a": rid} for rid in rids]
    assert isinstance(outcomes[-1], sqlite3.OperationalError)
    assert sum(sizes) == 31 and len(sizes) <= 5, sizes


async def test_in_memory_storage_reads_on_the_writer(tmp_path):
    s = await Storage.open(":memory:")
    try:
        await s.upsert_clusters([DEMO_CLUSTER], "t")
        now = utcnow()
        await s.create_campaign("2021", 2021, now, now + timedelta(days=1), state="open")
        rid = (await s.start_response(DEMO_CLUSTER.cluster_id, "2021", "v1", 1)).response_id
        await asyncio.gather(*(s.save_answer(rid, f"q{i}", i, user_id=1) for i in range(10)))
        assert await s.answers(rid) == {f"q{i}": i for i in range(10)}
    finally:
        await s.close()


async def test_a_cancelled_batch_runner_leaves_no_caller_waiting(storage):
    """A shutdown waits for every update: a caller stuck on a dead batch would hang it."""
    rids = await _responses(storage, 4)
    first = asyncio.create_task(storage.save_answer(rids[0], "a", 1, user_id=1))
    for _ in range(3):  # the caller queues its job, the runner starts and takes it
        await asyncio.sleep(0)
    queued = [asyncio.create_task(storage.save_answer(r, "a", 1, user_id=1)) for r in rids[1:]]
    await asyncio.sleep(0)
    assert storage._writes._queued  # waiting for the next batch
    storage._writes._runner.cancel()
    outcomes = await asyncio.wait_for(asyncio.gather(*queued, return_exceptions=True), 5)
    assert all(isinstance(o, asyncio.CancelledError) for o in outcomes), outcomes
    await asyncio.gather(first, return_exceptions=True)
    await storage.save_answer(rids[1], "b", 2, user_id=1)  # a new runner serves new writes
    assert (await storage.answers(rids[1]))["b"] == 2


# -- one write path ------------------------------------------------------------------------------

# The clock of the `fixed` storage, and the times the callers below pass (all in 2030).
FIXED = datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)
GIVEN = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture
async def fixed(tmp_path):
    s = await Storage.open(tmp_path / "fixed.db", clock=lambda: FIXED)
    yield s
    await s.close()


async def _every_write(s: Storage) -> None:
    """Each public method that writes, once (on an empty database)."""
    await s.upsert_clusters([DEMO_CLUSTER, OTHER_CLUSTER], "t")
    await s.create_campaign("2021", 2021, GIVEN, GIVEN + timedelta(days=30), actor="t")
    await s.create_campaign("2020", 2020, GIVEN - timedelta(days=365), GIVEN, actor="t")
    await s.set_campaign_state("2021", "open", "t")
    await s.set_campaign_closes("2021", GIVEN + timedelta(days=60), "t")
    await s.create_invitation(DEMO_CLUSTER.cluster_id, "codigo-uno-123", GIVEN, "t")
    await s.create_invitation(OTHER_CLUSTER.cluster_id, "codigo-dos-456", GIVEN, "t")
    assert (await s.redeem_invitation("codigo-uno-123", 1, 1, "Ana"))[0] is Redeem.OK
    assert (await s.redeem_invitation("codigo-dos-456", 2, 2, "Beto"))[0] is Redeem.OK
    await s.record_consent(DEMO_CLUSTER.cluster_id, 1, "v1")
    await s.mark_reachable(1)
    rid = (await s.start_response(DEMO_CLUSTER.cluster_id, "2021", "v1", 1)).response_id
    await s.save_answer(rid, "a", 1, user_id=1, cursor=("b", "walk"))
    await s.set_cursor(rid, "b", "walk")
    await s.set_pending(rid, {"question": "b"})
    await s.submit_response(
        rid,
        version="v1",
        ims=50.0,
        level="intermedio",
        scores={"ims": 50.0, "areas": {}},
        answers={"a": 1},
        actor=1,
        cluster_id=DEMO_CLUSTER.cluster_id,
    )
    await s.reopen_response(rid, 1, DEMO_CLUSTER.cluster_id)
    old = Submitted(DEMO_CLUSTER.cluster_id, "v1", GIVEN, {"ims": 40.0, "level": "x"}, {"a": 2})
    assert await s.import_submissions("2020", [old], "t") == 1
    reminder = await s.begin_reminder(DEMO_CLUSTER.cluster_id, "2021", 1, "first", 1, GIVEN)
    assert reminder is not None
    await s.settle_reminder(
        reminder, "sent", message_id=5, unreachable=(DEMO_CLUSTER.cluster_id, 1)
    )
    await s.set_reminder_pref(
        DEMO_CLUSTER.cluster_id, "2021", opted_out=True, snoozed_until=GIVEN, actor=1
    )
    request = await s.request_deletion(2, OTHER_CLUSTER.cluster_id)
    assert await s.erase_person(request, "t") == 2
    await s.audit("t", "test", None, note="x")
    assert await s.first_time(1) is True
    assert await s.forget_updates_before(FIXED - timedelta(days=1)) == 0


async def test_every_trip_to_the_writer_is_a_batched_transaction(tmp_path, monkeypatch):
    """One write path: whatever a method writes, the writer's thread only ever runs batches."""
    s = await Storage.open(tmp_path / "spied.db")
    trips: list[str] = []
    call = s._writer.call

    async def spy(fn):
        trips.append(fn.__qualname__)
        return await call(fn)

    monkeypatch.setattr(s._writer, "call", spy)
    sizes = _batch_sizes(s._writes, monkeypatch)
    try:
        await _every_write(s)
    finally:
        await s.close()
    assert sizes and set(sizes) == {1}, sizes  # one job per call, none waiting
    assert trips == ["Connection.run_transaction.<locals>.batch"] * len(sizes)


async def test_a_multi_statement_write_is_one_job(storage, monkeypatch):
    await storage.create_invitation(
        DEMO_CLUSTER.cluster_id, "codigo-uno-123", utcnow() + timedelta(days=1), "cli"
    )
    sizes = _batch_sizes(storage._writes, monkeypatch)
    assert (await storage.redeem_invitation("codigo-uno-123", 1, 1, "Ana"))[0] is Redeem.OK
    assert sizes == [1]  # select, update, select, upsert, audit: one job of one batch


async def test_a_failing_multi_statement_write_rolls_back_alone_in_its_batch(storage, monkeypatch):
    rids = await _responses(storage, 2)
    scores = {"ims": 40.0, "level": "intermedio"}
    good = Submitted(DEMO_CLUSTER.cluster_id, "v1", utcnow(), scores, {"a": 1})
    bad = Submitted("no_such_cluster", "v1", utcnow(), scores, {"a": 1})  # a foreign key fails
    sizes = _batch_sizes(storage._writes, monkeypatch)
    outcomes = await asyncio.gather(
        storage.import_submissions("2021", [good, bad], "t"),
        *(storage.save_answer(rid, "a", 1, user_id=1) for rid in rids),
        return_exceptions=True,
    )
    assert sizes == [3]
    assert isinstance(outcomes[0], sqlite3.IntegrityError)
    assert outcomes[1:] == [None, None]
    assert await storage.existing_responses("2021") == {"g0", "g1"}  # not the good row either
    assert [await storage.answers(rid) for rid in rids] == [{"a": 1}, {"a": 1}]


def test_only_the_connection_module_begins_commits_or_rolls_back():
    pattern = re.compile(
        r"\b(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b|\.commit\(|\.rollback\(|executescript\("
    )
    package = Path(bot.storage.__file__).parent
    owners = [p.name for p in sorted(package.glob("*.py")) if pattern.search(p.read_text())]
    assert owners == ["connection.py"]


# -- the clock -----------------------------------------------------------------------------------


async def test_every_timestamp_written_comes_from_the_clock_or_the_caller(fixed, tmp_path):
    await _every_write(fixed)
    stored: dict[tuple[str, str], set[str]] = {}
    with closing(sqlite3.connect(tmp_path / "fixed.db")) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            cursor = conn.execute(f"SELECT * FROM {table}")
            names = [d[0] for d in cursor.description]
            for row in cursor:
                for name, value in zip(names, row, strict=True):
                    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT.*", value):
                        stored.setdefault((table, name), set()).add(value)
    clock = FIXED.isoformat()
    others = {v for values in stored.values() for v in values} - {clock}
    assert all(v.startswith(("2029", "2030")) for v in others), others  # passed by the callers
    from_clock = {column for column, values in stored.items() if values == {clock}}
    assert from_clock >= {
        ("clusters", "updated_at"),
        ("campaigns", "created_at"),
        ("invitations", "created_at"),
        ("invitations", "used_at"),
        ("members", "registered_at"),
        ("members", "consent_at"),
        ("members", "unreachable_at"),
        ("responses", "created_at"),
        ("responses", "updated_at"),
        ("answers", "answered_at"),
        ("seen_updates", "seen_at"),
        ("audit", "at"),
        ("reminders", "settled_at"),
        ("reminder_prefs", "opted_out_at"),
        ("data_requests", "created_at"),
        ("data_requests", "handled_at"),
    }
    assert stored[("reminders", "created_at")] == {GIVEN.isoformat()}  # the sender's time
    # A submission is stamped by the clock; an imported one keeps the time it was submitted.
    for column in (("responses", "submitted_at"), ("results", "submitted_at")):
        assert stored[column] == {clock, GIVEN.isoformat()}, column
    assert stored[("reminder_prefs", "snoozed_until")] == {GIVEN.isoformat()}


# -- typed rows ----------------------------------------------------------------------------------


async def test_rows_are_typed_and_frozen(fixed):
    await fixed.upsert_clusters([DEMO_CLUSTER], "t")
    await fixed.create_invitation(DEMO_CLUSTER.cluster_id, "codigo-uno-123", GIVEN, "t")
    await fixed.redeem_invitation("codigo-uno-123", 1, 10, "Ana")
    await fixed.record_consent(DEMO_CLUSTER.cluster_id, 1, "v1")
    request_id = await fixed.request_deletion(1, DEMO_CLUSTER.cluster_id)
    assert await fixed.request_deletion(1, DEMO_CLUSTER.cluster_id) == request_id  # still pending

    pending = DataRequest(
        request_id, 1, DEMO_CLUSTER.cluster_id, "deletion", "pending", FIXED, None, None
    )
    assert await fixed.data_requests() == [pending]
    assert await fixed.personal_data(1) == PersonalData(
        managers=(Registration(DEMO_CLUSTER.cluster_id, 1, 10, "Ana", FIXED, FIXED, "v1", None),),
        requests=(pending,),
        audit_entries=3,  # register, consent, deletion requested
    )
    log = await fixed.audit_log()
    assert log[0] == AuditEntry(
        log[0].audit_id, FIXED, "1", "data_deletion_requested", DEMO_CLUSTER.cluster_id, None
    )
    assert [e.action for e in log] == [
        "data_deletion_requested",
        "consent",
        "register",
        "invite",
        "import_clusters",
    ]
    assert log[1].detail == {"version": "v1"} and log[-1].detail == {"rows": 1}
    with pytest.raises(FrozenInstanceError):
        log[0].action = "x"  # type: ignore[misc]

    assert await fixed.erase_person(request_id, "admin") == 1
    assert await fixed.data_requests() == []
    (done,) = await fixed.data_requests(pending_only=False)
    assert done == DataRequest(
        request_id, 0, DEMO_CLUSTER.cluster_id, "deletion", "done", FIXED, FIXED, "admin"
    )
    assert await fixed.personal_data(1) == PersonalData((), (), 0)


# -- the connection and the schema ---------------------------------------------------------------


async def test_a_connection_runs_everything_on_one_thread_of_its_own(tmp_path):
    conn = await Connection.open(str(tmp_path / "x.db"))
    idents = await asyncio.gather(*(conn.call(lambda _: threading.get_ident()) for _ in range(20)))
    assert len(set(idents)) == 1 and idents[0] != threading.get_ident()
    # By the thread itself, not its ident: a thread started meanwhile may reuse the ident.
    (thread,) = [t for t in threading.enumerate() if t.ident == idents[0]]
    await conn.close()
    thread.join(timeout=10)  # aiosqlite's close returns once told, maybe a moment before the end
    assert not thread.is_alive(), "its thread has ended"
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        await conn.call(lambda db: db.execute("SELECT 1"))
    await conn.close()  # a second close is harmless


async def test_the_aiosqlite_internals_the_connection_uses_are_there(tmp_path):
    """Connection.call relies on aiosqlite's ``_execute`` and ``_conn`` (pinned minor version):
    this fails first if an upgrade changes them."""
    db = await aiosqlite.connect(str(tmp_path / "x.db"))
    try:
        raw = db._conn
        assert isinstance(raw, sqlite3.Connection)
        ident = await db._execute(lambda c: (c is raw, threading.get_ident()), raw)
        assert ident[0] is True and ident[1] != threading.get_ident()
    finally:
        await db.close()


async def test_an_older_file_is_migrated_all_or_nothing(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    with closing(sqlite3.connect(path)) as conn:
        conn.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")

    def tables() -> set[str]:
        with closing(sqlite3.connect(path)) as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            names = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            return names | {f"version {version}"}

    before = tables()
    # A later migration that fails half-way: neither it nor the ones before it land.
    monkeypatch.setattr(
        schema, "MIGRATIONS", (*MIGRATIONS, "CREATE TABLE x (a); CREATE TABLE clusters (a);")
    )
    with pytest.raises(sqlite3.OperationalError, match="already exists"):
        await Storage.open(path)
    assert tables() == before and "reminders" not in before
    monkeypatch.undo()
    s = await Storage.open(path)
    assert await s.schema_version() == len(MIGRATIONS)
    await s.close()
    assert tables() >= {
        "reminders",
        "reminder_prefs",
        "data_requests",
        f"version {len(MIGRATIONS)}",
    }


async def test_erasure_clears_the_persons_unreplied_updates_and_owed_results(storage):
    """Ley 1581: an update kept in the inbox for a replay carries what the person typed."""
    import json

    mine = {"update_id": 71, "message": {"from": {"id": 5}, "chat": {"id": 5}, "text": "Ana"}}
    press = {"update_id": 72, "callback_query": {"from": {"id": 5}, "data": "go"}}
    other = {"update_id": 73, "message": {"from": {"id": 6}, "chat": {"id": 6}, "text": "Luis"}}
    await storage.keep_updates([(u["update_id"], json.dumps(u)) for u in (mine, press, other)])
    request = await storage.request_deletion(5, None)
    assert await storage.erase_person(request, "admin") == 5
    left = [json.loads(body) for body in await storage.unreplied_updates()]
    assert [u["update_id"] for u in left] == [73]


async def test_erasure_drops_an_admins_desk_input_waiting_in_the_chat(storage):
    from bot.storage.desk_inputs import DeskInput

    await storage.put_desk_input(DeskInput(5, "ask", DEMO_CLUSTER.cluster_id, "2021", (), "pick"))
    await storage.put_desk_input(DeskInput(6, "ask", DEMO_CLUSTER.cluster_id, "2021", (), "pick"))
    await storage.erase_person(await storage.request_deletion(5, None), "admin")
    assert await storage.desk_input(5) is None
    assert await storage.desk_input(6) is not None
