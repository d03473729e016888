"""Spanish texts of the ``ssme`` command line (read by the network's staff and operators).

Everything the admin CLI prints is here: the one-line help of every subcommand and argument,
argparse's own boilerplate (:data:`ARGPARSE`, applied by :mod:`bot.cli.spanish`), the states
and actions of a campaign, and the lines each command prints. Command and option names are
identifiers (as in scripts and the README), not prose, and stay as they are; the campaign
actions have Spanish names (``ssme campaign abrir``), the English ones still work.

Templates use ``str.format`` placeholders, filled by :mod:`bot.cli`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.texts.results_import import RESULTS_TEXTS

if TYPE_CHECKING:
    from bot.services.imports import ResultsImport

# --- help: one line per subcommand and argument ---------------------------------------------

HELP = {
    "ssme": "SSME de la Red Clúster Colombia: bot de Telegram, demo y herramientas de administración.",
    "commands": "comandos",
    "command": "COMANDO",
    "help": "muestra esta ayuda y termina",
    "score": "Calcula puntajes, IMS y nivel de un archivo de respuestas (YAML o JSON).",
    "answers": "archivo de respuestas: id de pregunta → valor",
    "year": "año de referencia de la medición (por omisión, el año pasado)",
    "chart": "guarda la gráfica de araña en este PNG",
    "name": "nombre del clúster para el título",
    "json": "imprime el resultado en JSON",
    "run": "Inicia el bot (necesita SSME_TELEGRAM_TOKEN).",
    "log": "nivel de detalle de los registros",
    "demo": "Demo sin conexión ni token: el bot real contra un servidor local, en la terminal.",
    "db": "archivo SQLite de la demo (por omisión CARPETA/demo.db)",
    "script": "lee las entradas de este archivo en vez del teclado",
    "demo_dir": (
        "carpeta de la demo (por omisión ./demo): su base de datos, los archivos recibidos y "
        "el registro"
    ),
    "demo_admin": "empieza como analista de la Red (administradora) en vez de gestora",
    "demo_reset": "borra la demo anterior de la carpeta y empieza de cero",
    "import": "Carga o actualiza el registro de clústeres desde un CSV (todo o nada).",
    "registry_file": "CSV del registro (plantilla: bot/examples/registro_ejemplo.csv)",
    "invite": "Crea una invitación de un solo uso para el gestor de un clúster.",
    "cluster_id": "id del clúster en el registro (cluster_id)",
    "days": "días de vigencia de la invitación (por omisión 30)",
    "campaign": "Crea, abre, cierra, extiende o lista las mediciones.",
    "actions": "acciones",
    "action": "ACCIÓN",
    "campaign_create": "Crea una medición (queda programada).",
    "campaign_open": "Abre una medición: los gestores pueden responder.",
    "campaign_close": "Cierra una medición: ya no se reciben respuestas.",
    "campaign_extend": "Cambia la fecha de cierre de una medición.",
    "campaign_list": "Lista las mediciones con su estado y sus fechas.",
    "new_campaign_id": "id de la medición, por ejemplo 2025",
    "existing_campaign_id": "id de la medición",
    "reference_year": "año de referencia de las cifras (t)",
    "opens": "apertura: AAAA-MM-DD o AAAA-MM-DDTHH:MM (hora local)",
    "closes": "cierre: AAAA-MM-DD (hasta las 23:59) o AAAA-MM-DDTHH:MM",
    "summary": "Cifras del resumen ejecutivo de una medición (texto o --json).",
    "campaign_id": "id de la medición (por omisión, la abierta o la más reciente)",
    "summary_charts": "guarda también las gráficas del resumen en esta carpeta",
    "export": (
        "Exporta el libro del analista: diccionario, registro, respuestas, puntajes y largo "
        "(XLSX, o CSV en un .zip)."
    ),
    "export_campaign": (
        "id de la medición, o «all»/«todas» para todas en un archivo con la hoja evolucion "
        "(por omisión, la abierta o la más reciente)"
    ),
    "format": "xlsx (por omisión) o csv (un .zip de archivos CSV con el diccionario)",
    "output": "archivo de salida (.xlsx, o .zip para csv)",
    "excel_es": (
        "CSV para Excel en español: separador «;» y coma decimal (por omisión, CSV simple: "
        "«,» y punto decimal)"
    ),
    "import_responses": "Carga respuestas de una medición anterior desde un CSV (todo o nada).",
    "responses_file": "CSV de respuestas (obtenga la plantilla con --template)",
    "import_campaign": "id de la medición a la que pertenecen (por omisión, la abierta o la más reciente)",
    "template": "escribe la plantilla CSV (encabezado y una fila de ejemplo) en este archivo",
    "import_results": (
        "Carga los resultados publicados de una medición anterior (IMS, nivel, áreas), tal como "
        "se publicaron."
    ),
    "results_file": "CSV de resultados publicados (obtenga la plantilla con --template)",
    "results_campaign": "id de la medición de esos resultados",
    "participation": "Participación por estado, departamento y sector.",
    "approved_only": "cuenta solo las respuestas aprobadas por la Red (por omisión, todas las enviadas)",
    "cluster": "Un clúster de un vistazo (show) o la lista de clústeres con su estado (list).",
    "cluster_show": "Registro, gestor, estado, resultado, respuestas, evidencias e historial de un clúster.",
    "cluster_list": "Clústeres de la medición con su estado, con filtros.",
    "filters": "departamento, sector o estado (sin_gestor, aviso_pendiente, sin_empezar, en_curso, enviada)",
    "review": "Revisión de las respuestas enviadas: la cola (list) o aprobar una (approve).",
    "review_list": "Respuestas por revisar, las que tienen alertas primero, con el motivo de cada alerta.",
    "review_approve": "Aprueba la respuesta enviada de un clúster.",
    "review_ask": "Pide al gestor, en su chat, revisar unas respuestas (con una nota); necesita el token.",
    "note": "nota para el gestor",
    "correct": "Corrige una respuesta enviada en nombre del gestor, con un motivo (queda en el historial).",
    "question_id": "id de la pregunta (como en la exportación)",
    "value": "el valor, escrito como lo escribiría el gestor (opción múltiple: ids separados por ;)",
    "reason": "motivo de la corrección",
    "remind": (
        "Muestra quién recibiría hoy un recordatorio y por qué; lo envía sin --dry-run. "
        "--department, --sector, --cluster y --state lo limitan a quienes indiquen (nunca se "
        "salta la política de recordatorios)."
    ),
    "dry_run": "solo mostrar, no enviar",
    "check": "Revisa configuración, cuestionario y base de datos; dice qué está mal.",
    "data_requests": "Solicitudes de eliminación de datos personales (Ley 1581 de 2012).",
    "erase": "atiende la solicitud N: elimina los datos personales de esa persona",
    "backup": "Copia consistente de la base de datos, también con el bot en marcha.",
    "backup_target": "archivo de destino, o carpeta existente (nombre con fecha y hora)",
    "restore": "Reemplaza la base de datos por una copia (con el bot detenido).",
    "backup_file": "archivo de copia que se restaura",
}

# Epilog of ``import-responses --help`` and ``import-results --help``: the columns.
RESPONSES_COLUMNS = (
    "Columnas del CSV: cluster_id, submitted_at (opcional: fecha de envío AAAA-MM-DD o "
    "AAAA-MM-DD HH:MM, hora de Colombia; sin ella, la fecha de la carga) y una columna por "
    "pregunta con su id:\n{columns}\n"
    "Valores: id de la opción; opción múltiple con ids separados por «;»; si/no; números; "
    "n/d = no disponible; celda vacía = sin respuesta."
)
RESULTS_COLUMNS = (
    "Columnas del CSV: cluster_id, ims (0 a 100), level ({levels}), una columna por área "
    "({areas}) y, si los tiene, una por indicador ({indicators}). Los resultados quedan "
    "marcados como importados (publicados) y se usan tal como vienen en el resumen "
    "(level_change_pp), los promedios de referencia y la gráfica de la medición anterior."
)

# argparse's own words (Python's gettext message ids → Spanish), see bot/cli/spanish.py.
ARGPARSE = {
    "usage: ": "uso: ",
    "positional arguments": "argumentos",
    "options": "opciones",
    "show this help message and exit": "muestra esta ayuda y termina",
    "%(prog)s: error: %(message)s\n": "%(prog)s: %(message)s\n",
    "the following arguments are required: %s": "faltan argumentos obligatorios: %s",
    "unrecognized arguments: %s": "argumentos no reconocidos: %s",
    "argument %(argument_name)s: %(message)s": "argumento %(argument_name)s: %(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "opción no válida: %(value)r (elija entre %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": "valor no válido (%(type)s): %(value)r",
    "expected one argument": "falta el valor",
    "expected at least one argument": "falta al menos un valor",
    "expected at most one argument": "sobra un valor",
    "ambiguous option: %(option)s could match %(matches)s": (
        "opción ambigua: %(option)s puede ser %(matches)s"
    ),
    "not allowed with argument %s": "no se permite junto con %s",
    "one of the arguments %s is required": "falta uno de estos argumentos: %s",
    "ignored explicit argument %r": "se ignoró el valor %r",
    "unexpected option string: %s": "opción inesperada: %s",
    "can't open '%(filename)s': %(error)s": "no se puede abrir «%(filename)s»: %(error)s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "comando desconocido %(parser_name)r (opciones: %(choices)s)"
    ),
    "expected %s argument": "se esperaba %s valor",
    "expected %s arguments": "se esperaban %s valores",
}
# How an argument's value is named in the usage lines, by the argument's name (dest).
METAVARS = {
    "answers": "RESPUESTAS",
    "campaign": "MEDICIÓN",
    "campaign_year": "AÑO",
    "chart": "PNG",
    "name": "NOMBRE",
    "db": "ARCHIVO",
    "script": "ARCHIVO",
    "charts": "CARPETA",
    "dir": "CARPETA",
    "file": "ARCHIVO",
    "output": "ARCHIVO",
    "days": "DÍAS",
    "cluster_id": "CLUSTER_ID",
    "id": "MEDICIÓN",
    "reference_year": "AÑO",
    "opens": "FECHA",
    "closes": "FECHA",
    "target": "DESTINO",
    "backup": "COPIA",
    "pdf": "PDF",
    "question_id": "PREGUNTA",
    "question_ids": "PREGUNTA",
    "note": "NOTA",
    "value": "VALOR",
    "reason": "MOTIVO",
    "filters": "FILTRO",
    "docx": "DOCX",
}
# Type names in "invalid %(type)s value".
ARGPARSE_TYPES = {"int": "número entero", "float": "número", "Path": "ruta"}
USAGE_HINT = "Ayuda: {prog} --help"

# --- states and actions ----------------------------------------------------------------------

CAMPAIGN_STATES = {"scheduled": "programada", "open": "abierta", "closed": "cerrada"}
CAMPAIGN_DONE = {
    "open": "Medición {id} abierta: los gestores ya pueden responder.",
    "close": "Medición {id} cerrada: ya no se reciben respuestas.",
    "extend": "Medición {id}: nueva fecha de cierre {closes}.",
}
NO_CAMPAIGNS = "Aún no hay mediciones. Cree una con: ssme campaign crear ID --reference-year AAAA --opens AAAA-MM-DD --closes AAAA-MM-DD"

# --- lines the commands print ----------------------------------------------------------------

ERROR = "ssme: {text}"
WARNING = "Aviso: {text}"
EXPORTED = "Exportado en {path} ({size} KB)."
EXPORT_NEEDS_ZIP = (
    "el formato csv escribe un .zip con varios CSV y el diccionario: use --output con un "
    "nombre terminado en .zip (por ejemplo {suggestion})"
)
EXPORT_NEEDS_XLSX = (
    "el formato xlsx escribe un libro de Excel: use --output con un nombre terminado en .xlsx "
    "(por ejemplo {suggestion})"
)
NEEDS_FILE = "indique el archivo CSV de respuestas, o --template ARCHIVO para la plantilla"
NEEDS_FILE_AND_CAMPAIGN = (
    "indique el archivo CSV y --campaign MEDICIÓN, o --template ARCHIVO para la plantilla"
)
TEMPLATE_WRITTEN = "Plantilla escrita en {path}: encabezado y una fila de ejemplo ({example}), que debe reemplazar."
BACKUP_DONE = "Copia en {path} ({size} KB): {responses} respuestas, {answers} respuestas a preguntas. Verificada."
RESTORE_DONE = (
    "Restaurada {path}: {responses} respuestas, {answers} respuestas a preguntas. "
    "La base anterior quedó en {kept}."
)
REMIND_LINE = "{mark} {cluster} ({name}) — {kind}: {detail}"
REMIND_DUE = "{n} de {total} gestores registrados tienen un recordatorio pendiente ahora."
REMIND_NOBODY = "Ningún gestor registrado en esta medición: no hay a quién recordar."
REMIND_SENT = (
    "Enviados: {sent} · fallidos: {failed} · sin contacto (bloquearon el bot): {unreachable}"
)
NO_KIND = "sin recordatorio"
CANNOT_READ = "no se puede leer {path}: {error}"
CANNOT_WRITE = "no se puede escribir {path}: {error}"
BAD_FILE = "{path} no es un YAML/JSON válido: {error}"
NOT_MAPPING = "{path} debe ser un objeto «id de pregunta: valor»"
REJECTED = "{path}: {n} problema(s); no se calculó ningún puntaje."
CHART_SAVED = "Gráfica guardada en {path}"
NO_TOKEN = "falta SSME_TELEGRAM_TOKEN (el token que da BotFather). Para probar sin token: ssme demo"
IMPORT_NOTHING = "No se importó nada: corrija las filas rechazadas y vuelva a intentarlo."
IMPORTED = "{n} clústeres importados en {db}."
INVITATION = "Invitación para {cluster}\n  enlace: {link}\n  código: {code}\n  vence: {expires}"
NO_USERNAME = (
    "falta SSME_BOT_USERNAME: el enlace lleva «<bot>» en lugar del usuario del bot; "
    "corríjalo antes de enviarlo o defina la variable (el código sirve igual)"
)
CAMPAIGN_LINE = "{id}\taño {year}\t{state}\tabre {opens}\tcierra {closes}"
CAMPAIGN_CREATED = "Medición {id} creada (programada). Ábrala con: ssme campaign abrir {id}"

CHECK = {
    "settings": "configuración (variables SSME_*)",
    "token": "token del bot presente",
    "no_token": "falta SSME_TELEGRAM_TOKEN: necesario para ssme run (la demo no lo necesita)",
    "admins": "administradores configurados: {n} (SSME_ADMIN_IDS)",
    "username": "usuario del bot para enlaces de invitación",
    "no_username": "falta SSME_BOT_USERNAME: los enlaces de ssme invite no tendrán el nombre del bot",
    "questionnaire": "cuestionario {version}: {n} preguntas",
    "questionnaire_bad": "cuestionario con errores:",
    "no_db": "no existe la base {path}: se creará al iniciar",
    "db": "base de datos {path}: integridad {status}",
    "migrations": "esquema {version} de {latest}: las migraciones se aplican al iniciar",
    "db_newer": "esquema {version} más nuevo que este programa ({latest}): actualice el programa",
    "db_unreadable": "no se puede leer {path}: {error}",
    "clusters": "clústeres en el registro: {n}",
    "campaign": "medición abierta: {ids}",
}

# What the system said about a file, in Spanish (by errno); else its own words.
OS_ERRORS = {
    2: "no existe",  # ENOENT
    13: "permiso denegado",  # EACCES
    21: "es una carpeta, no un archivo",  # EISDIR
    20: "una parte de la ruta no es una carpeta",  # ENOTDIR
    28: "no queda espacio en el disco",  # ENOSPC
    30: "el disco es de solo lectura",  # EROFS
}

# Why a backup or a restore was refused (bot/services/backup.py); each names the file.
BACKUP_ERRORS = {
    "no_database": "{path}: no existe la base de datos (SSME_DB_PATH)",
    "no_folder": (
        "{path}: la carpeta {folder} no existe; créela primero o indique un archivo en una "
        "carpeta existente"
    ),
    "failed": "{path}: la copia falló: {error}",
    "integrity": "{path}: la revisión de integridad falló: {status}",
    "in_use": "{path} está en uso: detenga el bot (ssme run) antes de restaurar",
    "no_backup": "{path}: no existe esa copia",
    "unreadable": "{path}: no es una base SQLite legible: {error}",
    "newer": (
        "{path}: el esquema {version} es más nuevo que este programa ({latest}); actualice el "
        "programa primero"
    ),
}


def results_import_text(result: ResultsImport) -> str:
    """The clusters that already answered, what was checked, then the outcome (plain text)."""
    lines = [
        RESULTS_TEXTS["already"].format(line=result.parsed.lines.get(c, "?"), cluster=c)
        for c in result.clashes
    ]
    lines.append(result.parsed.report())
    if result.ok:
        lines.append(
            RESULTS_TEXTS["imported"].format(n=result.imported, campaign=result.campaign_id)
        )
    else:
        lines.append(RESULTS_TEXTS["nothing"])
    return "\n".join(lines)
