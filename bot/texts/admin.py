"""Spanish texts for the network's admins (Telegram admin commands and the ``ssme`` CLI)."""

UNKNOWN_CAMPAIGN = "No existe la medición «{id}». Mediciones: {known}."
NO_CAMPAIGNS = "Aún no hay mediciones. Créela con: ssme campaign create"
BAD_FORMAT = "Formato «{fmt}» no reconocido: use xlsx o csv."
EXPORT_TITLE = "SSME Red Clúster Colombia — medición {campaign}"
NOTHING_IMPORTED = "No se importó nada: corrija las filas rechazadas y envíe el archivo de nuevo."
CLUSTERS_IMPORTED = "✔️ {n} clústeres importados o actualizados."
RESPONSES_IMPORTED = "✔️ {n} respuestas importadas en la medición {campaign}, con sus puntajes."
ALREADY_ANSWERED = "línea {line}: el clúster {cluster} ya tiene respuesta en esta medición."
UNKNOWN_CLUSTER = "El clúster «{cluster}» no está en el registro."

PARTICIPATION_TITLE = "<b>Participación — medición {campaign}</b>"
PARTICIPATION_COUNTS = (
    "Clústeres activos: <b>{registered}</b>\n"
    "• Sin gestor registrado: {no_manager}\n"
    "• No han empezado: {not_started}\n"
    "• En progreso: {draft}\n"
    "• Enviados: <b>{submitted}</b>\n"
    "• Sin contacto (bloquearon el bot): {unreachable}\n"
    "• No quieren más recordatorios: {opted_out}"
)
BY_DEPARTMENT = "<b>Por departamento</b>"
BY_SECTOR = "<b>Por sector</b>"
GROUP_LINE = (
    "• {name}: {submitted}/{registered} enviados · {draft} en progreso · {not_started} sin empezar"
    " · {no_manager} sin gestor · {unreachable} sin contacto · {opted_out} sin recordatorios"
)
PENDING_TITLE = "<b>Aún no han enviado ({n}):</b>"
PENDING_LINE = "• {name} ({department}) — {status}"
STATUS_LABELS = {
    "no_manager": "sin gestor",
    "not_started": "no ha empezado",
    "draft": "en progreso",
    "submitted": "enviado",
}

# Telegram admin commands.
ADMIN_COMMANDS = {
    "resumen": "Resumen ejecutivo de la medición",
    "exportar": "Datos de la medición (XLSX; «/exportar csv» para CSV)",
    "participacion": "Participación y pendientes",
    "invitar": "Enlace de invitación para un clúster",
    "invitaciones": "CSV de enlaces para clústeres sin gestor",
    "importar": "Cargar el registro de clústeres (CSV)",
    "solicitudes": "Solicitudes de datos personales pendientes",
}
IMPORT_HOW = (
    "Envíe el registro de clústeres como <b>documento CSV</b> con el texto /importar en el "
    "mensaje (columnas: cluster_id, nombre, departamento, sector, entidad_gestora, "
    "entidad_gestora_tipo, estado y, si quiere, municipio, subsector, anio_creacion)."
)
IMPORT_TOO_BIG = "El archivo es muy grande (máximo {max} MB)."
INVITE_USAGE = "Escriba el id del clúster, por ejemplo: /invitar cafe_huila"
INVITE_LINK = "Invitación para <b>{cluster}</b> (un solo uso, vence en 30 días):\n{link}"
INVITATIONS_NONE = "Todos los clústeres activos ya tienen gestor registrado."
INVITATIONS_DONE = "Enlaces de invitación para {n} clústeres sin gestor."
SUMMARY_WORKING = "Preparando el resumen…"
EXPORT_CAPTION = "Datos de la medición {campaign}: registro, respuestas, puntajes y formato largo."
BTN_REMIND_ALL = "Enviar recordatorio ahora"
REMIND_RESULT = (
    "Recordatorios enviados: {sent}; fallidos: {failed}; sin contacto: {unreachable}. "
    "{skipped} pendientes no lo recibieron ahora (enviaron, lo pausaron, recibieron uno hace poco "
    "o es fuera del horario de envío)."
)
CHART_CAPTIONS = {
    "levels": "Distribución por nivel",
    "areas": "Promedio por área",
    "sectors": "Respondientes por sector",
    "departments": "Respondientes por departamento",
}
