"""Evidence files (bot/services/evidence.py): what is accepted, kept once by its hash, erased
with the person who sent it, and carried by a backup."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.conversation import evidence as offers
from bot.local import DEMO_CLUSTER
from bot.questionnaire.model import ND
from bot.services import backup, campaigns, evidence, privacy
from bot.services.errors import ServiceError
from bot.storage import Storage

BOGOTA = ZoneInfo("America/Bogota")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def office(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(part, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (PDF, evidence.PDF),
        (PNG, evidence.PNG),
        (JPG, evidence.JPEG),
        (office("word/document.xml"), evidence.DOCX),
        (office("xl/workbook.xml"), evidence.XLSX),
    ],
)
def test_the_accepted_types_are_known_by_their_content(data, mime):
    assert evidence.check(data) == mime


@pytest.mark.parametrize(
    "data",
    [b"hola, soy un .pdf de texto", office("ppt/presentation.xml"), b"PK\x03\x04roto", b""],
)
def test_anything_else_is_refused_whatever_its_name(data):
    with pytest.raises(ServiceError) as refused:
        evidence.check(data)
    assert refused.value.code == "evidence_type"


def test_over_telegrams_download_limit_is_refused():
    with pytest.raises(ServiceError) as refused:
        evidence.check(PDF + b"\x00" * evidence.MAX_BYTES)
    assert refused.value.code == "evidence_too_big"


def test_the_offer_is_for_answers_a_document_could_show(questionnaire):
    strategy = questionnaire.question_map["estrategia_formalizacion"]
    bodies = questionnaire.question_map["gobernanza_instancias"]
    assert offers.worth_offering(strategy, "plan_accion")
    assert not offers.worth_offering(strategy, "no_existe")  # worth 0 points: nothing to show
    assert not offers.worth_offering(strategy, ND)
    assert offers.worth_offering(bodies, ["junta_directiva"])
    none = next(iter(bodies.exclusive_ids), None)
    if none is not None:
        assert not offers.worth_offering(bodies, [none])
    assert not offers.worth_offering(questionnaire.question_map["empresas_vinculadas"], 80)


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    s = await Storage.open(tmp_path / "data" / "ssme.db")
    await s.upsert_clusters([DEMO_CLUSTER], "test")
    await campaigns.create(s, "2021", 2021, "2021-09-01", "2021-10-15", BOGOTA, "t")
    yield s
    await s.close()


async def registered(storage: Storage, user_id: int = 77) -> int:
    await storage.create_invitation(
        DEMO_CLUSTER.cluster_id, "tok", datetime.now(UTC) + timedelta(1), "t"
    )
    await storage.redeem_invitation("tok", user_id, user_id, "Ana")
    response = await storage.start_response(DEMO_CLUSTER.cluster_id, "2021", "v", user_id)
    return response.response_id


async def test_a_file_is_kept_once_by_its_hash_and_recorded_each_time(storage, tmp_path):
    response_id = await registered(storage)
    cluster = DEMO_CLUSTER.cluster_id
    first = await evidence.keep(
        storage, response_id, cluster, "estrategia_formalizacion", "estrategia.pdf", PDF, 77
    )
    again = await evidence.keep(
        storage, response_id, cluster, "gobernanza_instancias", "../../actas.pdf", PDF, 77
    )
    files = list((tmp_path / "data" / "evidencias").iterdir())
    assert [f.name for f in files] == [first.sha256] and first.sha256 == again.sha256
    assert files[0].read_bytes() == PDF
    assert again.name == "....actas.pdf"  # no path in a name
    assert [e.question_id for e in await storage.response_evidence(response_id)] == [
        "estrategia_formalizacion",
        "gobernanza_instancias",
    ]
    assert evidence.read(storage, first) == PDF


async def test_an_erasure_takes_the_persons_files(storage, tmp_path):
    response_id = await registered(storage)
    await evidence.keep(
        storage, response_id, DEMO_CLUSTER.cluster_id, "estrategia_formalizacion", "e.pdf", PDF, 77
    )
    request_id = await storage.request_deletion(77, DEMO_CLUSTER.cluster_id)
    assert await privacy.erase(storage, request_id, "admin") == 77
    assert await storage.response_evidence(response_id) == []
    assert list((tmp_path / "data" / "evidencias").iterdir()) == []


async def test_a_backup_carries_the_files_and_a_restore_brings_them_back(storage, tmp_path):
    response_id = await registered(storage)
    kept = await evidence.keep(
        storage, response_id, DEMO_CLUSTER.cluster_id, "estrategia_formalizacion", "e.pdf", PDF, 77
    )
    db_path = tmp_path / "data" / "ssme.db"
    info = backup.backup(db_path, tmp_path / "copia.db")
    assert info.evidence_files == 1
    assert (tmp_path / "copia.db.evidencias" / kept.sha256).read_bytes() == PDF
    await storage.close()
    (tmp_path / "data" / "evidencias" / kept.sha256).unlink()
    backup.restore(tmp_path / "copia.db", db_path)
    assert (tmp_path / "data" / "evidencias" / kept.sha256).read_bytes() == PDF
