"""The answer path with and without collaborators (issue 16 item 2), in process:
`python bench/bench_sharing.py [--clusters N] [--repeat R]`.

Times one update of the conversation (``Survey.text`` / ``Survey.button``, then the question's
delivery recorded as the Telegram layer does) over a real SQLite file, no Telegram: N clusters
(default 20), each answered from ``bot/examples/consolidado.yaml`` to the review, three ways:
``alone`` (the manager only: the single-person path), ``shared-manager`` and
``shared-collaborator`` (a collaborator is a member; the manager answers the odd questions, the
collaborator the even ones, each with a cursor of their own). Prints p50/p95 per update in
milliseconds, best of R rounds (default 3) by median. ``alone`` runs on a tree without
collaborators too (the base to compare with).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.conversation import callbacks as cb
from bot.conversation.actions import Action, Send
from bot.conversation.survey import Survey
from bot.local import DEMO_CLUSTER, seed
from bot.storage import Cluster, Storage, utcnow
from charts import InlineChartRenderer
from tests.conftest import example
from tests.e2e import QUESTIONNAIRE, inputs_for

ANSWERS = example("consolidado")


def clusters(n: int) -> list[Cluster]:
    return [
        Cluster(**{**DEMO_CLUSTER.__dict__, "cluster_id": f"bench_{i:03d}", "nombre": f"C {i}"})
        for i in range(n)
    ]


class Person:
    def __init__(self, survey: Survey, user_id: int, timings: list[float]) -> None:
        self.survey, self.user_id, self.timings = survey, user_id, timings
        self.message = 0
        self.question: str | None = None

    async def _run(self, call: Awaitable[list[Action]], *, timed: bool = True) -> None:
        start = time.perf_counter()
        actions = await call
        for a in actions:
            if isinstance(a, Send):
                self.message += 1
                if a.shows is not None:
                    kw = {"cursor_of": a.shown_to} if hasattr(a, "shown_to") else {}
                    await self.survey.storage.record_shown(*a.shows, self.message, **kw)
                    self.question = a.shows[1]
                elif "Resumen de sus respuestas" in a.text:
                    self.question = None
        if timed:
            self.timings.append((time.perf_counter() - start) * 1000)

    async def register(self, token: str) -> None:
        await self._run(self.survey.start(self.user_id, self.user_id, "P", token), timed=False)
        await self._run(self.survey.button(self.user_id, cb.encode(cb.Consent())), timed=False)

    async def resume(self) -> None:
        await self._run(self.survey.resume(self.user_id), timed=False)

    async def answer(self) -> bool:
        qid = self.question
        if qid is None:
            return False
        for step in inputs_for(qid, ANSWERS[qid]):
            self.message += 1  # the person's own message or press
            if isinstance(step, str):
                await self._run(
                    self.survey.text(self.user_id, self.user_id, "P", step, self.message)
                )
            else:
                await self._run(self.survey.button(self.user_id, cb.encode(step)))
        return True


async def one_round(n: int, mode: str) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "ssme.db"
        seeded = await seed(db, clusters(n))
        storage = await Storage.open(db)
        renderer = InlineChartRenderer()
        await renderer.start()
        survey = Survey(storage, QUESTIONNAIRE, renderer, tz=_tz())
        out: dict[str, list[float]] = {"manager": [], "collaborator": []}
        try:
            for i, cluster in enumerate(seeded.tokens):
                manager = Person(survey, 10_000 + i, out["manager"])
                await manager.register(seeded.tokens[cluster])
                if mode == "alone":
                    while await manager.answer():
                        pass
                    continue
                token = f"colabora{i:06d}"
                later = utcnow() + timedelta(days=1)
                await storage.create_invitation(
                    cluster, token, later, manager.user_id, role="collaborator"
                )
                helper = Person(survey, 20_000 + i, out["collaborator"])
                await helper.register(token)
                turn = 0
                while True:
                    person = (manager, helper)[turn % 2]
                    await person.resume()  # on the question nobody answered yet
                    if not await person.answer():
                        break
                    turn += 1
        finally:
            renderer.close()
            await storage.close()
        return out


def _tz() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo("America/Bogota")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clusters", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mode", choices=["alone", "shared", "both"], default="both")
    args = parser.parse_args()
    modes = ["alone", "shared"] if args.mode == "both" else [args.mode]
    for mode in modes:
        rounds = [asyncio.run(one_round(args.clusters, mode)) for _ in range(args.repeat)]
        for who in ("manager", "collaborator"):
            if not rounds[0][who]:
                continue
            best = min(rounds, key=lambda r: statistics.median(r[who]))[who]
            label = "alone" if mode == "alone" else f"shared-{who}"
            print(
                f"{label:20s} n={len(best):5d}  p50 {statistics.median(best):6.2f} ms  "
                f"p95 {pct(best, 0.95):6.2f} ms"
            )


if __name__ == "__main__":
    main()
