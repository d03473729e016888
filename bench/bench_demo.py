"""The demo's start-up: `python bench/bench_demo.py [--repeat R]`.

Times, each R times (default 5), median and worst:

  seed        ``bot.demo.seeding.seed_network`` alone, into a new file: the registry, two
              campaigns, managers, both campaigns' imports, drafts and reviews
  first run   ``ssme demo`` as a process, from its start to the end of a session that only
              opens the chat and quits (``/salir``): Python's imports, the seed, the bot's
              start against the local Bot API server, the first reply, the stop
  next run    the same on the existing folder (no seed)

Target (2-core machine): the demo starts in a few seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.demo.seeding import seed_network
from bot.questionnaire.loader import load_questionnaire
from bot.storage import utcnow


def _report(name: str, times: list[float]) -> None:
    print(f"{name:<10} median {statistics.median(times):6.2f} s · worst {max(times):6.2f} s")


def _demo(folder: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", "--dir", str(folder)],
        input="/salir\n",
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    q = load_questionnaire()
    seeds, firsts, nexts = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeat):
            path = Path(tmp) / f"seed{i}" / "demo.db"
            started = time.perf_counter()
            asyncio.run(seed_network(path, q, utcnow(), ZoneInfo("America/Bogota")))
            seeds.append(time.perf_counter() - started)
            folder = Path(tmp) / f"demo{i}"
            firsts.append(_demo(folder))
            nexts.append(_demo(folder))
    _report("seed", seeds)
    _report("first run", firsts)
    _report("next run", nexts)


if __name__ == "__main__":
    main()
