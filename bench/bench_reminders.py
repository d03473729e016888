"""Reminder broadcast benchmark: `python bench/bench_reminders.py {rate,kill,all} [--count N]`.

N managers (default 5,000) are due an invitation reminder at once. The fake Bot API server
(:mod:`local_botapi.server`) runs in this process and enforces a global limit of 30 sends/s (any
send beyond 30 in a sliding 1 s window gets ``429 Too Many Requests`` with ``retry_after=1``, as
Telegram does for broadcasts). The real bot runs as a subprocess (``python -m bot.cli run``); its
own reminder timer (first run ~2 s after start) sends the batch with whatever pacing the bot ships
(the reminder sender's pacer and PTB's AIORateLimiter; the sender's settings are printed with
the results). Nothing is sent from here.

Setup per run: a fresh SQLite file with N active clusters, each with a manager who registered
10 days ago and accepted the consent, and one campaign opened 5 days ago that closes in 30 days.
The policy comes from the environment and allows sending right now whatever the day and hour
(``SSME_REMINDERS__WEEKDAYS_ONLY=false``, ``..._SKIP_HOLIDAYS=false``, window 00:00–23:59:59,
``..._FIRST_AFTER=0m``), so every manager is due one invitation.

Modes:
  rate  let the bot send everything. Prints the achieved rate (distinct successful sendMessage
        calls between the first and the last one; 429-rejected calls never make a message),
        its share of the 30/s limit (target >= 90%), the 429s served, the time to send all,
        and duplicates (chats with more than one reminder) and misses (managers with none),
        target 0 and 0.
  kill  the same, but ``kill -9`` the bot after 1/(K+2), 2/(K+2), ... K/(K+2) of the sends
        (K = --kills, default 3; one kill lands at ~1/3), restarting it on the same database
        each time, and wait until it has finished. Prints duplicates and misses, and the
        reminder rows each kill left in 'sending'. Those count as sent by design (at most
        once: a row is written before the HTTP call and settled after it, so a restart never
        sends it again); for each one it says whether the server actually received the message.
        A row left in 'sending' whose message never reached the server is a reminder lost to
        the kill: reported as a miss, with its cause.
  all   rate, then kill.

``--latency MS`` makes the server wait MS before answering each sendMessage (a real round trip
to Telegram is ~50-150 ms; default 0): more requests are then in flight when a kill lands, which
is the window the kill mode is about. The machine's load is printed: on a shared machine other
processes' CPU use shows up as late sends.

Every run ends with a check of the database against the server: each 'sent' row's message_id
is a message the server delivered to that chat.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # runnable from a checkout without installing


from bench.bench_bot import machine_lines  # noqa: E402
from bot.storage import Storage  # noqa: E402
from local_botapi.server import BotApiServer  # noqa: E402

RATE_LIMIT = 30.0  # the server's global limit, sends per second (Telegram's broadcast limit)
TARGET_SHARE = 0.90
READY_TIMEOUT = 60.0
STOP_GRACE = 15.0
POLL = 0.05  # how often the harness samples the server's counters
CAMPAIGN = "2021"
CHAT_BASE = 700_000_000  # manager i has user id = chat id = CHAT_BASE + i

POLICY_ENV = {
    "SSME_REMINDERS__WEEKDAYS_ONLY": "false",
    "SSME_REMINDERS__SKIP_HOLIDAYS": "false",
    "SSME_REMINDERS__WINDOW_START": "00:00",
    # The window end is excluded and must be after the start on the same day: 23:59:59 leaves
    # one second a day without sends, which no run of a few minutes is likely to hit.
    "SSME_REMINDERS__WINDOW_END": "23:59:59",
    "SSME_REMINDERS__FIRST_AFTER": "0m",
}


# --------------------------------------------------------------------------------------------
# Machine
# --------------------------------------------------------------------------------------------


def bot_pacing() -> str:
    """The reminder sender's pacing and the outbound policy's limits, as imported now (the
    subprocess runs the same)."""
    from bot import delivery
    from bot.services import reminders as service

    found = [
        f"{n}={getattr(module, n)}"
        for module, names in (
            (service, ("SENDS_PER_SECOND", "CONCURRENT_SENDS")),
            (delivery, ("MAX_ATTEMPTS", "MAX_WAIT")),
        )
        for n in names
        if hasattr(module, n)
    ]
    return ", ".join(found) or "unknown"


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


def _ts(moment: datetime) -> str:
    """The storage's timestamp format (UTC, seconds)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def seed_db(db_path: Path, count: int, doubled: int = 0) -> None:
    """N active clusters, each with a consenting manager, and one open campaign; the first
    ``doubled`` managers hold a second cluster too (``--two-clusters``, issue 16)."""

    async def migrate() -> None:
        storage = await Storage.open(db_path)
        await storage.close()

    asyncio.run(migrate())
    now = datetime.now(UTC)
    registered = _ts(now - timedelta(days=10))
    with contextlib.closing(sqlite3.connect(db_path)) as db, db:
        db.executemany(
            "INSERT INTO clusters (cluster_id, nombre, departamento, municipio, sector, subsector, "
            "entidad_gestora, entidad_gestora_tipo, anio_creacion, estado, updated_at) "
            "VALUES (?, ?, 'Huila', 'Neiva', 'agroindustria', 'café', 'Cámara de Comercio', "
            "'camara_comercio', 2014, 'activa', ?)",
            [(f"c{i:05d}", f"Clúster de prueba {i}", _ts(now)) for i in range(count + doubled)],
        )
        db.execute(
            "INSERT INTO campaigns (campaign_id, reference_year, opens_at, closes_at, state, "
            "created_at) VALUES (?, 2021, ?, ?, 'open', ?)",
            (CAMPAIGN, _ts(now - timedelta(days=5)), _ts(now + timedelta(days=30)), _ts(now)),
        )
        db.executemany(
            "INSERT INTO members (cluster_id, user_id, chat_id, name, registered_at, consent_at, "
            "consent_version) VALUES (?, ?, ?, ?, ?, ?, '1')",
            [
                (f"c{i:05d}", CHAT_BASE + i, CHAT_BASE + i, f"Gestor {i}", registered, registered)
                for i in range(count)
            ]
            + [
                (
                    f"c{count + i:05d}",
                    CHAT_BASE + i,
                    CHAT_BASE + i,
                    f"Gestor {i}",
                    registered,
                    registered,
                )
                for i in range(doubled)
            ],
        )


def db_rows(db_path: Path) -> list[sqlite3.Row]:
    with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as db:
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA busy_timeout=5000")
        return db.execute(
            "SELECT r.reminder_id, r.cluster_id, r.status, r.message_id, r.kind, r.slot, "
            "m.chat_id FROM reminders r JOIN managers m ON m.cluster_id = r.cluster_id "
            "ORDER BY r.reminder_id"
        ).fetchall()


# --------------------------------------------------------------------------------------------
# The bot process
# --------------------------------------------------------------------------------------------


def read_proc(pid: int) -> tuple[float, int]:
    """(CPU seconds, VmHWM KiB) of a live process; (nan, 0) if it is gone."""
    cpu, hwm = float("nan"), 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        raw = Path(f"/proc/{pid}/stat").read_text()
        rest = raw[raw.rindex(")") + 2 :].split()
        cpu = (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    return cpu, hwm


class BotProcess:
    """``python -m bot.cli run`` pointed at the fake server, its log in a file of its own."""

    def __init__(self, server: BotApiServer, db_path: Path, workdir: Path, n: int) -> None:
        self.server = server
        self.db_path = db_path
        self.workdir = workdir
        self.log_path = workdir / f"bot-{n}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = 0.0
        self.cpu = float("nan")
        self.hwm_kib = 0

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SSME_")}
        env.update(POLICY_ENV)
        env.update(
            SSME_TELEGRAM_TOKEN=self.server.token,
            SSME_TELEGRAM_API_URL=self.server.base_url,
            SSME_DB_PATH=str(self.db_path),
            SSME_CHART_WORKERS="0",
            SSME_LOG_LEVEL="INFO",
            PYTHONPATH=os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p),
        )
        self.started = time.time()
        with open(self.log_path, "wb") as log:
            # cwd is the temp dir: no stray .env file is read.
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"],
                cwd=self.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def sample(self) -> None:
        if self.alive:
            assert self.proc is not None
            cpu, hwm = read_proc(self.proc.pid)
            if cpu == cpu:  # not nan
                self.cpu, self.hwm_kib = cpu, max(self.hwm_kib, hwm)

    def kill9(self) -> None:
        assert self.proc is not None
        self.sample()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.sample()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def log(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")
        return ""

    def runs_logged(self) -> list[dict[str, int]]:
        """The ``event=reminders_run`` lines: one per reminder tick that sent or failed some."""
        pattern = re.compile(r"event=reminders_run sent=(\d+) failed=(\d+) unreachable=(\d+)")
        return [
            {"sent": int(a), "failed": int(b), "unreachable": int(c)}
            for a, b, c in pattern.findall(self.log())
        ]

    def tail(self, lines: int = 25) -> str:
        return "\n".join(self.log().splitlines()[-lines:])


def wait_ready(bot: BotProcess, before: dict[str, int]) -> float:
    """Until this bot process has run its post_init (commands set, reminder timer armed).

    getUpdates is no sign: the server logs a long poll only when it answers, up to 10 s later.
    """
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        if not bot.alive:
            raise RuntimeError("the bot exited during start-up:\n" + bot.tail())
        by_method = bot.server.stats()["by_method"]
        if by_method.get("setMyCommands", 0) > before.get("setMyCommands", 0):
            return time.time() - bot.started
        if time.monotonic() > deadline:
            raise RuntimeError(f"the bot was not ready after {READY_TIMEOUT:.0f} s\n{bot.tail()}")
        time.sleep(POLL / 5)


# --------------------------------------------------------------------------------------------
# One run
# --------------------------------------------------------------------------------------------


@dataclass
class Kill:
    at_sent: int  # server's messages_sent when the kill was decided
    at_time: float  # wall clock of the kill
    sending_ids: set[int]  # reminder rows left in 'sending' by this kill
    inflight_rows: int = 0  # of those, how many the server did receive a message for
    resumed_after: float = float("nan")  # seconds from the kill to the next send received


@dataclass
class RunResult:
    mode: str
    count: int
    latency_ms: float  # added by the server to every sendMessage, like Telegram's round trip
    kills: list[Kill] = field(default_factory=list)
    sent_messages: int = 0
    first_send: float = 0.0
    last_send: float = 0.0
    bot_started: float = 0.0
    ready_s: float = 0.0
    r429: int = 0
    rate_limited: int = 0
    other_errors: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    duplicate_messages: int = 0
    misses: int = 0
    misses_explained: int = 0  # misses whose row a kill left in 'sending' (never sent)
    misses_unexplained: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    bad_message_ids: int = 0
    bot_runs: list[list[dict[str, int]]] = field(default_factory=list)
    bot_cpu: list[float] = field(default_factory=list)
    bot_hwm_mib: list[float] = field(default_factory=list)
    steady_rate: float = float("nan")
    gaps_ms: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # p10, p50, p99, max
    worst_second: int = 0
    timed_out: bool = False

    @property
    def label(self) -> str:
        return f"{self.mode} (+{self.latency_ms:.0f} ms)" if self.latency_ms else self.mode

    @property
    def span(self) -> float:
        return self.last_send - self.first_send

    @property
    def rate(self) -> float:
        return (self.sent_messages - 1) / self.span if self.span > 0 else float("nan")

    @property
    def left_sending(self) -> int:
        return sum(len(k.sending_ids) for k in self.kills)


def all_done(db_path: Path, count: int, orphans: set[int]) -> bool:
    """Every cluster has a reminder that is not 'failed', and no live send is pending."""
    rows = db_rows(db_path)
    covered = {r["cluster_id"] for r in rows if r["status"] != "failed"}
    pending = {r["reminder_id"] for r in rows if r["status"] == "sending"}
    return len(covered) >= count and pending <= orphans


def run(
    mode: str,
    count: int,
    kills: int,
    timeout: float,
    keep: bool,
    latency_ms: float = 0.0,
    doubled: int = 0,
) -> RunResult:
    people, count = count, count + doubled  # from here on, count: the due reminders
    result = RunResult(mode, count, latency_ms)
    workdir = Path(tempfile.mkdtemp(prefix=f"ssme-bench-reminders-{mode}-"))
    db_path = workdir / "ssme.db"
    t0 = time.perf_counter()
    seed_db(db_path, people, doubled)
    print(
        f"  [{mode}] seeded {count:,} due managers in {time.perf_counter() - t0:.1f} s ({workdir})"
    )
    thresholds = [count * (k + 1) // (kills + 2) for k in range(kills)] if mode == "kill" else []
    server = BotApiServer(rate_limit_per_second=RATE_LIMIT, store_media=False, max_call_log=0)
    server.start()
    if latency_ms:
        server.inject_fault("delay", method="sendMessage", count=10**9, delay=latency_ms / 1000)
    bots: list[BotProcess] = []
    orphans: set[int] = set()
    try:
        bot = BotProcess(server, db_path, workdir, 0)
        bots.append(bot)
        bot.start()
        result.bot_started = bot.started
        result.ready_s = wait_ready(bot, {})
        deadline = time.monotonic() + timeout
        next_check = 0.0
        while True:
            stats = server.stats()
            now = time.time()
            bot.sample()
            if thresholds and stats["messages_sent"] >= thresholds[0]:
                thresholds.pop(0)
                bot.kill9()
                # The process is gone: every row still in 'sending' stays so for good.
                left = {r["reminder_id"] for r in db_rows(db_path) if r["status"] == "sending"}
                left -= orphans
                orphans |= left
                result.kills.append(Kill(stats["messages_sent"], time.time(), left))
                print(
                    f"  [{mode}] kill -9 #{len(result.kills)} after {stats['messages_sent']:,} "
                    f"sends: {len(left)} rows left in 'sending'; restarting"
                )
                before = server.stats()["by_method"]
                bot = BotProcess(server, db_path, workdir, len(bots))
                bots.append(bot)
                bot.start()
                wait_ready(bot, before)
                continue
            if not bot.alive:
                raise RuntimeError("the bot exited on its own:\n" + bot.tail())
            if now >= next_check:
                next_check = now + 0.5
                if not thresholds and all_done(db_path, count, orphans):
                    break
            if time.monotonic() > deadline:
                result.timed_out = True
                print(f"  [{mode}] TIME-OUT after {timeout:.0f} s: stopping with what was sent")
                break
            time.sleep(POLL)
        time.sleep(0.5)  # a late answer would still show up
        bot.stop()
    finally:
        for b in bots:
            b.stop()
        final = server.stats()
        sent = server.sent()
        server.stop()

    result.bot_runs = [b.runs_logged() for b in bots]
    result.bot_cpu = [b.cpu for b in bots]
    result.bot_hwm_mib = [b.hwm_kib / 1024 for b in bots]
    result.r429 = final["429"]
    result.rate_limited = final["rate_limited"]
    result.other_errors = {
        k: v for k, v in final["by_status"].items() if k not in {"200", "429"} and v
    }
    messages = [m for m in sent if m.method == "sendMessage"]
    result.sent_messages = len(messages)
    if messages:
        times = sorted(m.date for m in messages)
        result.first_send, result.last_send = times[0], times[-1]
        gaps = sorted(b - a for a, b in itertools.pairwise(times)) or [0.0]
        result.gaps_ms = tuple(  # type: ignore[assignment]
            1000 * gaps[round(q * (len(gaps) - 1))] for q in (0.1, 0.5, 0.99, 1.0)
        )
        per_second = Counter(int(t - times[0]) for t in times)
        result.worst_second = max(per_second.values())
        # Steady state: between 10% and 90% of the sends (leaves out start-up and the tail).
        lo, hi = times[len(times) // 10], times[(len(times) * 9) // 10]
        n = (len(times) * 9) // 10 - len(times) // 10
        result.steady_rate = n / (hi - lo) if hi > lo else float("nan")

    by_chat: dict[int, list[int]] = {}
    for m in messages:
        by_chat.setdefault(m.chat_id, []).append(m.message_id)
    # One reminder per cluster: two for a person who holds two.
    want = {CHAT_BASE + i: 2 if i < doubled else 1 for i in range(people)}
    dups = {c: ids for c, ids in by_chat.items() if len(ids) > want.get(c, 1)}
    result.duplicates = len(dups)
    result.duplicate_messages = sum(len(ids) - want.get(c, 1) for c, ids in dups.items())
    missed = {c for c, k in want.items() if len(by_chat.get(c, [])) < k}
    result.misses = len(missed)

    rows = db_rows(db_path)
    result.statuses = dict(Counter(r["status"] for r in rows))
    chat_of = {r["reminder_id"]: r["chat_id"] for r in rows}
    for kill in result.kills:
        after = [m.date for m in messages if m.date > kill.at_time + latency_ms / 1000 + 0.01]
        kill.resumed_after = min(after) - kill.at_time if after else float("nan")
        kill.inflight_rows = sum(1 for rid in kill.sending_ids if chat_of[rid] in by_chat)
    orphan_chats = {chat_of[rid] for rid in orphans}
    result.misses_explained = len(missed & orphan_chats)
    result.misses_unexplained = len(missed - orphan_chats)
    result.bad_message_ids = sum(
        1
        for r in rows
        if r["status"] == "sent" and r["message_id"] not in by_chat.get(r["chat_id"], [])
    )
    if not keep and not result.timed_out:
        for path in sorted(workdir.iterdir()):
            path.unlink()
        workdir.rmdir()
    return result


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def report(r: RunResult) -> None:
    share = r.rate / RATE_LIMIT
    print(
        f"\n{r.label}: {r.count:,} due reminders, limit {RATE_LIMIT:.0f} sends/s (global, sliding "
        f"1 s), server latency per sendMessage +{r.latency_ms:.0f} ms"
    )
    print(
        f"  bot ready after         {r.ready_s:.2f} s (process start → setMyCommands, i.e. post_init done)"
    )
    if r.sent_messages:
        print(
            f"  first reminder          {r.first_send - r.bot_started:.2f} s after the bot started"
        )
        print(
            f"  sent                    {r.sent_messages:,} sendMessage in {r.span:.1f} s "
            f"(first → last){'  [includes kill/restart gaps]' if r.kills else ''}"
        )
        verdict = "OK" if share >= TARGET_SHARE else "MISSED"
        print(
            f"  achieved rate           {r.rate:.2f} sends/s = {share:.1%} of the limit "
            + (
                f"(target ≥ {TARGET_SHARE:.0%}: {verdict})"
                if not r.kills
                else f"(includes {len(r.kills)} kill/restart gaps: not the rate target)"
            )
        )
        print(f"  steady rate (10%–90%)   {r.steady_rate:.2f} sends/s")
        print(f"  busiest second          {r.worst_second} sends")
        p10, p50, p99, worst = r.gaps_ms
        print(
            f"  gap between sends       p10 {p10:.1f} ms, p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
            f"max {worst:.0f} ms (1/30 s = 33.3 ms)"
        )
        print(f"  all sent after          {r.last_send - r.bot_started:.1f} s from the bot's start")
    print(f"  429s served             {r.r429:,} (rate_limited counter {r.rate_limited:,})")
    if r.other_errors:
        print(
            f"  other statuses, any method {r.other_errors} (a 409 is a getUpdates long poll "
            "superseded by the next process's, or answered at shutdown)"
        )
    print(f"  duplicates              {r.duplicates} chats ({r.duplicate_messages} extra messages)")
    print(f"  misses                  {r.misses} managers without a reminder")
    if r.kills:
        for i, k in enumerate(r.kills, 1):
            print(
                f"  kill -9 #{i}               at {k.at_sent:,} sends: {len(k.sending_ids)} rows left "
                f"in 'sending': {k.inflight_rows} received by the server (delivered, never "
                f"settled), {len(k.sending_ids) - k.inflight_rows} never sent; sending again "
                f"{k.resumed_after:.1f} s after the kill"
            )
        print(
            f"  misses explained        {r.misses_explained} by rows a kill left in 'sending' "
            f"(never re-sent: at most once); unexplained {r.misses_unexplained}"
        )
    print(f"  reminder rows           {r.statuses}")
    print(
        f"  'sent' rows whose message_id the server did not deliver to that chat: {r.bad_message_ids}"
    )
    for i, (runs, cpu, hwm) in enumerate(zip(r.bot_runs, r.bot_cpu, r.bot_hwm_mib, strict=True)):
        print(
            f"  bot process #{i}         CPU {cpu:.1f} s, peak RSS {hwm:.0f} MiB, "
            f"reminder runs logged: {runs or 'none'}"
        )
    if r.timed_out:
        print("  TIMED OUT: the figures above are partial")


def table(results: list[RunResult]) -> None:
    print("\nMarkdown (docs/BENCHMARKS.md):\n")
    print(
        "| run | reminders | kill -9 | time first→last | sends/s | % of 30/s | steady sends/s "
        "| 429s | duplicates | misses | left 'sending' by kills (received / lost) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        left = (
            f"{r.left_sending} ({sum(k.inflight_rows for k in r.kills)} / "
            f"{r.left_sending - sum(k.inflight_rows for k in r.kills)})"
            if r.kills
            else "—"
        )
        print(
            f"| {r.label} | {r.count:,} | {len(r.kills)} | {r.span:.1f} s | {r.rate:.1f} "
            f"| {r.rate / RATE_LIMIT:.0%} | {r.steady_rate:.1f} | {r.r429:,} | {r.duplicates} "
            f"| {r.misses} | {left} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("mode", nargs="?", choices=["rate", "kill", "all"], default="all")
    parser.add_argument("--count", type=int, default=5000, help="due reminders (default 5,000)")
    parser.add_argument("--kills", type=int, default=3, help="kill -9 per kill run (default 3)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="per run, seconds (default: 3× the ideal time + 60)",
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="ms the server waits before answering each sendMessage (Telegram's round trip is "
        "~50-150 ms; default 0); it widens the window a kill -9 can hit mid-request",
    )
    parser.add_argument("--keep", action="store_true", help="keep each run's database and bot logs")
    parser.add_argument(
        "--two-clusters",
        type=float,
        default=0.0,
        metavar="SHARE",
        help="this share of the managers (e.g. 0.2) hold a second cluster: one more reminder each",
    )
    args = parser.parse_args(argv)
    doubled = round(args.count * args.two_clusters)
    timeout = args.timeout or 3 * (args.count + doubled) / RATE_LIMIT + 60
    print("machine")
    print("\n".join(machine_lines()))
    print(f"  bot's reminder pacing {bot_pacing()} (bot/services/reminders.py, bot/delivery.py)")
    print(
        f"\nideal time at {RATE_LIMIT:.0f}/s: {args.count / RATE_LIMIT:.0f} s per run; "
        f"policy env: {' '.join(f'{k}={v}' for k, v in POLICY_ENV.items())}"
    )
    modes = ["rate", "kill"] if args.mode == "all" else [args.mode]
    results = []
    for mode in modes:
        result = run(mode, args.count, args.kills, timeout, args.keep, args.latency, doubled)
        report(result)
        results.append(result)
    table(results)
    failed = any(
        r.duplicates or r.misses_unexplained or r.timed_out or r.bad_message_ids for r in results
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
