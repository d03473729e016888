"""Spanish texts of the analyst's desk: ``/cluster``, ``/clusters`` and ``ssme cluster``.

The functions word what ``bot.services.desk`` returns (HTML for Telegram; the CLI strips the
tags); this module imports nothing of ``bot.services`` at run time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING

from bot.texts import SECTOR_LABELS

if TYPE_CHECKING:
    from bot.questionnaire.model import Questionnaire
    from bot.services.corrections import Correction
    from bot.services.desk import ClusterList, ClusterView, Filters, HistoryLine

When = Callable[[datetime], str]

STATUS_LABELS = {
    "no_manager": "sin gestor registrado",
    "consent_pending": "invitación aceptada, aviso de datos pendiente",
    "not_started": "sin empezar",
    "draft": "en curso",
    "submitted": "enviada",
}
# The word that keeps one status after /clusters; also read without "_" and as a plural.
STATUS_FILTERS = {
    "no_manager": "sin_gestor",
    "consent_pending": "aviso_pendiente",
    "not_started": "sin_empezar",
    "draft": "en_curso",
    "submitted": "enviada",
}
STATUS_WORDS = {
    form: status
    for status, word in STATUS_FILTERS.items()
    for form in (word, word.replace("_", ""), word + "s")
} | {"sin_gerente": "no_manager", "singerente": "no_manager"}  # the word of session 3

CLUSTER_USAGE = (
    "Escriba el identificador del clúster, por ejemplo: /cluster cafe_huila\n"
    "Para ver la lista: /clusters"
)
TITLE = "🔎 <b>{name}</b> · <code>{id}</code>"
REGISTRY = (
    "{departamento}{municipio} · {sector}\n"
    "Entidad gestora: {gestora} ({tipo}){creado}\n"
    "Estado en el registro: {estado}"
)
MANAGER = '👤 Gestor: {name} · <a href="tg://user?id={user_id}">escribirle</a> ({user_id})'
MANAGER_UNREACHABLE = "⚠️ no recibe mensajes del bot (lo bloqueó o borró el chat)"
MANAGER_CONSENT = "aviso de datos aceptado el {when}"
MANAGER_NO_CONSENT = "aviso de datos pendiente"
NO_MANAGER = "👤 Sin gestor registrado. Invítelo con /invitar {id}"
COLLABORATORS = "👥 Colaboradores: {people}"
COLLABORATOR = '{name} · <a href="tg://user?id={user_id}">escribirle</a> ({user_id})'
STATE_TITLE = "<b>Medición {campaign}</b>: {status}"
STATE_DRAFT = "<b>Medición {campaign}</b>: en curso, {answered} de {expected} preguntas"
STATE_SUBMITTED = "<b>Medición {campaign}</b>: enviada el {when} (versión {version})"
STATE_CORRECTING = (
    "✏️ El gestor está corrigiendo sus respuestas: la versión enviada sigue contando hasta que "
    "envíe la nueva."
)
RESULT = "IMS <b>{ims}</b> · {level}"
AREA_LINE = "• {label}: {score} ({band}){change}"
CHANGE = ", {sign}{points} pts frente a {campaign}"
PREVIOUS = "Medición anterior ({campaign}): IMS {ims} · {level}"
NO_PREVIOUS = "Sin resultado en una medición anterior."
ANSWERS_TITLE = "<b>Respuestas</b> ({n})"
PLAUSIBILITY_TITLE = (
    "<b>Alertas de plausibilidad</b> (el gestor confirmó estas cifras o vienen de un archivo)"
)
ANSWER_LINE = "• {label}: {shown}"
NO_ANSWERS = "Aún no hay respuestas en esta medición."
EVIDENCE_TITLE = "<b>Evidencias</b> ({n}): pulse un archivo para recibirlo"
EVIDENCE_LINE = "• {question}: {name} ({size} MB, {when})"
NO_EVIDENCE = "Sin evidencias adjuntas."
BTN_EVIDENCE = "📎 {name}"
EVIDENCE_GONE = "Ese archivo ya no está (se borró con los datos de quien lo envió)."
HISTORY_TITLE = "<b>Historial</b> (lo más reciente primero)"
HISTORY_LINE = "• {when} · {actor} · {action}"
CHANGED = "cambió «{question}»: {old} → {new}"
NO_VALUE = "(sin respuesta)"
REASON = " — motivo: {reason}"
NO_HISTORY = "Sin historial registrado."
PHOTO_CAPTION = "{name} — medición {campaign}: IMS {ims} · {level}"

# The audit log's actions, as an analyst reads them (an unknown one is shown as it is).
ACTIONS = {
    "import_clusters": "registro importado",
    "invite": "invitación creada",
    "register": "gestor registrado con una invitación",
    "manager_replaced": "gestor reemplazado por una nueva invitación",
    "consent": "aviso de datos aceptado",
    "submit": "respuestas enviadas",
    "reopen": "respuestas reabiertas para corregir",
    "import_responses": "respuestas importadas",
    "unreachable": "el gestor dejó de recibir mensajes",
    "data_deletion_requested": "pidió borrar sus datos",
    "data_erased": "datos personales borrados",
    "correct": "respuesta corregida por un administrador (nuevo resultado)",
    "evidence_added": "evidencia adjunta",
    "review_pendiente": "revisión: pendiente",
    "review_aprobada": "revisión: aprobada",
    "review_requiere_ajuste": "revisión: ajuste pedido al gestor",
    "collaborator_joined": "colaborador registrado con una invitación del gestor",
    "collaborator_removed": "colaborador retirado por el gestor",
    "collaborators_send": "el gestor cambió quién puede enviar",
}
MANAGER_TYPES = {
    "camara_comercio": "cámara de comercio",
    "gobierno": "gobierno",
    "gremio": "gremio",
    "academia": "academia",
    "entidad_cluster": "entidad propia del clúster",
    "otra": "otra",
}
ACTORS = {"cli": "consola", "bot": "el bot", "import": "importación"}

LIST_TITLE = "<b>Clústeres — medición {campaign}</b>: {n} de {total}{filters}"
LIST_FILTERS = " ({filters})"
LIST_LINE = "• <b>{name}</b> · {departamento} · {sector} — {status}"
LIST_EMPTY = "Ningún clúster cumple ese filtro."
LIST_HELP = (
    "Filtre escribiendo un departamento, un sector o un estado, p. ej. "
    "/clusters huila sin_empezar (estados: sin_gestor, aviso_pendiente, sin_empezar, en_curso, enviada)."
)
BTN_OPEN = "🔎 {name}"


def _area_change(view: ClusterView, area_id: str) -> str:
    if area_id not in view.changes or view.previous is None:
        return ""
    points = view.changes[area_id]
    sign = "+" if points > 0 else ("−" if points < 0 else "±")
    shown = f"{abs(points):.1f}".replace(".", ",")
    return CHANGE.format(sign=sign, points=shown, campaign=escape(_previous_campaign(view)))


def _previous_campaign(view: ClusterView) -> str:
    return view.overlays.previous_label or "la anterior"


def _number(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def view_blocks(view: ClusterView, when: When) -> list[str]:
    """The cluster at a glance, as blocks a page never splits (HTML)."""
    c = view.cluster
    blocks = [
        TITLE.format(name=escape(c.nombre), id=escape(c.cluster_id)),
        REGISTRY.format(
            departamento=escape(c.departamento),
            municipio=f" ({escape(c.municipio)})" if c.municipio else "",
            sector=escape(SECTOR_LABELS.get(c.sector, c.sector)),
            gestora=escape(c.entidad_gestora),
            tipo=escape(MANAGER_TYPES.get(c.entidad_gestora_tipo, c.entidad_gestora_tipo)),
            creado=f" · creado en {c.anio_creacion}" if c.anio_creacion else "",
            estado=escape(c.estado),
        ),
    ]
    m = view.manager
    if m is None:
        blocks.append(NO_MANAGER.format(id=escape(c.cluster_id)))
    else:
        lines = [MANAGER.format(name=escape(m.name or "—"), user_id=m.user_id)]
        lines.append(
            MANAGER_CONSENT.format(when=when(m.consent_at)) if m.consent_at else MANAGER_NO_CONSENT
        )
        if m.unreachable:
            lines.append(MANAGER_UNREACHABLE)
        blocks.append("\n".join(lines))
    if view.collaborators:
        people = "; ".join(
            COLLABORATOR.format(name=escape(p.name or "—"), user_id=p.user_id)
            for p in view.collaborators
        )
        blocks.append(COLLABORATORS.format(people=people))
    campaign = escape(view.campaign.campaign_id)
    if view.status == "submitted" and view.submitted_at is not None:
        state = STATE_SUBMITTED.format(
            campaign=campaign, when=when(view.submitted_at), version=view.version or 1
        )
        if view.correcting:
            state += "\n" + STATE_CORRECTING
    elif view.status == "draft":
        state = STATE_DRAFT.format(
            campaign=campaign, answered=view.answered, expected=view.expected
        )
    else:
        state = STATE_TITLE.format(
            campaign=campaign, status=STATUS_LABELS.get(view.status, view.status)
        )
    if view.review is not None:
        status = REVIEW_STATUS.get(view.review.status, view.review.status)
        state += "\n" + REVIEW_STATE.format(status=status)
        if view.review.note:
            state += f" — {escape(view.review.note)}"
    blocks.append(state)
    if view.result is not None:
        r = view.result
        lines = [RESULT.format(ims=_number(r.ims), level=escape(r.level_label))]
        for area in r.areas.values():
            lines.append(
                AREA_LINE.format(
                    label=escape(area.label),
                    score=_number(area.score),
                    band=escape(area.band),
                    change=_area_change(view, area.id),
                )
            )
        blocks.append("\n".join(lines))
    if view.previous is not None:
        blocks.append(
            PREVIOUS.format(
                campaign=escape(_previous_campaign(view)),
                ims=_number(view.previous.ims),
                level=escape(view.previous.level_label),
            )
        )
    else:
        blocks.append(NO_PREVIOUS)
    if view.plausibility:
        blocks.append(PLAUSIBILITY_TITLE)
        blocks += [QUEUE_FLAG.format(text=escape(m)).strip() for m in view.plausibility]
    if view.answers:
        blocks.append(ANSWERS_TITLE.format(n=len(view.answers)))
        blocks += [
            ANSWER_LINE.format(label=escape(a.label), shown=escape(a.shown)) for a in view.answers
        ]
    else:
        blocks.append(NO_ANSWERS)
    if view.evidence:
        blocks.append(EVIDENCE_TITLE.format(n=len(view.evidence)))
        blocks += [
            EVIDENCE_LINE.format(
                question=escape(question),
                name=escape(e.name),
                size=f"{e.size / (1024 * 1024):.1f}".replace(".", ","),
                when=when(e.uploaded_at),
            )
            for question, e in view.evidence
        ]
    else:
        blocks.append(NO_EVIDENCE)
    blocks.append(HISTORY_TITLE if view.history else NO_HISTORY)
    blocks += [history_text(h, when) for h in view.history]
    return blocks


def history_text(line: HistoryLine, when: When) -> str:
    e = line.entry
    action = ACTIONS.get(e.action, e.action)
    if line.question is not None:
        action = CHANGED.format(
            question=line.question, old=line.old or NO_VALUE, new=line.new or NO_VALUE
        )
    text = HISTORY_LINE.format(
        when=when(e.at),
        actor=escape(line.actor_name or ACTORS.get(e.actor, e.actor)),
        action=escape(action),
    )
    return text + (REASON.format(reason=escape(str(line.reason))) if line.reason else "")


def photo_caption(view: ClusterView) -> str:
    assert view.result is not None
    return PHOTO_CAPTION.format(
        name=escape(view.cluster.nombre),
        campaign=escape(view.campaign.campaign_id),
        ims=_number(view.result.ims),
        level=escape(view.result.level_label),
    )


def filters_text(filters: Filters) -> str:
    status = STATUS_FILTERS.get(filters.status or "")
    parts = [p for p in (filters.departamento, filters.sector, status) if p]
    return LIST_FILTERS.format(filters=escape(", ".join(parts))) if parts else ""


def list_title(listing: ClusterList) -> str:
    return LIST_TITLE.format(
        campaign=escape(listing.campaign.campaign_id),
        n=len(listing.rows),
        total=listing.total,
        filters=filters_text(listing.filters),
    )


def list_lines(listing: ClusterList) -> list[str]:
    return [
        LIST_LINE.format(
            name=escape(s.nombre),
            departamento=escape(s.departamento),
            sector=escape(SECTOR_LABELS.get(s.sector, s.sector)),
            status=STATUS_LABELS.get(s.status, s.status),
        )
        for s in listing.rows
    ]


# -- the review queue (/revision, ssme review list) --------------------------------------------

REVIEW_STATUS = {
    "pendiente": "en revisión",
    "aprobada": "aprobada",
    "requiere_ajuste": "con ajuste pedido",
}
QUEUE_TITLE = "<b>Revisión — medición {campaign}</b>: {n} por revisar ({flagged} con alertas)"
QUEUE_EMPTY = "No hay respuestas por revisar en la medición {campaign}. {counts}"
QUEUE_ITEM = "<b>{name}</b> · {departamento} · enviada el {when}"
QUEUE_LINE = "• " + QUEUE_ITEM
QUEUE_FLAG = "   ⚠️ {text}"
FLAGS = {
    "sales_per_firm_high": (
        "ventas por empresa vinculada de {value}: más que el 99 % de las respuestas ({bound})"
    ),
    "sales_per_firm_low": (
        "ventas por empresa vinculada de {value}: menos que el 99 % de las respuestas ({bound})"
    ),
    "jobs_per_firm_high": (
        "{value} empleos por empresa vinculada: más que el 99 % de las respuestas ({bound})"
    ),
    "jobs_per_firm_low": (
        "{value} empleos por empresa vinculada: menos que el 99 % de las respuestas ({bound})"
    ),
    "level_jump": "el nivel pasó de {before} a {now} desde la medición anterior (dos escalones)",
    "plausibility": "{message}",
}
BTN_APPROVE = "✔️ Aprobar {name}"
APPROVED = "✔️ Respuesta de {name} aprobada."
REVIEW_STATE = "Revisión: {status}"


def flag_text(code: str, params: dict[str, str]) -> str:
    return FLAGS[code].format(**params) if code in FLAGS else code


# -- corrections (/corregir, ssme correct) -----------------------------------------------------

CORRECT_USAGE = (
    "Para corregir una respuesta enviada escriba el clúster, la pregunta (su identificador, "
    "como en la exportación), el valor y, tras «|», el motivo. Por ejemplo:\n"
    "/corregir cafe_huila empresas_activas 150 | según el acta de la junta"
)
CORRECTED = (
    "✔️ Corregida la respuesta de <b>{name}</b>: «{question}» {old} → {new}.\n"
    "Nuevo resultado: IMS {ims} · {level} (antes IMS {before}). Queda en el historial."
)
CORRECTED_WARNING = "⚠️ {text}"


def correction_text(done: Correction, q: Questionnaire, confirm_reason: str | None = None) -> str:
    """A correction made, or (``confirm_reason``) one to confirm under /cluster's «Corregir»."""
    question = q.question_map[done.question_id]
    lines = [
        (CORRECTED if confirm_reason is None else CORRECT_CONFIRM).format(
            name=escape(done.cluster.nombre),
            question=escape(question.short),
            old=escape(done.old_shown) if done.old_shown is not None else NO_VALUE,
            new=escape(done.shown),
            reason=escape(confirm_reason or ""),
            ims=_number(done.result.ims),
            level=escape(done.result.level_label),
            before=_number(done.previous_ims),
        )
    ]
    lines += [CORRECTED_WARNING.format(text=escape(w)) for w in done.warnings]
    return "\n".join(lines)


# -- follow-up (/pedir_ajuste, ssme review ask) -------------------------------------------------

ASK_USAGE = (
    "Para pedir al gestor que revise respuestas escriba el clúster, las preguntas (sus ids, como "
    "en la exportación) y, tras «|», una nota. Por ejemplo:\n"
    "/pedir_ajuste cafe_huila ventas_anio_actual empleo_anio_actual | Revise las cifras de 2021"
)
ASKED = (
    "📝 Pedido enviado al gestor de <b>{name}</b>: la respuesta queda «con ajuste pedido» hasta "
    "que envíe de nuevo."
)
ASKED_NOBODY = (
    "📝 Pedido registrado para <b>{name}</b>, pero no pude entregárselo al gestor (no hay "
    "gestor registrado o no recibe mensajes del bot)."
)


# -- the desk's buttons under /cluster (bot/services/desk_input.py) -----------------------------

BTN_ASK = "📝 Pedir ajuste"
BTN_CORRECT = "✏️ Corregir"
BTN_PICKED = "✅ {label}"
BTN_UNPICKED = "▫️ {label}"
BTN_CHOOSE = "{label}: {shown}"
BTN_PICK_DONE = "✔️ Listo ({n})"
BTN_CONFIRM = "✔️ Confirmar"
BTN_CANCEL = "✖️ Cancelar"
PICK_ASK = (
    "📝 <b>Pedir ajuste a {name}</b>\n"
    "Marque las preguntas que el gestor debe revisar y pulse «Listo»; luego le pido la nota."
)
PICK_CORRECT = (
    "✏️ <b>Corregir una respuesta de {name}</b>\n"
    "Elija la pregunta; luego le pido el valor nuevo y el motivo."
)
PICKED_SO_FAR = "Marcadas: {questions}"
PICK_PAGE = "<i>Página {n} de {total}</i>"
ASK_NOTE = (
    "📝 Pedido para <b>{name}</b>: {questions}.\n"
    "Escriba ahora la nota para el gestor (qué revisar y por qué), o «-» para enviarlo sin nota."
)
CORRECT_VALUE = (
    "✏️ «{question}» de <b>{name}</b>: hoy {current}.\n"
    "Escriba el valor nuevo, como lo escribiría el gestor (o pulse la opción, si las hay)."
)
CORRECT_CHOICES_MULTI = "Opciones (escriba los números, separados por coma):"
CORRECT_CHOICE = "{n}. {label}"
CORRECT_REASON = (
    "Valor nuevo de «{question}»: {new}.\n"
    "Escriba ahora el motivo de la corrección (queda en el historial)."
)
CORRECT_CONFIRM = (
    "¿Confirma la corrección de <b>{name}</b>?\n"
    "«{question}»: {old} → {new}\n"
    "Motivo: {reason}\n"
    "Nuevo resultado: IMS {ims} · {level} (antes IMS {before})."
)
DESK_WAITING = "Use los botones del mensaje anterior, o /cancelar para dejarlo."
DESK_CANCELLED = "Listo, lo dejé: no se pidió ni se corrigió nada."
DESK_PICK_TOO_MANY_CHARS = 40  # a question's label on a button, at most


def desk_label(label: str) -> str:
    """A question's short text on a picker's button (a phone shows about 40 characters)."""
    if len(label) <= DESK_PICK_TOO_MANY_CHARS:
        return label
    return label[: DESK_PICK_TOO_MANY_CHARS - 1] + "…"
