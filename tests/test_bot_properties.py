"""Bad input everywhere: random, odd and forged input into the running bot.

Property test (hypothesis): every example starts a fresh bot (the real Application polling the
local Bot API server, a real SQLite file) with two registered managers, A (demo_cafe_huila) and
B (software_caldas), and an unregistered stranger S, then runs a drawn list of actions against
it: random text (unicode, emoji, RTL, control characters, up to 5000 characters), numbers in odd
formats, commands with random arguments, stickers/photos/voice/locations/documents, presses of
stale buttons from earlier messages, of the *other* manager's live buttons (on one's own message
and on the other chat's message ids), of random and of well-formed but wrong callback data, and
real answers (so that the review, the submission and the result screens are reached as well).

Actions are drawn as abstract recipes ("press the 3rd newest button of my chat") and resolved
against the live chat when they run, so hypothesis can shrink a failure to a short list. After
every step the test waits until the bot has answered (a message in that chat, or the callback
answer of the press) and has nothing left in flight, then checks:

1. ``texts.INTERNAL_ERROR`` and "Traceback" never appear in any chat or toast, and no chat is
   shown another cluster's name (so none of its data: /cluster, /clusters, forged desk presses,
   «Pedir ajuste» / «Corregir» and their steps, which never start an input for a non-admin);
2. every message got a reply in its chat, every press a callback answer;
3. the other cluster's rows never change because of an action (answers, response, results,
   reminder preferences, manager), and the stranger changes nothing at all;
4. the actor's stored answers only change the way the conversation allows: a press changes at
   most the question named in its data, a typed message at most the question last shown in the
   chat, a command or a medium nothing; every stored value is valid for its question
   (``Engine.coerce``), the answer set only lacks answers (``Engine.validate``) and holds no
   answer that skip logic has made irrelevant;
5. at the end ``PRAGMA integrity_check`` is ok and A still gets a question or the review.

Issue 16: a fourth actor, M, holds two clusters (C and D, her second accepted with the notice
carried). Every manager-side button carries its cluster's key; M's presses are drawn with the
key of either of her clusters, of another's, or junk. Invariant 3 is per cluster: a step
changes nothing in a cluster its actor does not hold, and among the actor's clusters only the
one it is about (a press: the cluster its key names, ``callbacks.held_cluster``; typed text:
the cluster stood on; a command may also move the person to another of theirs).

Collaborators (issue 16 item 2): A shares her cluster with K (a collaborator, who answers and
presses as a manager does, into A's cluster only: her presses carry its key, it is all she
holds) and with R, whom A then removes: R keeps her old buttons and presses them, forges team
buttons («Quitar a …» ``sh:rm:CLUSTER:USER``, «Permitir que envíen» ``sh:send:si|no:CLUSTER``)
of every cluster (an action of its own draws them for anyone), types tokens: like the
stranger, R holds nothing and changes nothing. Who holds a cluster is read from ``members``
before each step (A may remove K midway; K then holds nothing). ``members`` and ``cluster_settings`` change only by a team button of a cluster its
presser manages (a collaborator row of that cluster gone; that cluster's send setting), and
``invitations`` only by a manager's /compartir (one collaborator's link to the cluster stood
on). No chat but a holder's is shown a cluster's name (1b), collaborators' chats included.

Focused tests follow: A presses B's live buttons (on B's message id, on A's own message, and in
an update Telegram itself could never send, "A pressed a message of B's chat"), A forges B's
"Enviar", and the stranger tries everything; B's rows must not move.

The tests at the end pin five bugs this property test found (now fixed): digits that int()
refuses, a forged "fix" button, edited messages, and typing on the review screen.

Each example starts its own bot (~0.3 s), so examples are independent and shrinkable. Telegram's
flood limit is lifted in these bots (see ``running_bot``). About 10 examples × 30-45 actions give
~250-300 random actions and ~1000-1300 checked steps in ~25 s. Reproduce a failure with
``pytest tests/test_bot_properties.py --hypothesis-seed=<seed>``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sqlite3
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import texts
from bot.conversation import callbacks as cb
from bot.local import DEMO_CLUSTER
from bot.questionnaire.engine import AnswerError, Engine
from bot.questionnaire.model import ND
from bot.questionnaire.parsing import format_number
from bot.services.invitations import invitation_expiry, new_token
from bot.storage import Cluster, Storage
from local_botapi.server import BotApiServer, BotEvent, SentMessage
from tests.conftest import example
from tests.e2e import (
    OTHER_CLUSTER,
    QUESTIONNAIRE,
    Env,
    button,
    is_question,
    is_review,
    key_on,
    make_env,
    question_id,
    settle,
)

pytestmark = pytest.mark.e2e

A, B, M, S = "A", "B", "M", "S"
# Collaborators (issue 16 item 2): K helps A with A's cluster; R did, until A removed her.
K, R = "K", "R"
USERS = {A: 1001, B: 2002, M: 3003, S: 5555, K: 4004, R: 6006}
NAMES = {A: "Ana", B: "Luis", M: "Marta", S: "Extraño", K: "Caro", R: "Rita"}
CLUSTERS = {A: DEMO_CLUSTER.cluster_id, B: OTHER_CLUSTER.cluster_id}
# M's two clusters (issue 16).
CLUSTER_C = Cluster(**{**OTHER_CLUSTER.__dict__, "cluster_id": "textil_antioquia",
                       "nombre": "Clúster Textil de Antioquia"})  # fmt: skip
CLUSTER_D = Cluster(**{**OTHER_CLUSTER.__dict__, "cluster_id": "turismo_boyaca",
                       "nombre": "Clúster de Turismo de Boyacá"})  # fmt: skip
C, D = CLUSTER_C.cluster_id, CLUSTER_D.cluster_id
# Who holds what at the start (``Driver.held`` reads it live: A may remove K).
HELD = {A: [CLUSTERS[A]], B: [CLUSTERS[B]], M: [C, D], S: [], K: [CLUSTERS[A]], R: []}
ALL_CLUSTERS = [CLUSTERS[A], CLUSTERS[B], C, D]
CLUSTER_NAMES = {CLUSTERS[A]: DEMO_CLUSTER.nombre, CLUSTERS[B]: OTHER_CLUSTER.nombre,
                 C: CLUSTER_C.nombre, D: CLUSTER_D.nombre}  # fmt: skip
ADMIN_ID = 4242  # an admin exists, but none of the actors is one
YEAR = 2021
ENGINE = Engine(QUESTIONNAIRE, YEAR)
ANSWERS = example("consolidado")
REPLY_TIMEOUT = 8.0
ANSWER_KINDS = frozenset({"c", "d", "n", "k", "y"})  # presses that may store an answer
CONDITIONAL = frozenset(q.id for q in QUESTIONNAIRE.questions if q.relevant)
QIDS = [q.id for q in QUESTIONNAIRE.questions]
CHOICE_IDS = sorted({c.id for q in QUESTIONNAIRE.questions for c in q.choices} | {"si", "no"})
AREA_IDS = [a.id for a in QUESTIONNAIRE.areas]
SECTION_IDS = [s.id for s in QUESTIONNAIRE.sections]
MISSING = AnswerError("missing_answer").message


# -- strategies ------------------------------------------------------------------------------

ODD_NUMBERS = [
    "1.234", "1,234", "1.234,5", "1,234.5", "12.5", "12,5", "0.500", "0,5", "1e9", "1E-3",
    "NaN", "nan", "Infinity", "-inf", "∞", "-0", "--5", "+5", "- 5", "−7", "٣٤", "۱۲", "１２",
    "½", "²", "¹²", "⑤", "፩", "0x1F", "0b101", "1_000", "1 234 567", "1 2 3", "$ 1.000.000 COP",
    "$1.000.000,00", "1.000.000 pesos", "12,5 %", "150%", "101 %", "100,0001%", "-1", "-0,0",
    "9" * 31, "1" * 70, "1.23.456", "1,23,456", "mil", "un millón", "1.234 millones",
    "mil millones", "2,5 billones", "1 M", "1k", "2020", "año 2021", "1899", "3000", "20 21",
    "nd", "N.D.", "n/a", "no sé", "sí", "no", "👍", "👎", "1/2", " 7 ", "7.", "¡7!", "0", "00",
    "007", "1,000", "1.000", "10^3", "3,14159", "1.", ".5", ",5", "5,", "١٬٢٣٤", "1\u00a0000",
]  # fmt: skip
WEIRD_TEXTS = [
    "مرحبا بالعالم", "שלום עולם", "\u202eevil\u202c", "\u200f123\u200e", "👨‍👩‍👧‍👦", "🇨🇴🇨🇴",
    "Z̷͉͠a̵l̶g̸o̴", "\x00\x01\x02\x1b[31mrojo", "\t\n\r", "<b>negrita</b>", "<i>", "&amp;&lt;",
    "<script>alert(1)</script>", "</b></i>", "\u200b", "\ufeff", "𝟙𝟚𝟛", "ＡＢＣ", "ß", "İ",
    "validados", "Validados.", "sector", "1", "41", "0", "no existe", "ninguna", "benchmarking",
    "Listo ✔️", "No disponible", "⬅️ Atrás", "Mantener ➡️", "Enviar ✉️", "Acepto ✔️", "sí",
    "no lo sé", "' OR 1=1 --", "\"; DROP TABLE answers; --", "%s %d {0} {name}", "${jndi:x}",
]  # fmt: skip
COMMANDS = [
    "start", "continuar", "revisar", "resultado", "ayuda", "help", "cancelar", "mis_datos",
    "resumen", "exportar", "participacion", "invitar", "invitaciones", "importar",
    "solicitudes", "cluster", "clusters", "revision", "corregir", "pedir_ajuste", "compartir",
    "inexistente", "cambiar",
    "START",
    "start@ssme_demo_bot", "start@otro_bot",
    "continuar@ssme_demo_bot", "x", "a" * 40,
]  # fmt: skip
WRONG_DATA = [
    "c:nope:x", "t:nope:x", "d:nope", "n:nope", "b:nope", "k:nope", "y:nope:0", "y:nope:ok",
    "r:area:zzz", "r:q:zzz", "r:q:", "r:zzz", "r:", "r:send:extra", "w:zzz", "w:", "w",
    "rem:stop:9999", "rem:snooze:9999", "rem:zzz:2021", "rem:", "rem:stop:", "adm:remind:2021",
    "adm:remind:zzz", "adm:remind:", "adm:erase:1", "adm:erase:x", "adm:zzz", "consent:no",
    "consent:ok:x", "go:x", "data:zzz", "", ":", "::", ":::", "c::", "c:::", "💥", "zz:💥",
    "r:send", "r:show", "go", "consent:ok", "rem:stop:2021", "rem:snooze:2021", "data:erase",
    "adm:cl:software_caldas", "adm:cl:demo_cafe_huila", "adm:cl:", "adm:cls:2:-|-|-",
    "adm:cls:1:caldas|-|submitted", "adm:cls:x:-|-|-", "adm:ok:1:software_caldas",
    "adm:ok:1:demo_cafe_huila", "adm:rq:1", "adm:rq:0", "fu:empresas_activas", "fu:zzz",
    "ev:estrategia_formalizacion", "ev:zzz", "adm:evf:1",
    # the desk's buttons under /cluster (branch i13r): start, pick, page, done, confirm, cancel
    "adm:dk:ask:software_caldas", "adm:dk:correct:demo_cafe_huila", "adm:dk:zzz:software_caldas",
    "adm:dp:12:software_caldas", "adm:dp:x:demo_cafe_huila", "adm:dpp:2:software_caldas",
    "adm:dok:software_caldas", "adm:dcf:software_caldas", "adm:dcf:demo_cafe_huila", "adm:dx",
    "adm:dx:1", "adm:dv:1:demo_cafe_huila", "adm:dv:2:software_caldas", "adm:dv:0:x",
]  # fmt: skip

printable_text = st.text(min_size=1, max_size=60)
any_text = st.text(st.characters(codec="utf-8"), min_size=1, max_size=40)
long_text = st.builds(
    lambda piece, n: (piece * n)[:5000], st.text(min_size=1, max_size=8), st.integers(50, 5000)
)
grouped_number = st.builds(
    lambda n, group, decimal, frac: (
        f"{n:,}".replace(",", group) + (f"{decimal}{frac}" if frac is not None else "")
    ),
    st.integers(0, 10**13),
    st.sampled_from([".", ",", " ", "", "\u00a0", "'"]),
    st.sampled_from([",", "."]),
    st.none() | st.integers(0, 999),
)
numbers = st.one_of(
    st.sampled_from(ODD_NUMBERS),
    st.integers(-(10**15), 10**15).map(str),
    st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str),
    st.floats().map(repr),
    grouped_number,
    st.builds(
        lambda n, unit: f"{n} {unit}",
        st.integers(0, 5000),
        st.sampled_from(
            ["mil", "millones", "mil millones", "billones", "%", "por ciento", "pesos", "M", "USD"]
        ),
    ),
)
user_text = st.one_of(printable_text, any_text, long_text, st.sampled_from(WEIRD_TEXTS), numbers)
command = st.one_of(
    st.builds(
        lambda name, args: f"/{name} {args}".rstrip(),
        st.sampled_from(COMMANDS),
        st.one_of(st.just(""), printable_text, st.sampled_from(["{TOKEN_A}", "{TOKEN_B}"])),
    ),
    st.sampled_from(
        [
            "/start {TOKEN_A}",
            "/start {TOKEN_B}",
            "{TOKEN_A}",
            "{TOKEN_B}",
            "/",
            "/start {TOKEN_C}",
            "/start {TOKEN_D}",
        ]
    ),
    st.builds(lambda s: "/" + s, st.from_regex(r"[a-zA-Z0-9_]{1,32}", fullmatch=True)),
)
random_data = st.text(min_size=0, max_size=64).filter(lambda d: len(d.encode()) <= 64)
wellformed_data = st.one_of(
    st.builds("{}:{}:{}".format, st.sampled_from("ctyf"), st.sampled_from(QIDS),
              st.sampled_from([*CHOICE_IDS, *QIDS, "0", "1", "9", "ok", "-1", "", "x"])),
    st.builds("{}:{}".format, st.sampled_from("dnbk"), st.sampled_from(QIDS)),
    st.builds("r:area:{}".format, st.sampled_from(SECTION_IDS)),
    st.builds("r:q:{}".format, st.sampled_from(QIDS)),
    st.builds("w:{}".format, st.sampled_from(AREA_IDS)),
    st.builds("adm:{}:{}:{}".format, st.sampled_from(["dk", "dp", "dpp", "dv"]),
              st.sampled_from(["ask", "correct", "0", "3", "40"]),
              st.sampled_from(sorted(CLUSTERS.values()))),
    # the team's buttons under /compartir, of every cluster, for anyone (or no one)
    st.builds("sh:rm:{}:{}".format, st.sampled_from(ALL_CLUSTERS),
              st.sampled_from([*USERS.values(), 0, -1])),
    st.builds("sh:send:{}:{}".format, st.sampled_from(["si", "no", "x"]),
              st.sampled_from(ALL_CLUSTERS)),
)  # fmt: skip
# Data for the question the actor is on right now, with a right or wrong argument.
current_data = st.tuples(
    st.sampled_from("ctdnbkyf"),
    st.one_of(st.sampled_from([*CHOICE_IDS, "ok", "0", "1", "2", "99", "-1", "", "x"]),
              st.sampled_from(QIDS), random_data.map(lambda s: s[:20])),
)  # fmt: skip

forged_data = st.one_of(
    st.sampled_from(WRONG_DATA),
    random_data,
    wellformed_data,
    current_data.map(lambda t: ("current", *t)),
)
actors = st.sampled_from([A, B, M, S, K, R])
managers = st.sampled_from([A, B, M, K])  # K answers A's cluster
# Whose cluster key a forged press carries: the actor's (first, last), another's, or junk.
key_choice = st.sampled_from(["held", "held_last", "foreign", "junk"])
pick = st.integers(0, 40)

action = st.one_of(
    st.tuples(st.just("text"), actors, user_text),
    st.tuples(st.just("text"), actors, command),
    st.tuples(st.just("media"), actors, st.sampled_from(
        ["sticker", "photo", "photo_caption", "voice", "location", "document", "importar"]
    ), printable_text),
    st.tuples(st.just("press_own"), actors, pick, pick),
    st.tuples(st.just("press_other"), actors, st.sampled_from(["own_msg", "their_id"]), pick),
    st.tuples(st.just("press_forged"), actors, forged_data, pick),
    st.tuples(st.just("press_keyed"), actors, key_choice, forged_data, pick),
    # A team button (/compartir's): of a cluster held, A's, or another's; for whom; allowing.
    st.tuples(st.just("press_team"), actors, st.sampled_from(["sh:rm", "sh:send"]),
              st.sampled_from(["held", "a", "foreign"]), st.sampled_from([K, R, A]),
              st.sampled_from(["si", "no", "x"])),
    st.tuples(st.just("answer"), managers, st.integers(1, 3)),
    st.tuples(st.just("answer"), managers, st.integers(4, 45)),
)  # fmt: skip


# -- the driver ------------------------------------------------------------------------------


@dataclass
class Step:
    """What one primitive step was, for the invariants and for failure messages."""

    actor: str
    what: str
    kind: str  # "message" | "press" | "command" | "media"
    data: str | None = None
    text: str | None = None  # what was typed
    shown: str | None = None  # the question on the actor's screen before a typed message
    on_review: bool = False  # the review came after that question
    query_id: str | None = None


@dataclass
class Driver:
    env: Env
    steps: list[Step] = field(default_factory=list)
    random_actions: int = 0

    @property
    def server(self) -> BotApiServer:
        return self.env.server

    # -- reading the chats -------------------------------------------------------------------

    def events(self, who: str) -> list[BotEvent]:
        return self.server.events(USERS[who])

    def shown_question(self, who: str) -> BotEvent | None:
        """The latest question the bot sent into the chat (what a typed answer answers)."""
        return next((e for e in reversed(self.events(who)) if is_question(e)), None)

    def buttons(self, who: str) -> list[tuple[int, str]]:
        """(message id, data) of every button ever shown in the chat, newest first."""
        seen: list[tuple[int, str]] = []
        for event in reversed(self.events(who)):
            for row in (event.reply_markup or {}).get("inline_keyboard", []):
                for b in row:
                    if "callback_data" in b and (event.message_id, b["callback_data"]) not in seen:
                        seen.append((event.message_id, b["callback_data"]))
        return seen

    def message_ids(self, who: str) -> list[int]:
        return [m.message_id for m in self.server.sent(USERS[who]) if not m.deleted]

    # -- waiting -----------------------------------------------------------------------------

    async def idle(self) -> None:
        """Until no update is queued, fetched-but-unhandled or being handled (several looks)."""
        app = self.env.bot.app
        assert app is not None
        deadline = time.monotonic() + REPLY_TIMEOUT
        quiet = 0
        while quiet < 3:
            busy = (
                self.server.pending_updates()
                or not app.update_queue.empty()
                or app.update_processor.current_concurrent_updates
            )
            quiet = 0 if busy else quiet + 1
            assert time.monotonic() < deadline, "the bot never became idle"
            await asyncio.sleep(0.002)

    # -- primitive steps, each checked -------------------------------------------------------

    async def send(self, who: str, text: str) -> None:
        text = text.replace("{TOKEN_A}", self.env.seeded.tokens[CLUSTERS[A]])
        text = text.replace("{TOKEN_B}", self.env.seeded.tokens[CLUSTERS[B]])
        text = text.replace("{TOKEN_C}", self.env.seeded.tokens[C])
        text = text.replace("{TOKEN_D}", self.env.seeded.tokens[D])
        shown = self.shown_question(who)
        kind = "command" if text.startswith("/") else "message"
        step = Step(
            who, f"{who} types {text[:80]!r}", kind, text=text, shown=shown and question_id(shown)
        )
        step.on_review = any(
            is_review(e) for e in self.events(who) if not shown or e.seq > shown.seq
        )
        await self._checked(
            step, lambda: self.server.send_text(USERS[who], text, first_name=NAMES[who])
        )

    async def media(self, who: str, kind: str, caption: str) -> None:
        uid, name = USERS[who], NAMES[who]
        inject: Callable[[], object] = {
            "sticker": lambda: self.server.send_sticker(uid, emoji="🦄", first_name=name),
            "photo": lambda: self.server.send_photo(uid, first_name=name),
            "photo_caption": lambda: self.server.send_photo(uid, caption=caption, first_name=name),
            "voice": lambda: self.server.send_voice(uid, first_name=name),
            "location": lambda: self.server.send_location(uid, first_name=name),
            "document": lambda: self.server.send_document(
                uid, "respuestas.xlsx", b"PK\x03\x04" + caption.encode(), caption,
                "application/zip", first_name=name,
            ),
            "importar": lambda: self.server.send_document(
                uid, "clusters.csv", caption.encode(), "/importar", first_name=name
            ),
        }[kind]  # fmt: skip
        await self._checked(Step(who, f"{who} sends a {kind}", "media"), inject)

    async def press(self, who: str, message_id: int, data: str) -> None:
        step = Step(who, f"{who} presses {data!r} on message {message_id}", "press", data=data)
        await self._checked(step, lambda: self.server.press_button(USERS[who], message_id, data))

    async def press_raw(self, who: str, message: SentMessage, data: str) -> None:
        """A callback query Telegram itself cannot produce: ``who`` presses ``message`` of any
        chat (only a forged webhook request could carry it)."""
        query_id = f"forged-{len(self.steps)}"
        bot = self.env.bot.app.bot  # type: ignore[union-attr]
        sender = {"id": USERS[who], "is_bot": False, "first_name": NAMES[who]}
        chat = {"id": message.chat_id, "type": "private", "first_name": "?"}
        query = {
            "id": query_id,
            "from": sender,
            "message": {
                "message_id": message.message_id,
                "from": {"id": bot.id, "is_bot": True, "first_name": bot.first_name},
                "chat": chat,
                "date": int(message.date),
                "text": message.text or "",
            },
            "chat_instance": "1",
            "data": data,
        }
        step = Step(who, f"{who} forges {data!r} on {message.chat_id}#{message.message_id}",
                    "press", data=data, query_id=query_id)  # fmt: skip
        await self._checked(step, lambda: self.server.inject_update({"callback_query": query}))

    async def _checked(self, step: Step, act: Callable[[], object]) -> None:
        self.steps.append(step)
        before = self.state()
        cursor, calls = self.server.cursor(), self.server.call_cursor()
        ident = act()
        if step.kind == "press" and step.query_id is None:
            step.query_id = str(ident)
        # A reply in the chat (a crash's apology included) or the press's callback answer.
        waits = [self.server.wait_new_async(USERS[step.actor], cursor, timeout=REPLY_TIMEOUT)]
        if step.kind == "press":
            waits.append(
                self.server.wait_for_call_async(
                    "answerCallbackQuery",
                    lambda c: str(c.params.get("callback_query_id")) == step.query_id,
                    since=calls,
                    timeout=REPLY_TIMEOUT,
                )
            )
        tasks = [asyncio.ensure_future(w) for w in waits]
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if all(task.exception() is not None for task in done):
            pytest.fail(f"no answer to: {step.what}\n{self.transcript()}")
        await self.idle()
        self.check(step, before, cursor, calls)

    def answered(self, step: Step, calls: int) -> bool:
        return step.kind == "press" and any(
            str(c.params.get("callback_query_id")) == step.query_id
            for c in self.server.calls("answerCallbackQuery", since=calls)
        )

    # -- invariants --------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        with contextlib.closing(self.env.db()) as db:
            out: dict[str, Any] = {who: cluster_state(db, CLUSTERS[who]) for who in (A, B)}
            out["clusters"] = {c: cluster_state(db, c) for c in ALL_CLUSTERS}
            out["managers"] = db.execute("SELECT COUNT(*) FROM managers").fetchone()[0]
            # Who holds what (the order of choices aside), and where each person stands.
            out["members"] = [
                tuple(r)
                for r in db.execute(
                    "SELECT cluster_id, user_id, role, consent_version FROM members "
                    "ORDER BY cluster_id, user_id"
                )
            ]
            out["stood"] = dict(
                db.execute(
                    "SELECT user_id, cluster_id FROM members m WHERE chosen = "
                    "(SELECT MAX(chosen) FROM members WHERE user_id = m.user_id)"
                ).fetchall()
            )
            out["settings"] = {r[0]: tuple(r) for r in db.execute("SELECT * FROM cluster_settings")}
            out["responses"] = db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
            out["invitations"] = [
                tuple(r) for r in db.execute("SELECT * FROM invitations ORDER BY token")
            ]
            # None of the actors is an admin: no desk input ever starts (forged desk presses).
            out["desk_inputs"] = db.execute("SELECT COUNT(*) FROM desk_inputs").fetchone()[0]
        return out

    def check(self, step: Step, before: dict[str, Any], cursor: int, calls: int) -> None:
        try:
            self._check(step, before, cursor, calls)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\nafter: {step.what}\n{self.transcript()}") from None

    def _check(self, step: Step, before: dict[str, Any], cursor: int, calls: int) -> None:
        after = self.state()
        # 1. never a crash message, never a traceback, in any chat or toast
        shown = [e.content for e in self.server.events(since=cursor)]
        shown += [
            str(c.params.get("text") or "")
            for c in self.server.calls("answerCallbackQuery", since=calls)
        ]
        for content in shown:
            assert texts.INTERNAL_ERROR not in content, "internal error shown"
            assert "Traceback" not in content, "a traceback was shown"
        # 1b. nobody is shown another cluster's data (its name heads every view of it)
        holders = {c: {u for m, u, *_ in before["members"] if m == c} for c in CLUSTER_NAMES}
        for event in self.server.events(since=cursor):
            for cluster, name in CLUSTER_NAMES.items():
                if event.chat_id not in holders[cluster]:
                    assert name not in event.content, f"{cluster} shown to another chat"
        # 2. the message got a reply in its chat, the press its callback answer
        if step.kind == "press":
            assert self.answered(step, calls), "press never answered"
        else:
            assert self.server.events(USERS[step.actor], since=cursor), "no reply"
        # 3. nobody touches a cluster they do not hold, nor one of theirs the step is not
        # about; who holds none (the stranger, a removed collaborator) touches nothing
        uid = USERS[step.actor]
        held = held_by(before["members"], uid)
        if not held:
            assert after == before, f"{step.actor}, holding no cluster, changed something"
            return
        if step.kind == "press":  # the cluster its key names, if the actor holds it
            target = cb.held_cluster(step.data, held)
            allowed_clusters = {target}
        else:  # where the actor stands (a command may move them to another of theirs)
            target = before["stood"].get(uid)
            allowed_clusters = {target} | (
                {after["stood"].get(uid)} if step.kind == "command" else set()
            )
        for cluster in ALL_CLUSTERS:
            if cluster not in allowed_clusters:
                assert after["clusters"][cluster] == before["clusters"][cluster], (
                    f"{cluster} changed, the step was about {allowed_clusters}"
                )
        manages = {c for c, u, role, _ in before["members"] if u == uid and role == "manager"}
        # Invitations: only a manager's /compartir adds one, a collaborator's for where she
        # stands (a collaborator's /compartir is refused).
        old_inv, new_inv = set(before["invitations"]), set(after["invitations"])
        if sharing(step) and before["stood"].get(uid) in manages:
            assert old_inv <= new_inv and len(new_inv - old_inv) <= 1, "invitations changed"
            for token, cluster, *_, role, by in new_inv - old_inv:
                assert (cluster, role, by) == (before["stood"][uid], "collaborator", uid), (
                    f"/compartir made {token} for {cluster} ({role}, by {by})"
                )
        else:
            assert after["invitations"] == before["invitations"], "invitations changed"
        assert after["managers"] == before["managers"], "managers changed"
        assert after["desk_inputs"] == 0, "a non-admin started a desk input"
        # The team and its send setting: only a team button of a cluster the presser manages.
        team_cluster = team_press(step, "sh:rm", manages)
        gone = set(before["members"]) - set(after["members"])
        assert set(after["members"]) <= set(before["members"]), "memberships changed (added)"
        assert all(c == team_cluster and role == "collaborator" for c, _, role, _ in gone), (
            f"memberships changed: {sorted(gone)} gone"
        )
        assert after["members"] == [m for m in before["members"] if m not in gone], (
            "memberships changed"
        )
        send_cluster = team_press(step, "sh:send", manages)
        for cluster in {*before["settings"], *after["settings"]} - {send_cluster}:
            assert after["settings"].get(cluster) == before["settings"].get(cluster), (
                f"{cluster}'s send setting changed"
            )
        if step.kind == "press" and after["stood"] != before["stood"]:  # moved by the press
            assert after["stood"].get(uid) == target, "a press moved the actor elsewhere"
        # 4. the actor's answers change only as the conversation allows, and stay valid
        if target is None:
            return
        old, new = before["clusters"][target]["answers"], after["clusters"][target]["answers"]
        changed = {q for q in new if old.get(q) != new[q]}
        removed = set(old) - set(new)
        if step.kind == "press":
            kind, _, rest = cb.unkeyed(step.data or "").partition(":")
            allowed = {rest.partition(":")[0]} if kind in ANSWER_KINDS else set()
        elif step.kind == "message":
            allowed = {step.shown} if step.shown else set()
        else:
            allowed = set()
        assert changed <= allowed, f"{sorted(changed)} changed, only {allowed} may"
        assert removed <= CONDITIONAL and (not removed or changed), f"{removed} lost"
        check_answers(new)

    def transcript(self, last: int = 12) -> str:
        lines = ["steps:", *(f"  {s.what}" for s in self.steps[-last:]), "bot:"]
        for e in self.server.events()[-last:]:
            lines.append(f"  [{e.chat_id} #{e.message_id} {e.kind}] {e.content[:160]!r}")
        return "\n".join(lines)

    def held(self, who: str) -> list[str]:
        """The clusters ``who`` holds now."""
        with contextlib.closing(self.env.db()) as db:
            rows = db.execute("SELECT cluster_id, user_id FROM members ORDER BY cluster_id")
            return held_by([tuple(r) for r in rows], USERS[who])

    # -- composite actions -------------------------------------------------------------------

    async def answer_one(self, who: str) -> bool:
        """Answer the question on screen with the example value; False if there is none."""
        shown = self.shown_question(who)
        if shown is None or self.newer_than_question(who, shown):
            return False
        qid = question_id(shown)
        assert qid is not None
        q, value, mid = QUESTIONNAIRE.question(qid), ANSWERS.get(qid, ND), shown.message_id
        key = key_on(shown)  # the question's cluster, as its buttons carry it
        if value == ND and q.allow_nd:
            await self.press(who, mid, cb.with_key(key, f"n:{qid}"))
        elif q.type == "multi" and isinstance(value, list):
            for choice in value[:2]:  # enough to exercise ticking; fewer steps
                await self.press(who, mid, cb.with_key(key, f"t:{qid}:{choice}"))
            await self.press(who, mid, cb.with_key(key, f"d:{qid}"))
        elif q.type == "yesno":
            await self.press(who, mid, cb.with_key(key, f"c:{qid}:{'si' if value else 'no'}"))
        elif q.type == "single":
            await self.press(who, mid, cb.with_key(key, f"c:{qid}:{value}"))
        elif q.type == "percent":
            await self.send(who, f"{format_number(value, 0 if float(value).is_integer() else 1)}%")
        elif q.type == "money":
            await self.send(who, format_number(value))
        else:
            await self.send(who, str(value))
        return self.shown_question(who) is not shown

    async def submit(self, who: str) -> bool:
        """Press "Enviar" if the review is the newest screen and offers it."""
        screen = next(
            (e for e in reversed(self.events(who)) if is_question(e) or is_review(e)), None
        )
        if screen is None or not is_review(screen) or not button(screen.message, "r:send"):
            return False
        await self.press(who, screen.message_id, cb.with_key(key_on(screen), "r:send"))
        return True

    def newer_than_question(self, who: str, shown: BotEvent) -> bool:
        """A review or an answer-needed prompt came after the question: nothing to answer."""
        return any(
            e.seq > shown.seq and e.kind == "send" and (is_review(e) or e.buttons)
            for e in self.events(who)
        )

    async def run(self, act: tuple[Any, ...]) -> None:
        kind, who = act[0], act[1]
        if kind == "answer":
            for _ in range(act[2]):
                if await self.answer_one(who) or await self.submit(who):
                    continue
                await self.send(who, "/continuar")
                if not (await self.answer_one(who) or await self.submit(who)):
                    break
            return
        self.random_actions += 1
        if kind == "text":
            await self.send(who, act[2])
        elif kind == "media":
            await self.media(who, act[2], act[3])
        elif kind == "press_own":
            own = self.buttons(who)
            if not own:
                await self.send(who, "/continuar")
                own = self.buttons(who) or [(self.message_ids(who)[-1], "go")]
            mid, data = own[act[2] % len(own)]
            await self.press(who, mid, data)
        elif kind == "press_other":
            # Another manager's buttons (their live question first), pressed here.
            others = [x for x in (A, B, M, K, R) if x != who]
            other = others[act[3] % len(others)]
            theirs = self.buttons(other)
            if not theirs:
                return
            their_mid, data = theirs[act[3] % len(theirs)]
            mine = self.message_ids(who)
            mid = their_mid if act[2] == "their_id" and their_mid in mine else mine[-1]
            await self.press(who, mid, data)
        elif kind in ("press_forged", "press_keyed"):
            data, n = (act[2], act[3]) if kind == "press_forged" else (act[3], act[4])
            if isinstance(data, tuple):  # ("current", kind, arg): the question on screen
                shown = self.shown_question(who)
                qid = (shown and question_id(shown)) or QIDS[0]
                data = (
                    f"{data[1]}:{qid}:{data[2]}"[:57] if data[1] in "ctyf" else f"{data[1]}:{qid}"
                )
            if kind == "press_keyed":
                holds = self.held(who)
                held = holds or [CLUSTERS[A]]
                foreign = next(c for c in ALL_CLUSTERS if c not in holds)
                key = {
                    "held": cb.cluster_key(held[0]),
                    "held_last": cb.cluster_key(held[-1]),
                    "foreign": cb.cluster_key(foreign),
                    "junk": "zzzzzz",
                }[act[2]]
                data = cb.with_key(key, cb.unkeyed(data))[:64]
            mine = self.message_ids(who)
            await self.press(who, mine[-1 - n % len(mine)], data)
        elif kind == "press_team":
            holds = self.held(who)
            cluster = {
                "held": (holds or [CLUSTERS[A]])[0],
                "a": CLUSTERS[A],
                "foreign": next(c for c in ALL_CLUSTERS if c not in holds),
            }[act[3]]
            data = (
                f"sh:rm:{cluster}:{USERS[act[4]]}" if act[2] == "sh:rm" else
                f"sh:send:{act[5]}:{cluster}"
            )  # fmt: skip
            await self.press(who, self.message_ids(who)[-1], data)
        else:  # pragma: no cover
            raise AssertionError(kind)


def held_by(members: list[tuple[Any, ...]], user_id: int) -> list[str]:
    """The clusters a person holds, of ``members`` rows (cluster_id, user_id, …)."""
    return [m[0] for m in members if m[1] == user_id]


def sharing(step: Step) -> bool:
    """The step is /compartir typed."""
    return step.kind == "command" and bool(
        re.match(r"/compartir(@ssme_demo_bot)?(\s|$)", step.text or "", re.IGNORECASE)
    )


def team_press(step: Step, tag: str, manages: set[str]) -> str | None:
    """The cluster a press of a team button (``tag``: ``sh:rm``, ``sh:send``) may change: the
    one its data names, if the presser manages it; else None."""
    press = cb.decode(step.data) if step.kind == "press" else None
    if not isinstance(press, cb.ShareRemove | cb.ShareSend) or press.tag != tag:
        return None
    return press.cluster if press.cluster in manages else None


def cluster_state(db: sqlite3.Connection, cluster_id: str) -> dict[str, Any]:
    """Every row that belongs to one cluster, in a comparable form."""

    def rows(sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in db.execute(sql, (cluster_id,))]

    answers = {
        q: json.loads(v)
        for q, v in db.execute(
            "SELECT a.question_id, a.value FROM answers a JOIN responses r USING (response_id) "
            "WHERE r.cluster_id = ?",
            (cluster_id,),
        )
    }
    return {
        "answers": answers,
        "answer_rows": rows(
            "SELECT a.* FROM answers a JOIN responses r USING (response_id) "
            "WHERE r.cluster_id = ? ORDER BY a.question_id"
        ),
        "responses": rows("SELECT * FROM responses WHERE cluster_id = ? ORDER BY response_id"),
        "results": rows(
            "SELECT s.* FROM results s JOIN responses r USING (response_id) "
            "WHERE r.cluster_id = ? ORDER BY s.result_id"
        ),
        "prefs": rows("SELECT * FROM reminder_prefs WHERE cluster_id = ?"),
        "reviews": rows(
            "SELECT v.* FROM reviews v JOIN responses r USING (response_id) "
            "WHERE r.cluster_id = ? ORDER BY v.response_id"
        ),
        "manager": rows("SELECT * FROM managers WHERE cluster_id = ?"),
    }


def check_answers(answers: dict[str, Any]) -> None:
    """Garbage never gets stored: each value is valid, and the set only lacks answers."""
    for qid, value in answers.items():
        assert qid in QUESTIONNAIRE.question_map, f"unknown question {qid} stored"
        try:
            ENGINE.coerce(QUESTIONNAIRE.question(qid), value)
        except AnswerError as exc:
            raise AssertionError(f"invalid answer {qid}={value!r} stored ({exc})") from None
    _, errors, warnings = ENGINE.validate(answers)
    assert [e for e in errors if not e.endswith(MISSING)] == [], "inconsistent answers stored"
    irrelevant = AnswerError("ignored_not_relevant").message
    assert [w for w in warnings if w.endswith(irrelevant)] == [], "irrelevant answers kept"


@contextlib.asynccontextmanager
async def running_bot(tmp: Path) -> AsyncIterator[Env]:
    """A fresh bot: A and B registered, M with two clusters, K collaborating on A's cluster,
    R removed from it, and the stranger greeted once.

    Telegram's flood limit (30 messages a second overall) is lifted with the setting made for
    that: it is not under test, and would double the run time. Nothing else differs.
    """
    bot = contextlib.asynccontextmanager(make_env)(
        tmp, admin_ids=frozenset({ADMIN_ID}), telegram_rate_limit=0
    )
    async with bot as env:
        for who in (A, B):
            await env.manager(USERS[who], CLUSTERS[who], first_name=NAMES[who]).register()
        # M: two clusters, the second accepted with the notice carried (no second notice).
        storage = await Storage.open(env.db_path)
        try:
            await storage.upsert_clusters([CLUSTER_C, CLUSTER_D], "test")
            for cluster in (C, D):
                env.seeded.tokens[cluster] = new_token()
                await storage.create_invitation(
                    cluster, env.seeded.tokens[cluster], invitation_expiry(), "test"
                )
        finally:
            await storage.close()
        marta = env.manager(USERS[M], C, first_name=NAMES[M])
        await marta.register()
        await marta.send(f"/start {env.seeded.tokens[D]}")
        await marta.next_question()
        # K and R: A shares her cluster with both…
        ana = env.manager(USERS[A], CLUSTERS[A], first_name=NAMES[A])
        for who in (K, R):
            await ana.send("/compartir")
            link = await ana.next_send("start=")
            await ana.next_send()  # the team's screen
            token = link.content.rsplit("start=", 1)[1].split()[0]
            await env.manager(USERS[who], CLUSTERS[A], first_name=NAMES[who]).register(token)
        # …and removes R, who keeps her old buttons.
        await ana.send("/compartir")
        await ana.next_send("start=")
        team = await ana.next_send()
        rita = env.manager(USERS[R], CLUSTERS[A], first_name=NAMES[R])
        remove_r = cb.encode(cb.ShareRemove(CLUSTERS[A], USERS[R]))
        assert button(team, remove_r), team.content
        ana.press(team.message_id, remove_r)
        await rita.next_send("lo quitó")
        with contextlib.closing(env.db()) as db:
            assert not db.execute("SELECT 1 FROM members WHERE user_id = ?", (USERS[R],)).fetchall()
        await ana.send("/continuar")  # her question is the newest screen again
        await ana.next_question()
        stranger = env.manager(USERS[S], first_name=NAMES[S])
        await stranger.send("hola")
        await stranger.next_send()
        yield env


@pytest.fixture
async def driver(tmp_path: Path) -> AsyncIterator[Driver]:
    async with running_bot(tmp_path) as env:
        yield Driver(env)


async def still_serves(driver: Driver) -> None:
    """5. The database is sound and A still gets a question or the review."""
    with contextlib.closing(driver.env.db()) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    ana = driver.env.manager(USERS[A], CLUSTERS[A], first_name=NAMES[A])
    await ana.send("/continuar")
    reply = await ana.next(
        lambda e: is_question(e) or is_review(e) or "ya fueron enviadas" in e.content
    )
    assert reply.content


# -- the property ----------------------------------------------------------------------------

STATS = {"examples": 0, "random": 0, "steps": 0, "seconds": 0.0}


@settings(
    max_examples=10,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
    ],
)
@given(actions=st.lists(action, min_size=30, max_size=45))
async def test_random_and_forged_input_never_breaks_the_bot(actions):
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        async with running_bot(Path(tmp)) as env:
            driver = Driver(env)
            try:
                for act in actions:
                    await driver.run(act)
                await still_serves(driver)
            finally:
                STATS["examples"] += 1
                STATS["random"] += driver.random_actions
                STATS["steps"] += len(driver.steps)
                STATS["seconds"] += time.monotonic() - began
    print(
        f"\n{STATS['examples']} bots, {STATS['random']} random actions, "
        f"{STATS['steps']} checked steps, {STATS['seconds']:.1f} s"
    )


# -- focused, deterministic ------------------------------------------------------------------


def live_question(driver: Driver, who: str) -> BotEvent:
    shown = driver.shown_question(who)
    assert shown is not None
    return shown


async def answer_until(driver: Driver, who: str, stop_before: str) -> BotEvent:
    while question_id(live_question(driver, who)) != stop_before:
        assert await driver.answer_one(who), driver.transcript()
    return live_question(driver, who)


async def test_the_other_managers_buttons_never_touch_their_cluster(driver):
    env = driver.env
    theirs = live_question(driver, B)
    data = "c:enfoque_segmentos:validados"
    assert button(theirs, data), "B's live question offers it"
    b_before = driver.state()[B]

    # A is on the same question: B's button answers A's own question, never B's.
    mine = live_question(driver, A)
    await driver.press(A, mine.message_id, data)
    assert env.stored_answers(CLUSTERS[A]) == {"enfoque_segmentos": "validados"}
    assert driver.state()[B] == b_before

    # A is one question ahead now: the same data is stale, on any message it is sent with.
    assert theirs.message_id in driver.message_ids(A)  # the same id exists in A's chat
    await driver.press(A, theirs.message_id, data)
    assert env.server.callback_answers()[-1].text == texts.STALE_BUTTON
    await driver.press(A, live_question(driver, A).message_id, data)
    assert env.server.callback_answers()[-1].text == texts.STALE_BUTTON
    # Even a press on B's very message, which only a forged update could carry.
    await driver.press_raw(A, theirs.message, data)
    assert env.stored_answers(CLUSTERS[A]) == {"enfoque_segmentos": "validados"}
    assert driver.state()[B] == b_before

    # B's own press still works: the data was good, just not A's to use.
    await driver.press(B, theirs.message_id, "c:enfoque_segmentos:no_definidos")
    assert env.stored_answers(CLUSTERS[B]) == {"enfoque_segmentos": "no_definidos"}


async def test_a_forged_send_never_submits_another_clusters_response(driver):
    env = driver.env
    # B answers everything and sits on the review, one press away from sending.
    review = None
    while review is None:
        if not await driver.answer_one(B):
            review = next(e for e in reversed(driver.events(B)) if is_review(e))
    assert button(review, "r:send")
    b_before = driver.state()[B]
    assert [r[3] for r in b_before["responses"]] == ["draft"]

    await driver.press(A, driver.message_ids(A)[-1], "r:send")  # on A's own message
    await driver.press(A, live_question(driver, A).message_id, "r:send")
    # On B's very review message: only a forged update could carry that press.
    await driver.press_raw(A, review.message, "r:send")
    await driver.press(A, driver.message_ids(A)[-1], "rem:stop:2021")
    await driver.press(A, driver.message_ids(A)[-1], "adm:remind:2021")
    await driver.send(A, "/revisar")
    assert driver.state()[B] == b_before, "nothing of B's changed"
    with contextlib.closing(env.db()) as db:
        statuses = dict(
            db.execute(
                "SELECT cluster_id, status FROM responses WHERE cluster_id IN (?, ?)",
                (CLUSTERS[A], CLUSTERS[B]),
            )
        )
        assert db.execute("SELECT COUNT(*) FROM results").fetchone()[0] == 0
    assert statuses == {CLUSTERS[A]: "draft", CLUSTERS[B]: "draft"}

    # The same press by B sends B's response.
    await driver.press(B, review.message_id, "r:send")
    with contextlib.closing(env.db()) as db:
        statuses = dict(
            db.execute(
                "SELECT cluster_id, status FROM responses WHERE cluster_id IN (?, ?)",
                (CLUSTERS[A], CLUSTERS[B]),
            )
        )
    assert statuses == {CLUSTERS[A]: "draft", CLUSTERS[B]: "submitted"}


async def test_the_stranger_changes_nothing(driver):
    env = driver.env
    for text in ("/start", "/start x", "/revisar", "/resultado", "123", "validados"):
        await driver.send(S, text)
    for who in (A, B):
        await driver.send(S, f"/start {env.seeded.tokens[CLUSTERS[who]]}")
        assert "ya fue usado" in env.server.last_sent(USERS[S]).text
        _, data = driver.buttons(who)[0]
        await driver.press(S, driver.message_ids(S)[-1], data)
        await driver.press_raw(S, env.server.sent(USERS[who])[-1], data)
    for data in ("consent:ok", "r:send", "go", "rem:stop:2021", "adm:remind:2021", "w:enfoque"):
        await driver.press(S, driver.message_ids(S)[-1], data)
    with contextlib.closing(env.db()) as db:
        assert (
            db.execute("SELECT COUNT(*) FROM managers WHERE user_id = ?", (USERS[S],)).fetchone()[0]
            == 0
        )


# -- known bugs ------------------------------------------------------------------------------


async def test_bug_unicode_digit_typed_for_a_choice_question(driver):
    assert question_id(live_question(driver, A)) == "enfoque_segmentos"  # a single choice
    await driver.send(A, "፩")  # ETHIOPIC DIGIT ONE


async def test_bug_confirm_press_with_a_superscript_digit(driver):
    await driver.answer_one(A)
    mid = live_question(driver, A).message_id
    assert question_id(live_question(driver, A)) == "inteligencia_actividades"
    await driver.press(A, mid, "t:inteligencia_actividades:benchmarking")
    await driver.press(A, mid, "y:inteligencia_actividades:²")


async def test_bug_forged_fix_button_stores_the_answer_for_another_question(driver):
    env = driver.env
    await answer_until(driver, A, "estrategia_formalizacion")
    await driver.press(
        A, live_question(driver, A).message_id, "c:estrategia_formalizacion:no_existe"
    )  # the year of the strategy's update no longer applies
    await answer_until(driver, A, "empresas_vinculadas")
    mid = live_question(driver, A).message_id
    await driver.press(A, mid, "f:empresas_vinculadas:estrategia_anio_actualizacion")
    shown = question_id(live_question(driver, A))
    await driver.send(A, "2020")  # answers the question on screen
    stored = env.stored_answers(CLUSTERS[A])
    assert shown == "empresas_vinculadas" or stored.get("empresas_vinculadas") != 2020, (
        f"the bot showed {shown}, and stored the answer 2020 as empresas_vinculadas"
    )


async def test_bug_editing_an_old_answer_answers_the_current_question(driver):
    env = driver.env
    asked = await answer_until(driver, A, "empresas_vinculadas")
    await driver.answer_one(A)  # types "180"
    assert question_id(live_question(driver, A)) == "empresas_activas"
    before = env.stored_answers(CLUSTERS[A])
    sender = {"id": USERS[A], "is_bot": False, "first_name": NAMES[A]}
    edited = {
        "message_id": asked.message_id + 1,  # the user's "180", right after the question
        "from": sender,
        "chat": {"id": USERS[A], "type": "private", "first_name": NAMES[A]},
        "date": int(time.time()) - 5,
        "edit_date": int(time.time()),
        "text": "150",
    }
    env.server.inject_update({"edited_message": edited})
    await settle(0.5)
    await driver.idle()
    assert env.stored_answers(CLUSTERS[A]) == before, "an edit must not answer another question"


async def test_bug_number_typed_on_the_review_answers_a_question_not_on_screen(driver):
    await answer_until(driver, A, "actores_empresas")
    await driver.press(A, live_question(driver, A).message_id, "b:actores_empresas")
    assert question_id(live_question(driver, A)) == "empresas_activas"
    await driver.send(A, "/revisar")
    assert is_review(driver.events(A)[-1])
    await driver.send(A, "100")  # meant for empresas_activas, the last question shown
    stored = driver.env.stored_answers(CLUSTERS[A])
    assert "actores_empresas" not in stored, "100 was stored for a question never shown"


# -- issue 16: a person holding two clusters -------------------------------------------------


def m_question(driver: Driver, cluster: str) -> BotEvent:
    """M's latest question of one of her clusters (by the key its buttons carry)."""
    key = cb.cluster_key(cluster)
    return next(e for e in reversed(driver.events(M)) if is_question(e) and key_on(e) == key)


async def test_a_press_for_her_other_cluster_writes_there_only(driver):
    env = driver.env
    on_c, on_d = m_question(driver, C), m_question(driver, D)
    assert driver.state()["stood"][USERS[M]] == D
    before = driver.state()["clusters"]
    data = cb.with_key(cb.cluster_key(C), "c:enfoque_segmentos:validados")
    assert button(on_c, data)
    # On D, her live button of C answers C (the cluster it names), never D; she is now on C.
    await driver.press(M, on_c.message_id, data)
    after = driver.state()
    assert env.stored_answers(C) == {"enfoque_segmentos": "validados"}
    assert after["clusters"][D] == before[D] and after["stood"][USERS[M]] == C
    # The same question's data with D's key is D's own first question: it answers D only.
    await driver.press(M, on_d.message_id, cb.with_key(cb.cluster_key(D), cb.unkeyed(data)))
    assert env.stored_answers(D) == {"enfoque_segmentos": "validados"}
    assert env.stored_answers(C) == {"enfoque_segmentos": "validados"}
    # C's button again is stale now (C moved on): nothing anywhere; she stays where she is.
    stood = driver.state()["stood"][USERS[M]]
    await driver.press(M, on_c.message_id, data)
    assert env.server.callback_answers()[-1].text == texts.STALE_BUTTON
    assert driver.state()["stood"][USERS[M]] == stood
    # Unkeyed data, with two clusters held: which one? Refused.
    await driver.press(M, on_d.message_id, "c:inteligencia_actividades:benchmarking")
    assert env.server.callback_answers()[-1].text.startswith("Ese botón es de un mensaje")
    # A's cluster's key (not hers): refused, nothing of A's changes.
    a_key = cb.cluster_key(CLUSTERS[A])
    await driver.press(M, on_d.message_id, cb.with_key(a_key, "c:enfoque_segmentos:validados"))
    assert driver.state()["clusters"][CLUSTERS[A]] == before[CLUSTERS[A]]


async def test_after_leaving_a_cluster_its_old_buttons_change_nothing(driver):
    env = driver.env
    on_c = m_question(driver, C)
    await driver.send(M, "/dejar")
    pick = env.server.last_sent(USERS[M])
    [leave_c] = [
        b["callback_data"]
        for row in pick.reply_markup["inline_keyboard"]
        for b in row
        if cb.key_of(b["callback_data"]) == cb.cluster_key(C)
    ]
    env.server.press_button(USERS[M], pick.message_id, leave_c)
    await settle()
    ask = env.server.last_sent(USERS[M])
    [[confirm]] = ask.reply_markup["inline_keyboard"]
    env.server.press_button(USERS[M], ask.message_id, confirm["callback_data"])
    await settle()
    await driver.idle()
    with contextlib.closing(env.db()) as db:
        assert (
            db.execute("SELECT COUNT(*) FROM members WHERE cluster_id = ?", (C,)).fetchone()[0] == 0
        )
        assert (
            db.execute(
                "SELECT COUNT(*) FROM audit WHERE action = 'member_left' AND cluster_id = ?", (C,)
            ).fetchone()[0]
            == 1
        )
    before = driver.state()["clusters"]
    for row in on_c.reply_markup["inline_keyboard"]:
        for b in row:
            env.server.press_button(USERS[M], on_c.message_id, b["callback_data"])
    env.server.press_button(USERS[M], ask.message_id, confirm["callback_data"])
    await settle()
    await driver.idle()
    assert driver.state()["clusters"] == before
    assert {a.text for a in env.server.callback_answers()[-3:]} == {
        "Ese botón es de un clúster que usted ya no tiene en este bot."
    }


# -- issue 16 item 2: collaborators ----------------------------------------------------------


async def test_the_collaborators_change_only_what_they_may(driver):
    """Every step below is checked as the property's are (invariants 1-4 after each)."""
    a_cluster, b_cluster = CLUSTERS[A], CLUSTERS[B]
    assert {who: sorted(driver.held(who)) for who in HELD} == {
        who: sorted(held) for who, held in HELD.items()
    }
    before = driver.state()
    # R's old buttons (A's cluster's, with its key), tokens, /compartir: nothing.
    for mid, data in driver.buttons(R)[:3]:
        await driver.press(R, mid, data)
    for text in ("/continuar", "/compartir", "/start {TOKEN_A}", "{TOKEN_A}", "180"):
        await driver.send(R, text)
    # A collaborator may not share, nor use the team's buttons; R neither.
    await driver.send(K, "/compartir")
    for who in (R, K):
        for data in (f"sh:rm:{a_cluster}:{USERS[K]}", f"sh:send:si:{a_cluster}"):
            await driver.press(who, driver.message_ids(who)[-1], data)
    # K presses B's live button on her own message: B's cluster and A's stay as they were.
    await driver.press(K, driver.message_ids(K)[-1], driver.buttons(B)[0][1])
    # A forges B's team buttons: B's team and setting stay; removing R again tells R nothing.
    for data in (f"sh:send:si:{b_cluster}", f"sh:rm:{b_cluster}:{USERS[B]}"):
        await driver.press(A, driver.message_ids(A)[-1], data)
    await driver.press(A, driver.message_ids(A)[-1], f"sh:rm:{a_cluster}:{USERS[R]}")
    after = driver.state()
    for part in ("members", "settings", "invitations", "clusters"):
        assert after[part] == before[part], part
    # A's own team buttons: she lets collaborators send, then removes K, who then holds nothing.
    await driver.press(A, driver.message_ids(A)[-1], f"sh:send:si:{a_cluster}")
    assert after["settings"] != driver.state()["settings"]
    await driver.press(A, driver.message_ids(A)[-1], f"sh:rm:{a_cluster}:{USERS[K]}")
    assert driver.held(K) == []
    await driver.send(A, "/compartir")  # one link more, a collaborator's
