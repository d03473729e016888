"""The registry of cluster initiatives (imported from the network's CSV)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from bot.storage import audit
from bot.storage.base import StorageBase
from bot.storage.rows import Cluster

CLUSTER_COLUMNS = tuple(Cluster.__dataclass_fields__)


class Clusters(StorageBase):
    async def upsert_clusters(self, clusters: Iterable[Cluster], actor: str | int) -> int:
        """Insert or update every cluster in one transaction: all or nothing."""
        rows = [tuple(getattr(c, k) for k in CLUSTER_COLUMNS) for c in clusters]
        cols = ", ".join(CLUSTER_COLUMNS)
        marks = ", ".join("?" * len(CLUSTER_COLUMNS))
        updates = ", ".join(f"{k} = excluded.{k}" for k in CLUSTER_COLUMNS[1:])
        now = self._now()

        def work(db: sqlite3.Connection) -> None:
            db.executemany(
                f"INSERT INTO clusters ({cols}, updated_at) VALUES ({marks}, ?) "
                f"ON CONFLICT (cluster_id) DO UPDATE SET {updates}, updated_at = excluded.updated_at",
                [(*r, now) for r in rows],
            )
            audit.record(db, now, actor, "import_clusters", None, {"rows": len(rows)})

        await self._writes(work)
        return len(rows)

    async def get_cluster(self, cluster_id: str) -> Cluster | None:
        row = await self._one(
            f"SELECT {', '.join(CLUSTER_COLUMNS)} FROM clusters WHERE cluster_id = ?", (cluster_id,)
        )
        return Cluster(**dict(row)) if row else None

    async def list_clusters(self) -> list[Cluster]:
        rows = await self._all(
            f"SELECT {', '.join(CLUSTER_COLUMNS)} FROM clusters ORDER BY cluster_id"
        )
        return [Cluster(*r) for r in rows]  # the columns are selected in field order
