"""Documents benchmark (issue 14): `python bench/bench_documents.py [--clusters N] [--repeat R]`.

Generates the data of bench/bench_summary.py (N clusters, default 10,000; campaigns 2020 and
2021 with a response each) and times, each in a fresh process as an admin runs it (wall time
including Python start-up, median of R after a warm-up):

  python -m bot.cli summary --campaign 2021 --pdf FILE      (target <= 3 s on 2 cores)
  python -m bot.cli summary --campaign 2021 --docx FILE
  python -m bot.cli report CLUSTER --campaign 2021 --pdf FILE

then a cluster's report card in a warm chart worker (``ChartRenderer(1)`` started, the bot's
pool): the layout alone (``render_pdf`` of the built document in the worker) and the whole use
case (``services.documents.report_card``: database reads, figures, radar and layout; target
<= 500 ms); and, for the library choice, the same summary document laid out by Typst (the
shipped renderer), by python-docx, and by ReportLab's platypus when it is installed
(``pip install reportlab``: not a dependency; the comparison maps the same blocks).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_summary import bench_env, generate, machine_lines, run_cli  # noqa: E402

TARGET_SUMMARY_S = 3.0
TARGET_CARD_S = 0.5
TODAY = date(2026, 12, 2)


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:7.1f} ms (min {min(samples) * 1000:.1f})"


def reportlab_pdf(doc: object, images: dict[str, bytes]) -> bytes:
    """The same blocks through ReportLab's platypus, for the comparison only."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Image, ListFlowable, Paragraph, SimpleDocTemplate, Table

    from bot.documents.model import Bullets, Callout, Figure
    from bot.documents.model import Paragraph as Para

    styles = getSampleStyleSheet()
    story = [Paragraph(doc.title, styles["Title"])]  # type: ignore[attr-defined]
    for section in doc.sections:  # type: ignore[attr-defined]
        story.append(Paragraph(section.title, styles["Heading1"]))
        for b in section.blocks:
            if isinstance(b, Para | Callout):
                story.append(Paragraph(b.text, styles["BodyText"]))
            elif isinstance(b, Bullets):
                items = [Paragraph(i, styles["BodyText"]) for i in b.items]
                story.append(ListFlowable(items, bulletType="bullet"))
            elif isinstance(b, Figure):
                png = images[f"{b.chart}.png"]
                story.append(
                    Image(io.BytesIO(png), width=12 * cm, height=12 * cm, kind="proportional")
                )
            else:
                story.append(Table([list(b.header), *[list(r) for r in b.rows]], repeatRows=1))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4).build(story)
    return buf.getvalue()


async def warm_worker(db_path: Path, rounds: int) -> None:
    from bot.documents.render import render_pdf
    from bot.questionnaire.loader import load_questionnaire
    from bot.services import documents
    from bot.storage import Storage
    from charts import ChartRenderer

    q = load_questionnaire()
    storage = await Storage.open(db_path)
    renderer = ChartRenderer(1)
    try:
        await renderer.start()
        cluster = (await storage.list_clusters())[1].cluster_id
        made = await documents.report_card(storage, q, cluster, "2021", renderer.run, TODAY)
        layout, whole, cpu = [], [], []
        for _ in range(rounds):
            t = time.perf_counter()
            await renderer.run(render_pdf, made.document)
            layout.append(time.perf_counter() - t)
            t, c = time.perf_counter(), time.process_time()
            await documents.report_card(storage, q, cluster, "2021", renderer.run, TODAY)
            whole.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
        print(f"\nreport card in a warm chart worker ({rounds} rounds after one warm-up)")
        print(f"  layout only (radar + Typst, in the worker)     {median_ms(layout)}")
        print(f"  whole use case (reads, figures, radar, layout) {median_ms(whole)}")
        print(f"  ... its CPU in this process (reads, figures)   {median_ms(cpu)}")
        ok = statistics.median(whole) <= TARGET_CARD_S
        print(f"  target <= {TARGET_CARD_S * 1000:.0f} ms: {'OK' if ok else 'MISSED'}")

        bundle_doc = (
            await documents.summary(storage, q, "2021", renderer.run, TODAY, "pdf")
        ).document
    finally:
        await renderer.aclose()
        await storage.close()
    libraries(bundle_doc, rounds)


def libraries(doc: object, rounds: int) -> None:
    from bot.documents.render import _charts, render_docx, render_pdf

    images = _charts(doc)  # type: ignore[arg-type]
    render_pdf(doc)  # type: ignore[arg-type]
    print("\nlibraries: the same summary document (its charts already drawn), in this process")
    for label, fn in (
        ("Typst (typst, the shipped PDF)", lambda: render_pdf(doc)),  # type: ignore[arg-type]
        ("python-docx (the shipped DOCX)", lambda: render_docx(doc)),  # type: ignore[arg-type]
        ("ReportLab platypus (comparison)", lambda: reportlab_pdf(doc, images)),
    ):
        try:
            fn()
        except ImportError:
            print(f"  {label:34s} not installed (pip install reportlab to compare)")
            continue
        samples = []
        for _ in range(rounds):
            t = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - t)
        print(f"  {label:34s} {median_ms(samples)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clusters", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", type=Path, help="reuse (or create) this database")
    args = parser.parse_args(argv)
    print("machine")
    print("\n".join(machine_lines()))
    workdir = Path(tempfile.mkdtemp(prefix="ssme-bench-docs-"))
    db_path = args.db or workdir / "ssme.db"
    if not db_path.exists():
        info = generate(db_path, args.clusters, 20211)
        print(f"\ndata: {args.clusters:,} clusters, two campaigns, in {info['seconds']:.1f} s")
    env = bench_env(db_path)
    from bot.storage import Storage

    async def first_cluster() -> str:
        storage = await Storage.open(db_path)
        try:
            return (await storage.list_clusters())[1].cluster_id
        finally:
            await storage.close()

    cluster = asyncio.run(first_cluster())
    commands = [
        ("summary --pdf", ["summary", "--campaign", "2021", "--pdf", str(workdir / "r.pdf")]),
        ("summary --docx", ["summary", "--campaign", "2021", "--docx", str(workdir / "r.docx")]),
        (
            "report --pdf",
            ["report", cluster, "--campaign", "2021", "--pdf", str(workdir / "c.pdf")],
        ),
    ]
    print(f"\ncommands, each in a fresh process (median of {args.repeat} after a warm-up)")
    start_up = statistics.median(run_cli(["--help"], env, workdir).wall for _ in range(args.repeat))
    print(f"  ssme --help (start-up only)   wall {start_up:5.2f} s")
    for label, cmd in commands:
        run_cli(cmd, env, workdir)
        runs = [run_cli(cmd, env, workdir) for _ in range(args.repeat)]
        wall = statistics.median(r.wall for r in runs)
        cpu = statistics.median(r.cpu for r in runs)
        peak = max(r.peak_mib for r in runs)
        mark = ""
        if label == "summary --pdf":
            mark = f"   target <= {TARGET_SUMMARY_S:.0f} s: {'OK' if wall <= TARGET_SUMMARY_S else 'MISSED'}"
        print(
            f"  ssme {label:<16} wall {wall:5.2f} s  CPU {cpu:5.2f} s  peak {peak:4.0f} MiB{mark}"
        )
    asyncio.run(warm_worker(db_path, max(5, args.repeat * 3)))
    print(f"\n(files in {workdir})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
