"""The real bot against the local Bot API server: used by the demo, the tests and the benchmarks."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.app import build_application
from bot.services.invitations import invitation_expiry, new_token
from bot.storage import Cluster, Storage, utcnow
from config import Settings
from local_botapi.server import BotApiServer

if TYPE_CHECKING:
    from bot.handlers.context import SsmeApplication

DEMO_CLUSTER = Cluster(
    cluster_id="demo_cafe_huila",
    nombre="Clúster de Cafés Especiales del Huila",
    departamento="Huila",
    municipio="Neiva",
    sector="agroindustria",
    subsector="café",
    entidad_gestora="Cámara de Comercio del Huila",
    entidad_gestora_tipo="camara_comercio",
    anio_creacion=2014,
    estado="activa",
)


@dataclass
class Seeded:
    campaign_id: str
    tokens: dict[str, str]  # cluster id → invitation code


async def seed(
    db_path: Path,
    clusters: list[Cluster],
    *,
    campaign_id: str = "2021",
    reference_year: int = 2021,
    opens: datetime | None = None,
    closes: datetime | None = None,
    state: str = "open",
) -> Seeded:
    """Register clusters, an open campaign and one invitation per cluster."""
    storage = await Storage.open(db_path)
    try:
        await storage.upsert_clusters(clusters, "seed")
        if await storage.get_campaign(campaign_id) is None:
            now = utcnow()
            await storage.create_campaign(
                campaign_id,
                reference_year,
                opens or now - timedelta(days=1),
                closes or now + timedelta(days=30),
                state=state,
                actor="seed",
            )
        tokens = {}
        for cluster in clusters:
            tokens[cluster.cluster_id] = new_token()
            await storage.create_invitation(
                cluster.cluster_id, tokens[cluster.cluster_id], invitation_expiry(), "seed"
            )
    finally:
        await storage.close()
    return Seeded(campaign_id, tokens)


class LocalBot:
    """Start and stop the real Application, polling a local Bot API server."""

    def __init__(self, server: BotApiServer, db_path: Path, **settings: Any) -> None:
        self.server = server
        self.db_path = db_path
        self.overrides = settings
        self.app: SsmeApplication | None = None
        self.replied = 0  # updates whose handling has ended (see start)
        self._replied = asyncio.Event()

    @property
    def settings(self) -> Settings:
        values: dict[str, Any] = {
            "telegram_token": self.server.token,
            "telegram_api_url": self.server.base_url,
            "db_path": self.db_path,
            "bot_username": "ssme_demo_bot",
            "chart_workers": 0,
        }
        values.update(self.overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    async def start(self) -> SsmeApplication:
        app = build_application(self.settings)
        await app.initialize()
        # run_polling would call these hooks; started by hand, they are ours to call.
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1, drop_pending_updates=False)
        self.app = app
        # Every update's handling ends with ``Storage.mark_replied`` (after its last reply was
        # sent, or when it is dropped): counted here, that tells the demo when the bot is done
        # with what was typed, however long a chart or a document takes.
        storage = app.bot_data.storage
        mark = storage.mark_replied

        def counted(update_id: int) -> asyncio.Future[None]:
            self.replied += 1
            self._replied.set()
            return mark(update_id)

        storage.mark_replied = counted  # type: ignore[method-assign]
        return app

    async def wait_replied(self, count: int, within: float) -> bool:
        """Wait until ``count`` updates have been handled in all; False after ``within`` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while self.replied < count:
            self._replied.clear()
            left = deadline - loop.time()
            if left <= 0:
                return False
            try:
                await asyncio.wait_for(self._replied.wait(), left)
            except TimeoutError:
                return self.replied >= count
        return True

    async def stop(self) -> None:
        app, self.app = self.app, None
        if app is None:
            return
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)

    async def __aenter__(self) -> LocalBot:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
