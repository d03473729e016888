"""The demo's seeded network: the same every run, dated by the clock, and figures that look like
a network's (levels spread, a queue with flags, groups big enough to show)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.demo.network import DEMO_CLUSTER_ID, SECOND_CLUSTER_ID, Network, build_network
from bot.demo.seeding import campaign_dates, seed_network
from bot.questionnaire.loader import load_questionnaire
from bot.services import participation, reports, review
from bot.storage import Storage

TZ = ZoneInfo("America/Bogota")
Q = load_questionnaire()
NOW = datetime(2024, 3, 5, 15, 0, tzinfo=UTC)  # a fixed clock: the tests' "today"


def test_the_campaigns_are_named_and_dated_for_the_clocks_year():
    assert campaign_dates(NOW, TZ) == (2024, "2023-09-01", "2023-10-31", "2024-02-13", "2024-04-02")
    # Early in January the current campaign opens on 1 January, not in the year before.
    january = datetime(2027, 1, 10, 15, 0, tzinfo=UTC)
    assert campaign_dates(january, TZ)[3:] == ("2027-01-01", "2027-02-07")


def test_the_registry_covers_departments_and_the_three_sectors():
    network = build_network()
    assert network == build_network(), "a fixed seed: the same network every run"
    clusters = [c.cluster for c in network.clusters]
    assert len(clusters) == 60 and len({c.cluster_id for c in clusters}) == 60
    assert len({c.departamento for c in clusters}) >= 20
    sectors = Counter(c.sector for c in clusters)
    assert set(sectors) == {"servicios", "agroindustria", "manufactura"}
    assert min(sectors.values()) >= 18
    demo = network.by_id(DEMO_CLUSTER_ID)
    assert demo.cluster.nombre == "Clúster de Cafés Especiales del Huila"
    assert demo.previous and demo.current == "none" and demo.manager_name is None
    assert {c.quirk for c in network.clusters} >= {"sales_typo", "jobs_typo", "jump"}


async def _seeded(path) -> Storage:
    await seed_network(path, Q, NOW, TZ)
    return await Storage.open(path)


async def test_the_seeded_figures_look_like_a_network(tmp_path):
    storage = await _seeded(tmp_path / "demo.db")
    try:
        for campaign in ("2023", "2024"):
            figures = (await reports.summary(storage, Q, campaign)).data
            levels = figures["level_pct"]
            assert all(10 <= levels[k] <= 70 for k in levels), (campaign, levels)
            areas = figures["area_mean"].values()
            assert max(areas) - min(areas) >= 5, "areas differ"
            assert 40 <= figures["ims_mean"] <= 75
        assert figures["previous_campaign"] == "2023"
        assert figures["level_change_pp"] is not None
        assert 40 <= figures["participation_pct"] <= 75, "the current campaign partly answered"
        assert -20 <= figures["sales_growth_pct"] <= 40
        by_department = Counter(
            s.departamento for s in await storage.response_states("2024") if s.status == "submitted"
        )
        assert max(by_department.values()) >= 5, "a department the annex can show (k ≥ 5)"
        states = Counter(s.status for s in await storage.response_states("2024"))
        assert states["draft"] >= 5 and states["no_manager"] >= 3 and states["not_started"] >= 3
        queue = await review.review_queue(storage, Q, "2024")
        flagged = [i for i in queue.items if i.flags]
        assert len(flagged) >= 3
        codes = {f.code for i in flagged for f in i.flags}
        assert {"level_jump", "plausibility"} <= codes
        assert queue.counts[review.APPROVED] >= 5 and queue.counts[review.NEEDS_CHANGES] == 1
        # Each imported response waits since it was sent (its submitted_at), not since the import.
        waiting = {i.changed_at for i in queue.items}
        assert len(waiting) == len(queue.items) and max(waiting) < NOW  # type: ignore[operator]
        seen = await participation.participation(storage, "2024")
        assert seen is not None
        second = next(s for s in await storage.response_states("2024")
                      if s.cluster_id == SECOND_CLUSTER_ID)  # fmt: skip
        assert second.status == "no_manager" and second.estado == "activa", "the guide's example"
        demo = await storage.get_response(DEMO_CLUSTER_ID, "2024")
        assert demo is None, "the demo cluster waits for the person trying the demo"
        assert await storage.get_response(DEMO_CLUSTER_ID, "2023") is not None
    finally:
        await storage.close()


async def test_the_same_seed_gives_the_same_results_all_day(tmp_path):
    """Two runs the same day, hours apart: the same scores, levels, queue and dates."""
    seen = []
    for name, hours in (("a.db", 0), ("b.db", 5)):
        await seed_network(tmp_path / name, Q, NOW + timedelta(hours=hours), TZ)
        storage = await Storage.open(tmp_path / name)
        try:
            scores = sorted(
                (s.cluster_id, s.ims, s.level) for s in await storage.submitted_scores("2024", ())
            )
            queue = await review.review_queue(storage, Q, "2024")
            items = [(i.cluster_id, i.changed_at, i.flags) for i in queue.items]
            campaign = await storage.get_campaign("2024")
            assert campaign is not None
            seen.append((scores, items, campaign.closes_at))
        finally:
            await storage.close()
    assert seen[0] == seen[1] and len(seen[0][0]) >= 25


@pytest.mark.parametrize("taken", [0, 1, 3])
def test_a_received_file_never_overwrites_an_earlier_one(tmp_path, taken):
    from bot.demo.files import Received

    received = Received(tmp_path, [("Clúster de Cafés Especiales del Huila", "cafe_huila")])
    for n in range(1, taken + 1):
        (tmp_path / f"resultado_cafe_huila_{n}.jpg").write_bytes(b"old")
    caption = "Clúster de Cafés Especiales del Huila — medición 2024"
    path = received.photo(b"\xff\xd8new", caption, "resultado")
    assert path.name == f"resultado_cafe_huila_{taken + 1}.jpg"
    assert received.document(b"%PDF", "resumen_ssme_2024.pdf").name == "resumen_ssme_2024.pdf"
    assert received.document(b"%PDF", "resumen_ssme_2024.pdf").name == "resumen_ssme_2024_2.pdf"
    assert received.document(b"x", "../../fuera.csv").parent == tmp_path, "never outside"
    assert all(p.read_bytes() == b"old" for p in tmp_path.glob("*.jpg") if p != path)


async def test_a_seed_that_fails_leaves_no_demo_behind(tmp_path):
    """A seed that stops half-way (here: a network listing a cluster twice, which the import
    refuses) creates no database: the next run seeds again instead of showing half a network."""
    network = build_network()
    twice = Network((*network.clusters, network.clusters[1]), network.seed)
    with pytest.raises(RuntimeError, match="demo seed refused"):
        await seed_network(tmp_path / "demo.db", Q, NOW, TZ, twice)
    assert not (tmp_path / "demo.db").exists()
    await seed_network(tmp_path / "demo.db", Q, NOW, TZ)  # what was left is no obstacle
    assert (tmp_path / "demo.db").exists()
