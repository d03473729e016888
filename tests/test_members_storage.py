"""Issue 16's foundation: a person holds several clusters, each in a role (``members``)."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from datetime import timedelta

import pytest

from bot.local import DEMO_CLUSTER
from bot.storage import MIGRATIONS, Redeem, Storage, utcnow
from tests.conftest import schema_before
from tests.e2e import OTHER_CLUSTER


@pytest.fixture
async def storage(tmp_path):
    s = await Storage.open(tmp_path / "ssme.db")
    await s.upsert_clusters([DEMO_CLUSTER, OTHER_CLUSTER], "t")
    yield s
    await s.close()


async def _invite(s: Storage, cluster: str, token: str, role: str = "manager") -> None:
    await s.create_invitation(cluster, token, utcnow() + timedelta(days=1), "t", role=role)


async def test_a_second_cluster_keeps_the_first_and_the_person_stands_on_the_latest(storage):
    await _invite(storage, DEMO_CLUSTER.cluster_id, "codigo-uno-111")
    await _invite(storage, OTHER_CLUSTER.cluster_id, "codigo-dos-222")
    assert (await storage.redeem_invitation("codigo-uno-111", 7, 70, "Ana")).outcome is Redeem.OK
    assert (await storage.redeem_invitation("codigo-dos-222", 7, 70, "Ana")).outcome is Redeem.OK

    held = await storage.memberships(7)
    assert [m.cluster_id for m in held] == [OTHER_CLUSTER.cluster_id, DEMO_CLUSTER.cluster_id]
    assert {m.role for m in held} == {"manager"}
    assert (await storage.manager_for_user(7)).cluster_id == OTHER_CLUSTER.cluster_id
    assert (await storage.cluster_manager(DEMO_CLUSTER.cluster_id)).user_id == 7  # still held

    assert await storage.choose_cluster(7, DEMO_CLUSTER.cluster_id)
    assert (await storage.manager_for_user(7)).cluster_id == DEMO_CLUSTER.cluster_id
    assert not await storage.choose_cluster(8, DEMO_CLUSTER.cluster_id)  # not theirs


async def test_a_new_manager_replaces_the_previous_one_who_is_returned_to_be_told(storage):
    await _invite(storage, DEMO_CLUSTER.cluster_id, "codigo-uno-111")
    await _invite(storage, DEMO_CLUSTER.cluster_id, "codigo-dos-222")
    await _invite(storage, OTHER_CLUSTER.cluster_id, "codigo-tre-333")
    await storage.redeem_invitation("codigo-uno-111", 7, 70, "Ana")
    await storage.redeem_invitation("codigo-tre-333", 7, 70, "Ana")
    redeemed = await storage.redeem_invitation("codigo-dos-222", 8, 80, "Beto")
    assert redeemed.replaced is not None and redeemed.replaced.chat_id == 70
    assert (await storage.cluster_manager(DEMO_CLUSTER.cluster_id)).user_id == 8
    assert [m.cluster_id for m in await storage.memberships(7)] == [OTHER_CLUSTER.cluster_id]
    entry = next(e for e in await storage.audit_log() if e.action == "manager_replaced")
    assert entry.actor == "8" and entry.detail == {"previous_user": 7}


async def test_a_collaborator_joins_beside_the_manager_and_never_replaces_them(storage, tmp_path):
    await _invite(storage, DEMO_CLUSTER.cluster_id, "codigo-uno-111")
    await _invite(storage, DEMO_CLUSTER.cluster_id, "codigo-col-222", role="collaborator")
    await storage.redeem_invitation("codigo-uno-111", 7, 70, "Ana")
    redeemed = await storage.redeem_invitation("codigo-col-222", 9, 90, "Caro")
    assert redeemed.outcome is Redeem.OK and redeemed.role == "collaborator"
    assert redeemed.replaced is None
    members = await storage.cluster_members(DEMO_CLUSTER.cluster_id)
    assert [(m.user_id, m.role) for m in members] == [(7, "manager"), (9, "collaborator")]
    assert (await storage.cluster_manager(DEMO_CLUSTER.cluster_id)).user_id == 7
    # One manager per cluster, whatever writes: the schema says so.
    with (
        closing(sqlite3.connect(tmp_path / "ssme.db")) as conn,
        pytest.raises(sqlite3.IntegrityError),
    ):
        conn.execute(
            "UPDATE members SET role = 'manager' WHERE user_id = 9 AND cluster_id = ?",
            (DEMO_CLUSTER.cluster_id,),
        )


def test_the_migration_makes_each_manager_a_member_with_their_data_intact(tmp_path):
    path = tmp_path / "v9.db"
    with closing(sqlite3.connect(path)) as conn:
        schema_before(conn, "CREATE TABLE members")
        conn.executescript(
            "INSERT INTO clusters (cluster_id, nombre, departamento, sector, entidad_gestora, "
            "entidad_gestora_tipo, updated_at) VALUES ('x', 'X', 'Huila', 'servicios', 'C', "
            "'gremio', '2021-01-01'), ('y', 'Y', 'Cauca', 'servicios', 'C', 'gremio', "
            "'2021-01-01');"
            "INSERT INTO managers (cluster_id, user_id, chat_id, name, registered_at, "
            "consent_at, consent_version, unreachable_at) VALUES "
            "('x', 5, 50, 'Ana', '2021-01-02T00:00:00+00:00', '2021-01-03T00:00:00+00:00', "
            "'v1', NULL), ('y', 5, 50, 'Ana', '2021-02-02T00:00:00+00:00', NULL, NULL, "
            "'2021-03-01T00:00:00+00:00');"
            "INSERT INTO invitations (token, cluster_id, created_at, expires_at, created_by) "
            "VALUES ('codigo-uno-111', 'x', '2021-01-01', '2031-01-01', 'cli');"
        )
        conn.commit()

    async def check() -> None:
        s = await Storage.open(path)
        try:
            held = await s.memberships(5)
            assert [(m.cluster_id, m.role, m.chat_id, m.name) for m in held] == [
                ("y", "manager", 50, "Ana"),  # registered last: stood on, as before
                ("x", "manager", 50, "Ana"),
            ]
            assert held[1].consent_at is not None and held[0].consent_at is None
            assert held[0].unreachable and not held[1].unreachable
            data = await s.personal_data(5)
            assert [r.consent_version for r in data.managers] == ["v1", None]
        finally:
            await s.close()

    asyncio.run(check())
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert conn.execute("SELECT count(*) FROM managers").fetchone()[0] == 2  # the view
        assert conn.execute("SELECT role FROM invitations").fetchone()[0] == "manager"


async def test_a_collaborators_link_is_not_the_clusters_open_manager_invitation(storage):
    await _invite(storage, DEMO_CLUSTER.cluster_id, "codigo-col-222", role="collaborator")
    assert DEMO_CLUSTER.cluster_id not in await storage.open_invitations()
    await _invite(storage, DEMO_CLUSTER.cluster_id, "codigo-uno-111")
    assert DEMO_CLUSTER.cluster_id in await storage.open_invitations()
