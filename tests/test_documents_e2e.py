"""The documents end to end (issue 14): the real Application over HTTP against the local Bot
API server. «Descargar informe (PDF)» under the result photo sends the report card."""

from __future__ import annotations

import io

import pypdf
import pytest

from bot.conversation import callbacks as cb
from bot.texts import documents as dt
from tests.conftest import example
from tests.e2e import DEMO_CLUSTER, settle

pytestmark = pytest.mark.e2e


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


async def test_report_card_button_sends_the_pdf_and_result_offers_it_again(env):
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("consolidado"))
    photo, _ = await ana.submit()
    data = cb.encode(cb.ReportCard("2021"))
    assert photo.buttons == [dt.BTN_REPORT_CARD]
    assert photo.reply_markup["inline_keyboard"][0][0]["callback_data"] == data

    ana.press(photo.message_id, data)
    doc = await ana.next(lambda e: e.method == "sendDocument")
    assert doc.message.filename == f"informe_{DEMO_CLUSTER.cluster_id}_2021.pdf"
    assert "IMS 88,9 (Consolidado)" in doc.caption
    text = pdf_text(doc.message.document)
    assert DEMO_CLUSTER.nombre in text
    assert "Índice de Madurez SSME (IMS): 88,9 sobre 100 · Nivel Consolidado" in text
    assert "upload_document" in env.server.chat_actions(ana.user_id)
    await settle()
    assert any(a.data == data for a in env.server.callback_answers())  # the spinner stopped

    await ana.send("/resultado")
    again = await ana.next(lambda e: e.method == "sendPhoto")
    assert dt.BTN_REPORT_CARD in again.buttons


async def test_report_card_press_from_someone_else_sends_nothing(env):
    ana = env.manager()
    await ana.register()
    await ana.answer_all(example("consolidado"))
    await ana.submit()
    # Someone who manages no cluster forges the press (on a message of their own chat).
    eva = env.manager(user_id=4242, first_name="Eva")
    await eva.send("/start")
    hello = await eva.next_send()
    eva.press(hello.message_id, cb.encode(cb.ReportCard("2021")))
    await settle()
    answers = [a for a in env.server.callback_answers() if a.chat_id == 4242]
    assert answers and answers[-1].text == dt.CARD_NOT_YOURS
    assert not [m for m in env.server.sent(4242) if m.method == "sendDocument"]
