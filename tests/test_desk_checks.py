"""The review queue reads each submission's checks as kept (bot/storage/checks.py): the same
queue as running the rules over every answer set, on varied data; kept once, recomputed when
missing (migration 11) or computed under other rules."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.local import DEMO_CLUSTER
from bot.questionnaire import rules
from bot.questionnaire.model import Questionnaire
from bot.reports import flags as flagging
from bot.services import campaigns, corrections, review
from bot.storage import Storage, Submitted
from bot.storage.checks import RATIO_COLUMNS, SubmissionChecks
from bot.storage.schema import migrate
from scoring import score_answers
from tests.conftest import example, schema_before
from tests.test_review import OLD_SUBMITTED

BOGOTA = ZoneInfo("America/Bogota")
N = 40  # over flags.MIN_FOR_PERCENTILES: the outliers are in play


def test_the_kept_ratios_are_the_flags_ratios():
    assert tuple(flagging.RATIOS) == RATIO_COLUMNS


def varied(q: Questionnaire, rng: random.Random, base: dict) -> dict:
    """An answer set with sales and jobs across orders of magnitude (some typos, some n/d)."""
    answers = dict(base)
    answers["ventas_anio_actual"] = rng.choice(
        [457_000, 10**9, 5 * 10**10, 10**11 + rng.randrange(10**10), 10**14, "nd"]
    )
    answers["empleo_anio_actual"] = rng.choice([3, 800, 1500, 2000 + rng.randrange(900), 90_000])
    return answers


async def fill(storage: Storage, q: Questionnaire, rng: random.Random) -> None:
    clusters = [replace(DEMO_CLUSTER, cluster_id=f"c{i:02d}") for i in range(N)]
    await storage.upsert_clusters(clusters, "test")
    start = datetime(2020, 10, 1, tzinfo=UTC)
    for campaign, year in (("2020", 2020), ("2021", 2021)):
        await campaigns.create(
            storage, campaign, year, f"{year}-09-01", f"{year}-10-15", BOGOTA, "t"
        )
        rows = []
        for k, c in enumerate(clusters):
            base = example(rng.choice(["consolidado", "joven"]))
            answers = varied(q, rng, base)
            scores = score_answers(q, answers, year).to_json()
            when = start + timedelta(days=365 * (year - 2020), minutes=k)
            rows.append(Submitted(c.cluster_id, q.version, when, scores, answers))
        await storage.import_submissions(campaign, rows, "test")


async def computed_queue(storage: Storage, q: Questionnaire) -> list[tuple]:
    """The queue as it was before the checks were kept: the rules over every answer set."""
    year = 2021
    sent = {s.cluster_id: s for s in await storage.submissions("2021")}
    levels = {c: s.scores["level"] for c, s in sent.items()}
    previous = {s.cluster_id: s.scores["level"] for s in await storage.submissions("2020")}
    found = flagging.flags(
        [flagging.Flagged(c, levels[c], flagging.ratios(s.answers)) for c, s in sent.items()],
        previous,
        [lv.id for lv in q.levels],
    )
    for c, s in sent.items():
        for f in rules.plausibility(q, s.answers, year):
            found.setdefault(c, []).append(flagging.Flag("plausibility", {"message": f.message}))
    reviews = await storage.campaign_reviews("2021")
    items = [
        (c, tuple(found.get(c, ())), reviews[c].changed_at)
        for c in sent
        if reviews[c].status == "pendiente"
    ]
    items.sort(key=lambda i: (not i[1], i[2], i[0]))
    return [(c, f) for c, f, _ in items]


def shown(queue: review.Queue) -> list[tuple]:
    return [(i.cluster_id, i.flags) for i in queue.items]


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    s = await Storage.open(tmp_path / "ssme.db")
    yield s
    await s.close()


@pytest.mark.parametrize("seed", [1, 2])
async def test_the_kept_checks_give_the_queue_the_rules_give(storage, questionnaire, seed):
    q = questionnaire
    await fill(storage, q, random.Random(seed))
    # A correction (a new submission, its checks kept at once) and an approval.
    await corrections.correct(storage, q, "c03", "2021", "ventas_anio_actual", "457000", "x", 9)
    await review.approve(storage, "c05", "2021", 9)
    expected = await computed_queue(storage, q)
    assert any(f for _, f in expected), "the data raises flags"
    assert {f.code for _, fs in expected for f in fs} >= {"plausibility", "level_jump"}
    first = await review.review_queue(storage, q, "2021")  # computes what is missing, keeps it
    again = await review.review_queue(storage, q, "2021")  # reads them
    assert shown(first) == expected
    assert shown(again) == expected
    assert first.counts == again.counts


async def test_checks_are_kept_once_and_recomputed_under_other_rules(storage, questionnaire):
    q = questionnaire
    await fill(storage, q, random.Random(3))
    key = review.rules_key(q, 2021)
    await review.review_queue(storage, q, "2021")
    rows = await storage.queue_rows("2021", key)
    assert rows and all(r.checked for r in rows)
    # Checks kept under other rules (another questionnaire, say) do not count: recomputed.
    sid = rows[0].submission_id
    await storage.keep_checks("other", {sid: SubmissionChecks({}, ())})
    assert not (await storage.queue_rows("2021", key))[0].checked
    await review.review_queue(storage, q, "2021")
    (fresh,) = [r for r in await storage.queue_rows("2021", key) if r.submission_id == sid]
    assert fresh.checked
    assert review.rules_key(q, 2022) != key, "the year words the messages"


def test_migration_11_copies_each_submissions_level_and_leaves_the_checks_to_the_queue(
    tmp_path,
):
    path = tmp_path / "old.db"
    with closing(sqlite3.connect(path)) as conn:
        schema_before(conn, "ALTER TABLE submissions ADD COLUMN level")
        conn.executescript(
            OLD_SUBMITTED
            + "INSERT INTO results (response_id, submitted_at, questionnaire_version, ims, level, "
            "scores, answers) VALUES (1, '2021-02-02', 'v', 50, 'intermedio', '{}', "
            '\'{"ventas_anio_actual": 457000, "empresas_vinculadas": 80}\');'
            "INSERT INTO submissions (response_id, version, result_id, submitted_at) "
            "VALUES (1, 1, 1, '2021-02-02');"
        )
        conn.commit()
        with conn:
            migrate(conn)
        assert conn.execute("SELECT level FROM submissions").fetchall() == [("intermedio",)]
        assert conn.execute("SELECT count(*) FROM submission_checks").fetchone() == (0,)


async def test_a_submission_without_its_checks_gets_them_at_the_first_queue(storage, questionnaire):
    q = questionnaire
    await storage.upsert_clusters([DEMO_CLUSTER], "test")
    await campaigns.create(storage, "2021", 2021, "2021-09-01", "2021-10-15", BOGOTA, "t")
    typo = {**example("consolidado"), "ventas_anio_actual": 457_000}
    scores = score_answers(q, typo, 2021).to_json()
    when = datetime(2021, 9, 2, tzinfo=UTC)
    await storage.import_submissions(
        "2021", [Submitted(DEMO_CLUSTER.cluster_id, q.version, when, scores, typo)], "t"
    )
    key = review.rules_key(q, 2021)
    assert not (await storage.queue_rows("2021", key))[0].checked
    (item,) = (await review.review_queue(storage, q, "2021")).items
    assert {f.code for f in item.flags} == {"plausibility"}  # the change and the per-firm sales
    (row,) = await storage.queue_rows("2021", key)
    assert row.checked and row.findings == tuple(f.params["message"] for f in item.flags)
