"""The analyst's export: one campaign, or every campaign in one file (``ALL``).

Reads the registry, each campaign's submitted responses and where each came from, and hands
them to the pure builder ``bot.reports.export`` (openpyxl is imported only here, when a file is
really made).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from bot.questionnaire.model import Questionnaire
from bot.services import campaigns
from bot.services.errors import ServiceError
from bot.storage import Storage
from bot.texts import admin as t

ALL = "*"  # every campaign in one file
_PAGE = 2000  # responses read and turned into rows at a time


@dataclass(frozen=True)
class Export:
    campaign_id: str  # the campaign, or ALL
    filename: str
    data: bytes


async def export(
    storage: Storage,
    q: Questionnaire,
    campaign_id: str | None,
    fmt: str,
    *,
    excel_es: bool = False,
) -> Export:
    """The workbook (``xlsx``) or a ZIP of CSVs (``csv``) with the codebook."""
    from bot.reports.export import (
        EvidenceRow,
        ExportRow,
        HistoryRow,
        TableBuilder,
        column_specs,
        to_csv_zip,
        to_xlsx,
    )

    if fmt not in ("csv", "xlsx"):
        raise ServiceError("bad_format", fmt=fmt)
    if campaign_id == ALL:
        chosen = sorted(await campaigns.list_all(storage), key=lambda c: c.reference_year)
        if not chosen:
            raise ServiceError("no_campaigns")
        ids = [c.campaign_id for c in chosen]
        label, name = t.EXPORT_ALL, "ssme_todas"
    else:
        campaign = await campaigns.resolve(storage, campaign_id)
        ids = [campaign.campaign_id]
        label, name = campaign.campaign_id, f"ssme_{campaign.campaign_id}"
    clusters = {c.cluster_id: asdict(c) for c in await storage.list_clusters()}
    builder = TableBuilder(q, list(clusters.values()), ids)
    for cid in ids:
        sources = await storage.response_sources(cid)
        reviews = await storage.campaign_reviews(cid)
        after = ""
        # A page of responses at a time: only its decoded answers are held (a campaign of
        # 10,000 decoded at once was ~160 MB of the export's peak), then let go.
        while page := await storage.submissions(cid, after=after, limit=_PAGE):
            after = page[-1].cluster_id
            builder.add(
                [
                    ExportRow(
                        cluster=clusters.get(s.cluster_id, {"cluster_id": s.cluster_id}),
                        campaign_id=cid,
                        questionnaire_version=s.questionnaire_version,
                        submitted_at=s.submitted_at,
                        answers=s.answers,
                        scores=s.scores,
                        source=sources.get(s.cluster_id, "telegram"),
                        review=reviews[s.cluster_id].status if s.cluster_id in reviews else None,
                    )
                    for s in page
                ]
            )
            del page
        builder.add_history(
            [
                HistoryRow(
                    e.cluster_id or "",
                    cid,
                    e.at,
                    e.actor,
                    str((e.detail or {}).get("question", "")),
                    (e.detail or {}).get("old"),
                    (e.detail or {}).get("new"),
                    (e.detail or {}).get("reason"),
                )
                for e in await storage.answer_changes(cid)
            ]
        )
        builder.add_evidence(
            [
                EvidenceRow(
                    e.cluster_id,
                    cid,
                    e.question_id,
                    e.name,
                    e.mime,
                    e.size,
                    e.sha256,
                    e.uploaded_at,
                )
                for e in await storage.campaign_evidence(cid)
            ]
        )
    tables = builder.tables()
    title = t.EXPORT_TITLE.format(campaign=label)
    if fmt == "csv":
        return Export(
            campaign_id if campaign_id == ALL else ids[0],
            f"{name}.zip",
            to_csv_zip(tables, title=title, excel_es=excel_es),
        )
    notes = {
        sheet: {variable: label for variable, (label, _) in columns.items()}
        for sheet, columns in column_specs(tables).items()
    }
    return Export(
        campaign_id if campaign_id == ALL else ids[0],
        f"{name}.xlsx",
        to_xlsx(tables, title=title, notes=notes),
    )
