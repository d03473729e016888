"""The analyst's desk: one cluster at a glance, and the clusters of a campaign with their state.

Shared by ``/cluster``, ``/clusters`` (bot/handlers/desk.py) and ``ssme cluster`` (the CLI);
the texts are in ``bot.texts.desk``. Everything here reads: nothing is changed.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from bot.conversation import results
from bot.conversation.overlays import overlays_for
from bot.questionnaire import rules
from bot.questionnaire.engine import Engine
from bot.questionnaire.model import Questionnaire
from bot.services import campaigns
from bot.services.errors import ServiceError
from bot.storage import (
    AuditEntry,
    Campaign,
    Cluster,
    ClusterState,
    Evidence,
    Manager,
    Review,
    Storage,
)
from scoring import ScoreResult

# Where a cluster stands in a campaign (``ClusterState.status``), in the order lists show them.
STATUSES = ("no_manager", "consent_pending", "not_started", "draft", "submitted")
HISTORY_LINES = 30
SUGGESTIONS = 3


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower case without accents: how a typed name is compared with the registry's."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# -- one cluster -------------------------------------------------------------------------------


async def find_cluster(storage: Storage, typed: str) -> Cluster:
    """The cluster an admin typed: its id (any case), else refused with the closest ids."""
    cluster = await storage.get_cluster(typed.strip())
    if cluster is not None:
        return cluster
    known = await storage.list_clusters()
    wanted = fold(typed)
    for c in known:
        if fold(c.cluster_id) == wanted:
            return c
    by_key = {fold(c.cluster_id): c.cluster_id for c in known}
    by_key.update({fold(c.nombre): c.cluster_id for c in known})
    close = difflib.get_close_matches(wanted, list(by_key), n=SUGGESTIONS * 2, cutoff=0.6)
    close += [k for k in by_key if wanted and wanted in k]
    suggestions = list(dict.fromkeys(by_key[k] for k in close))[:SUGGESTIONS]
    if suggestions:
        raise ServiceError("cluster_suggest", cluster=typed, suggestions=", ".join(suggestions))
    raise ServiceError("unknown_cluster", cluster=typed)


@dataclass(frozen=True)
class Answer:
    question_id: str
    label: str  # the question's short text
    shown: str  # the answer as the manager sees it (option labels, formatted numbers)


@dataclass(frozen=True)
class HistoryLine:
    """An audit line of the cluster; a changed answer with its question and both values as
    the manager sees them."""

    entry: AuditEntry
    question: str | None = None
    old: str | None = None
    new: str | None = None
    reason: str | None = None
    actor_name: str | None = None  # the actor's name, a member of the cluster (issue 16)


def history_line(
    engine: Engine, entry: AuditEntry, names: dict[str, str] | None = None
) -> HistoryLine:
    detail = entry.detail or {}
    question = engine.q.question_map.get(str(detail.get("question")))
    who = (names or {}).get(entry.actor)
    if entry.action != "answer_changed" or question is None:
        return HistoryLine(entry, reason=detail.get("reason") or detail.get("note"), actor_name=who)

    def shown(value: object) -> str | None:
        return None if value is None else engine.display(question, value)  # type: ignore[arg-type]

    return HistoryLine(
        entry,
        engine.short(question),
        shown(detail.get("old")),
        shown(detail.get("new")),
        detail.get("reason"),
        who,
    )


@dataclass(frozen=True)
class ClusterView:
    cluster: Cluster
    campaign: Campaign
    manager: Manager | None
    collaborators: tuple[Manager, ...]  # who helps the manager answer (issue 16)
    status: str  # one of STATUSES
    answered: int
    expected: int  # questions that apply given the answers so far
    submitted_at: datetime | None  # of the version that counts
    version: int | None  # which sent version that is (1, 2… after corrections)
    correcting: bool  # the manager has a correction open (the sent version still counts)
    answers: tuple[Answer, ...]
    result: ScoreResult | None
    overlays: results.Overlays
    previous: ScoreResult | None  # the latest result in an earlier campaign
    changes: dict[str, float]  # area id → points against ``previous``
    history: tuple[HistoryLine, ...]
    review: Review | None  # of the submitted response, if it is
    plausibility: tuple[str, ...]  # the questionnaire's plausibility questions its answers raise
    evidence: tuple[tuple[str, Evidence], ...]  # (its question's short text, the file)


async def cluster_view(
    storage: Storage, q: Questionnaire, typed: str, campaign_id: str | None = None
) -> ClusterView:
    cluster = await find_cluster(storage, typed)
    campaign = await campaigns.resolve(storage, campaign_id)
    manager = await storage.cluster_manager(cluster.cluster_id)
    members = await storage.cluster_members(cluster.cluster_id)
    # Who answered what: the history names the cluster's members (manager, collaborators).
    names = {str(m.user_id): m.name for m in members if m.name}
    response = await storage.get_response(cluster.cluster_id, campaign.campaign_id)
    engine = Engine(q, campaign.reference_year)
    sent = (
        await storage.latest_submission(response.response_id)
        if response is not None and response.sent_version is not None
        else None
    )
    # Once sent, the version that counts (a correction in progress does not change it).
    if sent is not None:
        stored = await storage.result_by_id(sent.result_id)
        values = await storage.result_answers(sent.result_id)
    else:
        stored = None
        values = await storage.answers(response.response_id) if response else {}
    result = (
        results.rebuild(q, stored.scores, campaign.reference_year) if stored is not None else None
    )
    overlays = await overlays_for(storage, q, campaign, cluster.cluster_id, cluster.sector)
    earlier = await storage.previous_result(cluster.cluster_id, campaign.reference_year)
    previous = None
    if earlier is not None:
        year = await _year(storage, earlier[0], campaign.reference_year - 1)
        previous = results.rebuild(q, earlier[1].scores, year)
    changes = (
        {a: result.areas[a].score - previous.areas[a].score for a in result.areas}
        if result is not None and previous is not None
        else {}
    )
    answers = tuple(
        Answer(question.id, engine.short(question), engine.display(question, values[question.id]))
        for question in engine.relevant_questions(values)
        if question.id in values
    )
    if sent is not None:
        status = "submitted"
    else:
        status = response.status if response else ("not_started" if manager else "no_manager")
    return ClusterView(
        cluster=cluster,
        campaign=campaign,
        manager=manager,
        collaborators=tuple(m for m in members if m.role == "collaborator"),
        status=status,
        answered=len(answers),
        expected=len(engine.expected_questions(values)),
        submitted_at=sent.submitted_at if sent else None,
        version=sent.version if sent else None,
        correcting=sent is not None and response is not None and response.status == "draft",
        answers=answers,
        result=result,
        overlays=overlays,
        previous=previous,
        changes=changes,
        history=tuple(
            history_line(engine, e, names)
            for e in await storage.cluster_history(cluster.cluster_id, HISTORY_LINES)
        ),
        plausibility=tuple(
            f.message for f in rules.plausibility(q, values, campaign.reference_year)
        ),
        evidence=tuple(
            (
                engine.short(q.question_map[e.question_id])
                if e.question_id in q.question_map
                else e.question_id,
                e,
            )
            for e in (await storage.response_evidence(response.response_id) if response else [])
        ),
        review=await storage.review_of(response.response_id)
        if response is not None and status == "submitted"
        else None,
    )


async def _year(storage: Storage, campaign_id: str, default: int) -> int:
    campaign = await storage.get_campaign(campaign_id)
    return campaign.reference_year if campaign else default


# -- the list ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What ``/clusters`` shows: a department and a sector (folded prefixes), a status."""

    departamento: str | None = None
    sector: str | None = None
    status: str | None = None

    def keeps(self, state: ClusterState) -> bool:
        return (
            (self.departamento is None or fold(state.departamento).startswith(self.departamento))
            and (self.sector is None or fold(state.sector).startswith(self.sector))
            and (self.status is None or state.status == self.status)
        )

    def encode(self, room: int = 48) -> str:
        """For a button's data: ``d|s|e``, each ``-`` when not set, in at most ``room``
        characters (ASCII: folded). A long department keeps its start, which still matches."""
        rest = "|".join(v or "-" for v in (self.sector, self.status))
        department = (self.departamento or "-")[: max(1, room - len(rest) - 1)]
        return f"{department}|{rest}"

    @classmethod
    def decode(cls, data: str) -> Filters:
        parts = [*data.split("|"), "-", "-", "-"][:3]
        d, s, e = (None if p in ("-", "") else p for p in parts)
        return cls(d, s, e if e in STATUSES else None)


def read_filters(
    words: Sequence[str], states: Sequence[ClusterState], status_words: dict[str, str]
) -> Filters:
    """The words after ``/clusters``: each a status (its Spanish word), a sector or a
    department (the start of its name is enough, any case, accents or not). A word that is none
    of them is refused, naming what can be typed."""
    departments = {fold(s.departamento) for s in states}
    sectors = {fold(s.sector) for s in states}
    found: dict[str, str] = {}
    for word in words:
        key = fold(word)
        if key in status_words:
            found["status"] = status_words[key]
        elif any(s.startswith(key) for s in sectors):
            found["sector"] = key
        elif any(d.startswith(key) for d in departments):
            found["departamento"] = key
        else:
            raise ServiceError("bad_cluster_filter", word=word)
    return Filters(found.get("departamento"), found.get("sector"), found.get("status"))


@dataclass(frozen=True)
class ClusterList:
    campaign: Campaign
    filters: Filters
    rows: tuple[ClusterState, ...]  # the clusters kept, in status order, then by name
    total: int  # active clusters in the registry


async def cluster_list(
    storage: Storage,
    campaign_id: str | None,
    words: Sequence[str] = (),
    *,
    status_words: dict[str, str] | None = None,
    filters: Filters | None = None,
) -> ClusterList:
    campaign = await campaigns.resolve(storage, campaign_id)
    states = [
        s for s in await storage.response_states(campaign.campaign_id) if s.estado == "activa"
    ]
    if filters is None:
        filters = read_filters(words, states, status_words or {})
    kept = sorted(
        (s for s in states if filters.keeps(s)),
        key=lambda s: (STATUSES.index(s.status) if s.status in STATUSES else 0, fold(s.nombre)),
    )
    return ClusterList(campaign, filters, tuple(kept), len(states))
