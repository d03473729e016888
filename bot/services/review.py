"""The analysts' review of submitted responses: the queue (flagged first, with the reason of
each flag), approving, and the counts the summary shows.

A submission starts ``pendiente`` (``bot.storage.reviews``); an analyst approves it
(``aprobada``) or asks for a correction (``requiere_ajuste``); a new submission puts it back to
``pendiente``. Shared by ``/revision`` (bot/handlers/desk.py) and ``ssme review`` (the CLI).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from bot.questionnaire.model import Questionnaire
from bot.reports import flags as flagging
from bot.services import campaigns
from bot.services.desk import find_cluster
from bot.services.errors import ServiceError
from bot.storage import Campaign, Cluster, Storage

PENDING, APPROVED, NEEDS_CHANGES = "pendiente", "aprobada", "requiere_ajuste"


@dataclass(frozen=True)
class QueueItem:
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
    reviews = await storage.campaign_reviews(campaign.campaign_id)
    states = {s.cluster_id: s for s in await storage.response_states(campaign.campaign_id)}
    submitted = await storage.submitted_scores(campaign.campaign_id, flagging.ANSWERS_USED)
    previous_levels: dict[str, str] = {}
    previous = await storage.previous_campaign(campaign.campaign_id)
    if previous is not None:
        previous_levels = {
            s.cluster_id: s.level for s in await storage.submitted_scores(previous.campaign_id)
        }
    found = flagging.flags(
        [flagging.Flagged(s.cluster_id, s.level, s.answers) for s in submitted],
        previous_levels,
        [lv.id for lv in q.levels],
    )
    counts: Counter[str] = Counter()
    items = []
    for s in submitted:
        review = reviews.get(s.cluster_id)
        status = review.status if review else PENDING
        counts[status] += 1
        if status not in statuses:
            continue
        state = states.get(s.cluster_id)
        items.append(
            QueueItem(
                s.cluster_id,
                state.nombre if state else s.cluster_id,
                state.departamento if state else "",
                status,
                review.changed_at if review else None,
                tuple(found.get(s.cluster_id, ())),
            )
        )
    items.sort(key=lambda i: (not i.flags, i.changed_at or datetime.min, i.cluster_id))
    return Queue(campaign, tuple(items), counts)


async def _submitted(
    storage: Storage, typed: str, campaign_id: str | None
) -> tuple[Cluster, Campaign, int]:
    cluster = await find_cluster(storage, typed)
    campaign = await campaigns.resolve(storage, campaign_id)
    response = await storage.get_response(cluster.cluster_id, campaign.campaign_id)
    if response is None or response.status != "submitted":
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
