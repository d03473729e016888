"""Spanish texts of the reminders: the message a manager receives, its buttons, and the reasons
the admin dry-run shows for each manager ("enviado hace 1 día; espacio mínimo 3 días").

The reminder says what is left and until when, in a few lines read on a phone; everything
interpolated from outside (the cluster's name) is HTML-escaped.

The policy (``bot.reminders.policy``) decides in codes and numbers; this module only words
them. It imports nothing of ours at run time (the policy's types only for the type checker), so
kinds are compared by their string value ("invitation", "continue", "last_call"), and dates
that are rules (the deadline day) are asked of the objects passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta, tzinfo
from html import escape
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time

if TYPE_CHECKING:
    from bot.reminders.policy import CampaignWindow, Decision, ManagerState

LOCALE = "es_CO"
DAY_FORMAT = "EEEE d 'de' MMMM"  # viernes 3 de diciembre
MOMENT_FORMAT = "EEEE d 'de' MMMM, H:mm"  # lunes 8 de noviembre, 8:00

# --- buttons under a reminder ----------------------------------------------------------------

BTN_CONTINUE = "Continuar ➡️"  # resumes at the first unanswered question
BTN_START = "Empezar ➡️"  # the same action, under an invitation (nothing to continue yet)
BTN_SNOOZE = "Recordarme mañana ⏰"
BTN_STOP = "No más recordatorios"
BTN_NOTICE = "Ver el aviso de datos"  # under the consent reminder: the notice, to accept it
BTN_FOLLOW_UP = "Corregir: {question}"  # under a follow-up's reminder, one per question asked

# Answers to the buttons ({when} from ``moment``).
SNOOZED = "Listo: se lo recordamos el {when}."
STOPPED = (
    "Listo: no le enviaremos más recordatorios de esta medición. "
    "Cuando quiera seguir, escriba /continuar."
)

# --- the reminder ----------------------------------------------------------------------------

INVITATION = (
    "Hola. La medición del SSME de <b>{cluster}</b> está abierta: {size}. Al enviarla recibe "
    "al instante sus resultados y su gráfica de araña.\n\n"
    "La medición cierra el <b>{deadline}</b>."
)
CONTINUE = (
    "Su medición de <b>{cluster}</b> quedó a medias; sus respuestas están guardadas.\n\n"
    "{left}; la medición cierra el {deadline}. "
    "Pulse «Continuar» para seguir donde quedó."
)
CONSENT = (
    "Hola. Usted aceptó la invitación de <b>{cluster}</b>, pero falta un paso: leer y aceptar "
    "el aviso de tratamiento de datos. Sin él no podemos recibir sus respuestas.\n\n"
    "La medición cierra el <b>{deadline}</b>."
)
LAST_CALL = (
    "⏳ <b>Último aviso:</b> la medición de <b>{cluster}</b> cierra <b>{closes}</b> "
    "({deadline}).\n\n{left}."
)
FOLLOW_UP = (
    "📝 Recordatorio: la Red Clúster Colombia le pidió revisar estas respuestas de "
    "<b>{cluster}</b>:\n{questions}\n\n{state} La medición cierra el <b>{deadline}</b>; "
    "hasta entonces cuenta la versión que ya envió."
)
FOLLOW_UP_QUESTION = "• {question}"
FOLLOW_UP_NOT_OPENED = "Pulse una pregunta para corregirla y luego envíe de nuevo con «Enviar»."
FOLLOW_UP_UNSENT = (
    "Ya empezó la corrección, pero falta enviarla: escriba /revisar y pulse «Enviar»."
)
# Pieces of the lines above.
SIZE = "son {total} preguntas, {minutes}"
LEFT = "Faltan {left} de {total} preguntas, {minutes}"
LEFT_ONE = "Falta 1 de {total} preguntas, {minutes}"
NOT_STARTED = "Aún no ha empezado: son {total} preguntas, {minutes}"
ALL_ANSWERED = "Ya respondió todas las preguntas: solo falta revisar y enviar"
CONSENT_MISSING = "Aún no ha aceptado el aviso de datos: sin él no podemos recibir sus respuestas"
CORRECTION_UNSENT = (
    "Tiene una corrección sin enviar. Si no la envía antes del cierre, cuenta la versión que ya "
    "envió; para enviarla, escriba /revisar y pulse «Enviar»"
)
MINUTES = "unos {n} minutos"
ONE_MINUTE = "cerca de un minuto"
CLOSES_TODAY = "hoy"
CLOSES_TOMORROW = "mañana"
CLOSES_IN_DAYS = "en {n} días"
AT_TIME = "{day} a las {time}"

# --- reasons for the admin dry-run -----------------------------------------------------------

KIND_LABELS = {
    "invitation": "invitación",
    "continue": "seguir donde quedó",
    "last_call": "último aviso",
    "consent": "aviso de datos pendiente",
    "follow_up": "ajuste pedido por la Red",
}
REASONS = {
    "due": "se envía ahora: {kind}",
    "snooze_due": "se envía ahora: {kind} (lo pidió con «Recordarme mañana»)",
    "campaign_not_open": "la medición no está abierta (estado: {state})",
    "before_open": "la medición abre el {when}",
    "closed": "la medición ya cerró",
    "closing": "faltan menos de {margin} para el cierre",
    "submitted": "ya envió sus respuestas",
    "correcting": "ya envió; tiene una corrección abierta (solo recibirá el último aviso)",
    "opted_out": "pidió no recibir más recordatorios",
    "unreachable": "no se le puede escribir (bloqueó el bot)",
    "snoozed": "pidió que se le recordara el {when}",
    "max_reached": "ya recibió {count} de {max} recordatorios",
    "reserved": (
        "ya recibió {count} de {max} recordatorios; el último se guarda para el aviso de cierre"
    ),
    "last_call_sent": "ya recibió el último aviso",
    "first_after": "empezó a contar hace {ago}; el primer recordatorio va a los {wait}",
    "draft_active": "respondió hace {ago}; se recuerda tras {wait} sin actividad",
    "min_gap": "enviado hace {ago}; espacio mínimo {wait}",
    "follow_up_after": "se le pidió un ajuste hace {ago}; el primer recordatorio va a los {wait}",
    "follow_up_max": "ya recibió {count} de {max} recordatorios del ajuste pedido",
    "outside_hours": "fuera del horario de envío: {why}",
}
WHY_HOURS = "de {start} a {end}"
WHY_WEEKEND = "fin de semana"
WHY_HOLIDAY = "festivo: {name}"
NEXT_AT = "próximo: {when}"
NEVER = "no se le enviarán más"

DAYS = ("{n} día", "{n} días")
HOURS = ("{n} hora", "{n} horas")
MINUTES_UNIT = ("{n} minuto", "{n} minutos")
AND = " y "
LESS_THAN_A_MINUTE = "menos de un minuto"


def _unit(forms: tuple[str, str], n: int) -> str:
    return forms[0 if n == 1 else 1].format(n=n)


def duration(span: timedelta) -> str:
    """A duration in at most two units: "3 días", "2 días y 23 horas", "5 horas y 10 minutos"."""
    minutes = max(0, int(span.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        parts = [_unit(DAYS, days)] + ([_unit(HOURS, hours)] if hours else [])
    elif hours:
        parts = [_unit(HOURS, hours)] + ([_unit(MINUTES_UNIT, minutes)] if minutes else [])
    elif minutes:
        parts = [_unit(MINUTES_UNIT, minutes)]
    else:
        return LESS_THAN_A_MINUTE
    return AND.join(parts)


def _zone(tz: tzinfo | str) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def moment(at: datetime, tz: tzinfo | str) -> str:
    """A local date and hour: "lunes 8 de noviembre, 8:00"."""
    return format_datetime(at.astimezone(_zone(tz)), MOMENT_FORMAT, locale=LOCALE)


def deadline(campaign: CampaignWindow, tz: tzinfo | str) -> str:
    """The deadline as read: "viernes 3 de diciembre" for a close at the end of the day (23:59
    or 00:00), else with the hour: "viernes 3 de diciembre a las 18:00"."""
    zone = _zone(tz)
    local = campaign.closes_at.astimezone(zone)
    day = format_date(campaign.deadline_day(zone), DAY_FORMAT, locale=LOCALE)
    if local.time() == time(0, 0) or local.time() >= time(23, 59):
        return day
    return AT_TIME.format(day=day, time=format_time(local, "H:mm", locale=LOCALE))


def minutes(questions: int, seconds_per_question: int) -> str:
    """Estimated time, rounded as the welcome message does: "unos 6 minutos"."""
    n = max(1, round(questions * seconds_per_question / 60))
    return ONE_MINUTE if n == 1 else MINUTES.format(n=n)


def what_is_left(manager: ManagerState, seconds_per_question: int) -> str:
    """What is left: "Faltan 12 de 46 preguntas, unos 6 minutos" (no final period)."""
    total = max(0, manager.total)
    left = max(0, total - manager.answered)
    if manager.status == "consent_pending":
        return CONSENT_MISSING
    if manager.status == "correcting":
        return CORRECTION_UNSENT
    if manager.status == "not_started":
        return NOT_STARTED.format(total=total, minutes=minutes(total, seconds_per_question))
    if left == 0:
        return ALL_ANSWERED
    template = LEFT_ONE if left == 1 else LEFT
    return template.format(left=left, total=total, minutes=minutes(left, seconds_per_question))


def closes_in(campaign: CampaignWindow, now: datetime, tz: tzinfo | str) -> str:
    """When the campaign closes: "hoy", "mañana" or "en 3 días", in local calendar days."""
    days = campaign.days_left(now, _zone(tz))
    if days <= 0:
        return CLOSES_TODAY
    if days == 1:
        return CLOSES_TOMORROW
    return CLOSES_IN_DAYS.format(n=days)


def reminder_text(
    kind: str,
    manager: ManagerState,
    campaign: CampaignWindow,
    *,
    cluster_name: str,
    seconds_per_question: int,
    tz: tzinfo | str,
    now: datetime,
    questions: Sequence[str] = (),
) -> str:
    """The reminder message (HTML) for one manager. ``now`` is the sending moment, needed for
    "cierra mañana"; ``seconds_per_question`` comes from the questionnaire; ``questions`` are
    the short texts of those a follow-up asked about."""
    zone = _zone(tz)
    cluster = escape(cluster_name)
    when = deadline(campaign, zone)
    kind = str(kind)
    if kind == "follow_up":
        lines = "\n".join(FOLLOW_UP_QUESTION.format(question=escape(q)) for q in questions)
        state = FOLLOW_UP_UNSENT if manager.status == "correcting" else FOLLOW_UP_NOT_OPENED
        return FOLLOW_UP.format(cluster=cluster, questions=lines, state=state, deadline=when)
    if kind == "invitation":
        total = max(0, manager.total)
        size = SIZE.format(total=total, minutes=minutes(total, seconds_per_question))
        return INVITATION.format(cluster=cluster, size=size, deadline=when)
    if kind == "consent":
        return CONSENT.format(cluster=cluster, deadline=when)
    left = what_is_left(manager, seconds_per_question)
    if kind == "continue":
        return CONTINUE.format(cluster=cluster, left=left, deadline=when)
    if kind == "last_call":
        closes = closes_in(campaign, now, zone)
        return LAST_CALL.format(cluster=cluster, closes=closes, deadline=when, left=left)
    raise ValueError(f"unknown reminder kind {kind!r}")


def _hour(at: time) -> str:
    return f"{at.hour}:{at:%M}"  # 8:00, 17:30


def detail(decision: Decision, tz: tzinfo | str) -> str:
    """A decision as the admin dry-run shows it: "enviado hace 1 día; espacio mínimo 3 días;
    próximo: jueves 11 de noviembre, 10:00"."""
    params = decision.params
    values: dict[str, object] = {}
    for key, value in params.items():
        if isinstance(value, timedelta):
            values[key] = duration(value)
        elif isinstance(value, datetime):
            values[key] = moment(value, tz)
        else:
            values[key] = value
    if decision.kind is not None:
        values["kind"] = KIND_LABELS[str(decision.kind)]
    if decision.reason == "outside_hours":
        why = params["why"]
        if why == "weekend":
            values["why"] = WHY_WEEKEND
        elif why == "holiday":
            values["why"] = WHY_HOLIDAY.format(name=params["holiday"])
        else:
            values["why"] = WHY_HOURS.format(start=_hour(params["start"]), end=_hour(params["end"]))
    text = REASONS[decision.reason].format(**values)
    if decision.send or decision.final:
        return text
    upcoming = NEXT_AT.format(when=moment(decision.next_at, tz)) if decision.next_at else NEVER
    return f"{text}; {upcoming}"
