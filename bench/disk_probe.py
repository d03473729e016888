"""The disk-error probe, long form (issue 17, F1): does an answer the bot confirmed survive the
power going, or the disk failing, right after?

Needs root on Linux (a loop device and ext4; no device-mapper). The database lives on an ext4
file system in an image file mounted through a loop device. Managers answer the questionnaire
(``bench/chaos.py``'s, through the local Bot API server) against a real ``ssme run``; an answer
counts as *confirmed* once the bot has shown the next question. ``--after`` seconds after the
``--answers``-th confirmation the power goes: at that instant the image is copied as the
device holds it (what the kernel had submitted to it, not what sat in the page cache: exactly
what a power cut leaves), the device is made read-only (every later write fails) and the bot
is SIGKILLed. The copy is then mounted (ext4 replays its journal) and every confirmed answer
is looked for in it.

Run with the shipped ``synchronous=FULL`` and, for comparison, the bot patched to ``NORMAL``
(this script's launcher only):

    sudo python bench/disk_probe.py --runs 3            # both modes, 3 runs each
    sudo python bench/disk_probe.py --modes FULL --answers 400
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import chaos  # noqa: E402
from local_botapi.server import BotApiServer  # noqa: E402

LAUNCHER = """\
import sys
import bot.storage
bot.storage._WRITER_PRAGMAS = tuple(
    p.replace("synchronous=FULL", "synchronous={mode}") for p in bot.storage._WRITER_PRAGMAS
)
from bot.cli import main
sys.exit(main(["run"]))
"""


def sh(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()


@contextlib.contextmanager
def ext4_image(folder: Path, size_mb: int = 128) -> Iterator[tuple[Path, str, Path]]:
    """An ext4 file system in an image file, on a loop device, mounted: (image, device, mount)."""
    image, mount = folder / "disk.img", folder / "mnt"
    with image.open("wb") as f:
        f.truncate(size_mb << 20)
    sh("mkfs.ext4", "-q", "-F", str(image))
    device = sh("losetup", "-f", "--show", str(image))
    mount.mkdir()
    try:
        sh("mount", "-t", "ext4", device, str(mount))
        try:
            yield image, device, mount
        finally:
            subprocess.run(["umount", "-l", str(mount)], capture_output=True)
    finally:
        subprocess.run(["blockdev", "--setrw", device], capture_output=True)
        subprocess.run(["losetup", "-d", device], capture_output=True)


class Bot(chaos.BotProcess):
    """``ssme run`` with the writer's ``synchronous`` mode chosen (FULL is what ships)."""

    def __init__(self, server: BotApiServer, db_path: Path, mode: str, log: Path) -> None:
        super().__init__(server, db_path, chart_workers=0)
        self.log.close()
        self.log = log.open("ab")
        self.mode = mode

    def start(self) -> None:
        env = {
            **os.environ,
            **chaos.ANY_TIME,
            "SSME_TELEGRAM_TOKEN": self.server.token,
            "SSME_TELEGRAM_API_URL": self.server.base_url,
            "SSME_DB_PATH": str(self.db_path),
            "SSME_CHART_WORKERS": "0",
            "SSME_TELEGRAM_RATE_LIMIT": "0",
            "PYTHONPATH": str(ROOT),
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER.format(mode=self.mode)],
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )


@dataclass
class Probe:
    mode: str
    confirmed: int = 0
    found: int = 0
    integrity: str = ""
    seconds: float = 0.0

    @property
    def lost(self) -> int:
        return self.confirmed - self.found


async def _answer_until(people: list[chaos.Manager], answers: int) -> None:
    tasks = [asyncio.create_task(m.run()) for m in people]
    try:
        while sum(len(m.acked) for m in people) < answers:
            if all(t.done() for t in tasks):
                break
            await asyncio.sleep(0.01)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def probe(mode: str, managers: int, answers: int, after: float, folder: Path) -> Probe:
    started = time.monotonic()
    result = Probe(mode)
    with ext4_image(folder) as (image, device, mount), BotApiServer() as server:
        db_path = mount / "ssme.db"
        users = chaos._seed(db_path, managers, 0)
        os.sync()  # the seed is on the device before the bot starts
        bot = Bot(server, db_path, mode, folder / f"bot-{mode}.log")
        bot.start()
        report = chaos.ChaosReport(managers, 0)
        report.last_start = time.monotonic()
        people = [chaos.Manager(server, uid, token, report) for uid, token in users.items()]
        try:
            asyncio.run(_answer_until(people, answers))
            time.sleep(after)
            # The power goes: the device as it is now, then nothing more reaches it.
            cut = folder / "after-cut.img"
            shutil.copyfile(image, cut)
            sh("blockdev", "--setro", device)
            bot.kill()
        finally:
            bot.stop()
        confirmed = {(p.user_id, q) for p in people for q in p.acked}
    result.confirmed = len(confirmed)
    with (
        ext4_image_of(cut, folder) as mounted,
        contextlib.closing(sqlite3.connect(mounted / "ssme.db")) as db,
    ):
        result.integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        stored = set(
            db.execute(
                "SELECT m.user_id, a.question_id FROM answers a "
                "JOIN responses r USING (response_id) JOIN managers m USING (cluster_id)"
            ).fetchall()
        )
    result.found = len(confirmed & stored)
    result.seconds = time.monotonic() - started
    return result


@contextlib.contextmanager
def ext4_image_of(image: Path, folder: Path) -> Iterator[Path]:
    """Mount a copy of a device's image (its journal is replayed, as at the next boot)."""
    mount = folder / "mnt-after"
    mount.mkdir(exist_ok=True)
    device = sh("losetup", "-f", "--show", str(image))
    try:
        sh("blockdev", "--setrw", device)  # a loop device reused keeps the cut's read-only flag
        sh("mount", "-t", "ext4", device, str(mount))
        try:
            yield mount
        finally:
            subprocess.run(["umount", str(mount)], capture_output=True)
    finally:
        subprocess.run(["losetup", "-d", device], capture_output=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--modes", nargs="+", default=["FULL", "NORMAL"])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--managers", type=int, default=4)
    parser.add_argument("--answers", type=int, default=100, help="confirmed answers before")
    parser.add_argument("--after", type=float, default=0.5, help="seconds to the power cut")
    args = parser.parse_args(argv)
    if os.geteuid() != 0 or not sys.platform.startswith("linux"):
        print("needs root on Linux (a loop device and mount)", file=sys.stderr)
        return 2
    results: list[Probe] = []
    for run in range(args.runs):
        for mode in args.modes:
            with tempfile.TemporaryDirectory(prefix="ssme-probe-") as tmp:
                r = probe(mode, args.managers, args.answers, args.after, Path(tmp))
            results.append(r)
            print(
                f"run {run + 1} {mode:6}: {r.found} of {r.confirmed} confirmed answers on disk "
                f"after the cut ({r.lost} lost), integrity {r.integrity}, {r.seconds:.0f} s",
                flush=True,
            )
    print()
    print("| synchronous | runs | confirmed answers | on disk after the cut | lost | integrity |")
    print("|---|---:|---:|---:|---:|---|")
    for mode in args.modes:
        mine = [r for r in results if r.mode == mode]
        print(
            f"| {mode} | {len(mine)} | {sum(r.confirmed for r in mine)} | "
            f"{sum(r.found for r in mine)} | {sum(r.lost for r in mine)} | "
            f"{', '.join(sorted({r.integrity for r in mine}))} |"
        )
    return 0 if all(r.lost == 0 for r in results if r.mode == "FULL") else 1


if __name__ == "__main__":
    sys.exit(main())
