"""Benchmark of the radar chart renderer: `python bench/bench_charts.py [--quick]`.

`python bench/bench_charts.py --compare OLD_TREE [--rounds N]`: the bot's own radar (the spec
``results.radar_spec`` builds, JPEG, cached path, warm) in OLD_TREE (a checkout of the code
before a change) and in this tree, measured alternately in fresh processes, N rounds each, so
the machine's noise falls on both alike (issue 14: within 10 % of before).

Prints the machine; the time per radar chart, PNG and JPEG, for the cached path (the default) and
the reference path (``cache=False``, which draws like the renderer did before the caches):
one fixed spec, and a realistic sequence of 100 charts (cluster names of 1 and 2 lines, random
values, 0–3 overlays, legend counts that change from chart to chart, a footnote or not), each
in-process and in a warm pool worker; then 135 charts arriving over 4 s at a warm pool (the end of
a benchmark: every manager presses «Enviar»). Then, unless --quick, the first chart of a cold pool
(with and without the warm-up initializer), the start-up cost of spawn and forkserver pools, and
the worst event-loop stall while 20 charts render at once (in the loop, with asyncio.to_thread,
and in the warm process pool).

Configurations are timed in interleaved rounds, so a load spike from other work on the machine
hits all of them alike.

Targets: < 100 ms median per radar chart in a warm worker (issue 2); in the burst, each chart
done within 300 ms at p95 (the bot's photo target, issue 3); the loop never stalled > 10 ms by the
pool.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from charts import ChartRenderer, RadarSpec

# Runnable from a checkout without installing: workers are spawned with the parent's sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# matplotlib and charts are imported inside the functions on purpose: spawn and forkserver
# workers re-import the parent's __main__ module, so a top-level import here would warm every
# "cold" worker before the cold measurements start.

N_SERIAL = 40  # charts timed one at a time
N_SEQUENCE = 100  # charts in the realistic sequence
ROUNDS = 3  # interleaved rounds per measurement
N_BURST = 20  # charts asked for at once in the stall test
N_MANAGERS = 135  # charts in the end-of-benchmark burst ...
BURST_SECONDS = 4.0  # ... arriving evenly over this many seconds
WORKERS = 2

# (label, keyword arguments of render_radar)
VARIANTS: tuple[tuple[str, dict[str, object]], ...] = (
    ("reference PNG", {"cache": False}),
    ("reference JPEG", {"cache": False, "image_format": "jpeg"}),
    ("cached PNG", {}),
    ("cached JPEG", {"image_format": "jpeg"}),
)

_SECTORS = (
    "Cafés Especiales",
    "Lácteo",
    "Software y Tecnologías de la Información",
    "Moda",
    "Cacao",
    "Turismo de Naturaleza",
    "Energía Eléctrica",
    "Bioeconomía y Biotecnología",
    "Logístico",
    "Industrias Creativas",
    "Frutas Tropicales",
    "Construcción Sostenible",
    "Salud",
)
_REGIONS = (
    "del Huila",
    "de Nariño",
    "del Valle del Cauca",
    "de Medellín",
    "de Santander",
    "del Meta",
    "de Antioquia",
    "del Eje Cafetero",
    "del Caribe",
    "de Bogotá Región",
    "de Boyacá",
    "del Cesar",
)
_SECTOR_GROUPS = ("agroindustria", "servicios", "manufactura", "TIC", "turismo")
# As bot/texts builds them (not imported: this benchmark is about the charts package alone).
_FOOTNOTE = "El promedio del sector se muestra con al menos 5 clústeres."


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def realistic_specs(n: int = N_SEQUENCE, seed: int = 7) -> list[RadarSpec]:
    """Radar specs as the bot builds them at the end of a campaign: SSME axes and bands, cluster
    names of one or two lines, one-decimal scores, 0–3 overlays whose legend counts grow as
    clusters submit, and the "sector hidden" footnote on some."""
    from charts.spec import SSME_AXES, SSME_BANDS, RadarSpec, Series

    rng = random.Random(seed)

    def scores(low: float, high: float) -> tuple[float, ...]:
        return tuple(round(rng.uniform(low, high), 1) for _ in SSME_AXES)

    specs = []
    for i in range(n):
        name = f"Clúster {rng.choice(('de ', ''))}{rng.choice(_SECTORS)} {rng.choice(_REGIONS)}"
        own = scores(0, 100)
        ims = sum(own) / len(own)
        level = "Consolidado" if ims >= 70 else "Intermedio" if ims >= 40 else "Exploración"
        roles = set(rng.sample(("national", "sector", "previous"), rng.randint(0, 3)))
        series = [Series("Su clúster", own)]
        if "national" in roles:
            series.append(Series(f"Promedio nacional ({20 + i})", scores(20, 80), "national"))
        if "sector" in roles:
            group = rng.choice(_SECTOR_GROUPS)
            series.append(Series(f"Promedio {group} ({5 + i // 8})", scores(20, 80), "sector"))
        if "previous" in roles:
            series.append(Series("Medición 2024", scores(0, 100), "previous"))
        hidden = "sector" not in roles and rng.random() < 0.5
        specs.append(
            RadarSpec(
                title=name,
                subtitle=f"Medición 2025 · IMS {ims:.1f} · {level}".replace(".", ","),
                axes=SSME_AXES,
                series=tuple(series),
                bands=SSME_BANDS,
                footnote=_FOOTNOTE if hidden else None,
            )
        )
    return specs


def _stats(samples: list[float]) -> str:
    return f"median {_ms(statistics.median(samples))}   p95 {_ms(_p95(samples))}"


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
    from charts.pool import _warm_up
    from charts.radar import clear_caches

    spec = example_spec()
    single: dict[str, list[float]] = {label: [] for label, _ in VARIANTS}
    sizes: dict[str, int] = {}
    for _, kwargs in VARIANTS:
        for _ in range(3):  # imports, fonts and caches are not what is being measured
            render_radar(spec, **kwargs)  # type: ignore[arg-type]
    for _ in range(N_SERIAL):
        for label, kwargs in VARIANTS:
            t0 = time.perf_counter()
            data = render_radar(spec, **kwargs)  # type: ignore[arg-type]
            single[label].append(time.perf_counter() - t0)
            sizes[label] = len(data)
    print(f"one radar chart (example_spec, all overlays), in-process, n={N_SERIAL} each")
    for label, _ in VARIANTS:
        print(f"  {label:15s} {_stats(single[label])}   {sizes[label] / 1024:.0f} KiB")
    print()

    specs = realistic_specs()
    sequence: dict[str, list[float]] = {label: [] for label, _ in VARIANTS}
    for _ in range(ROUNDS):
        for label, kwargs in VARIANTS:
            # Each round starts as a fresh pool worker would: caches warmed by its initializer
            # only, so the sequence pays for every layout it meets for the first time.
            clear_caches()
            _warm_up()
            for s in specs:
                t0 = time.perf_counter()
                render_radar(s, **kwargs)  # type: ignore[arg-type]
                sequence[label].append(time.perf_counter() - t0)
    print(f"realistic sequence of {N_SEQUENCE} charts, in-process, {ROUNDS} rounds")
    for label, _ in VARIANTS:
        print(f"  {label:15s} {_stats(sequence[label])}")
    print()


async def bench_warm_pool() -> None:
    from charts import ChartRenderer, example_spec, pool

    spec = example_spec()
    specs = realistic_specs()
    single: dict[str, list[float]] = {label: [] for label, _ in VARIANTS}
    sequence: dict[str, list[float]] = {label: [] for label, _ in VARIANTS}
    for _ in range(ROUNDS):
        for label, kwargs in VARIANTS:
            # A fresh pool per round and variant: the sequence meets its layouts for the first
            # time, as at the end of a real benchmark.
            async with ChartRenderer(WORKERS) as renderer:
                # The pool's API has no cache flag: the reference path goes in as a plain job.
                def job(s: RadarSpec, kw: dict[str, object] = kwargs) -> partial[bytes]:
                    return partial(pool.render_radar, s, **kw)

                for s in specs:
                    t0 = time.perf_counter()
                    await renderer._run(job(s))
                    sequence[label].append(time.perf_counter() - t0)
                for _ in range(N_SERIAL // ROUNDS + 1):
                    t0 = time.perf_counter()
                    await renderer._run(job(spec))
                    single[label].append(time.perf_counter() - t0)
    print(f"warm pool worker (spawn, {WORKERS} workers, one chart at a time, {ROUNDS} rounds)")
    print("  (wall time of one render job: render + pickling + IPC)")
    for label, _ in VARIANTS:
        print(f"  {label:15s} sequence of {N_SEQUENCE}: {_stats(sequence[label])}")
    for label, _ in VARIANTS:
        print(f"  {label:15s} example_spec:     {_stats(single[label])}")
    print()


async def bench_burst() -> None:
    """135 managers press «Enviar» within 4 s: latency from request to chart in a warm pool."""
    from charts import ChartRenderer, pool

    specs = realistic_specs(N_MANAGERS, seed=11)
    gap = BURST_SECONDS / N_MANAGERS
    print(
        f"end-of-benchmark burst: {N_MANAGERS} charts arriving over {BURST_SECONDS:.0f} s "
        f"at a warm pool ({WORKERS} workers), latency per chart, {ROUNDS} rounds"
    )
    results: dict[str, list[float]] = {label: [] for label, _ in VARIANTS}
    walls: dict[str, list[float]] = {label: [] for label, _ in VARIANTS}
    for _ in range(ROUNDS):
        for label, kwargs in VARIANTS:
            async with ChartRenderer(WORKERS) as renderer:

                async def one(
                    i: int, r: ChartRenderer = renderer, kw: dict[str, object] = kwargs
                ) -> float:
                    await asyncio.sleep(i * gap)
                    t0 = time.perf_counter()
                    await r._run(partial(pool.render_radar, specs[i], **kw))
                    return time.perf_counter() - t0

                t0 = time.perf_counter()
                results[label] += await asyncio.gather(*(one(i) for i in range(N_MANAGERS)))
                walls[label].append(time.perf_counter() - t0)
    for label, _ in VARIANTS:
        print(
            f"  {label:15s} {_stats(results[label])}   max {_ms(max(results[label]))}"
            f"   last chart at {statistics.median(walls[label]):.2f} s"
        )
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
    multiprocessing.get_context("forkserver").set_forkserver_preload(
        ["charts.radar", "charts.bars"]
    )

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


async def main_async(quick: bool) -> None:
    await bench_warm_pool()
    await bench_burst()
    if not quick:
        await bench_cold()
        await bench_stall()


# Run in each tree (cwd and sys.path[0] = the tree): the bot's radar for 60 clusters of one
# campaign, with random overlays, as results.radar_spec builds it; each drawn once to warm the
# layout caches, then timed three times. Prints the median ms per chart.
_COMPARE = r"""
import random, statistics, sys, time
from bot.conversation import results
from bot.questionnaire.loader import load_questionnaire
from charts.radar import render_radar
from scoring import score_answers
import yaml
from importlib import resources
q = load_questionnaire()
rng = random.Random(7)
bases = [yaml.safe_load((resources.files("bot") / "examples" / f"{n}.yaml").read_text())
         for n in ("consolidado", "joven")]
ids = [a.id for a in q.areas]
specs = []
for i in range(60):
    result = score_answers(q, bases[i % 2], 2021)
    rand = lambda: {a: round(rng.uniform(20, 90), 1) for a in ids}
    n = rng.choice((3, 8, 40))
    overlays = results.Overlays(
        national=rand(), national_n=n, sector=rand() if rng.random() < 0.6 else None,
        sector_label="agroindustria", sector_n=rng.choice((2, 6, 12)),
        previous=rand() if rng.random() < 0.5 else None, previous_label="2020")
    specs.append(results.radar_spec(q, result, f"Clúster número {i} del Huila", "2021", overlays))
for spec in specs:
    render_radar(spec, image_format="jpeg")
samples = []
for _ in range(3):
    for spec in specs:
        t = time.perf_counter(); render_radar(spec, image_format="jpeg")
        samples.append(time.perf_counter() - t)
print(statistics.median(samples) * 1000)
"""


def compare(old_tree: Path, rounds: int) -> None:
    import subprocess

    trees = {"before": old_tree.resolve(), "now": Path(__file__).resolve().parent.parent}
    medians: dict[str, list[float]] = {k: [] for k in trees}
    for r in range(rounds):
        for name, tree in list(trees.items()) if r % 2 == 0 else list(trees.items())[::-1]:
            out = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    f"import sys; sys.path.insert(0, {str(tree)!r})\n" + _COMPARE,
                ],
                cwd=tree,
                capture_output=True,
                text=True,
                check=True,
            )
            medians[name].append(float(out.stdout.strip()))
    print(f"the bot's radar (JPEG, cached, warm), median ms per chart, {rounds} alternate rounds")
    for name, values in medians.items():
        shown = ", ".join(f"{v:.1f}" for v in values)
        print(f"  {name:7s} median of rounds {statistics.median(values):6.2f} ms   ({shown})")
    ratio = statistics.median(medians["now"]) / statistics.median(medians["before"])
    print(f"  now / before = {ratio:.3f}  (target <= 1.10)")


def main() -> None:
    if "--compare" in sys.argv[1:]:
        args = sys.argv[1:]
        rounds = int(args[args.index("--rounds") + 1]) if "--rounds" in args else 6
        compare(Path(args[args.index("--compare") + 1]), rounds)
        return
    quick = "--quick" in sys.argv[1:]
    machine()
    bench_inprocess()
    asyncio.run(main_async(quick))
    if quick:
        return
    # Last: preloading configures the process-wide forkserver, which other runs would inherit.
    started, first = _forkserver_preloaded_start()
    print("forkserver with matplotlib preloaded in the server (set_forkserver_preload)")
    print(f"  start() {_ms(started)}, first chart after start() {_ms(first)}")


if __name__ == "__main__":
    main()
