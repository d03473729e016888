"""The analyst's desk benchmark: `python bench/bench_desk.py [--clusters N] [--repeat R]`.

Builds the same database as ``bench/bench_summary.py`` (N clusters, default 10,000, two
campaigns with one submitted response each; a review row per submitted response and each
submission's level beside it, as a migration or a submission leaves them), then times, in this process as the bot runs them:

  /cluster ID   ``desk.cluster_view`` + its text (``texts.desk.view_blocks``, in pages), for
                R clusters drawn at random (default 50)
  /clusters     ``desk.cluster_list`` with no filter and with a department, + its first page
  /revision     ``review.review_queue`` + its first page's text; once first, when it computes
                and keeps every submission's checks (``bot.storage.checks``), then as usual

Bot-side time: storage reads, the flags, the text; not Telegram, not the radar (drawn in the
chart workers, measured by ``bench/bench_charts.py``). Target (2-core machine): each ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.bench_summary import generate, machine_lines  # noqa: E402
from bot.questionnaire.loader import load_questionnaire  # noqa: E402
from bot.reports import flags  # noqa: E402
from bot.services import desk, review  # noqa: E402
from bot.storage import Storage  # noqa: E402
from bot.texts import desk as t  # noqa: E402
from bot.texts.paging import paginate  # noqa: E402

TARGET_MS = 300.0


def when(moment: Any) -> str:
    return moment.isoformat()


async def timed(work: Callable[[], Awaitable[Any]], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        await work()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def line(name: str, ms: list[float]) -> str:
    p95 = statistics.quantiles(ms, n=20)[-1] if len(ms) >= 2 else ms[0]
    verdict = "ok" if p95 <= TARGET_MS else "OVER"
    return f"  {name:<34} median {statistics.median(ms):7.1f} ms  p95 {p95:7.1f} ms  [{verdict}]"


async def run(db_path: Path, repeat: int, seed: int) -> list[str]:
    q = load_questionnaire(None)
    storage = await Storage.open(db_path)
    rng = random.Random(seed)
    try:
        ids = [c.cluster_id for c in await storage.list_clusters()]

        async def one_view() -> None:
            view = await desk.cluster_view(storage, q, rng.choice(ids), "2021")
            paginate(t.view_blocks(view, when))

        async def list_all() -> None:
            listing = await desk.cluster_list(storage, "2021", [], status_words=t.STATUS_WORDS)
            paginate(t.list_lines(listing)[:10])

        async def list_department() -> None:
            listing = await desk.cluster_list(
                storage, "2021", ["antioquia"], status_words=t.STATUS_WORDS
            )
            paginate(t.list_lines(listing)[:10])

        labels = {lv.id: lv.label for lv in q.levels}

        async def queue() -> None:
            found = await review.review_queue(storage, q, "2021")
            for item in found.items[:8]:
                for f in item.flags:
                    t.flag_text(f.code, flags.describe(f, labels))

        await one_view()  # warm: the first read opens the reader's caches
        # The first queue computes and keeps the checks of every submission that lacks them
        # (all of them, after migration 11 or a bulk insert); the later ones read them.
        first = await timed(queue, 1)
        out = [
            line("/revision, first (keeps the checks)", first),
            line("/cluster ID (view + text)", await timed(one_view, repeat)),
            line("/clusters (all, first page)", await timed(list_all, max(5, repeat // 5))),
            line("/clusters antioquia", await timed(list_department, max(5, repeat // 5))),
            line("/revision (queue, flags, page)", await timed(queue, max(5, repeat // 5))),
        ]
        found = await review.review_queue(storage, q, "2021")
        flagged = sum(1 for i in found.items if i.flags)
        out.append(f"  queue: {len(found.items)} pending, {flagged} flagged")
        return out
    finally:
        await storage.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", type=Path, help="build the database here once, reuse it after")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = args.db or Path(tmp) / "desk.db"
        if db_path.exists():
            with contextlib.closing(sqlite3.connect(db_path)) as db:
                (n,) = db.execute("SELECT count(*) FROM responses").fetchone()
            info = {"responses": n, "db_mib": db_path.stat().st_size / 2**20}
        else:
            info = generate(db_path, args.clusters, args.seed)
        with contextlib.closing(sqlite3.connect(db_path)) as db, db:
            db.execute(
                "INSERT OR IGNORE INTO reviews (response_id, status, changed_at, changed_by) "
                "SELECT response_id, 'pendiente', submitted_at, 'bench' FROM responses "
                "WHERE status = 'submitted'"
            )
            # Each submission's level beside it, as migration 11 and every submission leave it
            # (bench_summary's bulk insert writes the submissions without).
            db.execute(
                "UPDATE submissions SET level = (SELECT r.level FROM results r "
                "WHERE r.result_id = submissions.result_id) WHERE level IS NULL"
            )
            # The first /revision computes every submission's checks, as after migration 11.
            db.execute("DELETE FROM submission_checks")
        print("\n".join(machine_lines()))
        print(f"database: {info['responses']} responses, {info['db_mib']:.0f} MiB")
        print("\n".join(asyncio.run(run(db_path, args.repeat, args.seed))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
