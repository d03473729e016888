"""Spanish texts for a person's several clusters (issue 16): /cambiar, /dejar, a second
invitation, a manager replaced, a button of a cluster the person does not hold."""

# A press whose cluster the person does not hold (any more): a toast (at most 200 characters).
NOT_HELD = "Ese botón es de un clúster que usted ya no tiene en este bot."
# A button from before buttons named their cluster, while the person holds several.
WHICH_CLUSTER = "Ese botón es de un mensaje anterior. Use /cambiar para elegir el clúster."
# A press on a message of another of the person's clusters moved them there.
SWITCHED = "Ahora está en <b>{cluster}</b>. Para volver a otro clúster, use /cambiar."

# --- a second invitation ---------------------------------------------------------------------

SEVERAL = (
    "Ahora responde por {n} clústeres: {names}. Cada uno tiene sus propias respuestas, "
    "recordatorios y resultados, y cada pregunta dice de cuál es. Está en <b>{cluster}</b>; "
    "para pasar a otro, use /cambiar."
)
CONSENT_CARRIED = (
    "Ya aceptó el aviso de tratamiento de datos personales (versión {version}) para otro "
    "clúster: vale también para este, pues se trata de los mismos datos suyos. Puede retirar "
    "su autorización cuando quiera con /retirar_consentimiento."
)

# --- a manager replaced by a new invitation (item 3) ----------------------------------------

REPLACED = (
    "La Red Clúster Colombia registró a otra persona como gestora de <b>{cluster}</b> con una "
    "invitación nueva. Desde ahora usted ya no es el gestor de esa iniciativa en este bot y no "
    "recibirá más mensajes sobre ella. Las respuestas que dio quedan guardadas con la "
    "iniciativa. Si cree que es un error, escriba a la Red Clúster Colombia."
)

# --- /cambiar --------------------------------------------------------------------------------

CHOOSE_TITLE = "<b>Sus clústeres</b>"
CHOOSE_LINE = "{mark} {cluster}{role}: {state}"
CHOOSE_FOOTER = "Está en el marcado con ▶️. Elija con cuál seguir:"
HERE = "▶️"
ELSEWHERE = "•"
ONLY_ONE = (
    "Usted responde por un solo clúster: <b>{cluster}</b> ({state}). Si recibe otra "
    "invitación, ábrala y podrá pasar de uno a otro con /cambiar."
)
NONE = (
    "No está registrado en ningún clúster. Abra el enlace de invitación que le envió la Red "
    "Clúster Colombia."
)
COLLABORATOR = " (colaborador)"
BTN_CLUSTER = "{cluster} · {state}"
# A cluster's state in /cambiar.
NOT_STARTED = "sin empezar"
PROGRESS = "{k} de {n} preguntas"
SENT = "enviada"
APPROVED = "enviada y aprobada"
ADJUST = "ajuste pedido"
CORRECTING = "corrección abierta"
CONSENT_PENDING = "falta aceptar el aviso de datos"
NO_CAMPAIGN = "sin medición abierta"
CLOSED = "medición cerrada"
ALREADY_HERE = "Ya está en ese clúster."

# --- /dejar ----------------------------------------------------------------------------------

LEAVE_PICK = "<b>Dejar un clúster</b>\n\n¿Cuál quiere dejar?"
BTN_LEAVE_PICK = "{cluster}"
LEAVE_ASK = (
    "<b>Dejar {cluster}</b>\n\n"
    "Si lo deja:\n"
    "• no recibirá más mensajes ni recordatorios de esta iniciativa, y ya no verá aquí sus "
    "respuestas ni sus resultados;\n"
    "• las respuestas que dio se conservan: son información de la iniciativa;\n"
    "{manager}"
    "• para volver necesitará una invitación nueva de la Red Clúster Colombia.\n\n"
    "¿Lo deja?"
)
LEAVE_MANAGER = (
    "• la iniciativa queda sin gestor registrado en el bot hasta que la Red invite a otra "
    "persona (la Red lo ve en la participación);\n"
)
BTN_LEAVE = "Sí, dejar {cluster}"
LEFT = "Listo: ya no está en <b>{cluster}</b>."
LEFT_NOW_ON = "Sigue en <b>{cluster}</b>; /cambiar muestra sus otros clústeres."
LEFT_NONE = "Ya no tiene clústeres en este bot. Si recibe una invitación nueva, ábrala para volver."
