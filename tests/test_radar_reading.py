"""The radar reads at a glance (issue 14): rings at the level edges, the gate that held the level
back on the chart, a footnote only for what is hidden, no ring number under a value."""

from __future__ import annotations

from bot.conversation import results
from bot.documents import held_back, next_level
from charts import SSME_AXES, SSME_BANDS, RadarSpec, Series
from charts.radar_layout import Geometry, clear_rings, ring_labels, value_labels
from scoring import score_answers
from tests.conftest import CAMPAIGN_YEAR


def held_back_answers(consolidado: dict) -> dict:
    # An IMS over 70 with a strategy last updated long ago: a gate keeps it Intermedio.
    return {**consolidado, "estrategia_anio_actualizacion": 2010}


def test_rings_are_at_the_band_edges():
    spec = RadarSpec("t", "s", SSME_AXES, (Series("x", (50,) * 8),), bands=SSME_BANDS)
    assert spec.rings == (40, 70, 100)
    plain = RadarSpec("t", "s", SSME_AXES, (Series("x", (50,) * 8),))
    assert plain.rings == (25, 50, 75, 100)


def test_the_gate_that_held_the_level_back_is_on_the_chart(questionnaire, consolidado):
    result = score_answers(questionnaire, held_back_answers(consolidado), CAMPAIGN_YEAR)
    assert result.ims >= 70 and result.level == "intermedio"
    spec = results.radar_spec(questionnaire, result, "Clúster", "2021")
    assert spec.alert == "Nivel Intermedio: falta estrategia actualizada en los últimos 3 años"
    assert spec.band_title == "Nivel de madurez (IMS)"
    up = next_level(questionnaire, result)
    assert (
        up is not None and up.points == 0 and [g.id for g in up.gates] == ["estrategia_actualizada"]
    )


def test_no_alert_when_the_ims_itself_is_short(questionnaire, joven, consolidado):
    low = score_answers(questionnaire, joven, CAMPAIGN_YEAR)
    top = score_answers(questionnaire, consolidado, CAMPAIGN_YEAR)
    assert held_back(questionnaire, low) is None  # 28: short of 40 whatever the gates
    assert held_back(questionnaire, top) is None and next_level(questionnaire, top) is None
    assert results.radar_spec(questionnaire, low, "c", "2021").alert is None


def test_footnote_only_for_what_is_hidden(questionnaire, consolidado):
    result = score_answers(questionnaire, consolidado, CAMPAIGN_YEAR)
    means = {a.id: 50.0 for a in questionnaire.areas}
    shown = results.Overlays(means, 12, means, "agroindustria", 6)
    assert results.radar_spec(questionnaire, result, "c", "2021", shown).footnote is None
    hidden = results.Overlays(means, 3, means, "agroindustria", 2)
    spec = results.radar_spec(questionnaire, result, "c", "2021", hidden)
    assert [s.role for s in spec.series] == ["cluster"]
    assert spec.footnote is not None
    assert "promedio del sector agroindustria" in spec.footnote
    assert "promedio nacional" in spec.footnote


def test_a_ring_number_under_a_value_is_left_out():
    geometry = Geometry(tuple(2 * 3.14159265 * i / 8 for i in range(8)), 435, 435, 300)
    rings = ring_labels((40, 70, 100), geometry.thetas)
    far = RadarSpec("t", "s", SSME_AXES, (Series("x", (5,) * 8),), bands=SSME_BANDS)
    assert clear_rings(rings, value_labels(far, geometry, 150 / 72), geometry, 150 / 72) == [
        True,
        True,
    ]
    # The value of the first axis sits where the "70" would be: that ring number goes.
    x, y, _ = rings[1]
    near = [(x, y, "63")]
    assert clear_rings(rings, near, geometry, 150 / 72) == [True, False]
