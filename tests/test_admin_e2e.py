"""Admin commands end to end: the real Application, the local Bot API server, a real database."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from importlib import resources

import openpyxl
import pypdf
import pytest

from bot import texts
from tests.conftest import example
from tests.e2e import Env, make_env, settle

pytestmark = pytest.mark.e2e

ADMIN = 9001
REGISTRY = (resources.files("bot") / "examples" / "registro_ejemplo.csv").read_bytes()


@pytest.fixture
async def admin_env(tmp_path) -> AsyncIterator[Env]:
    async for e in make_env(tmp_path, admin_ids=frozenset({ADMIN})):
        yield e


def cluster_count(env: Env) -> int:
    with env.db() as db:
        return db.execute("SELECT count(*) FROM clusters").fetchone()[0]


async def test_admins_alone_see_the_admin_commands_in_their_menu(admin_env):
    everyone = {c["command"] for c in admin_env.server.commands()}
    admin_menu = {
        c["command"] for c in admin_env.server.commands({"type": "chat", "chat_id": ADMIN})
    }
    assert {"resumen", "exportar", "participacion"}.isdisjoint(everyone)
    assert everyone | {"resumen", "exportar", "participacion", "invitar", "importar"} <= admin_menu


async def test_non_admins_get_nothing_from_any_admin_command(admin_env, caplog):
    env = admin_env
    ana = env.manager()
    await ana.register()
    before = cluster_count(env)
    for command in (
        "/resumen",
        "/summary",
        "/exportar",
        "/export csv",
        "/participacion",
        "/invitar demo_cafe_huila",
        "/invitaciones",
        "/importar",
    ):
        await ana.send(command)
        reply = await ana.next_send()
        assert reply.text == texts.UNKNOWN_COMMAND, command
    env.server.send_document(ana.user_id, "registro.csv", REGISTRY, caption="/importar")
    assert (await ana.next_send()).text == texts.UNKNOWN_COMMAND
    await settle()
    assert cluster_count(env) == before
    assert not [m for m in env.server.sent(ana.user_id) if m.method == "sendDocument"]
    assert any("event=admin_denied" in r.getMessage() for r in caplog.records)


async def test_admin_imports_the_registry_as_a_document(admin_env):
    env = admin_env
    chat = env.manager(user_id=ADMIN, first_name="Admin")
    await chat.send("/importar")
    assert "documento CSV" in (await chat.next_send()).text
    broken = REGISTRY.replace(b"servicios", b"servicio", 1)
    env.server.send_document(ADMIN, "registro.csv", broken, caption="/importar")
    report = await chat.next_send()
    assert "línea" in report.text and "No se importó nada" in report.text
    assert cluster_count(env) == 2
    env.server.send_document(ADMIN, "registro.csv", REGISTRY, caption="/importar")
    report = await chat.next_send("importados")
    assert "12 clústeres importados" in report.text
    assert cluster_count(env) == 14
    with env.db() as db:
        actions = {
            r[0] for r in db.execute("SELECT action FROM audit WHERE actor = ?", (str(ADMIN),))
        }
    assert {"admin_import_registry", "import_clusters"} <= actions


async def test_admin_invites_and_the_link_registers_a_manager(admin_env):
    env = admin_env
    chat = env.manager(user_id=ADMIN, first_name="Admin")
    await chat.send("/invitar software_caldas")
    reply = await chat.next_send("Invitación")
    link = next(word for word in reply.text.split() if word.startswith("https://t.me/"))
    assert link.startswith("https://t.me/ssme_demo_bot?start=")
    token = link.split("start=")[1]
    luis = env.manager(user_id=2002, cluster_id="software_caldas", first_name="Luis")
    first = await luis.register(token)
    assert "pregunta 1 de 41" in first.text
    await chat.send("/invitar no_existe")
    assert "no está en el registro" in (await chat.next_send()).text

    await chat.send("/invitaciones")
    doc = await chat.next(lambda e: e.method == "sendDocument")
    rows = doc.message.document.decode("utf-8-sig").splitlines()
    assert rows[0] == "cluster_id,nombre,departamento,enlace,codigo,contacto,vence"
    # Luis registered: only the demo cluster has no manager now.
    assert len(rows) == 2 and rows[1].startswith("demo_cafe_huila,")


async def test_summary_export_and_participation_after_a_submission(admin_env):
    env = admin_env
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("consolidado"))
    await ana.submit()

    chat = env.manager(user_id=ADMIN, first_name="Admin")
    await chat.send("/resumen")
    # Issue 14: the executive summary as a PDF, its headline figures in the caption.
    pdf = await chat.next(lambda e: e.method == "sendDocument")
    assert pdf.message.filename == "resumen_ssme_2021.pdf"
    assert "Participación: 50%" in pdf.caption, "1 of 2 active clusters answered"
    reader = pypdf.PdfReader(io.BytesIO(pdf.message.document))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert "participación del 50%" in text and "457 mil millones de pesos" in text
    assert f"Página 1 de {len(reader.pages)}" in text
    assert not [m for m in env.server.sent(ADMIN) if m.method == "sendPhoto"]
    await chat.send("/resumen docx")
    editable = await chat.next(lambda e: e.method == "sendDocument")
    assert editable.message.filename == "resumen_ssme_2021.docx"

    await chat.send("/exportar")
    doc = await chat.next(lambda e: e.method == "sendDocument")
    assert doc.message.filename == "ssme_2021.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(doc.message.document), read_only=True)
    assert {"registro", "respuestas", "puntajes", "largo"} <= set(book.sheetnames)
    answers = list(book["respuestas"].iter_rows(values_only=True))
    assert answers[1][0] == "demo_cafe_huila"

    await chat.send("/exportar csv")
    doc = await chat.next(lambda e: e.method == "sendDocument")
    names = zipfile.ZipFile(io.BytesIO(doc.message.document)).namelist()
    assert any(n.startswith("respuestas") for n in names)

    await chat.send("/exportar todas")
    doc = await chat.next(lambda e: e.method == "sendDocument")
    assert doc.message.filename == "ssme_todas.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(doc.message.document), read_only=True)
    assert book.sheetnames[0] == "diccionario" and "puntajes" in book.sheetnames

    await chat.send("/participacion")
    report = await chat.next_send("Participación")
    assert "Enviados: 1" in report.text and "Sin gestor registrado: 1" in report.text
    assert "Clúster de Software de Caldas" in report.text


async def test_participation_button_sends_reminders_now_and_only_for_admins(admin_env):
    from datetime import timedelta

    from bot.reminders.policy import ReminderPolicy, next_allowed_moment
    from bot.storage import utcnow

    env = admin_env
    ana = env.manager()
    await ana.register()
    await ana.answer("validados")
    env.bot.app.bot_data.clock = lambda: next_allowed_moment(
        ReminderPolicy(), utcnow() + timedelta(days=3)
    )
    chat = env.manager(user_id=ADMIN, first_name="Admin")
    await chat.send("/participacion")
    report = await chat.next_send("Participación")
    assert "Enviar recordatorio ahora" in report.buttons

    # A manager forging the admin's button gets nothing.
    ana.press(report.message_id, "adm:remind:2021")
    assert (await ana.next_send()).text == texts.UNKNOWN_COMMAND
    assert not [m for m in env.server.sent(ana.user_id) if "Faltan" in (m.text or "")]

    chat.press(report.message_id, "adm:remind:2021")
    result = await chat.next_send("Recordatorios enviados")
    assert "enviados: 1" in result.text
    reminder = await ana.next_send("Faltan")
    assert "Continuar ➡️" in reminder.buttons


async def test_personal_data_request_and_erasure(admin_env):
    env = admin_env
    ana = env.manager()
    await ana.register()
    await ana.answer("validados")
    await ana.send("/mis_datos")
    data = await ana.next_send("Sus datos personales")
    assert f"Usuario de Telegram: {ana.user_id}" in data.text and "Ana" in data.text
    assert "Clúster de Cafés Especiales del Huila" in data.text
    ana.press(data.message_id, "data:erase")
    assert "Recibimos su solicitud de eliminación (número 1)" in (await ana.next_send()).text

    chat = env.manager(user_id=ADMIN, first_name="Admin")
    await chat.send("/solicitudes")
    listing = await chat.next_send("pendientes")
    assert f"usuario {ana.user_id}" in listing.text
    chat.press(listing.message_id, "adm:erase:1")
    assert "eliminados" in (await chat.next_send("eliminados")).text
    assert "eliminamos sus datos personales" in (await ana.next_send()).text
    with env.db() as db:
        assert (
            db.execute(
                "SELECT count(*) FROM managers WHERE user_id = ?", (ana.user_id,)
            ).fetchone()[0]
            == 0
        )
        assert (
            db.execute(
                "SELECT count(*) FROM audit WHERE actor = ?", (str(ana.user_id),)
            ).fetchone()[0]
            == 0
        )
        assert (
            db.execute(
                "SELECT count(*) FROM answers WHERE answered_by = ?", (ana.user_id,)
            ).fetchone()[0]
            == 0
        )
        assert db.execute("SELECT count(*) FROM answers").fetchone()[0] == 1, (
            "the cluster's answer stays"
        )
    await ana.send("hola")
    assert "invitación" in (await ana.next_send()).text
    await ana.send("/mis_datos")
    assert "No tenemos datos personales suyos" in (await ana.next_send()).text
