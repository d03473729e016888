"""CSV imports: the cluster registry and a past campaign's responses, each all or nothing.

The files are read and checked by ``bot.files`` (every problem found, by line and column); a
file with any rejected row imports nothing, and the write is one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.files.registry import RegistryParse, parse_registry_csv
from bot.files.responses import ImportedResponse, ResponsesParse, parse_responses_csv
from bot.questionnaire.model import Questionnaire
from bot.services import campaigns
from bot.storage import Cluster, Storage, Submitted, utcnow
from scoring import score_answers


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
    storage: Storage, q: Questionnaire, campaign_id: str, data: bytes, actor: str | int
) -> ResponsesImport:
    """Submitted responses of a past campaign, scored as the bot scores them.

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
            utcnow(),  # the storage stamps the import's own time
            score_answers(q, row.answers, campaign.reference_year).to_json(),
            row.answers,
        )
        for row in parsed.rows
    ]
    n = await storage.import_submissions(campaign.campaign_id, rows, actor)
    return ResponsesImport(campaign.campaign_id, parsed, [], n)
