"""Spanish texts of collaborators (issue 16 item 2): /compartir, joining, sending, removing,
and two people answering the same question."""

from __future__ import annotations

# /compartir
NOT_MANAGER = "Solo el gestor del clúster puede invitar colaboradores y administrarlos."
LINK = (
    "Para que un colega responda con usted el formulario de <b>{cluster}</b>, envíele este "
    "enlace. Sirve una sola vez y vence el {expires}:\n{link}"
)
TEAM_TITLE = "<b>Equipo de {cluster}</b>"
TEAM_MANAGER = "Gestor: {name}"
TEAM_NOBODY = "Aún no tiene colaboradores."
TEAM_MEMBER = "• {name}"
TEAM_SENDS_MANAGER = "Envía el formulario: solo usted."
TEAM_SENDS_ALL = "Envía el formulario: usted o cualquiera de sus colaboradores."
REMOVE = "Quitar a {name}"
ALLOW_SEND = "Permitir que envíen"
ONLY_ME = "Solo yo envío"
SOMEONE = "colaborador sin nombre"
ALLOWED_TOAST = "Sus colaboradores ya pueden enviar el formulario."
ONLY_ME_TOAST = "Solo usted enviará el formulario."
REMOVED_TOAST = "Quitó a {name} del equipo."
GONE_TOAST = "Esa persona ya no está en el equipo."

# joining
JOINED = (
    "Listo: quedó registrado como colaborador de <b>{cluster}</b>, invitado por {manager}. "
    "Responde el mismo formulario que el gestor: verán dónde quedó cada uno."
)
THE_MANAGER = "el gestor"
TOLD_JOINED = (
    "👥 {name} aceptó su invitación y ya responde con usted el formulario de <b>{cluster}</b>. "
    "/compartir muestra su equipo."
)
TOLD_SENT = (
    "📨 {name} envió el formulario de <b>{cluster}</b>: IMS {ims}, nivel {level}. /resultado "
    "muestra la gráfica; «Corregir mis respuestas» en /revisar lo reabre si hace falta."
)

# removed
REMOVED = (
    "{manager} lo quitó como colaborador de <b>{cluster}</b>. Ya no puede ver ni responder "
    "su formulario; lo que respondió queda guardado."
)

# sending
ONLY_MANAGER_SENDS_SHORT = "Solo el gestor puede enviar."
ONLY_MANAGER_SENDS = (
    "Solo el gestor del clúster ({manager}) puede enviar el formulario. Avísele que está listo; "
    "si prefiere, puede permitir que sus colaboradores lo envíen con /compartir."
)

# where the others left off (on resuming)
TEAM_LEFT_OFF = "👥 Responden este formulario: {people}."
LEFT_OFF = "{name} respondió por última vez «{question}» ({when})."
NOT_YET = "{name} aún no ha respondido."
YOU = "usted"

# two people on the same question
OVERTAKEN = (
    "⚠️ {name} respondió «{question}» mientras usted la tenía en pantalla ({old}). Quedó su "
    "respuesta ({new}); la de {name} queda en el historial."
)
