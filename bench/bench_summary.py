"""Summary and export benchmark: `python bench/bench_summary.py [--clusters N] [--repeat R]`.

Generates a registry of N clusters (default 10,000; all 33 departments, the three sectors, every
kind of managing entity, ~5% inactive) and two campaigns, 2020 and 2021, each with one submitted
response per cluster. Each answer set is one of the two example files
(``bot/examples/consolidado.yaml``, ``joven.yaml``) perturbed question by question: random valid
choices and selections (exclusive options alone), numbers within the questionnaire's bounds and
consistent with each other (active and beneficiary firms <= linked firms, firm sizes summing to
the linked firms, sales shares summing to 100, year-on-year changes within ±50%), some "n/d"
where allowed, skip logic respected. Every set passes ``Engine.validate`` without errors and is
scored with ``scoring.score_answers``; 5% of the responses were submitted twice (two results
and submissions rows, the latest counts), as a corrected response leaves them.

Then it times, each in a fresh process as an admin runs it (wall time including Python start-up,
and the peak RSS of that process from ``wait4``'s rusage), R times (default 3):

  python -m bot.cli --help                                          (start-up only, to subtract)
  python -m bot.cli summary --campaign 2021 --json > /dev/null
  python -m bot.cli export --campaign 2021 --format xlsx --output ...
  python -m bot.cli export --campaign 2021 --format csv --output ...

and, in this process, the pieces they are made of (storage reads, compute_summary, charts' data,
text, export_tables, to_xlsx, to_csv_zip), to show where the time goes.

Targets (2-core machine): summary <= 1 s, XLSX <= 15 s, peak memory <= 500 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import platform
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # runnable from a checkout without installing

import yaml  # noqa: E402

from bot.files.registry import DEPARTMENTS, MANAGER_TYPES, SECTORS  # noqa: E402
from bot.questionnaire.engine import Engine  # noqa: E402
from bot.questionnaire.loader import load_questionnaire  # noqa: E402
from bot.questionnaire.model import ND, Question, Questionnaire  # noqa: E402
from bot.storage import Storage  # noqa: E402
from scoring import score_answers  # noqa: E402

TARGET_SUMMARY_S = 1.0
TARGET_XLSX_S = 15.0
TARGET_PEAK_MB = 500.0
CAMPAIGNS = (("2020", 2020), ("2021", 2021))
RESUBMITTED = 0.05  # share of responses with two results rows
_T = TypeVar("_T")


# --------------------------------------------------------------------------------------------
# Machine
# --------------------------------------------------------------------------------------------


def machine_lines() -> list[str]:
    import openpyxl

    model = platform.processor() or "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    mem = "unknown"
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return [
        f"  nproc               {os.cpu_count()} (usable: {usable})",
        f"  cpu                 {model}",
        f"  memory              {mem}",
        f"  python              {platform.python_version()} ({platform.machine()})",
        f"  sqlite              {sqlite3.sqlite_version}",
        f"  openpyxl            {openpyxl.__version__}",
        "  load average        {:.2f} {:.2f} {:.2f} (1, 5, 15 min)".format(*os.getloadavg()),
    ]


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


def example(name: str) -> dict[str, Any]:
    text = resources.files("bot").joinpath(f"examples/{name}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


class AnswerMaker:
    """Varied answer sets that pass validation, built on the two example files."""

    def __init__(self, q: Questionnaire, rng: random.Random) -> None:
        self.q = q
        self.rng = rng
        self.bases = [example("consolidado"), example("joven")]

    def _index(self, n: int, m: float) -> int:
        """An option index around the cluster's maturity ``m`` (0: the first, 1: the last)."""
        return min(n - 1, max(0, round(m * (n - 1) + self.rng.gauss(0, 0.9))))

    def _single(self, question: Question, m: float) -> str:
        return question.choices[self._index(len(question.choices), m)].id

    def _multi(self, question: Question, base: Any, m: float) -> list[str]:
        rng = self.rng
        exclusive = [c.id for c in question.choices if c.exclusive]
        plain = [c.id for c in question.choices if not c.exclusive]
        if exclusive and rng.random() < 0.12 * (1 - m):
            return [rng.choice(exclusive)]
        if isinstance(base, list) and rng.random() < 0.2:
            kept = [b for b in base if b in plain]
            if kept:
                return kept  # the example's own selection
        picked = rng.sample(plain, 1 + self._index(len(plain), m))
        order = {c: i for i, c in enumerate(plain)}
        return sorted(picked, key=order.__getitem__)

    def _split(self, total: int, parts: int) -> list[int]:
        cuts = sorted(self.rng.randint(0, total) for _ in range(parts - 1))
        bounds = [0, *cuts, total]
        return [b - a for a, b in itertools.pairwise(bounds)]

    def make(self, year: int, m: float) -> dict[str, Any]:
        """One answer set of a cluster of maturity ``m`` (0–1) for the campaign of ``year``."""
        rng = self.rng
        raw = dict(self.bases[0] if m > 0.6 else self.bases[1])
        for question in self.q.questions:
            if question.type == "single":
                raw[question.id] = self._single(question, m)
            elif question.type == "multi":
                raw[question.id] = self._multi(question, raw.get(question.id), m)
            elif question.type == "yesno":
                raw[question.id] = rng.random() < 0.2 + 0.7 * m
        # Strategy: its update year is asked unless there is no strategy.
        if raw["estrategia_formalizacion"] == "no_existe":
            raw.pop("estrategia_anio_actualizacion", None)
        else:
            raw["estrategia_anio_actualizacion"] = (
                "nunca" if rng.random() < 0.15 * (1 - m) else year - int(rng.expovariate(0.4 + m))
            )
        # Firms: active and beneficiaries within the linked ones; sizes sum to them.
        linked = int(rng.lognormvariate(3.2 + 1.6 * m, 0.8)) + 3
        raw["empresas_vinculadas"] = linked
        raw["empresas_activas"] = round(linked * min(1.0, rng.uniform(0.2, 0.6) + 0.4 * m))
        raw["empresas_beneficiarias"] = round(linked * rng.uniform(0.0, 0.3 + 0.6 * m))
        for key in ("actores_empresas", "actores_academia", "actores_publico", "actores_apoyo"):
            raw[key] = rng.choice([0, 0, 1, 2, 3, 5, 8, 12, 20])
        raw["gobernanza_reuniones"] = rng.randint(0, round(4 + 16 * m))
        if "junta_directiva" in raw["gobernanza_instancias"]:
            raw["gobernanza_pct_empresarios"] = rng.randint(round(60 * m), 100)
        else:
            raw.pop("gobernanza_pct_empresarios", None)
        raw["equipo_tiempo_completo"] = rng.choice([0, 0, 1, 1, 2, 3, 5])
        for key in ("proyectos_formulacion", "proyectos_ejecucion", "proyectos_finalizados"):
            raw[key] = rng.randint(0, round(2 + 10 * m))
        raw["financiacion_pct_empresas"] = rng.choice([0, 5, 10, 15, 20, 25, 30, 35, 40, 50, 70])
        sizes = ("empresas_micro", "empresas_pequenas", "empresas_medianas", "empresas_grandes")
        roll = rng.random()
        if roll < 0.10:
            raw.update(dict.fromkeys(sizes, ND))
        elif roll < 0.15:  # one size unknown: the sum rule is skipped, the others are kept
            values = self._split(linked, 4)
            values[rng.randrange(4)] = ND
            raw.update(zip(sizes, values, strict=True))
        else:
            micro, small, medium, large = self._split(linked, 4)
            # Mostly micro and small firms, as in the network.
            raw.update(zip(sizes, sorted([micro, small, medium, large], reverse=True), strict=True))
        if rng.random() < 0.2:
            raw["ventas_anio_actual"] = raw["ventas_anio_anterior"] = ND
        else:
            before = int(rng.lognormvariate(24.0, 1.5))
            raw["ventas_anio_anterior"] = min(before, 10**14)
            raw["ventas_anio_actual"] = int(raw["ventas_anio_anterior"] * rng.uniform(0.7, 1.5))
        shares = ("ventas_pct_local", "ventas_pct_nacional", "ventas_pct_exportacion")
        if rng.random() < 0.15:
            raw.update(dict.fromkeys(shares, ND))
        else:
            raw.update(zip(shares, self._split(100, 3), strict=True))
        if rng.random() < 0.1:
            raw["empleo_anio_actual"] = raw["empleo_anio_anterior"] = ND
        else:
            before = int(rng.lognormvariate(6.5, 1.2)) + 1
            raw["empleo_anio_anterior"] = before
            raw["empleo_anio_actual"] = max(0, int(before * rng.uniform(0.7, 1.4)))
        return raw


def registry(n: int, rng: random.Random) -> list[tuple[Any, ...]]:
    rows = []
    for i in range(n):
        department = DEPARTMENTS[i % len(DEPARTMENTS)] if i < 200 else rng.choice(DEPARTMENTS)
        sector = rng.choices(SECTORS, weights=(4, 4, 3))[0]
        kind = rng.choices(MANAGER_TYPES, weights=(10, 3, 2, 2, 2, 1))[0]
        rows.append(
            (
                f"cl{i:05d}",
                f"Clúster {sector} {department} {i}",
                department,
                f"Municipio {i % 97}",
                sector,
                rng.choice(["café", "turismo", "TIC", "moda", "cacao", "salud", None]),
                f"Entidad gestora {i % 311}",
                kind,
                rng.randint(1995, 2020),
                "inactiva" if rng.random() < 0.05 else "activa",
            )
        )
    return rows


def generate(db_path: Path, n: int, seed: int) -> dict[str, Any]:
    """Write the registry and both campaigns; returns counts for the report."""
    rng = random.Random(seed)
    q = load_questionnaire(None)
    maker = AnswerMaker(q, rng)

    async def migrate() -> None:
        storage = await Storage.open(db_path)
        await storage.close()

    asyncio.run(migrate())
    t0 = time.perf_counter()
    clusters = registry(n, rng)
    # Each cluster's maturity (0–1), a little higher a year later: levels spread over the three.
    maturity = [rng.betavariate(2.0, 2.2) for _ in clusters]
    now = datetime.now(UTC)
    info: dict[str, Any] = {"warnings": 0, "nd_answers": 0, "levels": {}}
    with contextlib.closing(sqlite3.connect(db_path)) as db, db:
        db.executemany(
            "INSERT INTO clusters (cluster_id, nombre, departamento, municipio, sector, subsector, "
            "entidad_gestora, entidad_gestora_tipo, anio_creacion, estado, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(*c, now.isoformat(timespec="seconds")) for c in clusters],
        )
        response_id = result_id = 0
        for campaign_id, year in CAMPAIGNS:
            engine = Engine(q, year)
            opens = datetime(year + 1, 3, 1, 13, tzinfo=UTC)
            closes = opens + timedelta(days=60)
            db.execute(
                "INSERT INTO campaigns (campaign_id, reference_year, opens_at, closes_at, state, "
                "created_at) VALUES (?, ?, ?, ?, 'closed', ?)",
                (campaign_id, year, opens.isoformat(), closes.isoformat(), opens.isoformat()),
            )
            responses, answers, results = [], [], []
            levels: dict[str, int] = {}
            for index, cluster in enumerate(clusters):
                m = min(1.0, max(0.0, maturity[index] + (year - 2020) * rng.gauss(0.04, 0.08)))
                raw = maker.make(year, m)
                kept, errors, warnings = engine.validate(raw)
                if errors:
                    raise AssertionError(f"generated answers fail validation: {errors}")
                info["warnings"] += len(warnings)
                info["nd_answers"] += sum(1 for v in kept.values() if v == ND)
                response_id += 1
                submitted = opens + timedelta(seconds=rng.randint(3600, 59 * 86400))
                at = submitted.isoformat(timespec="seconds")
                responses.append((response_id, cluster[0], campaign_id, q.version, at, at, at))
                answers.extend(
                    (response_id, qid, json.dumps(v, ensure_ascii=False), at)
                    for qid, v in kept.items()
                )
                scores = score_answers(q, kept, year).to_json()
                levels[scores["level"]] = levels.get(scores["level"], 0) + 1
                payload = (
                    json.dumps(scores, ensure_ascii=False),
                    json.dumps(kept, ensure_ascii=False),
                )
                if rng.random() < RESUBMITTED:  # an earlier submission, superseded
                    result_id += 1
                    results.append(
                        (result_id, response_id, at, q.version, 0.0, "exploracion", *payload)
                    )
                result_id += 1
                results.append(
                    (
                        result_id,
                        response_id,
                        at,
                        q.version,
                        scores["ims"],
                        scores["level"],
                        *payload,
                    )
                )
            db.executemany(
                "INSERT INTO responses (response_id, cluster_id, campaign_id, status, "
                "questionnaire_version, source, created_at, updated_at, submitted_at) "
                "VALUES (?, ?, ?, 'submitted', ?, 'telegram', ?, ?, ?)",
                responses,
            )
            db.executemany(
                "INSERT INTO answers (response_id, question_id, value, answered_at) "
                "VALUES (?, ?, ?, ?)",
                answers,
            )
            db.executemany(
                "INSERT INTO results (result_id, response_id, submitted_at, questionnaire_version, "
                "ims, level, scores, answers) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                results,
            )
            # Each result was a submission: numbered per response, as migration 5 numbers them.
            db.execute(
                "INSERT INTO submissions (response_id, version, result_id, submitted_at) "
                "SELECT r.response_id, row_number() OVER (PARTITION BY r.response_id "
                "ORDER BY r.result_id), r.result_id, r.submitted_at FROM results r "
                "JOIN responses s ON s.response_id = r.response_id WHERE s.campaign_id = ?",
                (campaign_id,),
            )
            info["levels"][campaign_id] = dict(sorted(levels.items()))
        info["responses"] = response_id
        info["results"] = result_id
    info["seconds"] = time.perf_counter() - t0
    info["db_mib"] = db_path.stat().st_size / 2**20
    return info


# --------------------------------------------------------------------------------------------
# The CLI, one fresh process per command
# --------------------------------------------------------------------------------------------


# ``python -m bot.cli ...`` exactly (runpy, as -m does), plus an atexit hook that writes the
# process's own VmHWM. wait4's ru_maxrss cannot be used: subprocess starts the child with vfork,
# and Linux carries the *parent's* peak RSS (the mm given up at exec) into the child's maxrss,
# so every command would show at least this harness's size.
LAUNCHER = """\
import atexit, os, runpy, sys
def _hwm():
    with open("/proc/self/status") as status:
        kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    with open(os.environ["BENCH_HWM_FILE"], "w") as out:
        out.write(str(kib))
atexit.register(_hwm)
sys.argv = ["bot.cli", *sys.argv[1:]]
runpy.run_module("bot.cli", run_name="__main__", alter_sys=True)
"""


@dataclass
class CliRun:
    wall: float  # seconds, start of the process to its exit
    cpu: float  # user + system seconds of the process
    peak_mib: float  # VmHWM


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> CliRun:
    """One ``python -m bot.cli ...`` in a fresh process; stdout goes to /dev/null."""
    hwm_file = cwd / "hwm.txt"
    hwm_file.unlink(missing_ok=True)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, *args],
        cwd=cwd,
        env={**env, "BENCH_HWM_FILE": str(hwm_file)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"ssme {' '.join(args)} exited {proc.returncode}:\n{err.decode()}")
    peak = int(hwm_file.read_text()) / 1024
    return CliRun(wall, usage.ru_utime + usage.ru_stime, peak)


@dataclass
class CliResult:
    label: str
    runs: list[CliRun]

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def peak(self) -> float:
        return max(r.peak_mib for r in self.runs)


def bench_env(db_path: Path) -> dict[str, str]:
    """The environment of an ``ssme`` command on ``db_path`` (no SSME_* of this shell)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SSME_")}
    env.update(
        SSME_DB_PATH=str(db_path),
        SSME_CHART_WORKERS="0",
        PYTHONPATH=os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p),
    )
    return env


def bench_cli(db_path: Path, workdir: Path, repeat: int) -> list[CliResult]:
    env = bench_env(db_path)
    xlsx, csv_zip = workdir / "ssme_2021.xlsx", workdir / "ssme_2021.zip"
    commands = [
        ("--help (start-up only)", ["--help"]),
        ("summary --json", ["summary", "--campaign", "2021", "--json"]),
        (
            "export --format xlsx",
            ["export", "--campaign", "2021", "--format", "xlsx", "--output", str(xlsx)],
        ),
        (
            "export --format csv",
            ["export", "--campaign", "2021", "--format", "csv", "--output", str(csv_zip)],
        ),
    ]
    out = []
    for label, args in commands:
        run_cli(args, env, workdir)  # warm the page cache and the .pyc files
        out.append(CliResult(label, [run_cli(args, env, workdir) for _ in range(repeat)]))
    print(import_cost(env, workdir))
    return out


def import_cost(env: dict[str, str], cwd: Path) -> str:
    """What the summary and export commands import beyond the CLI itself, in a fresh process."""
    code = (
        "import sys, time\n"
        "t0 = time.perf_counter(); import bot.cli; t1 = time.perf_counter()\n"
        "import bot.services.reports; t2 = time.perf_counter()\n"
        "heavy = [m for m in ('matplotlib', 'numpy', 'openpyxl') if m in sys.modules]\n"
        "print(f'{t1 - t0:.3f} {t2 - t1:.3f} {\",\".join(heavy)}')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    return (
        f"  imports: bot.cli {float(out[0]) * 1000:.0f} ms; then bot.services.reports (summary/export) "
        f"{float(out[1]) * 1000:.0f} ms more, which loads {out[2] if len(out) > 2 else 'nothing heavy'}"
    )


def check_outputs(workdir: Path, n: int) -> list[str]:
    """The files really hold the campaign: rows per sheet / CSV."""
    lines = []
    with zipfile.ZipFile(workdir / "ssme_2021.xlsx") as zf:
        # Sheet name → part, from the workbook and its relationships; rows counted in the XML
        # (the streamed sheets carry no <dimension>, so openpyxl's max_row is None).
        book = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
        targets = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
        targets |= {k: v for v, k in re.findall(r'Target="([^"]+)"[^>]*Id="([^"]+)"', rels)}
        sheets = {}
        for name, rid in re.findall(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"', book):
            part = targets[rid].lstrip("/")
            part = part if part.startswith("xl/") else f"xl/{part}"
            sheets[name] = zf.read(part).count(b"<row ")
    lines.append(
        f"  xlsx {(workdir / 'ssme_2021.xlsx').stat().st_size / 2**20:.1f} MiB, rows per sheet "
        f"(header included): {sheets}"
    )
    with zipfile.ZipFile(workdir / "ssme_2021.zip") as zf:
        counts = {
            name: zf.read(name).count(b"\r\n") for name in zf.namelist() if name.endswith(".csv")
        }
    lines.append(
        f"  csv zip {(workdir / 'ssme_2021.zip').stat().st_size / 2**20:.1f} MiB, lines per "
        f"CSV (header included): {counts}"
    )
    if sheets.get("respuestas") != n + 1:
        lines.append(f"  WARNING: the respuestas sheet should have {n + 1} rows")
    return lines


# --------------------------------------------------------------------------------------------
# In-process pieces
# --------------------------------------------------------------------------------------------


async def pieces(db_path: Path) -> list[tuple[str, float, float]]:
    from bot.reports import summary as summaries
    from bot.reports.export import ExportRow, export_tables, to_csv_zip, to_xlsx
    from bot.services import exports, reports
    from bot.texts import admin as t

    q = load_questionnaire(None)
    timings: list[tuple[str, float, float]] = []  # (label, wall s, CPU s of this process)

    async def timed(label: str, work: Callable[[], Awaitable[_T]]) -> _T:
        start, cpu = time.perf_counter(), time.process_time()
        value = await work()
        timings.append((label, time.perf_counter() - start, time.process_time() - cpu))
        return value

    def sync(fn: Callable[[], _T]) -> Callable[[], Awaitable[_T]]:
        async def inner() -> _T:
            return fn()

        return inner

    storage = await timed("open the database", lambda: Storage.open(db_path))
    try:
        campaign = await storage.get_campaign("2021")
        assert campaign is not None
        clusters = await timed("storage.list_clusters", storage.list_clusters)
        current_rows = await timed(
            "storage.submitted_scores(2021, used)",
            lambda: storage.submitted_scores("2021", summaries.ANSWERS_USED),
        )
        previous_campaign = await timed(
            "storage.previous_campaign", lambda: storage.previous_campaign("2021")
        )
        assert previous_campaign is not None
        previous_rows = await timed(
            "storage.submitted_scores(2020)", lambda: storage.submitted_scores("2020")
        )
        registry_info = [reports.cluster_info(c) for c in clusters]
        current = await timed(
            "SubmittedScores → Submission (both)",
            sync(
                lambda: (
                    [reports.submission(s) for s in current_rows]
                    + [reports.submission(s) for s in previous_rows]
                )
            ),
        )
        previous = current[len(current_rows) :]
        current = current[: len(current_rows)]
        previous_summary = await timed(
            "headline(2020)",
            sync(lambda: summaries.headline(q, "2020", registry_info, previous)),
        )
        data = await timed(
            "compute_summary(2021 vs 2020)",
            sync(
                lambda: summaries.compute_summary(
                    q, "2021", registry_info, current, previous, "2020"
                )
            ),
        )
        counts = await timed(
            "respondent_counts", sync(lambda: summaries.respondent_counts(registry_info, current))
        )
        await timed(
            "summary_charts (data only)",
            sync(lambda: summaries.summary_charts(data, q, previous_summary, counts)),
        )
        await timed("summary_text", sync(lambda: summaries.summary_text(data, q)))
        await timed(
            "json.dumps(summary)", sync(lambda: json.dumps(data, ensure_ascii=False, indent=2))
        )
        await timed(
            "reports.summary (all of the above)", lambda: reports.summary(storage, q, "2021")
        )

        export_rows = await timed(
            "storage.submissions(2021), all answers",
            lambda: storage.submissions("2021"),
        )
        by_id = {c.cluster_id: c for c in clusters}
        registry_rows = [asdict(c) for c in clusters]
        rows = await timed(
            "ExportRow list",
            sync(
                lambda: [
                    ExportRow(
                        cluster=asdict(by_id[s.cluster_id]),
                        campaign_id="2021",
                        questionnaire_version=s.questionnaire_version,
                        submitted_at=s.submitted_at,
                        answers=s.answers,
                        scores=s.scores,
                    )
                    for s in export_rows
                ]
            ),
        )
        tables = await timed("export_tables", sync(lambda: export_tables(q, registry_rows, rows)))
        title = t.EXPORT_TITLE.format(campaign="2021")
        await timed("to_xlsx", sync(lambda: to_xlsx(tables, title=title)))
        await timed("to_csv_zip", sync(lambda: to_csv_zip(tables, title=title)))
        await timed("exports.export xlsx (all)", lambda: exports.export(storage, q, "2021", "xlsx"))
        await timed("exports.export csv (all)", lambda: exports.export(storage, q, "2021", "csv"))
    finally:
        await storage.close()
    return timings


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--clusters", type=int, default=10_000, help="registry size = responses per campaign"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs per command (after one warm-up)"
    )
    parser.add_argument("--seed", type=int, default=20211)
    parser.add_argument("--keep", action="store_true", help="keep the database and the exports")
    args = parser.parse_args(argv)

    print("machine")
    print("\n".join(machine_lines()))
    workdir = Path(tempfile.mkdtemp(prefix="ssme-bench-summary-"))
    db_path = workdir / "ssme.db"
    try:
        info = generate(db_path, args.clusters, args.seed)
        print(
            f"\ndata: {args.clusters:,} clusters; campaigns 2020 and 2021 with {args.clusters:,} "
            f"submitted responses each ({info['results']:,} results rows, {RESUBMITTED:.0%} "
            f"resubmitted); generated, validated and scored in {info['seconds']:.1f} s; "
            f"database {info['db_mib']:.0f} MiB ({workdir})"
        )
        print(
            f"  levels {info['levels']}; 'n/d' answers {info['nd_answers']:,}; validation "
            f"warnings {info['warnings']:,} (errors: 0)"
        )

        print(
            f"\ncommands, each in a fresh process (median of {args.repeat} after a warm-up; "
            "peak = VmHWM of the command's process, the worst run)"
        )
        cli = bench_cli(db_path, workdir, args.repeat)
        baseline = cli[0].wall
        for c in cli:
            extra = "" if c is cli[0] else f"  (minus start-up {c.wall - baseline:5.2f} s)"
            print(
                f"  ssme {c.label:<24} wall {c.wall:6.2f} s [min {min(r.wall for r in c.runs):.2f}, "
                f"max {max(r.wall for r in c.runs):.2f}]  CPU {c.cpu:6.2f} s  "
                f"peak {c.peak:5.0f} MiB{extra}"
            )
        print("\n".join(check_outputs(workdir, args.clusters)))

        print(
            "\nin-process pieces (one run each, warm imports; CPU of this process, the aiosqlite "
            "thread included, is the figure to trust on a busy machine)"
        )
        print(f"  {'':<36} {'wall':>12} {'CPU':>12}")
        asyncio.run(pieces(db_path))  # imports and caches, not measured
        for label, seconds, cpu in asyncio.run(pieces(db_path)):
            print(f"  {label:<36} {seconds * 1000:9.1f} ms {cpu * 1000:9.1f} ms")

        summary_s, xlsx_s = cli[1].wall, cli[2].wall
        peak = max(c.peak for c in cli) * 2**20 / 1e6  # MB, as the target is written
        ok = summary_s <= TARGET_SUMMARY_S, xlsx_s <= TARGET_XLSX_S, peak <= TARGET_PEAK_MB
        print(
            f"\ntargets: summary {summary_s:.2f} s ≤ {TARGET_SUMMARY_S:.0f} s {verdict(ok[0])}; "
            f"XLSX {xlsx_s:.2f} s ≤ {TARGET_XLSX_S:.0f} s {verdict(ok[1])}; "
            f"peak memory {peak:.0f} MB ≤ {TARGET_PEAK_MB:.0f} MB {verdict(ok[2])}"
        )
        print(
            "  load average {:.2f} {:.2f} {:.2f} (1, 5, 15 min) after the runs".format(
                *os.getloadavg()
            )
        )
        print("\nMarkdown (docs/BENCHMARKS.md):\n")
        print(
            f"| `ssme ...` ({args.clusters:,} responses + a previous campaign of {args.clusters:,}) "
            "| wall time | minus start-up | CPU time | peak RSS | target |"
        )
        print("|---|---:|---:|---:|---:|---|")
        targets = {
            "summary --json": f"≤ {TARGET_SUMMARY_S:.0f} s, ≤ {TARGET_PEAK_MB:.0f} MB",
            "export --format xlsx": f"≤ {TARGET_XLSX_S:.0f} s, ≤ {TARGET_PEAK_MB:.0f} MB",
            "export --format csv": f"≤ {TARGET_PEAK_MB:.0f} MB",
        }
        for c in cli:
            minus = "—" if c is cli[0] else f"{c.wall - baseline:.2f} s"
            print(
                f"| `{c.label}` | {c.wall:.2f} s | {minus} | {c.cpu:.2f} s | {c.peak:.0f} MiB "
                f"| {targets.get(c.label, '—')} |"
            )
        failed = not all(ok)
    finally:
        if not args.keep:
            for path in sorted(workdir.iterdir()):
                path.unlink()
            workdir.rmdir()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
