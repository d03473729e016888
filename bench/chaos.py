"""The chaos run: managers answer while the bot is killed with SIGKILL and Telegram misbehaves.

The bot runs as a real process (`python -m bot.cli run`) against the local Bot API server, which
injects 429s, 5xx, slow answers and dropped connections. A killer SIGKILLs the bot at random
moments and starts it again on the same database. Simulated managers answer the whole
questionnaire as people would: when the bot goes quiet they write /continuar and go on from the
question it shows. Idle registered managers make reminders fall due during the chaos.

An answer is *acknowledged* when the bot shows a later question (or the review) after it. At the
end: every acknowledged answer is in the database, no response was submitted twice, every
manager finished, ``PRAGMA integrity_check`` is ok, and no reminder reached anyone twice. And
what the kills leave behind (issue 17): taps without a reply (an answer or press after which the
manager had to write /continuar), results never delivered (the radar photo had to be asked for
with /resultado), duplicate photos (more than one per submission and /resultado), and chart
worker processes that outlived a killed bot (orphans).

Used by ``bench/bench_chaos.py`` (long form) and ``tests/test_chaos.py`` (short form).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.conversation.callbacks import unkeyed
from bot.local import DEMO_CLUSTER, seed
from bot.questionnaire.loader import load_questionnaire
from bot.questionnaire.model import ND
from bot.questionnaire.parsing import format_number
from bot.storage import Cluster, utcnow
from local_botapi.server import BotApiServer, BotEvent

ROOT = Path(__file__).resolve().parent.parent
QUESTIONNAIRE = load_questionnaire()
ANSWERS: dict[str, Any] = yaml.safe_load(
    (ROOT / "bot" / "examples" / "consolidado.yaml").read_text(encoding="utf-8")
)
ANY_TIME = {
    "SSME_REMINDERS__WEEKDAYS_ONLY": "false",
    "SSME_REMINDERS__SKIP_HOLIDAYS": "false",
    "SSME_REMINDERS__WINDOW_START": "00:00",
    "SSME_REMINDERS__WINDOW_END": "23:59",
}
QUIET = 3.0  # seconds without the expected reply before a manager writes /continuar
# A bot (re)started less than this ago may still be starting: a manager waits for it rather
# than count a tap without a reply (a person waits a few seconds too).
RESTART_GRACE = 10.0


@dataclass
class ChaosReport:
    managers: int
    idle_managers: int
    kills: int = 0
    exits: int = 0  # the bot stopping by itself (should stay 0)
    faults: Counter[str] = field(default_factory=Counter)
    acknowledged: int = 0
    lost: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    # (question id, stored, intended) of each difference, to tell what kind it is
    wrong_details: list[tuple[str, Any, Any]] = field(default_factory=list)
    double_submitted: list[str] = field(default_factory=list)
    unfinished: list[str] = field(default_factory=list)
    reminders_twice: list[int] = field(default_factory=list)
    reminders_sent: int = 0
    integrity: str = ""
    resyncs: int = 0
    last_start: float = 0.0  # time.monotonic() of the bot's latest (re)start
    taps_unanswered: int = 0
    results_undelivered: int = 0
    duplicate_photos: int = 0
    orphans: list[int] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def unexplained(self) -> list[tuple[str, Any, Any]]:
        """Differences other than a multi-choice tick swallowed by a kill (never shown ticked)."""
        return [
            (qid, stored, intended)
            for qid, stored, intended in self.wrong_details
            if QUESTIONNAIRE.question(qid).type != "multi" or not set(stored) < set(intended)
        ]

    @property
    def ok(self) -> bool:
        return (
            not (
                self.lost
                or self.unexplained
                or self.double_submitted
                or self.unfinished
                or self.reminders_twice
                or self.taps_unanswered
                or self.results_undelivered
                or self.duplicate_photos
                or self.orphans
            )
            and self.integrity == "ok"
        )

    def lines(self) -> list[str]:
        return [
            f"managers answering         {self.managers} (+{self.idle_managers} idle, for reminders)",
            f"bot kills (SIGKILL)        {self.kills}",
            f"bot exits on its own       {self.exits}",
            f"faults injected            {dict(self.faults)}",
            f"acknowledged answers       {self.acknowledged}",
            f"lost (acked, not in db)    {len(self.lost)}",
            f"stored ≠ intended          {len(self.wrong)} ({len(self.unexplained)} unexplained;"
            " the rest: a multi-choice tick swallowed by a kill, never shown ticked)",
            f"submitted twice            {len(self.double_submitted)}",
            f"managers not finished      {len(self.unfinished)}",
            f"reminders sent / twice     {self.reminders_sent} / {len(self.reminders_twice)}",
            f"integrity_check            {self.integrity}",
            f"resyncs (/continuar…)      {self.resyncs}",
            f"taps without a reply       {self.taps_unanswered}",
            f"results never delivered    {self.results_undelivered}",
            f"duplicate photos           {self.duplicate_photos}",
            f"orphaned processes         {len(self.orphans)}",
            f"wall time                  {self.seconds:.1f} s",
        ]


def _question_id(event: BotEvent) -> str | None:
    for row in (event.reply_markup or {}).get("inline_keyboard", []):
        for button in row:
            kind, _, rest = unkeyed(button.get("callback_data", "")).partition(":")
            if kind in {"c", "t", "d", "n", "b", "k"}:
                return rest.split(":")[0]
    return None


def _is_question(e: BotEvent) -> bool:
    return e.kind == "send" and " — pregunta " in (e.text or "")


def _is_review(e: BotEvent) -> bool:
    return e.kind == "send" and "Resumen de sus respuestas" in (e.text or "")


def children(pid: int) -> set[int]:
    """Live (not zombie) processes whose parent is ``pid`` (Linux: /proc; elsewhere: none)."""
    found = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid) and not fields["State"].startswith("Z"):
            found.add(int(fields["Pid"]))
    return found


def alive(pid: int) -> bool:
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


class BotProcess:
    def __init__(self, server: BotApiServer, db_path: Path, chart_workers: int = 1) -> None:
        self.server = server
        self.db_path = db_path
        self.chart_workers = chart_workers
        self.proc: subprocess.Popen[bytes] | None = None
        # The children (chart workers) of every bot killed: none must outlive it.
        self.killed_children: set[int] = set()
        self.log = open(db_path.parent / "bot.log", "ab")  # noqa: SIM115 - closed in stop()

    def start(self) -> None:
        env = {
            **os.environ,
            **ANY_TIME,
            "SSME_TELEGRAM_TOKEN": self.server.token,
            "SSME_TELEGRAM_API_URL": self.server.base_url,
            "SSME_DB_PATH": str(self.db_path),
            "SSME_CHART_WORKERS": str(self.chart_workers),
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def ensure_running(self) -> bool:
        """Restart the bot if it exited by itself, as systemd's Restart=on-failure would."""
        if self.proc is not None and self.proc.poll() is not None:
            self.start()
            return True
        return False

    def kill(self) -> None:
        assert self.proc is not None
        self.killed_children |= children(self.proc.pid)
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


class Manager:
    def __init__(self, server: BotApiServer, user_id: int, token: str, report: ChaosReport) -> None:
        self.server = server
        self.user_id = user_id
        self.token = token
        self.report = report
        self.cursor = server.cursor()
        self.acked: dict[str, Any] = {}
        self.photos_asked = 0  # /resultado sent: each may bring one photo more

    async def _next(self, predicate, wait: float = QUIET) -> BotEvent | None:  # type: ignore[no-untyped-def]
        try:
            event = await self.server.wait_new_async(
                self.user_id, self.cursor, predicate=predicate, timeout=wait
            )
        except TimeoutError:
            return None
        self.cursor = event.seq
        return event

    async def _screen(self, after_tap: bool = True) -> BotEvent:
        """The current question or review, asking /continuar until the bot shows one.

        Like a person, the manager reads the bottom of the chat: after a restart the bot may
        show a question twice (the re-delivered answer's reply and /continuar's), and only the
        latest one is the question on screen.
        """
        while True:
            event = await self._next(lambda e: _is_question(e) or _is_review(e))
            if event is None and time.monotonic() - self.report.last_start < RESTART_GRACE:
                continue  # the bot is (re)starting: its start handles what it missed
            if event is not None:
                while later := await self._next(lambda e: _is_question(e) or _is_review(e), 0.4):
                    event = later
                return event
            self.report.resyncs += 1
            if after_tap:  # the answer or press that was meant to bring it got no reply
                self.report.taps_unanswered += 1
                after_tap = False
            self.server.send_text(self.user_id, "/continuar", first_name="Gestor")

    async def run(self) -> None:
        self.server.send_text(self.user_id, f"/start {self.token}", first_name="Gestor")
        while True:
            consent = await self._next(
                lambda e: e.kind == "send" and "consent:ok" in json.dumps(e.reply_markup or {})
            )
            if consent is not None:
                self.server.press_button(self.user_id, consent.message_id, "consent:ok")
                break
            if time.monotonic() - self.report.last_start < RESTART_GRACE:
                continue
            self.report.resyncs += 1
            self.report.taps_unanswered += 1
            self.server.send_text(self.user_id, f"/start {self.token}", first_name="Gestor")
        screen = await self._screen()
        while not _is_review(screen):
            qid = _question_id(screen)
            assert qid is not None, screen.text
            await self._answer(screen, qid, ANSWERS[qid])
            screen = await self._screen()
            shown = _question_id(screen)
            if shown != qid:  # the bot moved on: the answer was taken
                self.acked[qid] = ANSWERS[qid]
        for q in QUESTIONNAIRE.questions:  # the review shows that every answer is in
            if q.id in ANSWERS:
                self.acked[q.id] = ANSWERS[q.id]
        await self._submit(screen)

    async def _answer(self, screen: BotEvent, qid: str, value: Any) -> None:
        q = QUESTIONNAIRE.question(qid)
        mid = screen.message_id
        if value == ND:
            self.server.press_button(self.user_id, mid, f"n:{qid}")
        elif q.type == "multi":
            marked = {
                unkeyed(b["callback_data"]).split(":")[2]
                for row in (screen.reply_markup or {}).get("inline_keyboard", [])
                for b in row
                if unkeyed(b.get("callback_data", "")).startswith("t:")
                and b["text"].startswith("✅")
            }
            for choice in sorted(set(value) ^ marked):
                self.server.press_button(self.user_id, mid, f"t:{qid}:{choice}")
                await self._next(lambda e, m=mid: e.kind == "edit" and e.message_id == m, 1.0)
            self.server.press_button(self.user_id, mid, f"d:{qid}")
        elif q.type == "yesno":
            self.server.press_button(self.user_id, mid, f"c:{qid}:{'si' if value else 'no'}")
        elif q.type == "single" or (isinstance(value, str) and value in q.choice_map):
            self.server.press_button(self.user_id, mid, f"c:{qid}:{value}")
        elif q.type == "money":
            self.server.send_text(self.user_id, format_number(value), first_name="Gestor")
        else:
            self.server.send_text(self.user_id, str(value), first_name="Gestor")

    async def _submit(self, review: BotEvent) -> None:
        self.server.press_button(self.user_id, review.message_id, "r:send")
        # Long enough for a restart, whose start-up delivers the results owed (the outbox).
        while await self._next(lambda e: e.method == "sendPhoto", wait=QUIET * 4) is None:
            # Killed mid-submit, or the photo was lost to a fault: /resultado resends it, and a
            # second "Enviar" on a submitted response is refused, never a second submission.
            self.report.resyncs += 1
            if not self.photos_asked:
                self.report.results_undelivered += 1
            self.photos_asked += 1
            self.server.send_text(self.user_id, "/resultado", first_name="Gestor")


def _seed(db_path: Path, managers: int, idle: int) -> dict[int, str]:
    clusters = [
        Cluster(**{**DEMO_CLUSTER.__dict__, "cluster_id": f"k{i:04d}", "nombre": f"Clúster {i}"})
        for i in range(managers + idle)
    ]
    seeded = asyncio.run(seed(db_path, clusters))
    past = (utcnow() - timedelta(days=5)).isoformat(timespec="seconds")
    with sqlite3.connect(db_path) as db:
        db.execute("UPDATE campaigns SET opens_at = ?", (past,))
        db.executemany(
            "INSERT INTO members (cluster_id, user_id, chat_id, name, registered_at, consent_at) "
            "VALUES (?, ?, ?, 'Idle', ?, ?)",
            [
                (c.cluster_id, 900_000 + i, 900_000 + i, past, past)
                for i, c in enumerate(clusters[managers:])
            ],
        )
    return {200_000 + i: seeded.tokens[c.cluster_id] for i, c in enumerate(clusters[:managers])}


async def _chaos(
    server: BotApiServer,
    bot: BotProcess,
    report: ChaosReport,
    kills: int,
    rng: random.Random,
    done: asyncio.Event,
    interval: tuple[float, float],
) -> None:
    kinds = ["429", "5xx", "delay", "drop"]
    last_requests = 0
    next_kill = time.monotonic() + rng.uniform(*interval)
    while not done.is_set():
        await asyncio.sleep(0.4)
        # Faults are a share of the traffic (one pending at a time, at most one per 8 requests),
        # not a fixed rate: a fixed rate hits every request of a bot that is slowed down.
        stats = server.stats()
        injected = sum(report.faults.values())
        quiet = stats["requests"] - last_requests >= 8
        if injected - stats["faults_applied"] < 1 and quiet and rng.random() < 0.6:
            last_requests = stats["requests"]
            kind = rng.choice(kinds)
            server.inject_fault(kind, count=1, retry_after=1, delay=0.8)  # type: ignore[arg-type]
            report.faults[kind] += 1
        if bot.ensure_running():
            report.exits += 1
            report.last_start = time.monotonic()
        if report.kills < kills and time.monotonic() >= next_kill:
            await asyncio.to_thread(bot.kill)
            report.kills += 1
            await asyncio.sleep(rng.uniform(0.0, 0.5))
            bot.start()
            report.last_start = time.monotonic()
            next_kill = time.monotonic() + rng.uniform(*interval)
    server.clear_faults()


async def _drive(
    server: BotApiServer,
    bot: BotProcess,
    users: dict[int, str],
    report: ChaosReport,
    kills: int,
    seed_: int,
    interval: tuple[float, float],
    limit: float,
) -> list[Manager]:
    rng = random.Random(seed_)
    managers = [Manager(server, uid, token, report) for uid, token in users.items()]
    done = asyncio.Event()
    chaos = asyncio.create_task(_chaos(server, bot, report, kills, rng, done, interval))
    try:
        await asyncio.wait_for(asyncio.gather(*(m.run() for m in managers)), limit)
        # Keep killing until the planned count is reached, so the figure means what it says.
        while report.kills < kills and not chaos.done():  # noqa: ASYNC110 - another task's counter
            await asyncio.sleep(0.5)
    finally:
        done.set()
        await chaos  # re-raises whatever stopped the chaos early
    return managers


def run_chaos(
    managers: int = 8,
    kills: int = 5,
    *,
    idle: int = 10,
    seed_: int = 1,
    interval: tuple[float, float] = (1.0, 3.0),
    timeout: float = 600.0,
    workdir: Path | None = None,
) -> ChaosReport:
    started = time.monotonic()
    report = ChaosReport(managers, idle)
    with tempfile.TemporaryDirectory() as tmp:
        base = workdir or Path(tmp)
        db_path = base / "ssme.db"
        users = _seed(db_path, managers, idle)
        with BotApiServer() as server:
            bot = BotProcess(server, db_path)
            bot.start()
            report.last_start = time.monotonic()
            try:
                people = asyncio.run(
                    _drive(server, bot, users, report, kills, seed_, interval, timeout)
                )
                time.sleep(3.0)  # reminders due at the last start go out meanwhile
                # A start slowed down by a busy machine sends them later: wait for them (a
                # reminder never sent still fails the run, after this bound).
                deadline = time.monotonic() + 30.0
                while len(_reminded(server)) < idle and time.monotonic() < deadline:
                    time.sleep(0.2)
            finally:
                bot.stop()
            reminder_chats = _reminded(server)
            photos = Counter(m.chat_id for m in server.sent() if m.method == "sendPhoto")
        report.duplicate_photos = sum(
            max(0, photos[p.user_id] - 1 - p.photos_asked) for p in people
        )
        time.sleep(1.0)  # a worker notices its bot is gone within half a second
        report.orphans = sorted(p for p in bot.killed_children if alive(p))
        report.reminders_sent = sum(reminder_chats.values())
        report.reminders_twice = sorted(c for c, n in reminder_chats.items() if n > 1)
        _verify(db_path, people, report)
    report.seconds = time.monotonic() - started
    return report


def _reminded(server: BotApiServer) -> Counter[int]:
    """How many reminders each idle manager got."""
    return Counter(
        m.chat_id
        for m in server.sent()
        if m.chat_id >= 900_000 and "Empezar" in str(m.reply_markup)
    )


def _verify(db_path: Path, people: list[Manager], report: ChaosReport) -> None:
    with sqlite3.connect(db_path) as db:
        report.integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        for person in people:
            row = db.execute(
                "SELECT s.response_id, s.status FROM responses s JOIN managers m "
                "ON m.cluster_id = s.cluster_id WHERE m.user_id = ?",
                (person.user_id,),
            ).fetchone()
            if row is None or row[1] != "submitted":
                report.unfinished.append(str(person.user_id))
                stored: dict[str, Any] = {}
                if row is not None:
                    stored = {
                        q: json.loads(v)
                        for q, v in db.execute(
                            "SELECT question_id, value FROM answers WHERE response_id = ?",
                            (row[0],),
                        )
                    }
            else:
                results = db.execute(
                    "SELECT count(*) FROM results WHERE response_id = ?", (row[0],)
                ).fetchone()[0]
                if results != 1:
                    report.double_submitted.append(str(person.user_id))
                stored = json.loads(
                    db.execute(
                        "SELECT answers FROM results WHERE response_id = ? ORDER BY result_id DESC",
                        (row[0],),
                    ).fetchone()[0]
                )
            report.acknowledged += len(person.acked)
            for qid, value in person.acked.items():
                if qid not in stored:
                    report.lost.append(f"{person.user_id}:{qid}")
                elif stored[qid] != value:
                    report.wrong.append(f"{person.user_id}:{qid}={stored[qid]!r}")
                    report.wrong_details.append((qid, stored[qid], value))
