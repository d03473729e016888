"""Spanish texts of the documents: the executive summary (PDF, DOCX) and the report card (PDF).

Templates use ``str.format``; every number is formatted the Colombian way before it is put in
(``457,3 mil millones de pesos``, ``74,5%``, ``+3,2 p.p.``). The text is plain, not HTML.
"""

from __future__ import annotations

MONTHS = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
)  # fmt: skip
DATE = "{day} de {month} de {year}"
GENERATED = "Documento generado el {date}"
PAGE = "Página {n} de {total}"
NO_DATA = "sin datos"
DASH = "—"

# --- the executive summary ------------------------------------------------------------------

SUMMARY_TITLE = "Resumen ejecutivo del Sistema de Seguimiento, Monitoreo y Evaluación (SSME)"
SUMMARY_SUBTITLE = "Red Clúster Colombia · Medición {campaign}"
SUMMARY_FILENAME = "resumen_ssme_{campaign}.{ext}"
SUMMARY_COVER = (
    "Resultados de las aglomeraciones productivas e iniciativas clúster",
    "{respondents} · participación del {participation} de las {registered} inscritas activas",
)
SUMMARY_CAPTION = (
    "Resumen ejecutivo SSME · Medición {campaign}\n"
    "Participación: {participation} · IMS promedio: {ims}\n"
    "{levels}"
)
RESPONDENTS = ("{n} aglomeración respondió", "{n} aglomeraciones respondieron")
SUMMARY_CAPTION_LEVEL = "{level}: {pct}"
INTRO = (
    "La Red Clúster Colombia es la plataforma del Ministerio de Comercio, Industria y Turismo "
    "(MinCIT), liderada por Confecámaras, que agrupa y gestiona el fortalecimiento de las "
    "aglomeraciones productivas o iniciativas clúster en las regiones. El Sistema de "
    "Seguimiento, Monitoreo y Evaluación (SSME) indaga sobre su composición, gobernanza, "
    "desempeño e impacto en el territorio, a través de ocho áreas temáticas y 18 indicadores."
)

S_NETWORK = "La Red Clúster Colombia"
S_PARTICIPATION = "Participación"
S_LEVELS = "Niveles de madurez"
S_AREAS = "Índice de Madurez SSME y áreas temáticas"
S_PERFORMANCE = "Desempeño de las empresas"
S_STRATEGY = "Estrategia, actores y gobernanza"
S_MANAGEMENT = "Gestión y financiación"
S_IMPACTS = "Impactos empresariales y regionales"
S_CONCLUSIONS = "Conclusiones y recomendaciones"
S_ANNEX_DEPARTMENTS = "Anexo 1. Resultados por departamento"
S_ANNEX_SECTORS = "Anexo 2. Resultados por sector"
S_METHOD = "Nota metodológica"

FIG_SECTORS = "Figura {n}. Aglomeraciones inscritas y que respondieron, por sector."
FIG_DEPARTMENTS = "Figura {n}. Aglomeraciones que respondieron de las inscritas, por departamento."
FIG_LEVELS = "Figura {n}. Distribución de las aglomeraciones por nivel de madurez."
FIG_AREAS = "Figura {n}. Promedio de las aglomeraciones en cada área temática (0 a 100)."
FIG_LEVELS_FIRST = (
    "Es la primera medición con respuestas: la gráfica no tiene una medición anterior con la "
    "cual comparar."
)

PERFORMANCE_TABLE = ("Cifra", "Valor")
SALES_TOTAL = "Ventas totales de las empresas"
SALES_GROWTH = "Crecimiento de las ventas"
EMPLOYMENT_TOTAL = "Empleos directos"
EMPLOYMENT_GROWTH = "Crecimiento del empleo"
DESTINATION_ROW = "Ventas al destino: {name}"
DESTINATION_NAMES = {"local": "local", "nacional": "nacional", "exportacion": "exportación"}
FIRM_SIZE_ROW = "Empresas: {name}"
FIRM_SIZE_NAMES = {
    "micro": "microempresas",
    "pequena": "pequeñas",
    "mediana": "medianas",
    "grande": "grandes",
}

CONCLUSIONS_INTRO = (
    "A partir de los resultados de esta medición, los siguientes aspectos son fundamentales "
    "para continuar apoyando el fortalecimiento de las aglomeraciones productivas."
)
WEAKEST_NATIONAL = (
    "A nivel nacional, las áreas con menor promedio son {areas}. Para fortalecerlas, el "
    "cuestionario del SSME recomienda:"
)
WEAKEST_AREA = "«{area}» ({score})"
ACTION_ITEM = "{action} ({indicator})."
WEAKEST_SECTOR = "En el sector {sector} ({n} aglomeraciones), el área con menor promedio es {area}."
SECTORS_HIDDEN = (
    "No se presentan conclusiones por sector para los sectores con menos de {k} aglomeraciones "
    "que respondieron ({sectors}): sus promedios permitirían identificar a cada una."
)
NO_CONCLUSIONS = "No hay promedios por área: no es posible presentar conclusiones."

ANNEX_HEADER = ("{group}", "Inscritas", "Resp.", "Part.", "Expl.", "Interm.", "Consol.", "IMS")
ANNEX_DEPARTMENT = "Departamento"
ANNEX_SECTOR = "Sector"
ANNEX_AREAS_HEADER = "{group}"
ANNEX_AREAS_TITLE = "Promedio por área temática"
ANNEX_NOTE = (
    "Part.: participación de las inscritas activas. Niveles (% de las que respondieron), IMS y "
    "promedios por área se muestran solo para grupos con al menos {k} aglomeraciones que "
    "respondieron ({dash} en los demás), para no identificar a ninguna."
)
ANNEX_AREA_SHORT = {
    "enfoque": "Enf.",
    "estrategia": "Estr.",
    "actores": "Act.",
    "gobernanza": "Gob.",
    "proyectos": "Proy.",
    "colaboracion": "Colab.",
    "financiacion": "Fin.",
    "impacto": "Imp.",
}
ANNEX_AREAS_KEY = "Áreas: {key}."

METHOD = (
    "Cada indicador se califica de 0 a 100; el puntaje de un área es el promedio de sus "
    "indicadores y el Índice de Madurez SSME (IMS) es el promedio de las ocho áreas. Nivel "
    "Exploración: IMS menor que 40; Intermedio: entre 40 y 70, o 70 o más sin cumplir todas las "
    "condiciones del nivel Consolidado; Consolidado: IMS de 70 o más con todas sus condiciones. "
    "Los crecimientos se calculan solo con las aglomeraciones que reportaron ambos años; los "
    "datos «No disponible» no se cuentan como cero. Las cifras provienen de `ssme summary "
    "--json`."
)

# --- the report card -------------------------------------------------------------------------

CARD_TITLE = "{name}"
CARD_SUBTITLE = "Informe de resultados del SSME · Medición {campaign}"
CARD_FILENAME = "informe_{cluster}_{campaign}.pdf"
CARD_COVER = "{department} · sector {sector} · gestionado por {manager}"
CARD_CAPTION = "Informe de resultados de {name} · Medición {campaign} · IMS {ims} ({level})"
S_OVERVIEW = "Resultado general"
S_CARD_AREAS = "Resultados por área temática"
S_WEAKEST = "Indicadores por mejorar y acciones recomendadas"
S_CARD_PERFORMANCE = "Desempeño de las empresas del clúster"
S_ANSWERS = "Anexo. Respuestas del cuestionario"

OVERVIEW = "Índice de Madurez SSME (IMS): {ims} sobre 100 · Nivel {level}"
FIG_RADAR = (
    "Figura 1. Puntaje de cada área temática (0 a 100), con las franjas de los niveles de madurez."
)
GATES_HEADER = ("Condición del nivel Consolidado", "¿Se cumple?")
GATE_YES = "Sí"
GATE_NO = "No"
NEXT_TO_INTERMEDIO = "Para el nivel Intermedio le faltan {points} puntos de IMS (se requiere 40)."
NEXT_TO_CONSOLIDADO_POINTS = (
    "Para el nivel Consolidado le faltan {points} puntos de IMS (se requiere 70)"
)
NEXT_TO_CONSOLIDADO_GATES = "Para el nivel Consolidado le falta: {gates}."
NEXT_AND_GATES = "{points}; además debe cumplir: {gates}."
NEXT_POINTS_ONLY = "{points}."
AT_TOP = "El clúster está en el nivel más alto, Consolidado: cumple todas sus condiciones."
NO_PREVIOUS = (
    "Es la primera medición del clúster: no hay una medición anterior con la cual comparar."
)
PEERS_HIDDEN = (
    "El sector {sector} tiene {n} aglomeraciones que respondieron, menos de {k}: no se muestran "
    "su promedio ni sus medianas, que permitirían identificar a cada una."
)
NATIONAL_HIDDEN = (
    "Respondieron {n} aglomeraciones, menos de {k}: no se muestra el promedio nacional."
)
AREAS_HEADER = ("Área", "Puntaje", "Banda", "Cambio")
AREAS_HEADER_NO_PREVIOUS = ("Área", "Puntaje", "Banda")
AREAS_NOTE = (
    "Bandas por área: hasta 25 Débil, hasta 50 Básico, hasta 75 Satisfactorio, más de 75 Sólido. "
    "Cambio: puntos frente a la medición {previous}."
)
AREAS_NOTE_NO_PREVIOUS = (
    "Bandas por área: hasta 25 Débil, hasta 50 Básico, hasta 75 Satisfactorio, más de 75 Sólido."
)
POINTS_UP = "+{value}"
POINTS_DOWN = "−{value}"
POINTS_SAME = "0"
WEAKEST_INTRO = "Los indicadores con menor puntaje (50 o menos) y lo que el SSME recomienda:"
WEAKEST_ITEM = "{indicator} ({area}, {score}): {action}"
NO_WEAKEST = "Ningún indicador tiene un puntaje de 50 o menos: ¡felicitaciones!"
PERF_HEADER = ("Cifra", "Su clúster", "Mediana del sector ({n})")
PERF_HEADER_NO_PEERS = ("Cifra", "Su clúster")
PERF_ROWS = {
    "empresas_vinculadas": "Empresas vinculadas",
    "ventas_anio_actual": "Ventas del año {year}",
    "ventas_crecimiento": "Crecimiento de las ventas",
    "empleo_anio_actual": "Empleos directos en {year}",
    "empleo_crecimiento": "Crecimiento del empleo",
    "ventas_pct_local": "Ventas al mercado local",
    "ventas_pct_nacional": "Ventas al resto del país",
    "ventas_pct_exportacion": "Exportaciones",
    "empresas_micro": "Microempresas",
    "empresas_pequenas": "Pequeñas empresas",
    "empresas_medianas": "Medianas empresas",
    "empresas_grandes": "Grandes empresas",
}
ANSWERS_HEADER = ("Pregunta", "Respuesta")
NOT_APPLICABLE = "No aplica"
NOT_ANSWERED = "Sin respuesta"

# --- in Telegram -----------------------------------------------------------------------------

BTN_REPORT_CARD = "Descargar informe (PDF)"
CARD_WORKING = "Preparando su informe en PDF…"
SUMMARY_WORKING = "Preparando el resumen ejecutivo en PDF…"
CARD_NOT_YOURS = "Ese informe ya no está disponible. Use /resultado para ver el más reciente."

# --- the ssme command ------------------------------------------------------------------------

CLI_SUMMARY_PDF = "guarda también el resumen ejecutivo en PDF en este archivo"
CLI_SUMMARY_DOCX = "guarda también el resumen ejecutivo en DOCX (editable) en este archivo"
CLI_REPORT = "el informe de resultados de un clúster (PDF), para su junta directiva"
CLI_REPORT_PDF = "el archivo PDF que se escribe"
CLI_CAMPAIGN = "id de la medición (por omisión, la abierta o la más reciente)"
CLI_CANNOT_WRITE = "no se puede escribir {path}: {error}"
