"""Export benchmark (issue 15): `python bench/bench_export.py [--clusters N] [--repeat R]`.

The data of ``bench/bench_summary.py`` (N clusters, default 10,000; campaigns 2020 and 2021 with
N submitted responses each, realistic answers, 5% resubmitted), then each command in a fresh
process as an admin runs it (wall time, CPU time, peak RSS = the process's VmHWM):

  python -m bot.cli export --campaign 2021 --format xlsx           (one campaign: 10,000 rows)
  python -m bot.cli export --campaign 2021 --format csv            (a .zip of CSVs)
  python -m bot.cli export --campaign 2021 --format csv --excel-es (; and decimal commas)
  python -m bot.cli export --campaign all --format xlsx            (both: 10,000 + 10,000, evolucion)
  python -m bot.cli export --campaign all --format csv

With ``--against OLD_CHECKOUT --db DB --old-db OLD_DB`` it compares instead: the same export of
one campaign run by this checkout and by an older one (e.g. ``git archive <rev> | tar -x``), in
turn, on the same data (OLD_DB: a copy of DB without the migrations the old code lacks), so a
busy machine's load falls on both alike.

The workbook now has the codebook, one 0/1 column per option of every multi-choice question and
an n/d flag per question that accepts it. The XLSX of one campaign must take ≤ 15 s and every
command ≤ 500 MB (2-core machine; figures in docs/BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # runnable from a checkout without installing

from bench.bench_summary import (  # noqa: E402
    TARGET_PEAK_MB,
    TARGET_XLSX_S,
    CliResult,
    generate,
    machine_lines,
    run_cli,
    verdict,
)


def commands(workdir: Path) -> list[tuple[str, list[str]]]:
    out = workdir / "out"
    return [
        ("--help (start-up only)", ["--help"]),
        ("export 2021 xlsx", ["export", "--campaign", "2021", "--output", str(out / "a.xlsx")]),
        (
            "export 2021 csv",
            ["export", "--campaign", "2021", "--format", "csv", "--output", str(out / "a.zip")],
        ),
        (
            "export 2021 csv --excel-es",
            [
                "export",
                "--campaign",
                "2021",
                "--format",
                "csv",
                "--excel-es",
                "--output",
                str(out / "es.zip"),
            ],
        ),
        ("export all xlsx", ["export", "--campaign", "all", "--output", str(out / "all.xlsx")]),
        (
            "export all csv",
            ["export", "--campaign", "all", "--format", "csv", "--output", str(out / "all.zip")],
        ),
    ]


def sheet_rows(path: Path) -> dict[str, int]:
    """Rows per sheet (header included), counted in the XML."""
    with zipfile.ZipFile(path) as zf:
        return {
            name.rsplit("/", 1)[-1]: zf.read(name).count(b"<row ")
            for name in sorted(zf.namelist())
            if name.startswith("xl/worksheets/sheet")
        }


def against(old: Path, db: Path, old_db: Path, repeat: int) -> int:
    """This checkout and an older one, in turn, on the same data: median wall, CPU, peak."""
    import statistics

    def env(repo: Path, path: Path) -> dict[str, str]:
        out = {k: v for k, v in os.environ.items() if not k.startswith("SSME_")}
        return out | {"SSME_DB_PATH": str(path), "SSME_CHART_WORKERS": "0", "PYTHONPATH": str(repo)}

    sides = {"before": env(old, old_db), "this": env(REPO, db)}
    work = db.parent
    for fmt, suffix in (("xlsx", "xlsx"), ("csv", "zip")):
        runs: dict[str, list[Any]] = {side: [] for side in sides}
        for _ in range(repeat):
            for side, side_env in sides.items():
                target = work / f"against_{side}.{suffix}"
                cli = ["export", "--campaign", "2021", "--format", fmt, "--output", str(target)]
                runs[side].append(run_cli(cli, side_env, work))
        for side, done in runs.items():
            print(
                f"| {side} | {fmt} | {statistics.median(r.wall for r in done):.2f} s "
                f"| {statistics.median(r.cpu for r in done):.2f} s "
                f"| {max(r.peak_mib for r in done):.0f} MiB |"
            )
    print("load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clusters", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20211)
    parser.add_argument("--against", type=Path, help="an older checkout to compare with")
    parser.add_argument("--db", type=Path, help="with --against: the data, for this checkout")
    parser.add_argument("--old-db", type=Path, help="with --against: the same, for the old one")
    args = parser.parse_args(argv)
    if args.against:
        return against(args.against, args.db, args.old_db, args.repeat)

    print("machine")
    print("\n".join(machine_lines()))
    workdir = Path(tempfile.mkdtemp(prefix="ssme-bench-export-"))
    db_path = workdir / "ssme.db"
    info = generate(db_path, args.clusters, args.seed)
    print(f"\ndata: {args.clusters:,} clusters × 2 campaigns, generated in {info['seconds']:.0f} s")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SSME_")}
    env.update(
        SSME_DB_PATH=str(db_path),
        SSME_CHART_WORKERS="0",
        PYTHONPATH=os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p),
    )
    results = []
    for label, cli_args in commands(workdir):
        run_cli(cli_args, env, workdir)  # warm the page cache and the .pyc files
        results.append(
            CliResult(label, [run_cli(cli_args, env, workdir) for _ in range(args.repeat)])
        )
    baseline = results[0].wall
    print(f"\ncommands, each in a fresh process (median of {args.repeat} after a warm-up)")
    print("| `ssme ...` | wall time | minus start-up | CPU time | peak RSS | size |")
    print("|---|---:|---:|---:|---:|---:|")
    sizes = {p.name: p.stat().st_size for p in (workdir / "out").iterdir()}
    names = {
        "export 2021 xlsx": "a.xlsx",
        "export 2021 csv": "a.zip",
        "export 2021 csv --excel-es": "es.zip",
        "export all xlsx": "all.xlsx",
        "export all csv": "all.zip",
    }
    for r in results:
        size = sizes.get(names.get(r.label, ""), 0) / 2**20
        print(
            f"| `{r.label}` | {r.wall:.2f} s | {r.wall - baseline:.2f} s | {r.cpu:.2f} s "
            f"| {r.peak:.0f} MiB | {size:.1f} MiB |"
        )
    print(f"\nrows per sheet, one campaign: {sheet_rows(workdir / 'out' / 'a.xlsx')}")
    print(f"rows per sheet, all: {sheet_rows(workdir / 'out' / 'all.xlsx')}")
    xlsx = results[1].wall
    peak = max(r.peak for r in results) * 2**20 / 1e6
    ok = xlsx <= TARGET_XLSX_S, peak <= TARGET_PEAK_MB
    print(
        f"\ntargets: XLSX (one campaign) {xlsx:.2f} s ≤ {TARGET_XLSX_S:.0f} s {verdict(ok[0])}; "
        f"peak {peak:.0f} MB ≤ {TARGET_PEAK_MB:.0f} MB {verdict(ok[1])}; "
        "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    )
    for path in sorted(workdir.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    workdir.rmdir()
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
