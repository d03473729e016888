"""Collaborators (issue 16 item 2): the manager shares a cluster's response with colleagues.

``/compartir`` gives the manager a single-use link (a ``collaborator`` invitation, redeemed as
any other: the colleague accepts the personal-data notice, then answers the same response) and
the team's screen: who collaborates, «Quitar a …» for each, and whether collaborators may press
«Enviar» (``cluster_settings``, off by default). A person removed is told (the Telegram layer
sends :class:`Notice`) and holds the cluster no more: every press or text of theirs finds no
membership of it.

Where each person stands is their own (``Storage.own_cursor``, see
:mod:`bot.storage.members`); the answers are shared, and on resuming each sees who else answers
and where they left off (:func:`left_off`). Two people on the same question: a press or a text
for the question on a person's screen that someone else answered meanwhile is still that
question's answer (:func:`overtaken`, :func:`typed_overtaken`: the later answer wins); the
answer's job keeps the earlier one in the history and the person is told
(:func:`overtaken_notices`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from typing import TYPE_CHECKING

from bot.conversation import callbacks as cb
from bot.conversation.actions import Action, Button, Edit, Send, Tell, Toast
from bot.conversation.state import State
from bot.questionnaire.model import Question
from bot.storage import Manager, Overtaken, Storage
from bot.texts import INTRO_UNREGISTERED, STALE_BUTTON
from bot.texts import sharing as t

if TYPE_CHECKING:
    from bot.conversation.survey import Survey

COLLABORATOR_DAYS = 7  # how long a collaborator's link stays valid


@dataclass(frozen=True)
class Notice:
    """A message for someone else's chat (a collaborator removed), sent by the Telegram layer."""

    chat_id: int
    text: str


# -- the answer path: two people on one question ---------------------------------------------


async def overtaken(storage: Storage, st: State, question_id: str) -> Question | None:
    """The question on this person's screen (the last delivered to their chat), if someone
    else answered it since: a press for it still answers it (the later answer wins)."""
    if st.response.shown_question != question_id:
        return None
    question = st.q.question_map.get(question_id)
    if question is None or question.id not in st.answers:
        return None
    if not st.q.is_relevant(question, st.q.relevant_answers(st.answers)):
        return None
    by = await storage.answered_by(st.response.response_id, question.id)
    return question if by is not None and by != st.manager.user_id else None


async def typed_overtaken(storage: Storage, st: State, message_id: int | None) -> Question | None:
    """A text typed after the question on this person's screen was asked, someone else having
    answered that question since: the text is for it."""
    shown, asked = st.response.shown_question, st.response.shown_message
    if message_id is None or shown is None or asked is None or message_id <= asked:
        return None
    return await overtaken(storage, st, shown)


def overtaken_notices(st: State, replaced: list[Overtaken]) -> list[Action]:
    """Tell the person whose screen was stale whose answer theirs replaced."""
    out: list[Action] = []
    for o in replaced:
        question = st.q.question_map.get(o.question_id)
        if question is None:
            continue
        new = st.answers.get(o.question_id)
        name = escape(o.name or t.SOMEONE)
        out.append(
            Send(
                t.OVERTAKEN.format(
                    name=name,
                    question=escape(st.engine.short(question)),
                    old=escape(st.engine.display(question, o.value)),
                    new=escape(st.engine.display(question, new)) if new is not None else "—",
                )
            )
        )
    return out


# -- sending ---------------------------------------------------------------------------------


async def may_not_send(storage: Storage, st: State) -> list[Action] | None:
    """The refusal of «Enviar» for a collaborator the manager has not let send, else None."""
    if st.manager.role != "collaborator":
        return None
    if await storage.collaborators_send(st.manager.cluster_id):
        return None
    manager = await storage.cluster_manager(st.manager.cluster_id)
    name = escape(manager.name or t.THE_MANAGER) if manager else t.THE_MANAGER
    return [Toast(t.ONLY_MANAGER_SENDS_SHORT), Send(t.ONLY_MANAGER_SENDS.format(manager=name))]


# -- joining, resuming -----------------------------------------------------------------------


async def joined(
    storage: Storage, cluster_id: str, cluster_name: str, person: str | None
) -> list[Action]:
    """The colleague is told whose team they joined; the manager, who joined it."""
    manager = await storage.cluster_manager(cluster_id)
    name = escape(manager.name or t.THE_MANAGER) if manager else t.THE_MANAGER
    out: list[Action] = [Send(t.JOINED.format(cluster=escape(cluster_name), manager=name))]
    if manager is not None:
        who = escape(person or t.SOMEONE)
        out.append(
            Tell(manager.chat_id, t.TOLD_JOINED.format(name=who, cluster=escape(cluster_name)))
        )
    return out


async def sent_by_collaborator(storage: Storage, st: State, ims: str, level: str) -> list[Action]:
    """A collaborator sent the response: its manager is told (they did not press «Enviar»)."""
    if st.manager.role != "collaborator":
        return []
    manager = await storage.cluster_manager(st.manager.cluster_id)
    if manager is None:
        return []
    text = t.TOLD_SENT.format(
        name=_name(st.manager),
        cluster=escape(st.cluster_name),
        ims=ims,
        level=escape(level),
    )
    return [Tell(manager.chat_id, text)]


async def left_off(storage: Storage, st: State, when: Callable[[datetime], str]) -> list[Action]:
    """On resuming a shared response: who else answers it and where each left off."""
    team = await storage.cluster_members(st.manager.cluster_id)
    others = [m for m in team if m.user_id != st.manager.user_id]
    if not others:
        return []
    last = await storage.last_answers(st.response.response_id)
    lines = [t.TEAM_LEFT_OFF.format(people=", ".join(_name(m) for m in others))]
    for m in others:
        mine = last.get(m.user_id)
        question = st.q.question_map.get(mine.question_id) if mine else None
        if mine is None or question is None:
            lines.append(t.NOT_YET.format(name=_name(m)))
            continue
        lines.append(
            t.LEFT_OFF.format(
                name=_name(m), question=escape(st.engine.short(question)), when=when(mine.at)
            )
        )
    return [Send("\n".join(lines))]


def _name(m: Manager) -> str:
    return escape(m.name or t.SOMEONE)


# -- /compartir and its buttons --------------------------------------------------------------


class Sharing:
    """The manager's side, over :class:`~bot.conversation.survey.Survey`."""

    def __init__(self, survey: Survey) -> None:
        self.survey = survey
        self.storage = survey.storage

    async def share(self, user_id: int, bot_username: str, token: str) -> list[Action]:
        """/compartir: a new single-use link for a colleague, and the team's screen."""
        me = await self.storage.manager_for_user(user_id)
        if me is None:
            return [Send(INTRO_UNREGISTERED)]
        if me.role != "manager":
            return [Send(t.NOT_MANAGER)]
        expires = self.survey.clock() + timedelta(days=COLLABORATOR_DAYS)
        await self.storage.create_invitation(
            me.cluster_id, token, expires, user_id, role="collaborator", invited_by=user_id
        )
        name = await self._cluster_name(me.cluster_id)
        link = f"https://t.me/{bot_username}?start={token}"
        sent = t.LINK.format(cluster=escape(name), expires=self.survey.when(expires), link=link)
        text, buttons = await self._team(me)
        return [Send(sent), Send(text, buttons)]

    async def press(
        self, user_id: int, press: cb.ShareRemove | cb.ShareSend
    ) -> tuple[list[Action], Notice | None]:
        """A button of the team's screen, checked against who holds the cluster now."""
        me = await self.storage.membership(user_id, press.cluster)
        if me is None or me.role != "manager":
            return [Toast(STALE_BUTTON)], None
        notice = None
        if isinstance(press, cb.ShareSend):
            if press.allow not in ("si", "no"):
                return [Toast(STALE_BUTTON)], None
            allow = press.allow == "si"
            await self.storage.set_collaborators_send(me.cluster_id, allow, user_id)
            toast = t.ALLOWED_TOAST if allow else t.ONLY_ME_TOAST
        else:
            gone = await self.storage.remove_collaborator(me.cluster_id, press.user, user_id)
            if gone is None:
                toast = t.GONE_TOAST
            else:
                toast = t.REMOVED_TOAST.format(name=gone.name or t.SOMEONE)
                cluster = escape(await self._cluster_name(me.cluster_id))
                manager = escape(me.name or t.THE_MANAGER)
                notice = Notice(gone.chat_id, t.REMOVED.format(manager=manager, cluster=cluster))
        text, buttons = await self._team(me)
        return [Toast(toast), Edit(text, buttons)], notice

    async def _team(self, me: Manager) -> tuple[str, tuple[tuple[Button, ...], ...]]:
        team = await self.storage.cluster_members(me.cluster_id)
        helpers = [m for m in team if m.role == "collaborator"]
        allowed = await self.storage.collaborators_send(me.cluster_id)
        name = await self._cluster_name(me.cluster_id)
        lines = [t.TEAM_TITLE.format(cluster=escape(name)), t.TEAM_MANAGER.format(name=_name(me))]
        lines += [t.TEAM_MEMBER.format(name=_name(m)) for m in helpers] or [t.TEAM_NOBODY]
        lines.append(t.TEAM_SENDS_ALL if allowed else t.TEAM_SENDS_MANAGER)
        rows = [
            (
                Button(
                    t.REMOVE.format(name=m.name or t.SOMEONE),
                    cb.ShareRemove(me.cluster_id, m.user_id),
                ),
            )
            for m in helpers
        ]
        toggle = (
            Button(t.ONLY_ME, cb.ShareSend("no", me.cluster_id))
            if allowed
            else Button(t.ALLOW_SEND, cb.ShareSend("si", me.cluster_id))
        )
        return "\n".join(lines), (*rows, (toggle,))

    async def _cluster_name(self, cluster_id: str) -> str:
        cluster = await self.storage.get_cluster(cluster_id)
        return cluster.nombre if cluster else cluster_id
