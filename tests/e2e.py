"""Support for end-to-end tests: the real Application, a local Bot API server, a real SQLite file.

A :class:`Manager` plays a cluster manager on a phone: it presses the buttons a person would
press and types what a person would type, then waits for the bot's next message.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.conversation import callbacks as cb
from bot.local import DEMO_CLUSTER, LocalBot, Seeded, seed
from bot.questionnaire.loader import load_questionnaire
from bot.questionnaire.model import ND
from bot.questionnaire.parsing import format_number
from bot.storage import Cluster
from local_botapi.server import BotApiServer, BotEvent, SentMessage

OTHER_CLUSTER = Cluster(
    cluster_id="software_caldas",
    nombre="Clúster de Software de Caldas",
    departamento="Caldas",
    municipio="Manizales",
    sector="servicios",
    subsector="TIC",
    entidad_gestora="Cámara de Comercio de Manizales por Caldas",
    entidad_gestora_tipo="camara_comercio",
    anio_creacion=2016,
    estado="activa",
)
QUESTIONNAIRE = load_questionnaire()
TIMEOUT = 10.0


def is_question(event: BotEvent) -> bool:
    return event.kind == "send" and " — pregunta " in (event.text or "")


def is_review(event: BotEvent) -> bool:
    return event.kind == "send" and "Resumen de sus respuestas" in (event.text or "")


def question_id(message: SentMessage | BotEvent) -> str | None:
    """The question a message asks, read from its buttons' callback data."""
    for row in (message.reply_markup or {}).get("inline_keyboard", []):
        for button in row:
            press = cb.decode(button.get("callback_data"))
            if isinstance(press, cb.OnQuestion) and not isinstance(press, cb.Confirm | cb.Fix):
                return press.question
    return None


def inputs_for(question_id: str, value: Any) -> list[cb.Callback | str]:
    """What a person does to give ``value`` to a question: button presses, or a typed text."""
    q = QUESTIONNAIRE.question(question_id)
    if value == ND:
        return [cb.NotAvailable(q.id)]
    if q.type == "yesno":
        return [cb.Choose(q.id, "si" if value else "no")]
    if q.type == "multi":
        return [*(cb.Toggle(q.id, choice) for choice in value), cb.Done(q.id)]
    if q.type == "single" or (isinstance(value, str) and value in q.choice_map):
        return [cb.Choose(q.id, value)]
    if q.type == "money":
        return [format_number(value)]
    if q.type == "percent":
        return [f"{format_number(value, 0 if float(value).is_integer() else 1)}%"]
    return [str(value)]


def button(message: SentMessage | BotEvent, data: str) -> bool:
    """Whether ``message`` has a button of ``data`` (its cluster key aside, if ``data`` has none)."""
    want = data if cb.key_of(data) else cb.unkeyed(data)
    return any(
        (b.get("callback_data") if cb.key_of(data) else cb.unkeyed(b.get("callback_data") or ""))
        == want
        for row in (message.reply_markup or {}).get("inline_keyboard", [])
        for b in row
    )


def key_on(message: SentMessage | BotEvent | None) -> str | None:
    """The cluster key the buttons of ``message`` carry (a manager's buttons all carry one)."""
    for row in ((message.reply_markup if message else None) or {}).get("inline_keyboard", []):
        for b in row:
            key = cb.key_of(b.get("callback_data"))
            if key is not None:
                return key
    return None


def pressing(message: SentMessage | BotEvent | None, press: cb.Callback) -> str:
    """The data of ``press`` as the bot put it on ``message`` (with that message's cluster key)."""
    data = cb.encode(press)
    return cb.with_key(key_on(message), data) if isinstance(press, cb.KEYED) else data


class Manager:
    """One simulated manager in a private chat with the bot."""

    def __init__(self, env: Env, user_id: int, cluster_id: str, first_name: str = "Ana") -> None:
        self.env = env
        self.server = env.server
        self.user_id = user_id
        self.cluster_id = cluster_id
        self.chat = env.server.chat(user_id, first_name=first_name)
        self.question: BotEvent | None = None

    async def next(self, predicate: Callable[[BotEvent], bool] | None = None) -> BotEvent:
        return await self.chat.next_async(predicate, timeout=TIMEOUT)

    async def next_send(self, contains: str | None = None) -> BotEvent:
        return await self.next(
            lambda e: e.kind == "send" and (contains is None or contains in e.content)
        )

    async def send(self, text: str) -> None:
        self.chat.send(text)

    def press(self, message_id: int, data: str) -> None:
        self.chat.press_data(message_id, data)

    async def register(self, token: str | None = None) -> BotEvent:
        token = token or self.env.seeded.tokens[self.cluster_id]
        await self.send(f"/start {token}")
        consent = await self.next_send("Ley 1581")
        self.press(consent.message_id, pressing(consent, cb.Consent()))
        first = await self.next_question()
        # The message is in the chat; wait until its call is in the server's log too, so a test
        # that takes the call cursor now never counts it as a later call.
        await self.server.wait_for_call_async(
            "sendMessage", lambda c: c.params.get("text") == first.message.source, timeout=TIMEOUT
        )
        return first

    async def next_question(self) -> BotEvent:
        self.question = await self.next(lambda e: is_question(e) or is_review(e))
        return self.question

    @property
    def current_id(self) -> str | None:
        return question_id(self.question) if self.question else None

    async def answer(self, value: Any) -> BotEvent:
        """Answer the current question as a person would, and wait for what comes next."""
        assert self.question is not None, "no question on screen"
        qid = question_id(self.question)
        assert qid is not None, f"not a question: {self.question.text}"
        mid = self.question.message_id
        for step in inputs_for(qid, value):
            if isinstance(step, str):
                await self.send(step)
                continue
            self.press(mid, pressing(self.question, step))
            if isinstance(step, cb.Toggle):  # each tick edits the keyboard in place
                edit = await self.next(lambda e: e.kind == "edit" and e.message_id == mid)
                if button(edit, cb.encode(cb.Confirm(qid, "only"))):  # «Ninguna» over marks
                    self.press(mid, pressing(edit, cb.Confirm(qid, "only")))
                    await self.next(lambda e: e.kind == "edit" and e.message_id == mid)
        return await self.next_question()

    async def answer_all(
        self, answers: dict[str, Any], *, stop_before: str | None = None
    ) -> BotEvent:
        """Answer every question asked, from the given answers, until the review (or a question)."""
        assert self.question is not None
        while not is_review(self.question):
            qid = self.current_id
            if qid == stop_before:
                return self.question
            assert qid in answers, f"the bot asked {qid}, which the test has no answer for"
            before = self.question.seq
            await self.answer(answers[qid])
            assert self.question.seq > before
        return self.question

    async def submit(self) -> tuple[BotEvent, BotEvent]:
        assert self.question is not None and is_review(self.question)
        self.press(self.question.message_id, pressing(self.question, cb.ReviewSend()))
        photo = await self.next(lambda e: e.method == "sendPhoto")
        advice = await self.next_send("¿Quiere ver por qué")
        return photo, advice


@dataclass
class Env:
    server: BotApiServer
    bot: LocalBot
    seeded: Seeded
    db_path: Path

    def manager(
        self, user_id: int = 1001, cluster_id: str = DEMO_CLUSTER.cluster_id, **kw: Any
    ) -> Manager:
        return Manager(self, user_id, cluster_id, **kw)

    def db(self) -> sqlite3.Connection:
        """A separate read connection to the bot's live database file."""
        conn = sqlite3.connect(self.db_path)
        conn.row_factory = sqlite3.Row
        return conn

    def stored_answers(self, cluster_id: str = DEMO_CLUSTER.cluster_id) -> dict[str, Any]:
        import json

        with self.db() as conn:
            rows = conn.execute(
                "SELECT a.question_id, a.value FROM answers a JOIN responses r USING (response_id) "
                "WHERE r.cluster_id = ?",
                (cluster_id,),
            ).fetchall()
        return {r["question_id"]: json.loads(r["value"]) for r in rows}

    async def restart(self, **settings: Any) -> None:
        await self.bot.stop()
        self.bot = LocalBot(self.server, self.db_path, **settings)
        await self.bot.start()


async def make_env(tmp_path: Path, **settings: Any) -> AsyncIterator[Env]:
    server = BotApiServer().start()
    db_path = tmp_path / "ssme.db"
    seeded = await seed(db_path, [DEMO_CLUSTER, OTHER_CLUSTER])
    bot = LocalBot(server, db_path, **settings)
    await bot.start()
    env = Env(server, bot, seeded, db_path)
    try:
        yield env
    finally:
        await env.bot.stop()
        server.stop()


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    async for e in make_env(tmp_path):
        yield e


async def settle(seconds: float = 0.3) -> None:
    """Let the bot finish anything in flight (used only before asserting that nothing happened)."""
    await asyncio.sleep(seconds)
