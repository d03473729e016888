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
    data = cb.encode(cb.ReportCard("2021"), DEMO_CLUSTER.cluster_id)
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


def test_cli_writes_the_summary_and_report_card(tmp_path, monkeypatch, capsys):
    from importlib import resources

    import yaml

    from bot.cli import main
    from bot.files.responses import answer_cell
    from bot.questionnaire.loader import load_questionnaire

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SSME_DB_PATH", str(tmp_path / "ssme.db"))
    examples = resources.files("bot") / "examples"
    assert main(["import-clusters", str(examples / "registro_ejemplo.csv")]) == 0
    args = ["--reference-year", "2021", "--opens", "2021-09-01", "--closes", "2021-10-15"]
    assert main(["campaign", "create", "2021", *args]) == 0
    q = load_questionnaire()
    answers = yaml.safe_load((examples / "consolidado.yaml").read_text(encoding="utf-8"))
    header = ["cluster_id", *[x.id for x in q.questions]]
    row = [
        "caldas_software",
        *[answer_cell(answers[h]) if h in answers else "" for h in header[1:]],
    ]
    csv = tmp_path / "r.csv"
    csv.write_text(",".join(header) + "\n" + ",".join(f'"{c}"' for c in row) + "\n", "utf-8")
    assert main(["import-responses", str(csv), "--campaign", "2021"]) == 0
    capsys.readouterr()

    pdf, docx_path, card = tmp_path / "r.pdf", tmp_path / "r.docx", tmp_path / "c.pdf"
    assert main(["summary", "--pdf", str(pdf), "--docx", str(docx_path)]) == 0
    out = capsys.readouterr()
    assert "Participación:" in out.out and str(pdf) in out.err
    assert "Resumen ejecutivo" in pdf_text(pdf.read_bytes())
    assert docx_path.read_bytes()[:2] == b"PK"
    assert main(["report", "caldas_software", "--pdf", str(card)]) == 0
    text = pdf_text(card.read_bytes())
    assert "Clúster de Software de Caldas" in text and "IMS" in text
    # Bad input: one Spanish sentence, exit status 2, nothing written.
    assert main(["report", "narino_turismo", "--pdf", str(tmp_path / "x.pdf")]) == 2
    assert "no tiene una respuesta enviada en la medición 2021" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()
