"""The campaign's figures for the network: the executive summary (the data export is
``bot.services.exports``).

It reads the database and hand the rows to the pure builders of ``bot.reports``; openpyxl and
matplotlib are imported only when a file or a chart is really made (a summary stays under 1 s).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from bot.questionnaire.model import Questionnaire
from bot.reports import summary as summaries
from bot.services import campaigns
from bot.storage import Cluster, Review, Storage, SubmittedScores
from bot.texts import admin as t


def cluster_info(cluster: Cluster) -> summaries.ClusterInfo:
    return summaries.ClusterInfo(
        cluster.cluster_id,
        cluster.departamento,
        cluster.sector,
        cluster.entidad_gestora_tipo,
        cluster.estado,
    )


def submission(row: SubmittedScores) -> summaries.Submission:
    return summaries.Submission(
        cluster_id=row.cluster_id,
        answers=row.answers,
        ims=row.ims,
        level=row.level,
        areas=row.areas,
        estrategia_actualizada=row.strategy_updated,
    )


@dataclass(frozen=True)
class SummaryBundle:
    data: dict[str, Any]  # the figures (``ssme summary --json``)
    text: str  # the same, worded for Telegram (HTML)
    charts: list[tuple[str, Any]]  # (name, picklable chart job) for summaries.render_with
    # summaries.breakdown by "sector" and "departamento": the bar charts and the documents' annex
    groups: dict[str, list[dict[str, Any]]]
    reviews: Counter[str]  # the campaign's submitted responses by review status


async def summary(
    storage: Storage, q: Questionnaire, campaign_id: str | None, *, approved_only: bool = False
) -> SummaryBundle:
    """A campaign's summary, compared with the campaign before it if there is one.

    ``approved_only``: R is the approved submissions only (methodology §7); by default every
    submitted response counts, whatever its review."""
    campaign = await campaigns.resolve(storage, campaign_id)
    registry = [cluster_info(c) for c in await storage.list_clusters()]
    current = [
        submission(s)
        for s in await storage.submitted_scores(campaign.campaign_id, summaries.ANSWERS_USED)
    ]
    reviews = await storage.campaign_reviews(campaign.campaign_id)
    review_counts = Counter(r.status for r in reviews.values())
    if approved_only:
        current = [s for s in current if _approved(reviews.get(s.cluster_id))]
    previous_campaign = await storage.previous_campaign(campaign.campaign_id)
    previous = previous_summary = None
    if previous_campaign is not None:
        # Only its level shares and area means are compared: no answers needed.
        previous = [
            submission(s) for s in await storage.submitted_scores(previous_campaign.campaign_id)
        ]
        previous_summary = summaries.headline(q, previous_campaign.campaign_id, registry, previous)
    data = summaries.compute_summary(
        q,
        campaign.campaign_id,
        registry,
        current,
        previous,
        previous_campaign.campaign_id if previous_campaign else None,
    )
    groups = {
        by: summaries.breakdown(q, registry, current, by) for by in ("sector", "departamento")
    }
    charts = summaries.summary_charts(data, q, previous_summary, groups)
    text = summaries.summary_text(data, q)
    text += "\n\n" + t.review_line(review_counts, approved_only=approved_only)
    return SummaryBundle(data, text, charts, groups, review_counts)


def _approved(review: Review | None) -> bool:
    return review is not None and review.status == "aprobada"
