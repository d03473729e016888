"""Evidence files end to end: offered after an answer, sent as a document, kept once, listed
and sent back to an analyst; what is too large or not accepted gets its sentence."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import pytest

from bot import texts
from bot.conversation import callbacks as cb
from bot.local import DEMO_CLUSTER
from tests.conftest import example
from tests.e2e import Env, make_env, settle
from tests.test_evidence import PDF

pytestmark = pytest.mark.e2e

ADMIN = 9001


@pytest.fixture
async def admin_env(tmp_path) -> AsyncIterator[Env]:
    async for e in make_env(tmp_path, admin_ids=frozenset({ADMIN})):
        yield e


def evidence_offers(env: Env, user_id: int) -> list[tuple[int, str]]:
    out = []
    for message in env.server.sent(user_id):
        for row in (message.reply_markup or {}).get("inline_keyboard", []):
            for b in row:
                press = cb.decode(b.get("callback_data"))
                if isinstance(press, cb.Evidence):
                    out.append((message.message_id, press.question))
    return out


def stored(env: Env) -> list[tuple[str, str, int]]:
    with env.db() as db:
        return [tuple(r) for r in db.execute("SELECT question_id, name, size FROM evidence")]


async def test_a_manager_attaches_evidence_and_an_analyst_gets_it_back(admin_env):
    env = admin_env
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("consolidado"))
    offers = evidence_offers(env, ana.user_id)
    assert {q for _, q in offers} == {
        "estrategia_formalizacion",
        "gobernanza_instancias",
        "impacto_evidencia",
    }
    answers = env.stored_answers()

    # A file nobody asked for is not kept.
    env.server.send_document(ana.user_id, "suelto.pdf", PDF, mime_type="application/pdf")
    assert (await ana.next_send(texts.EVIDENCE_NOT_AWAITED[:30])).content
    assert stored(env) == []

    message_id, question = next(o for o in offers if o[1] == "estrategia_formalizacion")
    ana.press(message_id, cb.encode(cb.Evidence(question)))
    await ana.next_send("Envíe ahora")
    # Not an accepted type: refused, and still awaited.
    env.server.send_document(ana.user_id, "notas.txt", b"solo texto", mime_type="text/plain")
    await ana.next_send("Solo puedo guardar")
    assert stored(env) == []
    env.server.send_document(ana.user_id, "estrategia.pdf", PDF, mime_type="application/pdf")
    await ana.next_send("Evidencia recibida: estrategia.pdf")
    assert stored(env) == [("estrategia_formalizacion", "estrategia.pdf", len(PDF))]
    digest = hashlib.sha256(PDF).hexdigest()
    assert (env.db_path.parent / "evidencias" / digest).read_bytes() == PDF
    assert env.stored_answers() == answers, "a file never changes an answer"

    # Too large for Telegram's bot downloads: refused from its size.
    ana.press(message_id, cb.encode(cb.Evidence(question)))
    await ana.next_send("Envíe ahora")
    env.server.send_document(
        ana.user_id, "grande.pdf", PDF + b"\x00" * (20 * 1024 * 1024), mime_type="application/pdf"
    )
    await ana.next_send("pesa más de 20 MB")
    assert len(stored(env)) == 1

    await ana.submit()
    admin = env.manager(user_id=ADMIN, first_name="Analista")
    await admin.send(f"/cluster {DEMO_CLUSTER.cluster_id}")
    last = await admin.next_send("Evidencias (1)")
    while not any(
        isinstance(cb.decode(b.get("callback_data")), cb.EvidenceGet)
        for row in (last.reply_markup or {}).get("inline_keyboard", [])
        for b in row
    ):
        last = await admin.next_send()
    data = next(
        b["callback_data"]
        for row in last.reply_markup["inline_keyboard"]
        for b in row
        if b["callback_data"].startswith("adm:evf:")
    )
    admin.press(last.message_id, data)
    document = await admin.next(lambda e: e.method == "sendDocument")
    assert document.message.filename == "estrategia.pdf"
    assert document.message.document == PDF


async def test_a_manager_cannot_fetch_an_evidence_file(admin_env):
    env = admin_env
    ana = env.manager()
    await ana.register()
    message_id = env.server.sent(ana.user_id)[-1].message_id
    ana.press(message_id, cb.encode(cb.EvidenceGet(1)))
    await settle()
    assert not [m for m in env.server.sent(ana.user_id) if m.method == "sendDocument"]


async def test_a_photo_is_evidence_too(admin_env):
    env = admin_env
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("consolidado"), stop_before="empresas_vinculadas")
    message_id, question = next(
        o for o in evidence_offers(env, ana.user_id) if o[1] == "estrategia_formalizacion"
    )
    ana.press(message_id, cb.encode(cb.Evidence(question)))
    await ana.next_send("Envíe ahora")
    env.server.send_photo(ana.user_id)  # a PNG, as Telegram's photos are images
    await ana.next_send("Evidencia recibida: foto.jpg")
    assert [q for q, _, _ in stored(env)] == ["estrategia_formalizacion"]
