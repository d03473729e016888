"""The inbox's costs kept small without weakening it (issue 17): keeping a page tells which
updates are new, so those are not looked up again; the replied marks of many updates are one
job, queued before any later write."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading

import pytest

from bot.storage import Storage


@pytest.fixture
async def storage(tmp_path):
    s = await Storage.open(tmp_path / "ssme.db")
    yield s
    await s.close()


def _update(update_id: int, user: int = 5) -> tuple[int, str]:
    body = {"update_id": update_id, "message": {"from": {"id": user}, "chat": {"id": user}}}
    return update_id, json.dumps(body)


async def test_a_new_update_is_known_new_without_a_read_and_only_once(storage, monkeypatch):
    await storage.keep_updates([_update(1), _update(2)])
    reads: list[str] = []
    real = Storage._one

    async def counted(self, sql, params=()):  # type: ignore[no-untyped-def]
        reads.append(sql)
        return await real(self, sql, params)

    monkeypatch.setattr(Storage, "_one", counted)
    assert await storage.seen(1) == (False, False)
    assert reads == []  # answered from what keeping it found
    assert await storage.seen(1) == (False, False)  # a second copy is looked up
    assert len(reads) == 1


async def test_keeping_an_update_already_seen_does_not_take_it_for_new(storage):
    """Seen but no longer (or never) in the inbox, e.g. handled from a webhook: a copy fetched
    again is a re-delivery, whatever the inbox says."""
    assert await storage.first_time(3) is True
    await storage.keep_updates([_update(3)])
    assert await storage.seen(3) == (True, False)


async def test_an_update_kept_twice_is_a_redelivery(storage):
    await storage.keep_updates([_update(4)])
    assert await storage.seen(4) == (False, False)
    storage.handling(4)
    await asyncio.shield(storage.mark_replied(4))
    await storage.keep_updates([_update(4)])  # Telegram sends it again
    assert await storage.seen(4) == (True, True)


async def test_the_replied_marks_of_many_updates_are_one_job(storage, tmp_path):
    await storage.keep_updates([_update(i) for i in range(10, 60)])
    futures = set()
    for i in range(10, 60):
        storage.handling(i)
        futures.add(storage.mark_replied(i))
    assert len(futures) == 1  # one job for all fifty
    await asyncio.shield(futures.pop())
    with sqlite3.connect(tmp_path / "ssme.db") as db:
        replied = db.execute(
            "SELECT count(*) FROM inbox WHERE replied_at IS NOT NULL AND body IS NULL"
        ).fetchone()[0]
        seen = db.execute("SELECT count(*) FROM seen_updates").fetchone()[0]
    assert (replied, seen) == (50, 50)
    assert await storage.unreplied_updates() == []


async def test_a_failed_update_is_marked_replied_but_not_seen(storage):
    await storage.keep_updates([_update(70)])
    storage.handling(None)  # what the error handler does
    await asyncio.shield(storage.mark_replied(70))
    assert await storage.seen(70) == (False, True)


async def test_a_write_queued_after_a_replied_mark_never_commits_before_it(storage, tmp_path):
    """The mark is not waited for: the next update's effect must not land without it."""
    await storage.keep_updates([_update(80)])
    storage.handling(80)
    storage.mark_replied(80)  # not awaited, as the handler does
    storage.handling(81)
    assert await storage.first_time(82) is True  # a later update's write, awaited
    storage.handling(None)
    with sqlite3.connect(tmp_path / "ssme.db") as db:
        (replied,) = db.execute("SELECT replied_at FROM inbox WHERE update_id = 80").fetchone()
    assert replied is not None


async def test_pending_marks_are_written_when_storage_closes(tmp_path):
    s = await Storage.open(tmp_path / "ssme.db")
    await s.keep_updates([_update(90)])
    s.handling(90)
    s.mark_replied(90)
    await s.close()
    s = await Storage.open(tmp_path / "ssme.db")
    try:
        assert await s.seen(90) == (True, True)
    finally:
        await s.close()


async def test_a_copy_handled_before_the_replied_mark_commits_is_told_it_was_replied(storage):
    """A re-delivery of an update just handled, looked up while its mark is still queued, must
    not look 'seen but not replied' (which would show the manager the question again)."""
    await storage.keep_updates([_update(95)])
    assert await storage.seen(95) == (False, False)
    storage.handling(95)
    await storage.first_time(96)  # the update's effect, committed (and marked seen)
    storage.handling(None)
    # The writer is held in a batch (a slow disk) until the look-up is done: the mark, queued
    # after it, is surely not committed when the copy is looked up.
    gate = threading.Event()
    held = asyncio.ensure_future(storage._writes(lambda db: gate.wait(10)))
    while storage._writes._queued:  # noqa: ASYNC110 - until the held batch is in its thread
        await asyncio.sleep(0)
    storage.handling(95)
    storage.mark_replied(95)  # queued, not awaited, as the handler does
    try:
        assert await storage.seen(95) == (True, True)
    finally:
        gate.set()
        await held
