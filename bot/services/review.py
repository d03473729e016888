"""The analysts' review of submitted responses: the queue (flagged first, with the reason of
each flag), approving, and the counts the summary shows.

A submission starts ``pendiente`` (``bot.storage.reviews``); an analyst approves it
(``aprobada``) or asks for a correction (``requiere_ajuste``); a new submission puts it back to
``pendiente``. Shared by ``/revision`` (bot/handlers/desk.py) and ``ssme review`` (the CLI).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from bot.questionnaire import rules
from bot.questionnaire.model import Questionnaire, Value
from bot.reports import flags as flagging
from bot.services import campaigns
from bot.services.desk import find_cluster
from bot.services.errors import ServiceError
from bot.storage import Campaign, Cluster, Manager, Storage
from bot.storage.checks import RATIO_COLUMNS, QueueRow, SubmissionChecks

PENDING, APPROVED, NEEDS_CHANGES = "pendiente", "aprobada", "requiere_ajuste"
NOTE_MAX = 500


class QueueItem(NamedTuple):  # a tuple: a queue builds ten thousand
    cluster_id: str
    nombre: str
    departamento: str
    status: str  # pendiente | aprobada | requiere_ajuste
    changed_at: datetime | None  # when it took that status (the submission, for pendiente)
    flags: tuple[flagging.Flag, ...]


@dataclass(frozen=True)
class Queue:
    campaign: Campaign
    items: tuple[QueueItem, ...]  # flagged first, then the oldest first
    counts: Counter[str]  # every submitted response by review status


async def review_queue(
    storage: Storage,
    q: Questionnaire,
    campaign_id: str | None,
    statuses: tuple[str, ...] = (PENDING,),
) -> Queue:
    campaign = await campaigns.resolve(storage, campaign_id)
    rows = await _queue_rows(storage, q, campaign)
    previous = await storage.previous_campaign(campaign.campaign_id)
    previous_levels = await storage.campaign_levels(previous.campaign_id) if previous else {}
    # Columns, not a record per submission: ten thousand of them per queue.
    ratios = {
        name: {r.cluster_id: v for r in rows if (v := r.ratios[k]) is not None}
        for k, name in enumerate(RATIO_COLUMNS)
    }
    found = flagging.flags_of(
        {r.cluster_id: r.level for r in rows},
        ratios,
        previous_levels,
        [lv.id for lv in q.levels],
    )
    for r in rows:  # the questionnaire's own plausibility rules, as kept
        for message in r.findings:
            found.setdefault(r.cluster_id, []).append(
                flagging.Flag("plausibility", {"message": message})
            )
    counts: Counter[str] = Counter(r.status for r in rows)
    items = [
        QueueItem(
            r.cluster_id,
            r.nombre,
            r.departamento,
            r.status,
            r.changed_at,
            tuple(found.get(r.cluster_id, ())),
        )
        for r in rows
        if r.status in statuses
    ]
    items.sort(key=lambda i: (not i.flags, i.changed_at or datetime.min, i.cluster_id))
    return Queue(campaign, tuple(items), counts)


def rules_key(q: Questionnaire, year: int) -> str:
    """What a submission's checks depend on besides its answers: the questionnaire (its rules,
    the questions' relevance and types, the messages) and the campaign's year (the messages)."""
    digest = hashlib.sha256(q.model_dump_json().encode()).hexdigest()[:24]
    return f"{digest}:{year}"


def checks_of(q: Questionnaire, answers: Mapping[str, Value], year: int) -> SubmissionChecks:
    """A submission's checks from its answers: what the queue shows of it, computed once."""
    return SubmissionChecks(
        flagging.ratios(answers),
        tuple(f.message for f in rules.plausibility(q, answers, year)),
    )


async def _queue_rows(storage: Storage, q: Questionnaire, campaign: Campaign) -> list[QueueRow]:
    """The campaign's submitted responses with their checks; those without (a submission since
    the last queue, migration 11's, a questionnaire changed) computed from their answers and
    kept, so the next queue reads them."""
    key = rules_key(q, campaign.reference_year)
    rows = await storage.queue_rows(campaign.campaign_id, key)
    missing = [r.submission_id for r in rows if not r.checked]
    if not missing:
        return rows
    answers = await storage.submission_answers(missing, flag_questions(q))
    computed = {sid: checks_of(q, answers.get(sid, {}), campaign.reference_year) for sid in missing}
    await storage.keep_checks(key, computed)
    return [r if r.checked else _with(r, computed[r.submission_id]) for r in rows]


def _with(row: QueueRow, checks: SubmissionChecks) -> QueueRow:
    ratios = tuple(checks.ratios.get(c) for c in RATIO_COLUMNS)
    return row._replace(checked=True, ratios=ratios, findings=checks.findings)


async def keep_checks(storage: Storage, q: Questionnaire, campaign_id: str | None) -> None:
    """Compute and keep the checks of the campaign's submissions that lack them (after an
    import or a correction, so the next queue finds them ready)."""
    await _queue_rows(storage, q, await campaigns.resolve(storage, campaign_id))


def flag_questions(q: Questionnaire) -> tuple[str, ...]:
    """The answers the flags read: the outliers' and the plausibility rules' questions, and
    those their relevance depends on (so the rules see the same answers as the conversation)."""
    wanted = set(flagging.ANSWERS_USED)
    for rule in q.consistency:
        if rule.soft:
            wanted |= set(rule.question_ids)
    while True:
        more = {
            c.question
            for qid in wanted
            if qid in q.question_map
            for c in q.question_map[qid].relevant
        } - wanted
        if not more:
            return tuple(sorted(wanted))
        wanted |= more


async def _submitted(
    storage: Storage, typed: str, campaign_id: str | None
) -> tuple[Cluster, Campaign, int]:
    cluster = await find_cluster(storage, typed)
    campaign = await campaigns.resolve(storage, campaign_id)
    response = await storage.get_response(cluster.cluster_id, campaign.campaign_id)
    if response is None or response.sent_version is None:
        raise ServiceError(
            "review_not_submitted", cluster=cluster.cluster_id, campaign=campaign.campaign_id
        )
    return cluster, campaign, response.response_id


async def approve(
    storage: Storage, typed: str, campaign_id: str | None, actor: str | int
) -> Cluster:
    """Approve a cluster's submitted response (again harmlessly if it already is)."""
    cluster, campaign, response_id = await _submitted(storage, typed, campaign_id)
    await storage.set_review(
        response_id, cluster.cluster_id, APPROVED, actor, detail={"campaign": campaign.campaign_id}
    )
    return cluster


async def approved_clusters(storage: Storage, campaign_id: str) -> set[str]:
    """The clusters whose submitted response is approved (``summary --approved-only``)."""
    reviews = await storage.campaign_reviews(campaign_id)
    return {c for c, r in reviews.items() if r.status == APPROVED}


@dataclass(frozen=True)
class Ask:
    """A request for a correction, recorded; what to send the manager, and where."""

    cluster: Cluster
    campaign: Campaign
    manager: Manager | None  # None: nobody to tell (the request is recorded all the same)
    questions: list[tuple[str, str]]  # (question id, its short text)
    note: str


async def ask(
    storage: Storage,
    q: Questionnaire,
    typed: str,
    campaign_id: str | None,
    question_ids: list[str],
    note: str,
    actor: str | int,
) -> Ask:
    """Ask the manager to revisit answers of the sent response: ``requiere_ajuste`` with the
    note and the questions (the manager's next «Enviar» puts it back to ``pendiente``)."""
    cluster, campaign, response_id = await _submitted(storage, typed, campaign_id)
    if not question_ids:
        raise ServiceError("ask_no_questions")
    unknown = [qid for qid in question_ids if qid not in q.question_map]
    if unknown:
        raise ServiceError("correct_unknown_question", question=unknown[0])
    if len(note) > NOTE_MAX:
        raise ServiceError("correct_long_reason", max=NOTE_MAX)
    questions = [(qid, q.question_map[qid].short) for qid in dict.fromkeys(question_ids)]
    await storage.set_review(
        response_id,
        cluster.cluster_id,
        NEEDS_CHANGES,
        actor,
        note.strip() or None,
        detail={"campaign": campaign.campaign_id, "questions": [qid for qid, _ in questions]},
    )
    manager = await storage.cluster_manager(cluster.cluster_id)
    return Ask(cluster, campaign, manager, questions, note.strip())
