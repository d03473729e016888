"""F1: a confirmed answer is on disk. The writer fsyncs every commit (synchronous=FULL), and the
bot confirms an answer (sends the next question) only once its commit has returned."""

from __future__ import annotations

import asyncio

import pytest

from bot.storage import Storage
from tests.conftest import example
from tests.e2e import settle

SYNCHRONOUS_FULL = 2


async def test_the_writer_fsyncs_every_commit(tmp_path):
    storage = await Storage.open(tmp_path / "ssme.db")
    try:
        mode = await storage._writer.call(lambda c: c.execute("PRAGMA synchronous").fetchone()[0])
        journal = await storage._writer.call(lambda c: c.execute("PRAGMA journal_mode").fetchone())
    finally:
        await storage.close()
    assert mode == SYNCHRONOUS_FULL
    assert journal[0] == "wal"


@pytest.mark.e2e
async def test_the_next_question_waits_for_the_answers_commit(env):
    manager = env.manager()
    first = await manager.register()
    assert env.bot.app is not None
    writes = env.bot.app.bot_data.storage._writes
    commit = writes._run
    gate = asyncio.Event()
    held: list[int] = []

    async def held_back(jobs):  # the writer's batch, its commit held until the gate opens
        held.append(len(jobs))
        await gate.wait()
        return await commit(jobs)

    writes._run = held_back
    qid = manager.current_id
    assert qid is not None
    waiting = asyncio.create_task(manager.answer(example("consolidado")[qid]))
    await settle(1.0)
    assert held, "the answer went to the writer"
    assert not waiting.done(), "no next question while the answer's commit is held back"
    assert qid not in env.stored_answers()
    gate.set()
    second = await waiting
    assert second.seq > first.seq
    assert qid in env.stored_answers(), "committed before the next question was sent"
    writes._run = commit
