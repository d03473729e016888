"""Storage write-path benchmark: `python bench/bench_storage.py [--tasks T] [--calls N] [--repeat R]`.

On a fresh SQLite file in a temporary folder (WAL, as the bot opens it), T concurrent tasks
(default 50, managers answering at once) share N calls (default 5,000) of each of:

  save_answers     one answer and the cursor in one commit, as the answer path stores it
                   (``Storage.save_answers``: the bot's hottest write)
  read + save      get_response then save_answers, as the bot does per typed answer
  submit_response  a multi-statement transaction (result, response, audit)

Each call is awaited before the task makes its next one, as a manager waits for the next
question. Prints, per workload, the median over R runs (default 3) of calls per second, of the
per-call p50/p95 latency and of the process's CPU time per call (all threads; the steadiest
figure on a shared machine). Only public ``Storage`` methods are used, so the same file runs
on any revision (to compare a change with the code before it).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.local import DEMO_CLUSTER
from bot.storage import Storage, utcnow

Call = Callable[[Storage, int, int], Awaitable[object]]


async def _save(storage: Storage, rid: int, i: int) -> None:
    await storage.save_answers(
        rid, {f"q{i % 40}": i}, user_id=rid, cursor=(f"q{i % 40 + 1}", "walk")
    )


async def _read_save(storage: Storage, rid: int, i: int) -> None:
    await storage.get_response(f"c{rid}", "2021")
    await _save(storage, rid, i)


async def _submit(storage: Storage, rid: int, i: int) -> None:
    await storage.submit_response(
        rid,
        version="v1",
        ims=50.0,
        level="intermedio",
        scores={"ims": 50.0, "areas": {}},
        answers={"a": i},
        actor=rid,
        cluster_id=f"c{rid}",
    )


async def run(call: Call, tasks: int, calls: int) -> tuple[float, float, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        storage = await Storage.open(Path(tmp) / "bench.db")
        await storage.upsert_clusters(
            [replace(DEMO_CLUSTER, cluster_id=f"c{i}") for i in range(tasks)], "bench"
        )
        now = utcnow()
        await storage.create_campaign("2021", 2021, now, now + timedelta(days=9), state="open")
        rids = [
            (await storage.start_response(f"c{i}", "2021", "v1", i)).response_id
            for i in range(tasks)
        ]
        latencies: list[float] = []

        async def manager(rid: int) -> None:
            for i in range(calls // tasks):
                start = time.perf_counter()
                await call(storage, rid, i)
                latencies.append(time.perf_counter() - start)

        start, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(manager(rid) for rid in rids))
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        await storage.close()
    latencies.sort()
    p50 = latencies[len(latencies) // 2] * 1000
    p95 = latencies[int(0.95 * (len(latencies) - 1))] * 1000
    return len(latencies) / elapsed, p50, p95, cpu / len(latencies) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=50)
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{args.calls} calls from {args.tasks} concurrent tasks, median of {args.repeat} runs")
    for name, call in (
        ("save_answers", _save),
        ("read + save", _read_save),
        ("submit_response", _submit),
    ):
        runs = [asyncio.run(run(call, args.tasks, args.calls)) for _ in range(args.repeat)]
        rate, p50, p95, cpu = (statistics.median(r[k] for r in runs) for k in range(4))
        print(
            f"  {name:<16} {rate:8.0f} calls/s   p50 {p50:6.2f} ms   p95 {p95:6.2f} ms"
            f"   CPU {cpu:5.1f} µs/call"
        )


if __name__ == "__main__":
    main()
