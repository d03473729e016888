"""Every indicator rule at its band edges, every gate, each level (methodology §3 and §5)."""

from __future__ import annotations

from typing import Any

import pytest

from scoring import score_answers
from tests.conftest import CAMPAIGN_YEAR


def indicator(q, answers: dict[str, Any], ind: str, year: int = CAMPAIGN_YEAR) -> float:
    return score_answers(q, answers, year).indicators[ind].score


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = dict(base)
    for k, v in changes.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return out


INTELIGENCIA = [
    "estudios_mercado",
    "benchmarking",
    "vigilancia",
    "clientes_sofisticados",
    "mapeo_cadena",
    "diagnostico_brechas",
]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("no_definidos", 0),
        ("sector", 25),
        ("segmentos", 50),
        ("validados", 75),
        ("validados_analisis", 100),
    ],
)
def test_i01_choice_scores(questionnaire, consolidado, choice, expected):
    answers = with_(consolidado, enfoque_segmentos=choice)
    assert indicator(questionnaire, answers, "i01_enfoque_negocio") == expected


@pytest.mark.parametrize(
    ("n", "expected"), [(1, 25), (2, 50), (3, 75), (4, 75), (5, 100), (6, 100)]
)
def test_i02_count_bands(questionnaire, consolidado, n, expected):
    answers = with_(consolidado, inteligencia_actividades=INTELIGENCIA[:n])
    assert indicator(questionnaire, answers, "i02_inteligencia_mercado") == expected


def test_i02_exclusive_none_counts_zero(questionnaire, consolidado):
    answers = with_(consolidado, inteligencia_actividades=["ninguna"])
    assert indicator(questionnaire, answers, "i02_inteligencia_mercado") == 0


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("no_existe", 0),
        ("en_construccion", 25),
        ("documento", 50),
        ("plan_accion", 75),
        ("metas_aprobadas", 100),
    ],
)
def test_i03_choice_scores(questionnaire, consolidado, choice, expected):
    answers = with_(consolidado, estrategia_formalizacion=choice)
    assert indicator(questionnaire, answers, "i03_formalizacion_estrategia") == expected


@pytest.mark.parametrize(
    ("year", "expected", "updated"),
    [
        (2021, 100, True),
        (2020, 100, True),
        (2019, 75, True),
        (2018, 50, True),
        (2017, 25, False),
        (2016, 25, False),
        (2015, 0, False),
        (1990, 0, False),
        ("nunca", 0, False),
    ],
)
def test_i04_age_bands_and_updated_flag(questionnaire, consolidado, year, expected, updated):
    answers = with_(consolidado, estrategia_anio_actualizacion=year)
    result = score_answers(questionnaire, answers, CAMPAIGN_YEAR)
    assert result.indicators["i04_vigencia_estrategia"].score == expected
    assert result.flags["estrategia_actualizada"] is updated


def test_i04_without_strategy_scores_zero_even_with_a_stale_year(questionnaire, consolidado):
    # The year answer is irrelevant once the strategy "no existe": it must not count.
    answers = with_(
        consolidado, estrategia_formalizacion="no_existe", estrategia_anio_actualizacion=2021
    )
    result = score_answers(questionnaire, answers, CAMPAIGN_YEAR)
    assert result.indicators["i04_vigencia_estrategia"].score == 0
    assert result.flags["estrategia_actualizada"] is False


@pytest.mark.parametrize(
    ("choice", "expected"),
    [("no", 0), ("informal", 25), ("actividades", 50), ("tablero", 75), ("resultados", 100)],
)
def test_i05_choice_scores(questionnaire, consolidado, choice, expected):
    answers = with_(consolidado, estrategia_seguimiento=choice)
    assert indicator(questionnaire, answers, "i05_seguimiento_estrategia") == expected


@pytest.mark.parametrize(
    ("activas", "expected"),
    [(0, 0), (9, 0), (10, 25), (24, 25), (25, 50), (49, 50), (50, 75), (99, 75), (100, 100)],
)
def test_i06_critical_mass_bands(questionnaire, consolidado, activas, expected):
    answers = with_(consolidado, empresas_activas=activas)
    assert indicator(questionnaire, answers, "i06_masa_critica") == expected


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ((0, 0, 0, 0), 0),
        ((5, 0, 0, 0), 25),
        ((5, 1, 0, 0), 50),
        ((5, 1, 1, 0), 75),
        ((1, 1, 1, 1), 100),
        ((0, 0, 0, 9), 25),
    ],
)
def test_i07_groups_present(questionnaire, consolidado, counts, expected):
    keys = ["actores_empresas", "actores_academia", "actores_publico", "actores_apoyo"]
    answers = with_(consolidado, **dict(zip(keys, counts, strict=True)))
    assert indicator(questionnaire, answers, "i07_diversidad_actores") == expected


@pytest.mark.parametrize(
    ("bodies", "chair", "expected"),
    [
        (["ninguna"], True, 0),
        (["reuniones_informales"], True, 25),
        (["reglamento"], True, 25),
        (["mesas_tecnicas"], True, 50),
        (["junta_directiva"], True, 50),
        (["junta_directiva", "reglamento"], True, 50),
        (["mesas_tecnicas", "comite_proyectos"], True, 50),
        (["mesas_tecnicas", "comite_proyectos", "reglamento"], True, 50),
        (["junta_directiva", "mesas_tecnicas"], True, 75),
        (["junta_directiva", "mesas_tecnicas", "reglamento"], False, 75),
        (["junta_directiva", "mesas_tecnicas", "reglamento"], True, 100),
    ],
)
def test_i08_governance_rule(questionnaire, consolidado, bodies, chair, expected):
    answers = with_(
        consolidado, gobernanza_instancias=bodies, gobernanza_presidencia_empresarial=chair
    )
    assert indicator(questionnaire, answers, "i08_instancias_gobernanza") == expected


@pytest.mark.parametrize(
    ("meetings", "m_score"),
    [(0, 0), (1, 25), (2, 25), (3, 50), (5, 50), (6, 75), (11, 75), (12, 100)],
)
def test_i09_meetings_band(questionnaire, consolidado, meetings, m_score):
    answers = with_(
        consolidado,
        gobernanza_reuniones=meetings,
        gobernanza_pct_empresarios=80,
        gobernanza_presidencia_empresarial=True,
    )
    assert indicator(questionnaire, answers, "i09_funcionamiento_gobernanza") == pytest.approx(
        (m_score + 100 + 100) / 3
    )


@pytest.mark.parametrize(
    ("pct", "p_score"),
    [(0, 25), (24.9, 25), (25, 50), (49, 50), (50, 75), (74.5, 75), (75, 100), (100, 100)],
)
def test_i09_business_seats_band(questionnaire, consolidado, pct, p_score):
    answers = with_(
        consolidado,
        gobernanza_reuniones=12,
        gobernanza_pct_empresarios=pct,
        gobernanza_presidencia_empresarial=False,
    )
    assert indicator(questionnaire, answers, "i09_funcionamiento_gobernanza") == pytest.approx(
        (100 + p_score + 0) / 3
    )


def test_i09_seats_score_zero_without_a_board(questionnaire, consolidado):
    # Without junta_directiva the percent question is skipped and its sub-item scores 0,
    # even if a stale answer is still present.
    answers = with_(
        consolidado,
        gobernanza_instancias=["mesas_tecnicas"],
        gobernanza_reuniones=12,
        gobernanza_pct_empresarios=90,
        gobernanza_presidencia_empresarial=True,
    )
    assert indicator(questionnaire, answers, "i09_funcionamiento_gobernanza") == pytest.approx(
        200 / 3
    )


@pytest.mark.parametrize(
    ("dedication", "team", "expected"),
    [
        ("sin_gerente", 3, 0),
        ("menos_medio", 3, 25),
        ("medio_tiempo", 3, 50),
        ("tiempo_completo", 0, 75),
        ("tiempo_completo", 1, 100),
    ],
)
def test_i10_manager_capacity(questionnaire, consolidado, dedication, team, expected):
    answers = with_(consolidado, gerente_dedicacion=dedication, equipo_tiempo_completo=team)
    assert indicator(questionnaire, answers, "i10_capacidad_gerencial") == expected


@pytest.mark.parametrize(
    ("running", "finished", "expected"),
    [
        (0, 0, 0),
        (1, 0, 25),
        (0, 1, 25),
        (1, 1, 50),
        (2, 1, 50),
        (2, 2, 75),
        (3, 3, 75),
        (4, 3, 100),
    ],
)
def test_i11_portfolio_counts_running_plus_finished(
    questionnaire, consolidado, running, finished, expected
):
    answers = with_(
        consolidado,
        proyectos_formulacion=50,
        proyectos_ejecucion=running,
        proyectos_finalizados=finished,
    )
    assert indicator(questionnaire, answers, "i11_portafolio_proyectos") == expected


@pytest.mark.parametrize(
    ("beneficiaries", "active", "expected"),
    [
        (0, 100, 0),
        (1, 100, 25),
        (10, 100, 25),
        (11, 100, 50),
        (25, 100, 50),
        (26, 100, 75),
        (50, 100, 75),
        (51, 100, 100),
        (3, 0, 100),
        (0, 0, 0),
    ],
)
def test_i12_reach_ratio(questionnaire, consolidado, beneficiaries, active, expected):
    answers = with_(
        consolidado,
        empresas_beneficiarias=beneficiaries,
        empresas_activas=active,
        empresas_vinculadas=200,
    )
    assert indicator(questionnaire, answers, "i12_alcance_proyectos") == expected


COLAB = [
    "compras_conjuntas",
    "ventas_conjuntas",
    "innovacion_conjunta",
    "formacion_conjunta",
    "encadenamientos",
    "servicios_compartidos",
    "certificaciones",
]
ALIANZAS = [
    "otras_aglomeraciones",
    "redes_internacionales",
    "comision_regional",
    "academia_externa",
    "plan_desarrollo",
    "entidades_nacionales",
]


@pytest.mark.parametrize(
    ("n", "expected"), [(1, 25), (2, 50), (3, 75), (4, 75), (5, 100), (7, 100)]
)
def test_i13_collaboration_count(questionnaire, consolidado, n, expected):
    answers = with_(consolidado, colaboracion_acciones=COLAB[:n])
    assert indicator(questionnaire, answers, "i13_colaboracion_empresas") == expected


@pytest.mark.parametrize(
    ("n", "expected"), [(1, 25), (2, 50), (3, 75), (4, 75), (5, 100), (6, 100)]
)
def test_i14_alliances_count(questionnaire, consolidado, n, expected):
    answers = with_(consolidado, alianzas_externas=ALIANZAS[:n])
    assert indicator(questionnaire, answers, "i14_alianzas_externas") == expected


FUENTES = [
    "gestora",
    "aportes_empresas",
    "venta_servicios",
    "cofinanciacion_nacional",
    "gobierno_local",
]


@pytest.mark.parametrize(("n", "expected"), [(1, 25), (2, 50), (3, 75), (4, 100), (5, 100)])
def test_i15_funding_sources_count(questionnaire, consolidado, n, expected):
    answers = with_(consolidado, financiacion_fuentes=FUENTES[:n])
    assert indicator(questionnaire, answers, "i15_fuentes_financiacion") == expected


@pytest.mark.parametrize(
    ("pct", "p_score"),
    [(0, 0), (0.5, 25), (19.9, 25), (20, 50), (39, 50), (40, 75), (59.9, 75), (60, 100)],
)
@pytest.mark.parametrize(("plan", "plan_score"), [(True, 100), (False, 0)])
def test_i16_financial_sustainability(questionnaire, consolidado, pct, p_score, plan, plan_score):
    answers = with_(consolidado, financiacion_pct_empresas=pct, financiacion_plan_plurianual=plan)
    assert (
        indicator(questionnaire, answers, "i16_sostenibilidad_financiera")
        == (p_score + plan_score) / 2
    )


IMPACTOS = [
    "idi_productos",
    "capacitacion",
    "mercados_internacionales",
    "inteligencia_consumidor",
    "ventas",
    "mercados_nacionales",
    "productividad",
    "calidad",
]


@pytest.mark.parametrize(
    ("n", "c_score"), [(1, 25), (2, 25), (3, 50), (4, 50), (5, 75), (6, 75), (7, 100), (8, 100)]
)
def test_i17_impact_count_and_evidence(questionnaire, consolidado, n, c_score):
    answers = with_(consolidado, impactos_empresas=IMPACTOS[:n], impacto_evidencia="linea_base")
    assert indicator(questionnaire, answers, "i17_impacto_empresas") == (c_score + 100) / 2
    answers = with_(answers, impactos_empresas=["ninguno"], impacto_evidencia="sin_evidencia")
    assert indicator(questionnaire, answers, "i17_impacto_empresas") == 0


REGIONALES = [
    "reactivacion",
    "empleo",
    "encadenamientos",
    "politica_local",
    "ambiente",
    "talento_regional",
    "mipymes",
]


@pytest.mark.parametrize(
    ("n", "expected"), [(1, 25), (2, 50), (3, 50), (4, 75), (5, 75), (6, 100), (7, 100)]
)
def test_i18_regional_count(questionnaire, consolidado, n, expected):
    answers = with_(consolidado, acciones_regionales=REGIONALES[:n])
    assert indicator(questionnaire, answers, "i18_desarrollo_regional") == expected


def test_missing_answers_score_zero_not_error(questionnaire):
    result = score_answers(questionnaire, {}, CAMPAIGN_YEAR)
    assert result.ims == 0
    assert result.level == "exploracion"
    assert all(i.score == 0 for i in result.indicators.values())


def test_area_is_mean_of_its_indicators_and_ims_mean_of_areas(questionnaire, consolidado):
    result = score_answers(questionnaire, consolidado, CAMPAIGN_YEAR)
    for area in result.areas.values():
        scores = [i.score for i in area.indicators]
        assert area.score == pytest.approx(sum(scores) / len(scores))
    assert result.ims == round(sum(a.score for a in result.areas.values()) / 8, 1)
    assert len(result.indicators) == 18 and len(result.areas) == 8


# --- levels and gates ------------------------------------------------------------------------

GATE_BREAKERS = {
    "estrategia_con_plan": {"estrategia_formalizacion": "documento"},
    "estrategia_actualizada": {"estrategia_anio_actualizacion": 2017},
    "gobernanza_con_junta": {
        "gobernanza_instancias": ["mesas_tecnicas", "comite_proyectos", "reglamento"]
    },
    "gerente_medio_tiempo": {"gerente_dedicacion": "menos_medio"},
    "dos_fuentes_financiacion": {"financiacion_fuentes": ["gestora"]},
}


def test_consolidated_example_passes_every_gate(questionnaire, consolidado):
    result = score_answers(questionnaire, consolidado, CAMPAIGN_YEAR)
    assert result.ims >= 70
    assert all(g.passed for g in result.gates)
    assert result.level == "consolidado"


@pytest.mark.parametrize("gate", sorted(GATE_BREAKERS))
def test_each_failed_gate_keeps_a_high_ims_at_intermedio(questionnaire, consolidado, gate):
    result = score_answers(questionnaire, with_(consolidado, **GATE_BREAKERS[gate]), CAMPAIGN_YEAR)
    assert result.ims >= 70, "the breaker must not drop the IMS itself below 70"
    assert {g.id: g.passed for g in result.gates}[gate] is False
    assert sum(not g.passed for g in result.gates) == 1
    assert result.level == "intermedio"


def _answers_with_ims(questionnaire, base, target_low: float, target_high: float):
    """Lower the consolidated example step by step until its IMS falls in a range."""
    steps = [
        {"enfoque_segmentos": "segmentos"},
        {"inteligencia_actividades": ["benchmarking"]},
        {"estrategia_seguimiento": "informal"},
        {"empresas_activas": 30},
        {"actores_academia": 0, "actores_publico": 0},
        {"colaboracion_acciones": ["compras_conjuntas"]},
        {"alianzas_externas": ["comision_regional"]},
        {"impacto_evidencia": "percepcion"},
        {"acciones_regionales": ["empleo"]},
        {"proyectos_ejecucion": 1, "proyectos_finalizados": 0},
        {"empresas_beneficiarias": 5},
        {"financiacion_pct_empresas": 0},
        {"financiacion_plan_plurianual": False},
        {"impactos_empresas": ["ventas"]},
        {"gobernanza_reuniones": 0},
        {"inteligencia_actividades": ["ninguna"]},
        {"enfoque_segmentos": "no_definidos"},
        {"estrategia_seguimiento": "no"},
        {"empresas_activas": 3},
    ]
    answers = dict(base)
    for step in steps:
        ims = score_answers(questionnaire, answers, CAMPAIGN_YEAR).ims
        if target_low <= ims < target_high:
            return answers
        answers.update(step)
    raise AssertionError("no step landed in the range")


def test_level_thresholds(questionnaire, consolidado):
    mid = _answers_with_ims(questionnaire, consolidado, 40, 70)
    result = score_answers(questionnaire, mid, CAMPAIGN_YEAR)
    assert 40 <= result.ims < 70 and result.level == "intermedio"
    assert all(g.passed for g in result.gates), "gates alone do not lift a mid IMS"
    low = with_(
        mid,
        gerente_dedicacion="sin_gerente",
        gobernanza_instancias=["ninguna"],
        estrategia_formalizacion="no_existe",
        financiacion_fuentes=["ninguna"],
        empresas_activas=3,
        actores_empresas=0,
        alianzas_externas=["ninguna"],
    )
    result = score_answers(questionnaire, low, CAMPAIGN_YEAR)
    assert result.ims < 40 and result.level == "exploracion"


def test_level_edges_use_the_rounded_ims(questionnaire, consolidado, monkeypatch):
    from bot.questionnaire.model import Level

    levels = list(questionnaire.levels)
    exact = score_answers(questionnaire, consolidado, CAMPAIGN_YEAR).ims
    edge = [
        levels[0],
        levels[1],
        Level(id="consolidado", label="Consolidado", min_ims=exact, requires_gates=True),
    ]
    tweaked = questionnaire.model_copy(update={"levels": edge})
    assert score_answers(tweaked, consolidado, CAMPAIGN_YEAR).level == "consolidado"
    edge[2] = Level(id="consolidado", label="Consolidado", min_ims=exact + 0.1, requires_gates=True)
    tweaked = questionnaire.model_copy(update={"levels": edge})
    assert score_answers(tweaked, consolidado, CAMPAIGN_YEAR).level == "intermedio"


def test_young_example_is_exploration(questionnaire, joven):
    result = score_answers(questionnaire, joven, CAMPAIGN_YEAR)
    assert result.level == "exploracion"
    assert result.ims < 40
    weakest = result.weakest(3)
    assert [w.score for w in weakest] == sorted(w.score for w in weakest)
    assert all(w.score <= 50 for w in weakest)


def test_area_weights_from_data(questionnaire, consolidado):
    areas = [
        a.model_copy(update={"weight": 3 if a.id == "enfoque" else 1}) for a in questionnaire.areas
    ]
    weighted = questionnaire.model_copy(update={"areas": areas})
    base = score_answers(questionnaire, consolidado, CAMPAIGN_YEAR)
    result = score_answers(weighted, consolidado, CAMPAIGN_YEAR)
    expected = (
        3 * base.areas["enfoque"].score
        + sum(a.score for k, a in base.areas.items() if k != "enfoque")
    ) / 10
    assert result.ims == round(expected, 1)
