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

# One line per table: what a row is.
TABLE_DESCRIPTIONS: dict[str, str] = {
    "registro": "Registro de aglomeraciones: una fila por aglomeración inscrita.",
    "respuestas": (
        "Respuestas en formato ancho: una fila por cuestionario enviado (aglomeración × "
        "medición) y una columna por pregunta, en el orden del cuestionario."
    ),
    "puntajes": (
        "Puntajes: una fila por cuestionario enviado, con el IMS, el nivel de madurez, el "
        "puntaje de cada indicador y de cada área (0 a 100) y las condiciones del nivel "
        "Consolidado."
    ),
    "largo": (
        "Respuestas en formato largo: una fila por pregunta respondida (aglomeración × "
        "medición × pregunta). Es el formato más cómodo en R, Stata o SPSS."
    ),
}
TABLE_LINE = "- {file} ({rows}): {description}"
ROWS = ("{n} fila", "{n} filas")

# The columns that are not question, indicator, area or gate ids.
COLUMN_DESCRIPTIONS: dict[str, str] = {
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
    "campaign": "medición (por ejemplo 2021)",
    "questionnaire_version": "versión del cuestionario con que se respondió",
    "submitted_at": "fecha y hora de envío, hora de Colombia (UTC−5), AAAA-MM-DD HH:MM:SS",
    "ims": "Índice de Madurez SSME (0 a 100, con un decimal)",
    "level": "nivel de madurez: exploracion, intermedio o consolidado",
    "question_id": "identificador de la pregunta",
    "value": "respuesta, con las mismas convenciones que la tabla respuestas",
}
COLUMN_LINE = "  {column}: {description}"

README = """\
{title}

Datos del Sistema de Seguimiento, Medición y Evaluación (SSME) de la Red Clúster Colombia.
Los nombres de las tablas y de las columnas son los identificadores de la metodología del SSME:
no cambian entre mediciones y sirven como nombres de variable.

TABLAS (en el archivo .xlsx, las mismas tablas, una por hoja)

{tables}

COLUMNAS

- respuestas: cluster_id, nombre, campaign, questionnaire_version, submitted_at y una columna
  por pregunta, con el identificador de la pregunta como nombre.
- puntajes: cluster_id, campaign, ims, level, una columna por indicador (i01_…), una por área
  y una por condición del nivel Consolidado (si/no). Una marca que también es condición
  (estrategia_actualizada) aparece una sola vez.
- largo: cluster_id, campaign, question_id, value.

Columnas fijas:
{columns}

VALORES

- Opción única: el identificador de la opción elegida (por ejemplo, validados).
- Opción múltiple: los identificadores elegidos, separados por punto y coma (;), en una sola
  celda; por ejemplo junta_directiva;reglamento. En R: tidyr::separate_rows(value, sep = ";").
- Sí/no: si o no, sin tilde. Las condiciones del nivel Consolidado también van como si/no.
- n/d: «No disponible». No es cero: déjelo fuera de sumas y promedios.
- Celda vacía: la pregunta no se respondió o no aplica por las respuestas anteriores.
- Números: sin separador de miles y con punto decimal (457000000000, 66.3). Dinero en pesos
  colombianos; porcentajes de 0 a 100.
- Fechas: hora de Colombia (UTC−5, sin horario de verano), formato AAAA-MM-DD HH:MM:SS.

ARCHIVOS CSV

- Codificación UTF-8 con BOM, separador coma (,), punto decimal, comillas dobles cuando hace
  falta y fin de línea CRLF (RFC 4180).
- Excel: para trabajar en Excel use el archivo .xlsx. Con Excel configurado en español el
  separador de listas es el punto y coma, así que al abrir el CSV con doble clic todo queda en
  una columna: use Datos > Obtener datos > Desde texto/CSV y elija el delimitador «Coma».
- R: readr::read_csv("respuestas.csv"). Python: pandas.read_csv("respuestas.csv",
  encoding="utf-8-sig"). Stata: import delimited using respuestas.csv, encoding(utf-8).
  SPSS: GET DATA /TYPE=TXT /ENCODING='UTF8' /DELIMITERS=",".

PROTECCIÓN CONTRA FÓRMULAS

Un texto que empieza por =, +, -, @, tabulador o retorno de carro lleva delante un apóstrofo
(') para que ninguna hoja de cálculo lo ejecute como fórmula (recomendación de OWASP). Si
necesita el texto original, quite ese primer apóstrofo. Los números, también los negativos,
no cambian.
"""
