"""The analyst's desk (bot/services/desk.py, bot/texts/desk.py), on a real SQLite file."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.local import DEMO_CLUSTER
from bot.questionnaire.model import Questionnaire
from bot.services import campaigns, desk, imports
from bot.services.errors import ServiceError
from bot.storage import Storage
from bot.texts import admin as admin_texts
from bot.texts import desk as t
from scoring import score_answers
from tests.conftest import example
from tests.e2e import OTHER_CLUSTER
from tests.test_services import _responses_csv as responses_csv

BOGOTA = ZoneInfo("America/Bogota")
DEMO, OTHER = DEMO_CLUSTER.cluster_id, OTHER_CLUSTER.cluster_id


def when(moment: datetime) -> str:
    return moment.astimezone(BOGOTA).strftime("%d/%m/%Y %H:%M")


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    s = await Storage.open(tmp_path / "ssme.db")
    await s.upsert_clusters([DEMO_CLUSTER, OTHER_CLUSTER], "test")
    yield s
    await s.close()


@pytest.fixture
async def two_waves(storage: Storage, questionnaire: Questionnaire) -> Storage:
    """2020: the demo cluster young; 2021: the demo cluster consolidated, the other one young."""
    await campaigns.create(storage, "2020", 2020, "2020-09-01", "2020-10-15", BOGOTA, "t")
    await campaigns.create(storage, "2021", 2021, "2021-09-01", "2021-10-15", BOGOTA, "t")
    joven, consolidado = example("joven"), example("consolidado")
    first = responses_csv(questionnaire, {DEMO: joven})
    assert (await imports.import_responses(storage, questionnaire, "2020", first, "t")).ok
    second = responses_csv(questionnaire, {DEMO: consolidado, OTHER: joven})
    assert (await imports.import_responses(storage, questionnaire, "2021", second, "t")).ok
    return storage


# --- finding a cluster ------------------------------------------------------------------------


async def test_a_cluster_is_found_by_its_id_in_any_case(storage):
    assert (await desk.find_cluster(storage, "DEMO_Cafe_Huila")).cluster_id == DEMO


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [("demo_cafe_hula", DEMO), ("cafe_huila", DEMO), ("softwar_caldas", OTHER)],
)
async def test_a_mistyped_id_gets_suggestions(storage, typed, suggested):
    with pytest.raises(ServiceError) as refused:
        await desk.find_cluster(storage, typed)
    assert refused.value.code == "cluster_suggest"
    text = admin_texts.error(refused.value)
    assert f"¿Quiso decir {suggested}" in text and f"«{typed}»" in text


async def test_an_id_like_nothing_gets_no_suggestions(storage):
    with pytest.raises(ServiceError) as refused:
        await desk.find_cluster(storage, "zzzz_qqqq")
    assert refused.value.code == "unknown_cluster"


# --- one cluster at a glance ------------------------------------------------------------------


async def test_the_view_has_the_result_the_previous_one_and_the_change_per_area(
    two_waves, questionnaire
):
    view = await desk.cluster_view(two_waves, questionnaire, DEMO, "2021")
    now = score_answers(questionnaire, example("consolidado"), 2021)
    before = score_answers(questionnaire, example("joven"), 2020)
    assert view.status == "submitted" and view.submitted_at is not None
    assert view.result is not None and view.result.ims == pytest.approx(now.ims)
    assert view.previous is not None and view.previous.ims == pytest.approx(before.ims)
    for area_id, change in view.changes.items():
        expected = now.areas[area_id].score - before.areas[area_id].score
        assert change == pytest.approx(expected)
    assert view.overlays.previous_label == "2020"
    text = "\n".join(t.view_blocks(view, when))
    assert DEMO_CLUSTER.nombre in text and "Huila (Neiva)" in text
    assert "frente a 2020" in text and "Medición anterior (2020)" in text
    assert "enviada el" in text
    # A change is shown with its sign, in points with a decimal comma.
    changes = re.findall(r"([+−±])(\d+,\d) pts frente a 2020", text)
    assert len(changes) == len(questionnaire.areas)
    # The answers are shown with their labels, never as ids.
    assert f"Respuestas</b> ({len(view.answers)})" in text
    assert all(a.label and a.label != a.question_id for a in view.answers)
    # Its history names what happened, in Spanish.
    assert "respuestas importadas" in text


async def test_the_first_wave_says_there_is_no_previous_result(two_waves, questionnaire):
    view = await desk.cluster_view(two_waves, questionnaire, DEMO, "2020")
    assert view.previous is None and view.changes == {}
    text = "\n".join(t.view_blocks(view, when))
    assert t.NO_PREVIOUS in text and "pts frente" not in text


async def test_a_cluster_without_manager_or_answers_says_so(storage, questionnaire):
    await campaigns.create(storage, "2021", 2021, "2021-09-01", "2021-10-15", BOGOTA, "t")
    view = await desk.cluster_view(storage, questionnaire, OTHER, None)
    assert view.status == "no_manager" and view.result is None and view.answers == ()
    text = "\n".join(t.view_blocks(view, when))
    assert f"/invitar {OTHER}" in text and t.NO_ANSWERS in text
    assert "sin gestor registrado" in text


async def test_a_draft_shows_its_progress(storage, questionnaire):
    await campaigns.create(storage, "2021", 2021, "2021-09-01", "2021-10-15", BOGOTA, "t")
    now = datetime.now(UTC)
    await storage.create_invitation(DEMO, "tok", now + timedelta(days=1), "t")
    await storage.redeem_invitation("tok", 77, 77, "Ana")
    response = await storage.start_response(DEMO, "2021", questionnaire.version, 77)
    first = questionnaire.questions[0]
    await storage.save_answer(
        response.response_id, first.id, example("consolidado")[first.id], user_id=77
    )
    view = await desk.cluster_view(storage, questionnaire, DEMO, None)
    assert view.status == "draft" and view.answered == 1 and view.expected > 1
    assert view.manager is not None and view.manager.user_id == 77
    text = "\n".join(t.view_blocks(view, when))
    assert f"en curso, 1 de {view.expected} preguntas" in text
    assert 'href="tg://user?id=77"' in text and t.MANAGER_NO_CONSENT in text


# --- the list ---------------------------------------------------------------------------------


async def test_the_list_filters_by_department_sector_and_state(two_waves):
    def ids(listing: desk.ClusterList) -> list[str]:
        return [s.cluster_id for s in listing.rows]

    everyone = await desk.cluster_list(two_waves, "2021", [], status_words=t.STATUS_WORDS)
    assert sorted(ids(everyone)) == sorted([DEMO, OTHER]) and everyone.total == 2
    huila = await desk.cluster_list(two_waves, "2021", ["HUILA"], status_words=t.STATUS_WORDS)
    assert ids(huila) == [DEMO]
    services = await desk.cluster_list(two_waves, "2021", ["servi"], status_words=t.STATUS_WORDS)
    assert ids(services) == [OTHER]
    sent = await desk.cluster_list(two_waves, "2020", ["enviada"], status_words=t.STATUS_WORDS)
    assert ids(sent) == [DEMO]
    nobody = await desk.cluster_list(
        two_waves, "2020", ["caldas", "enviada"], status_words=t.STATUS_WORDS
    )
    assert ids(nobody) == []
    title = t.list_title(nobody)
    assert "0 de 2" in title and "caldas" in title and "enviada" in title


async def test_a_filter_word_that_means_nothing_is_refused_with_the_choices(two_waves):
    with pytest.raises(ServiceError) as refused:
        await desk.cluster_list(two_waves, "2021", ["antartida"], status_words=t.STATUS_WORDS)
    text = admin_texts.error(refused.value)
    assert "«antartida»" in text and "sin_empezar" in text


@pytest.mark.parametrize(
    "filters",
    [
        desk.Filters(),
        desk.Filters("huila", "agroindustria", "draft"),
        desk.Filters(
            "archipielago de san andres, providencia y santa catalina", "servicios", "submitted"
        ),
    ],
)
def test_filters_survive_a_button_and_a_long_department_keeps_its_start(filters):
    code = filters.encode()
    assert len(code) <= 48
    back = desk.Filters.decode(code)
    assert (back.sector, back.status) == (filters.sector, filters.status)
    if filters.departamento:
        assert back.departamento and filters.departamento.startswith(back.departamento)
    else:
        assert back.departamento is None


def test_the_no_manager_filter_reads_gestor_and_sessions_3_word() -> None:
    from bot.texts import desk as desk_texts

    for word in ("sin_gestor", "singestor", "sin_gestors", "sin_gerente"):
        assert desk_texts.STATUS_WORDS[word] == "no_manager", word
