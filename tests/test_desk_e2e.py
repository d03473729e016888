"""The analyst's desk end to end: /cluster and /clusters through the real Application, the
local Bot API server and a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from importlib import resources

import pytest

from bot import texts
from bot.conversation import callbacks as cb
from bot.local import DEMO_CLUSTER
from bot.texts import desk as t
from tests.conftest import example
from tests.e2e import OTHER_CLUSTER, Env, is_review, make_env, question_id, settle

pytestmark = pytest.mark.e2e

ADMIN = 9001
REGISTRY = (resources.files("bot") / "examples" / "registro_ejemplo.csv").read_bytes()


@pytest.fixture
async def admin_env(tmp_path) -> AsyncIterator[Env]:
    async for e in make_env(tmp_path, admin_ids=frozenset({ADMIN})):
        yield e


async def test_an_admin_sees_a_submitted_cluster_at_a_glance_with_its_radar(admin_env):
    env = admin_env
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("consolidado"))
    await ana.submit()
    admin = env.manager(user_id=ADMIN, first_name="Analista")
    await admin.send(f"/cluster {DEMO_CLUSTER.cluster_id}")
    radar = await admin.next(lambda e: e.method == "sendPhoto")
    assert DEMO_CLUSTER.nombre in radar.content and "IMS" in radar.content
    view = await admin.next_send(DEMO_CLUSTER.nombre)
    assert "enviada el" in view.content and "Ana" in view.content
    assert "Respuestas" in view.content
    history = view.content
    while "Historial" not in history:  # a long view comes in more messages
        history = (await admin.next_send()).content
    assert "respuestas enviadas" in history


async def test_a_mistyped_cluster_gets_suggestions(admin_env):
    admin = admin_env.manager(user_id=ADMIN, first_name="Analista")
    await admin.send("/cluster cafe_huila")
    reply = await admin.next_send()
    assert "¿Quiso decir demo_cafe_huila?" in reply.content
    await admin.send("/cluster")
    assert (await admin.next_send()).content == t.CLUSTER_USAGE


async def test_the_list_pages_with_buttons_and_opens_a_cluster(admin_env):
    env = admin_env
    admin = env.manager(user_id=ADMIN, first_name="Analista")
    env.server.send_document(ADMIN, "registro.csv", REGISTRY, caption="/importar")
    await admin.next_send("importados")
    await admin.send("/clusters")
    first = await admin.next_send("Clústeres — medición")
    with env.db() as db:
        (active,) = db.execute("SELECT count(*) FROM clusters WHERE estado = 'activa'").fetchone()
    assert active > 10 and f"{active} de {active}" in first.content
    assert "Página 1 de 2" in first.content
    # Ten clusters on a page, each with its button, and «Siguiente».
    assert len([b for b in first.buttons if b.startswith("🔎")]) == 10
    nxt = next(
        b["callback_data"]
        for row in first.reply_markup["inline_keyboard"]
        for b in row
        if b["callback_data"].startswith("adm:cls:2")
    )
    admin.press(first.message_id, nxt)
    second = await admin.next(lambda e: e.kind == "edit" and e.message_id == first.message_id)
    assert second.content != first.content and "Clústeres — medición" in second.content
    opens = [
        b["callback_data"]
        for row in second.reply_markup["inline_keyboard"]
        for b in row
        if b["callback_data"].startswith("adm:cl:")
    ]
    assert opens
    admin.press(second.message_id, opens[0])
    cluster_id = cb.decode(opens[0]).cluster  # type: ignore[union-attr]
    view = await admin.next_send(f"· {cluster_id}")
    assert "Medición 2021" in view.content


async def test_the_list_filters_and_refuses_a_word_it_does_not_know(admin_env):
    admin = admin_env.manager(user_id=ADMIN, first_name="Analista")
    await admin.send("/clusters caldas")
    reply = await admin.next_send("Clústeres — medición")
    assert OTHER_CLUSTER.nombre in reply.content and DEMO_CLUSTER.nombre not in reply.content
    await admin.send("/clusters antartida")
    assert "«antartida»" in (await admin.next_send()).content


async def test_a_manager_or_a_stranger_never_sees_the_desk(admin_env):
    env = admin_env
    ana = env.manager()
    await ana.register()
    stranger = env.manager(user_id=5555, first_name="Extraño")
    for who in (ana, stranger):
        for command in (f"/cluster {OTHER_CLUSTER.cluster_id}", "/clusters"):
            await who.send(command)
            assert (await who.next_send()).content == texts.UNKNOWN_COMMAND
        for forged in (cb.ClusterOpen(OTHER_CLUSTER.cluster_id), cb.ClusterPage(1, "-|-|-")):
            message_id = env.server.sent(who.user_id)[-1].message_id
            who.press(message_id, cb.encode(forged))
    await settle()
    for who in (ana, stranger):
        for message in env.server.sent(who.user_id):
            assert OTHER_CLUSTER.nombre not in (message.text or "") + (message.caption or "")


async def test_an_analyst_approves_from_the_queue_and_the_cluster_view_says_so(admin_env):
    env = admin_env
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("consolidado"))
    await ana.submit()
    admin = env.manager(user_id=ADMIN, first_name="Analista")
    await admin.send("/revision")
    queue = await admin.next_send("Revisión — medición")
    assert DEMO_CLUSTER.nombre in queue.content and "1 por revisar" in queue.content
    approve = next(
        b["callback_data"]
        for row in queue.reply_markup["inline_keyboard"]
        for b in row
        if b["callback_data"].startswith("adm:ok:")
    )
    admin.press(queue.message_id, approve)
    after = await admin.next(lambda e: e.kind == "edit" and e.message_id == queue.message_id)
    assert "No hay respuestas por revisar" in after.content and "1 aprobadas" in after.content
    approved = t.APPROVED.format(name=DEMO_CLUSTER.nombre)
    await env.server.wait_for_call_async(
        "answerCallbackQuery", lambda c: c.params.get("text") == approved
    )
    with env.db() as db:
        (status,) = db.execute("SELECT status FROM reviews").fetchone()
    assert status == "aprobada"
    await admin.send(f"/cluster {DEMO_CLUSTER.cluster_id}")
    view = await admin.next_send(DEMO_CLUSTER.nombre + " ·")
    assert "Revisión: aprobada" in view.content


async def test_a_manager_cannot_approve_with_a_forged_press(admin_env):
    env = admin_env
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("consolidado"))
    await ana.submit()
    message_id = env.server.sent(ana.user_id)[-1].message_id
    ana.press(message_id, cb.encode(cb.Approve(1, DEMO_CLUSTER.cluster_id)))
    await settle()
    with env.db() as db:
        (status,) = db.execute("SELECT status FROM reviews").fetchone()
    assert status == "pendiente"


async def test_an_admin_corrects_an_answer_from_telegram_and_the_history_shows_it(admin_env):
    env = admin_env
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("consolidado"))
    await ana.submit()
    admin = env.manager(user_id=ADMIN, first_name="Analista")
    await admin.send("/corregir demo_cafe_huila empresas_activas")
    assert (await admin.next_send()).content.startswith("Para corregir")
    await admin.send("/corregir demo_cafe_huila empresas_vinculadas 200 | acta")
    refused = await admin.next_send()
    assert "empresas_vinculadas" in refused.content
    await admin.send("/corregir demo_cafe_huila empresas_activas 150 | según el acta")
    done = await admin.next_send("Corregida")
    assert "110 → 150" in done.content and "Nuevo resultado: IMS" in done.content
    with env.db() as db:
        (results,) = db.execute("SELECT count(*) FROM results").fetchone()
    assert results == 2
    await admin.send(f"/cluster {DEMO_CLUSTER.cluster_id}")
    history = ""
    while "según el acta" not in history:
        history = (await admin.next_send()).content
    assert "cambió «Empresas activas»: 110 → 150" in history
    # A manager cannot do it.
    await ana.send("/corregir demo_cafe_huila empresas_activas 1 | x")
    assert (await ana.next_send()).content == texts.UNKNOWN_COMMAND


async def test_an_analyst_asks_the_manager_answers_from_the_button_and_sends_again(admin_env):
    env = admin_env
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("consolidado"))
    await ana.submit()
    admin = env.manager(user_id=ADMIN, first_name="Analista")
    await admin.send("/pedir_ajuste demo_cafe_huila")
    assert (await admin.next_send()).content == t.ASK_USAGE
    await admin.send("/pedir_ajuste demo_cafe_huila empresas_activas | Revise con el acta")
    await admin.next_send("Pedido enviado")
    asked = await ana.next_send("le pide revisar")
    assert "Empresas activas" in asked.content and "Revise con el acta" in asked.content
    with env.db() as db:
        (status,) = db.execute("SELECT status FROM reviews").fetchone()
    assert status == "requiere_ajuste"
    ana.press(asked.message_id, cb.encode(cb.FollowUp("empresas_activas")))
    question = await ana.next_question()
    assert question_id(question) == "empresas_activas"
    review_screen = await ana.answer(120)
    assert is_review(review_screen)
    photo, _ = await ana.submit()
    assert photo.method == "sendPhoto"
    with env.db() as db:
        (status,) = db.execute("SELECT status FROM reviews").fetchone()
        (versions,) = db.execute("SELECT count(*) FROM submissions").fetchone()
    assert status == "pendiente" and versions == 2, "sent again: back in the queue"
    await admin.send(f"/cluster {DEMO_CLUSTER.cluster_id}")
    history = ""
    while "Historial" not in history:
        history = (await admin.next_send()).content
    assert "revisión: ajuste pedido al gerente — motivo: Revise con el acta" in history
    assert "cambió «Empresas activas»: 110 → 120" in history
