"""Spanish texts of the aggregate executive summary (``/summary``) and of its charts.

The wording follows the seed document (the SSME executive summary of the Red Clúster Colombia).
Templates use ``str.format`` placeholders; every number put into them is already formatted the
Colombian way by :mod:`bot.reports.summary` (``74%``, ``12,5%``, ``10 p.p.``, ``457 mil millones de
pesos``) and every label is already HTML-escaped. The text is sent with HTML parse mode.
"""

from __future__ import annotations

TEXT_LIMIT = 4000  # Telegram allows 4096 characters per message

BULLET = "• {text}"
SUB_BULLET = "   – {text}"
LIST_SEPARATOR = ", "
LIST_LAST_SEPARATOR = " y "
LABEL_PCT = "{label} ({pct})"
PCT = "{value}%"
PP = "{value} p.p."
PP_SIGNED_UP = "+{value} p.p."
PP_SIGNED_DOWN = "−{value} p.p."
PP_NO_CHANGE = "sin cambio"

TITLE = "<b>Resumen ejecutivo del SSME · Medición {campaign}</b>"

# --- registry and participation --------------------------------------------------------------

CLUSTERS = ("{n} aglomeración productiva inscrita", "{n} aglomeraciones productivas inscritas")
DEPARTMENTS = ("{n} departamento", "{n} departamentos")
REGISTRY = "La Red Clúster Colombia cuenta actualmente con {clusters} de {departments}"
REGISTRY_SECTORS = ", de las cuales {sectors}."
REGISTRY_END = "."
SECTOR_FIRST = "el {pct} pertenece{plural} al sector {sector}"
SECTOR_NEXT = "el {pct} al sector {sector}"
SECTOR_NAMES = {
    "servicios": "servicios",
    "agroindustria": "agroindustrial",
    "manufactura": "manufacturero",
}
NO_REGISTERED = (
    "No hay aglomeraciones productivas activas en el registro, por lo que no es posible "
    "calcular la participación."
)
RESPONDENTS = ("{n} aglomeración respondió", "{n} aglomeraciones respondieron")
ACTIVE_RESPONDENTS = "{k} de {registered}"
PARTICIPATION = (
    "En esta versión del Sistema de Seguimiento, Monitoreo y Evaluación se contó con una "
    "participación del {pct} de las aglomeraciones productivas inscritas en la Red Clúster "
    "Colombia ({detail})."
)
INACTIVE_RESPONDENTS = (
    " Además, respondió {n} aglomeración que figura como inactiva en el registro; su respuesta "
    "se incluye en los resultados.",
    " Además, respondieron {n} aglomeraciones que figuran como inactivas en el registro; sus "
    "respuestas se incluyen en los resultados.",
)
RESPONDENTS_ONLY = (
    "En esta versión del Sistema de Seguimiento, Monitoreo y Evaluación {respondents}."
)
NO_RESPONDENTS = (
    "Aún no hay respuestas en la medición {campaign}: no es posible presentar resultados."
)
RESULTS_INTRO = "A continuación, se presentan los principales resultados de la medición:"

# --- maturity levels -------------------------------------------------------------------------

LEVEL_MAJORITY = (
    "En su mayoría ({pct}), las aglomeraciones productivas se encuentran en un nivel «{level}»"
)
LEVEL_LARGEST = (
    "La mayor proporción de las aglomeraciones productivas ({pct}) se encuentra en un nivel "
    "«{level}»"
)
LEVEL_TIE = (
    "La mayor proporción de las aglomeraciones productivas se reparte por igual ({pct} cada uno) "
    "entre los niveles {levels}"
)
LEVEL_QUOTED = "«{level}»"
LEVEL_UP = ", {pp} (puntos porcentuales) por encima del resultado obtenido en {previous}"
LEVEL_DOWN = ", {pp} (puntos porcentuales) por debajo del resultado obtenido en {previous}"
LEVEL_SAME = ", la misma proporción obtenida en {previous}"
LEVEL_REST = ("; le sigue el nivel {rest}", "; le siguen los niveles {rest}")
LEVEL_END = "."
LEVEL_CHANGES = " Frente a {previous}: {items}."
LEVEL_CHANGE_ITEM = "«{level}» {change}"
PREVIOUS_NAMED = "la medición de {campaign}"
PREVIOUS_UNNAMED = "la medición anterior"
FIRST_MEASUREMENT = " Es la primera medición: no hay comparación con una medición anterior."
NO_PREVIOUS_DATA = (
    " No hay respuestas de {previous} con las que comparar la distribución por niveles."
)

IMS = "El Índice de Madurez SSME (IMS) promedio es de {ims} sobre 100."
IMS_BEST_WORST = (
    " El área con mejor promedio es «{best}» ({best_score}) y la de menor promedio es "
    "«{worst}» ({worst_score})."
)
IMS_BEST = " El área con mejor promedio es «{best}» ({best_score})."
IMS_WORST = " El área con menor promedio es «{worst}» ({worst_score})."

# --- performance (módulo B) ------------------------------------------------------------------

SALES_UP = (
    "Las empresas que conforman las aglomeraciones productivas reportaron un crecimiento en "
    "ventas del {growth}, con ventas totales de {total}."
)
SALES_DOWN = (
    "Las empresas que conforman las aglomeraciones productivas reportaron una disminución en "
    "ventas del {growth}, con ventas totales de {total}."
)
SALES_FLAT = (
    "Las empresas que conforman las aglomeraciones productivas reportaron ventas estables "
    "frente al año anterior (variación del 0%), con ventas totales de {total}."
)
SALES_TOTAL_ONLY = (
    "Las empresas que conforman las aglomeraciones productivas reportaron ventas totales de "
    "{total}. No hay datos de ventas suficientes para calcular el crecimiento."
)
SALES_NONE = (
    "No hay datos de ventas: ninguna aglomeración reportó las ventas del año. "
    "No hay datos de ventas suficientes para calcular el crecimiento."
)

DESTINATION = (
    "Las ventas se destinaron principalmente {first} ({first_pct}), luego {second} "
    "({second_pct}) y {third} ({third_pct})."
)
DESTINATION_NAMES = {
    "local": "al mercado local",
    "nacional": "al resto del país",
    "exportacion": "a la exportación",
}
DESTINATION_NONE = "No hay datos suficientes sobre el destino de las ventas."

JOBS = ("{n} empleo directo", "{n} empleos directos")
EMPLOYMENT_UP = (
    "Con respecto a la generación de empleo, las empresas participantes reportaron un aumento "
    "en el número de empleos del {growth}, con {total} en total."
)
EMPLOYMENT_DOWN = (
    "Con respecto a la generación de empleo, las empresas participantes reportaron una "
    "disminución en el número de empleos del {growth}, con {total} en total."
)
EMPLOYMENT_FLAT = (
    "Con respecto a la generación de empleo, las empresas participantes reportaron un número "
    "de empleos estable frente al año anterior (variación del 0%), con {total} en total."
)
EMPLOYMENT_TOTAL_ONLY = (
    "Con respecto a la generación de empleo, las empresas participantes reportaron {total}. "
    "No hay datos de empleo suficientes para calcular el crecimiento."
)
EMPLOYMENT_NONE = (
    "No hay datos de empleo: ninguna aglomeración reportó los empleos del año. "
    "No hay datos de empleo suficientes para calcular el crecimiento."
)

FIRM_SIZE = (
    "Las aglomeraciones productivas se encuentran conformadas {adverb} por {first}, "
    "seguidas por {rest}."
)
FIRM_SIZE_NAMES = {
    "micro": "microempresas",
    "pequena": "pequeñas empresas",
    "mediana": "medianas empresas",
    "grande": "grandes empresas",
}
FIRM_SIZE_NONE = "No hay datos suficientes sobre el tamaño de las empresas."
MOSTLY = "mayormente"  # the first share is above 50%
MAINLY = "principalmente"

# --- strategy, actors, management ------------------------------------------------------------

STRATEGY = (
    "Con respecto a su apuesta estratégica, el {pct} de las aglomeraciones productivas tiene "
    "su estrategia actualizada{detail}."
)
STRATEGY_DETAIL = " (en los últimos {years} años)"

ACTORS = (
    "Los actores que participan directamente en la definición de la estrategia de las "
    "aglomeraciones productivas son {adverb} {first}, con el acompañamiento de {rest}."
)
ACTOR_NAMES = {
    "empresas": "empresas",
    "academia": "academia",
    "publico": "entidades públicas",
    "apoyo": "gremios y otras entidades de apoyo",
}
ACTORS_NONE = "No hay datos suficientes sobre los actores que definen la estrategia."

CHAMBER = (
    "Las Cámaras de Comercio cumplen un papel muy importante en la operación de las "
    "aglomeraciones productivas, en su rol de gestoras del {pct} de ellas."
)

GOVERNANCE = "En lo que a gobernanza se refiere, las instancias más frecuentes son:"
GOVERNANCE_NONE = "Ninguna aglomeración reportó instancias formales de gobernanza."
FUNDING = "En lo que a financiación se refiere, las fuentes más frecuentes fueron:"
FUNDING_NONE = "Ninguna aglomeración reportó fuentes de financiación."

# --- impacts ---------------------------------------------------------------------------------

IMPACTS = (
    "Con respecto a los aspectos impactados en las empresas, producto de su participación en "
    "las aglomeraciones productivas, se destacan los siguientes:"
)
IMPACTS_NONE = "Ninguna aglomeración reportó aspectos impactados en las empresas."
REGIONAL = (
    "De igual manera, las aglomeraciones productivas desarrollan acciones enfocadas en el "
    "desarrollo regional, entre las que se destacan:"
)
REGIONAL_NONE = "Ninguna aglomeración reportó acciones de desarrollo regional."

NOTE = (
    "<i>Los crecimientos se calculan solo con las aglomeraciones que reportaron ambos años; "
    "los datos «No disponible» no se cuentan como cero.</i>"
)

# --- charts ----------------------------------------------------------------------------------

CHART_LEVELS_TITLE = "Aglomeraciones por nivel de madurez (%)"
CHART_CAMPAIGN = "Medición {campaign}"
CHART_AREAS_TITLE = "Promedio de las aglomeraciones por área"
CHART_AREAS_SUBTITLE = "Medición {campaign} · IMS promedio {ims} · {respondents}"
CHART_AREAS_RESPONDENTS = ("{n} aglomeración", "{n} aglomeraciones")
CHART_AREAS_MEAN = "Promedio {campaign}"
CHART_SECTORS_TITLE = "Aglomeraciones que respondieron, por sector"
CHART_DEPARTMENTS_TITLE = "Aglomeraciones que respondieron, por departamento"
CHART_RESPONDENTS = "Respondieron"
CHART_SECTOR_NAMES = {
    "servicios": "Servicios",
    "agroindustria": "Agroindustria",
    "manufactura": "Manufactura",
}
