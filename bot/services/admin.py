"""What admins ask for, independent of where they ask (``ssme`` or Telegram).

Each function reads the database through :class:`Storage`, calls the pure builders (summary,
export, registry and response parsers, scoring) and returns data and Spanish text.
"""

from __future__ import annotations

import csv
import io
from collections import ChainMap, Counter
from dataclasses import asdict, dataclass
from typing import Any

from bot.files.registry import parse_registry_csv
from bot.questionnaire.model import Questionnaire
from bot.reports import summary as summaries
from bot.services.invitations import deep_link, invitation_expiry, new_token
from bot.storage import Campaign, Cluster, ClusterState, Storage, Submitted, SubmittedScores
from bot.texts import admin as t
from scoring import score_answers


class AdminError(Exception):
    """A request that cannot be done; the message is Spanish and says why."""


async def resolve_campaign(storage: Storage, campaign_id: str | None) -> Campaign:
    if campaign_id:
        campaign = await storage.get_campaign(campaign_id)
        if campaign is None:
            known = ", ".join(c.campaign_id for c in await storage.list_campaigns()) or "—"
            raise AdminError(t.UNKNOWN_CAMPAIGN.format(id=campaign_id, known=known))
        return campaign
    campaign = await storage.current_campaign()
    if campaign is None:
        raise AdminError(t.NO_CAMPAIGNS)
    return campaign


def _info(cluster: Cluster) -> summaries.ClusterInfo:
    return summaries.ClusterInfo(
        cluster.cluster_id,
        cluster.departamento,
        cluster.sector,
        cluster.entidad_gestora_tipo,
        cluster.estado,
    )


def _submission(row: SubmittedScores) -> summaries.Submission:
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
    data: dict[str, Any]
    text: str
    charts: list[tuple[str, Any]]  # (name, picklable chart job) for summaries.render_with


async def summary(storage: Storage, q: Questionnaire, campaign_id: str | None) -> SummaryBundle:
    campaign = await resolve_campaign(storage, campaign_id)
    registry = [_info(c) for c in await storage.list_clusters()]
    current = [
        _submission(s)
        for s in await storage.submitted_scores(campaign.campaign_id, summaries.ANSWERS_USED)
    ]
    previous_campaign = await storage.previous_campaign(campaign.campaign_id)
    previous = previous_summary = None
    if previous_campaign is not None:
        # Only its level shares and area means are compared: no answers needed.
        previous = [
            _submission(s) for s in await storage.submitted_scores(previous_campaign.campaign_id)
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
    counts = summaries.respondent_counts(registry, current)
    charts = summaries.summary_charts(data, q, previous_summary, counts)
    return SummaryBundle(data, summaries.summary_text(data, q), charts)


async def export(
    storage: Storage, q: Questionnaire, campaign_id: str | None, fmt: str
) -> tuple[str, bytes]:
    from bot.reports.export import (  # openpyxl: only here
        ExportRow,
        export_tables,
        to_csv_zip,
        to_xlsx,
    )

    campaign = await resolve_campaign(storage, campaign_id)
    clusters = {c.cluster_id: c for c in await storage.list_clusters()}
    registry = [asdict(c) for c in clusters.values()]
    rows = [
        ExportRow(
            cluster=asdict(clusters[s.cluster_id])
            if s.cluster_id in clusters
            else {"cluster_id": s.cluster_id},
            campaign_id=campaign.campaign_id,
            questionnaire_version=s.questionnaire_version,
            submitted_at=s.submitted_at,
            answers=s.answers,
            scores=s.scores,
        )
        for s in await storage.submissions(campaign.campaign_id)
    ]
    tables = export_tables(q, registry, rows)
    title = t.EXPORT_TITLE.format(campaign=campaign.campaign_id)
    if fmt == "csv":
        return f"ssme_{campaign.campaign_id}.zip", to_csv_zip(tables, title=title)
    if fmt == "xlsx":
        return f"ssme_{campaign.campaign_id}.xlsx", to_xlsx(tables, title=title)
    raise AdminError(t.BAD_FORMAT.format(fmt=fmt))


async def import_registry(storage: Storage, data: bytes, actor: str | int) -> tuple[bool, str]:
    parsed = parse_registry_csv(data)
    report = parsed.report(max_errors=30)
    if not parsed.ok:
        return False, f"{report}\n{t.NOTHING_IMPORTED}"
    n = await storage.upsert_clusters([Cluster(**row.model_dump()) for row in parsed.rows], actor)
    return True, f"{report}\n{t.CLUSTERS_IMPORTED.format(n=n)}"


async def import_responses(
    storage: Storage, q: Questionnaire, campaign_id: str, data: bytes, actor: str | int
) -> tuple[bool, str]:
    from bot.files.responses import parse_responses_csv

    campaign = await resolve_campaign(storage, campaign_id)
    known = {c.cluster_id for c in await storage.list_clusters()}
    parsed = parse_responses_csv(data, q, campaign.reference_year, known_clusters=known)
    report = parsed.report(max_errors=30)
    already = await storage.existing_responses(campaign.campaign_id)
    clashes = [r for r in parsed.rows if r.cluster_id in already]
    if clashes:
        lines = [t.ALREADY_ANSWERED.format(line=r.line, cluster=r.cluster_id) for r in clashes]
        report = "\n".join([*lines, report])
    if not parsed.ok or clashes:
        return False, f"{report}\n{t.NOTHING_IMPORTED}"
    rows = []
    for row in parsed.rows:
        result = score_answers(q, row.answers, campaign.reference_year)
        rows.append(
            Submitted(row.cluster_id, q.version, None, result.to_json(), row.answers)  # type: ignore[arg-type]
        )
    n = await storage.import_submissions(campaign.campaign_id, rows, actor)
    return True, f"{report}\n{t.RESPONSES_IMPORTED.format(n=n, campaign=campaign.campaign_id)}"


async def invite(
    storage: Storage, cluster_id: str, bot_username: str, actor: str | int
) -> tuple[str, str]:
    """A new single-use invitation: (deep link, code)."""
    if await storage.get_cluster(cluster_id) is None:
        raise AdminError(t.UNKNOWN_CLUSTER.format(cluster=cluster_id))
    token = new_token()
    await storage.create_invitation(cluster_id, token, invitation_expiry(), actor)
    return deep_link(bot_username, token), token


async def invitations_csv(
    storage: Storage, campaign_id: str | None, bot_username: str, actor: str | int
) -> tuple[int, bytes]:
    """Links for every active cluster without a manager, as a CSV for mail merges."""
    campaign = await resolve_campaign(storage, campaign_id)
    states = await storage.response_states(campaign.campaign_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["cluster_id", "nombre", "departamento", "enlace", "codigo"])
    n = 0
    for state in states:
        if state.status != "no_manager" or state.estado != "activa":
            continue
        link, token = await invite(storage, state.cluster_id, bot_username, actor)
        writer.writerow([state.cluster_id, state.nombre, state.departamento, link, token])
        n += 1
    return n, ("\ufeff" + out.getvalue()).encode("utf-8")


@dataclass(frozen=True)
class Participation:
    campaign: Campaign
    states: list[ClusterState]

    @property
    def active(self) -> list[ClusterState]:
        return [s for s in self.states if s.estado == "activa"]

    def counts(self) -> Counter[str]:
        counts: Counter[str] = Counter(s.status for s in self.active)
        counts["registered"] = len(self.active)
        counts["unreachable"] = sum(1 for s in self.active if s.unreachable)
        counts["opted_out"] = sum(1 for s in self.active if s.opted_out)
        return counts

    def by(self, field: str) -> dict[str, Counter[str]]:
        groups: dict[str, Counter[str]] = {}
        for s in self.active:
            group = groups.setdefault(getattr(s, field), Counter())
            group[s.status] += 1
            group["registered"] += 1
            group["unreachable"] += s.unreachable
            group["opted_out"] += s.opted_out
        return dict(sorted(groups.items()))

    @property
    def pending(self) -> list[ClusterState]:
        return [s for s in self.active if s.status != "submitted"]

    def text(self) -> str:
        c = self.counts()
        lines = [
            t.PARTICIPATION_TITLE.format(campaign=self.campaign.campaign_id),
            # format_map, not format(**…): a Counter gives 0 for a state nobody is in.
            t.PARTICIPATION_COUNTS.format_map(c),
        ]
        for field, title in (("departamento", t.BY_DEPARTMENT), ("sector", t.BY_SECTOR)):
            lines += ["", title]
            lines += [
                t.GROUP_LINE.format_map(ChainMap({"name": name}, g))
                for name, g in self.by(field).items()
            ]
        return "\n".join(lines)


async def participation(storage: Storage, campaign_id: str | None) -> Participation:
    campaign = await resolve_campaign(storage, campaign_id)
    return Participation(campaign, await storage.response_states(campaign.campaign_id))
