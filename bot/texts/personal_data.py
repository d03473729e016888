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
CLUSTER_LINE = "• Gestor de {cluster} desde {since}; autorización de datos: {consent}\n"
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
