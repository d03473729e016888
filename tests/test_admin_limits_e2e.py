"""Admin replies that grow with the data, big imports, odd presses: the real Application over
the local Bot API server (which refuses a text over 4,096 characters, as Telegram does)."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import threading
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot import texts
from bot.conversation import callbacks as cb
from bot.local import DEMO_CLUSTER
from bot.services import imports
from bot.services.invitations import new_token
from bot.storage import Cluster
from bot.texts import admin as t
from bot.texts import personal_data as pt
from local_botapi.server import BotEvent
from tests.e2e import Env, Manager, make_env, settle

pytestmark = pytest.mark.e2e

ADMIN = 9001
TELEGRAM_LIMIT = 4096


@pytest.fixture
async def admin_env(tmp_path) -> AsyncIterator[Env]:
    async for e in make_env(tmp_path, admin_ids=frozenset({ADMIN})):
        yield e


def storage(env: Env):  # type: ignore[no-untyped-def]
    assert env.bot.app is not None
    return env.bot.app.bot_data.storage


async def all_pages(admin: Manager, first: BotEvent) -> list[str]:
    """The text of every page, pressing «Siguiente» until there is none."""
    pages = [first.text or ""]
    event = first
    while (data := event.message.button_data(t.BTN_NEXT)) is not None:
        assert len(pages) < 50, "runaway paging"
        admin.press(event.message.message_id, data)
        event = await admin.next(lambda e: e.kind == "edit")
        pages.append(event.text or "")
    return pages


def check_pages(pages: list[str]) -> list[str]:
    """Every page fits Telegram; the lines of all pages, in order."""
    assert all(0 < len(p) <= TELEGRAM_LIMIT for p in pages), [len(p) for p in pages]
    if len(pages) > 1:
        for n, page in enumerate(pages, start=1):
            assert page.endswith(f"Página {n} de {len(pages)}"), page[-80:]
    return [line for page in pages for line in page.split("\n")]


async def test_sixty_requests_reach_the_admin_across_pages_each_with_its_button(admin_env):
    env = admin_env
    for i in range(60):
        await storage(env).request_deletion(70_000 + i, DEMO_CLUSTER.cluster_id)
    admin = env.manager(user_id=ADMIN, first_name="Admin")
    await admin.send("/solicitudes")
    first = await admin.next_send("pendientes")
    pages = [first]
    while (data := pages[-1].message.button_data(t.BTN_NEXT)) is not None:
        assert len(pages) < 20
        admin.press(first.message_id, data)
        pages.append(await admin.next(lambda e: e.kind == "edit"))
    lines = check_pages([p.text or "" for p in pages])
    line = re.compile(r"^• N\.º (\d+): usuario (\d+), clúster demo_cafe_huila, desde \S.*$")
    listed = [int(m.group(1)) for m in map(line.match, lines) if m]
    assert sorted(listed) == list(range(1, 61)), "every request, once, its line whole"
    assert len(pages) > 1
    for page in pages:  # each page carries the buttons of the requests it lists
        ids = [int(m.group(1)) for m in map(line.match, (page.text or "").split("\n")) if m]
        labels = [b for b in page.message.buttons if b.startswith("Eliminar")]
        # The live message shows the last page; the snapshot the page's own keyboard.
        snapshot = [
            b["text"]
            for row in (page.reply_markup or {}).get("inline_keyboard", [])
            for b in row
            if b["text"].startswith("Eliminar")
        ]
        assert snapshot == [pt.BTN_ADMIN_ERASE.format(id=i) for i in ids]
        assert labels  # the live keyboard has erase buttons too
    # «Anterior» goes back.
    back = pages[-1].message.button_data(t.BTN_PREVIOUS)
    assert back is not None
    admin.press(first.message_id, back)
    again = await admin.next(lambda e: e.kind == "edit")
    assert again.text == pages[-2].text


def registry_of(n: int) -> list[Cluster]:
    departments = [f"Departamento {chr(65 + d % 26)}{d}" for d in range(29)] + ["Norte & Sur"]
    return [
        replace(
            DEMO_CLUSTER,
            cluster_id=f"c{i:03d}",
            nombre=f"Clúster de Café & Cacao Especiales número {i:03d}",
            departamento=departments[i % len(departments)],
            sector=("servicios", "agroindustria", "manufactura")[i % 3],
        )
        for i in range(n)
    ]


async def test_participation_of_two_hundred_clusters_is_paged_never_cut(admin_env):
    env = admin_env
    await storage(env).upsert_clusters(registry_of(200), "test")
    admin = env.manager(user_id=ADMIN, first_name="Admin")
    await admin.send("/participacion")
    first = await admin.next_send("Participación")
    # Nobody registered: nobody a reminder can reach, so no «Recordar» button.
    assert t.BTN_REMIND_ALL not in first.message.buttons
    shown = check_pages(await all_pages(admin, first))
    clusters = registry_of(200)
    for c in clusters:
        line = f"• {c.nombre} ({c.departamento}, {c.cluster_id}) — sin invitación"
        assert line in shown, c.cluster_id
    for dept in {c.departamento for c in clusters} | {"Huila", "Caldas"}:
        assert [line for line in shown if line.startswith(f"• {dept}: ")], dept
    for sector in ("servicios", "agroindustria", "manufactura"):
        assert [line for line in shown if line.startswith(f"• {sector}: ")], sector
    assert [
        line for line in shown if line.startswith(f"Sin gestor registrado ({len(clusters) + 2}):")
    ]
    whole = re.compile(
        r"^• .+ \(.+, .+\) — (sin invitación|invitación vigente hasta el .+ de 20\d\d)$"
        r"|^• .+: \d+/\d+ enviados · .+ · \d+ sin recordatorios$"  # a department, a sector
        r"|^• [^:]+: \d+$"  # a count
    )
    cut = [line for line in shown if line.startswith("•") and not whole.match(line)]
    assert not cut, cut[:5]


async def test_invitations_csv_is_formula_safe(admin_env):
    env = admin_env
    hostile = ["=1+1", "+57 300", "-x", "@SUM(A1)", "\uff1d1+1", "Normal"]
    clusters = [
        replace(DEMO_CLUSTER, cluster_id=f"h{i}", nombre=name) for i, name in enumerate(hostile)
    ]
    await storage(env).upsert_clusters(clusters, "test")
    admin = env.manager(user_id=ADMIN, first_name="Admin")
    await admin.send("/invitaciones")
    doc = await admin.next(lambda e: e.method == "sendDocument")
    rows = list(csv.reader(io.StringIO(doc.message.document.decode("utf-8-sig"))))
    names = {row[0]: row[1] for row in rows[1:]}
    assert [names[f"h{i}"] for i in range(len(hostile))] == [
        "'=1+1",
        "'+57 300",
        "'-x",
        "'@SUM(A1)",
        "'\uff1d1+1",
        "Normal",
    ]
    for row in rows[1:]:
        assert all(not cell or cell[0] not in "=+-@\uff1d\uff0b\uff0d\uff20" for cell in row)


def test_invitation_codes_never_start_with_a_minus():
    # One code in 64 did; 5,000 draws would show one with certainty (1 - (63/64)^5000).
    codes = [new_token() for _ in range(5000)]
    assert not [c for c in codes if c.startswith("-")]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{16}", c) for c in codes)


def big_registry(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["cluster_id", "nombre", "departamento", "sector", "entidad_gestora",
         "entidad_gestora_tipo", "estado"]
    )  # fmt: skip
    for i in range(rows):
        writer.writerow(
            [f"big_{i:06d}", f"Clúster grande número {i}", "Huila", "servicios",
             "Cámara de Comercio de Neiva", "camara_comercio", "activa"]
        )  # fmt: skip
    return out.getvalue().encode("utf-8")


async def test_import_checks_the_size_it_downloads_not_the_optional_file_size(admin_env):
    env = admin_env
    admin = env.manager(user_id=ADMIN, first_name="Admin")
    data = big_registry(70_000)  # over 5 MB
    assert len(data) > 5 * 1024 * 1024
    env.server.send_document(ADMIN, "registro.csv", data, caption="/importar", size_known=False)
    reply = await admin.next_send()
    assert reply.text == t.IMPORT_TOO_BIG.format(max=5)
    with env.db() as db:
        assert db.execute("SELECT count(*) FROM clusters").fetchone()[0] == 2


async def test_a_big_import_in_flight_does_not_hold_up_another_users_command(
    admin_env, monkeypatch
):
    """The CSV is parsed off the event loop: while the parse is held in its thread, another
    user's command is answered. (Were it parsed on the loop, holding it would hold the bot,
    and /ayuda would get no answer until the hold times out.)"""
    env = admin_env
    started, release = threading.Event(), threading.Event()
    read_registry = imports.read_registry

    def held(data: bytes) -> object:
        started.set()
        release.wait(timeout=20)
        return read_registry(data)

    monkeypatch.setattr(imports, "read_registry", held)
    data = big_registry(2_000)
    env.server.send_document(ADMIN, "registro.csv", data, caption="/importar", size_known=False)
    assert await asyncio.to_thread(started.wait, 10), "the import never started parsing"
    ana = env.manager()
    await ana.send("/ayuda")
    help_ = await ana.next_send()
    assert help_.message.source == texts.HELP
    assert not release.is_set() and not [
        e for e in env.server.events(ADMIN) if "importados" in e.content
    ], "answered while the parse was still held"
    release.set()
    report = await env.server.wait_for_async(
        lambda m: "importados" in m.text, chat_id=ADMIN, timeout=20
    )
    assert "2000 clústeres importados" in report.text


async def test_a_press_without_a_message_stops_the_spinner_and_changes_nothing(admin_env, caplog):
    env = admin_env
    ana = env.manager()
    await ana.register()
    before = env.stored_answers()
    cursor = env.server.call_cursor()
    for i, data in enumerate([cb.encode(cb.Resume()), "c:q01:x", cb.encode(cb.Page(2, "req"))]):
        env.server.inject_update(
            {
                "callback_query": {
                    "id": f"inline-{i}",
                    "from": {
                        "id": ana.user_id if i < 2 else ADMIN,
                        "is_bot": False,
                        "first_name": "Ana",
                    },
                    "inline_message_id": f"AAE-inline-{i}",
                    "chat_instance": "42",
                    "data": data,
                }
            }
        )
    for i in range(3):
        await env.server.wait_for_call_async(
            "answerCallbackQuery",
            lambda c, i=i: c.params.get("callback_query_id") == f"inline-{i}",
            since=cursor,
            timeout=10,
        )
    await settle()
    assert not [r for r in caplog.records if "handler_error" in r.getMessage()]
    assert not [c for c in env.server.calls(since=cursor) if c.method.startswith(("send", "edit"))]
    assert env.stored_answers() == before
