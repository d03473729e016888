"""The one place for every Spanish (Colombian) text that a user of the bot reads.

This package holds them all: this module the conversation, answers, command line and demo;
its submodules (admin, summary, reminders, export, registry, csvfiles, responses_import,
personal_data) the texts of those features.

No other module writes user-facing Spanish: they import it from here, so the wording can be
reviewed and changed in one file. Style: polite "usted", short sentences (they are read on a
phone), and an error always says what is expected, with an example.

Templates use ``str.format`` placeholders; numbers put into them are already formatted the
Colombian way (``1.234,5``) by the caller.
"""

from __future__ import annotations

# Answer validation errors, keyed by the ``code`` of ``bot.questionnaire.parsing.AnswerError``.
ANSWER_ERRORS: dict[str, str] = {
    # Numbers in general.
    "not_a_number": "Escriba un número, por ejemplo 25 o 1.234,5.",
    "number_too_long": (
        "La respuesta es demasiado larga para ser un número. "
        "Escriba solo la cifra, por ejemplo 457.000.000."
    ),
    "negative": "El valor no puede ser negativo. Escriba 0 o un número mayor, por ejemplo 25.",
    "out_of_range": "El valor debe estar entre {min} y {max}.",
    "below_min": "El valor debe ser igual o mayor que {min}.",
    "above_max": "El valor debe ser igual o menor que {max}.",
    # Whole numbers (counts of firms, meetings, people...).
    "integer_format": "Escriba un número entero, por ejemplo 25.",
    "not_integer": "Escriba un número entero, sin decimales, por ejemplo 25.",
    # Money in Colombian pesos.
    "money_format": "Escriba el valor en pesos, por ejemplo 457.000.000 o 1,5 millones.",
    "money_decimals": "Escriba el valor en pesos, sin centavos, por ejemplo 2.500.000.",
    # Percentages.
    "percent_format": "Escriba un porcentaje, por ejemplo 25 o 12,5.",
    "percent_range": "El porcentaje debe estar entre 0 y 100, por ejemplo 25 o 12,5.",
    # Years.
    "year_format": "Escriba el año con sus cuatro cifras, por ejemplo 2021.",
    "year_range": "El año debe estar entre {min} y {max}, por ejemplo {max}.",
    "year_min": "Escriba un año desde {min}, por ejemplo {min}.",
    "year_max": "Escriba un año hasta {max}, por ejemplo {max}.",
    # Yes / no.
    "yesno": "Responda «sí» o «no».",
    # Free text.
    "empty": "La respuesta está vacía. Escriba su respuesta, por favor.",
    "too_long": "El texto es muy largo: máximo {max} caracteres. Por favor, resúmalo.",
    # Choosing, and answers that come from files or buttons.
    "use_buttons": "Elija una opción con los botones de la pregunta (o escriba su número).",
    "choice_range": "Escriba un número del 1 al {n}, o elija con los botones.",
    "use_buttons_multi": (
        "Marque las opciones con los botones y pulse «Listo ✔️», o escriba sus números "
        "separados por comas, por ejemplo 1, 3."
    ),
    "multi_range": "«{value}» no es una de las opciones: escriba números del 1 al {n}, por ejemplo 1, 3.",
    "nd_not_allowed": "Esta pregunta necesita una respuesta: «No disponible» no aplica aquí.",
    "multi_format": "Escriba los códigos de las opciones separados por «;».",
    "multi_empty": "Marque al menos una opción antes de pulsar «Listo».",
    "multi_repeated": "Hay una opción repetida.",
    "multi_exclusive": "«{choice}» no se puede combinar con otras opciones.",
    "unknown_choice": "«{value}» no es una opción válida. Opciones: {options}.",
    "ambiguous_in_file": "«{text}» se puede leer de dos maneras; escríbalo sin separadores de miles.",
    "not_relevant": "Esa pregunta ya no aplica por una respuesta anterior.",
    "unknown_question": "no es una pregunta del cuestionario.",
    "ignored_not_relevant": "se ignora: la pregunta no aplica según las respuestas anteriores.",
    "missing_answer": "falta la respuesta.",
}

YES_NO_LABELS = {True: "Sí", False: "No"}
YES = "Sí"
NO = "No"
OR = " o "
MESSAGE_LIMIT = 3800  # Telegram allows 4096; the rest is margin for markup
DATE_FORMAT = "EEEE d 'de' MMMM 'de' y, HH:mm"

SECTOR_LABELS = {
    "servicios": "servicios",
    "agroindustria": "agroindustria",
    "manufactura": "manufactura",
}

# --- registration ---------------------------------------------------------------------------

INTRO_UNREGISTERED = (
    "Hola. Soy el asistente del <b>Sistema de Seguimiento, Monitoreo y Evaluación (SSME)</b> "
    "de la Red Clúster Colombia.\n\n"
    "Con él, los gestores de las iniciativas clúster responden la medición anual y reciben al "
    "instante sus resultados y su gráfica de araña.\n\n"
    "Para participar necesita una <b>invitación</b>: pídala a la Red Clúster Colombia o a su "
    "cámara de comercio. Si ya tiene un código de invitación, escríbalo aquí."
)
INVITE_UNKNOWN = (
    "No reconozco ese código de invitación. Revise que esté completo (sin espacios) o pida uno "
    "nuevo a la Red Clúster Colombia."
)
INVITE_USED = (
    "Ese código de invitación ya fue usado. Si usted es el gestor de la iniciativa, pida una "
    "invitación nueva a la Red Clúster Colombia."
)
INVITE_EXPIRED = "Ese código de invitación venció. Pida uno nuevo a la Red Clúster Colombia."
REGISTERED = "Listo: quedó registrado como gestor de <b>{cluster}</b>."
CONSENT_NOTICE = (
    "<b>Tratamiento de datos personales</b> (Ley 1581 de 2012)\n\n"
    "• <b>Responsable:</b> Confederación Colombiana de Cámaras de Comercio (Confecámaras), "
    "como líder de la Red Clúster Colombia.\n"
    "• <b>Qué datos:</b> su nombre y usuario de Telegram, y las respuestas de la iniciativa "
    "al SSME.\n"
    "• <b>Para qué:</b> medir la madurez de la iniciativa, enviarle sus resultados y "
    "recordatorios de la medición, y elaborar informes agregados de la Red.\n"
    "• <b>Sus derechos:</b> conocer, actualizar, rectificar y suprimir sus datos, y revocar "
    "esta autorización, escribiendo a la Red Clúster Colombia.\n\n"
    "Al pulsar el botón autoriza este tratamiento."
)
BTN_CONSENT = "Acepto ✔️"
CONSENT_DONE = "✔️ <b>Autorización registrada.</b>"

# --- the conversation ----------------------------------------------------------------------

WELCOME = (
    "Bienvenido(a), {name}. Esta es la medición <b>{campaign}</b> del SSME para "
    "<b>{cluster}</b>.\n\n"
    "Son <b>{total} preguntas</b>, <b>{minutes}</b>. La medición cierra el "
    "<b>{deadline}</b>.\n\n"
    "Puede pausar cuando quiera: sus respuestas quedan guardadas. Escriba /ayuda si la necesita."
)
WELCOME_BACK = (
    "Hola de nuevo, {name}. Medición <b>{campaign}</b> de <b>{cluster}</b>: {left}, {minutes}. "
    "La medición cierra el <b>{deadline}</b>."
)
WELCOME_BACK_DONE = (
    "Hola de nuevo, {name}. Medición <b>{campaign}</b> de <b>{cluster}</b>: ya respondió las "
    "{total} preguntas; solo falta revisar y enviar. La medición cierra el <b>{deadline}</b>."
)
HEADER_CLUSTER = "🏷️ <b>{cluster}</b>"  # above a screen, for a person holding several clusters
HEADER_AREA = "<b>Área {i}/{n} · {area}</b> — pregunta {k} de {total}"
HEADER_MODULE = "<b>{module}</b> — pregunta {k} de {total}"
CURRENT_ANSWER = "Respuesta actual: <b>{value}</b>"
ANSWERED = "✔️ <b>{value}</b>"
ANSWERED_WORDS = "✔️ <b>{value}</b> — {words}"  # a large amount, also in words
MULTI_TYPED_HINT = "También puede escribir sus números, por ejemplo 1, 3."
MISTAKE = "⚠️ {error}"  # on top of the question asked again, in one message
HELD_NOTE = "⏳ Pendiente de guardar: {items}. Se guarda en cuanto la regla se cumpla."
HELD_ITEM = "{question} = {value}"
RULE_LINE = "• {question}: <b>{value}</b>"
RULE_LINE_HELD = "• {question}: <b>{value}</b> (nuevo, aún sin guardar)"
FIX_HINT_HELD = (
    "Su respuesta quedó guardada aparte, no se pierde. Corrija con su botón la cifra que no "
    "cuadra, o escriba de nuevo esta respuesta."
)
EXCLUSIVE_ASK = "«{choice}» quitará {marks}. ¿Marcar solo «{choice}»?"
BTN_EXCLUSIVE_YES = "Sí, solo «{choice}»"
BTN_EXCLUSIVE_NO = "No, conservar mis marcas"
BTN_DONE = "Listo ✔️"
BTN_ND = "No disponible"
BTN_BACK = "⬅️ Atrás"
BTN_KEEP = "Mantener ➡️"
BTN_CONFIRM = "Sí, es correcto"
BTN_CORRECT = "Corregir"
BTN_FIX = "Corregir: {q}"
BTN_CONTINUE = "Continuar ➡️"
BTN_SEND = "Enviar ✉️"
BTN_EDIT_AREA = "Editar {area}"
BTN_BACK_TO_REVIEW = "⬅️ Volver al resumen"
BTN_WHY = "¿Por qué? {area}"
AMBIGUOUS = "«{text}» se puede leer como {options}. ¿Cuál quiso decir?"
# A typed answer that reached the bot before the question below was on the manager's screen.
WHICH_QUESTION = (
    "Recibí «{text}» antes de mostrarle la pregunta que sigue, así que no sé si es la respuesta "
    "a ella. Si lo es, pulse el botón; si no, escriba la respuesta a esta pregunta."
)
BTN_TYPED_IS_FOR_THIS = "Sí, «{text}» es para esta pregunta"
FIX_HINT = "Escriba de nuevo esta respuesta, o corrija la otra con el botón."
RETYPE_HINT = "Escriba de nuevo esta respuesta."
TOO_LONG = "Su mensaje es muy largo (máximo {max} caracteres). Escriba solo la respuesta."
ONLY_TEXT = "Por ahora solo puedo leer texto y botones. {expected}"
ONLY_TEXT_GENERIC = (
    "Por ahora solo puedo leer texto y botones. Escriba /ayuda para ver qué puede hacer."
)
EXPECT_BUTTONS = "Responda con los botones de la pregunta."
EXPECT_TYPED = "Escriba la respuesta como texto."
STALE_BUTTON = "Ese botón es de un mensaje anterior. Siga con la pregunta actual."
PAUSED = (
    "Pausado. Sus respuestas quedan guardadas (preguntas por responder: {left}). "
    "Escriba /continuar cuando quiera seguir."
)
ALREADY_SUBMITTED = (
    "Sus respuestas ya fueron enviadas. Escriba /resultado para ver de nuevo sus resultados o "
    "/revisar para verlas (y corregirlas mientras la medición esté abierta)."
)
ALREADY_SUBMITTED_SHORT = "Sus respuestas ya fueron enviadas."
NO_CAMPAIGN = "En este momento no hay una medición programada. Le avisaremos cuando abra."
CAMPAIGN_NOT_OPEN = "La medición todavía no ha abierto: abre el {date}."
CAMPAIGN_CLOSED = "La medición {campaign} ya cerró. Gracias por su interés."

REVIEW_TITLE = "<b>Resumen de sus respuestas — {cluster}</b>"
REVIEW_MISSING = "{missing} por responder. Pulse «Continuar»."
REVIEW_MISSING_SHORT = "Preguntas por responder: {n}."
REVIEW_READY = (
    "Revise sus respuestas. Si todo está bien, pulse <b>Enviar</b>; si no, edite el área."
)
# Stray text typed on the review: one short line, not the review again.
REVIEW_STRAY = "Está en el resumen de sus respuestas: use sus botones «Editar …» o «Enviar ✉️»."
REVIEW_STRAY_MISSING = (
    "Está en el resumen de sus respuestas: use sus botones «Continuar ➡️» o «Editar …»."
)
EDITED_MESSAGE = (
    "Editar un mensaje anterior no cambia su respuesta. Para cambiarla, use «⬅️ Atrás» o "
    "/revisar, o escriba de nuevo la respuesta a la pregunta actual."
)
EDIT_AREA = "<b>Editar {area}</b>: elija la pregunta que quiere cambiar."
NO_RESULT_YET = "Aún no tiene resultados: termine y envíe el cuestionario."

# --- results --------------------------------------------------------------------------------

RESULT_TITLE = "<b>{name}</b> — medición {campaign}"
RESULT_IMS = "Índice de madurez (IMS): <b>{ims}</b> · Nivel: <b>{level}</b>"
RESULT_AREA_LINE = "• {label}: {score} ({band})"
RESULT_GATES_MISSING = "Para el nivel Consolidado le falta: {gates}."
RESULT_WEAK_INTRO = "<b>Dónde enfocar el próximo año</b>"
RESULT_WEAK_ITEM = "• <b>{label}</b> ({area}, {score} puntos): {action}"
RESULT_NO_WEAK = "¡Muy bien! Ningún indicador está en 50 puntos o menos."
RESULT_WHY_PROMPT = "¿Quiere ver por qué obtuvo cada puntaje? Elija un área:"
WHY_TITLE = "<b>{label}</b>: {score} puntos ({band})"
WHY_INDICATOR = "<b>{label}: {score}</b>"
WHY_ANSWER = "• {question}: {value}"
WHY_NOT_APPLICABLE = "no aplica"
# «¿Por qué?», per indicator: the rule in one line, where the answer falls, the next band.
WHY_RULE = "Regla — {what}: {bands}."
WHY_RULE_ALONE = "Regla — {what}."
WHY_MEAN = "Promedio de {n} puntos:"
WHY_ITEM = "– {text}"
WHY_FALLS = "Su respuesta: {value} → {score}."
WHY_NEXT = "{changes} llegaría a {score}."
WHY_NEXT_MEAN = "{changes} el indicador llegaría a {score}."
WHY_TOP = "Ya tiene el puntaje más alto de esta regla."
WHY_BAND = "{range} → {score}"
WHY_BANDS_JOIN = " · "
WHY_WHAT_VALUE = "{questions}"
WHY_WHAT_COUNT = "opciones marcadas en «{question}»"
WHY_WHAT_GROUPS = "cuántos de estos tienen al menos 1: {questions}"
WHY_WHAT_RATIO = "«{numerator}» sobre «{denominator}», en %"
WHY_WHAT_AGE = "años desde «{question}»"
WHY_WHAT_CHOICE = "la opción elegida en «{question}»"
WHY_WHAT_RAISED = "{choice} con al menos {n} en «{question}» → {score}"
WHY_WHAT_GOVERNANCE = (
    "instancias marcadas: ninguna → {none} · solo reuniones informales → {informal} · solo "
    "reglamento → {charter} · una instancia → {one} · dos o más sin junta → {without} · dos o "
    "más con junta → {board} · además reglamento y presidencia empresarial → {full}"
)
WHY_RANGE_ONE = "{a}"
WHY_RANGE = "{a} a {b}"
WHY_RANGE_UP = "{a} o más"
WHY_RANGE_BELOW = "menos de {b}"
WHY_RANGE_UPTO = "hasta {b}"
WHY_RANGE_ABOVE = "más de {a}"
WHY_CHANGE_NUMBER = "con {value} en «{question}»"
WHY_CHANGE_CHOICE = "con «{choice}»"
WHY_CHANGE_MARKS = "marcando {choices}"
WHY_CHANGE_YES = "respondiendo «Sí» a «{question}»"
WHY_CHANGE_YEAR = "con «{question}» en {year}"
WHY_CHANGE_JOIN = " y "
CHART_OWN = "Su clúster"
CHART_NATIONAL = "Promedio nacional ({n})"
CHART_SECTOR = "Promedio {sector} ({n})"
CHART_SECTOR_HIDDEN = "El promedio del sector se muestra con al menos {n} clústeres."
CHART_PREVIOUS = "Medición {campaign}"
CHART_SUBTITLE = "Medición {campaign} · IMS {ims} · {level}"

# --- commands -------------------------------------------------------------------------------

COMMANDS = {
    "start": "Empezar o retomar la medición",
    "continuar": "Seguir donde quedó",
    "revisar": "Ver sus respuestas (y corregirlas)",
    "resultado": "Ver de nuevo sus resultados",
    "ayuda": "Cómo funciona",
    "cancelar": "Pausar (sus respuestas quedan guardadas)",
    "mis_datos": "Sus datos personales (Ley 1581 de 2012)",
    "retirar_consentimiento": "Retirar su autorización de datos",
    "cambiar": "Pasar a otro de sus clústeres",
    "dejar": "Dejar un clúster",
    "compartir": "Invitar a un colega a responder con usted",
}
HELP = (
    "<b>Cómo funciona</b>\n\n"
    "• Responda una pregunta a la vez: con los botones o escribiendo la cifra.\n"
    "• Las cifras se escriben como en Colombia: 457.000.000, 1,5 millones o 12,5%.\n"
    "• En una pregunta de opciones puede escribir su número; si admite varias, sus números "
    "separados por comas, por ejemplo 1, 3, 5.\n"
    "• «⬅️ Atrás» vuelve a la pregunta anterior; sus respuestas quedan guardadas siempre.\n"
    "• Al final verá un resumen para revisar y enviar, y recibirá su gráfica de araña.\n"
    "• Después de enviar, /revisar muestra lo enviado; «Corregir mis respuestas» lo reabre "
    "mientras la medición esté abierta, y lo enviado sigue contando hasta que envíe de nuevo.\n"
    "• Si responde por varias iniciativas, cada una tiene sus propias respuestas, recordatorios "
    "y resultados, y cada pregunta dice de cuál es: /cambiar muestra sus clústeres y pasa a "
    "otro; /dejar deja uno.\n\n"
    "Comandos: /continuar, /revisar, /resultado, /cancelar (pausar), /cambiar, /dejar, "
    "/mis_datos, /retirar_consentimiento."
)
UNKNOWN_COMMAND = "No conozco ese comando. Escriba /ayuda para ver los disponibles."
INTERNAL_ERROR = (
    "Tuvimos un problema al procesar su mensaje; sus respuestas están guardadas. "
    "Intente de nuevo en un momento."
)


PLAIN_GATE = "{mark} {label}"


# --- counts in words (plural and zero) --------------------------------------------------------


def questions(n: int) -> str:
    """'1 pregunta', '3 preguntas' (bold where the caller puts it)."""
    return f"{n} pregunta" if n == 1 else f"{n} preguntas"


def missing(n: int) -> str:
    """The start of a sentence: 'Falta 1 pregunta', 'Faltan 3 preguntas'."""
    return f"Falta {questions(n)}" if n == 1 else f"Faltan {questions(n)}"


def left_of(left: int, total: int) -> str:
    """'le falta <b>1 de 41 preguntas</b>', 'le faltan <b>3 de 41 preguntas</b>'."""
    verb = "falta" if left == 1 else "faltan"
    return f"le {verb} <b>{left} de {questions(total)}</b>"


def minutes(n: int) -> str:
    """About how long: 'un minuto', 'unos 5 minutos'."""
    return "un minuto" if n <= 1 else f"unos {n} minutos"


def marks(n: int) -> str:
    return "su otra marca" if n == 1 else f"sus otras {n} marcas"


# --- evidence files -------------------------------------------------------------------------

BTN_EVIDENCE = "📎 Adjuntar evidencia"
EVIDENCE_OFFER = (
    "Si tiene {what}, puede adjuntarlo como evidencia: la Red lo usa para validar el resultado "
    "(es opcional)."
)
EVIDENCE_TOAST = "Envíe el archivo"
EVIDENCE_SEND = (
    "Envíe ahora {what} como archivo (PDF, DOCX, XLSX, JPG o PNG; hasta {max} MB). "
    "Sus respuestas no cambian."
)
EVIDENCE_KEPT = "✔️ Evidencia recibida: {name} ({size} MB). Gracias."
EVIDENCE_NOT_AWAITED = (
    "Para adjuntar un archivo como evidencia, pulse «📎 Adjuntar evidencia» después de "
    "responder la pregunta a la que corresponde. No guardé este archivo."
)
EVIDENCE_TOO_BIG = "El archivo pesa más de {max} MB, el máximo que puedo recibir. No lo guardé."
EVIDENCE_TYPE = "Solo puedo guardar archivos PDF, DOCX, XLSX, JPG o PNG. No guardé este archivo."
EVIDENCE_FAILED = "No pude descargar el archivo de Telegram. Envíelo de nuevo, por favor."
