"""End to end (issue 12, the submission half): a sent response keeps counting, corrections are
explicit, the campaign closing in the middle, /cancelar, and the data notice declined or
withdrawn. The real Application against the local Bot API server, a real SQLite file."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.conversation import callbacks as cb
from bot.handlers.jobs import schedule_reminders
from bot.local import DEMO_CLUSTER
from bot.reminders.policy import ReminderPolicy, next_allowed_moment
from bot.services import campaigns, exports, reports
from bot.services.participation import participation
from bot.storage import utcnow
from tests.conftest import example
from tests.e2e import QUESTIONNAIRE, Env, is_question, is_review, make_env, question_id, settle

pytestmark = pytest.mark.e2e

ADMIN = 9001
CONTACT = "habeasdata@redcluster.example.co"
POLICY = ReminderPolicy()


@pytest.fixture
async def admin_env(tmp_path) -> AsyncIterator[Env]:
    async for e in make_env(tmp_path, admin_ids=frozenset({ADMIN}), privacy_contact=CONTACT):
        yield e


def storage(env: Env):
    return env.bot.app.bot_data.storage


async def counted(env: Env, cluster_id: str = DEMO_CLUSTER.cluster_id) -> dict[str, Any]:
    """What the official figures say of the cluster: the summary's respondents and the
    export's row for it (the ``respuestas`` table)."""
    bundle = await reports.summary(storage(env), QUESTIONNAIRE, None)
    export = await exports.export(storage(env), QUESTIONNAIRE, None, "csv")
    with zipfile.ZipFile(io.BytesIO(export.data)) as z:
        name = next(n for n in z.namelist() if "respuestas" in n)
        rows = list(csv.DictReader(io.StringIO(z.read(name).decode("utf-8-sig"))))
    mine = [r for r in rows if r["cluster_id"] == cluster_id]
    assert len(mine) <= 1
    return {"respondents": bundle.data["respondents"], "row": mine[0] if mine else None}


async def close(env: Env) -> None:
    await campaigns.close_campaign(storage(env), env.seeded.campaign_id, "admin")
    env.bot.app.bot_data.survey.forget_caches()


async def open_question(ana, section: str, question: str) -> None:
    """«Editar <área>» in the review, then the question: it is on screen."""
    assert is_review(ana.question)
    ana.press(ana.question.message_id, cb.encode(cb.ReviewArea(section)))
    area = await ana.next_send("Editar")
    ana.press(area.message_id, cb.encode(cb.ReviewQuestion(question)))
    assert question_id(await ana.next_question()) == question


async def edit(ana, section: str, question: str, value: Any):
    """«Editar <área>» in the review, the question, the new value: back at the review."""
    assert is_review(ana.question)
    ana.press(ana.question.message_id, cb.encode(cb.ReviewArea(section)))
    area = await ana.next_send("Editar")
    ana.press(area.message_id, cb.encode(cb.ReviewQuestion(question)))
    shown = await ana.next_question()
    assert question_id(shown) == question
    return await ana.answer(value)


async def test_revisar_after_sending_is_read_only_and_a_correction_never_uncounts(env):
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("consolidado"))
    await ana.submit()
    assert (await counted(env))["respondents"] == 1

    await ana.send("/revisar")
    sent = await ana.next_send("Sus respuestas enviadas")
    assert "versión 1" in sent.text and "Empresas vinculadas: 180" in sent.text
    assert sent.buttons == ["Corregir mis respuestas"], "read-only: no «Editar», no «Enviar»"
    assert "sigue contando hasta que envíe la nueva" in sent.text
    with env.db() as db:
        (status,) = db.execute("SELECT status FROM responses").fetchone()
    assert status == "submitted", "/revisar alone changes nothing"
    report = await participation(storage(env), None)
    assert report.counts()["submitted"] == 1

    ana.press(sent.message_id, cb.encode(cb.Correct()))
    said = await ana.next_send("Puede corregir")
    assert "sigue contando hasta que" in said.text
    review = await ana.next_question()
    assert is_review(review)
    await edit(ana, "gobernanza", "gerente_dedicacion", "menos_medio")
    # Meanwhile every official figure still has the sent version.
    figures = await counted(env)
    assert figures["respondents"] == 1 and figures["row"]["gerente_dedicacion"] != "menos_medio"
    counts = (await participation(storage(env), None)).counts()
    assert (counts["submitted"], counts["correcting"], counts["draft"]) == (1, 1, 0)
    # Help says what /revisar does.
    await ana.send("/ayuda")
    assert "Corregir mis respuestas" in (await ana.next_send("Cómo funciona")).text

    photo, _ = await ana.submit()  # the new version replaces the old one in the figures
    assert "Nivel: Intermedio" in photo.caption
    assert (await counted(env))["row"]["gerente_dedicacion"] == "menos_medio"
    with env.db() as db:
        versions = [tuple(r) for r in db.execute("SELECT version, submitted_by FROM submissions")]
    assert versions == [(1, str(ana.user_id)), (2, str(ana.user_id))]


async def test_the_walk_corrections_and_a_close_in_the_middle_keep_the_cluster_counted(env):
    """The issue's walk: total of firms edited after the sizes, shares corrected, a submission
    reopened, the campaign closing in the middle; the summary and the export count the cluster
    throughout."""
    ana = env.manager()
    await ana.register()
    answers = example("consolidado")
    await ana.answer_all(answers)
    assert (await counted(env))["row"] is None, "a draft never counts"
    await ana.submit()
    v1 = (await counted(env))["row"]
    assert v1["empresas_vinculadas"] == "180"

    await ana.send("/revisar")
    sent = await ana.next_send("Sus respuestas enviadas")
    ana.press(sent.message_id, cb.encode(cb.Correct()))
    await ana.next_send("Puede corregir")
    await ana.next_question()
    # The total of firms after the sizes: the new total is held while a size is fixed.
    await open_question(ana, "actores", "empresas_vinculadas")
    await ana.send("200")
    refusal = await ana.next_send("suman")
    ana.press(refusal.message_id, "f:empresas_vinculadas:empresas_micro")
    assert question_id(await ana.next_question()) == "empresas_micro"
    assert is_review(await ana.answer(140))
    assert (await counted(env)) == {"respondents": 1, "row": v1}
    # The shares of sales by destination: local changed, the national share fixed.
    await open_question(ana, "desempeno", "ventas_pct_local")
    await ana.send("41")
    refusal = await ana.next_send("suman")
    ana.press(refusal.message_id, "f:ventas_pct_local:ventas_pct_nacional")
    assert question_id(await ana.next_question()) == "ventas_pct_nacional"
    assert is_review(await ana.answer(38))
    assert (await counted(env)) == {"respondents": 1, "row": v1}
    stored = env.stored_answers()
    assert (stored["empresas_vinculadas"], stored["empresas_micro"]) == (200, 140)

    await close(env)  # the campaign closes with the correction open and unsent
    await ana.send("hola")
    told = await ana.next_send("ya cerró")
    assert "Cuenta la versión de sus respuestas que envió el" in told.text
    assert (await counted(env)) == {"respondents": 1, "row": v1}, "the sent version stands"
    await ana.send("/revisar")
    final = await ana.next_send("Sus respuestas enviadas")
    assert "Empresas vinculadas: 180" in final.text and final.buttons == []
    assert "ya cerró" in final.text
    report = await participation(storage(env), None)
    assert report.counts()["submitted"] == 1 and report.pending == []
    assert [s.cluster_id for s, _ in report.without_manager] == [
        s.cluster_id for s in report.active if s.cluster_id != DEMO_CLUSTER.cluster_id
    ]


async def test_cancelar_pauses_until_continuar(env):
    ana = env.manager()
    first = await ana.register()
    assert question_id(first) == "enfoque_segmentos"
    await ana.answer("validados")
    await ana.send("/cancelar")
    await ana.next_send("Pausado")
    before = env.stored_answers()
    await ana.send("1")  # would tick an option of the multi-select on screen
    held = await ana.next_send()
    assert "Está en pausa" in held.text and "/continuar" in held.text
    await settle()
    assert env.stored_answers() == before
    await ana.send("/continuar")
    resumed = await ana.next_question()
    assert question_id(resumed) == "inteligencia_actividades"
    await ana.answer(["estudios_mercado"])
    assert env.stored_answers()["inteligencia_actividades"] == ["estudios_mercado"]


async def test_declining_the_notice_keeps_nothing_and_the_link_works_again(admin_env):
    env = admin_env
    ana = env.manager()
    token = env.seeded.tokens[ana.cluster_id]
    await ana.send(f"/start {token}")
    notice = await ana.next_send("Ley 1581")
    assert f"Contacto: {CONTACT}" in notice.text
    assert "/retirar_consentimiento" in notice.text
    assert notice.buttons == ["Acepto ✔️", "No acepto"]
    ana.press(notice.message_id, cb.encode(cb.Decline()))
    declined = await ana.next_send("no guardamos ningún dato suyo")
    assert "abra de nuevo su enlace de invitación" in declined.text
    with env.db() as db:
        assert db.execute("SELECT count(*) FROM managers").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM responses").fetchone()[0] == 0
        used = db.execute("SELECT used_at, used_by FROM invitations WHERE token = ?", (token,))
        assert tuple(used.fetchone()) == (None, None)
        actors = {r[0] for r in db.execute("SELECT actor FROM audit")}
    assert str(ana.user_id) not in actors, "not even the audit keeps who it was"
    await ana.send("hola")
    assert "invitación" in (await ana.next_send()).text  # unregistered, as before
    first = await ana.register(token)  # the same link works again
    assert question_id(first) == "enfoque_segmentos"


async def test_withdrawing_consent_stops_everything_and_files_the_deletion(env):
    ana = env.manager()
    await ana.register()
    await ana.answer("validados")
    await ana.send("/retirar_consentimiento")
    ask = await ana.next_send("Retirar su autorización")
    assert "15 días hábiles" in ask.text and "se conservan" in ask.text
    ana.press(ask.message_id, cb.encode(cb.Withdraw()))
    done = await ana.next_send("Retiramos su autorización")
    with env.db() as db:
        (consent,) = db.execute("SELECT consent_at FROM managers").fetchone()
        requests = [tuple(r) for r in db.execute("SELECT request_id, status FROM data_requests")]
    assert consent is None and requests == [(1, "pending")]
    assert "número 1" in done.text
    await ana.send("validados")  # no answer is taken any more
    assert "Ley 1581" in (await ana.next_send()).text
    assert "enfoque_segmentos" in env.stored_answers()  # the cluster's answers stay
    # No reminder of any kind to someone who withdrew.
    app = env.bot.app
    app.bot_data.clock = lambda: next_allowed_moment(POLICY, utcnow() + timedelta(days=5))
    schedule_reminders(app, timedelta(0))
    await settle(0.8)
    with env.db() as db:
        assert db.execute("SELECT count(*) FROM reminders").fetchone()[0] == 0


async def test_notice_pending_shows_in_participation_and_gets_the_consent_reminder(admin_env):
    env = admin_env
    luis = env.manager(user_id=2002, cluster_id="software_caldas", first_name="Luis")
    await luis.send(f"/start {env.seeded.tokens[luis.cluster_id]}")
    await luis.next_send("Ley 1581")  # and never presses it
    admin = env.server.chat(ADMIN, first_name="Admin")
    admin.send("/participacion")
    shown = await admin.next_async(lambda e: e.kind == "send", timeout=10)
    assert "Invitación aceptada, aviso de datos pendiente: 1" in shown.text
    assert "Clúster de Software de Caldas (Caldas) — invitación aceptada, aviso de datos" in (
        shown.text
    )
    app = env.bot.app
    app.bot_data.clock = lambda: next_allowed_moment(POLICY, utcnow() + timedelta(days=3))
    schedule_reminders(app, timedelta(0))
    reminder = await luis.next_send("falta un paso")
    assert "aviso de tratamiento de datos" in reminder.text
    assert reminder.buttons == ["Ver el aviso de datos"]
    with env.db() as db:
        (kind,) = db.execute("SELECT kind FROM reminders").fetchone()
    assert kind == "consent"
    luis.press(reminder.message_id, cb.encode(cb.ShowNotice()))
    notice = await luis.next_send("Ley 1581")
    luis.press(notice.message_id, cb.encode(cb.Consent()))
    assert is_question(await luis.next(is_question))


async def test_a_correction_gets_only_the_last_call_and_it_says_the_sent_version_counts(env):
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("joven"))
    await ana.submit()
    await ana.send("/revisar")
    sent = await ana.next_send("Sus respuestas enviadas")
    ana.press(sent.message_id, cb.encode(cb.Correct()))
    await ana.next_question()
    app = env.bot.app
    app.bot_data.clock = lambda: next_allowed_moment(POLICY, utcnow() + timedelta(days=5))
    schedule_reminders(app, timedelta(0))
    await settle(0.8)
    with env.db() as db:
        assert db.execute("SELECT count(*) FROM reminders").fetchone()[0] == 0, "no «continue»"
    campaign = await storage(env).get_campaign(env.seeded.campaign_id)
    last_days = next_allowed_moment(POLICY, campaign.closes_at - timedelta(days=2))
    app.bot_data.clock = lambda: last_days
    schedule_reminders(app, timedelta(0))
    last_call = await ana.next_send("Último aviso")
    assert "corrección sin enviar" in last_call.text and "cuenta la versión" in last_call.text


async def test_with_two_campaigns_open_a_draft_of_the_older_is_not_stranded(env):
    ana = env.manager()
    await ana.register()
    await ana.answer("validados")  # a draft in 2021
    # A database from before the rule: a newer campaign opened while 2021 was still open.
    now = utcnow()
    await storage(env).create_campaign(
        "2022", 2022, now - timedelta(hours=1), now + timedelta(days=60), state="open"
    )
    env.bot.app.bot_data.survey.forget_caches()
    problems = campaigns.problems(await storage(env).list_campaigns())
    assert [p.code for p in problems] == ["several_open"]
    await ana.answer(["estudios_mercado"])
    with env.db() as db:
        where = dict(
            db.execute(
                "SELECT r.campaign_id, count(a.question_id) FROM responses r "
                "LEFT JOIN answers a USING (response_id) GROUP BY r.campaign_id"
            ).fetchall()
        )
    assert where == {"2021": 2}, "the answer went on with the 2021 draft"
