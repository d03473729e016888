"""Benchmark of the radar chart renderer: `python bench/bench_charts.py`.

Prints the machine, the time to render one chart in-process and in a warm pool worker, the first
chart of a cold pool (with and without the warm-up initializer), the start-up cost of spawn and
forkserver pools, and the worst event-loop stall while 20 charts render at once (in the loop,
with asyncio.to_thread, and in the warm process pool).

Targets: < 100 ms median per chart in a warm worker; loop never stalled > 10 ms by the pool.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from charts import ChartRenderer

# Runnable from a checkout without installing: workers are spawned with the parent's sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# matplotlib and charts are imported inside the functions on purpose: spawn and forkserver
# workers re-import the parent's __main__ module, so a top-level import here would warm every
# "cold" worker before the cold measurements start.

N_SERIAL = 40  # charts timed one at a time
N_BURST = 20  # charts asked for at once in the stall test
WORKERS = 2


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def machine() -> None:
    import matplotlib

    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    print("machine")
    print(f"  nproc               {os.cpu_count()} (usable: {len(os.sched_getaffinity(0))})")
    print(f"  cpu                 {model}")
    print(f"  python              {platform.python_version()} ({platform.machine()})")
    print(f"  matplotlib          {matplotlib.__version__}")
    # Stall figures are only meaningful on an otherwise idle machine: show how idle it was.
    print("  load average        {:.2f} {:.2f} {:.2f} (1, 5, 15 min)".format(*os.getloadavg()))
    print()


def bench_inprocess() -> None:
    from charts import example_spec, render_radar

    spec = example_spec()
    for _ in range(3):  # imports, fonts and glyph caches are not what is being measured
        render_radar(spec)
    samples = []
    for _ in range(N_SERIAL):
        t0 = time.perf_counter()
        png = render_radar(spec)
        samples.append(time.perf_counter() - t0)
    print(f"one radar chart, in-process, new Figure each time (n={N_SERIAL}, all overlays)")
    print(f"  median {_ms(statistics.median(samples))}   p95 {_ms(_p95(samples))}")
    print(f"  png size {len(png) / 1024:.0f} KiB")
    print()


async def bench_warm_pool() -> None:
    from charts import ChartRenderer, example_spec

    spec = example_spec()
    async with ChartRenderer(WORKERS) as renderer:
        await renderer.render_radar(spec)
        samples = []
        for _ in range(N_SERIAL):
            t0 = time.perf_counter()
            await renderer.render_radar(spec)
            samples.append(time.perf_counter() - t0)
    print(f"one radar chart, warm pool worker (spawn, {WORKERS} workers, one chart at a time)")
    print(f"  median {_ms(statistics.median(samples))}   p95 {_ms(_p95(samples))}")
    print("  (wall time of `await renderer.render_radar()`: render + pickling + IPC)")
    print()


def _cold_raw_first_chart(method: str) -> tuple[float, float]:
    """A bare pool with no initializer: (process up -> first chart, creation -> first chart)."""
    from charts import example_spec, render_radar

    ctx = multiprocessing.get_context(method)
    t0 = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as pool:
        pool.submit(os.getpid).result()  # interpreter started, nothing imported yet
        t1 = time.perf_counter()
        pool.submit(render_radar, example_spec()).result()
        t2 = time.perf_counter()
    return t2 - t1, t2 - t0


async def _renderer_first_chart(method: str, warm: bool) -> tuple[float, float]:
    """(start() duration, first real chart after start())."""
    from charts import ChartRenderer, example_spec

    renderer = ChartRenderer(WORKERS, start_method=method, warm=warm)  # type: ignore[arg-type]
    try:
        started = await renderer.start()
        t0 = time.perf_counter()
        await renderer.render_radar(example_spec())
        return started, time.perf_counter() - t0
    finally:
        await renderer.aclose()


async def bench_cold() -> None:
    print("cold pool: first chart (median of 3 pools each)")
    for method in ("spawn", "forkserver"):
        runs = [await asyncio.to_thread(_cold_raw_first_chart, method) for _ in range(3)]
        first = statistics.median(r[0] for r in runs)
        total = statistics.median(r[1] for r in runs)
        print(
            f"  {method:10s} no initializer (bare pool):       first chart {_ms(first)}"
            f"   (pool creation -> first chart {_ms(total)})"
        )
    for method in ("spawn", "forkserver"):
        for warm in (False, True):
            runs = [await _renderer_first_chart(method, warm) for _ in range(3)]
            started = statistics.median(r[0] for r in runs)
            first = statistics.median(r[1] for r in runs)
            label = "warm=True  (dummy chart)" if warm else "warm=False (imports only)"
            print(
                f"  {method:10s} ChartRenderer {label}: first chart {_ms(first)}"
                f"   (start() took {_ms(started)})"
            )
    print("  bare pool: the worker imports matplotlib and draws for the first time on the first")
    print("  real chart. ChartRenderer's initializer imports the package (warm=False) and also")
    print("  renders a dummy chart (warm=True); start() waits until every worker is done.")
    print()


def _forkserver_preloaded_start() -> tuple[float, float]:
    """forkserver with matplotlib preloaded in the server process (a process-global setting)."""
    multiprocessing.get_context("forkserver").set_forkserver_preload(["charts.radar"])

    async def run() -> tuple[float, float]:
        return await _renderer_first_chart("forkserver", True)

    return asyncio.run(run())


async def _stall(burst: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """Run `burst` while a 1 ms ticker measures how late the loop wakes it; (max stall, wall)."""
    worst = 0.0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal worst
        while not done.is_set():
            t0 = time.perf_counter()
            await asyncio.sleep(0.001)
            worst = max(worst, time.perf_counter() - t0 - 0.001)

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0.05)  # ticker settled
    worst = 0.0
    t0 = time.perf_counter()
    await burst()
    wall = time.perf_counter() - t0
    await asyncio.sleep(0.02)
    done.set()
    await tick
    return worst, wall


async def bench_stall() -> None:
    from charts import ChartRenderer, example_spec, render_radar

    spec = example_spec()
    render_radar(spec)

    async def in_loop() -> None:
        async def one() -> bytes:
            return render_radar(spec)

        await asyncio.gather(*(one() for _ in range(N_BURST)))

    async def in_threads() -> None:
        await asyncio.gather(*(asyncio.to_thread(render_radar, spec) for _ in range(N_BURST)))

    print(f"worst event-loop stall while {N_BURST} charts render at once (1 ms ticker, worst of 3)")
    stall, wall = await _stall(in_loop)
    print(f"  (a) in the event loop         stall {_ms(stall)}   all done in {_ms(wall)}")
    results = [await _stall(in_threads) for _ in range(3)]
    stall, wall = max(r[0] for r in results), statistics.median(r[1] for r in results)
    print(f"  (b) asyncio.to_thread         stall {_ms(stall)}   all done in {_ms(wall)}")
    for nice in (0, 10):
        async with ChartRenderer(WORKERS, nice=nice) as renderer:
            await renderer.render_radar(spec)

            async def in_pool(r: ChartRenderer = renderer) -> None:
                await asyncio.gather(*(r.render_radar(spec) for _ in range(N_BURST)))

            results = [await _stall(in_pool) for _ in range(3)]
        stall, wall = max(r[0] for r in results), statistics.median(r[1] for r in results)
        print(
            f"  (c) warm pool, {WORKERS} workers, nice {nice:<2d} stall {_ms(stall)}"
            f"   all done in {_ms(wall)}"
        )
    print()


async def main_async() -> None:
    await bench_warm_pool()
    await bench_cold()
    await bench_stall()


def main() -> None:
    machine()
    bench_inprocess()
    asyncio.run(main_async())
    # Last: preloading configures the process-wide forkserver, which other runs would inherit.
    started, first = _forkserver_preloaded_start()
    print("forkserver with matplotlib preloaded in the server (set_forkserver_preload)")
    print(f"  start() {_ms(started)}, first chart after start() {_ms(first)}")


if __name__ == "__main__":
    main()
