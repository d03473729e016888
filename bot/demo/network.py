"""The demo's synthetic network, pure: about 60 clusters across departments and the three
sectors, and for each a maturity and the answers it gives in each campaign.

Everything comes from one ``random.Random(SEED)``, drawn in a fixed order, so every run builds
the same network (the same figures, overlays, queue and documents). What is made up, and how:

- the registry: a department × subsector pair per cluster (the demo's own cluster,
  ``cafe_huila``, always among them), managed mostly by chambers of commerce, a few inactive;
- a cluster's *maturity* ``m`` in 0..1 (a beta draw: most clusters in the middle, a few at the
  ends) drives its answers: the choice reached on each ordered scale, how many of a list's
  options it marks, its team and projects; the previous campaign's maturity is a little lower
  (the network grows), so the radar's previous polygon and the summary's level change show;
- figures (firms, sales, jobs) are log-normal per firm around a sector's typical size;
- a few answer sets carry what an analyst's queue is for: a sales figure typed with a zero
  too many, jobs typed without their last two digits, a cluster that jumped from
  Exploración to Consolidado.

The answers are raw values as a responses CSV holds them: the import path checks them as the
conversation would (``bot.demo.seeding``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.storage import Cluster

SEED = 20_211_015
CLUSTERS = 60
# Clusters per department (one where not named): the large departments hold many, as in the
# real network, so the summary's annex by department has groups big enough to show (k ≥ 5).
CLUSTERS_IN = {
    "antioquia": 9,
    "bogota": 9,
    "valle": 7,
    "atlantico": 6,
    "santander": 5,
    "caldas": 3,
    "huila": 3,
    "risaralda": 2,
}
DEMO_CLUSTER_ID = "cafe_huila"
# Active and with no manager in the seed: the guide's second cluster for the demo's manager
# (invited from the admin's side, it shows a person holding two clusters and /cambiar).
SECOND_CLUSTER_ID = "metalmecanica_antioquia"
INACTIVE = 3
# (name, "de …" form, capital, chamber of commerce, id slug)
DEPARTMENTS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "Antioquia",
        "de Antioquia",
        "Medellín",
        "Cámara de Comercio de Medellín para Antioquia",
        "antioquia",
    ),
    (
        "Atlántico",
        "del Atlántico",
        "Barranquilla",
        "Cámara de Comercio de Barranquilla",
        "atlantico",
    ),
    ("Bogotá D.C.", "de Bogotá", "Bogotá", "Cámara de Comercio de Bogotá", "bogota"),
    ("Bolívar", "de Bolívar", "Cartagena", "Cámara de Comercio de Cartagena", "bolivar"),
    ("Boyacá", "de Boyacá", "Tunja", "Cámara de Comercio de Tunja", "boyaca"),
    ("Caldas", "de Caldas", "Manizales", "Cámara de Comercio de Manizales por Caldas", "caldas"),
    (
        "Caquetá",
        "del Caquetá",
        "Florencia",
        "Cámara de Comercio de Florencia para el Caquetá",
        "caqueta",
    ),
    ("Casanare", "de Casanare", "Yopal", "Cámara de Comercio de Casanare", "casanare"),
    ("Cauca", "del Cauca", "Popayán", "Cámara de Comercio del Cauca", "cauca"),
    ("Cesar", "del Cesar", "Valledupar", "Cámara de Comercio de Valledupar", "cesar"),
    ("Córdoba", "de Córdoba", "Montería", "Cámara de Comercio de Montería", "cordoba"),
    (
        "Cundinamarca",
        "de Cundinamarca",
        "Facatativá",
        "Cámara de Comercio de Facatativá",
        "cundinamarca",
    ),
    ("Huila", "del Huila", "Neiva", "Cámara de Comercio del Huila", "huila"),
    ("La Guajira", "de La Guajira", "Riohacha", "Cámara de Comercio de La Guajira", "guajira"),
    (
        "Magdalena",
        "del Magdalena",
        "Santa Marta",
        "Cámara de Comercio de Santa Marta para el Magdalena",
        "magdalena",
    ),
    ("Meta", "del Meta", "Villavicencio", "Cámara de Comercio de Villavicencio", "meta"),
    ("Nariño", "de Nariño", "Pasto", "Cámara de Comercio de Pasto", "narino"),
    (
        "Norte de Santander",
        "de Norte de Santander",
        "Cúcuta",
        "Cámara de Comercio de Cúcuta",
        "norte_santander",
    ),
    ("Quindío", "del Quindío", "Armenia", "Cámara de Comercio de Armenia y del Quindío", "quindio"),
    ("Risaralda", "de Risaralda", "Pereira", "Cámara de Comercio de Pereira", "risaralda"),
    ("Santander", "de Santander", "Bucaramanga", "Cámara de Comercio de Bucaramanga", "santander"),
    ("Sucre", "de Sucre", "Sincelejo", "Cámara de Comercio de Sincelejo", "sucre"),
    ("Tolima", "del Tolima", "Ibagué", "Cámara de Comercio de Ibagué", "tolima"),
    ("Valle del Cauca", "del Valle", "Cali", "Cámara de Comercio de Cali", "valle"),
)
# (sector, subsector, what the cluster is about, id slug, typical sales per firm in COP, export share)
SUBSECTORS: tuple[tuple[str, str, str, str, float, float], ...] = (
    ("agroindustria", "café", "Cafés Especiales", "cafe", 1.2e9, 0.45),
    ("agroindustria", "cacao", "Cacao Fino de Aroma", "cacao", 0.8e9, 0.35),
    ("agroindustria", "lácteos", "Lácteos", "lacteos", 1.5e9, 0.03),
    ("agroindustria", "frutas y hortalizas", "Frutas y Hortalizas", "frutas", 0.9e9, 0.2),
    ("agroindustria", "palma", "Palma de Aceite", "palma", 3.0e9, 0.25),
    ("agroindustria", "acuicultura", "Acuicultura y Pesca", "acuicultura", 1.0e9, 0.15),
    ("agroindustria", "panela", "Panela", "panela", 0.4e9, 0.02),
    ("servicios", "turismo", "Turismo", "turismo", 0.7e9, 0.1),
    ("servicios", "TIC", "Software y TI", "software", 1.8e9, 0.2),
    ("servicios", "salud", "Servicios de Salud", "salud", 4.0e9, 0.05),
    ("servicios", "logística", "Logística", "logistica", 2.5e9, 0.08),
    ("servicios", "industrias creativas", "Industrias Creativas", "creativas", 0.5e9, 0.1),
    ("servicios", "educación", "Educación Superior", "educacion", 3.0e9, 0.01),
    ("manufactura", "moda", "Moda y Confección", "moda", 1.6e9, 0.15),
    ("manufactura", "metalmecánica", "Metalmecánica", "metalmecanica", 3.5e9, 0.12),
    ("manufactura", "muebles", "Muebles y Madera", "muebles", 0.9e9, 0.06),
    ("manufactura", "cuero y calzado", "Cuero y Calzado", "calzado", 1.1e9, 0.1),
    ("manufactura", "construcción", "Construcción", "construccion", 5.0e9, 0.02),
    ("manufactura", "químicos", "Químicos y Plásticos", "quimicos", 6.0e9, 0.18),
    ("manufactura", "energía", "Energía Eléctrica", "energia", 8.0e9, 0.01),
)
OTHER_MANAGERS = (  # entidad_gestora_tipo → how the managing entity is named
    ("gobierno", "Gobernación {de}"),
    ("gremio", "Asociación de Empresarios {de}"),
    ("academia", "Universidad Regional {de}"),
    ("entidad_cluster", "Corporación Clúster {de}"),
    ("otra", "Fundación para el Desarrollo {de}"),
)
# fmt: off
FIRST_NAMES = (
    "María", "Juan", "Carolina", "Andrés", "Luisa", "Felipe", "Diana", "Santiago", "Paola",
    "Jorge", "Natalia", "Camilo", "Juliana", "Ricardo", "Valentina", "Alejandro", "Sandra",
    "Mauricio", "Lina", "Óscar",
)
# fmt: on


@dataclass(frozen=True)
class DemoCluster:
    cluster: Cluster
    maturity: float  # this campaign's, 0..1
    previous_maturity: float
    sales_per_firm: float  # COP, typical of its sector
    export_share: float
    manager_name: str | None  # None: no manager registered (an invitation to send)
    previous: bool  # answered the previous campaign
    current: str  # this campaign: "submitted", "draft" or "none"
    quirk: str | None = None  # "sales_typo", "jobs_typo", "jump": what the queue should flag
    answered: int = 0  # a draft's answers, in questionnaire order


@dataclass(frozen=True)
class Network:
    clusters: tuple[DemoCluster, ...]
    seed: int = SEED

    def by_id(self, cluster_id: str) -> DemoCluster:
        return next(c for c in self.clusters if c.cluster.cluster_id == cluster_id)


def build_network(seed: int = SEED, size: int = CLUSTERS) -> Network:
    """The registry and each cluster's story (who manages it, what it answered)."""
    rng = random.Random(seed)
    chosen = [(DEPARTMENTS[12], SUBSECTORS[0])]  # the demo's own: café of Huila
    sectors = ("servicios", "manufactura", "agroindustria")  # in turn: a third of each
    for place in DEPARTMENTS:
        for _ in range(CLUSTERS_IN.get(place[4], 1) - (place[4] == "huila")):
            taken = {sub for d, sub in chosen if d == place}
            sector = sectors[len(chosen) % 3]
            free = [s for s in SUBSECTORS if s[0] == sector and s not in taken]
            chosen.append((place, free[rng.randrange(len(free))]))
    chosen = chosen[:size]
    inactive = set(rng.sample(range(1, size), INACTIVE))
    registry: list[Cluster] = []
    drawn: list[tuple[float, float, float, float]] = []  # maturity, previous, sales, export
    for i, ((dept, de, capital, chamber, dslug), sub) in enumerate(chosen):
        sector, subsector, about, sslug, sales, export = sub
        if i == 0 or rng.random() < 0.7:
            kind, entity = "camara_comercio", chamber
        else:
            kind, pattern = OTHER_MANAGERS[rng.randrange(len(OTHER_MANAGERS))]
            entity = pattern.format(de=de)
        registry.append(
            Cluster(
                cluster_id=f"{sslug}_{dslug}",
                nombre=f"Clúster de {about} {de}",
                departamento=dept,
                municipio=capital,
                sector=sector,
                subsector=subsector,
                entidad_gestora=entity,
                entidad_gestora_tipo=kind,
                anio_creacion=rng.randint(2008, 2021),
                estado="inactiva" if i in inactive else "activa",
            )
        )
        maturity = min(0.97, max(0.03, rng.betavariate(2.2, 2.0)))
        drawn.append((maturity, max(0.02, maturity - rng.uniform(0.0, 0.15)), sales, export))
    out = []
    for cluster, (maturity, previous, sales, export), story in zip(
        registry, drawn, _stories(rng, registry), strict=True
    ):
        if story.quirk == "jump":  # from Exploración to Consolidado in a year
            maturity, previous = 0.93, 0.12
        out.append(
            DemoCluster(
                cluster,
                maturity,
                previous,
                sales,
                export,
                story.manager_name,
                story.previous,
                story.current,
                story.quirk,
                story.answered,
            )
        )
    return Network(tuple(out), seed)


@dataclass
class _Story:
    manager_name: str | None = None
    previous: bool = False
    current: str = "none"
    quirk: str | None = None
    answered: int = 0


def _stories(rng: random.Random, clusters: Sequence[Cluster]) -> list[_Story]:
    """Who manages each cluster and how far it got: the demo cluster has answered the previous
    campaign and waits for its manager (the person trying the demo); of the others, most
    answered before; about half sent this campaign's, some are half-way, the rest not started."""
    stories = []
    for i, cluster in enumerate(clusters):
        active = cluster.estado == "activa"
        story = _Story(previous=active and (i == 0 or rng.random() < 0.88))
        if i > 0 and active and rng.random() < 0.85:
            story.manager_name = FIRST_NAMES[rng.randrange(len(FIRST_NAMES))]
            roll = rng.random()
            if roll < 0.55:
                story.current = "submitted"
            elif roll < 0.75:
                story.current, story.answered = "draft", rng.randint(4, 30)
        stories.append(story)
    sent = [i for i, s in enumerate(stories) if s.current == "submitted" and s.previous]
    for index, quirk in zip(rng.sample(sent, 3), ("sales_typo", "jobs_typo", "jump"), strict=True):
        stories[index].quirk = quirk
    return stories


# --- answers -------------------------------------------------------------------------------


def _pick(rng: random.Random, options: Sequence[str], m: float, spread: float = 0.18) -> str:
    """The option reached on an ordered scale (worst first) by a cluster of maturity ``m``."""
    x = m + rng.gauss(0, spread)
    return options[min(len(options) - 1, max(0, round(x * (len(options) - 1))))]


def _some(
    rng: random.Random, options: Sequence[str], m: float, none: str, top: int | None = None
) -> list[str]:
    """As many of ``options`` as a cluster of maturity ``m`` marks (``none`` when it marks none)."""
    top = len(options) if top is None else top
    k = min(len(options), max(0, round(m * top + rng.gauss(0, 1.0))))
    return sorted(rng.sample(list(options), k), key=options.index) if k else [none]


def _lognormal(rng: random.Random, typical: float, sigma: float) -> float:
    return typical * math.exp(rng.gauss(0, sigma))


def answers(
    rng: random.Random, c: DemoCluster, year: int, maturity: float, quirk: str | None = None
) -> dict[str, Any]:
    """One campaign's answers (raw CSV values) of a cluster of ``maturity``; ``year`` is the
    campaign's reference year."""
    m = maturity
    a: dict[str, Any] = {}
    a["enfoque_segmentos"] = _pick(
        rng, ["no_definidos", "sector", "segmentos", "validados", "validados_analisis"], m
    )
    intel = ["estudios_mercado", "benchmarking", "vigilancia", "clientes_sofisticados"]
    a["inteligencia_actividades"] = _some(
        rng, [*intel, "mapeo_cadena", "diagnostico_brechas"], m, "ninguna"
    )
    strategy = ["no_existe", "en_construccion", "documento", "plan_accion", "metas_aprobadas"]
    a["estrategia_formalizacion"] = _pick(rng, strategy, m + 0.08)
    if a["estrategia_formalizacion"] != "no_existe":
        if m < 0.3 and rng.random() < 0.4:
            a["estrategia_anio_actualizacion"] = "nunca"
        else:
            age = max(0, round((1 - m) * 5 + rng.gauss(0, 1.0)))
            a["estrategia_anio_actualizacion"] = year - min(age, 12)
    a["estrategia_seguimiento"] = _pick(
        rng, ["no", "informal", "actividades", "tablero", "resultados"], m
    )
    linked = max(8, round(_lognormal(rng, 25 + 180 * m, 0.45)))
    active = max(1, round(linked * rng.uniform(0.35, 0.8)))
    a["empresas_vinculadas"], a["empresas_activas"] = linked, active
    a["actores_empresas"] = min(linked, rng.randint(3, 6 + round(14 * m)))
    a["actores_academia"] = rng.randint(0, 1 + round(3 * m)) if rng.random() < 0.5 + m / 2 else 0
    a["actores_publico"] = rng.randint(0, 1 + round(2 * m)) if rng.random() < 0.4 + m / 2 else 0
    a["actores_apoyo"] = rng.randint(0, 1 + round(3 * m)) if rng.random() < 0.5 + m / 2 else 0
    bodies = [
        body
        for body, p in (
            ("junta_directiva", m + 0.15),
            ("consejo_ampliado", m - 0.1),
            ("mesas_tecnicas", m),
            ("comite_proyectos", m - 0.2),
            ("reglamento", m - 0.05),
        )
        if rng.random() < p
    ]
    if not [b for b in bodies if b != "reglamento"]:
        bodies = ["ninguna"] if m < 0.12 and rng.random() < 0.5 else ["reuniones_informales"]
    a["gobernanza_instancias"] = bodies
    a["gobernanza_reuniones"] = max(0, min(24, round(12 * m + rng.gauss(0, 2.5))))
    if "junta_directiva" in bodies:
        a["gobernanza_pct_empresarios"] = max(0, min(100, round(30 + 55 * m + rng.gauss(0, 12))))
    a["gobernanza_presidencia_empresarial"] = rng.random() < m
    a["gerente_dedicacion"] = _pick(
        rng, ["sin_gerente", "menos_medio", "medio_tiempo", "tiempo_completo"], m + 0.12
    )
    if a["gerente_dedicacion"] != "sin_gerente":
        a["equipo_tiempo_completo"] = max(0, round(3 * m + rng.gauss(0, 0.8)))
    a["proyectos_formulacion"] = rng.randint(0, 2 + round(4 * m))
    running = max(0, round(6 * m + rng.gauss(0, 1.2)))
    a["proyectos_ejecucion"] = running
    a["proyectos_finalizados"] = max(0, round(3 * m + rng.gauss(0, 1.0)))
    a["empresas_beneficiarias"] = min(linked, round(active * rng.uniform(0.0, 0.1 + 0.8 * m)))
    a["colaboracion_acciones"] = _some(
        rng,
        [
            "compras_conjuntas",
            "ventas_conjuntas",
            "innovacion_conjunta",
            "formacion_conjunta",
            "encadenamientos",
            "servicios_compartidos",
            "certificaciones",
        ],
        m,
        "ninguna",
        6,
    )
    a["alianzas_externas"] = _some(
        rng,
        [
            "otras_aglomeraciones",
            "redes_internacionales",
            "comision_regional",
            "academia_externa",
            "plan_desarrollo",
            "entidades_nacionales",
        ],
        m,
        "ninguna",
    )
    sources = [
        "gestora",
        "aportes_empresas",
        "venta_servicios",
        "cofinanciacion_nacional",
        "gobierno_local",
        "regalias",
        "cooperacion",
        "privados",
    ]
    a["financiacion_fuentes"] = _some(rng, sources, m + 0.1, "ninguna", 5)
    a["financiacion_pct_empresas"] = max(0, min(100, round(65 * m + rng.gauss(0, 10))))
    a["financiacion_plan_plurianual"] = rng.random() < m - 0.1
    a["apoyo_gestora"] = _some(
        rng,
        [
            "equipo_tecnico",
            "informacion",
            "espacios_logistica",
            "contactos_gestion",
            "convocatorias",
        ],
        m + 0.2,
        "ninguno",
    )
    impacts = [
        "idi_productos",
        "capacitacion",
        "mercados_internacionales",
        "inteligencia_consumidor",
        "ventas",
        "mercados_nacionales",
        "productividad",
        "calidad",
        "digital",
        "ambiental",
        "financiacion",
        "proveedores",
    ]
    a["impactos_empresas"] = _some(rng, impacts, m, "ninguno", 9)
    a["impacto_evidencia"] = _pick(
        rng, ["sin_evidencia", "percepcion", "registros", "encuesta", "linea_base"], m
    )
    regional = [
        "reactivacion",
        "empleo",
        "encadenamientos",
        "politica_local",
        "ambiente",
        "talento_regional",
        "mipymes",
        "inversion",
        "rural",
    ]
    a["acciones_regionales"] = _some(rng, regional, m, "ninguna", 7)
    _sizes(rng, a, linked)
    _sales(rng, a, c, linked, quirk)
    jobs = max(linked, round(linked * _lognormal(rng, 14, 0.5)))
    a["empleo_anio_actual"] = jobs // 100 if quirk == "jobs_typo" else jobs
    a["empleo_anio_anterior"] = max(1, round(jobs / (1 + rng.gauss(0.04, 0.06))))
    return a


def _sizes(rng: random.Random, a: dict[str, Any], linked: int) -> None:
    shares = [rng.uniform(0.55, 0.8), rng.uniform(0.12, 0.3), rng.uniform(0.03, 0.1)]
    counts = [round(linked * s) for s in shares]
    while sum(counts) > linked:  # rounding: the largest group gives way
        counts[0] -= 1
    a["empresas_micro"], a["empresas_pequenas"], a["empresas_medianas"] = counts
    a["empresas_grandes"] = linked - sum(counts)


def _sales(
    rng: random.Random, a: dict[str, Any], c: DemoCluster, linked: int, quirk: str | None
) -> None:
    if rng.random() < 0.1:  # some clusters do not know their firms' sales
        a["ventas_anio_actual"] = a["ventas_anio_anterior"] = "n/d"
    else:
        sales = round(linked * _lognormal(rng, c.sales_per_firm, 0.5), -6)  # to the million
        a["ventas_anio_actual"] = sales * 10 if quirk == "sales_typo" else sales
        a["ventas_anio_anterior"] = round(sales / (1 + rng.gauss(0.07, 0.08)), -6)
    export = max(0.0, min(0.9, c.export_share + rng.gauss(0, 0.08)))
    local = rng.uniform(0.3, 0.7) * (1 - export)
    a["ventas_pct_exportacion"] = round(100 * export)
    a["ventas_pct_local"] = round(100 * local)
    a["ventas_pct_nacional"] = 100 - a["ventas_pct_exportacion"] - a["ventas_pct_local"]
