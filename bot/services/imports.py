"""CSV imports: the cluster registry, a past campaign's responses and an earlier wave's
published results, each all or nothing; and the templates of those files.

The files are read and checked by ``bot.files`` (every problem found, by line and column); a
file with any rejected row imports nothing, and the write is one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.files.registry import RegistryParse, parse_registry_csv
from bot.files.responses import (
    TEMPLATE_CLUSTER_ID,
    ImportedResponse,
    ResponsesParse,
    parse_responses_csv,
    responses_template_csv,
)
from bot.files.results import ResultsParse, parse_results_csv, results_template_csv
from bot.questionnaire.model import Questionnaire
from bot.services import campaigns, review
from bot.storage import Cluster, Storage, Submitted, utcnow
from scoring import score_answers

EXAMPLE_ID = TEMPLATE_CLUSTER_ID  # the example row's cluster of both templates (never imported)


def responses_template(q: Questionnaire) -> str:
    """The responses CSV to fill in: header and one example row."""
    return responses_template_csv(q)


def results_template(q: Questionnaire) -> str:
    """The published-results CSV to fill in: header and one example row."""
    return results_template_csv(q)


@dataclass(frozen=True)
class RegistryImport:
    parsed: RegistryParse
    imported: int = 0  # clusters inserted or updated (0 when the file was refused)

    @property
    def ok(self) -> bool:
        return self.parsed.ok


def read_registry(data: bytes) -> RegistryImport:
    """Check a registry CSV without touching the database."""
    return RegistryImport(parse_registry_csv(data))


async def save_registry(
    storage: Storage, checked: RegistryImport, actor: str | int
) -> RegistryImport:
    """Write a checked registry: every row, or none if any row was rejected."""
    if not checked.ok:
        return checked
    clusters = [Cluster(**row.model_dump()) for row in checked.parsed.rows]
    return RegistryImport(checked.parsed, await storage.upsert_clusters(clusters, actor))


async def import_registry(storage: Storage, data: bytes, actor: str | int) -> RegistryImport:
    """Check a registry CSV and, if every row is valid, insert or update its clusters."""
    return await save_registry(storage, read_registry(data), actor)


@dataclass(frozen=True)
class ResponsesImport:
    campaign_id: str
    parsed: ResponsesParse
    clashes: list[ImportedResponse] = field(default_factory=list)  # already answered
    imported: int = 0  # responses written (0 when the file was refused)

    @property
    def ok(self) -> bool:
        return self.parsed.ok and not self.clashes


async def import_responses(
    storage: Storage, q: Questionnaire, campaign_id: str | None, data: bytes, actor: str | int
) -> ResponsesImport:
    """Submitted responses of a past campaign (by default the open one, else the latest),
    scored as the bot scores them, each dated by its ``submitted_at`` if the file has one.

    Refused whole if any row is invalid, names a cluster not in the registry, or a cluster that
    already has a response in that campaign.
    """
    campaign = await campaigns.resolve(storage, campaign_id)
    known = {c.cluster_id for c in await storage.list_clusters()}
    parsed = parse_responses_csv(data, q, campaign.reference_year, known_clusters=known)
    already = await storage.existing_responses(campaign.campaign_id)
    checked = ResponsesImport(
        campaign.campaign_id, parsed, [r for r in parsed.rows if r.cluster_id in already]
    )
    if not checked.ok:
        return checked
    rows = [
        Submitted(
            row.cluster_id,
            q.version,
            row.submitted_at or utcnow(),
            score_answers(q, row.answers, campaign.reference_year).to_json(),
            row.answers,
        )
        for row in parsed.rows
    ]
    n = await storage.import_submissions(campaign.campaign_id, rows, actor)
    await review.keep_checks(storage, q, campaign.campaign_id)  # the queue reads them ready
    return ResponsesImport(campaign.campaign_id, parsed, [], n)


@dataclass(frozen=True)
class ResultsImport:
    campaign_id: str
    parsed: ResultsParse
    clashes: list[str] = field(default_factory=list)  # clusters that already have a response
    imported: int = 0

    @property
    def ok(self) -> bool:
        return self.parsed.ok and not self.clashes


async def import_results(
    storage: Storage, q: Questionnaire, campaign_id: str, data: bytes, actor: str | int
) -> ResultsImport:
    """An earlier wave's results as published (IMS, level, areas, indicators), not re-scored.

    Refused whole if any row is invalid, names a cluster not in the registry, or one that
    already has a response (answered or imported) in that campaign.
    """
    campaign = await campaigns.resolve(storage, campaign_id)
    known = {c.cluster_id for c in await storage.list_clusters()}
    parsed = parse_results_csv(data, q, known_clusters=known)
    already = await storage.existing_responses(campaign.campaign_id)
    clashes = [row.cluster_id for row in parsed.rows if row.cluster_id in already]
    checked = ResultsImport(campaign.campaign_id, parsed, clashes)
    if not checked.ok:
        return checked
    n = await storage.import_published(campaign.campaign_id, parsed.rows, actor)
    return ResultsImport(campaign.campaign_id, parsed, [], n)
