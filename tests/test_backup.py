"""Backups of the live database under write load, and restoring them."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from bot.cli import main
from bot.local import DEMO_CLUSTER
from bot.services.backup import BackupError, backup, restore
from bot.storage import Storage, utcnow


async def test_backup_under_write_load_is_consistent_and_restores(tmp_path):
    db_path = tmp_path / "live.db"
    storage = await Storage.open(db_path)
    await storage.upsert_clusters([DEMO_CLUSTER], "t")
    from datetime import timedelta

    await storage.create_campaign(
        "2021", 2021, utcnow() - timedelta(days=1), utcnow() + timedelta(days=1)
    )
    rid = (await storage.start_response(DEMO_CLUSTER.cluster_id, "2021", "v", 1)).response_id
    stop = asyncio.Event()

    async def writer() -> int:
        # Each commit writes an answer and drops the previous one: a torn copy would show two.
        n = 0
        while not stop.is_set():
            await storage.save_answer(
                rid, f"q{n}", n, dropped=[f"q{n - 1}"] if n else [], user_id=1
            )
            n += 1
            await asyncio.sleep(0)
        return n

    task = asyncio.create_task(writer())
    copies = []
    for i in range(5):
        await asyncio.sleep(0.05)
        copies.append(await asyncio.to_thread(backup, db_path, tmp_path / f"copy{i}.db"))
    stop.set()
    written = await task
    await storage.close()
    assert written > 20
    for info in copies:
        with sqlite3.connect(info.path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("SELECT count(*) FROM answers").fetchone()[0] == 1, "one snapshot"
    last = max(copies, key=lambda c: c.path.stat().st_mtime)
    with sqlite3.connect(last.path) as conn:
        (question,) = conn.execute("SELECT question_id FROM answers").fetchone()

    restored = tmp_path / "restored" / "ssme.db"
    info, kept = restore(last.path, restored)
    assert kept is None and info.answers == 1
    reopened = await Storage.open(restored)
    assert list((await reopened.answers(rid)).keys()) == [question]
    assert await reopened.integrity_check() == "ok"
    await reopened.close()


async def test_restore_refuses_while_the_database_is_in_use_and_keeps_the_old_one(tmp_path):
    live = tmp_path / "ssme.db"
    storage = await Storage.open(live)
    await storage.upsert_clusters([DEMO_CLUSTER], "t")
    copy = await asyncio.to_thread(backup, live, tmp_path)
    assert copy.path.name.startswith("ssme-") and copy.path.parent == tmp_path
    with pytest.raises(BackupError, match="está en uso"):
        await asyncio.to_thread(restore, copy.path, live)
    await storage.close()
    _, kept = await asyncio.to_thread(restore, copy.path, live)
    assert kept is not None and kept.exists()


def test_cli_backup_and_restore(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SSME_DB_PATH", str(tmp_path / "ssme.db"))
    assert main(["backup", str(tmp_path / "b.db")]) == 2
    assert "no existe la base de datos" in capsys.readouterr().err
    asyncio.run(_make(tmp_path / "ssme.db"))
    assert main(["backup", str(tmp_path / "b.db")]) == 0
    assert "Verificada" in capsys.readouterr().out
    (tmp_path / "garbage.db").write_bytes(b"not a database at all" * 100)
    assert main(["restore", str(tmp_path / "garbage.db")]) == 2
    assert "garbage.db" in capsys.readouterr().err
    assert main(["restore", str(tmp_path / "b.db")]) == 0
    assert "La base anterior quedó en" in capsys.readouterr().out


async def _make(path):
    storage = await Storage.open(path)
    await storage.close()
