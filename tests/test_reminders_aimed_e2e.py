"""Reminders aimed and reminders of a follow-up, end to end: the real Application, the local Bot
API server, a real database (issue 16 item 4; issue 13 item 3's last sentence).

The bot's clock is moved forward (``bot_data.clock``) so reminders fall due without waiting
days; the buttons, the sends and their records are real.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot import texts
from bot.conversation import callbacks as cb
from bot.handlers.jobs import schedule_reminders
from bot.reminders.policy import ReminderPolicy, next_allowed_moment, snooze_until
from bot.storage import utcnow
from bot.texts import admin as t
from tests.conftest import example
from tests.e2e import Env, is_review, make_env, question_id, settle

pytestmark = pytest.mark.e2e

ADMIN = 9001
POLICY = ReminderPolicy()


@pytest.fixture
async def admin_env(tmp_path) -> AsyncIterator[Env]:
    async for e in make_env(tmp_path, admin_ids=frozenset({ADMIN})):
        yield e


def later(days: float):
    """An allowed sending moment (weekday, 8–18 Bogotá, no holiday) some days from now."""
    return next_allowed_moment(POLICY, utcnow() + timedelta(days=days))


def reminder_rows(env: Env) -> list[tuple[str, str, str]]:
    with env.db() as db:
        return [
            tuple(r)
            for r in db.execute(
                "SELECT cluster_id, kind, status FROM reminders ORDER BY reminder_id"
            )
        ]


async def test_participation_filter_words_and_buttons_aim_the_reminders(admin_env):
    env = admin_env
    ana = env.manager()  # Huila, a draft
    await ana.register()
    await ana.answer("validados")
    luis = env.manager(user_id=2002, cluster_id="software_caldas", first_name="Luis")
    await luis.register()  # Caldas, nothing answered: not started
    env.bot.app.bot_data.clock = lambda: later(3)
    admin = env.manager(user_id=ADMIN, first_name="Admin")

    # A word that names nothing: one sentence, no screen, no button.
    await admin.send("/participacion marte")
    refused = await admin.next_send()
    assert "«marte» no es un departamento, un sector, un clúster ni un estado" in refused.text
    assert refused.buttons == []
    await admin.send("/participacion 1999")
    assert "No existe la medición «1999»" in (await admin.next_send()).text

    # The words after /participacion narrow the screen and its button.
    await admin.send("/participacion caldas")
    screen = await admin.next_send("Participación")
    assert "filtro: caldas" in screen.text and "Clústeres activos: 1" in screen.text
    assert "Cafés Especiales del Huila" not in screen.text
    assert t.BTN_REMIND_AIMED in screen.buttons and t.BTN_REMIND_ALL not in screen.buttons
    data = screen.message.button_data(t.BTN_REMIND_AIMED)
    assert data is not None and len(data.encode()) <= 64

    # A manager forging the admin's button gets nothing.
    ana.press(screen.message_id, data)
    assert (await ana.next_send()).text == texts.UNKNOWN_COMMAND

    admin.press(screen.message_id, data)
    result = await admin.next_send("Recordatorios enviados")
    assert "Recordatorios enviados (caldas): 1" in result.text
    assert t.REMIND_NONE_SKIPPED in result.text
    reminder = await luis.next_send("Faltan 41 de 41")
    assert "Continuar ➡️" in reminder.buttons
    await settle()
    assert not [m for m in env.server.sent(ana.user_id) if "Faltan" in (m.text or "")]
    assert reminder_rows(env) == [("software_caldas", "continue", "sent")]

    # On a phone: «Solo en curso» under the whole screen, then its «Recordar».
    await admin.send("/participacion")
    whole = await admin.next_send("Participación")
    only = whole.message.button_data(t.BTN_ONLY_STATE["in_progress"])
    assert only is not None
    admin.press(whole.message_id, only)
    narrowed = await admin.next(lambda e: e.kind == "edit" and e.message_id == whole.message_id)
    assert "filtro: en_curso" in narrowed.text and "Clúster de Software de Caldas" not in (
        narrowed.text
    )
    assert t.BTN_ALL in narrowed.buttons
    remind = narrowed.message.button_data(t.BTN_REMIND_AIMED)
    assert remind is not None
    admin.press(whole.message_id, remind)
    result = await admin.next_send("Recordatorios enviados")
    assert "Recordatorios enviados (en_curso): 1" in result.text
    assert "Faltan" in (await ana.next_send("Faltan")).text

    # Pressed again: the filter never bypasses the policy (spacing), and the reply says why.
    await admin.send("/participacion en_curso huila")
    again = await admin.next_send("Participación")
    admin.press(again.message_id, again.message.button_data(t.BTN_REMIND_AIMED))
    result = await admin.next_send("Recordatorios enviados")
    assert "Recordatorios enviados (en_curso huila): 0" in result.text
    assert "No lo recibieron ahora (1), según la política de recordatorios: 1 recibieron uno" in (
        result.text
    )
    assert len(reminder_rows(env)) == 2


async def run_reminders(env: Env, now) -> None:
    app = env.bot.app
    app.bot_data.clock = lambda: now
    schedule_reminders(app, timedelta(0))
    await settle(0.8)


@pytest.fixture
async def roomy_env(tmp_path) -> AsyncIterator[Env]:
    """A cap of follow-up reminders that cannot be what stops them."""
    policy = ReminderPolicy(follow_up_max=10)
    async for e in make_env(tmp_path, admin_ids=frozenset({ADMIN}), reminders=policy):
        yield e


async def test_an_unanswered_follow_up_gets_its_reminder_until_sent_again(roomy_env):
    env = roomy_env
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("consolidado"))
    await ana.submit()
    admin = env.manager(user_id=ADMIN, first_name="Analista")
    await admin.send("/pedir_ajuste demo_cafe_huila empresas_activas | Revise con el acta")
    await admin.next_send("Pedido enviado")
    await ana.next_send("le pide revisar")

    # Too soon after the request: nothing.
    await run_reminders(env, utcnow() + timedelta(hours=1))
    assert reminder_rows(env) == []

    # The participation screen lists it, and its state's button aims at it.
    await admin.send("/participacion ajuste_pedido")
    screen = await admin.next_send("Participación")
    assert "Con un ajuste pedido por la Red, pendiente: 1" in screen.text
    assert "ajuste pedido por la Red, pendiente" in screen.text

    first_at = later(3)
    await run_reminders(env, first_at)
    first = await ana.next_send("Recordatorio")
    assert "le pidió revisar" in first.text and "• Empresas activas" in first.text
    assert first.buttons[1:] == ["Recordarme mañana ⏰", "No más recordatorios"]
    assert first.buttons[0].startswith("Corregir: Empresas activas")
    assert reminder_rows(env) == [("demo_cafe_huila", "follow_up", "sent")]

    # «Recordarme mañana» works on it as on any reminder: the next one comes then, not before.
    ana.press(first.message_id, cb.encode(cb.Snooze(env.seeded.campaign_id)))
    assert "se lo recordamos" in (await ana.next_send("se lo recordamos")).text
    await run_reminders(env, first_at + timedelta(hours=1))
    assert len(reminder_rows(env)) == 1
    await run_reminders(env, snooze_until(POLICY, first_at))
    reminder = await ana.next_send("Recordatorio")
    assert reminder.message_id != first.message_id
    assert [k for _, k, _ in reminder_rows(env)] == ["follow_up", "follow_up"]

    # Its button opens the question asked; sending again ends the follow-up and its reminders.
    ana.press(reminder.message_id, cb.encode(cb.FollowUp("empresas_activas")))
    question = await ana.next_question()
    assert question_id(question) == "empresas_activas"
    assert is_review(await ana.answer(120))
    await ana.submit()
    await run_reminders(env, later(9))
    await run_reminders(env, later(16))
    assert len(reminder_rows(env)) == 2, "sent again: no more reminders of it"
