"""The executive summary: figures computed by hand on a small campaign, text and charts.

The campaign below (see ``registry()`` and ``current()``) is small enough to check every expected
number by hand; each test writes out the arithmetic.
"""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest

from bot.questionnaire.loader import load_questionnaire
from bot.questionnaire.model import ND, Questionnaire
from bot.reports.summary import (
    BarsChart,
    ClusterInfo,
    Submission,
    area_chart,
    breakdown,
    compute_summary,
    level_chart,
    render_chart,
    respondent_counts,
    summary_charts,
    summary_text,
    unknown_submissions,
)
from charts import RadarSpec, render_bars, render_radar

CONTRACT = {
    "campaign",
    "registered",
    "departments",
    "sector_pct",
    "respondents",
    "participation_pct",
    "level_pct",
    "level_change_pp",
    "area_mean",
    "ims_mean",
    "sales_total_cop",
    "sales_growth_pct",
    "sales_destination_pct",
    "employment_total",
    "employment_growth_pct",
    "firm_size_pct",
    "strategy_updated_pct",
    "actor_pct",
    "chamber_managed_pct",
    "governance_pct",
    "funding_source_pct",
    "top_impacts",
    "top_regional_actions",
}
AREAS = (
    "enfoque",
    "estrategia",
    "actores",
    "gobernanza",
    "proyectos",
    "colaboracion",
    "financiacion",
    "impacto",
)


@pytest.fixture(scope="module")
def q() -> Questionnaire:
    return load_questionnaire()


def registry() -> list[ClusterInfo]:
    """Five active clusters in four departments; c6 is inactive (but answers)."""
    return [
        ClusterInfo("c1", "Antioquia", "servicios", "camara_comercio", "activa"),
        ClusterInfo("c2", "Antioquia", "agroindustria", "gobierno", "activa"),
        ClusterInfo("c3", "Huila", "agroindustria", "camara_comercio", "activa"),
        ClusterInfo("c4", "Valle del Cauca", "manufactura", "gremio", "activa"),
        ClusterInfo("c5", "Bogotá D.C.", "servicios", "camara_comercio", "activa"),  # silent
        ClusterInfo("c6", "Nariño", "servicios", "otra", "inactiva"),
    ]


def sub(
    cluster_id: str,
    ims: float,
    level: str,
    *,
    updated: bool = False,
    areas: dict[str, float] | None = None,
    **answers: Any,
) -> Submission:
    scores = dict.fromkeys(AREAS, ims)
    scores.update(areas or {})
    return Submission(cluster_id, answers, ims, level, scores, updated)


def current() -> list[Submission]:
    return [
        sub(
            "c1", 80, "consolidado", updated=True,
            areas={"gobernanza": 100, "financiacion": 25},
            ventas_anio_actual=100_000_000_000, ventas_anio_anterior=80_000_000_000,
            ventas_pct_local=50, ventas_pct_nacional=30, ventas_pct_exportacion=20,
            empleo_anio_actual=1000, empleo_anio_anterior=900,
            empresas_micro=60, empresas_pequenas=25, empresas_medianas=10, empresas_grandes=5,
            actores_empresas=20, actores_academia=3, actores_publico=2, actores_apoyo=5,
            gobernanza_instancias=["junta_directiva", "mesas_tecnicas", "reglamento"],
            financiacion_fuentes=["gestora", "aportes_empresas"],
            impactos_empresas=["capacitacion", "ventas", "idi_productos"],
            acciones_regionales=["empleo", "reactivacion"],
        ),
        sub(
            "c2", 55, "intermedio",
            areas={"gobernanza": 50, "financiacion": 25},
            ventas_anio_actual=20_000_000_000, ventas_anio_anterior=ND,
            ventas_pct_local=10, ventas_pct_nacional=10, ventas_pct_exportacion=80,
            empleo_anio_actual=500, empleo_anio_anterior=ND,
            empresas_micro=30, empresas_pequenas=10, empresas_medianas=ND, empresas_grandes=0,
            actores_empresas=10, actores_academia=1, actores_publico=1, actores_apoyo=ND,
            gobernanza_instancias=["reuniones_informales"],
            financiacion_fuentes=["gestora"],
            impactos_empresas=["ninguno"],
            acciones_regionales=["ninguna"],
        ),
        sub(
            "c3", 72.5, "consolidado", updated=True,
            areas={"gobernanza": 75, "financiacion": 50},
            ventas_anio_actual=ND, ventas_anio_anterior=50_000_000_000,
            ventas_pct_local=40, ventas_pct_nacional=40, ventas_pct_exportacion=20,
            empleo_anio_actual=ND, empleo_anio_anterior=ND,
            empresas_micro=80, empresas_pequenas=15, empresas_medianas=4, empresas_grandes=1,
            actores_empresas=15, actores_academia=2, actores_publico=2, actores_apoyo=1,
            gobernanza_instancias=["junta_directiva", "consejo_ampliado"],
            financiacion_fuentes=["cofinanciacion_nacional", "gestora"],
            impactos_empresas=["ventas", "capacitacion"],
            acciones_regionales=["empleo"],
        ),
        sub(
            "c4", 30, "exploracion",
            areas={"gobernanza": 0, "financiacion": 0},
            ventas_anio_actual=30_000_000_000, ventas_anio_anterior=20_000_000_000,
            ventas_pct_local=70, ventas_pct_nacional=30, ventas_pct_exportacion=ND,
            empleo_anio_actual=200, empleo_anio_anterior=250,
            # no firm-size answers at all
            actores_empresas=8, actores_academia=0, actores_publico=1, actores_apoyo=1,
            gobernanza_instancias=["ninguna"],
            financiacion_fuentes=["ninguna"],
            impactos_empresas=["mercados_internacionales"],
            acciones_regionales=[],
        ),
        sub(
            "c6", 70.25, "consolidado", updated=True,
            areas={"gobernanza": 75, "financiacion": 12.5},
            ventas_anio_actual=307_000_000_000, ventas_anio_anterior=300_000_000_000,
            ventas_pct_local=60, ventas_pct_nacional=30, ventas_pct_exportacion=10,
            empleo_anio_actual=300, empleo_anio_anterior=250,
            empresas_micro=10, empresas_pequenas=10, empresas_medianas=6, empresas_grandes=4,
            actores_empresas=7, actores_academia=0, actores_publico=0, actores_apoyo=3,
            gobernanza_instancias=["junta_directiva", "reglamento"],
            # financiacion_fuentes not answered
            impactos_empresas=["ventas", "idi_productos"],
            acciones_regionales=["ambiente"],
        ),
        # Not in the registry: ignored everywhere (its sales would break 457 mil millones).
        sub("zz", 100, "consolidado", ventas_anio_actual=999_000_000_000, ventas_anio_anterior=1),
    ]  # fmt: skip


def previous() -> list[Submission]:
    # consolidado 1/4 = 25 %, intermedio 2/4 = 50 %, exploracion 1/4 = 25 %; "zz" is ignored.
    return [
        sub("c1", 60, "intermedio"),
        sub("c2", 50, "intermedio"),
        sub("c3", 75, "consolidado"),
        sub("c4", 20, "exploracion"),
        sub("zz", 90, "consolidado"),
    ]


@pytest.fixture(scope="module")
def summary(q: Questionnaire) -> dict[str, Any]:
    return compute_summary(q, "2021", registry(), current(), previous(), "2019")


# --------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------


def test_contract_keys_and_json(summary: dict[str, Any]) -> None:
    assert set(summary) == CONTRACT | {"previous_campaign"}
    assert json.loads(json.dumps(summary)) == summary
    assert summary["campaign"] == "2021"
    assert summary["previous_campaign"] == "2019"


def test_registry_and_participation(summary: dict[str, Any]) -> None:
    # A = c1..c5 (c6 is inactive): 5 clusters in Antioquia, Huila, Valle del Cauca, Bogotá D.C.
    assert summary["registered"] == 5
    assert summary["departments"] == 4
    # servicios c1, c5 = 2/5; agroindustria c2, c3 = 2/5; manufactura c4 = 1/5.
    assert summary["sector_pct"] == {"servicios": 40.0, "agroindustria": 40.0, "manufactura": 20.0}
    # R = c1, c2, c3, c4, c6 (the inactive c6 answered and counts; "zz" is unknown).
    assert summary["respondents"] == 5
    # |R ∩ A| / |A| = 4 / 5.
    assert summary["participation_pct"] == 80.0


def test_unknown_submissions_listed() -> None:
    assert unknown_submissions(registry(), current()) == ["zz"]


def test_levels_and_change(summary: dict[str, Any]) -> None:
    # consolidado c1, c3, c6 = 3/5; intermedio c2 = 1/5; exploracion c4 = 1/5.
    assert summary["level_pct"] == {"exploracion": 20.0, "intermedio": 20.0, "consolidado": 60.0}
    # Previous: 25 / 50 / 25 -> 20 − 25, 20 − 50, 60 − 25.
    assert summary["level_change_pp"] == {
        "exploracion": -5.0,
        "intermedio": -30.0,
        "consolidado": 35.0,
    }


def test_no_previous_campaign_gives_null_change(q: Questionnaire) -> None:
    first = compute_summary(q, "2021", registry(), current(), None)
    assert first["level_change_pp"] is None
    assert first["previous_campaign"] is None
    empty_before = compute_summary(q, "2021", registry(), current(), [], "2019")
    assert empty_before["level_change_pp"] is None
    # Only unknown clusters in the previous campaign is as good as none.
    unknown_before = compute_summary(q, "2021", registry(), current(), [sub("zz", 1, "intermedio")])
    assert unknown_before["level_change_pp"] is None


def test_area_and_ims_means_round_half_up(summary: dict[str, Any]) -> None:
    # IMS: (80 + 55 + 72.5 + 30 + 70.25) / 5 = 307.75 / 5 = 61.55 -> 61.6 (half up).
    # round(61.55, 1) gives 61.5 because the float 61.55 is 61.5499999...: exact arithmetic.
    assert summary["ims_mean"] == 61.6
    means = summary["area_mean"]
    assert list(means) == list(AREAS)
    assert means["enfoque"] == 61.6  # same values as the IMS
    assert means["gobernanza"] == 60.0  # (100 + 50 + 75 + 0 + 75) / 5 = 300 / 5
    assert means["financiacion"] == 22.5  # (25 + 25 + 50 + 0 + 12.5) / 5 = 112.5 / 5


def test_sales_total_and_balanced_growth(summary: dict[str, Any]) -> None:
    # Total over who gave t: c1 100 + c2 20 + c4 30 + c6 307 = 457 mil millones (c3 is n/d).
    assert summary["sales_total_cop"] == 457_000_000_000
    assert isinstance(summary["sales_total_cop"], int)
    # Panel (both years): c1 100/80, c4 30/20, c6 307/300 -> Σt 437, Σt−1 400.
    # (437 − 400) / 400 = 9.25 % -> 9.3 (half up; round(9.25, 1) would give 9.2).
    # c2 (only t) is in the total but not in the growth; c3 (only t−1) in neither.
    # Unbalanced it would be (457 − 450) / 450 = 1.6 %.
    assert summary["sales_growth_pct"] == 9.3


def test_sales_destination_is_sales_weighted(summary: dict[str, Any]) -> None:
    # Clusters with sales t and all three shares: c1 (100; 50/30/20), c2 (20; 10/10/80),
    # c6 (307; 60/30/10). c3 has no sales t, c4 has export n/d. Weight 427.
    # local  (100·50 + 20·10 + 307·60) / 427 = 23620 / 427 = 55.316 -> 55.3
    # nac.   (100·30 + 20·10 + 307·30) / 427 = 12410 / 427 = 29.063 -> 29.1
    # export (100·20 + 20·80 + 307·10) / 427 =  6670 / 427 = 15.621 -> 15.6
    # The unweighted mean would be 40 / 23.3 / 36.7.
    assert summary["sales_destination_pct"] == {
        "local": 55.3,
        "nacional": 29.1,
        "exportacion": 15.6,
    }


def test_employment(summary: dict[str, Any]) -> None:
    # Total: 1000 + 500 + 200 + 300 = 2000 (c3 n/d).
    assert summary["employment_total"] == 2000
    # Panel c1 1000/900, c4 200/250, c6 300/250: (1500 − 1400) / 1400 = 7.142 % -> 7.1.
    assert summary["employment_growth_pct"] == 7.1


def test_firm_sizes_and_actors_need_all_four(summary: dict[str, Any]) -> None:
    # Firm sizes from c1, c3, c6 (c2 has an n/d, c4 did not answer): micro 60+80+10 = 150,
    # pequeña 25+15+10 = 50, mediana 10+4+6 = 20, grande 5+1+4 = 10; total 230.
    # 150/230 = 65.22, 50/230 = 21.74, 20/230 = 8.70, 10/230 = 4.35.
    assert summary["firm_size_pct"] == {
        "micro": 65.2,
        "pequena": 21.7,
        "mediana": 8.7,
        "grande": 4.3,
    }
    # Actors from c1, c3, c4, c6 (c2 has an n/d): empresas 20+15+8+7 = 50, academia 3+2+0+0 = 5,
    # público 2+2+1+0 = 5, apoyo 5+1+1+3 = 10; total 70 -> 71.43, 7.14, 7.14, 14.29.
    assert summary["actor_pct"] == {
        "empresas": 71.4,
        "academia": 7.1,
        "publico": 7.1,
        "apoyo": 14.3,
    }


def test_strategy_and_chamber(summary: dict[str, Any]) -> None:
    assert summary["strategy_updated_pct"] == 60.0  # c1, c3, c6 of 5
    assert summary["chamber_managed_pct"] == 40.0  # c1, c3 of 5 (c6 is managed by "otra")


def test_choice_percentages_in_questionnaire_order(summary: dict[str, Any]) -> None:
    governance = summary["governance_pct"]
    assert list(governance) == [
        "junta_directiva",
        "consejo_ampliado",
        "mesas_tecnicas",
        "comite_proyectos",
        "reglamento",
        "reuniones_informales",
        "ninguna",
    ]
    # junta c1, c3, c6; consejo c3; mesas c1; reglamento c1, c6; informales c2; ninguna c4.
    assert governance == {
        "junta_directiva": 60.0,
        "consejo_ampliado": 20.0,
        "mesas_tecnicas": 20.0,
        "comite_proyectos": 0.0,
        "reglamento": 40.0,
        "reuniones_informales": 20.0,
        "ninguna": 20.0,
    }
    # gestora c1, c2, c3; aportes c1; cofinanciación c3; ninguna c4; c6 did not answer (not
    # chosen, still in the denominator of 5).
    funding = summary["funding_source_pct"]
    assert funding["gestora"] == 60.0
    assert funding["aportes_empresas"] == 20.0
    assert funding["cofinanciacion_nacional"] == 20.0
    assert funding["ninguna"] == 20.0
    assert funding["regalias"] == 0.0
    assert len(funding) == 9


def test_top_lists(summary: dict[str, Any], q: Questionnaire) -> None:
    # ventas c1, c3, c6 = 3; idi_productos c1, c6 = 2; capacitacion c1, c3 = 2 (tie: idi first in
    # the questionnaire); mercados_internacionales c4 = 1; "ninguno" (c2) is left out.
    labels = q.question("impactos_empresas").choice_map
    assert summary["top_impacts"] == [
        {"id": "ventas", "label": labels["ventas"].label, "pct": 60.0},
        {"id": "idi_productos", "label": labels["idi_productos"].label, "pct": 40.0},
        {"id": "capacitacion", "label": labels["capacitacion"].label, "pct": 40.0},
        {
            "id": "mercados_internacionales",
            "label": labels["mercados_internacionales"].label,
            "pct": 20.0,
        },
    ]
    # empleo c1, c3 = 2; reactivacion c1 = 1; ambiente c6 = 1 (reactivacion first by order).
    assert [(i["id"], i["pct"]) for i in summary["top_regional_actions"]] == [
        ("empleo", 40.0),
        ("reactivacion", 20.0),
        ("ambiente", 20.0),
    ]
    assert summary["top_regional_actions"][0]["label"] == "Incremento o estabilidad del empleo"


def test_nd_is_never_zero(q: Questionnaire) -> None:
    # One cluster that gave nothing numeric: every figure built on numbers is null, not 0.
    reg = [ClusterInfo("a", "Huila", "agroindustria", "gremio", "activa")]
    nd = {
        k: ND
        for k in (
            "ventas_anio_actual",
            "ventas_anio_anterior",
            "ventas_pct_local",
            "ventas_pct_nacional",
            "ventas_pct_exportacion",
            "empleo_anio_actual",
            "empleo_anio_anterior",
            "empresas_micro",
            "empresas_pequenas",
            "empresas_medianas",
            "empresas_grandes",
        )
    }
    s = compute_summary(q, "2021", reg, [sub("a", 50, "intermedio", **nd)], None)
    for key in (
        "sales_total_cop",
        "sales_growth_pct",
        "sales_destination_pct",
        "employment_total",
        "employment_growth_pct",
        "firm_size_pct",
        "actor_pct",  # not answered at all
    ):
        assert s[key] is None, key
    assert s["respondents"] == 1
    assert s["participation_pct"] == 100.0
    assert s["top_impacts"] == []  # respondents, but nobody cited an impact


def test_growth_null_when_previous_year_sums_to_zero(q: Questionnaire) -> None:
    reg = [ClusterInfo("a", "Huila", "agroindustria", "gremio", "activa")]
    answers = {"ventas_anio_actual": 10, "ventas_anio_anterior": 0}
    s = compute_summary(q, "2021", reg, [sub("a", 50, "intermedio", **answers)], None)
    assert s["sales_total_cop"] == 10
    assert s["sales_growth_pct"] is None


def test_sums_and_rounding_are_exact_at_any_magnitude(q: Questionnaire) -> None:
    reg = [ClusterInfo(c, "Huila", "agroindustria", "gremio", "activa") for c in ("a", "b", "c")]
    subs = [
        # 10^40 + 1 needs 41 digits: a default decimal context (28) would drop the 1.
        sub("a", 50, "intermedio", empleo_anio_actual=10**40, ventas_anio_actual=0.1),
        sub("b", 50, "intermedio", empleo_anio_actual=1, ventas_anio_actual=0.2),
        # 1e-300 next to 1e40 is far beyond any fixed precision, and still exact.
        sub("c", 50, "intermedio", ventas_anio_actual=1e-300),
    ]
    s = compute_summary(q, "2021", reg, subs, None)
    assert s["employment_total"] == 10**40 + 1
    assert s["sales_total_cop"] == float("0.3")  # 0.1 + 0.2 as printed, not 0.30000000000000004

    # Growth just below a tie: (Σt − Σt−1)/Σt−1 = 12.249999…% (60 nines) must give 12.2, where a
    # quotient to 60 significant digits would round to 12.25 and then up to 12.3.
    before = 10**64
    now = before + (12_25 * 10**60 - 1)  # +12.25% minus one part in 10^64
    growth = [sub("a", 50, "intermedio", ventas_anio_actual=now, ventas_anio_anterior=before)]
    assert compute_summary(q, "2021", reg, growth, None)["sales_growth_pct"] == 12.2
    tie = [sub("a", 50, "intermedio", ventas_anio_actual=11225, ventas_anio_anterior=10000)]
    assert compute_summary(q, "2021", reg, tie, None)["sales_growth_pct"] == 12.3
    tiny_fall = [sub("a", 50, "intermedio", ventas_anio_actual=9999, ventas_anio_anterior=10000)]
    fall = compute_summary(q, "2021", reg, tiny_fall, None)["sales_growth_pct"]
    assert fall == 0.0 and str(fall) == "0.0"  # -0.01% rounds to 0.0, never "-0.0"
    half_fall = [sub("a", 50, "intermedio", ventas_anio_actual=9995, ventas_anio_anterior=10000)]
    assert compute_summary(q, "2021", reg, half_fall, None)["sales_growth_pct"] == -0.1


def test_no_respondents_is_all_null_not_an_error(q: Questionnaire) -> None:
    s = compute_summary(q, "2022", registry(), [], previous(), "2021")
    assert s["respondents"] == 0
    assert s["participation_pct"] == 0.0  # 0 of 5 active clusters: a real figure
    for key in CONTRACT - {"campaign", "registered", "departments", "sector_pct", "respondents"}:
        if key != "participation_pct":
            assert s[key] is None, key
    json.dumps(s)
    # Nothing at all: not even a registry.
    nothing = compute_summary(q, "2022", [], [], None)
    assert nothing["registered"] == 0
    assert nothing["departments"] == 0
    assert nothing["sector_pct"] is None
    assert nothing["participation_pct"] is None
    text = summary_text(nothing, q)
    assert "Aún no hay respuestas" in text


def test_duplicate_submission_keeps_the_last(q: Questionnaire) -> None:
    reg = [ClusterInfo("a", "Huila", "agroindustria", "gremio", "activa")]
    subs = [sub("a", 20, "exploracion"), sub("a", 80, "consolidado")]
    s = compute_summary(q, "2021", reg, subs, None)
    assert s["respondents"] == 1
    assert s["ims_mean"] == 80.0
    assert s["level_pct"]["consolidado"] == 100.0


def test_respondent_counts() -> None:
    by_sector, by_department = respondent_counts(registry(), current())
    # R = c1 servicios/Antioquia, c2 agro/Antioquia, c3 agro/Huila, c4 manu/Valle, c6 serv/Nariño.
    assert by_sector == {"servicios": 2, "agroindustria": 2, "manufactura": 1}
    assert list(by_department.items()) == [
        ("Antioquia", 2),
        ("Huila", 1),
        ("Nariño", 1),
        ("Valle del Cauca", 1),
    ]


# --------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------


def seed_like(q: Questionnaire) -> dict[str, Any]:
    """A summary with the seed document's figures (2021 vs 2019)."""
    return {
        "campaign": "2021",
        "previous_campaign": "2019",
        "registered": 135,
        "departments": 26,
        "sector_pct": {"servicios": 48.0, "agroindustria": 30.0, "manufactura": 22.0},
        "respondents": 100,
        "participation_pct": 74.0,
        "level_pct": {"exploracion": 10.0, "intermedio": 26.0, "consolidado": 64.0},
        "level_change_pp": {"exploracion": -2.0, "intermedio": -8.0, "consolidado": 10.0},
        "area_mean": {a: 60.0 + i for i, a in enumerate(AREAS)},
        "ims_mean": 63.5,
        "sales_total_cop": 457_000_000_000,
        "sales_growth_pct": 19.0,
        "sales_destination_pct": {"local": 46.0, "nacional": 33.0, "exportacion": 21.0},
        "employment_total": 385_412,
        "employment_growth_pct": 7.0,
        "firm_size_pct": {"micro": 74.0, "pequena": 18.0, "mediana": 5.0, "grande": 3.0},
        "strategy_updated_pct": 78.0,
        "actor_pct": {"empresas": 74.0, "academia": 10.0, "publico": 6.0, "apoyo": 10.0},
        "chamber_managed_pct": 73.0,
        "governance_pct": {c.id: 50.0 for c in q.question("gobernanza_instancias").choices},
        "funding_source_pct": {c.id: 40.0 for c in q.question("financiacion_fuentes").choices},
        "top_impacts": [
            {"id": c.id, "label": c.label, "pct": 90.0 - i}
            for i, c in enumerate(q.question("impactos_empresas").choices[:-1])
        ],
        "top_regional_actions": [
            {"id": c.id, "label": c.label, "pct": 80.0 - i}
            for i, c in enumerate(q.question("acciones_regionales").choices[:-1])
        ],
    }


def test_text_with_seed_figures(q: Questionnaire) -> None:
    text = summary_text(seed_like(q), q)
    assert len(text) <= 4000
    assert text.count("<b>") == text.count("</b>") == 1
    assert "135 aglomeraciones productivas inscritas de 26 departamentos" in text
    assert "el 48% pertenecen al sector servicios" in text
    assert "participación del 74% de las aglomeraciones productivas inscritas" in text
    assert "(100 de 135)." in text
    assert "inactiva" not in text
    assert "mejor promedio es «Impacto empresarial y territorial» (67)" in text
    assert "menor promedio es «Enfoque» (60)" in text
    assert "En su mayoría (64%), las aglomeraciones productivas se encuentran en un nivel «Consolidado»" in text  # fmt: skip
    assert "10 p.p. (puntos porcentuales) por encima del resultado obtenido en la medición de 2019" in text  # fmt: skip
    assert "crecimiento en ventas del 19%" in text
    assert "457 mil millones de pesos" in text
    assert "principalmente al mercado local (46%)" in text
    assert "del 7%, con 385.412 empleos directos" in text
    assert "mayormente por microempresas (74%)" in text
    assert "el 78% de las aglomeraciones productivas tiene su estrategia actualizada" in text
    assert "(en los últimos 3 años)" in text
    assert "empresas (74%)" in text
    assert "gestoras del 73%" in text
    assert "   – I+D+i y/o desarrollo de productos o servicios (90%)" in text
    assert "Es la primera medición" not in text
    assert "No hay datos" not in text


def test_text_colombian_decimals_and_decrease(q: Questionnaire) -> None:
    s = seed_like(q)
    s["sales_growth_pct"] = -12.5
    s["sales_total_cop"] = 1_500_000_000_000
    s["level_pct"] = {"exploracion": 30.0, "intermedio": 45.5, "consolidado": 24.5}
    s["level_change_pp"] = {"exploracion": 0.0, "intermedio": -3.5, "consolidado": 3.5}
    text = summary_text(s, q)
    assert "una disminución en ventas del 12,5%" in text
    assert "1,5 billones de pesos" in text
    # 45,5 % is not a majority.
    assert "La mayor proporción de las aglomeraciones productivas (45,5%)" in text
    assert "«Intermedio», 3,5 p.p. (puntos porcentuales) por debajo" in text
    assert "En su mayoría" not in text


def test_text_level_tie(q: Questionnaire) -> None:
    s = seed_like(q)
    s["level_pct"] = {"exploracion": 20.0, "intermedio": 40.0, "consolidado": 40.0}
    s["level_change_pp"] = {"exploracion": 0.0, "intermedio": 5.0, "consolidado": -5.0}
    text = summary_text(s, q)
    assert "se reparte por igual (40% cada uno) entre los niveles «Intermedio» y «Consolidado»" in text  # fmt: skip
    assert "Frente a la medición de 2019: «Intermedio» +5 p.p. y «Consolidado» −5 p.p." in text


def test_text_says_what_is_missing(q: Questionnaire) -> None:
    s = seed_like(q)
    s.update(
        previous_campaign=None,
        level_change_pp=None,
        sales_growth_pct=None,
        employment_total=None,
        employment_growth_pct=None,
        sales_destination_pct=None,
        firm_size_pct=None,
        top_impacts=[],
    )
    text = summary_text(s, q)
    assert "Es la primera medición: no hay comparación con una medición anterior." in text
    assert "457 mil millones de pesos" in text
    assert "No hay datos de ventas suficientes para calcular el crecimiento." in text
    assert "No hay datos de empleo" in text
    assert "No hay datos suficientes sobre el destino de las ventas." in text
    assert "No hay datos suficientes sobre el tamaño de las empresas." in text
    assert "Ninguna aglomeración reportó aspectos impactados" in text
    assert "None" not in text
    # A previous campaign named but without data.
    s["previous_campaign"] = "2019"
    assert "No hay respuestas de la medición de 2019" in summary_text(s, q)


def test_text_of_computed_summary(summary: dict[str, Any], q: Questionnaire) -> None:
    text = summary_text(summary, q)
    assert len(text) <= 4000
    # 4 of the 5 active clusters answered; c6 (inactive) answered too and is in the results.
    assert "participación del 80% de las aglomeraciones productivas inscritas en la Red Clúster Colombia (4 de 5)." in text  # fmt: skip
    assert "Además, respondió 1 aglomeración que figura como inactiva en el registro" in text
    # Six areas tie for the best mean (61,6): only the single worst one is named.
    assert "El área con menor promedio es «Financiación» (22,5)." in text
    assert "mejor promedio" not in text
    assert "En su mayoría (60%)" in text
    assert "35 p.p. (puntos porcentuales) por encima del resultado obtenido en la medición de 2019" in text  # fmt: skip
    assert "crecimiento en ventas del 9,3%, con ventas totales de 457 mil millones de pesos" in text
    assert "IMS) promedio es de 61,6 sobre 100" in text
    # Exclusive options ("Ninguna", "Solo reuniones informales") are not listed as instances.
    governance = text.split("gobernanza se refiere")[1].split("financiación")[0]
    assert "Comité ejecutivo o junta directiva (60%)" in governance
    assert "Ninguna" not in governance and "informales" not in governance


def test_text_first_campaign_and_no_data(q: Questionnaire) -> None:
    reg = [ClusterInfo("a", "Huila", "agroindustria", "gremio", "activa")]
    s = compute_summary(q, "2021", reg, [sub("a", 50, "intermedio", ventas_anio_actual=ND)], None)
    text = summary_text(s, q)
    assert "Es la primera medición: no hay comparación con una medición anterior." in text
    assert "No hay datos de ventas suficientes para calcular el crecimiento." in text
    assert "1 aglomeración productiva inscrita de 1 departamento" in text
    assert "el 100% pertenece al sector agroindustrial" in text
    assert "participación del 100% de las aglomeraciones productivas inscritas en la Red Clúster Colombia (1 de 1)." in text  # fmt: skip


def test_text_participation_of_a_large_registry(q: Questionnaire) -> None:
    # Beyond 999 active clusters the count of active respondents cannot be recovered exactly
    # from the rounded percentage, so the text gives the number of respondents instead.
    s = seed_like(q)
    s.update(registered=1500, respondents=750, participation_pct=50.0)
    assert "participación del 50% de las aglomeraciones productivas inscritas en la Red Clúster Colombia (750 aglomeraciones respondieron)." in summary_text(s, q)  # fmt: skip


def test_text_escapes_html(q: Questionnaire) -> None:
    s = seed_like(q)
    s["campaign"] = "2021 <b>"
    s["top_impacts"] = [{"id": "x", "label": "Ventas & <script>", "pct": 10.0}]
    text = summary_text(s, q)
    assert "Ventas &amp; &lt;script&gt;" in text
    assert "2021 &lt;b&gt;" in text


# --------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n"


def test_chart_specs(summary: dict[str, Any], q: Questionnaire) -> None:
    before = compute_summary(q, "2019", registry(), previous(), None)
    levels = level_chart(summary, q, before)
    assert levels == BarsChart(
        title="Aglomeraciones por nivel de madurez (%)",
        categories=("Exploración", "Intermedio", "Consolidado"),
        series=(
            ("Medición 2021", (20.0, 20.0, 60.0)),
            ("Medición 2019", (25.0, 50.0, 25.0)),
        ),
        subtitle="Medición 2021 · 5 aglomeraciones",
    )
    radar = area_chart(summary, q, before)
    # Area means are read against the per-area bands, named as the text names them (issue 14).
    assert [b.label for b in radar.bands] == ["Débil", "Básico", "Satisfactorio", "Sólido"]
    assert radar.rings == (25, 50, 75, 100) and radar.band_title == "Banda de cada área"
    assert isinstance(radar, RadarSpec)
    assert radar.axes[0] == "Enfoque" and len(radar.axes) == 8
    assert radar.series[0].values[3] == 60.0  # gobernanza
    assert [s.role for s in radar.series] == ["national", "previous"]
    assert "IMS promedio 61,6" in radar.subtitle
    # No previous campaign: one series only; no respondents: only the network's registered
    # (0 of N by sector and department), no levels or areas.
    assert len(level_chart(summary, q).series) == 1  # type: ignore[union-attr]
    empty = compute_summary(q, "2022", registry(), [], None)
    assert [n for n, _ in summary_charts(empty, q, None, _groups(q, []))] == [
        "sectors",
        "departments",
    ]


def _groups(q: Questionnaire, subs: list[Submission]) -> dict[str, list[dict[str, Any]]]:
    return {by: breakdown(q, registry(), subs, by) for by in ("sector", "departamento")}


def test_charts_are_picklable_and_render(summary: dict[str, Any], q: Questionnaire) -> None:
    before = compute_summary(q, "2019", registry(), previous(), None)
    jobs = summary_charts(summary, q, before, _groups(q, current()))
    assert [name for name, _ in jobs] == ["levels", "areas", "sectors", "departments"]
    sectors = dict(jobs)["sectors"]
    assert sectors.categories == ("Servicios", "Agroindustria", "Manufactura")  # type: ignore[union-attr]
    # Active respondents of the registered (issue 14): c6 (servicios) answered but is inactive.
    assert sectors.series == (("Respondieron", (1.0, 2.0, 1.0)),)  # type: ignore[union-attr]
    assert sectors.totals == (2.0, 2.0, 1.0)  # type: ignore[union-attr]
    assert sectors.subtitle == "Medición 2021 · respondieron 4 de 5 aglomeraciones activas"  # type: ignore[union-attr]
    assert pickle.loads(pickle.dumps(jobs)) == jobs
    for _, job in jobs:
        png = render_chart(job)
        assert png.startswith(PNG)
    # The same arguments work with the charts module directly.
    radar = dict(jobs)["areas"]
    assert render_radar(radar).startswith(PNG)  # type: ignore[arg-type]
    bars = dict(jobs)["levels"]
    assert render_bars(bars.title, bars.categories, bars.series).startswith(PNG)  # type: ignore[union-attr]


def test_breakdown_by_department_uses_the_summary_rules(q: Questionnaire) -> None:
    rows = {r["group"]: r for r in breakdown(q, registry(), current(), "departamento")}
    assert set(rows) == {"Antioquia", "Huila", "Valle del Cauca", "Bogotá D.C.", "Nariño"}
    # An inactive respondent counts in its group's respondents, not in its participation.
    assert rows["Nariño"]["registered"] == 0 and rows["Nariño"]["respondents"] == 1
    assert rows["Nariño"]["participation_pct"] is None
    assert rows["Bogotá D.C."]["respondents"] == 0 and rows["Bogotá D.C."]["level_pct"] is None
    assert rows["Antioquia"]["participation_pct"] == 100.0
    whole = compute_summary(q, "2021", registry(), current(), None)
    assert sum(r["respondents"] for r in rows.values()) == whole["respondents"]
    with pytest.raises(ValueError):
        breakdown(q, registry(), current(), "municipio")
