"""Participation in a campaign: how many active clusters answered, by state and by group, who
has no manager (and their invitation's expiry), and the aim that narrows reminders.

An :class:`Aim` is what ``ssme remind --department --sector --cluster --state`` and the words
after ``/participacion`` (carried into its button) select: within a flag, any value; across
flags, all of them. It only ever narrows whom the reminder policy is asked about.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.services import campaigns
from bot.services.desk import find_cluster, fold
from bot.services.errors import ServiceError
from bot.storage import Campaign, ClusterState, Storage

# The states an aim names (``--state``), by their Spanish words and the English ones.
NOT_STARTED, IN_PROGRESS, CORRECTION = "not_started", "in_progress", "correction_requested"
AIM_STATES = (NOT_STARTED, IN_PROGRESS, CORRECTION)
STATE_WORDS = {
    "sin_empezar": NOT_STARTED,
    "en_curso": IN_PROGRESS,
    "ajuste_pedido": CORRECTION,
    "not_started": NOT_STARTED,
    "in_progress": IN_PROGRESS,
    "correction_requested": CORRECTION,
}
AIM_WORD = {NOT_STARTED: "sin_empezar", IN_PROGRESS: "en_curso", CORRECTION: "ajuste_pedido"}
_STATE_CODE = {NOT_STARTED: "n", IN_PROGRESS: "p", CORRECTION: "a"}  # in a button's data
_CODE_STATE = {v: k for k, v in _STATE_CODE.items()}


def _word(text: str) -> str:
    return fold(text).replace(" ", "_").replace("-", "_")


@dataclass(frozen=True)
class Aim:
    """Folded department and sector names (or their starts), cluster ids, states."""

    departments: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    clusters: tuple[str, ...] = ()
    states: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.departments or self.sectors or self.clusters or self.states)

    def keeps(self, state: ClusterState, asked: Iterable[str] = ()) -> bool:
        def of(values: tuple[str, ...], text: str) -> bool:
            return not values or any(fold(text).startswith(v) for v in values)

        return (
            of(self.departments, state.departamento)
            and of(self.sectors, state.sector)
            and (not self.clusters or state.cluster_id in self.clusters)
            and (not self.states or any(_in_state(state, s, asked) for s in self.states))
        )

    def encode(self) -> str:
        """For a button's data: ``states|departments|sectors|clusters``, each comma-joined
        (a state by its letter)."""
        states = tuple(_STATE_CODE[s] for s in self.states)
        fields = (states, self.departments, self.sectors, self.clusters)
        return "|".join(",".join(v) for v in fields)

    @classmethod
    def decode(cls, data: str) -> Aim:
        parts = [*data.split("|"), "", "", "", ""][:4]
        states, departments, sectors, clusters = (
            tuple(p for p in v.split(",") if p) for v in parts
        )
        known = tuple(_CODE_STATE[s] for s in states if s in _CODE_STATE)
        return cls(departments, sectors, clusters, known)

    def words(self) -> list[str]:
        """What an admin would type after ``/participacion`` for this aim."""
        return [
            *(AIM_WORD[s] for s in self.states),
            *self.departments,
            *self.sectors,
            *self.clusters,
        ]


def scope_data(aim: Aim, campaign_id: str | None) -> str:
    """An aim and its campaign for a button's data (``aim|…|campaign``; an empty campaign: the
    current one)."""
    return f"{aim.encode()}|{campaign_id or ''}"


def read_scope(data: str) -> tuple[Aim, str | None]:
    """What :func:`scope_data` wrote."""
    head, _, campaign = data.rpartition("|")
    return Aim.decode(head), campaign or None


def _in_state(state: ClusterState, wanted: str, asked: Iterable[str]) -> bool:
    """Not started: nothing answered yet (the welcome opens an empty draft); in progress: a
    draft with answers, never sent; correction requested: an analyst's request unanswered."""
    if wanted == NOT_STARTED:
        return state.status in ("not_started", "consent_pending") or (
            state.status == "draft" and not state.answered
        )
    if wanted == IN_PROGRESS:
        return state.status == "draft" and state.answered > 0
    return state.cluster_id in asked


async def read_aim(
    storage: Storage,
    states: Sequence[ClusterState],
    *,
    departments: Sequence[str] = (),
    sectors: Sequence[str] = (),
    clusters: Sequence[str] = (),
    aim_states: Sequence[str] = (),
    words: Sequence[str] = (),
) -> Aim:
    """An aim from the CLI's flags or the words typed after ``/participacion`` (each a state,
    a cluster id, a sector or a department: the start of its name is enough, any case, with
    or without accents). A value that names nothing is refused, saying what can be typed."""
    known_departments = sorted({fold(s.departamento) for s in states})
    known_sectors = sorted({fold(s.sector) for s in states})
    ids = {s.cluster_id.casefold(): s.cluster_id for s in states}
    found: dict[str, list[str]] = {"d": [], "s": [], "c": [], "e": []}

    def pick(kind: str, value: str) -> None:
        if value not in found[kind]:
            found[kind].append(value)

    def state_of(text: str) -> str:
        wanted = STATE_WORDS.get(_word(text))
        if wanted is None:
            raise ServiceError("aim_bad_state", value=text)
        return wanted

    for text in aim_states:
        pick("e", state_of(text))
    for text, known, kind, code in (
        *((t, known_departments, "d", "aim_bad_department") for t in departments),
        *((t, known_sectors, "s", "aim_bad_sector") for t in sectors),
    ):
        key = fold(text)
        if not key or not any(k.startswith(key) for k in known):
            raise ServiceError(code, value=text, known=", ".join(known) or "—")
        pick(kind, key)
    for text in clusters:
        pick("c", (await find_cluster(storage, text)).cluster_id)
    for typed in words:
        text = typed.strip(",;|")
        key = fold(text)
        if _word(text) in STATE_WORDS:
            pick("e", STATE_WORDS[_word(text)])
        elif key in ids:
            pick("c", ids[key])
        elif key and any(s.startswith(key) for s in known_sectors):
            pick("s", key)
        elif key and any(d.startswith(key) for d in known_departments):
            pick("d", key)
        else:
            raise ServiceError("aim_bad_word", word=typed)
    return Aim(tuple(found["d"]), tuple(found["s"]), tuple(found["c"]), tuple(found["e"]))


@dataclass(frozen=True)
class Participation:
    """Counts are of active clusters (``estado == "activa"``) the aim keeps; a Counter gives 0
    for a state nobody is in, plus ``registered`` (all of them), ``unreachable``,
    ``opted_out``, ``correcting`` (sent, with a correction open: the sent version counts) and
    ``correction_requested`` (an analyst's request for a correction not answered yet).

    A response ever sent is "submitted" (its latest submission counts, whatever its draft
    does); "consent_pending": the invitation accepted, the data notice not yet."""

    campaign: Campaign
    states: list[ClusterState]
    aim: Aim = Aim()
    asked: frozenset[str] = frozenset()  # clusters with a request for a correction unanswered
    invitations: dict[str, datetime] = field(default_factory=dict)  # cluster → open one's expiry

    @property
    def active(self) -> list[ClusterState]:
        return [s for s in self.states if s.estado == "activa" and self.aim.keeps(s, self.asked)]

    def counts(self) -> Counter[str]:
        counts: Counter[str] = Counter(s.status for s in self.active)
        counts["registered"] = len(self.active)
        counts["unreachable"] = sum(1 for s in self.active if s.unreachable)
        counts["opted_out"] = sum(1 for s in self.active if s.opted_out)
        counts["correcting"] = sum(1 for s in self.active if s.correcting)
        counts["correction_requested"] = sum(1 for s in self.active if s.cluster_id in self.asked)
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
        """Active clusters with a manager that have not submitted (a draft after the close:
        "sin enviar"), or whose correction an analyst asked for; those without a manager are
        :attr:`without_manager`."""
        return [
            s
            for s in self.active
            if s.user_id is not None and (s.status != "submitted" or s.cluster_id in self.asked)
        ]

    @property
    def without_manager(self) -> list[tuple[ClusterState, datetime | None]]:
        """Active clusters with no manager now (nobody registered, or the manager left with
        a draft or a sent response behind), each with its open invitation's expiry (None: none
        was made, or all were used): whom to chase outside Telegram."""
        return [(s, self.invitations.get(s.cluster_id)) for s in self.active if s.user_id is None]

    def aimed_ids(self) -> set[str]:
        return {s.cluster_id for s in self.active}


async def participation(
    storage: Storage,
    campaign_id: str | None,
    aim: Aim | None = None,
    *,
    words: Sequence[str] = (),
) -> Participation:
    """The campaign's participation, kept to ``aim`` (or the words typed after
    ``/participacion``; a campaign id among them picks the campaign)."""
    every = await storage.list_campaigns()
    ids = {c.campaign_id.casefold(): c.campaign_id for c in every}
    rest = []
    for word in words:
        if campaign_id is None and word.casefold() in ids:
            campaign_id = ids[word.casefold()]
        elif campaign_id is None and word.isdigit():  # a year: a campaign that does not exist
            await campaigns.resolve(storage, word)
        else:
            rest.append(word)
    campaign = await campaigns.resolve(storage, campaign_id)
    states = await storage.response_states(campaign.campaign_id)
    if aim is None:
        aim = await read_aim(storage, [s for s in states if s.estado == "activa"], words=rest)
    asked = frozenset(await storage.open_follow_ups(campaign.campaign_id))
    invitations = {
        c: i.expires_at
        for c, i in (await storage.open_invitations()).items()
        if i.expires_at is not None
    }
    return Participation(campaign, states, aim, asked, invitations)
