"""The documents as use cases: the executive summary (PDF, DOCX) and a cluster's report card.

Each reads what it needs (the summary through :func:`bot.services.reports.summary`, so the
document's figures are exactly ``ssme summary --json``'s), builds the pure document
(:mod:`bot.documents`) and has it laid out by ``run`` (the bot's chart pool, so rendering never
blocks the event loop; the CLI runs it in a thread).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot import texts
from bot.conversation import callbacks as cb
from bot.conversation import results
from bot.conversation.overlays import overlays_for
from bot.documents import (
    ClusterFacts,
    Document,
    card_caption,
    card_document,
    headline_text,
    summary_document,
)
from bot.documents.card import PERFORMANCE_ANSWERS
from bot.documents.render import chart_png, render_docx, render_pdf
from bot.questionnaire.model import Questionnaire
from bot.services import campaigns, reports
from bot.services.errors import ServiceError
from bot.storage import Storage
from bot.texts import admin as admin_texts

# Runs a top-level function of picklable arguments off the event loop (``Renderer.run``).
Run = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Made:
    filename: str
    data: bytes
    caption: str  # the short text sent with it (plain)
    document: Document


async def summary(
    storage: Storage,
    q: Questionnaire,
    campaign_id: str | None,
    run: Run,
    today: date,
    fmt: str = "pdf",
) -> Made:
    """The executive summary of a campaign (the current one by default) as PDF or DOCX."""
    return (await summaries(storage, q, campaign_id, run, today, (fmt,)))[0]


async def summaries(
    storage: Storage,
    q: Questionnaire,
    campaign_id: str | None,
    run: Run,
    today: date,
    formats: Sequence[str],
    *,
    approved_only: bool = False,
) -> list[Made]:
    """The executive summary in each of ``formats`` ("pdf", "docx"), from one reading of the
    figures (``approved_only``: of the approved submissions only, methodology §7)."""
    for fmt in formats:
        if fmt not in ("pdf", "docx"):
            raise ServiceError("bad_format", fmt=fmt)
    bundle = await reports.summary(storage, q, campaign_id, approved_only=approved_only)
    docs = [
        summary_document(bundle.data, q, bundle.charts, bundle.groups, today, ext=fmt)
        for fmt in formats
    ]
    # The charts at once, one per worker (the pool has two), then the layout.
    jobs = docs[0].charts
    pngs = await asyncio.gather(*(run(chart_png, job) for _, job in jobs))
    drawn = {name: png for (name, _), png in zip(jobs, pngs, strict=True)}
    out = []
    for fmt, doc in zip(formats, docs, strict=True):
        data = await run(render_pdf if fmt == "pdf" else render_docx, doc, drawn)
        caption = (
            headline_text(bundle.data, q)
            + "\n"
            + admin_texts.review_line(bundle.reviews, approved_only=approved_only)
        )
        out.append(Made(doc.filename, data, caption, doc))
    return out


async def report_card(
    storage: Storage,
    q: Questionnaire,
    cluster_id: str,
    campaign_id: str | None,
    run: Run,
    today: date,
) -> Made:
    """A cluster's report card (PDF) for a campaign: its latest submitted result."""
    campaign = await campaigns.resolve(storage, campaign_id)
    cluster = await storage.get_cluster(cluster_id)
    if cluster is None:
        raise ServiceError("unknown_cluster", cluster=cluster_id)
    response = await storage.get_response(cluster_id, campaign.campaign_id)
    stored = None
    if response is not None and response.sent_version is not None:  # the version that counts
        sent = await storage.latest_submission(response.response_id)
        stored = await storage.result_by_id(sent.result_id) if sent else None
    if response is None or stored is None:
        raise ServiceError("no_result", cluster=cluster.nombre, campaign=campaign.campaign_id)
    year = campaign.reference_year
    result = results.rebuild(q, stored.scores, year)
    answers = await storage.result_answers(stored.result_id)

    # The radar exactly as the chat draws it: the same overlays (``overlays_for``), the same
    # spec. The campaign's latest submissions give the peers' performance answers.
    sector_of = {c.cluster_id: c.sector for c in await storage.list_clusters()}
    rows = [
        s
        for s in await storage.submitted_scores(campaign.campaign_id, PERFORMANCE_ANSWERS)
        if s.cluster_id in sector_of
    ]
    sector_label = texts.SECTOR_LABELS.get(cluster.sector, cluster.sector)
    before = await storage.previous_result(cluster_id, year)
    overlays = await overlays_for(storage, q, campaign, cluster_id, cluster.sector)
    radar = results.radar_spec(q, result, cluster.nombre, campaign.campaign_id, overlays)
    peers = [s.answers for s in rows if sector_of[s.cluster_id] == cluster.sector]
    facts = ClusterFacts(
        cluster_id, cluster.nombre, cluster.departamento, sector_label, cluster.entidad_gestora
    )
    previous_areas = overlays.previous
    previous = (before[0], dict(previous_areas)) if before and previous_areas else None
    doc = card_document(
        q, result, facts, campaign.campaign_id, radar, answers, previous, peers, today
    )
    data = await run(render_pdf, doc)
    return Made(doc.filename, data, card_caption(result, facts, campaign.campaign_id), doc)


async def manager_report_card(
    storage: Storage,
    q: Questionnaire,
    user_id: int,
    data: str,
    run: Run,
    today: date,
) -> Made:
    """«Descargar informe (PDF)» (its callback ``data``): the report card of the cluster the
    button carries, if the person holds it (the one they stand on or another)."""
    press = cb.decode(data)
    held = [m.cluster_id for m in await storage.memberships(user_id)]
    cluster = cb.held_cluster(data, held)
    if cluster is None or not isinstance(press, cb.ReportCard):
        raise ServiceError("unknown_cluster", cluster=str(user_id))
    return await report_card(storage, q, cluster, press.campaign, run, today)
