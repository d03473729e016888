"""Updates to the bot: the queue, ``getUpdates`` (long polling) and webhook delivery."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import deque
from typing import Any

import httpx

from local_botapi.state import LongPoll, PendingUpdate, ServerState, Webhook
from local_botapi.transport import ApiError, dumps, maybe_float, maybe_int, maybe_str, truthy


def _update_chat(update: dict[str, Any]) -> int:
    for key in ("message", "edited_message", "callback_query"):
        part = update.get(key)
        if isinstance(part, dict):
            user = part.get("from") or (part.get("chat") or {})
            return int(user.get("id", 0))
    return 0


class Updates(ServerState):
    """The update queue and its two consumers: long polling and a webhook."""

    def _api_get_updates_now(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        if self._webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = maybe_int(params.get("offset"))
        limit = min(max(maybe_int(params.get("limit")) or 100, 1), 100)
        timeout = min(max(maybe_float(params.get("timeout")) or 0.0, 0.0), 50.0)
        # A newer getUpdates supersedes an older one (Telegram answers the old one with 409).
        self._poll_generation += 1
        if self._updates_event is not None:
            self._updates_event.set()
        batch = self._take_batch_locked(offset, limit)
        if batch or timeout <= 0 or self._closing:
            return batch
        return LongPoll(self._poll_generation, offset, limit, time.monotonic() + timeout)

    async def _poll(self, poll: LongPoll) -> Any:
        """Wait for updates until the poll's deadline: the batch, or the error to answer."""
        event = self._updates_event
        assert event is not None
        outcome: Any = []
        # The generation bump in _api_get_updates_now set the event: start from a clean state.
        event.clear()
        while True:
            with self._lock:
                if self._poll_generation != poll.generation:
                    outcome = ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; make sure that only "
                        "one bot instance is running",
                    )
                    break
                if self._webhook is not None:
                    break
                outcome = self._take_batch_locked(poll.offset, poll.limit)
            remaining = poll.deadline - time.monotonic()
            if outcome or remaining <= 0 or self._closing:
                break
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await event.wait()
            event.clear()
        return outcome

    def _take_batch_locked(self, offset: int | None, limit: int) -> list[dict[str, Any]]:
        pending = self._pending
        if offset is not None and offset < 0:
            while len(pending) > -offset:
                pending.popleft()
        elif offset:
            # Delivered updates always form a prefix of the queue (a batch is a prefix), so
            # confirming is popping from the left. Never-delivered entries below the offset are
            # re-deliveries injected on purpose and are kept.
            while pending and pending[0].delivered and pending[0].update_id < offset:
                pending.popleft()
        batch: list[dict[str, Any]] = []
        last_id: int | None = None
        for entry in pending:
            # Stop before an id goes backwards (a re-delivery): PTB confirms with the last id
            # of the batch + 1, which must cover every update in the batch.
            if len(batch) >= limit or (last_id is not None and entry.update_id <= last_id):
                break
            if not entry.delivered:
                entry.delivered = True
                self._counters["updates_delivered"] += 1
            batch.append(entry.update)
            last_id = entry.update_id
        return batch

    def _enqueue_locked(self, payload: dict[str, Any], update_id: int | None = None) -> int:
        if update_id is None:
            update_id = self._next_update_id
        self._next_update_id = max(self._next_update_id, update_id + 1)
        update = {"update_id": update_id, **payload}
        self._all_updates[update_id] = update
        self._pending.append(PendingUpdate(next(self._order), update_id, update))
        self._counters["updates_injected"] += 1
        self._signal_updates_locked()
        return update_id

    def _signal_updates_locked(self) -> None:
        loop, event = self._loop, self._updates_event
        if loop is None or event is None or not self._running:
            return
        if threading.get_ident() == self._thread_id:
            event.set()
        else:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)

    def _start_webhook_locked(self, webhook: Webhook) -> None:
        self._stop_webhook_locked()
        self._webhook = webhook
        loop = self._loop
        assert loop is not None
        if self._webhook_client is None:
            # trust_env=False: a proxy from the environment must never see loopback traffic.
            self._webhook_client = httpx.AsyncClient(
                trust_env=False,
                timeout=10.0,
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=100),
            )
        self._webhook_queues = [asyncio.Queue() for _ in range(webhook.max_connections)]
        self._webhook_tasks = [
            loop.create_task(self._webhook_worker(queue, webhook)) for queue in self._webhook_queues
        ]
        self._webhook_tasks.append(loop.create_task(self._webhook_dispatcher()))

    def _stop_webhook_locked(self) -> None:
        self._webhook = None
        for task in self._webhook_tasks:
            task.cancel()
        self._webhook_tasks = []
        self._webhook_queues = []
        self._signal_updates_locked()  # a waiting long poll may proceed now

    async def _webhook_dispatcher(self) -> None:
        event = self._updates_event
        assert event is not None
        while True:
            event.clear()
            with self._lock:
                queues = self._webhook_queues
                items = list(self._pending)
                self._pending.clear()
            for item in items:
                # Same chat → same worker, so one user's updates arrive in order while different
                # users are delivered concurrently (as with Telegram's max_connections).
                queues[hash(_update_chat(item.update)) % len(queues)].put_nowait(item)
            if not items:
                await event.wait()

    async def _webhook_worker(self, queue: asyncio.Queue[PendingUpdate], hook: Webhook) -> None:
        current: PendingUpdate | None = None
        try:
            while True:
                current = await queue.get()
                await self._deliver(current, hook)
                current = None
        except asyncio.CancelledError:
            leftovers = [current] if current is not None else []
            while not queue.empty():
                leftovers.append(queue.get_nowait())
            with self._lock:
                # Undelivered updates go back in front of the queue for the next consumer.
                merged = sorted([*leftovers, *self._pending], key=lambda p: p.order)
                self._pending = deque(merged)
                self._signal_updates_locked()
            raise

    async def _deliver(self, item: PendingUpdate, hook: Webhook) -> None:
        client = self._webhook_client
        assert client is not None
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        body = dumps(item.update)
        backoff = 0.05
        while True:
            error: str | None
            try:
                response = await client.post(hook.url, content=body, headers=headers)
                ok = 200 <= response.status_code < 300
                error = None if ok else f"Wrong response from the webhook: {response.status_code}"
            except httpx.HTTPError as exc:
                error = f"Connection failed: {exc!r}"
            with self._lock:
                if error is None:
                    self._counters["webhook_deliveries"] += 1
                    self._counters["updates_delivered"] += 1
                    return
                self._counters["webhook_errors"] += 1
                hook.last_error_date = int(time.time())
                hook.last_error_message = error
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 1.0)

    def _api_delete_webhook(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        if truthy(params.get("drop_pending_updates")):
            self._pending.clear()
        self._stop_webhook_locked()
        return True

    def _api_set_webhook(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        url = str(params.get("url") or "")
        if truthy(params.get("drop_pending_updates")):
            self._pending.clear()
        if not url:
            self._stop_webhook_locked()
            return True
        if not url.startswith(("http://", "https://")):
            raise ApiError(400, "Bad Request: bad webhook: HTTPS url must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None:
            secret = str(secret)
            allowed = all(c.isascii() and (c.isalnum() or c in "_-") for c in secret)
            if not 1 <= len(secret) <= 256 or not allowed:
                raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        max_connections = min(max(maybe_int(params.get("max_connections")) or 40, 1), 100)
        allowed_updates = params.get("allowed_updates")
        self._start_webhook_locked(
            Webhook(
                url=url,
                secret_token=secret,
                max_connections=max_connections,
                allowed_updates=allowed_updates if isinstance(allowed_updates, list) else None,
                ip_address=maybe_str(params.get("ip_address")),
            )
        )
        return True

    def _api_get_webhook_info(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        hook = self._webhook
        pending = len(self._pending) + sum(q.qsize() for q in self._webhook_queues)
        info: dict[str, Any] = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": pending,
        }
        if hook is not None:
            info["max_connections"] = hook.max_connections
            if hook.ip_address:
                info["ip_address"] = hook.ip_address
            if hook.allowed_updates is not None:
                info["allowed_updates"] = hook.allowed_updates
            if hook.last_error_date is not None:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info
