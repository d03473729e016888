"""The reminder sender (bot/services/reminders.py) against a real database and a scripted channel:
the outbound policy with the reminders' own rule, "claim before send, release while waiting"."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import time, timedelta
from pathlib import Path

import pytest

from bot.conversation import callbacks as cb
from bot.conversation.actions import Button
from bot.delivery import MAX_ATTEMPTS, SENT, Kind, Outcome
from bot.local import DEMO_CLUSTER, seed
from bot.questionnaire.model import Questionnaire
from bot.services.reminders import send_due
from bot.storage import Storage, utcnow
from config import ReminderPolicy

ANY_TIME = ReminderPolicy(
    weekdays_only=False,
    skip_holidays=False,
    window_start=time(0, 0),
    window_end=time(23, 59, 59),
    first_after=timedelta(0),
)
CHAT = 4242


@dataclass
class Scripted:
    """A channel that answers each try with the next outcome, noting the rows at every try."""

    outcomes: list[Outcome]
    db_path: Path
    tries: list[tuple[int, str, Sequence[Sequence[Button]]]] = field(default_factory=list)
    rows_at_try: list[list[tuple[str, int | None]]] = field(default_factory=list)
    tried: asyncio.Event = field(default_factory=asyncio.Event)

    async def send_text(
        self, chat_id: int, text: str, buttons: Sequence[Sequence[Button]]
    ) -> tuple[Outcome, int | None]:
        self.tries.append((chat_id, text, buttons))
        self.rows_at_try.append(rows(self.db_path))
        self.tried.set()
        outcome = self.outcomes[min(len(self.tries), len(self.outcomes)) - 1]
        return outcome, (len(self.tries) if outcome.kind is Kind.SENT else None)


def rows(db_path: Path) -> list[tuple[str, int | None]]:
    with sqlite3.connect(db_path) as db:
        return db.execute("SELECT status, slot FROM reminders ORDER BY reminder_id").fetchall()


@dataclass
class Db:
    storage: Storage
    path: Path


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Db]:
    db_path = tmp_path / "ssme.db"
    await seed(db_path, [DEMO_CLUSTER])
    registered = (utcnow() - timedelta(days=5)).isoformat(timespec="seconds")
    with sqlite3.connect(db_path) as db:
        db.execute(
            "INSERT INTO members (cluster_id, user_id, chat_id, name, registered_at, consent_at) "
            "VALUES (?, ?, ?, 'Gestor', ?, ?)",
            (DEMO_CLUSTER.cluster_id, CHAT, CHAT, registered, registered),
        )
    storage = await Storage.open(db_path)
    try:
        yield Db(storage, db_path)
    finally:
        await storage.close()


async def send(db: Db, q: Questionnaire, *outcomes: Outcome) -> tuple:
    channel = Scripted(list(outcomes), db.path)
    report, _ = await send_due(channel, db.storage, q, ANY_TIME, utcnow())
    return report, channel


async def test_a_reminder_goes_out_once_with_its_buttons(
    db: Db, questionnaire: Questionnaire
) -> None:
    report, channel = await send(db, questionnaire, SENT)
    assert (report.sent, report.failed, report.unreachable) == (1, 0, 0)
    [(chat, text, buttons)] = channel.tries
    assert chat == CHAT and DEMO_CLUSTER.nombre in text
    assert [[b.label for b in row] for row in buttons] == [
        ["Empezar ➡️"],
        ["Recordarme mañana ⏰"],
        ["No más recordatorios"],
    ]
    assert [b.callback for row in buttons for b in row] == [
        cb.Resume(),
        cb.Snooze("2021"),
        cb.StopReminders("2021"),
    ]
    assert channel.rows_at_try == [[("sending", 0)]], "claimed before the send"
    assert rows(db.path) == [("sent", 0)]


async def test_a_429_releases_the_claim_before_the_wait(
    db: Db, questionnaire: Questionnaire
) -> None:
    db_path = db.path
    channel = Scripted([Outcome(Kind.RETRY_AFTER, 0.6), SENT], db_path)
    sending = asyncio.create_task(send_due(channel, db.storage, questionnaire, ANY_TIME, utcnow()))
    await channel.tried.wait()
    await asyncio.sleep(0.3)  # in the middle of the wait Telegram asked for
    assert rows(db_path) == [("failed", None)], "released while waiting: a crash loses nothing"
    report, _ = await sending
    assert report.sent == 1 and len(channel.tries) == 2
    assert channel.rows_at_try[1] == [("failed", None), ("sending", 0)], "claimed again"
    assert rows(db_path) == [("failed", None), ("sent", 0)]


async def test_a_storm_gives_up_after_the_policys_tries_and_leaves_it_due(
    db: Db, questionnaire: Questionnaire
) -> None:
    report, channel = await send(db, questionnaire, Outcome(Kind.TEMPORARY))
    assert (report.sent, report.failed) == (0, 1)
    assert len(channel.tries) == MAX_ATTEMPTS
    assert rows(db.path) == [("failed", None)] * MAX_ATTEMPTS
    report, channel = await send(db, questionnaire, SENT)  # the next run sends it
    assert report.sent == 1


async def test_a_time_out_counts_as_sent_and_is_never_repeated(
    db: Db, questionnaire: Questionnaire
) -> None:
    report, channel = await send(db, questionnaire, Outcome(Kind.MAYBE_SENT))
    assert report.sent == 1 and len(channel.tries) == 1
    assert rows(db.path) == [("sent", 0)], "at most once: the claim stands"
    report, channel = await send(db, questionnaire, SENT)
    assert report.sent == 0 and channel.tries == []


async def test_a_403_marks_the_manager_unreachable_and_a_400_is_not_retried(
    db: Db, questionnaire: Questionnaire
) -> None:
    report, channel = await send(db, questionnaire, Outcome(Kind.REJECTED))
    assert (report.failed, len(channel.tries)) == (1, 1)
    report, channel = await send(db, questionnaire, Outcome(Kind.FORBIDDEN))
    assert (report.unreachable, len(channel.tries)) == (1, 1)
    with sqlite3.connect(db.path) as conn:
        assert conn.execute("SELECT unreachable_at FROM managers").fetchone()[0] is not None
    report, channel = await send(db, questionnaire, SENT)
    assert channel.tries == [], "never again to an unreachable manager"
