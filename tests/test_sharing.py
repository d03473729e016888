"""Collaborators (issue 16 item 2) below the Telegram layer: per-person cursors, the trail of a
shared response, the send setting, removal, and migration 12 on a version-11 database."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta

import pytest

from bot.conversation import callbacks as cb
from bot.conversation.actions import Send
from bot.local import DEMO_CLUSTER
from bot.storage import MIGRATIONS, Storage, utcnow
from tests.conftest import example, schema_before
from tests.e2e import OTHER_CLUSTER
from tests.test_conversation import world  # noqa: F401  (the fixture)

CLUSTER = DEMO_CLUSTER.cluster_id


@pytest.fixture
async def storage(tmp_path):
    s = await Storage.open(tmp_path / "ssme.db")
    await s.upsert_clusters([DEMO_CLUSTER, OTHER_CLUSTER], "t")
    await s.create_campaign(
        "2026", 2025, utcnow() - timedelta(days=1), utcnow() + timedelta(30), state="open"
    )
    yield s
    await s.close()


async def _team(s: Storage) -> int:
    """Ana (7) manages the cluster, Caro (9) collaborates; the response's id."""
    later = utcnow() + timedelta(days=1)
    await s.create_invitation(CLUSTER, "codigo-uno-111", later, "t")
    await s.create_invitation(CLUSTER, "codigo-col-222", later, 7, role="collaborator")
    await s.redeem_invitation("codigo-uno-111", 7, 70, "Ana")
    await s.redeem_invitation("codigo-col-222", 9, 90, "Caro")
    response = await s.start_response(CLUSTER, "2026", "1", 7)
    return response.response_id


async def test_each_person_has_a_cursor_of_their_own(storage):
    rid = await _team(storage)
    await storage.set_cursor(rid, "q1", "jump")
    await storage.set_pending(rid, {"question": "q2", "selected": ["a"]}, cursor_of=9)
    await storage.record_shown(rid, "q2", 40, cursor_of=9)
    await storage.record_shown(rid, "q2", 39, cursor_of=9)  # older, delivered late: ignored
    await storage.record_shown(rid, "q1", 500)
    own = await storage.get_response(CLUSTER, "2026")
    assert own is not None
    assert (own.cursor_question, own.cursor_mode, own.pending) == ("q1", "jump", None)
    assert (own.shown_question, own.shown_message, own.cursor_of) == ("q1", 500, None)
    caro = await storage.own_cursor(own, 9)
    assert (caro.cursor_question, caro.cursor_mode) == (None, None)
    assert caro.pending == {"question": "q2", "selected": ["a"]}
    assert (caro.shown_question, caro.shown_message, caro.cursor_of) == ("q2", 40, 9)
    assert caro.shown_at is not None
    # Her answer moves her cursor only, and clears only her pending.
    await storage.save_answers(rid, {"q2": ["a"]}, user_id=9, cursor=("q3", "walk"), cursor_of=9)
    caro = await storage.own_cursor(await storage.get_response(CLUSTER, "2026"), 9)
    own = await storage.get_response(CLUSTER, "2026")
    assert (caro.cursor_question, caro.cursor_mode, caro.pending) == ("q3", "walk", None)
    assert (own.cursor_question, own.cursor_mode) == ("q1", "jump")
    await storage.set_paused(rid, True, cursor_of=9)
    assert (await storage.own_cursor(own, 9)).paused and not own.paused


async def test_a_shared_answer_keeps_who_gave_the_one_it_replaces(storage):
    rid = await _team(storage)
    await storage.record_shown(rid, "q1", 40, cursor_of=9)
    caro = await storage.own_cursor(await storage.get_response(CLUSTER, "2026"), 9)
    assert await storage.save_answers(rid, {"q1": 5}, user_id=7) == []
    replaced = await storage.save_answers(
        rid, {"q1": 6}, user_id=9, cursor_of=9, seen_since=caro.shown_at
    )
    assert [(o.question_id, o.value, o.by, o.name) for o in replaced] == [("q1", 5, 7, "Ana")]
    assert (await storage.answers(rid))["q1"] == 6
    changes = [e for e in await storage.audit_log() if e.action == "answer_changed"]
    assert [(e.actor, e.detail) for e in reversed(changes)] == [
        ("7", {"campaign": "2026", "question": "q1", "old": None, "new": 5}),
        ("9", {"campaign": "2026", "question": "q1", "old": 5, "new": 6, "old_by": 7}),
    ]
    # Seen after the other's answer: not stale, nothing to tell.
    later = datetime.now(UTC) + timedelta(seconds=5)
    assert await storage.save_answers(rid, {"q1": 7}, user_id=7, seen_since=later) == []
    last = await storage.last_answers(rid)
    assert last[7].question_id == "q1" and last[7].name == "Ana"


async def test_a_response_nobody_shares_leaves_no_trail(storage):
    later = utcnow() + timedelta(days=1)
    await storage.create_invitation(CLUSTER, "codigo-uno-111", later, "t")
    await storage.redeem_invitation("codigo-uno-111", 7, 70, "Ana")
    rid = (await storage.start_response(CLUSTER, "2026", "1", 7)).response_id
    assert await storage.save_answers(rid, {"q1": 5}, user_id=7) == []
    assert not [e for e in await storage.audit_log() if e.action == "answer_changed"]


async def test_removing_a_collaborator_takes_their_membership_and_cursor(storage):
    rid = await _team(storage)
    await storage.record_shown(rid, "q2", 40, cursor_of=9)
    assert await storage.remove_collaborator(CLUSTER, 7, 7) is None  # the manager is not one
    gone = await storage.remove_collaborator(CLUSTER, 9, 7)
    assert gone is not None and gone.chat_id == 90
    assert await storage.membership(9, CLUSTER) is None
    assert await storage.remove_collaborator(CLUSTER, 9, 7) is None
    own = await storage.get_response(CLUSTER, "2026")
    assert (await storage.own_cursor(own, 9)).shown_question is None
    entry = next(e for e in await storage.audit_log() if e.action == "collaborator_removed")
    assert entry.actor == "7" and entry.detail == {"user": 9}


async def test_the_send_setting_is_per_cluster(storage):
    assert not await storage.collaborators_send(CLUSTER)
    await storage.set_collaborators_send(CLUSTER, True, 7)
    assert await storage.collaborators_send(CLUSTER)
    assert not await storage.collaborators_send(OTHER_CLUSTER.cluster_id)
    await storage.set_collaborators_send(CLUSTER, False, 7)
    assert not await storage.collaborators_send(CLUSTER)


def test_migration_12_keeps_a_version_11_database_intact(tmp_path):
    path = tmp_path / "v11.db"
    with closing(sqlite3.connect(path)) as conn:
        schema_before(conn, "CREATE TABLE cursors")
        conn.executescript(
            "INSERT INTO clusters (cluster_id, nombre, departamento, sector, entidad_gestora, "
            "entidad_gestora_tipo, updated_at) VALUES ('x', 'X', 'Huila', 'servicios', 'C', "
            "'gremio', '2021-01-01');"
            "INSERT INTO campaigns (campaign_id, reference_year, opens_at, closes_at, state, "
            "created_at) VALUES ('2026', 2025, '2026-01-01T00:00:00+00:00', "
            "'2027-01-01T00:00:00+00:00', 'open', '2026-01-01T00:00:00+00:00');"
            "INSERT INTO members (cluster_id, user_id, chat_id, name, role, registered_at, "
            "consent_at, chosen) VALUES ('x', 5, 50, 'Ana', 'manager', "
            "'2026-01-02T00:00:00+00:00', '2026-01-02T00:00:00+00:00', 1);"
            "INSERT INTO responses (cluster_id, campaign_id, questionnaire_version, created_at, "
            "updated_at, cursor_question, cursor_mode, pending, shown_question, shown_message) "
            "VALUES ('x', '2026', '1', '2026-01-03T00:00:00+00:00', "
            "'2026-01-03T00:00:00+00:00', 'q2', 'walk', '{\"question\": \"q2\"}', 'q2', 77);"
            "INSERT INTO answers (response_id, question_id, value, answered_at, answered_by) "
            "VALUES (1, 'q1', '5', '2026-01-03T00:00:00+00:00', 5);"
        )
        conn.commit()

    async def check() -> None:
        s = await Storage.open(path)
        try:
            r = await s.get_response("x", "2026")
            assert r is not None
            assert (r.cursor_question, r.cursor_mode, r.pending) == (
                "q2",
                "walk",
                {"question": "q2"},
            )
            assert (r.shown_question, r.shown_message, r.shown_at, r.cursor_of) == (
                "q2",
                77,
                None,
                None,
            )
            assert await s.answers(r.response_id) == {"q1": 5}
            assert (await s.manager_for_user(5)).role == "manager"  # type: ignore[union-attr]
            assert not await s.collaborators_send("x")
        finally:
            await s.close()

    asyncio.run(check())
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert conn.execute("SELECT count(*) FROM cursors").fetchone()[0] == 0
        (value,) = conn.execute("SELECT value FROM answers").fetchone()
        assert json.loads(value) == 5


async def test_a_file_awaited_by_one_person_is_never_taken_from_another(storage):
    rid = await _team(storage)
    await storage.await_evidence(rid, "q1", 9)
    assert await storage.awaited_evidence(rid, 7) is None  # Ana's file is not Caro's evidence
    assert await storage.awaited_evidence(rid, 9) == "q1"


async def test_the_exports_historial_says_who_gave_each_answer_of_a_shared_response(storage):
    import csv
    import io
    import zipfile

    from bot.questionnaire.loader import load_questionnaire
    from bot.services.exports import export

    rid = await _team(storage)
    await storage.save_answers(rid, {"empresas_vinculadas": 180}, user_id=7)
    await storage.save_answers(rid, {"empresas_vinculadas": 175}, user_id=9, cursor_of=9)
    made = await export(storage, load_questionnaire(), "2026", "csv")
    with zipfile.ZipFile(io.BytesIO(made.data)) as zf:
        text = zf.read("historial.csv").decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    picked = [dict(zip(header, r, strict=True)) for r in rows]
    assert [
        (r["quien"], r["pregunta_id"], r["valor_anterior"], r["valor_nuevo"]) for r in picked
    ] == [
        ("7", "empresas_vinculadas", "", "180"),
        ("9", "empresas_vinculadas", "180", "175"),
    ]


async def test_ticks_of_one_person_never_show_on_the_others_keyboard(world):  # noqa: F811
    from bot.conversation.sharing import Sharing
    from tests.test_conversation import callbacks as pressed

    ana = await world.registered()
    await ana.answer(example("consolidado")["enfoque_segmentos"])  # now on a multi question
    multi = ana.current
    assert multi == "inteligencia_actividades"
    out = await Sharing(world.survey).share(1001, "ssme_bot", "colabora-0001")
    assert "start=colabora-0001" in out[0].text  # type: ignore[union-attr]
    caro = world.phone(3003, name="Caro")
    await caro.register("colabora-0001")
    assert caro.current == multi  # the question nobody answered yet
    ticked = await caro.press(cb.Toggle(multi, "benchmarking"))  # Caro ticks, not «Listo»
    assert any(b.label.startswith("✅") for a in ticked for row in a.buttons for b in row)  # type: ignore[union-attr]
    again = await world.survey.resume(1001)
    shown = [a for a in again if isinstance(a, Send) and a.shows is not None][-1]
    assert cb.Toggle(multi, "benchmarking") in pressed(shown)
    labels = [b.label for row in shown.buttons for b in row]
    assert not any(label.startswith("✅") for label in labels), labels  # not Caro's tick
