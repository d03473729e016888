"""Collaborators end to end (issue 16 item 2): the real Application, the local Bot API server
and a real database. A manager shares the cluster with /compartir, a colleague answers part of
the same response, each sees where the other left off, the manager sends; sending by a
collaborator only once allowed; a removed collaborator is told and locked out; two people on
the same question: the later wins, the earlier is in the history, the stale one is told."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator

import pytest

from bot.conversation import callbacks as cb
from bot.local import DEMO_CLUSTER
from bot.questionnaire.engine import Engine
from bot.texts import STALE_BUTTON
from bot.texts import sharing as t
from tests.conftest import example
from tests.e2e import QUESTIONNAIRE, Env, Manager, is_question, is_review, make_env, settle

pytestmark = pytest.mark.e2e

ADMIN = 9001
ANSWERS = example("consolidado")
CLUSTER = DEMO_CLUSTER.cluster_id
ENGINE = Engine(QUESTIONNAIRE, 2021)


@pytest.fixture
async def env(tmp_path) -> AsyncIterator[Env]:
    async for e in make_env(tmp_path, admin_ids=frozenset({ADMIN})):
        yield e


async def team_screen(ana: Manager) -> tuple[str, object]:
    """/compartir: the link's code and the team's screen."""
    await ana.send("/compartir")
    link = await ana.next_send("t.me/")
    team = await ana.next_send("Equipo de")
    found = re.search(r"start=([A-Za-z0-9_-]+)", link.content)
    assert found is not None and "vence el" in link.content
    return found.group(1), team


async def join(env: Env, ana: Manager, user_id: int = 2002, name: str = "Beto") -> Manager:
    """Ana invites a colleague, who accepts the data notice and lands on a question."""
    token, _ = await team_screen(ana)
    beto = env.manager(user_id=user_id, first_name=name)
    await beto.send(f"/start {token}")
    joined = await beto.next_send("colaborador")
    assert DEMO_CLUSTER.nombre in joined.content and ana.chat.first_name in joined.content
    consent = await beto.next_send("Ley 1581")
    beto.press(consent.message_id, cb.encode(cb.Consent()))
    await beto.next_question()
    told = await ana.next_send("aceptó su invitación")  # the manager knows who joined
    assert name in told.content and DEMO_CLUSTER.nombre in told.content
    return beto


async def answer_n(person: Manager, n: int) -> None:
    for _ in range(n):
        qid = person.current_id
        assert qid is not None
        await person.answer(ANSWERS[qid])


def answered_by(env: Env) -> dict[str, int]:
    with env.db() as db:
        rows = db.execute(
            "SELECT question_id, answered_by FROM answers a JOIN responses r USING (response_id) "
            "WHERE r.cluster_id = ?",
            (CLUSTER,),
        ).fetchall()
    return {r[0]: r[1] for r in rows}


def trail(env: Env) -> list[dict]:
    with env.db() as db:
        rows = db.execute(
            "SELECT actor, detail FROM audit WHERE action = 'answer_changed' ORDER BY audit_id"
        ).fetchall()
    return [{"actor": r[0], **json.loads(r[1])} for r in rows]


async def cluster_history(env: Env) -> str:
    """The history the analyst reads in /cluster."""
    text = await cluster_text(env)
    return text[text.index("Historial") :]


async def cluster_text(env: Env) -> str:
    """What the analyst reads of the cluster in /cluster (the view may come in several parts)."""
    admin = env.manager(user_id=ADMIN, first_name="Analista")
    await admin.send(f"/cluster {CLUSTER}")
    text = (await admin.next_send(DEMO_CLUSTER.nombre)).content
    while "Historial" not in text:
        text += (await admin.next_send()).content
    return text


async def test_a_collaborator_answers_part_and_the_manager_sends_it(env):
    ana = env.manager(first_name="Ana")
    await ana.register()
    await answer_n(ana, 3)
    ana_ids = set(answered_by(env))
    beto = await join(env, ana)
    # Beto is on the first question Ana left, and is told where she left off.
    assert beto.current_id not in ana_ids
    welcome = [
        e.content for e in env.server.events(2002) if "Responden este formulario" in e.content
    ]
    assert welcome and "Ana respondió por última vez" in welcome[-1]
    await answer_n(beto, 3)
    beto_ids = set(answered_by(env)) - ana_ids
    assert len(beto_ids) == 3

    # Ana resumes: where Beto left off, and the next question nobody has answered.
    await ana.send("/continuar")
    left = await ana.next_send("Responden este formulario")
    assert "Beto respondió por última vez" in left.content
    await ana.next_question()
    assert ana.current_id not in ana_ids | beto_ids
    await answer_n(ana, 2)
    shared = set(answered_by(env)) - ana_ids - beto_ids

    # The analyst sees the team, and the history says who gave which answer (since shared).
    text = await cluster_text(env)
    assert "👥 Colaboradores: Beto · escribirle (2002)" in text
    lines = text[text.index("Historial") :].splitlines()
    for qid, who in [*((q, "Beto") for q in beto_ids), *((q, "Ana") for q in shared)]:
        label = ENGINE.short(QUESTIONNAIRE.question(qid))
        assert any(f"· {who} ·" in line and label in line for line in lines), (who, label, lines)
    await ana.answer_all(ANSWERS)
    photo, _ = await ana.submit()
    assert "IMS" in photo.content

    by = answered_by(env)
    assert {by[q] for q in ana_ids} == {1001} and {by[q] for q in beto_ids} == {2002}
    # The trail the export's «historial» reads: every answer, with who gave it.
    entries = trail(env)
    assert {e["question"] for e in entries if e["actor"] == "2002"} == beto_ids
    assert shared <= {e["question"] for e in entries if e["actor"] == "1001"}


async def test_a_collaborator_sends_only_once_the_manager_allows_it(env):
    ana = env.manager(first_name="Ana")
    await ana.register()
    beto = await join(env, ana)
    await beto.answer_all(ANSWERS)
    assert is_review(beto.question)
    beto.press(beto.question.message_id, cb.encode(cb.ReviewSend()))
    refusal = await beto.next_send("Solo el gestor")
    assert "Ana" in refusal.content
    toast = await env.server.wait_for_call_async(
        "answerCallbackQuery", lambda c: c.params.get("text") == t.ONLY_MANAGER_SENDS_SHORT
    )
    assert toast
    with env.db() as db:
        assert db.execute("SELECT count(*) FROM results").fetchone()[0] == 0

    _, team = await team_screen(ana)
    assert t.TEAM_SENDS_MANAGER in team.content and "• Beto" in team.content
    ana.press(team.message_id, cb.encode(cb.ShareSend("si", CLUSTER)))
    edited = await ana.next(lambda e: e.kind == "edit" and e.message_id == team.message_id)
    assert t.TEAM_SENDS_ALL in edited.content

    beto.press(beto.question.message_id, cb.encode(cb.ReviewSend()))
    photo = await beto.next(lambda e: e.method == "sendPhoto")
    assert "IMS" in photo.content
    told = await ana.next_send("envió el formulario")  # Ana did not press «Enviar»: she is told
    assert "Beto" in told.content and "IMS" in told.content and "nivel" in told.content
    with env.db() as db:
        (by,) = db.execute("SELECT submitted_by FROM submissions").fetchone()
    assert by == "2002"


async def test_a_removed_collaborator_is_told_and_can_no_longer_read_or_write(env):
    ana = env.manager(first_name="Ana")
    await ana.register()
    beto = await join(env, ana)
    await answer_n(beto, 2)
    on_screen = beto.question
    assert on_screen is not None and is_question(on_screen)
    _, team = await team_screen(ana)
    remove = cb.encode(cb.ShareRemove(CLUSTER, 2002))
    ana.press(team.message_id, remove)
    told = await beto.next_send("lo quitó")
    assert DEMO_CLUSTER.nombre in told.content and "Ana" in told.content
    edited = await ana.next(lambda e: e.kind == "edit" and e.message_id == team.message_id)
    assert "• Beto" not in edited.content and t.TEAM_NOBODY in edited.content
    before = env.stored_answers()

    # The buttons still on his screen, a typed answer, /continuar, /revisar, /resultado: nothing.
    qid = beto.current_id
    assert qid is not None
    beto.press(on_screen.message_id, cb.encode(cb.NotAvailable(qid)))
    await env.server.wait_for_call_async(
        "answerCallbackQuery", lambda c: c.params.get("text") == STALE_BUTTON
    )
    for text in ("150", "/continuar", "/revisar", "/resultado"):
        await beto.send(text)
        reply = await beto.next_send()
        assert reply.content.startswith("Hola. Soy el asistente"), text  # INTRO_UNREGISTERED
        assert DEMO_CLUSTER.nombre not in reply.content
    # Pressing Ana's team buttons (forged into his chat) does nothing either.
    beto.press(on_screen.message_id, cb.encode(cb.ShareSend("si", CLUSTER)))
    await settle()
    assert env.stored_answers() == before
    with env.db() as db:
        assert db.execute("SELECT count(*) FROM cursors WHERE user_id = 2002").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM cluster_settings").fetchone()[0] == 0


async def test_the_later_answer_wins_the_earlier_is_in_the_history_the_stale_one_is_told(env):
    ana = env.manager(first_name="Ana")
    await ana.register()
    beto = await join(env, ana)
    qid = ana.current_id
    assert qid == beto.current_id == "enfoque_segmentos"  # both have it on screen
    ana_screen, beto_screen = ana.question, beto.question
    assert ana_screen is not None and beto_screen is not None

    await ana.answer("sector")  # Ana first…
    beto.press(beto_screen.message_id, cb.encode(cb.Choose(qid, "segmentos")))  # …then Beto
    notice = await beto.next_send("mientras usted la tenía en pantalla")
    assert "Ana" in notice.content and "queda en el historial" in notice.content
    await beto.next_question()
    assert env.stored_answers()[qid] == "segmentos"  # the later answer wins
    earlier = [e for e in trail(env) if e["question"] == qid]
    assert earlier[-1] == {
        "actor": "2002",
        "campaign": earlier[-1]["campaign"],
        "question": qid,
        "old": "sector",
        "new": "segmentos",
        "old_by": 1001,
    }
    assert any(e["actor"] == "1001" and e["new"] == "sector" for e in earlier)
    # Ana was not on a stale screen: she is not told.
    assert not [e for e in env.server.events(1001) if "mientras usted" in e.content]


async def test_two_typed_answers_at_the_same_moment_one_wins_the_other_is_kept(env):
    ana = env.manager(first_name="Ana")
    await ana.register()
    await answer_n(ana, 5)  # up to empresas_vinculadas, a typed number
    beto = await join(env, ana)
    qid = ana.current_id
    assert qid == beto.current_id == "empresas_vinculadas"
    await asyncio.gather(ana.send("180"), beto.send("175"))  # both at once
    await asyncio.gather(ana.next_question(), beto.next_question())
    stored = env.stored_answers()[qid]
    assert stored in (180, 175)
    later, earlier = ("Beto", "Ana") if stored == 175 else ("Ana", "Beto")
    later_chat = 2002 if later == "Beto" else 1001
    earlier_chat = 1001 if later == "Beto" else 2002
    told = [e.content for e in env.server.events(later_chat) if "mientras usted" in e.content]
    assert told and earlier in told[0]
    assert not [e for e in env.server.events(earlier_chat) if "mientras usted" in e.content]
    changes = [e for e in trail(env) if e["question"] == qid]
    assert [e["new"] for e in changes][-1] == stored
    assert changes[-1]["old"] == (180 if stored == 175 else 175)


async def test_the_stale_one_typing_answers_the_question_on_their_screen(env):
    ana = env.manager(first_name="Ana")
    await ana.register()
    await answer_n(ana, 5)
    beto = await join(env, ana)
    qid = beto.current_id
    await ana.answer(180)  # Ana answers it; Beto still has it on screen
    await beto.send("175")
    notice = await beto.next_send("mientras usted la tenía en pantalla")
    assert "180" in notice.content and "175" in notice.content
    assert env.stored_answers()[qid] == 175
