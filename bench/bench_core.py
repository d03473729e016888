"""Benchmark of the pure core: `python bench/bench_core.py`.

Prints the median time to load (parse and validate) the questionnaire, to score one answer set,
to validate a whole answer file, to read a typed Colombian number, and to render one radar chart
(PNG and JPEG) in a warm pool worker, plus the worst event-loop stall while 20 charts render in
that pool.

Targets (issue 2, 2-core machine): scoring < 1 ms; chart < 100 ms median in a warm worker; the
event loop never stalled > 10 ms while 20 charts render. `bench/bench_charts.py` goes deeper
into the charts (cold pools, threads, in-loop rendering).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_charts import machine


def median_ms(fn: Callable[[], object], n: int) -> tuple[float, float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return statistics.median(samples) * 1000, samples[int(0.95 * (n - 1))] * 1000


async def charts(spec) -> None:  # type: ignore[no-untyped-def]
    from charts import ChartRenderer

    async with ChartRenderer(workers=2) as renderer:
        await renderer.start()
        for image_format in ("png", "jpeg"):
            times = []
            for _ in range(30):
                start = time.perf_counter()
                await renderer.render_radar(spec, image_format=image_format)
                times.append(time.perf_counter() - start)
            print(
                f"  radar chart ({image_format.upper()}), warm pool worker"
                f"   median {statistics.median(times) * 1000:7.2f} ms"
            )

        worst, stop = 0.0, False

        async def ticker() -> None:
            nonlocal worst
            while not stop:
                before = time.perf_counter()
                await asyncio.sleep(0.001)
                worst = max(worst, time.perf_counter() - before - 0.001)

        tick = asyncio.create_task(ticker())
        start = time.perf_counter()
        await asyncio.gather(*(renderer.render_radar(spec) for _ in range(20)))
        total = time.perf_counter() - start
        stop = True
        await tick
        print(
            f"  20 charts at once: worst loop stall {worst * 1000:6.2f} ms (all done in {total:.2f} s)"
        )


def main() -> None:
    import yaml

    from bot.conversation import results
    from bot.questionnaire.engine import Engine
    from bot.questionnaire.loader import parse_definition
    from scoring import score_answers

    machine()
    text = resources.files("bot.questionnaire").joinpath("ssme.yaml").read_text(encoding="utf-8")
    answers = yaml.safe_load(
        resources.files("bot").joinpath("examples/consolidado.yaml").read_text(encoding="utf-8")
    )
    q = parse_definition(text)
    engine = Engine(q, 2021)
    question = q.question("ventas_anio_actual")
    print("\ncore (median / p95)")
    for label, fn, n in [
        ("load questionnaire (YAML + validation)", lambda: parse_definition(text), 50),
        ("score one answer set", lambda: score_answers(q, answers, 2021), 2000),
        ("validate a whole answer file", lambda: engine.validate(answers), 500),
        ("read '457 mil millones'", lambda: engine.read(question, "457 mil millones"), 5000),
        (
            "next question + progress (41 answers)",
            lambda: engine.progress(answers, "empleo_anio_anterior"),
            2000,
        ),
    ]:
        med, p95 = median_ms(fn, n)
        print(f"  {label:<40} {med:8.3f} ms  {p95:8.3f} ms")
    spec = results.radar_spec(q, score_answers(q, answers, 2021), "Clúster de prueba", "2021")
    asyncio.run(charts(spec))


if __name__ == "__main__":
    main()
