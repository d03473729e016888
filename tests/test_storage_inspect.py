"""Database files looked at from outside the bot (bot.storage.inspect): ssme check, restores."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import timedelta

import pytest

from bot.cli import main
from bot.local import DEMO_CLUSTER
from bot.services.backup import BackupError, restore
from bot.storage import MIGRATIONS, Storage, inspect, utcnow
from tests.e2e import OTHER_CLUSTER


async def _database(path) -> Storage:
    s = await Storage.open(path)
    await s.upsert_clusters([DEMO_CLUSTER, OTHER_CLUSTER], "t")
    now = utcnow()
    await s.create_campaign("2021", 2021, now, now + timedelta(days=9), state="open")
    await s.create_campaign("2020", 2020, now - timedelta(days=400), now - timedelta(days=300))
    rid = (await s.start_response(DEMO_CLUSTER.cluster_id, "2021", "v1", 1)).response_id
    await s.save_answer(rid, "a", 1, user_id=1)
    await s.save_answer(rid, "b", 2, user_id=1)
    return s


async def test_a_good_file_even_while_the_bot_has_it_open(tmp_path):
    path = tmp_path / "ssme.db"
    storage = await _database(path)
    try:
        before = path.read_bytes()
        with inspect.DatabaseFile(path) as db:
            assert db.integrity() == "ok"
            assert db.schema_version() == len(MIGRATIONS)
            assert (db.count("clusters"), db.count("responses"), db.count("answers")) == (2, 1, 2)
            assert db.open_campaigns() == ["2021"]
        assert path.read_bytes() == before, "read-only"
        assert inspect.leave_wal(path) is False, "the bot has it open"
    finally:
        await storage.close()
    assert inspect.leave_wal(path) is True
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_a_missing_file_is_not_created(tmp_path):
    with pytest.raises(inspect.DatabaseError):
        inspect.DatabaseFile(tmp_path / "none.db")
    assert not (tmp_path / "none.db").exists()


def test_a_garbage_file(tmp_path, monkeypatch, capsys):
    path = tmp_path / "garbage.db"
    path.write_bytes(b"not a database at all" * 100)
    with (
        pytest.raises(inspect.DatabaseError, match="not a database"),
        inspect.DatabaseFile(path) as db,
    ):
        db.integrity()
    monkeypatch.setenv("SSME_DB_PATH", str(path))
    assert main(["check"]) == 2
    assert f"✘ no se puede leer {path}: file is not a database" in capsys.readouterr().out


async def test_a_newer_schema_version(tmp_path, monkeypatch, capsys):
    path = tmp_path / "ssme.db"
    await (await _database(path)).close()
    with closing(sqlite3.connect(path)) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with inspect.DatabaseFile(path) as db:
        assert db.schema_version() == len(MIGRATIONS) + 1
        assert db.integrity() == "ok"
    with pytest.raises(BackupError, match="más nuevo que este programa"):
        restore(path, tmp_path / "restored.db")
    assert not (tmp_path / "restored.db").exists()
    monkeypatch.setenv("SSME_DB_PATH", str(path))
    assert main(["check"]) == 2
    out = capsys.readouterr().out
    assert f"✘ esquema {len(MIGRATIONS) + 1} más nuevo que este programa" in out
    assert "✔ base de datos" in out and "clústeres en el registro: 2" in out
