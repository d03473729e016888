"""Reminders end to end: the bot's own timer, the local Bot API server, a real database.

The bot's clock is moved forward (``bot_data.clock``) so reminders fall due without waiting
days; everything else is real: the JobQueue job, the sends, the buttons, the records.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.handlers.jobs import schedule_reminders
from bot.local import DEMO_CLUSTER, seed
from bot.reminders.policy import ReminderPolicy, next_allowed_moment
from bot.storage import Cluster, utcnow
from local_botapi.server import BotApiServer
from tests.conftest import example
from tests.e2e import settle

pytestmark = pytest.mark.e2e

POLICY = ReminderPolicy()


def later(days: float) -> datetime:
    """An allowed sending moment (weekday, 8–18 Bogotá, no holiday) some days from now."""
    return next_allowed_moment(POLICY, utcnow() + timedelta(days=days))


async def run_reminders(env, now: datetime) -> None:
    app = env.bot.app
    app.bot_data.clock = lambda: now
    schedule_reminders(app, timedelta(0))
    await settle(0.8)


def reminders(env) -> list[sqlite3.Row]:
    with env.db() as db:
        return db.execute("SELECT * FROM reminders ORDER BY reminder_id").fetchall()


async def test_draft_reminder_says_what_is_left_and_its_buttons_work(env):
    ana = env.manager()
    await ana.register()
    answers = example("consolidado")
    await ana.answer_all(answers, stop_before="estrategia_formalizacion")
    now = later(3)
    await run_reminders(env, now)
    reminder = await ana.next_send("Faltan")
    assert "Faltan 39 de 41 preguntas" in reminder.text
    assert "Clúster de Cafés Especiales del Huila" in reminder.text
    assert reminder.buttons == ["Continuar ➡️", "Recordarme mañana ⏰", "No más recordatorios"]
    [row] = reminders(env)
    assert (row["kind"], row["status"], row["slot"]) == ("continue", "sent", 0)

    # Continuar resumes at the right question.
    ana.press(reminder.message_id, "go")
    resumed = await ana.next_question()
    assert "pregunta 3 de 41" in resumed.text

    # A second run at the same moment sends nothing more.
    await run_reminders(env, now)
    assert len(reminders(env)) == 1

    # Snooze: nothing before tomorrow 8:00, then one reminder.
    ana.press(reminder.message_id, f"rem:snooze:{env.seeded.campaign_id}")
    snoozed = await ana.next_send("se lo recordamos")
    assert "8:00" in snoozed.text
    await run_reminders(env, now + timedelta(hours=2))
    assert len(reminders(env)) == 1
    tomorrow = next_allowed_moment(POLICY, now + timedelta(days=1)).replace(hour=8, minute=0)
    await run_reminders(env, next_allowed_moment(POLICY, tomorrow))
    again = await ana.next_send("Faltan")
    assert again.message_id != reminder.message_id
    assert len(reminders(env)) == 2

    # Stop: no more reminders in this campaign.
    ana.press(again.message_id, f"rem:stop:{env.seeded.campaign_id}")
    assert "no le enviaremos más recordatorios" in (await ana.next_send()).text
    await run_reminders(env, later(9))
    assert len(reminders(env)) == 2


async def test_nobody_submitted_or_blocked_gets_one_and_403_marks_unreachable(env):
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("joven"))
    await ana.submit()
    luis = env.manager(user_id=2002, cluster_id="software_caldas", first_name="Luis")
    await luis.register()
    env.server.block_user(luis.user_id)
    await run_reminders(env, later(3))
    rows = reminders(env)
    assert [(r["cluster_id"], r["status"]) for r in rows] == [("software_caldas", "failed")]
    assert "403" in rows[0]["error"]
    with env.db() as db:
        (unreachable,) = db.execute(
            "SELECT unreachable_at FROM managers WHERE cluster_id = 'software_caldas'"
        ).fetchone()
    assert unreachable is not None
    calls = len(env.server.calls("sendMessage"))
    await run_reminders(env, later(7))
    assert len(env.server.calls("sendMessage")) == calls, "an unreachable manager is not retried"
    # Writing to the bot again (unblocked) makes the manager reachable.
    env.server.unblock_user(luis.user_id)
    await luis.send("/continuar")
    await luis.next_send()
    with env.db() as db:
        assert (
            db.execute(
                "SELECT unreachable_at FROM managers WHERE cluster_id = 'software_caldas'"
            ).fetchone()[0]
            is None
        )


def seed_registered(db_path: Path, n: int, registered_days_ago: int = 5) -> list[int]:
    """n clusters, each with a manager who accepted the notice and never started."""
    import asyncio

    clusters = [
        Cluster(**{**DEMO_CLUSTER.__dict__, "cluster_id": f"c{i:04d}", "nombre": f"Clúster {i}"})
        for i in range(n)
    ]
    asyncio.run(seed(db_path, clusters))
    registered = (utcnow() - timedelta(days=registered_days_ago)).isoformat(timespec="seconds")
    users = [100_000 + i for i in range(n)]
    with sqlite3.connect(db_path) as db:
        db.executemany(
            "INSERT INTO members (cluster_id, user_id, chat_id, name, registered_at, consent_at) "
            "VALUES (?, ?, ?, 'Gestor', ?, ?)",
            [
                (c.cluster_id, u, u, registered, registered)
                for c, u in zip(clusters, users, strict=True)
            ],
        )
        db.execute(
            "UPDATE campaigns SET opens_at = ?",
            ((utcnow() - timedelta(days=registered_days_ago)).isoformat(timespec="seconds"),),
        )
    return users


ANY_TIME = {
    "SSME_REMINDERS__WEEKDAYS_ONLY": "false",
    "SSME_REMINDERS__SKIP_HOLIDAYS": "false",
    "SSME_REMINDERS__WINDOW_START": "00:00",
    "SSME_REMINDERS__WINDOW_END": "23:59",
}


def start_bot(server: BotApiServer, db_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        **ANY_TIME,
        "SSME_TELEGRAM_TOKEN": server.token,
        "SSME_TELEGRAM_API_URL": server.base_url,
        "SSME_DB_PATH": str(db_path),
        "SSME_CHART_WORKERS": "0",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run"],
        env=env,
        cwd=db_path.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def delivered(server: BotApiServer, users: list[int]) -> dict[int, int]:
    counts = dict.fromkeys(users, 0)
    for message in server.sent():
        if message.chat_id in counts:
            counts[message.chat_id] += 1
    return counts


def claimed(db_path: Path) -> int:
    """Clusters whose reminder is sent or claimed: the batch is over when all are."""
    with sqlite3.connect(db_path) as db:
        return db.execute(
            "SELECT count(DISTINCT cluster_id) FROM reminders WHERE status != 'failed'"
        ).fetchone()[0]


def wait_until(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("kill", [False, True])
def test_batch_under_a_rate_limit_survives_kill_9_exactly_once(tmp_path, kill):
    n = 60
    db_path = tmp_path / "ssme.db"
    users = seed_registered(db_path, n)
    with BotApiServer(rate_limit_per_second=20) as server:
        proc = start_bot(server, db_path)
        try:
            if kill:
                assert wait_until(lambda: sum(delivered(server, users).values()) >= n // 3, 60)
                proc.send_signal(signal.SIGKILL)
                proc.wait(10)
                proc = start_bot(server, db_path)
            assert wait_until(lambda: claimed(db_path) == n, 60)
            time.sleep(1.0)  # anything extra would arrive now
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        counts = delivered(server, users)
        stats = server.stats()
    assert max(counts.values()) == 1, "nobody gets a reminder twice"
    assert stats["429"] > 0, "the server's limit (20/s) is under the sender's pace: it must adapt"
    missed = sorted(u for u, c in counts.items() if c == 0)
    with sqlite3.connect(db_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        states = dict(
            db.execute("SELECT status, count(*) FROM reminders GROUP BY status").fetchall()
        )
        in_flight = {
            int(r[0][1:]) + 100_000
            for r in db.execute("SELECT cluster_id FROM reminders WHERE status = 'sending'")
        }
    if not kill:
        assert missed == [] and states.get("sent") == n and "sending" not in states
    else:
        # The kill may catch a request in flight: it is never re-sent (at most once), and it
        # is the only way to miss one. Everything else went out exactly once.
        assert set(missed) <= in_flight and len(in_flight) <= 4
        assert states["sent"] + len(in_flight) >= n


async def test_the_scheduler_opens_and_closes_campaigns(env):
    with env.db() as db:
        db.execute("UPDATE campaigns SET state = 'scheduled'")
    await run_reminders(env, utcnow())
    with env.db() as db:
        assert db.execute("SELECT state FROM campaigns").fetchone()[0] == "open"
    await run_reminders(env, utcnow() + timedelta(days=60))
    with env.db() as db:
        assert db.execute("SELECT state FROM campaigns").fetchone()[0] == "closed"
