"""«¿Por qué?»: the explanation of each indicator agrees with the scorer, on many answer sets.

The score it states, the band it places the answer in and the score its "what would reach the
next band" gives are each read back from ``scoring.score_answers``.
"""

from __future__ import annotations

import random
import re
from typing import Any

import pytest

from bot.conversation.results import explanation, score_text, why_lines
from bot.questionnaire.engine import Engine
from bot.questionnaire.model import ND, AgeRule, CountRule, GroupsRule, ValueRule, band_score
from scoring import score_answers
from scoring.explain import explain
from tests.conftest import example
from tests.e2e import QUESTIONNAIRE as Q

YEAR = 2021
ENGINE = Engine(Q, YEAR)


def random_answers(rng: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for q in Q.questions:
        if q.allow_nd and rng.random() < 0.1:
            out[q.id] = ND
        elif q.type == "single":
            out[q.id] = rng.choice(q.choices).id
        elif q.type == "multi":
            plain = [c.id for c in q.choices if not c.exclusive]
            if rng.random() < 0.15:
                out[q.id] = [rng.choice(sorted(q.exclusive_ids))]
            else:
                out[q.id] = sorted(rng.sample(plain, rng.randint(1, len(plain))), key=plain.index)
        elif q.type == "yesno":
            out[q.id] = rng.random() < 0.5
        elif q.type == "percent":
            out[q.id] = rng.choice([0, 10, 19, 20, 24.5, 25, 49, 50, 60, 74, 75, 100])
        elif q.type == "year":
            out[q.id] = rng.choice(["nunca", 1990, 2010, 2016, 2017, 2018, 2019, 2020, 2021])
        elif q.type == "money":
            out[q.id] = rng.randint(0, 10**12)
        else:
            out[q.id] = rng.choice([0, 1, 2, 3, 5, 6, 9, 10, 11, 12, 24, 25, 49, 50, 99, 100, 150])
    return out


ANSWER_SETS = [example("consolidado"), example("joven")] + [
    random_answers(random.Random(seed)) for seed in range(50)
]


def test_the_explanation_agrees_with_the_scorer_on_many_answers():
    checked_steps = 0
    for answers in ANSWER_SETS:
        kept = Q.relevant_answers(answers)
        scored = score_answers(Q, kept, YEAR)
        for indicator in Q.indicators:
            why = explain(Q, indicator, kept, YEAR)
            assert why.score == scored.indicators[indicator.id].score
            if len(why.parts) == 1:
                assert why.parts[0].score == why.score
            for part in why.parts:
                if part.changes is None:
                    continue
                changed = score_answers(Q, {**kept, **part.changes}, YEAR)
                assert changed.indicators[indicator.id].score == part.reaches > why.score
                checked_steps += 1
            text = "\n".join(why_lines(ENGINE, why, kept))
            for part in why.parts:
                if part.reaches is not None:
                    assert f"llegaría a {score_text(part.reaches)}." in text
    assert checked_steps > 400


def test_the_next_band_is_reached_from_below_with_the_smallest_step():
    """At 54 active firms (75), 100 firms reach 100 and 99 would not."""
    answers = {**example("consolidado"), "empresas_activas": 54}
    masa = next(i for i in Q.indicators if i.id == "i06_masa_critica")
    (part,) = explain(Q, masa, answers, YEAR).parts
    assert (part.measured, part.score, part.changes, part.reaches) == (
        54,
        75,
        {"empresas_activas": 100},
        100,
    )
    text = "\n".join(why_lines(ENGINE, explain(Q, masa, answers, YEAR), answers))
    assert "Con 100 empresas activas llegaría a 100." in text
    assert "Su respuesta: 54 → 75." in text


_RANGE = re.compile(r"(\d+)( a \d+| o más)? → (\d+)")


@pytest.mark.parametrize(
    "indicator",
    [i.id for i in Q.indicators if isinstance(i.rule, CountRule | GroupsRule | AgeRule)]
    + ["i06_masa_critica", "i11_portafolio_proyectos"],
)
def test_the_bands_as_written_are_the_scorers_bands(indicator):
    ind = next(i for i in Q.indicators if i.id == indicator)
    rule = ind.rule
    assert isinstance(rule, CountRule | GroupsRule | AgeRule | ValueRule)
    (line,) = [ln for ln in why_lines(ENGINE, explain(Q, ind, {}, YEAR), {}) if "Regla" in ln]
    ranges = _RANGE.findall(line.split(":", 1)[1].split(". ")[0])
    assert len(ranges) == len(rule.bands)
    for lo, upper, score in ranges:
        top = int(lo) + 50 if upper == " o más" else int(upper[3:] or lo)
        for x in range(int(lo), top + 1):
            assert band_score(rule.bands, x) == float(score), (line, x)


def test_every_area_is_explained_within_one_message():
    for answers in ANSWER_SETS[:8]:
        result = score_answers(Q, answers, YEAR)
        for area in Q.areas:
            assert len(explanation(Q, result, answers, area.id)) < 3800
