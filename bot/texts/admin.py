"""Spanish texts for the network's admins (Telegram admin commands and the ``ssme`` CLI).

The functions at the end word what ``bot.services`` returns; this module imports nothing of
``bot.services`` at run time.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from datetime import datetime, tzinfo
from html import escape
from typing import TYPE_CHECKING

from babel.dates import format_date

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
    "• Con un ajuste pedido por la Red, pendiente: {correction_requested}\n"
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
    "participacion": "Participación y pendientes; filtros: /participacion huila en_curso",
    "invitar": "Enlace de invitación para un clúster",
    "invitaciones": "CSV de enlaces para clústeres sin gestor",
    "importar": "Cargar el registro de clústeres (CSV)",
    "solicitudes": "Solicitudes de datos personales pendientes",
    "cluster": "Un clúster de un vistazo: /cluster ID (botones: pedir ajuste, corregir)",
    "clusters": "Clústeres y su estado, con filtros",
    "revision": "Respuestas por revisar, las que tienen alertas primero",
    "corregir": "Corregir una respuesta enviada: /corregir ID PREGUNTA VALOR | motivo",
    "pedir_ajuste": "Pedir al gestor que revise respuestas: /pedir_ajuste ID PREGUNTA… | nota",
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
        "pida la corrección al gestor."
    ),
    "evidence_too_big": "El archivo pesa más de {max} MB, el máximo que puedo recibir.",
    "evidence_no_folder": "Esta base de datos está en memoria: no hay carpeta para archivos.",
    "evidence_type": "Solo puedo guardar archivos PDF, DOCX, XLSX, JPG o PNG.",
    "ask_no_questions": "Diga qué preguntas debe revisar el gestor (sus ids, como en la exportación).",
    "cluster_suggest": "El clúster «{cluster}» no está en el registro. ¿Quiso decir {suggestions}?",
    "bad_cluster_filter": (
        "«{word}» no es un departamento, un sector ni un estado de la lista. Estados: "
        "sin_gestor, aviso_pendiente, sin_empezar, en_curso, enviada."
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
    # branch i16c: aimed reminders, invitations from a CSV
    "aim_bad_state": (
        "«{value}» no es un estado: use sin_empezar, en_curso o ajuste_pedido "
        "(o not_started, in_progress, correction_requested)."
    ),
    "aim_bad_department": "«{value}» no es un departamento del registro. Departamentos: {known}.",
    "aim_bad_sector": "«{value}» no es un sector del registro. Sectores: {known}.",
    "aim_bad_word": (
        "«{word}» no es un departamento, un sector, un clúster ni un estado (sin_empezar, "
        "en_curso, ajuste_pedido)."
    ),
    "invite_csv": "{file}, línea {line}, {field}: {reason}",
    "invite_csv_file": "{file}: {reason}. No se creó ninguna invitación.",
    "invite_csv_lines": "{problems}\nNo se creó ninguna invitación ni se escribió el archivo de enlaces.",
    "invite_no_username": (
        "Falta SSME_BOT_USERNAME (el usuario del bot, sin @): sin él los enlaces no sirven. "
        "No se creó ninguna invitación."
    ),
    "invite_output": "No se puede escribir {file}: {reason}. No se creó ninguna invitación.",
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
    title = PARTICIPATION_TITLE.format(campaign=report.campaign.campaign_id)
    if report.aim:
        title += AIM_TITLE.format(words=escape(" ".join(report.aim.words())))
    blocks = [
        title,
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
            status=ASKED_LABEL
            if s.cluster_id in report.asked
            else status_label(s, closed=report.campaign.state == "closed"),
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


# --- branch i16c: aimed reminders, clusters without a manager, invitations from a CSV --------

AIM_TITLE = " · filtro: <i>{words}</i>"
ASKED_LABEL = "ajuste pedido por la Red, pendiente"
NO_MANAGER_TITLE = (
    "<b>Sin gestor registrado ({n}):</b> no reciben recordatorios; búsquelos por fuera de "
    "Telegram con su enlace de invitación (ssme invite --all-without-manager)."
)
NO_MANAGER_LINE = "• {name} ({department}, {id}) — {invitation}"
INVITATION_OPEN = "invitación vigente hasta el {date}"
INVITATION_EXPIRED = "la invitación venció el {date}"
INVITATION_NONE = "sin invitación"
DATE_FORMAT = "d 'de' MMMM 'de' y"  # 4 de enero de 2027
BTN_REMIND_AIMED = "Recordar a este filtro ahora"
BTN_ALL = "Quitar el filtro"
BTN_ONLY_STATE = {  # one row under /participacion: short, so they fit a phone's width
    "not_started": "🔎 Sin empezar",
    "in_progress": "🔎 En curso",
    "correction_requested": "🔎 Ajuste pedido",
}
AIM_HINT = (
    "\n<i>🔎 Para filtrar la lista y el botón «Recordar», pulse un estado o escriba "
    "/participacion seguido de departamento, sector, id de clúster o estado (sin_empezar, "
    "en_curso, ajuste_pedido), por ejemplo: /participacion huila en_curso</i>"
)
AIM_TOO_LONG = (
    "<i>El filtro es muy largo para un botón: escriba el inicio de los nombres (por ejemplo "
    "«valle» en lugar de «valle del cauca») o use ssme remind.</i>"
)
REMIND_AIMED_RESULT = (
    "Recordatorios enviados{aim}: {sent}; fallidos: {failed}; sin contacto (bloquearon el "
    "bot): {unreachable}."
)
REMIND_AIM = " ({words})"
REMIND_SKIPPED = "No lo recibieron ahora ({n}), según la política de recordatorios: {why}."
REMIND_NONE_SKIPPED = "Nadie más del filtro quedó pendiente."
REMIND_NO_MANAGER = "Sin gestor registrado, no se les puede recordar: {n}."
SKIP_REASON = "{n} {why}"
# Why a manager was not reminded now, for the counts after «Recordar» (a policy's reason code).
SKIP_REASONS: Mapping[str, str] = {
    "submitted": "ya enviaron",
    "correcting": "tienen una corrección abierta (solo les llega el último aviso)",
    "opted_out": "pidieron no recibir más",
    "unreachable": "bloquearon el bot",
    "snoozed": "pidieron que se les recordara más tarde",
    "max_reached": "ya recibieron el máximo de recordatorios",
    "reserved": "tienen guardado el último aviso para el cierre",
    "last_call_sent": "ya recibieron el último aviso",
    "first_after": "se registraron hace poco",
    "draft_active": "respondieron hace poco",
    "follow_up_after": "se les pidió el ajuste hace poco",
    "follow_up_max": "ya recibieron los recordatorios del ajuste pedido",
    "min_gap": "recibieron uno hace poco",
    "outside_hours": "es fuera del horario de envío",
    "campaign_not_open": "la medición no está abierta",
    "before_open": "la medición aún no abre",
    "closed": "la medición ya cerró",
    "closing": "la medición está por cerrar",
}


def skipped_text(skipped: Mapping[str, int]) -> str:
    """The managers not reminded now, by why: "3 ya enviaron, 2 recibieron uno hace poco"."""
    n = sum(skipped.values())
    if not n:
        return REMIND_NONE_SKIPPED
    why = ", ".join(
        SKIP_REASON.format(n=k, why=SKIP_REASONS.get(code, code))
        for code, k in sorted(skipped.items(), key=lambda item: (-item[1], item[0]))
    )
    return REMIND_SKIPPED.format(n=n, why=why)


def invitation_state(expires_at: datetime | None, now: datetime, tz: tzinfo) -> str:
    if expires_at is None:
        return INVITATION_NONE
    date = format_date(expires_at.astimezone(tz), DATE_FORMAT, locale="es_CO")
    return (INVITATION_OPEN if expires_at > now else INVITATION_EXPIRED).format(date=date)


def no_manager_blocks(report: Participation, now: datetime, tz: tzinfo) -> list[str]:
    """The active clusters without a manager, each with its invitation's state (HTML)."""
    found = report.without_manager
    if not found:
        return []
    lines = [
        NO_MANAGER_LINE.format(
            name=escape(s.nombre),
            department=escape(s.departamento),
            id=escape(s.cluster_id),
            invitation=invitation_state(expires, now, tz),
        )
        for s, expires in found
    ]
    title = "\n" + NO_MANAGER_TITLE.format(n=len(found))
    return [title + "".join(f"\n{line}" for line in lines[:1]), *lines[1:]]


INVITE_CSV_ENCODING = "no está en UTF-8 (guárdelo como «CSV UTF-8» en Excel)"
INVITE_CSV_EMPTY = "está vacío"
INVITE_CSV_UNKNOWN = "el clúster «{cluster}» no está en el registro"
INVITE_CSV_INACTIVE = "el clúster «{cluster}» no está activo (estado: {estado})"
INVITE_CSV_REPEATED = "el clúster ya está en la línea {line}"
INVITE_CSV_CONTACT = (
    "el nombre de contacto es muy largo o tiene saltos de línea (máximo {max} caracteres)"
)
INVITE_CSV_MORE = "… y {n} problemas más."
INVITE_CSV_NO_ROWS = "no tiene filas de clústeres (columnas: cluster_id y, si quiere, contacto)"
INVITE_SHEET_DONE = (
    "{n} invitaciones creadas (un solo uso, vencen el {expires}). Enlaces para la combinación "
    "de correspondencia: {file}"
)
INVITE_SHEET_NONE = "No hay clústeres que invitar: no se creó nada."

INVITE_DESCRIPTION = (
    "Crea invitaciones de un solo uso: para un clúster (CLUSTER_ID), para los de un CSV "
    "(--csv) o para todos los activos sin gestor (--all-without-manager); en los dos últimos "
    "casos escribe un CSV de enlaces para combinar correspondencia (--output; por omisión "
    "invitaciones-FECHA-HORA.csv en la carpeta actual)."
)
INVITE_CSV_HELP = (
    "CSV con la columna cluster_id y, si quiere, contacto (nombre de la persona); con ese "
    "encabezado, o sin él en ese orden; separado por «,» o «;»"
)
INVITE_ALL_HELP = "una invitación para cada clúster activo sin gestor registrado (sin archivo)"
INVITE_OUTPUT_HELP = (
    "dónde escribir el CSV de enlaces (por omisión invitaciones-FECHA-HORA.csv en la carpeta "
    "actual)"
)
INVITE_ONE_MODE = (
    "indique un CLUSTER_ID, --csv ARCHIVO o --all-without-manager (uno solo de los tres)"
)
INVITE_HAS_MANAGER = (
    "{n} de estos clústeres ya tienen gestor registrado ({ids}): quien use su enlace quedará "
    "como gestor en su lugar"
)
INVITE_NO_FOLDER = "la carpeta no existe o no se puede escribir en ella"
INVITE_IS_FOLDER = "es una carpeta; indique un nombre de archivo"
REMIND_FLAGS_HELP = {
    "department": "solo este departamento (basta el inicio del nombre; se puede repetir)",
    "sector": "solo este sector (basta el inicio del nombre; se puede repetir)",
    "cluster": "solo este clúster (su id; se puede repetir)",
    "state": (
        "solo este estado: sin_empezar, en_curso o ajuste_pedido (también not_started, "
        "in_progress, correction_requested; se puede repetir)"
    ),
}
REMIND_AIMED = "Filtro «{words}»: {n} clústeres activos."
REMIND_AIM_NOBODY = "Nadie del filtro tiene gestor registrado: no hay a quién recordar."
