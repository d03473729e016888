"""Typed rows: what storage returns to its callers, as frozen dataclasses.

Times are ``datetime`` (UTC), JSON columns are decoded; no caller sees an ``sqlite3.Row``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, NamedTuple

from bot.questionnaire.model import Value


@dataclass(frozen=True)
class Cluster:
    cluster_id: str
    nombre: str
    departamento: str
    municipio: str | None
    sector: str
    subsector: str | None
    entidad_gestora: str
    entidad_gestora_tipo: str
    anio_creacion: int | None
    estado: str


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    reference_year: int
    opens_at: datetime
    closes_at: datetime
    state: str


@dataclass(frozen=True)
class Manager:
    """A person's membership of one cluster (the name is historical: ``role`` says whether they
    manage it or help as a collaborator)."""

    cluster_id: str
    user_id: int
    chat_id: int
    name: str | None
    consent_at: datetime | None
    unreachable: bool = False
    role: str = "manager"  # or "collaborator"
    consent_version: str | None = None  # the version of the data notice accepted


@dataclass(frozen=True)
class Response:
    response_id: int
    cluster_id: str
    campaign_id: str
    status: str
    questionnaire_version: str
    cursor_question: str | None
    cursor_mode: str | None
    pending: dict[str, Any] | None
    submitted_at: datetime | None
    # The question last delivered to the manager and its Telegram message id (None: not known).
    shown_question: str | None = None
    shown_message: int | None = None
    # /cancelar was used and /continuar not yet: typed text is not taken as an answer.
    paused: bool = False
    # The latest submitted version (None: never sent). With status "draft" and a version, a
    # correction is open and that version keeps counting.
    sent_version: int | None = None
    # When ``shown_question`` was delivered (a stale screen is told, see bot/storage/members.py).
    shown_at: datetime | None = None
    # Whose cursor the row carries: None the response's own (its manager's), else the user id
    # of the collaborator whose own cursor replaced it (``Storage.own_cursor``).
    cursor_of: int | None = None

    @property
    def correcting(self) -> bool:
        return self.status == "draft" and self.sent_version is not None


@dataclass(frozen=True)
class Submission:
    """One sent version of a response: addressable (a review status will hang on it)."""

    submission_id: int
    response_id: int
    version: int
    result_id: int
    submitted_at: datetime
    submitted_by: str | None


@dataclass(frozen=True)
class StoredResult:
    result_id: int
    response_id: int
    submitted_at: datetime
    ims: float
    level: str
    scores: dict[str, Any]


@dataclass(frozen=True)
class Submitted:
    cluster_id: str
    questionnaire_version: str
    submitted_at: datetime
    scores: dict[str, Any]
    answers: dict[str, Value]


@dataclass(frozen=True)
class SubmittedScores:
    """A submitted response's latest result, reduced to what aggregate figures read."""

    cluster_id: str
    ims: float
    level: str
    areas: dict[str, float]
    strategy_updated: bool
    answers: dict[str, Value]  # only the questions asked for, and only those answered


@dataclass(frozen=True)
class ClusterState:
    cluster_id: str
    nombre: str
    departamento: str
    sector: str
    estado: str
    user_id: int | None
    chat_id: int | None
    unreachable: bool
    opted_out: bool
    status: str  # no_manager | consent_pending | not_started | draft | submitted
    updated_at: datetime | None
    correcting: bool = False  # submitted, with a correction open (the sent version counts)
    answered: int = 0  # answers in the draft (the progress of one never sent)


@dataclass(frozen=True)
class ReminderRow:
    cluster_id: str
    nombre: str
    user_id: int
    chat_id: int
    registered_at: datetime
    unreachable: bool
    status: str  # consent_pending | not_started | draft | correcting | submitted
    last_activity_at: datetime | None
    answers: dict[str, Value]  # for drafts: what is left
    opted_out: bool
    snoozed_until: datetime | None
    sent: list[tuple[str, datetime]]  # (kind, at), failed sends excluded


class Redeem(Enum):
    OK = "ok"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"


class Redemption(NamedTuple):
    """What accepting an invitation did: its outcome, the cluster it names, the role it gives,
    and the manager it replaced (someone else, told by the caller), if any."""

    outcome: Redeem
    cluster_id: str | None
    role: str = "manager"
    replaced: Manager | None = None


@dataclass(frozen=True)
class Registration:
    """A person's record as a member of one cluster, in full (what ``/mis_datos`` shows)."""

    cluster_id: str
    user_id: int
    chat_id: int
    name: str | None
    registered_at: datetime
    consent_at: datetime | None
    consent_version: str | None
    unreachable_at: datetime | None
    role: str = "manager"  # or "collaborator"


@dataclass(frozen=True)
class DataRequest:
    """A request under Ley 1581 de 2012; once done its ``user_id`` is 0 (erased)."""

    request_id: int
    user_id: int
    cluster_id: str | None
    kind: str  # deletion
    status: str  # pending | done
    created_at: datetime
    handled_at: datetime | None
    handled_by: str | None


@dataclass(frozen=True)
class PersonalData:
    """Everything stored about a person (not their cluster's answers, which are the cluster's)."""

    managers: tuple[Registration, ...]
    requests: tuple[DataRequest, ...]
    audit_entries: int


@dataclass(frozen=True)
class AuditEntry:
    audit_id: int
    at: datetime
    actor: str  # a user id, "cli", "bot", "import"…, or "persona-eliminada" once erased
    action: str
    cluster_id: str | None
    detail: dict[str, Any] | None


@dataclass(frozen=True)
class Review:
    """An analyst's review of a submitted response (``bot.storage.reviews``)."""

    response_id: int
    status: str  # pendiente | aprobada | requiere_ajuste
    changed_at: datetime
    changed_by: str  # a user id, "cli", "bot"…
    note: str | None


@dataclass(frozen=True)
class Evidence:
    """A file attached to an answer; its bytes are ``evidencias/<sha256>`` in the data folder."""

    evidence_id: int
    response_id: int
    cluster_id: str
    question_id: str
    sha256: str
    name: str  # as the manager's file was called
    mime: str
    size: int
    uploaded_by: int
    uploaded_at: datetime
