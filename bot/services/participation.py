"""Participation in a campaign: how many active clusters answered, by state and by group."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.services import campaigns
from bot.storage import Campaign, ClusterState, Storage


@dataclass(frozen=True)
class Participation:
    """Counts are of active clusters (``estado == "activa"``); a Counter gives 0 for a state
    nobody is in, plus ``registered`` (all of them), ``unreachable``, ``opted_out`` and
    ``correcting`` (sent, with a correction open: the sent version counts).

    A response ever sent is "submitted" (its latest submission counts, whatever its draft
    does); "consent_pending": the invitation accepted, the data notice not yet."""

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
        counts["correcting"] = sum(1 for s in self.active if s.correcting)
        return counts

    def by(self, field: str) -> dict[str, Counter[str]]:
        """The same counts per value of ``field`` (``departamento``, ``sector``), sorted."""
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
        """Active clusters that have not submitted (a draft after the close: "sin enviar")."""
        return [s for s in self.active if s.status != "submitted"]


async def participation(storage: Storage, campaign_id: str | None) -> Participation:
    campaign = await campaigns.resolve(storage, campaign_id)
    return Participation(campaign, await storage.response_states(campaign.campaign_id))
