"""Tests of bot.handlers.processor.PerUserUpdateProcessor: per-user order, cross-user concurrency."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime
from typing import Any

import pytest
from telegram import Chat, Message, Update, User
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters
from telegram.request import BaseRequest, RequestData

from bot.handlers.processor import SHARED_KEY, PerUserUpdateProcessor

STEP = 0.05  # seconds one simulated handler takes

_update_ids = itertools.count(1)


def message_update(user_id: int, text: str = "hola") -> Update:
    """A private-chat text message from ``user_id``, as Telegram would deliver it."""
    user = User(id=user_id, first_name=f"Gestor {user_id}", is_bot=False)
    chat = Chat(id=user_id, type=Chat.PRIVATE)
    update_id = next(_update_ids)
    message = Message(
        message_id=update_id, date=datetime.now(UTC), chat=chat, from_user=user, text=text
    )
    return Update(update_id, message=message)


def poll_update() -> Update:
    """An update with neither a user nor a chat."""
    return Update.de_json(
        {
            "update_id": next(_update_ids),
            "poll": {
                "id": "p1",
                "question": "¿?",
                "options": [
                    {"text": "sí", "voter_count": 1, "persistent_id": "o1"},
                    {"text": "no", "voter_count": 0, "persistent_id": "o2"},
                ],
                "total_voter_count": 1,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
                "allows_revoting": False,
                "members_only": False,
            },
        },
        None,
    )


class Recorder:
    """Builds handler coroutines that log (event, label, time) and track how many overlap."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, float]] = []
        self.running = 0
        self.max_running = 0

    async def work(self, label: str, delay: float = STEP, fail: bool = False) -> None:
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        self.events.append(("start", label, time.perf_counter()))
        try:
            await asyncio.sleep(delay)
            if fail:
                raise RuntimeError(f"boom in {label}")
        finally:
            self.running -= 1
            self.events.append(("end", label, time.perf_counter()))

    def at(self, event: str, label: str) -> float:
        return next(t for e, lbl, t in self.events if e == event and lbl == label)

    def sequence(self) -> list[tuple[str, str]]:
        return [(e, lbl) for e, lbl, _ in self.events]


@pytest.fixture
async def processor() -> AsyncIterator[PerUserUpdateProcessor]:
    async with PerUserUpdateProcessor(8) as proc:
        yield proc


def submit(
    proc: PerUserUpdateProcessor, jobs: list[tuple[object, Awaitable[Any]]]
) -> list[asyncio.Task[None]]:
    """Hand the updates to the processor in list order, concurrently, as Application does."""
    return [asyncio.create_task(proc.process_update(u, c)) for u, c in jobs]


def assert_idle(proc: PerUserUpdateProcessor) -> None:
    assert proc._keys == {}
    assert proc.current_concurrent_updates == 0


# --- keys -----------------------------------------------------------------------------------


def test_key_is_user_then_chat_then_shared() -> None:
    assert PerUserUpdateProcessor.key_for(message_update(42)) == 42
    channel = Chat(id=-100123, type=Chat.CHANNEL)
    post = Message(message_id=1, date=datetime.now(UTC), chat=channel, text="x")
    assert PerUserUpdateProcessor.key_for(Update(1, channel_post=post)) == -100123
    assert PerUserUpdateProcessor.key_for(poll_update()) is SHARED_KEY
    assert PerUserUpdateProcessor.key_for(Update(2)) is SHARED_KEY
    assert PerUserUpdateProcessor.key_for("not an update") is SHARED_KEY


# --- ordering and concurrency -----------------------------------------------------------------


async def test_same_user_runs_in_order_without_overlap(processor: PerUserUpdateProcessor) -> None:
    rec = Recorder()
    labels = [f"a{i}" for i in range(5)]
    # Decreasing delays: if updates were merely started in order, the later ones would end first.
    jobs = [(message_update(1), rec.work(lbl, STEP * (5 - i) / 5)) for i, lbl in enumerate(labels)]
    await asyncio.gather(*submit(processor, jobs))

    assert rec.sequence() == [(e, lbl) for lbl in labels for e in ("start", "end")]
    assert rec.max_running == 1
    assert_idle(processor)


async def test_different_users_overlap(processor: PerUserUpdateProcessor) -> None:
    rec = Recorder()
    delay = 0.2
    jobs = [(message_update(uid), rec.work(f"u{uid}", delay)) for uid in range(1, 6)]
    started = time.perf_counter()
    await asyncio.gather(*submit(processor, jobs))
    elapsed = time.perf_counter() - started

    assert rec.max_running == 5
    assert elapsed < 2 * delay  # one step, not five (1.0 s)
    assert_idle(processor)


async def test_global_limit_is_respected() -> None:
    rec = Recorder()
    seen_by_processor: list[int] = []
    async with PerUserUpdateProcessor(3) as proc:

        async def work(label: str) -> None:
            seen_by_processor.append(proc.current_concurrent_updates)
            await rec.work(label)

        jobs = [(message_update(uid), work(f"u{uid}")) for uid in range(1, 11)]
        await asyncio.gather(*submit(proc, jobs))
        assert_idle(proc)

    assert rec.max_running == 3  # the limit is both reached and never exceeded
    assert max(seen_by_processor) <= 3
    assert len(rec.events) == 20


async def test_waiting_update_of_same_user_does_not_hold_a_slot() -> None:
    rec = Recorder()
    async with PerUserUpdateProcessor(2) as proc:
        jobs = [(message_update(1), rec.work(f"a{i}")) for i in range(1, 4)]
        jobs.append((message_update(2), rec.work("b1")))
        tasks = submit(proc, jobs)

        # While a1 runs, a2 and a3 wait for user 1's turn without a slot: only a1 holds one,
        # so b1 (arriving after them) gets the second slot straight away.
        await asyncio.sleep(STEP / 2)
        assert [lbl for e, lbl in rec.sequence() if e == "start"] == ["a1", "b1"]
        assert proc.current_concurrent_updates == 2
        await asyncio.gather(*tasks)
        assert_idle(proc)

    assert rec.at("start", "b1") < rec.at("end", "a1") < rec.at("end", "a2")
    assert [lbl for e, lbl in rec.sequence() if e == "start" and lbl[0] == "a"] == [
        "a1",
        "a2",
        "a3",
    ]


async def test_burst_of_one_user_does_not_starve_others() -> None:
    # Fifty queued updates of one manager must not keep a second manager waiting for a slot.
    rec = Recorder()
    async with PerUserUpdateProcessor(2) as proc:
        jobs = [(message_update(1), rec.work(f"a{i}", 0.005)) for i in range(50)]
        jobs.append((message_update(2), rec.work("b")))
        await asyncio.gather(*submit(proc, jobs))
        assert_idle(proc)

    assert rec.at("start", "b") < rec.at("end", "a0")


# --- failures -----------------------------------------------------------------------------------


async def test_exception_does_not_block_next_update_of_same_user(
    processor: PerUserUpdateProcessor,
) -> None:
    rec = Recorder()
    jobs = [
        (message_update(1), rec.work("a1", fail=True)),
        (message_update(1), rec.work("a2")),
        (message_update(1), rec.work("a3", fail=True)),
        (message_update(1), rec.work("a4")),
    ]
    results = await asyncio.gather(*submit(processor, jobs), return_exceptions=True)

    # The error reaches the caller of that update only (Application logs / handles it there).
    assert [type(r) for r in results] == [RuntimeError, type(None), RuntimeError, type(None)]
    assert rec.sequence() == [(e, f"a{i}") for i in range(1, 5) for e in ("start", "end")]
    assert_idle(processor)


async def test_cancelling_a_waiting_update_keeps_order_and_slots() -> None:
    rec = Recorder()
    async with PerUserUpdateProcessor(2) as proc:
        jobs = [(message_update(1), rec.work(f"a{i}")) for i in range(1, 4)]
        tasks = submit(proc, jobs)
        await asyncio.sleep(STEP / 2)  # a1 running, a2 and a3 waiting for their turn

        tasks[1].cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert isinstance(results[1], asyncio.CancelledError)
        # The semaphore is back to its full size: neither leaked nor widened.
        assert_idle(proc)
        assert proc._semaphore.current_value == 2

        # And the processor still enforces its limit afterwards.
        more = [(message_update(uid), rec.work(f"u{uid}")) for uid in range(10, 16)]
        rec.max_running = 0
        await asyncio.gather(*submit(proc, more))
        assert rec.max_running == 2
        assert_idle(proc)

    assert [lbl for e, lbl in rec.sequence() if e == "start" and lbl[0] == "a"] == ["a1", "a3"]


async def test_cancelling_while_taking_the_slot_back_keeps_the_limit() -> None:
    rec = Recorder()
    async with PerUserUpdateProcessor(2) as proc:
        jobs = [
            (message_update(1), rec.work("a1")),
            (message_update(1), rec.work("a2")),
            (message_update(1), rec.work("a3")),
            (message_update(2), rec.work("b1", 3 * STEP)),
            (message_update(3), rec.work("c1", 3 * STEP)),
        ]
        tasks = submit(proc, jobs)
        # a1 ends at STEP: a2 gets user 1's turn, but b1 and c1 (queued for a slot since the
        # start) now hold both, so a2 is itself queued for a slot when it is cancelled.
        await asyncio.sleep(1.5 * STEP)
        assert proc.current_concurrent_updates == 2
        tasks[1].cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert isinstance(results[1], asyncio.CancelledError)
        assert [r for i, r in enumerate(results) if i != 1] == [None] * 4
        assert_idle(proc)
        assert proc._semaphore.current_value == 2

    assert ("start", "a2") not in rec.sequence()
    assert rec.max_running == 2
    assert rec.at("start", "a3") > rec.at("end", "a1")


async def test_cancelling_a_running_update_releases_its_user(
    processor: PerUserUpdateProcessor,
) -> None:
    rec = Recorder()
    jobs = [(message_update(1), rec.work("a1", 10)), (message_update(1), rec.work("a2"))]
    tasks = submit(processor, jobs)
    await asyncio.sleep(STEP / 2)
    tasks[0].cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    assert ("end", "a2") in rec.sequence()
    assert_idle(processor)


# --- bookkeeping and odd updates -----------------------------------------------------------------


async def test_per_key_state_is_dropped_when_idle(processor: PerUserUpdateProcessor) -> None:
    rec = Recorder()
    jobs = [(message_update(uid), rec.work(f"u{uid}", 0.001)) for uid in range(1, 1001)]
    tasks = submit(processor, jobs)
    await asyncio.sleep(0)  # every task has started: 8 hold a slot, the rest queue for one
    assert len(processor._keys) == processor.max_concurrent_updates
    await asyncio.gather(*tasks)

    assert len(rec.events) == 2000
    assert len(processor._keys) == 0
    assert_idle(processor)


async def test_updates_without_user_are_processed(processor: PerUserUpdateProcessor) -> None:
    rec = Recorder()
    jobs: list[tuple[object, Awaitable[Any]]] = [
        (poll_update(), rec.work("poll")),
        (Update(next(_update_ids)), rec.work("bare")),
        (object(), rec.work("custom")),
        (message_update(7), rec.work("user")),
    ]
    await asyncio.gather(*submit(processor, jobs))

    assert {lbl for e, lbl in rec.sequence() if e == "end"} == {"poll", "bare", "custom", "user"}
    # The three ownerless updates share one key and therefore run one after another ...
    shared = [(e, lbl) for e, lbl in rec.sequence() if lbl != "user"]
    assert shared == [(e, lbl) for lbl in ("poll", "bare", "custom") for e in ("start", "end")]
    # ... while the user's update did not wait for them.
    assert rec.at("start", "user") < rec.at("end", "poll")
    assert_idle(processor)


def test_rejects_non_positive_limit() -> None:
    with pytest.raises(ValueError):
        PerUserUpdateProcessor(0)


# --- end to end through telegram.ext.Application -------------------------------------------------


class GetMeOnlyRequest(BaseRequest):
    """Answers getMe so Application.initialize() works offline; any other call is a test bug."""

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | None = None,
        write_timeout: float | None = None,
        connect_timeout: float | None = None,
        pool_timeout: float | None = None,
    ) -> tuple[int, bytes]:
        if url.endswith("/getMe"):
            me = {"id": 123, "is_bot": True, "first_name": "SSME", "username": "ssme_bot"}
            return 200, json.dumps({"ok": True, "result": me}).encode()
        raise AssertionError(f"unexpected Bot API call {url}")


async def test_application_end_to_end() -> None:
    handled: list[tuple[str, int, str, float]] = []

    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_user is not None and update.effective_message is not None
        uid, text = update.effective_user.id, update.effective_message.text or ""
        handled.append(("start", uid, text, time.perf_counter()))
        await asyncio.sleep(STEP)
        handled.append(("end", uid, text, time.perf_counter()))

    app = (
        ApplicationBuilder()
        .token("123:ABC")
        .request(GetMeOnlyRequest())
        .get_updates_request(GetMeOnlyRequest())
        .concurrent_updates(PerUserUpdateProcessor(64))
        .updater(None)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, on_text))

    users = [1, 2, 3, 4]
    per_user = 4
    async with app:  # initialize() / shutdown(); getMe is answered by the stub
        assert app.bot.username == "ssme_bot"
        await app.start()
        started = time.perf_counter()
        for i in range(per_user):  # interleaved, as messages from several managers arrive
            for uid in users:
                await app.update_queue.put(message_update(uid, f"m{i}"))
        await app.update_queue.join()
        elapsed = time.perf_counter() - started
        await app.stop()

    assert len(handled) == 2 * per_user * len(users)
    for uid in users:
        mine = [(e, text) for e, u, text, _ in handled if u == uid]
        assert mine == [(e, f"m{i}") for i in range(per_user) for e in ("start", "end")]
    # Different users overlapped: the first message of every user started before any finished.
    first_end = next(t for e, *_, t in handled if e == "end")
    assert sum(1 for e, *_, t in handled if e == "start" and t < first_end) == len(users)
    # Four rounds of one step each, not sixteen steps back to back.
    assert elapsed < per_user * len(users) * STEP / 2
