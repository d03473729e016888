"""A person's several clusters (issue 16): ``/cambiar`` (the clusters with their state, as
buttons that switch) and ``/dejar`` (leave one, after a confirmation). Transitions over
:class:`~bot.conversation.survey.Survey`, as ``flows.py``; the presses come through
``Flows.button``, each resolved to the cluster its key names (``Survey.acting``).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

from bot.conversation import callbacks as cb
from bot.conversation.actions import Action, Button, Edit, Send, Toast
from bot.questionnaire.engine import Engine
from bot.storage import Manager
from bot.texts import memberships as t

if TYPE_CHECKING:
    from bot.conversation.survey import Survey

LABEL_LENGTH = 40  # a button's label on a phone


async def standing(survey: Survey, member: Manager) -> str:
    """Where a cluster's response stands, in a few words (/cambiar)."""
    if member.consent_at is None:
        return t.CONSENT_PENDING
    campaign = await survey._campaign(member.cluster_id)
    if campaign is None:
        return t.NO_CAMPAIGN
    storage = survey.storage
    response = await storage.get_response(member.cluster_id, campaign.campaign_id)
    now = survey.clock()
    if campaign.state == "closed" or now >= campaign.closes_at:
        return t.SENT if response is not None and response.sent_version else t.CLOSED
    if response is None:
        return t.NOT_STARTED if campaign.state == "open" else t.NO_CAMPAIGN
    if response.sent_version is not None:
        review = await storage.review_of(response.response_id)
        if review is not None and review.status == "requiere_ajuste":
            return t.ADJUST
        if response.correcting:
            return t.CORRECTING
        return t.APPROVED if review is not None and review.status == "aprobada" else t.SENT
    answers = await storage.answers(response.response_id)
    engine = Engine(survey.q, campaign.reference_year)
    total = len(engine.expected_questions(answers))
    done = total - engine.remaining(answers)
    return t.PROGRESS.format(k=done, n=total) if done else t.NOT_STARTED


async def choose(survey: Survey, user_id: int) -> list[Action]:
    """/cambiar: the person's clusters, the one they stand on first, each with its state."""
    members = await survey.storage.memberships(user_id)
    if not members:
        return [Send(t.NONE)]
    names = [await survey._name(m.cluster_id) for m in members]
    states = [await standing(survey, m) for m in members]
    if len(members) == 1:
        return [Send(t.ONLY_ONE.format(cluster=escape(names[0]), state=states[0]))]
    lines = [
        t.CHOOSE_LINE.format(
            mark=t.HERE if i == 0 else t.ELSEWHERE,
            cluster=f"<b>{escape(name)}</b>",
            role=t.COLLABORATOR if m.role == "collaborator" else "",
            state=state,
        )
        for i, (m, name, state) in enumerate(zip(members, names, states, strict=True))
    ]
    rows = tuple(
        (
            Button(
                _label(t.BTN_CLUSTER.format(cluster=name, state=state)), cb.Switch(), m.cluster_id
            ),
        )
        for m, name, state in zip(members, names, states, strict=True)
    )
    text = "\n".join([t.CHOOSE_TITLE, "", *lines, "", t.CHOOSE_FOOTER])
    return [Send(text, rows)]


async def switch(
    survey: Survey, user_id: int, cluster: str, members: Sequence[Manager]
) -> list[Action]:
    """A cluster's button under /cambiar: stand on it and show where it stands."""
    if members and members[0].cluster_id == cluster:
        return [Toast(t.ALREADY_HERE), *await survey.resume(user_id, greeting=True)]
    await survey.storage.choose_cluster(user_id, cluster)
    return [Edit(None, ()), *await survey.resume(user_id, greeting=True)]


async def leave_start(survey: Survey, user_id: int) -> list[Action]:
    """/dejar: which cluster (when several), else the confirmation for the only one."""
    members = await survey.storage.memberships(user_id)
    if not members:
        return [Send(t.NONE)]
    if len(members) == 1:
        return await leave_ask(survey, user_id, members[0].cluster_id)
    names = [await survey._name(m.cluster_id) for m in members]
    rows = tuple(
        (Button(_label(name), cb.Leave(), m.cluster_id),)
        for m, name in zip(members, names, strict=True)
    )
    return [Send(t.LEAVE_PICK, rows)]


async def leave_ask(survey: Survey, user_id: int, cluster: str) -> list[Action]:
    """What leaving a cluster means, and the button that does it."""
    member = await survey.storage.membership(user_id, cluster)
    if member is None:
        return [Toast(t.NOT_HELD)]
    name = await survey._name(cluster)
    text = t.LEAVE_ASK.format(
        cluster=escape(name), manager=t.LEAVE_MANAGER if member.role == "manager" else ""
    )
    button = Button(_label(t.BTN_LEAVE.format(cluster=name)), cb.LeaveConfirm(), cluster)
    return [Send(text, ((button,),))]


async def leave(survey: Survey, user_id: int, cluster: str) -> list[Action]:
    """«Sí, dejar …»: the membership goes (an audit line); where the person stands now."""
    left = await survey.storage.leave_cluster(user_id, cluster)
    if left is None:
        return [Toast(t.NOT_HELD)]
    out: list[Action] = [
        Edit(None, ()),
        Send(t.LEFT.format(cluster=escape(await survey._name(cluster)))),
    ]
    now_on = await survey.storage.manager_for_user(user_id)
    if now_on is None:
        return [*out, Send(t.LEFT_NONE)]
    return [*out, Send(t.LEFT_NOW_ON.format(cluster=escape(await survey._name(now_on.cluster_id))))]


def _label(text: str) -> str:
    return text if len(text) <= LABEL_LENGTH else text[: LABEL_LENGTH - 1] + "…"
