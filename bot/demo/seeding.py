"""Writing the demo's network into a fresh database, through the services and storage the
bot and the CLI use (no SQL here): the registry, two campaigns, managers, responses, reviews.

- the previous campaign (last year, closed) and this campaign's sent responses come in through
  ``bot.services.imports.import_responses``, the path of a responses CSV: each answer set is
  checked and scored as the bot scores it, and queued for the analysts' review;
- managers register as a person does, by redeeming an invitation (``bot.services.invitations``),
  and accept the data notice; half the clusters without a manager have an invitation out;
- drafts are a manager's first answers (``Storage.save_answers``), not sent;
- reviews: last year's all approved, this year's partly (``bot.services.review``), one sent
  back with a request for a correction.

Writes that do not depend on each other are issued together, so the storage's batches commit
them in a few transactions: seeding takes well under a second (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import asyncio
import csv
import io
import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from bot.conversation.survey import CONSENT_VERSION
from bot.demo.network import DEMO_CLUSTER_ID, Network, answers, build_network
from bot.files.responses import SUBMITTED_COLUMN, answer_cell
from bot.questionnaire.engine import Engine
from bot.questionnaire.model import Questionnaire
from bot.services import campaigns, imports, invitations, review
from bot.storage import Storage
from bot.texts import demo as texts

ACTOR = "demo"
FIRST_USER = 880_001  # the seeded managers' Telegram ids (the demo's people are 1001, 1002)
DAYS_OPEN = 21  # the current campaign opened this long ago (not before 1 January)
DAYS_LEFT = 28  # … and closes in this many days


@dataclass(frozen=True)
class Seeded:
    network: Network
    previous: str  # campaign ids
    current: str
    answered_before: int  # responses of the previous campaign
    sent: int  # this campaign's sent responses
    drafts: int
    managers: int

    def figures(self) -> dict[str, object]:
        """What the demo says it seeded (``bot.texts.demo.SEEDED``)."""
        registry = [c.cluster for c in self.network.clusters]
        return {
            "clusters": len(registry),
            "departments": len({c.departamento for c in registry}),
            "managers": self.managers,
            "previous": self.previous,
            "answered": self.answered_before,
            "current": self.current,
            "sent": self.sent,
            "drafts": self.drafts,
        }


def campaign_dates(now: datetime, tz: tzinfo) -> tuple[int, str, str, str, str]:
    """(this year, previous opens, previous closes, current opens, current closes) as the
    admin types them: this campaign is named for the current year, by the clock."""
    today = now.astimezone(tz).date()
    year = today.year
    opens = max(today.replace(month=1, day=1), today - timedelta(days=DAYS_OPEN))
    closes = today + timedelta(days=DAYS_LEFT)
    return year, f"{year - 1}-09-01", f"{year - 1}-10-31", opens.isoformat(), closes.isoformat()


def _csv(q: Questionnaire, rows: list[tuple[str, str, dict[str, Any]]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["cluster_id", SUBMITTED_COLUMN, *(x.id for x in q.questions)])
    for cluster_id, when, values in rows:
        cells = [answer_cell(values.get(x.id)) for x in q.questions]
        writer.writerow([cluster_id, when, *cells])
    return out.getvalue().encode("utf-8")


async def _import(
    storage: Storage, q: Questionnaire, campaign_id: str, rows: list[tuple[str, str, dict]]
) -> int:
    done = await imports.import_responses(storage, q, campaign_id, _csv(q, rows), ACTOR)
    if not done.ok:  # the generator's bug, not the user's: say exactly what
        problems = [*done.parsed.errors, *(f"{r.cluster_id} ya respondió" for r in done.clashes)]
        raise RuntimeError(f"demo seed refused for {campaign_id}: {problems[:5]}")
    return done.imported


def _stamp(rng: random.Random, start: datetime, end: datetime, tz: tzinfo) -> str:
    """A moment between ``start`` and ``end``, as the CSV's Colombian time."""
    moment = start + (end - start) * rng.random()
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


async def seed_network(
    db_path: Path, q: Questionnaire, now: datetime, tz: tzinfo, network: Network | None = None
) -> Seeded:
    """Create the demo's network in the (new) database at ``db_path``.

    Written to a file beside it, renamed into place once complete: a seed interrupted (a
    Ctrl-C) leaves no half-seeded demo behind, and the next run seeds again."""
    network = network or build_network()
    rng = random.Random(network.seed + 1)  # the answers' draws, after the registry's
    year, prev_opens, prev_closes, opens, closes = campaign_dates(now, tz)
    previous, current = str(year - 1), str(year)
    partial = db_path.with_name(db_path.name + ".semilla")
    for leftover in (partial, *(partial.with_name(partial.name + x) for x in ("-wal", "-shm"))):
        leftover.unlink(missing_ok=True)
    storage = await Storage.open(partial)
    try:
        await storage.upsert_clusters([c.cluster for c in network.clusters], ACTOR)
        await campaigns.create(storage, previous, year - 1, prev_opens, prev_closes, tz, ACTOR)
        await campaigns.create(storage, current, year, opens, closes, tz, ACTOR)
        await campaigns.open_campaign(storage, previous, ACTOR)
        await campaigns.close_campaign(storage, previous, ACTOR)
        await campaigns.open_campaign(storage, current, ACTOR)
        prev = await campaigns.named(storage, previous)
        this = await campaigns.named(storage, current)

        before = [
            (
                c.cluster.cluster_id,
                _stamp(rng, prev.opens_at, prev.closes_at, tz),
                answers(rng, c, year - 1, c.previous_maturity),
            )
            for c in network.clusters
            if c.previous
        ]
        answered_before = await _import(storage, q, previous, before)
        # Sent before today (so a run later the same day shows the same dates), unless the
        # campaign opened today.
        midnight = datetime.combine(now.astimezone(tz).date(), time(), tz)
        sent_until = midnight if midnight > this.opens_at else now - timedelta(minutes=1)
        sent = [
            (
                c.cluster.cluster_id,
                _stamp(rng, this.opens_at, sent_until, tz),
                answers(rng, c, year, c.maturity, c.quirk),
            )
            for c in network.clusters
            if c.current == "submitted"
        ]
        managers = await _register(storage, network)
        await _import(storage, q, current, sent)
        drafts = await _drafts(storage, q, network, rng, current, year, managers)
        await _reviews(storage, q, network, rng, previous, current, before, sent)
    finally:
        await storage.close()
    partial.replace(db_path)
    return Seeded(network, previous, current, answered_before, len(sent), drafts, len(managers))


async def _register(storage: Storage, network: Network) -> dict[str, int]:
    """Cluster id → its manager's user id, registered by an invitation and with consent."""
    people = [
        (c.cluster.cluster_id, FIRST_USER + i, c.manager_name)
        for i, c in enumerate(network.clusters)
        if c.manager_name is not None
    ]
    # Half the clusters without a manager have an invitation out, not yet accepted.
    unanswered = [
        c.cluster.cluster_id
        for c in network.clusters
        if c.manager_name is None
        and c.cluster.estado == "activa"
        and c.cluster.cluster_id != DEMO_CLUSTER_ID
    ][::2]
    codes = await asyncio.gather(
        *(invitations.invite(storage, cid, ACTOR) for cid, _, _ in people),
        *(invitations.invite(storage, cid, ACTOR) for cid in unanswered),
    )
    await asyncio.gather(
        *(
            storage.redeem_invitation(code.token, user, user, name)
            for code, (_, user, name) in zip(codes[: len(people)], people, strict=True)
        )
    )
    await asyncio.gather(
        *(storage.record_consent(cid, user, CONSENT_VERSION) for cid, user, _ in people)
    )
    return {cid: user for cid, user, _ in people}


async def _drafts(
    storage: Storage,
    q: Questionnaire,
    network: Network,
    rng: random.Random,
    campaign_id: str,
    year: int,
    managers: dict[str, int],
) -> int:
    """Half-way responses: the first answers of each, checked as the conversation checks."""
    engine = Engine(q, year)
    started = [c for c in network.clusters if c.current == "draft"]
    responses = await asyncio.gather(
        *(
            storage.start_response(
                c.cluster.cluster_id, campaign_id, q.version, managers[c.cluster.cluster_id]
            )
            for c in started
        )
    )
    writes = []
    for c, response in zip(started, responses, strict=True):
        checked, _, _ = engine.validate(answers(rng, c, year, c.maturity))
        first = dict(list(checked.items())[: c.answered])
        user = managers[c.cluster.cluster_id]
        writes.append(storage.save_answers(response.response_id, first, user_id=user))
    await asyncio.gather(*writes)
    return len(started)


async def _reviews(
    storage: Storage,
    q: Questionnaire,
    network: Network,
    rng: random.Random,
    previous: str,
    current: str,
    before: list[tuple[str, str, dict]],
    sent: list[tuple[str, str, dict]],
) -> None:
    """Last year's responses approved; of this year's, the unremarkable third approved and one
    sent back to its manager; the rest (the flagged among them) wait in the queue."""
    quirky = {c.cluster.cluster_id for c in network.clusters if c.quirk}
    plain = [cid for cid, _, _ in sent if cid not in quirky]
    approved = rng.sample(plain, len(plain) // 3)
    asked = next(cid for cid in plain if cid not in approved)
    await asyncio.gather(
        *(review.approve(storage, cid, previous, ACTOR) for cid, _, _ in before),
        *(review.approve(storage, cid, current, ACTOR) for cid in approved),
    )
    await review.ask(
        storage,
        q,
        asked,
        current,
        ["empresas_beneficiarias"],
        texts.SEEDED_ASK_NOTE,
        ACTOR,
    )
