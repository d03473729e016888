"""Spanish texts for personal data requests (Ley 1581 de 2012, habeas data)."""

NONE = "No tenemos datos personales suyos registrados en este bot."
SUMMARY = (
    "<b>Sus datos personales en el bot del SSME</b>\n\n"
    "• Usuario de Telegram: {user_id}\n"
    "• Nombre: {name}\n"
    "{clusters}"
    "• Acciones registradas en la bitácora: {audit}\n\n"
    "Las respuestas del cuestionario son información de la iniciativa clúster (no datos "
    "personales suyos) y se conservan para la medición.\n\n"
    "Puede pedir que eliminemos sus datos personales: dejará de ser el gestor registrado y "
    "no recibirá más mensajes. La Red atenderá su solicitud dentro de los 15 días hábiles "
    "que fija la ley."
)
CLUSTER_LINE = "• {role} de {cluster} desde {since}; autorización de datos: {consent}\n"
ROLES = {"manager": "Gestor", "collaborator": "Colaborador"}
NO_CONSENT = "no otorgada"
PENDING = "\nYa tiene una solicitud de eliminación en trámite (número {id})."
BTN_ERASE = "Solicitar eliminación"
REQUESTED = (
    "Recibimos su solicitud de eliminación (número {id}). La Red Clúster Colombia la atenderá "
    "dentro de 15 días hábiles y se lo confirmaremos."
)
# Admins.
ADMIN_NONE = "No hay solicitudes de datos pendientes."
ADMIN_TITLE = "<b>Solicitudes de eliminación pendientes ({n})</b>"
ADMIN_LINE = "• N.º {id}: usuario {user_id}, clúster {cluster}, desde {since}"
BTN_ADMIN_ERASE = "Eliminar datos — N.º {id}"
ERASED = "Datos personales de la solicitud N.º {id} eliminados."
ERASED_UNKNOWN = "La solicitud N.º {id} no existe o ya fue atendida."
ERASED_NOTICE = (
    "Atendimos su solicitud: eliminamos sus datos personales del bot del SSME. "
    "Gracias por su participación."
)
CLI_LINE = "{id}\tusuario {user_id}\tclúster {cluster}\t{created}"

# --- the data notice: declining it, its contact line, withdrawing it (branch i12b) -----------

BTN_DECLINE = "No acepto"
# Appended to the notice (bot/texts CONSENT_NOTICE): how to exercise the rights.
CONTACT_LINE = "• <b>Contacto:</b> {contact}."
COMMANDS_LINE = (
    "• En cualquier momento: /mis_datos (qué guardamos y pedir su eliminación) y "
    "/retirar_consentimiento."
)
DECLINED = (
    "Entendido: no aceptó el aviso, así que no guardamos ningún dato suyo ni respuestas. "
    "Si cambia de opinión, abra de nuevo su enlace de invitación (o escriba el código) y "
    "acepte el aviso."
)
WITHDRAW_ASK = (
    "<b>Retirar su autorización de datos</b>\n\n"
    "Si la retira:\n"
    "• dejamos de escribirle (sin recordatorios) y no tomamos más respuestas suyas;\n"
    "• pedimos la eliminación de sus datos personales (nombre, usuario de Telegram): la Red la "
    "atiende dentro de 15 días hábiles, igual que una solicitud de /mis_datos;\n"
    "• las respuestas que el clúster ya envió se conservan: son información de la iniciativa, "
    "no datos personales suyos.\n\n"
    "¿La retira?"
)
BTN_WITHDRAW = "Sí, retirar mi autorización"
WITHDRAWN = (
    "Retiramos su autorización: no le escribiremos más. Su solicitud de eliminación es la "
    "número {id}. Si más adelante quiere participar de nuevo, pida una invitación nueva a la "
    "Red Clúster Colombia."
)
WITHDRAW_NONE = "No tiene una autorización de datos vigente en este bot."
