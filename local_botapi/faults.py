"""Faults and limits: injected 429/5xx/403/delay/drop, blocked users, rate limits."""

from __future__ import annotations

import time
from collections import deque
from http import HTTPStatus
from typing import Any

from local_botapi.records import FaultKind
from local_botapi.state import Fault, ServerState
from local_botapi.transport import ApiError, maybe_int

_SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument"})

_EDIT_METHODS = frozenset({"editMessageText", "editMessageCaption", "editMessageReplyMarkup"})

_RATE_LIMITED_METHODS = _SEND_METHODS | _EDIT_METHODS

_BLOCKABLE_METHODS = _RATE_LIMITED_METHODS | {"sendChatAction"}


def _window_allows(times: deque[float], now: float, rate: float) -> bool:
    """Sliding-window limiter: at most ``rate`` events per second (one per 1/rate if < 1)."""
    window, allowed = (1.0, int(rate)) if rate >= 1 else (1.0 / rate, 1)
    while times and now - times[0] >= window:
        times.popleft()
    return len(times) < allowed


def fault_error(fault: Fault) -> ApiError:
    if fault.kind == "429":
        return ApiError(
            429, f"Too Many Requests: retry after {fault.retry_after}", fault.retry_after
        )
    if fault.kind == "403":
        return ApiError(403, "Forbidden: bot was blocked by the user")
    try:
        phrase = HTTPStatus(fault.status).phrase
    except ValueError:
        phrase = "Server Error"
    return ApiError(fault.status, phrase)


class Faults(ServerState):
    """Which request gets which fault, and the limits every request is checked against."""

    def _request_chat_locked(self, method: str, params: dict[str, Any]) -> int | None:
        chat_id = maybe_int(params.get("chat_id"))
        if chat_id is None and method == "answerCallbackQuery":
            state = self._callbacks.get(str(params.get("callback_query_id")))
            chat_id = state.chat_id if state else None
        return chat_id

    def _take_fault_locked(self, method: str, chat_id: int | None) -> Fault | None:
        lowered = method.lower()
        for index, fault in enumerate(self._faults):
            if fault.method is None:
                # An unqualified fault must not hit the background long poll, or tests that
                # fault "the next send" would race with getUpdates.
                if lowered == "getupdates":
                    continue
            elif fault.method != lowered:
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            fault.remaining -= 1
            if fault.remaining <= 0:
                del self._faults[index]
            self._counters["faults_applied"] += 1
            return fault
        return None

    def _check_limits_locked(self, method: str, chat_id: int | None) -> None:
        if chat_id is not None and chat_id in self._blocked and method in _BLOCKABLE_METHODS:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if method not in _RATE_LIMITED_METHODS:
            return
        now = time.monotonic()
        global_limit = self.rate_limit_per_second
        if global_limit is not None and not _window_allows(
            self._global_send_times, now, global_limit
        ):
            self._counters["rate_limited"] += 1
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        chat = self._chat_locked(chat_id) if (self.per_chat_limit and chat_id is not None) else None
        if chat is not None and not _window_allows(chat.send_times, now, self.per_chat_rate):
            self._counters["rate_limited"] += 1
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        if global_limit is not None:
            self._global_send_times.append(now)
        if chat is not None:
            chat.send_times.append(now)

    def inject_fault(
        self,
        kind: FaultKind,
        *,
        method: str | None = None,
        chat_id: int | None = None,
        count: int = 1,
        retry_after: int = 1,
        delay: float = 0.5,
        status: int = 502,
    ) -> None:
        """The next ``count`` matching requests get the fault.

        ``method=None`` matches every method except ``getUpdates`` (name it explicitly to
        fault the poll); ``chat_id`` restricts to requests for that chat. Kinds: "429"
        (retry_after), "5xx" (``status``), "delay" (then a normal answer), "403" (bot blocked),
        "drop" (connection closed without an answer), "redirect" (a 307 to the same address, so
        a client following it loops while the fault lasts).
        """
        if kind not in ("429", "5xx", "delay", "403", "drop", "redirect"):
            raise ValueError(f"unknown fault kind {kind!r}")
        if count < 1:
            raise ValueError("count must be >= 1")
        if kind == "5xx" and not 500 <= status <= 599:
            raise ValueError("status must be 5xx")
        fault = Fault(
            kind=kind,
            method=method.lower() if method else None,
            chat_id=chat_id,
            remaining=count,
            retry_after=retry_after,
            delay=delay,
            status=status,
        )
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        """Forget injected faults not yet used (blocked users stay blocked)."""
        with self._lock:
            self._faults.clear()

    def block_user(self, chat_id: int) -> None:
        """Every send/edit/chat action to this chat answers 403 until unblocked."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock_user(self, chat_id: int) -> None:
        with self._lock:
            self._blocked.discard(chat_id)
