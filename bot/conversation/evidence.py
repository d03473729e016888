"""Evidence for an answer: the offer after it, the press that says a file is coming, and what
the manager is told about a file. The file itself is downloaded by the Telegram layer and kept
by ``bot.services.evidence``; nothing here knows Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from bot import texts
from bot.conversation import callbacks as cb
from bot.conversation import screens
from bot.conversation.actions import Action, Button, Send, Toast
from bot.conversation.state import State
from bot.questionnaire.model import ND, Question, Value
from bot.storage import Storage


def worth_offering(question: Question, value: Value) -> bool:
    """An answer that claims something a document could show: not "No disponible", not a
    choice worth 0 points ("No existe"), not only an exclusive option ("Ninguna")."""
    if question.evidence is None or value == ND:
        return False
    if question.type == "single" and isinstance(value, str):
        choice = question.choice_map.get(value)
        return choice is not None and (choice.score is None or choice.score > 0)
    if question.type == "multi" and isinstance(value, list):
        return any(v not in question.exclusive_ids for v in value)
    return True


def offer(st: State, question: Question, value: Value) -> list[Action]:
    if not worth_offering(question, value):
        return []
    assert question.evidence is not None
    button = Button(texts.BTN_EVIDENCE, cb.Evidence(question.id), st.manager.cluster_id)
    return [Send(texts.EVIDENCE_OFFER.format(what=escape(question.evidence)), ((button,),))]


@dataclass(frozen=True)
class Awaited:
    """A file is expected from this manager, for this question."""

    st: State
    question: Question


def awaiting_prompt(st: State, question: Question) -> list[Action]:
    assert question.evidence is not None
    what = texts.EVIDENCE_SEND.format(what=escape(question.evidence), max=20)
    return [Toast(texts.EVIDENCE_TOAST), Send(screens.cluster_line(st) + what)]


def kept(st: State, name: str, size: int) -> list[Action]:
    megabytes = f"{size / (1024 * 1024):.1f}".replace(".", ",")
    done = texts.EVIDENCE_KEPT.format(name=escape(name), size=megabytes)
    return [Send(screens.cluster_line(st) + done)]


async def press(storage: Storage, st: State, question_id: str) -> list[Action]:
    """«Adjuntar evidencia»: the next file is for that question (an answered one)."""
    question = st.q.question_map.get(question_id)
    if question is None or question.evidence is None or question_id not in st.answers:
        return [Toast(texts.STALE_BUTTON)]
    await storage.await_evidence(st.response.response_id, question_id, st.manager.user_id)
    return awaiting_prompt(st, question)


async def expected(storage: Storage, st: State | list[Action]) -> Awaited | list[Action]:
    """What a file the manager sent is: evidence awaited for a question, or else a sentence
    saying how to attach one (and nothing is kept)."""
    if isinstance(st, list):
        return st or [Send(texts.INTRO_UNREGISTERED)]
    question_id = await storage.awaited_evidence(st.response.response_id, st.manager.user_id)
    question = st.q.question_map.get(question_id) if question_id else None
    if question is None:
        on_screen = st.current() if st.response.status == "draft" else None
        again = [screens.question(st, on_screen)] if on_screen is not None else []
        return [Send(texts.EVIDENCE_NOT_AWAITED), *again]
    return Awaited(st, question)
