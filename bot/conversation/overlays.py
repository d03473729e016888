"""What a cluster's radar is compared with: the national and sector means of the campaign's
submitted results, and the cluster's own latest result in an earlier campaign.

One function for every radar of a cluster (the manager's result, the analyst's cluster view),
so both always draw the same comparisons.
"""

from __future__ import annotations

from bot import texts
from bot.conversation import results
from bot.questionnaire.model import Questionnaire
from bot.storage import Campaign, Storage


async def overlays_for(
    storage: Storage, q: Questionnaire, campaign: Campaign, cluster_id: str, sector: str
) -> results.Overlays:
    area_ids = [a.id for a in q.areas]
    sectors = await storage.campaign_area_means(campaign.campaign_id, area_ids)
    national, n = results.group_means(sectors, area_ids)
    sector_means, sector_n = sectors.get(sector, ({}, 0))
    previous = await storage.previous_result(cluster_id, campaign.reference_year)
    return results.Overlays(
        national=national or None,
        national_n=n,
        sector=sector_means or None,
        sector_label=texts.SECTOR_LABELS.get(sector, sector),
        sector_n=sector_n,
        previous=previous[1].scores.get("areas") if previous else None,
        previous_label=previous[0] if previous else None,
    )
