"""The chaos run, long form: `python bench/bench_chaos.py [--managers 30] [--kills 25]`.

See bench/chaos.py for what it does and checks. Target: 0 lost, 0 duplicated, over at least
20 kills. The short form runs in the test suite (tests/test_chaos.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_charts import machine
from bench.chaos import run_chaos


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--managers", type=int, default=30)
    parser.add_argument("--idle", type=int, default=40)
    parser.add_argument("--kills", type=int, default=25)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    machine()
    report = run_chaos(args.managers, args.kills, idle=args.idle, seed_=args.seed, timeout=1800)
    print("\nchaos run")
    for line in report.lines():
        print(f"  {line}")
    print(f"\n  verdict: {'OK' if report.ok else 'FAILED'}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
