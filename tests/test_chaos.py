"""The chaos run, short form (the long form is bench/bench_chaos.py)."""

from __future__ import annotations

import pytest

from bench.chaos import ANSWERS, QUESTIONNAIRE, run_chaos

pytestmark = pytest.mark.e2e


def test_no_acknowledged_answer_is_lost_through_kills_and_faults():
    report = run_chaos(managers=4, kills=5, idle=6, seed_=3, interval=(1.0, 2.5), timeout=240)
    print("\n".join(report.lines()))
    assert report.kills == 5 and report.exits == 0
    assert report.acknowledged == 4 * len(ANSWERS)
    assert report.lost == []
    assert report.double_submitted == [] and report.unfinished == []
    assert report.reminders_twice == [] and report.reminders_sent == 6
    assert report.integrity == "ok"
    # What the kills leave behind (issue 17): nothing.
    assert report.taps_unanswered == 0, "a tap got no reply until /continuar"
    assert report.results_undelivered == 0, "a radar photo had to be asked for"
    assert report.duplicate_photos == 0
    assert report.orphans == [], "chart workers outlived a killed bot"
    assert sum(report.faults.values()) > 10
    # The only way a stored answer can differ from the simulated manager's intent: a tick of a
    # multi-choice question swallowed by a kill, which the keyboard never showed as ticked, and
    # "Listo" pressed without looking. Never a value under the wrong question.
    for qid, stored, intended in report.wrong_details:
        assert QUESTIONNAIRE.question(qid).type == "multi", (qid, stored, intended)
        assert set(stored) < set(intended), (qid, stored, intended)
