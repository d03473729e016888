"""The answer path's pure pieces (issue 12): `python bench/bench_answer_path.py [--repeat R]`.

Times, in this process, what one update of a manager's answer and one «¿Por qué?» press cost
outside storage and Telegram: ``Engine.submit`` on a question under a hard rule (sizes) and
under the plausibility rules (sales), ``rules.findings`` over a whole answer set (what a review
queue would run per response), ``explain`` for the 18 indicators, and the Spanish explanation of
one area. Median of R rounds (default 5) of N calls each, in milliseconds per call.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from bot.conversation.results import explanation
from bot.questionnaire.engine import Engine
from bot.questionnaire.loader import load_questionnaire
from bot.questionnaire.rules import findings
from scoring import score_answers
from scoring.explain import explain

EXAMPLES = Path(__file__).resolve().parent.parent / "bot" / "examples"


def per_call(fn: Callable[[], object], n: int, repeat: int) -> float:
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        rounds.append((time.perf_counter() - start) / n * 1000)
    return statistics.median(rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    q = load_questionnaire()
    year = 2021
    engine = Engine(q, year)
    for name in ("consolidado", "joven"):
        answers = yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8"))
        result = score_answers(q, answers, year)
        rows = {
            "Engine.submit, hard rule (empresas_grandes)": (
                lambda a=answers: engine.submit(a, "empresas_grandes", 3),
                2000,
            ),
            "Engine.submit, plausibility (ventas_anio_actual)": (
                lambda a=answers: engine.submit(a, "ventas_anio_actual", 457_000),
                2000,
            ),
            "rules.findings, whole answer set": (lambda a=answers: findings(q, a, year), 2000),
            "explain, 18 indicators": (
                lambda a=answers: [explain(q, i, a, year) for i in q.indicators],
                50,
            ),
            "explanation text, one area (gobernanza)": (
                lambda a=answers, r=result: explanation(q, r, a, "gobernanza"),
                50,
            ),
        }
        print(f"{name}:")
        for label, (fn, n) in rows.items():
            print(f"  {label:<50} {per_call(fn, n, args.repeat):8.3f} ms")


if __name__ == "__main__":
    main()
