"""The steps behind /cluster's «Pedir ajuste» and «Corregir» (bot/services/desk_input.py), on a
real file: what each step stores, and that a refusal changes nothing."""

from __future__ import annotations

import pytest

from bot.local import DEMO_CLUSTER
from bot.services import desk_input, review
from bot.services.errors import ServiceError
from tests.conftest import example
from tests.e2e import OTHER_CLUSTER
from tests.test_review import storage as review_storage
from tests.test_review import submit

DEMO, OTHER = DEMO_CLUSTER.cluster_id, OTHER_CLUSTER.cluster_id
ADMIN = 9001
storage = review_storage  # the fixture: the two clusters, campaign 2021 open


async def refused(code: str, call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ServiceError) as exc:
        await call
    assert exc.value.code == code


async def test_only_a_sent_response_gets_a_picker(storage, questionnaire):
    await refused(
        "review_not_submitted", desk_input.start(storage, questionnaire, "ask", OTHER, ADMIN)
    )
    assert await storage.desk_input(ADMIN) is None


async def test_asking_picks_in_pages_toggles_and_sends_with_the_note(storage, questionnaire):
    q = questionnaire
    await submit(storage, q, DEMO, example("consolidado"))
    picker = await desk_input.start(storage, q, "ask", DEMO, ADMIN)
    assert picker.pages > 1 and len(picker.options) == desk_input.PER_PAGE
    assert all(o.label == q.question_map[o.question_id].short for o in picker.options)
    last = await desk_input.page(storage, q, ADMIN, DEMO, 99)  # clamped
    assert last.page == last.pages
    first, second = picker.options[0], picker.options[1]
    await desk_input.pick(storage, q, ADMIN, DEMO, first.index)
    await desk_input.pick(storage, q, ADMIN, DEMO, second.index)
    again = await desk_input.pick(storage, q, ADMIN, DEMO, first.index)  # unticked
    assert isinstance(again, desk_input.Picker) and again.picked == (second.label,)
    await refused("desk_stale", desk_input.pick(storage, q, ADMIN, OTHER, first.index))
    await refused("desk_stale", desk_input.pick(storage, q, ADMIN, DEMO, 10_000))
    prompt = await desk_input.picked(storage, q, ADMIN, DEMO)
    assert prompt.input.step == "note" and prompt.questions == (second.label,)
    # Typed text is now the note; a note too long changes nothing.
    await refused("correct_long_reason", desk_input.typed(storage, q, ADMIN, "x" * 501))
    assert (await storage.desk_input(ADMIN)).step == "note"  # type: ignore[union-attr]
    done = await desk_input.typed(storage, q, ADMIN, "Revise el acta")
    assert isinstance(done, review.Ask) and done.questions == [(second.question_id, second.label)]
    assert await storage.desk_input(ADMIN) is None
    assert (await storage.campaign_reviews("2021"))[DEMO].status == "requiere_ajuste"
    assert await desk_input.typed(storage, q, ADMIN, "hola") is None, "nothing waits: not ours"


async def test_listo_with_no_question_is_refused(storage, questionnaire):
    await submit(storage, questionnaire, DEMO, example("consolidado"))
    await desk_input.start(storage, questionnaire, "ask", DEMO, ADMIN)
    await refused("desk_pick_none", desk_input.picked(storage, questionnaire, ADMIN, DEMO))


async def test_correcting_checks_the_value_then_the_reason_then_confirms(storage, questionnaire):
    q = questionnaire
    await submit(storage, q, DEMO, example("consolidado"))
    response = await storage.get_response(DEMO, "2021")
    assert response is not None
    await desk_input.start(storage, q, "correct", DEMO, ADMIN)
    index = q.position["empresas_activas"]
    prompt = await desk_input.pick(storage, q, ADMIN, DEMO, index)
    assert isinstance(prompt, desk_input.Prompt) and prompt.current == "110"
    waiting = await storage.desk_input(ADMIN)
    for bad, code in (("200", "correct_inconsistent"), ("muchas", "correct_bad_value")):
        await refused(code, desk_input.typed(storage, q, ADMIN, bad))
        assert await storage.desk_input(ADMIN) == waiting, "a refusal changes nothing"
    reason = await desk_input.typed(storage, q, ADMIN, "150")
    assert isinstance(reason, desk_input.Prompt) and reason.new == "150"
    await refused("correct_no_reason", desk_input.typed(storage, q, ADMIN, "   "))
    summary = await desk_input.typed(storage, q, ADMIN, "según el acta")
    assert isinstance(summary, desk_input.ToConfirm) and summary.preview.old == 110
    assert await storage.results_count(response.response_id) == 1, "nothing stored before"
    typed_meanwhile = await desk_input.typed(storage, q, ADMIN, "otra cosa")
    assert isinstance(typed_meanwhile, desk_input.Waiting)
    done = await desk_input.confirm(storage, q, ADMIN, DEMO)
    assert done.new == 150 and await storage.results_count(response.response_id) == 2
    assert await storage.desk_input(ADMIN) is None
    await refused("desk_stale", desk_input.confirm(storage, q, ADMIN, DEMO))


async def test_a_new_start_replaces_the_input_and_cancel_drops_it(storage, questionnaire):
    q = questionnaire
    await submit(storage, q, DEMO, example("consolidado"))
    await submit(storage, q, OTHER, example("joven"))
    await desk_input.start(storage, q, "ask", DEMO, ADMIN)
    await desk_input.start(storage, q, "correct", OTHER, ADMIN)
    kept = await storage.desk_input(ADMIN)
    assert kept is not None and (kept.kind, kept.cluster_id) == ("correct", OTHER)
    assert await desk_input.cancel(storage, ADMIN) is True
    assert await desk_input.cancel(storage, ADMIN) is False


async def test_a_choice_is_pressed_as_the_value_a_number_is_typed(storage, questionnaire):
    q = questionnaire
    await submit(storage, q, DEMO, example("consolidado"))
    await desk_input.start(storage, q, "correct", DEMO, ADMIN)
    question = q.question_map["enfoque_segmentos"]
    assert desk_input.option_count(question) == len(question.choices)
    assert desk_input.option_count(q.question_map["empresas_activas"]) == 0
    await desk_input.pick(storage, q, ADMIN, DEMO, q.position["enfoque_segmentos"])
    await refused("desk_stale", desk_input.value_pressed(storage, q, ADMIN, DEMO, 99))
    reason = await desk_input.value_pressed(storage, q, ADMIN, DEMO, 2)
    assert reason.new == question.choices[1].label and reason.input.step == "reason"
    summary = await desk_input.typed(storage, q, ADMIN, "visto en el acta")
    assert isinstance(summary, desk_input.ToConfirm)
    assert summary.preview.new == question.choices[1].id
