"""The result builder: caption, advice, explanation and the radar spec with its overlays."""

from __future__ import annotations

from bot.conversation import results
from bot.questionnaire.parsing import format_number
from charts import render_radar
from scoring import score_answers
from tests.conftest import CAMPAIGN_YEAR

AREAS = [
    "enfoque",
    "estrategia",
    "actores",
    "gobernanza",
    "proyectos",
    "colaboracion",
    "financiacion",
    "impacto",
]


def test_caption_fits_and_escapes(questionnaire, joven):
    result = score_answers(questionnaire, joven, CAMPAIGN_YEAR)
    text = results.caption(result, "Clúster <Café> & Co", "2021")
    assert "Clúster &lt;Café&gt; &amp; Co" in text
    assert f"IMS): <b>{format_number(result.ims, 1)}</b>" in text and "Exploración" in text
    assert len(text) <= 1024
    assert text.count("• ") == 8


def test_caption_says_which_gates_keep_a_high_ims_from_consolidado(questionnaire, consolidado):
    answers = {**consolidado, "financiacion_fuentes": ["gestora"]}
    result = score_answers(questionnaire, answers, CAMPAIGN_YEAR)
    assert result.level == "intermedio" and result.ims >= 70
    assert "Al menos dos fuentes de financiación" in results.caption(result, "X", "2021")


def test_advice_names_the_weakest_with_actions(questionnaire, joven):
    result = score_answers(questionnaire, joven, CAMPAIGN_YEAR)
    text = results.advice(result)
    weakest = result.weakest(3)
    assert len(weakest) == 3
    for ind in weakest:
        assert ind.label in text and ind.action in text


def test_explanation_lists_answers_and_points(questionnaire, joven):
    result = score_answers(questionnaire, joven, CAMPAIGN_YEAR)
    text = results.explanation(questionnaire, result, joven, "gobernanza")
    assert "Instancias de gobernanza: 25" in text
    assert "Solo reuniones informales" in text
    assert "Puestos de empresarios en la junta: no aplica" in text


def test_group_means_weigh_each_sector_by_its_size():
    sectors = {
        "servicios": (dict.fromkeys(AREAS, 60.0), 3),
        "manufactura": (dict.fromkeys(AREAS, 10.0), 2),
    }
    national, n = results.group_means(sectors, AREAS)
    assert n == 5 and national["enfoque"] == 40.0
    assert results.group_means({}, AREAS) == ({}, 0)


def test_overlays_need_five_clusters(questionnaire, joven):
    result = score_answers(questionnaire, joven, CAMPAIGN_YEAR)
    means = dict.fromkeys(AREAS, 50.0)
    spec = results.radar_spec(
        questionnaire,
        result,
        "X",
        "2021",
        results.Overlays(
            national=means,
            national_n=5,
            sector=means,
            sector_label="agroindustria",
            sector_n=4,
            previous=dict.fromkeys(AREAS, 20.0),
            previous_label="2020",
        ),
    )
    roles = [s.role for s in spec.series]
    assert roles == ["cluster", "national", "previous"], "a sector of 4 would reveal clusters"
    assert spec.footnote and "5" in spec.footnote
    spec = results.radar_spec(
        questionnaire,
        result,
        "X",
        "2021",
        results.Overlays(
            national=means, national_n=4, sector=means, sector_label="agroindustria", sector_n=5
        ),
    )
    assert [s.role for s in spec.series] == ["cluster", "sector"]
    assert spec.axes[0] == "Enfoque" and len(spec.axes) == 8
    assert [b.label for b in spec.bands] == ["Exploración", "Intermedio", "Consolidado"]
    assert render_radar(spec)[:8] == b"\x89PNG\r\n\x1a\n"


def test_plain_text_for_the_terminal(questionnaire, consolidado):
    result = score_answers(questionnaire, consolidado, CAMPAIGN_YEAR)
    text = results.plain_text(result, "Café & Co", "2021")
    assert "<b>" not in text and "Café & Co" in text and "✔ Estrategia con plan de acción" in text
