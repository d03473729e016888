"""THE callback-data grammar: every button's data is built and read here, and nowhere else.

A button carries one of the typed callbacks below; ``encode`` turns it into Telegram's
callback data (at most 64 bytes) and ``decode`` reads it back, returning ``None`` for anything
that is not one of ours (a forged or truncated press). The wire format is ``tag:field:field``;
ids in it (question, choice, area ids) never contain ``:``, and the last field takes the rest.

The question id in every answer callback is what makes a press on an old keyboard detectable:
the conversation compares it with the question the manager stands on.

Every button of the manager's side (the kinds in ``KEYED``) also carries the cluster it is
about (issue 16: a person may hold several): ``encode(press, cluster)`` puts the cluster's
*key* in front, ``key~tag:field``. The key is ``cluster_key(cluster_id)``, six characters of a
hash of the cluster id (``[a-z2-7]``): short enough for the longest answer press (54 bytes with
it), the same for a cluster forever (no table, no migration), and never the cluster id itself
(which may be long or hold ``:``). A press is resolved against the clusters the person holds
(``held_cluster``): a key none of them has is refused. Data without a key (a keyboard sent
before keys existed) is taken for the person's only cluster, and refused if they hold several.

Over 600 lines on purpose: one file owns every button's data (the manager's, the admins', the
desk's), each kind a short dataclass; splitting the kinds out would let a kind exist that
``decode`` has not been told of.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import ClassVar

MAX_BYTES = 64  # Telegram's limit for callback data
KEY_LENGTH = 6
_KEY_MARK = "~"
_KEY_ALPHABET = frozenset("abcdefghijklmnopqrstuvwxyz234567")


@dataclass(frozen=True)
class Callback:
    tag: ClassVar[str]


# --- the manager's side ---------------------------------------------------------------------


@dataclass(frozen=True)
class Consent(Callback):
    """Accept the personal-data notice."""

    tag: ClassVar[str] = "consent:ok"


@dataclass(frozen=True)
class EraseMine(Callback):
    """Ask for one's own personal data to be erased (from /mis_datos)."""

    tag: ClassVar[str] = "data:erase"


@dataclass(frozen=True)
class Resume(Callback):
    """Continue where one left off (reminders, the review)."""

    tag: ClassVar[str] = "go"


@dataclass(frozen=True)
class Why(Callback):
    """«¿Por qué?» for one area of the result."""

    tag: ClassVar[str] = "w"
    area: str


@dataclass(frozen=True)
class Evidence(Callback):
    """«Adjuntar evidencia» after an answer: the manager's next file is for ``question``."""

    tag: ClassVar[str] = "ev"
    question: str


@dataclass(frozen=True)
class FollowUp(Callback):
    """«Corregir: …» under an analyst's request: open that question of the sent response."""

    tag: ClassVar[str] = "fu"
    question: str


@dataclass(frozen=True)
class Snooze(Callback):
    """A reminder's «más tarde»."""

    tag: ClassVar[str] = "rem:snooze"
    campaign: str


@dataclass(frozen=True)
class StopReminders(Callback):
    """A reminder's «no más recordatorios»."""

    tag: ClassVar[str] = "rem:stop"
    campaign: str


@dataclass(frozen=True)
class ReviewSend(Callback):
    tag: ClassVar[str] = "r:send"


@dataclass(frozen=True)
class ReviewShow(Callback):
    tag: ClassVar[str] = "r:show"


@dataclass(frozen=True)
class ReviewArea(Callback):
    """Edit one section of the questionnaire from the review."""

    tag: ClassVar[str] = "r:area"
    section: str


@dataclass(frozen=True)
class ReviewQuestion(Callback):
    """Edit one question from the review."""

    tag: ClassVar[str] = "r:q"
    question: str


@dataclass(frozen=True)
class OnQuestion(Callback):
    """A press that answers (or moves within) the question it names."""

    question: str

    @property
    def arg(self) -> str:
        return ""


@dataclass(frozen=True)
class Choose(OnQuestion):
    """Pick an option (single choice, yes/no, special values)."""

    tag: ClassVar[str] = "c"
    choice: str

    @property
    def arg(self) -> str:
        return self.choice


@dataclass(frozen=True)
class Toggle(OnQuestion):
    """Mark or unmark an option of a multi-choice question."""

    tag: ClassVar[str] = "t"
    choice: str

    @property
    def arg(self) -> str:
        return self.choice


@dataclass(frozen=True)
class Done(OnQuestion):
    """Finish a multi-choice question."""

    tag: ClassVar[str] = "d"


@dataclass(frozen=True)
class NotAvailable(OnQuestion):
    """«No disponible» for a figure."""

    tag: ClassVar[str] = "n"


@dataclass(frozen=True)
class Back(OnQuestion):
    tag: ClassVar[str] = "b"


@dataclass(frozen=True)
class Keep(OnQuestion):
    """Keep the current answer while editing."""

    tag: ClassVar[str] = "k"


@dataclass(frozen=True)
class Confirm(OnQuestion):
    """Confirm one reading of an ambiguous number (its index), a plausibility question
    (``ok``), an exclusive option over other marks (``only``) or keeping the marks (``marks``),
    or that a text typed early is for this question (``typed``)."""

    tag: ClassVar[str] = "y"
    reading: str  # an index, or "ok" / "only" / "marks" / "typed"

    @property
    def arg(self) -> str:
        return self.reading


@dataclass(frozen=True)
class Fix(OnQuestion):
    """From a failed consistency rule: go and correct another answer."""

    tag: ClassVar[str] = "f"
    target: str

    @property
    def arg(self) -> str:
        return self.target


# --- the admin's side -----------------------------------------------------------------------


@dataclass(frozen=True)
class RemindNow(Callback):
    """/participacion's «enviar recordatorios ahora»."""

    tag: ClassVar[str] = "adm:remind"
    campaign: str


@dataclass(frozen=True)
class EraseRequest(Callback):
    """/solicitudes: carry out one personal-data deletion request."""

    tag: ClassVar[str] = "adm:erase"
    request_id: int


@dataclass(frozen=True)
class Page(Callback):
    """«Anterior»/«Siguiente» under a long admin reply: show page ``n`` (from 1) of ``what``,
    ``Page.REQUESTS`` (/solicitudes) or ``Page.participation(campaign)`` (/participacion)."""

    tag: ClassVar[str] = "adm:page"
    REQUESTS: ClassVar[str] = "req"
    PARTICIPATION: ClassVar[str] = "part"
    n: int
    what: str  # the last field: it may hold ":" (a campaign id)

    @classmethod
    def participation(cls, campaign: str) -> str:
        """``what`` for a campaign's participation; a campaign id too long for the 64 bytes
        of callback data is left out (the press then shows the current campaign)."""
        what = f"{cls.PARTICIPATION}:{campaign}"
        return what if len(f"{cls.tag}:999:{what}".encode()) <= MAX_BYTES else cls.PARTICIPATION

    @property
    def campaign(self) -> str | None:
        kind, _, campaign = self.what.partition(":")
        return (campaign or None) if kind == self.PARTICIPATION else None


# --- the analyst's desk ---------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterOpen(Callback):
    """A cluster's button under /clusters: show it at a glance in the current campaign (as
    /cluster ID)."""

    tag: ClassVar[str] = "adm:cl"
    cluster: str


@dataclass(frozen=True)
class ClusterPage(Callback):
    """«Anterior»/«Siguiente» under /clusters: page ``n`` of the current campaign's list kept
    by ``filters`` (``bot.services.desk.Filters.encode``)."""

    tag: ClassVar[str] = "adm:cls"
    n: int
    filters: str


@dataclass(frozen=True)
class QueuePage(Callback):
    """«Anterior»/«Siguiente» under /revision: page ``n`` of the current campaign's queue."""

    tag: ClassVar[str] = "adm:rq"
    n: int


@dataclass(frozen=True)
class Approve(Callback):
    """«Aprobar» under /revision: approve the cluster's submission, then show page ``n`` again."""

    tag: ClassVar[str] = "adm:ok"
    n: int
    cluster: str


@dataclass(frozen=True)
class EvidenceGet(Callback):
    """An evidence file's button in /cluster: send the file to the admin."""

    tag: ClassVar[str] = "adm:evf"
    evidence_id: int


# --- branch i12b: corrections after sending, the data notice --------------------------------


@dataclass(frozen=True)
class Correct(Callback):
    """«Corregir mis respuestas» under the read-only review of a sent response."""

    tag: ClassVar[str] = "sub:correct"


@dataclass(frozen=True)
class Decline(Callback):
    """«No acepto» under the personal-data notice."""

    tag: ClassVar[str] = "consent:decline"


@dataclass(frozen=True)
class ShowNotice(Callback):
    """Show the personal-data notice again (under the consent reminder)."""

    tag: ClassVar[str] = "consent:show"


@dataclass(frozen=True)
class Withdraw(Callback):
    """Confirm /retirar_consentimiento."""

    tag: ClassVar[str] = "consent:withdraw"


# --- issue 14 (branch i14): documents ------------------------------------------------------


@dataclass(frozen=True)
class ReportCard(Callback):
    """«Descargar informe (PDF)» under a result: the cluster's report card of that campaign."""

    tag: ClassVar[str] = "doc:card"
    campaign: str  # the last field: it may hold ":"


# --- issue 16 (branch i16c): participation and reminders aimed --------------------------------


@dataclass(frozen=True)
class AimPage(Callback):
    """/participacion kept to an aim (a state's button, or the words typed after it): page
    ``n``; ``scope`` is ``bot.services.participation.scope_data``'s (the aim, the campaign)."""

    tag: ClassVar[str] = "adm:pa"
    n: int
    scope: str  # the last field: it may hold ":"


@dataclass(frozen=True)
class RemindAimed(Callback):
    """«Recordar a este filtro ahora» under an aimed /participacion: send what the policy
    allows now to the clusters of ``scope`` (as ``AimPage``'s)."""

    tag: ClassVar[str] = "adm:ra"
    scope: str


# --- issue 16 item 2 (branch i16b): collaborators ---------------------------------------------


@dataclass(frozen=True)
class ShareRemove(Callback):
    """«Quitar a …» under /compartir: the manager takes a collaborator off the cluster."""

    tag: ClassVar[str] = "sh:rm"
    cluster: str
    user: int


@dataclass(frozen=True)
class ShareSend(Callback):
    """«Permitir que envíen» / «Solo yo envío» under /compartir (``allow``: "si" or "no")."""

    tag: ClassVar[str] = "sh:send"
    allow: str
    cluster: str  # the last field: it may hold ":"


ANSWERS: tuple[type[OnQuestion], ...] = (
    Choose,
    Toggle,
    Done,
    NotAvailable,
    Back,
    Keep,
    Confirm,
    Fix,
)
_KINDS: tuple[type[Callback], ...] = (
    Consent,
    EraseMine,
    Resume,
    Why,
    Evidence,
    FollowUp,
    Snooze,
    StopReminders,
    ReviewSend,
    ReviewShow,
    ReviewArea,
    ReviewQuestion,
    *ANSWERS,
    RemindNow,
    EraseRequest,
    Page,
    ClusterOpen,
    ClusterPage,
    QueuePage,
    Approve,
    EvidenceGet,
    Correct,
    Decline,
    ShowNotice,
    Withdraw,
    ReportCard,
    AimPage,
    RemindAimed,
    ShareRemove,
    ShareSend,
)
# Per kind: its field names and which of them are ints, read once. Longest tag first, so a tag
# never loses to a shorter one that it starts with.
_Shape = tuple[str, type[Callback], tuple[str, ...], tuple[bool, ...]]
_SHAPES: list[_Shape] = []
_FIELDS: dict[type[Callback], tuple[str, ...]] = {}


def _register(*kinds: type[Callback]) -> None:
    """Make kinds readable by ``decode`` (and known to ``_KINDS``, which the tests go over)."""
    global _KINDS
    _KINDS += tuple(k for k in kinds if k not in _KINDS)
    for k in kinds:
        names = tuple(f.name for f in fields(k))
        _SHAPES.append((k.tag, k, names, tuple(f.type in ("int", int) for f in fields(k))))
        _FIELDS[k] = names
    _SHAPES.sort(key=lambda shape: -len(shape[0]))


_register(*_KINDS)


@functools.lru_cache(maxsize=4096)
def cluster_key(cluster_id: str) -> str:
    """The short key a manager-side button carries for its cluster (see the module's text)."""
    digest = hashlib.sha256(cluster_id.encode()).digest()
    return base64.b32encode(digest[:5]).decode().lower()[:KEY_LENGTH]


def encode(callback: Callback, cluster: str | None = None) -> str:
    """The callback data of ``callback``; with ``cluster``, its key in front."""
    values = [str(getattr(callback, name)) for name in _FIELDS[type(callback)]]
    data = ":".join([callback.tag, *values])
    if cluster is not None:
        data = f"{cluster_key(cluster)}{_KEY_MARK}{data}"
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def key_of(data: str | None) -> str | None:
    """The cluster key in front of ``data``, if it carries one."""
    if not data or len(data) <= KEY_LENGTH or data[KEY_LENGTH] != _KEY_MARK:
        return None
    key = data[:KEY_LENGTH]
    return key if _KEY_ALPHABET.issuperset(key) else None


def unkeyed(data: str) -> str:
    """``data`` without its cluster key (if it carries one)."""
    return data[KEY_LENGTH + 1 :] if key_of(data) is not None else data


def with_key(key: str | None, data: str) -> str:
    """``data`` (unkeyed) carrying the cluster key ``key`` (a press on a keyboard that had it)."""
    return f"{key}{_KEY_MARK}{data}" if key is not None else data


def held_cluster(data: str | None, held: Sequence[str]) -> str | None:
    """The cluster (of those a person holds, ``held``) a press is about, or None when it names
    none of them: a key of a cluster not held, or no key while several are held."""
    key = key_of(data)
    if key is None:
        return held[0] if len(held) == 1 else None
    return next((c for c in held if cluster_key(c) == key), None)


def decode(data: str | None) -> Callback | None:
    """The callback ``data`` stands for (its cluster key, if any, aside), or ``None`` if it is
    not one of ours."""
    if not data:
        return None
    if key_of(data) is not None:
        data = data[KEY_LENGTH + 1 :]
    for tag, kind, names, ints in _SHAPES:
        if not names:
            if data == tag:
                return kind()
            continue
        if not data.startswith(tag) or data[len(tag) : len(tag) + 1] != ":":
            continue
        parts = data[len(tag) + 1 :].split(":", len(names) - 1)
        if len(parts) != len(names) or not all(parts):
            return None
        try:
            values = [int(p) if is_int else p for p, is_int in zip(parts, ints, strict=True)]
        except ValueError:
            return None
        return kind(*values)
    return None


def is_kind(*kinds: type[Callback]) -> Callable[[object], bool]:
    """A CallbackQueryHandler pattern that matches presses of these kinds only."""

    def matches(data: object) -> bool:
        return isinstance(data, str) and isinstance(decode(data), kinds)

    return matches


# --- branch i13r: the desk's buttons under /cluster (bot/handlers/desk.py) ---------------------
# The admin's input they lead to is stored (``bot.services.desk_input``); each press names the
# cluster, so a press on the keyboard of an input since replaced or finished is told apart.


@dataclass(frozen=True)
class DeskStart(Callback):
    """«Pedir ajuste» (``kind`` ``ask``) or «Corregir» (``correct``) under /cluster: pick the
    questions of the cluster's sent response in the current campaign."""

    tag: ClassVar[str] = "adm:dk"
    kind: str
    cluster: str


@dataclass(frozen=True)
class DeskPick(Callback):
    """A question in the picker (``index``: its position in the questionnaire): toggled for a
    follow-up, chosen for a correction."""

    tag: ClassVar[str] = "adm:dp"
    index: int
    cluster: str


@dataclass(frozen=True)
class DeskPickPage(Callback):
    """«Anterior»/«Siguiente» in the picker: its page ``n``."""

    tag: ClassVar[str] = "adm:dpp"
    n: int
    cluster: str


@dataclass(frozen=True)
class DeskPicked(Callback):
    """«Listo» in a follow-up's picker: the questions are chosen, the note comes next."""

    tag: ClassVar[str] = "adm:dok"
    cluster: str


@dataclass(frozen=True)
class DeskConfirm(Callback):
    """«Confirmar» under a correction's summary: apply it."""

    tag: ClassVar[str] = "adm:dcf"
    cluster: str


@dataclass(frozen=True)
class DeskCancel(Callback):
    """«Cancelar» under any step of a desk input."""

    tag: ClassVar[str] = "adm:dx"


@dataclass(frozen=True)
class DeskValue(Callback):
    """An option pressed as a correction's new value (``n``: its number in the list, from 1;
    a yes/no question: 1 yes, 2 no), as if typed."""

    tag: ClassVar[str] = "adm:dv"
    n: int
    cluster: str


_DESK_KINDS = (
    DeskStart,
    DeskPick,
    DeskPickPage,
    DeskPicked,
    DeskConfirm,
    DeskCancel,
    DeskValue,
)
_register(*_DESK_KINDS)
# --- issue 16 (branch i16a): a person's several clusters -----------------------------------


@dataclass(frozen=True)
class Switch(Callback):
    """A cluster's button under /cambiar: stand on that cluster (the key says which)."""

    tag: ClassVar[str] = "sw"


@dataclass(frozen=True)
class Leave(Callback):
    """A cluster's button under /dejar: ask to confirm leaving it."""

    tag: ClassVar[str] = "leave"


@dataclass(frozen=True)
class LeaveConfirm(Callback):
    """«Sí, dejar …»: leave the cluster the key names."""

    tag: ClassVar[str] = "leave:ok"


_register(Switch, Leave, LeaveConfirm)
# The manager's side: every button of these kinds carries its cluster's key (``encode``). A
# kind not listed (the admins' and the analysts', whose handlers check who presses, and
# /mis_datos's «Solicitar eliminación», about the person) carries none: a new manager-side kind
# belongs here.
KEYED: tuple[type[Callback], ...] = (
    *ANSWERS,  # a question's buttons
    Consent, Decline, ShowNotice, Withdraw,  # the data notice
    ReviewSend, ReviewShow, ReviewArea, ReviewQuestion, Correct, FollowUp,  # review, corrections
    Resume, Snooze, StopReminders,  # reminders
    Why, ReportCard, Evidence,  # the result, evidence
    Switch, Leave, LeaveConfirm,  # /cambiar, /dejar
)  # fmt: skip
