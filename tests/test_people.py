"""A person with several clusters, driven through `Survey` (issue 16 items 1 and 3).

Ana holds demo_cafe_huila (A) and software_caldas (B). Every manager-side button carries its
cluster (``callbacks.encode(press, cluster)``); a press acts on that cluster or is refused.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot import texts
from bot.conversation import callbacks as cb
from bot.conversation import memberships
from bot.conversation.actions import Action, Edit, Photo, Send, Tell, Toast, at
from bot.conversation.survey import CONSENT_VERSION
from bot.local import DEMO_CLUSTER
from bot.reminders.policy import ReminderKind
from bot.services import reminders as reminder_service
from bot.services.invitations import new_token
from bot.texts import memberships as mt
from tests import test_conversation
from tests.e2e import OTHER_CLUSTER
from tests.test_conversation import CONSOLIDADO, NOW, Phone, World, buttons, question_of

A, B = DEMO_CLUSTER.cluster_id, OTHER_CLUSTER.cluster_id
world = test_conversation.world  # the fixture: a survey over a real database, a fixed clock


def texts_of(actions: list[Action]) -> str:
    return "\n".join(a.text for a in actions if isinstance(a, Send | Edit | Toast) and a.text)


async def two_clusters(world: World) -> Phone:
    """Ana, registered for A (two answers given), then for B (on B's first question)."""
    ana = world.phone()
    await ana.register(world.seeded.tokens[A])
    await ana.answer(CONSOLIDADO[ana.current])  # type: ignore[index]
    await ana.answer(CONSOLIDADO[ana.current])  # type: ignore[index]
    ana.cluster_id = B
    await ana.start(world.seeded.tokens[B])
    return ana


async def stored(world: World, cluster: str) -> dict[str, object]:
    campaign = await world.storage.current_campaign()
    assert campaign is not None
    response = await world.storage.get_response(cluster, campaign.campaign_id)
    return {} if response is None else await world.storage.answers(response.response_id)


async def test_a_second_invitation_tells_how_to_switch_and_carries_the_consent(world):
    ana = world.phone()
    await ana.register(world.seeded.tokens[A])
    first_a = ana.screen
    assert first_a is not None and DEMO_CLUSTER.nombre not in first_a.text.split("\n")[0]

    out = await ana.start(world.seeded.tokens[B])
    said = texts_of(out)
    assert "Ahora responde por 2 clústeres" in said and "/cambiar" in said
    assert mt.CONSENT_CARRIED.format(version=CONSENT_VERSION) in said  # not asked again
    assert not any(
        texts.BTN_CONSENT in [b.label for b in buttons(a)] for a in out if isinstance(a, Send)
    )
    question = out[-1]
    assert isinstance(question, Send) and question_of(question)
    # Holding two, every question names its cluster, and its buttons carry it.
    assert question.text.startswith(texts.HEADER_CLUSTER.format(cluster=OTHER_CLUSTER.nombre))
    assert {cb.key_of(b.data) for b in buttons(question)} == {cb.cluster_key(B)}
    member = await world.storage.membership(ana.user_id, B)
    assert member is not None and member.consent_version == CONSENT_VERSION


async def test_each_cluster_keeps_its_answers_and_typed_text_goes_where_one_stands(world):
    ana = await two_clusters(world)
    before_a = await stored(world, A)
    assert len(before_a) == 2
    await ana.answer(CONSOLIDADO[ana.current])  # type: ignore[index]  # on B
    assert await stored(world, A) == before_a
    assert len(await stored(world, B)) == 1


async def test_an_old_keyboard_of_a_acts_on_a_only_and_a_stale_one_changes_nothing(world):
    ana = world.phone()
    await ana.register(world.seeded.tokens[A])
    first_a = ana.screen  # A's first question (a single choice), left unanswered
    assert first_a is not None
    qid = question_of(first_a)
    ana.cluster_id = B
    await ana.start(world.seeded.tokens[B])
    b_before = await stored(world, B)
    choose = next(
        b
        for b in buttons(first_a)
        if isinstance(b.callback, cb.Choose) and b.callback.choice == CONSOLIDADO[qid]  # type: ignore[index]
    )
    assert cb.key_of(choose.data) == cb.cluster_key(A)

    # On B, a live button of A's question answers A (never B); Ana now stands on A, told so.
    out = await ana.press(choose.data)
    assert mt.SWITCHED.format(cluster=DEMO_CLUSTER.nombre) in texts_of(out)
    assert await stored(world, A) == {qid: CONSOLIDADO[qid]}  # type: ignore[index]
    assert await stored(world, B) == b_before
    assert (await world.storage.manager_for_user(ana.user_id)).cluster_id == A  # type: ignore[union-attr]

    # Back on B, the same button again is stale: a toast, nothing written, Ana stays on B.
    await world.storage.choose_cluster(ana.user_id, B)
    a_before = await stored(world, A)
    out = await ana.press(choose.data)
    assert out and all(isinstance(a, Toast) for a in out)
    assert (await stored(world, A), await stored(world, B)) == (a_before, b_before)
    assert (await world.storage.manager_for_user(ana.user_id)).cluster_id == B  # type: ignore[union-attr]


async def test_a_forged_key_or_an_unkeyed_press_with_two_clusters_is_refused(world):
    ana = await two_clusters(world)
    question = ana.screen
    assert question is not None
    qid = question_of(question)
    assert qid is not None
    before = (await stored(world, A), await stored(world, B))
    for data in (
        cb.encode(cb.NotAvailable(qid), "clúster_ajeno"),  # a cluster Ana does not hold
        "zzzzzz~" + cb.encode(cb.ReviewSend()),
        cb.encode(cb.ReviewSend()),  # no key, two clusters held: which one?
        cb.encode(cb.Resume()),
    ):
        out = await ana.press(data)
        assert out and all(isinstance(a, Toast) for a in out), (data, out)
    assert (await stored(world, A), await stored(world, B)) == before


async def test_cambiar_lists_the_clusters_with_their_state_and_switches(world):
    ana = await two_clusters(world)
    [screen] = await memberships.choose(world.survey, ana.user_id)
    assert isinstance(screen, Send)
    lines = screen.text.split("\n")
    assert any(OTHER_CLUSTER.nombre in line and mt.NOT_STARTED in line for line in lines)
    assert any(DEMO_CLUSTER.nombre in line and "2 de " in line for line in lines)
    assert lines[2].startswith(mt.HERE) and OTHER_CLUSTER.nombre in lines[2]  # where she stands
    to_a = next(b for b in buttons(screen) if DEMO_CLUSTER.nombre[:20] in b.label)
    out = await ana.press(to_a.data)
    assert DEMO_CLUSTER.nombre in texts_of(out)
    assert (await world.storage.manager_for_user(ana.user_id)).cluster_id == A  # type: ignore[union-attr]
    question = next(a for a in out if isinstance(a, Send) and question_of(a))
    assert question_of(question) == ana.seen[2]  # A's third question, where she left it


async def test_cambiar_with_one_cluster_says_so(world):
    ana = await world.registered()
    [only] = await memberships.choose(world.survey, ana.user_id)
    assert isinstance(only, Send) and not only.buttons and DEMO_CLUSTER.nombre in only.text


async def test_a_new_manager_invitation_tells_the_previous_manager_who_loses_the_cluster(world):
    ana = world.phone()
    await ana.register(world.seeded.tokens[A])
    await ana.answer(CONSOLIDADO[ana.current])  # type: ignore[index]
    old = ana.screen
    assert old is not None
    token = new_token()
    await world.storage.create_invitation(A, token, NOW + timedelta(days=5), "admin")
    luis = world.phone(user_id=2002, name="Luis")
    out = await luis.start(token)
    told = [a for a in out if isinstance(a, Tell)]
    assert [t.chat_id for t in told] == [ana.user_id]
    assert DEMO_CLUSTER.nombre in told[0].text
    # Ana's old buttons for A stop working, and she sees nothing more of it.
    press = next(b for b in buttons(old) if isinstance(b.callback, cb.OnQuestion))
    assert await ana.press(press.data) == [Toast(mt.NOT_HELD)]
    assert await world.survey.latest_result(ana.user_id) == [Send(texts.INTRO_UNREGISTERED)]
    # Her answer stays with the cluster; the audit says who replaced whom.
    assert len(await stored(world, A)) == 1
    rows = await world.storage._all(
        "SELECT actor, detail FROM audit WHERE action = 'manager_replaced'", ()
    )
    assert [(r["actor"], json.loads(r["detail"])) for r in rows] == [
        ("2002", {"previous_user": ana.user_id})
    ]


async def test_dejar_asks_then_leaves_with_an_audit_line_and_the_cluster_has_no_manager(world):
    ana = await two_clusters(world)
    [pick] = await memberships.leave_start(world.survey, ana.user_id)
    assert isinstance(pick, Send) and len(buttons(pick)) == 2
    leave_a = next(b for b in buttons(pick) if DEMO_CLUSTER.nombre[:20] in b.label)
    [ask] = await ana.press(leave_a.data)
    assert isinstance(ask, Send) and "sin gestor" in ask.text
    assert await world.storage.membership(ana.user_id, A) is not None  # nothing yet
    [confirm] = buttons(ask)
    out = await ana.press(confirm.data)
    said = texts_of(out)
    assert mt.LEFT.format(cluster=DEMO_CLUSTER.nombre) in said
    assert mt.LEFT_NOW_ON.format(cluster=OTHER_CLUSTER.nombre) in said
    assert await world.storage.membership(ana.user_id, A) is None
    assert await world.storage.cluster_manager(A) is None
    assert len(await stored(world, A)) == 2  # her answers stay with the cluster
    rows = await world.storage._all(
        "SELECT actor, cluster_id, detail FROM audit WHERE action = 'member_left'", ()
    )
    assert [(r["actor"], r["cluster_id"]) for r in rows] == [(str(ana.user_id), A)]
    # The operator sees the cluster without a manager in participation.
    from bot.services.participation import participation

    # Its draft stays, with no manager: listed among those to chase, not among those a
    # reminder could reach.
    report = await participation(world.storage, None)
    states = {c.cluster_id: c for c in report.states}
    assert states[A].user_id is None and states[A].status == "draft"
    assert states[B].user_id == ana.user_id
    assert A in [s.cluster_id for s, _ in report.without_manager]
    assert A not in [s.cluster_id for s in report.pending]
    # The confirmation again (an old message): refused, nothing more happens.
    assert await ana.press(confirm.data) == [Toast(mt.NOT_HELD)]


async def test_mis_datos_lists_every_membership_with_its_role(world):
    ana = await two_clusters(world)
    [data] = await world.survey.my_data(ana.user_id)
    assert isinstance(data, Send)
    assert f"Gestor de {DEMO_CLUSTER.nombre}" in data.text
    assert f"Gestor de {OTHER_CLUSTER.nombre}" in data.text


async def test_a_reminder_s_buttons_carry_its_cluster(world):
    for kind in (ReminderKind.CONTINUE, ReminderKind.INVITATION):
        rows = at(A, reminder_service.keyboard(kind, "2021", "in_progress"))  # as the sender
        assert {cb.key_of(b.data) for row in rows for b in row} == {cb.cluster_key(A)}
    [[notice]] = at(B, reminder_service.keyboard(ReminderKind.CONSENT, "2021", "consent_pending"))
    assert cb.key_of(notice.data) == cb.cluster_key(B)


async def test_continuar_of_a_reminder_for_a_opens_a(world):
    ana = await two_clusters(world)
    [[go], _, _] = at(A, reminder_service.keyboard(ReminderKind.CONTINUE, "2021", "in_progress"))
    out = await ana.press(go.data)
    question = next(a for a in out if isinstance(a, Send) and question_of(a))
    assert question.text.startswith(texts.HEADER_CLUSTER.format(cluster=DEMO_CLUSTER.nombre))
    assert (await world.storage.manager_for_user(ana.user_id)).cluster_id == A  # type: ignore[union-attr]


async def test_results_are_per_cluster(world):
    ana = world.phone()
    await ana.register(world.seeded.tokens[A])
    await ana.answer_all(CONSOLIDADO)
    sent = await ana.press(cb.ReviewSend())
    assert any(isinstance(a, Photo) for a in sent)
    ana.cluster_id = B
    await ana.start(world.seeded.tokens[B])
    assert await world.survey.latest_result(ana.user_id) == [Send(texts.NO_RESULT_YET)]
    # The result's buttons (¿Por qué?, the report card) carry A: pressed on B, they read A.
    why = next(b for a in sent if isinstance(a, Send) for b in buttons(a))
    assert cb.key_of(why.data) == cb.cluster_key(A)
    explained = await ana.press(why.data)
    assert explained and not isinstance(explained[0], Toast)
    assert (await world.storage.manager_for_user(ana.user_id)).cluster_id == B  # type: ignore[union-attr]
    photo = next(a for a in sent if isinstance(a, Photo))
    [[card]] = photo.buttons
    assert cb.key_of(card.data) == cb.cluster_key(A)
    await world.storage.choose_cluster(ana.user_id, A)
    again = await world.survey.latest_result(ana.user_id)
    assert any(isinstance(a, Photo) and DEMO_CLUSTER.nombre in a.caption for a in again)


async def test_evidence_pressed_for_a_while_on_b_awaits_the_file_for_a(world):
    ana = world.phone()
    await ana.register(world.seeded.tokens[A])
    offers: list = []
    while not offers:  # until an answer worth a document brings the offer
        out = await ana.answer(CONSOLIDADO[ana.current])  # type: ignore[index]
        offers = [
            b
            for a in out
            if isinstance(a, Send)
            for b in buttons(a)
            if isinstance(b.callback, cb.Evidence)
        ]
    assert offers, "an answer worth a document was offered evidence"
    ana.cluster_id = B
    await ana.start(world.seeded.tokens[B])
    pressed = await ana.press(offers[-1].data)
    assert mt.SWITCHED.format(cluster=DEMO_CLUSTER.nombre) in texts_of(pressed)
    awaited = await world.survey.file_expected(ana.user_id)
    assert not isinstance(awaited, list) and awaited.st.manager.cluster_id == A


def test_a_follow_up_s_buttons_carry_the_cluster_asked_about():
    from bot.conversation import submission

    screen = submission.follow_up(
        OTHER_CLUSTER.nombre, "2021", [("empresas_activas", "Empresas activas")], "", cluster=B
    )
    assert [cb.key_of(b.data) for b in buttons(screen)] == [cb.cluster_key(B)]


def test_the_cluster_key_fits_the_longest_press_and_reads_back():
    from bot.questionnaire.loader import load_questionnaire

    q = load_questionnaire()
    longest = max(
        [cb.Choose(x.id, c.id) for x in q.questions for c in x.choices]
        + [cb.Fix(a, b) for r in q.consistency for a in r.question_ids for b in r.question_ids],
        key=lambda press: len(cb.encode(press)),
    )
    for cluster in (A, B, "x" * 200, "clúster:con:dos_puntos"):
        data = cb.encode(longest, cluster)
        assert len(data.encode()) <= cb.MAX_BYTES
        assert cb.decode(data) == longest and cb.key_of(data) == cb.cluster_key(cluster)
        assert cb.held_cluster(data, [B, cluster, A]) == cluster
        assert cb.held_cluster(data, ["otro"]) is None
    unkeyed = cb.encode(longest)
    assert cb.held_cluster(unkeyed, [A]) == A  # a keyboard from before keys: the only one
    assert cb.held_cluster(unkeyed, [A, B]) is None  # several: which one? refused
    assert cb.key_of("adm:cl:demo_cafe_huila") is None  # the admins' data is untouched


def test_a_manager_button_cannot_go_out_without_its_cluster():
    from bot.conversation.actions import Button

    with pytest.raises(ValueError, match="needs its cluster"):
        _ = Button("Continuar", cb.Resume()).data
    assert Button("Continuar", cb.Resume(), A).data == cb.encode(cb.Resume(), A)
    assert Button("Eliminar", cb.EraseMine()).data == "data:erase"  # the person's, not a cluster's
    assert Button("Recordar", cb.RemindNow("2021")).data == "adm:remind:2021"  # an admin's


def test_ayuda_and_the_menu_name_cambiar_and_dejar():
    assert "/cambiar" in texts.HELP and "/dejar" in texts.HELP
    assert {"cambiar", "dejar"} <= set(texts.COMMANDS)


async def test_cambiar_says_sent_then_adjustment_asked_then_correction_open(world):
    ana = world.phone()
    await ana.register(world.seeded.tokens[A])
    await ana.answer_all(CONSOLIDADO)
    await ana.press(cb.ReviewSend())
    ana.cluster_id = B
    await ana.start(world.seeded.tokens[B])
    member = await world.storage.membership(ana.user_id, A)
    assert member is not None
    assert await memberships.standing(world.survey, member) == mt.SENT
    campaign = await world.storage.current_campaign()
    response = await world.storage.get_response(A, campaign.campaign_id)  # type: ignore[union-attr]
    assert response is not None
    await world.storage.set_review(response.response_id, A, "requiere_ajuste", "analista")
    assert await memberships.standing(world.survey, member) == mt.ADJUST
    await world.storage.set_review(response.response_id, A, "aprobada", "analista")
    assert await memberships.standing(world.survey, member) == mt.APPROVED
    await world.storage.reopen_response(response.response_id, ana.user_id, A)
    assert await memberships.standing(world.survey, member) == mt.CORRECTING
    b = await world.storage.membership(ana.user_id, B)
    assert b is not None and await memberships.standing(world.survey, b) == mt.NOT_STARTED
