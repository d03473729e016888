"""Spanish texts for the network's admins (Telegram admin commands and the ``ssme`` CLI).

The functions at the end word what ``bot.services`` returns; this module imports nothing of
``bot.services`` at run time.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from html import escape
from typing import TYPE_CHECKING

from bot.texts.personal_data import ERASED_UNKNOWN

if TYPE_CHECKING:
    from bot.services.errors import ServiceError
    from bot.services.imports import RegistryImport, ResponsesImport
    from bot.services.participation import Participation
    from bot.storage import ClusterState

UNKNOWN_CAMPAIGN = "No existe la medición «{id}». Mediciones: {known}."
NO_CAMPAIGNS = "Aún no hay mediciones. Créela con: ssme campaign crear"
BAD_FORMAT = "Formato «{fmt}» no reconocido: use xlsx o csv."
EXPORT_TITLE = "SSME Red Clúster Colombia — medición {campaign}"
EXPORT_ALL = "todas las mediciones"
NOTHING_IMPORTED = "No se importó nada: corrija las filas rechazadas y envíe el archivo de nuevo."
CLUSTERS_IMPORTED = "✔️ {n} clústeres importados o actualizados."
RESPONSES_IMPORTED = "✔️ {n} respuestas importadas en la medición {campaign}, con sus puntajes."
ALREADY_ANSWERED = "línea {line}: el clúster {cluster} ya tiene respuesta en esta medición."
UNKNOWN_CLUSTER = "El clúster «{cluster}» no está en el registro."

PARTICIPATION_TITLE = "<b>Participación — medición {campaign}</b>"
PARTICIPATION_COUNTS = (
    "Clústeres activos: <b>{registered}</b>\n"
    "• Sin gestor registrado: {no_manager}\n"
    "• Invitación aceptada, aviso de datos pendiente: {consent_pending}\n"
    "• No han empezado: {not_started}\n"
    "• En progreso: {draft}\n"
    "• Enviados: <b>{submitted}</b>\n"
    "• Con una corrección abierta (cuenta lo enviado): {correcting}\n"
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
CONTINUED = "{title} <i>(continuación)</i>"
PAGE_FOOTER = "<i>Página {n} de {total}</i>"
BTN_PREVIOUS = "◀️ Anterior"
BTN_NEXT = "Siguiente ▶️"
PENDING_LINE = "• {name} ({department}) — {status}"
STATUS_LABELS = {
    "no_manager": "sin gestor",
    "consent_pending": "invitación aceptada, aviso de datos pendiente",
    "not_started": "no ha empezado",
    "draft": "en progreso",
    "submitted": "enviado",
}

# Telegram admin commands.
ADMIN_COMMANDS = {
    "resumen": "Resumen ejecutivo de la medición",
    "exportar": "Datos de la medición (XLSX; «/exportar csv», «/exportar todas»)",
    "participacion": "Participación y pendientes",
    "invitar": "Enlace de invitación para un clúster",
    "invitaciones": "CSV de enlaces para clústeres sin gestor",
    "importar": "Cargar el registro de clústeres (CSV)",
    "solicitudes": "Solicitudes de datos personales pendientes",
    "cluster": "Un clúster de un vistazo: /cluster ID (botones: pedir ajuste, corregir)",
    "clusters": "Clústeres y su estado, con filtros",
    "revision": "Respuestas por revisar, las que tienen alertas primero",
    "corregir": "Corregir una respuesta enviada: /corregir ID PREGUNTA VALOR | motivo",
    "pedir_ajuste": "Pedir al gerente que revise respuestas: /pedir_ajuste ID PREGUNTA… | nota",
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
EXPORT_CAPTION = (
    "Datos para analistas ({campaign}): diccionario, registro, respuestas, puntajes y formato "
    "largo."
)
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

# Why a request was refused, by ``ServiceError.code``; the CLI words some of them its own way.
ERRORS: Mapping[str, str] = {
    "unknown_campaign": UNKNOWN_CAMPAIGN,
    "no_campaigns": NO_CAMPAIGNS,
    "bad_format": BAD_FORMAT,
    "unknown_cluster": UNKNOWN_CLUSTER,
    "no_result": "El clúster «{cluster}» no tiene una respuesta enviada en la medición {campaign}.",
    "unknown_request": ERASED_UNKNOWN,
    "no_such_campaign": "no existe la medición {id}",
    "campaign_exists": "la medición {id} ya existe",
    "campaign_dates": "la fecha de cierre debe ser posterior a la de apertura",
    "bad_date": "«{value}» no es una fecha AAAA-MM-DD ni una fecha-hora AAAA-MM-DDTHH:MM",
    "review_not_submitted": (
        "El clúster {cluster} no tiene respuestas enviadas en la medición {campaign}: no hay nada "
        "que revisar."
    ),
    "correct_no_reason": "Escriba el motivo de la corrección (queda en el historial).",
    "correct_long_reason": "El motivo es muy largo: máximo {max} caracteres.",
    "correct_unknown_question": "«{question}» no es una pregunta del cuestionario.",
    "correct_bad_value": "{question}: {reason}",
    "correct_ambiguous": (
        "{question}: «{value}» se puede leer de más de una forma; escriba el número completo."
    ),
    "correct_inconsistent": "{question}: {reason}",
    "correct_opens_questions": (
        "Con ese valor de {question} la pregunta {opened} pasa a aplicar y no tiene respuesta: "
        "pida la corrección al gerente."
    ),
    "evidence_too_big": "El archivo pesa más de {max} MB, el máximo que puedo recibir.",
    "evidence_no_folder": "Esta base de datos está en memoria: no hay carpeta para archivos.",
    "evidence_type": "Solo puedo guardar archivos PDF, DOCX, XLSX, JPG o PNG.",
    "ask_no_questions": "Diga qué preguntas debe revisar el gerente (sus ids, como en la exportación).",
    "cluster_suggest": "El clúster «{cluster}» no está en el registro. ¿Quiso decir {suggestions}?",
    "bad_cluster_filter": (
        "«{word}» no es un departamento, un sector ni un estado de la lista. Estados: "
        "sin_gerente, aviso_pendiente, sin_empezar, en_curso, enviada."
    ),
    "campaign_other_open": (
        "la medición {other} está abierta: ciérrela antes de abrir {id} (solo una a la vez)"
    ),
    "campaign_reopen": (
        "la medición {id} ya cerró; para reabrirla a propósito use --force (queda en la bitácora)"
    ),
    "campaign_extend_earlier": (
        "extend solo mueve el cierre de la medición {id} a una fecha posterior a la actual"
    ),
    "campaign_closed_extend": "la medición {id} ya cerró: no se puede extender",
    # branch i13r: the desk's buttons under /cluster
    "desk_stale": "Ese botón ya no está activo: abra de nuevo /cluster para empezar.",
    "desk_pick_none": "Marque al menos una pregunta antes de «Listo».",
}
CLI_ERRORS: Mapping[str, str] = {
    **ERRORS,
    "unknown_cluster": "el clúster «{cluster}» no está en el registro (ssme import-clusters)",
}


def error(exc: ServiceError, *, cli: bool = False) -> str:
    """The refusal in Spanish, for Telegram (plain text, escape it for HTML) or the CLI."""
    return (CLI_ERRORS if cli else ERRORS)[exc.code].format(**exc.params)


def participation_blocks(report: Participation) -> list[str]:
    """The counts, then by department and by sector (HTML), as blocks a page never splits."""
    blocks = [
        PARTICIPATION_TITLE.format(campaign=report.campaign.campaign_id),
        # format_map, not format(**…): a Counter gives 0 for a state nobody is in.
        PARTICIPATION_COUNTS.format_map(report.counts()),
    ]
    for field, title in (("departamento", BY_DEPARTMENT), ("sector", BY_SECTOR)):
        groups = [
            GROUP_LINE.format_map(ChainMap({"name": escape(name)}, group))
            for name, group in report.by(field).items()
        ]
        # The title goes with the first line, so a page never ends on a title.
        blocks += [f"\n{title}" + "".join(f"\n{g}" for g in groups[:1]), *groups[1:]]
    return blocks


def participation_text(report: Participation) -> str:
    """The counts, then by department and by sector (HTML)."""
    return "\n".join(participation_blocks(report))


def pending_blocks(report: Participation) -> list[str]:
    """Everyone who has not submitted yet, one line each, under a title (HTML)."""
    pending = report.pending
    lines = [
        PENDING_LINE.format(
            name=escape(s.nombre),
            department=escape(s.departamento),
            status=status_label(s, closed=report.campaign.state == "closed"),
        )
        for s in pending
    ]
    title = "\n" + PENDING_TITLE.format(n=len(pending))
    return [title + "".join(f"\n{line}" for line in lines[:1]), *lines[1:]]


def status_label(state: ClusterState, *, closed: bool = False) -> str:
    """Where a cluster stands, for the pending list; a draft after the close is "sin enviar"
    with its progress."""
    if closed and state.status == "draft":
        return UNSENT.format(n=state.answered)
    return STATUS_LABELS.get(state.status, state.status)


def registry_import_text(result: RegistryImport) -> str:
    """What was checked, then what was imported or that nothing was (plain text)."""
    outcome = CLUSTERS_IMPORTED.format(n=result.imported) if result.ok else NOTHING_IMPORTED
    return f"{result.parsed.report(max_errors=30)}\n{outcome}"


def responses_import_text(result: ResponsesImport) -> str:
    """The clusters that already answered, what was checked, then the outcome (plain text)."""
    lines = [ALREADY_ANSWERED.format(line=r.line, cluster=r.cluster_id) for r in result.clashes]
    lines.append(result.parsed.report(max_errors=30))
    lines.append(
        RESPONSES_IMPORTED.format(n=result.imported, campaign=result.campaign_id)
        if result.ok
        else NOTHING_IMPORTED
    )
    return "\n".join(lines)


REVIEW_LINE = (
    "Revisión de las respuestas: {aprobada} aprobadas, {pendiente} en revisión, "
    "{requiere_ajuste} con ajuste pedido."
)
REVIEW_LINE_APPROVED_ONLY = " Estas cifras cuentan solo las aprobadas."


def review_line(counts: Mapping[str, int], *, approved_only: bool = False) -> str:
    """The summary's line on the analysts' review ("82 aprobadas, 14 en revisión, 4 con…")."""
    line = REVIEW_LINE.format_map(
        {k: counts.get(k, 0) for k in ("aprobada", "pendiente", "requiere_ajuste")}
    )
    return line + (REVIEW_LINE_APPROVED_ONLY if approved_only else "")


# --- branch i12b: campaigns' rules, participation after the close ---------------------------

FORCE_HELP = "reabre una medición ya cerrada (queda en la bitácora)"
UNSENT = "sin enviar ({n} respuestas guardadas)"
# ``ssme check``: a state that breaks the campaign rules (bot.services.campaigns.problems).
CAMPAIGN_PROBLEMS: Mapping[str, str] = {
    "several_open": (
        "hay {n} mediciones abiertas a la vez ({ids}): el bot atiende solo la más reciente y los "
        "borradores de las otras quedan sin atender; cierre las que sobran con "
        "ssme campaign close ID"
    ),
    "closes_before_opens": "la medición {ids} cierra antes de abrir: corríjala con ssme campaign extend",
}


def campaign_problem(code: str, campaigns: tuple[str, ...]) -> str:
    return CAMPAIGN_PROBLEMS[code].format(n=len(campaigns), ids=", ".join(campaigns))
