"""Spanish texts of the data exports for analysts (XLSX workbook and ZIP of CSV files).

The table and column names themselves are identifiers (methodology §2–§4), not prose: they are
the variable names in R, Stata or SPSS and stay as they are. What is here is what a person reads:
the README.txt inside the ZIP and the description stored in the workbook's properties.

Templates use ``str.format`` placeholders, filled by :mod:`bot.reports.export`.
"""

from __future__ import annotations

README_NAME = "README.txt"
README_TITLE = "Datos del SSME · Red Clúster Colombia"

WORKBOOK_CREATOR = "SSME · Red Clúster Colombia"
WORKBOOK_DESCRIPTION = (
    "Datos del Sistema de Seguimiento, Medición y Evaluación (SSME). Hojas: registro, "
    "respuestas (una fila por cuestionario enviado), puntajes y largo (una fila por pregunta "
    "respondida). Opción múltiple: identificadores separados por «;». Sí/no: si/no. "
    "n/d: no disponible. Celda vacía: no respondida o no aplica. Fechas en hora de Colombia. "
    "Un texto que empieza por = + - @ lleva delante un apóstrofo (') para que no se ejecute "
    "como fórmula."
)

# The fixed columns of each sheet (question, indicator, area, gate and registry ids follow).
HEAD_COLUMNS = ("cluster_id", "nombre", "departamento", "sector", "medicion", "origen")
ANSWER_COLUMNS = (*HEAD_COLUMNS, "version_cuestionario", "fecha_envio")
SCORE_COLUMNS = (
    *HEAD_COLUMNS,
    "ims",
    "nivel",
    "nivel_etiqueta",
    "estado_revision",
)
# The analyst's desk (issue 13): every answer changed after a submission, and evidence files.
HISTORY_COLUMNS = (
    "cluster_id",
    "medicion",
    "fecha",
    "quien",
    "pregunta_id",
    "valor_anterior",
    "valor_nuevo",
    "motivo",
)
EVIDENCE_COLUMNS = (
    "cluster_id",
    "medicion",
    "pregunta_id",
    "archivo",
    "tipo",
    "tamano_bytes",
    "sha256",
    "fecha_carga",
)
LONG_COLUMNS = ("cluster_id", "medicion", "pregunta_id", "valor")
EVOLUTION_COLUMNS = (
    "cluster_id",
    "nombre",
    "area",
    "area_etiqueta",
    "medicion",
    "puntaje",
    "medicion_anterior",
    "puntaje_anterior",
    "cambio_pp",
)

MIME_NAMES = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "image/jpeg": "JPG",
    "image/png": "PNG",
}

# One line per table: what a row is.
TABLE_DESCRIPTIONS: dict[str, str] = {
    "diccionario": (
        "Diccionario: una fila por columna de cada hoja, con su etiqueta (el texto de la "
        "pregunta), tipo, unidad, opciones con su puntaje y la regla que la puntúa."
    ),
    "registro": "Registro de aglomeraciones: una fila por aglomeración inscrita.",
    "respuestas": (
        "Respuestas en formato ancho: una fila por cuestionario enviado (aglomeración × "
        "medición) y una columna por pregunta, en el orden del cuestionario; junto a cada "
        "pregunta de opción múltiple, una columna 0/1 por opción."
    ),
    "puntajes": (
        "Puntajes: una fila por cuestionario enviado, con nombre, departamento y sector, el "
        "IMS, el nivel de madurez, el puntaje de cada indicador y de cada área (0 a 100) y las "
        "condiciones del nivel Consolidado."
    ),
    "largo": (
        "Respuestas en formato largo: una fila por pregunta respondida (aglomeración × "
        "medición × pregunta). Es el formato más cómodo en R, Stata o SPSS."
    ),
    "evolucion": (
        "Evolución: una fila por aglomeración, área (o IMS) y medición, con el puntaje, el de "
        "la medición anterior de la aglomeración y el cambio en puntos."
    ),
    "historial": (
        "Historial: una fila por respuesta cambiada después de un envío (por el gerente al "
        "corregir o por un administrador), con quién, cuándo, el valor anterior, el nuevo y el "
        "motivo."
    ),
    "evidencias": (
        "Evidencias: una fila por archivo adjunto a una respuesta (el archivo está en la carpeta "
        "evidencias/ junto a la base de datos, con su SHA-256 por nombre)."
    ),
}
TABLE_LINE = "- {file} ({rows}): {description}"
ROWS = ("{n} fila", "{n} filas")

# The columns that are not question, indicator, area or gate ids: their label.
COLUMN_LABELS: dict[str, str] = {
    "cluster_id": "identificador estable de la aglomeración (el mismo en todas las mediciones)",
    "nombre": "nombre de la aglomeración",
    "departamento": "departamento (nombre oficial) o Bogotá D.C.",
    "municipio": "municipio (opcional)",
    "sector": "macrosector: servicios, agroindustria o manufactura",
    "subsector": "subsector (opcional)",
    "entidad_gestora": "nombre de la entidad gestora",
    "entidad_gestora_tipo": (
        "tipo de entidad gestora: camara_comercio, gobierno, gremio, academia, "
        "entidad_cluster u otra"
    ),
    "anio_creacion": "año de creación (opcional)",
    "estado": "activa o inactiva",
    "medicion": "medición (por ejemplo 2021)",
    "origen": "de dónde viene: bot (respondido en Telegram), importada (respuestas cargadas) o publicada (resultados publicados, sin respuestas)",
    "version_cuestionario": "versión del cuestionario con que se respondió",
    "fecha_envio": "fecha y hora de envío, hora de Colombia (UTC−5)",
    "ims": "Índice de Madurez SSME (0 a 100, con un decimal)",
    "nivel": "nivel de madurez (identificador)",
    "nivel_etiqueta": "nivel de madurez (nombre)",
    "estado_revision": (
        "revisión de la Red: pendiente, aprobada o requiere_ajuste (vacío: sin revisión, "
        "p. ej. resultados publicados)"
    ),
    "fecha": "fecha y hora del cambio, hora de Colombia (UTC−5)",
    "quien": "quién cambió la respuesta: id de Telegram del gerente o del administrador, o consola",
    "valor_anterior": "respuesta antes del cambio (convenciones de la hoja largo; vacío: sin respuesta)",
    "valor_nuevo": "respuesta después del cambio (vacío: quedó sin respuesta)",
    "motivo": "motivo dado por el administrador (vacío si cambió el gerente)",
    "archivo": "nombre del archivo tal como lo envió el gerente",
    "tipo": "tipo de archivo (PDF, DOCX, XLSX, JPG o PNG)",
    "tamano_bytes": "tamaño en bytes",
    "sha256": "huella SHA-256 del archivo: su nombre en la carpeta evidencias/",
    "fecha_carga": "fecha y hora en que se recibió, hora de Colombia (UTC−5)",
    "pregunta_id": "identificador de la pregunta",
    "valor": "respuesta, con las convenciones del archivo (opción múltiple: ids separados por «;»; n/d: no disponible)",
    "area": "identificador del área (ims: el índice)",
    "area_etiqueta": "nombre del área",
    "puntaje": "puntaje en la medición (0 a 100)",
    "medicion_anterior": "medición anterior de la aglomeración con puntaje",
    "puntaje_anterior": "puntaje en la medición anterior",
    "cambio_pp": "cambio en puntos: puntaje − puntaje_anterior",
}
FIXED_KINDS = {
    "fecha": "datetime",
    "fecha_carga": "datetime",
    "tamano_bytes": "count",
    "valor_anterior": "mixed",
    "valor_nuevo": "mixed",
    "anio_creacion": "year",
    "fecha_envio": "datetime",
    "ims": "score",
    "puntaje": "score",
    "puntaje_anterior": "score",
    "cambio_pp": "points",
    "valor": "mixed",
}
KINDS = {
    "text": "texto",
    "single": "opción única (id de la opción)",
    "multi": "opción múltiple (ids separados por «;»)",
    "integer": "número entero",
    "money": "número (dinero)",
    "percent": "número (porcentaje)",
    "year": "número (año)",
    "yesno": "si/no",
    "binary": "número 0/1",
    "score": "número (puntaje 0 a 100)",
    "points": "número (puntos)",
    "count": "número",
    "datetime": "fecha y hora",
    "mixed": "texto o número",
}
UNITS = {
    "money": "pesos colombianos (COP)",
    "percent": "% (0 a 100)",
    "year": "año",
    "score": "puntos (0 a 100)",
    "points": "puntos",
    "datetime": "hora de Colombia (UTC−5)",
}
RULE_KINDS = {
    "choice": "puntaje de la opción elegida",
    "yesno": "sí → 100, no → 0",
    "count": "según cuántas opciones se eligen",
    "value": "según el valor",
    "groups": "según cuántos grupos tienen al menos un actor",
    "age": "según la antigüedad (año de la medición − año de actualización)",
    "ratio": "según la proporción",
    "governance_bodies": "según las instancias de gobernanza (junta, reglamento, presidencia empresarial)",
    "choice_raised": "puntaje de la opción, elevado si se cumple la condición",
    "mean": "promedio de",
}
BAND_UPTO = "≤ {bound} → {score}"
BAND_BELOW = "< {bound} → {score}"
BAND_REST = "más → {score}"
OPTION_SCORE = " ({score} puntos)"
NOT_SCORED = "sin puntaje (alimenta el resumen)"
ONE_HOT_LABEL = "{label} — 1 si la eligió, 0 si no ({question})"
ND_LABEL = "{question}: 1 si respondió «No disponible», 0 si no"
IMS_RULE = "promedio de las áreas"
IMS_LABEL = "IMS"
LEVEL_RULE = "{id} ({label}) desde IMS {min:g}"
LEVEL_GATES = " con todas las condiciones del nivel"
AREA_LABEL = "Área: {label}"
AREA_RULE = "promedio de sus indicadores: {indicators}"
FLAG_LABEL = "marca {id}"
ORIGINS = {"telegram": "bot", "import": "importada", "published": "publicada"}
README = """\
{title}

Datos del Sistema de Seguimiento, Medición y Evaluación (SSME) de la Red Clúster Colombia.
Los nombres de las columnas son los identificadores de la metodología del SSME (preguntas,
indicadores, áreas, columnas del registro): no cambian entre mediciones y sirven como nombres
de variable. diccionario.csv dice qué es cada columna de cada archivo: su etiqueta (el texto de
la pregunta), tipo, unidad, opciones con su nombre y puntaje, y la regla que la puntúa.

ARCHIVOS (en el .xlsx, las mismas tablas, una por hoja)

{tables}

CONVENCIONES

- Una sola fila de encabezado con los nombres de variable; las etiquetas en español están en
  el diccionario (y, en el .xlsx, en la nota de cada encabezado).
- Opción única: el identificador de la opción elegida (por ejemplo, validados).
- Opción múltiple: los identificadores elegidos separados por punto y coma (;) en la columna
  de la pregunta, y al lado una columna 0/1 por opción, llamada pregunta__opcion (por ejemplo
  gobernanza_instancias__junta_directiva): suman cuántas opciones se eligieron.
- «No disponible»: en las columnas numéricas la celda queda vacía y la columna pregunta__nd
  vale 1 (0 si se respondió); en las demás, el valor n/d. No es cero: queda fuera de sumas y
  promedios.
- Celda vacía: la pregunta no se respondió o no aplica por las respuestas anteriores.
- Sí/no: si o no, sin tilde. Las condiciones del nivel Consolidado también van como si/no.
- Números siempre como números: dinero en pesos colombianos, porcentajes de 0 a 100.
- Fechas: hora de Colombia (UTC−5, sin horario de verano), AAAA-MM-DD HH:MM:SS.
- origen: bot (respondido en Telegram), importada (respuestas cargadas de un CSV) o publicada
  (resultados publicados de una medición anterior, sin respuestas).

ARCHIVOS CSV

{csv}

PROTECCIÓN CONTRA FÓRMULAS

Un texto que empieza por =, +, -, @, tabulador o retorno de carro lleva delante un apóstrofo
(') en el CSV para que ninguna hoja de cálculo lo ejecute como fórmula (recomendación de
OWASP); en el .xlsx esas celdas son texto y se ven sin apóstrofo. Los números, también los
negativos, no cambian.
"""
CSV_PLAIN = """\
- Codificación UTF-8 con BOM, separador coma (,), punto decimal, comillas dobles cuando hace
  falta y fin de línea CRLF (RFC 4180): para R, Stata, SPSS o Python.
- R: readr::read_csv("respuestas.csv"). Python: pandas.read_csv("respuestas.csv",
  encoding="utf-8-sig"). Stata: import delimited using respuestas.csv, encoding(utf-8).
  SPSS: GET DATA /TYPE=TXT /ENCODING='UTF8' /DELIMITERS=",".
- Excel en español: use el .xlsx, o pida la exportación con --excel-es (separador «;» y coma
  decimal), que Excel abre bien con doble clic."""
CSV_EXCEL_ES = """\
- Para Excel en español: UTF-8 con BOM, separador punto y coma (;), coma decimal (66,3) y
  fin de línea CRLF. Se abre bien con doble clic.
- R: readr::read_csv2("respuestas.csv"). Python: pandas.read_csv("respuestas.csv", sep=";",
  decimal=",", encoding="utf-8-sig")."""
