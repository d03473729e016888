"""The control side, for tests, benchmarks and the demo: user input, reading, the HTTP control.

Every public method is thread-safe and callable from any thread or event loop.
"""

from __future__ import annotations

import base64
import contextlib
import time
from collections.abc import Callable, Iterable
from typing import Any

from tornado import httputil

from local_botapi.entities import utf16_len
from local_botapi.faults import Faults
from local_botapi.markup import inline_buttons
from local_botapi.media import TINY_PNG, image_size, media_fields
from local_botapi.methods import Methods, commands_key
from local_botapi.records import BotEvent, CallbackAnswer, CallRecord, SentMessage
from local_botapi.state import CallbackState
from local_botapi.transport import ApiError, control_body, maybe_int, reply_json, req_int
from local_botapi.updates import Updates


class Control(Methods, Updates, Faults):
    """What a test does to the server: act as users, read what the bot did."""

    def _handle_control(self, request: httputil.HTTPServerRequest, action: str) -> None:
        try:
            body = control_body(request)
            if action == "sent":
                chat_id = maybe_int(body.get("chat_id"))
                since = maybe_int(body.get("since")) or 0
                timeout = float(body.get("timeout") or 0)
                if timeout > 0:
                    self._spawn(self._control_sent_wait(request, chat_id, since, timeout))
                    return
                result: Any = self._control_sent(chat_id, since)
            elif action == "text":
                result = {
                    "update_id": self.send_text(
                        req_int(body, "user_id"),
                        str(body["text"]),
                        first_name=str(body.get("first_name") or "Usuario"),
                    )
                }
            elif action == "press":
                user_id = req_int(body, "user_id")
                if "label" in body:
                    cq_id = self.press_button_text(user_id, str(body["label"]))
                else:
                    cq_id = self.press_button(
                        user_id, req_int(body, "message_id"), str(body["data"])
                    )
                result = {"callback_query_id": cq_id}
            elif action == "document":
                result = {
                    "update_id": self.send_document(
                        req_int(body, "user_id"),
                        str(body["filename"]),
                        base64.b64decode(str(body["content_b64"])),
                        caption=body.get("caption"),
                        mime_type=str(body.get("mime_type") or "text/csv"),
                    )
                }
            elif action == "update":
                result = {"update_id": self.inject_update(body)}
            elif action == "fault":
                kind = str(body.get("kind"))
                self.inject_fault(
                    kind,  # type: ignore[arg-type]  # validated by inject_fault
                    method=body.get("method"),
                    chat_id=maybe_int(body.get("chat_id")),
                    count=int(body.get("count", 1)),
                    retry_after=int(body.get("retry_after", 1)),
                    delay=float(body.get("delay", 0.5)),
                    status=int(body.get("status", 502)),
                )
                result = True
            elif action == "clear_faults":
                self.clear_faults()
                result = True
            elif action == "block":
                chat_id = req_int(body, "chat_id")
                if body.get("blocked", True) in (False, "false", "0", 0):
                    self.unblock_user(chat_id)
                else:
                    self.block_user(chat_id)
                result = True
            elif action == "stats":
                result = self.stats()
            else:
                reply_json(request, 404, ApiError(404, "Not Found").payload())
                return
        except (KeyError, ValueError, TypeError, LookupError) as exc:
            error = ApiError(400, f"Bad Request: {exc}")
            reply_json(request, 400, error.payload())
            return
        reply_json(request, 200, {"ok": True, "result": result})

    def _control_sent(self, chat_id: int | None, since: int) -> dict[str, Any] | None:
        with self._lock:
            events = self._events_after_locked(chat_id, since)
            seen: dict[int, SentMessage] = {}
            for event in events:
                seen[id(event.message)] = event.message
            return {"cursor": len(self._events), "messages": [m.to_json() for m in seen.values()]}

    async def _control_sent_wait(
        self, request: httputil.HTTPServerRequest, chat_id: int | None, since: int, wait: float
    ) -> None:
        def check() -> bool | None:
            return True if self._events_after_locked(chat_id, since) or self._closing else None

        with contextlib.suppress(TimeoutError):
            await self._wait_async(check, chat_id, wait, "control sent")
        reply_json(request, 200, {"ok": True, "result": self._control_sent(chat_id, since)})

    def _user_message_locked(
        self, user_id: int, first_name: str | None, content: dict[str, Any]
    ) -> dict[str, Any]:
        chat = self._chat_locked(user_id, first_name)
        message_id = chat.next_message_id
        chat.next_message_id += 1
        message = {
            "message_id": message_id,
            "from": self._user_locked(chat),
            "chat": self._chat_dict(chat),
            "date": int(time.time()),
            **content,
        }
        chat.user_messages[message_id] = message
        return message

    def send_text(self, user_id: int, text: str, *, first_name: str = "Usuario") -> int:
        """Inject a private text message from ``user_id``; returns the update_id.

        A leading ``/command`` (optionally ``@botname``) gets a ``bot_command`` entity, so
        ``CommandHandler`` and ``context.args`` work (``/start TOKEN123``).
        """
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        with self._lock:
            message = self._user_message_locked(user_id, first_name, content)
            return self._enqueue_locked({"message": message})

    def press_button(self, user_id: int, message_id: int, data: str) -> str:
        """Inject a callback_query for bot message ``message_id`` in chat ``user_id``.

        The data is not checked against the keyboard, so presses on stale keyboards can be
        simulated. Returns the callback_query id.
        """
        with self._lock:
            chat = self._chats.get(user_id)
            message = chat.bot_messages.get(message_id) if chat else None
            if chat is None or message is None or message.deleted:
                raise LookupError(f"no bot message {message_id} in chat {user_id}")
            query_id = str(4_200_000_000_000_000 + next(self._callback_counter))
            self._callbacks[query_id] = CallbackState(user_id, message_id, data)
            query = {
                "id": query_id,
                "from": self._user_locked(chat),
                "message": self._api_message(message),
                "chat_instance": str(-(abs(user_id) * 7919 + 13)),
                "data": data,
            }
            self._enqueue_locked({"callback_query": query})
            return query_id

    def press_button_text(self, user_id: int, label: str) -> str:
        """Press the inline button labelled ``label`` on the newest bot message that has one.

        Exact label matches win over partial (substring) matches. Raises LookupError listing
        the labels on offer when nothing matches.
        """
        with self._lock:
            chat = self._chats.get(user_id)
            messages = [m for m in reversed(chat.bot_order) if not m.deleted] if chat else []
            for exact in (True, False):
                for message in messages:
                    for button in inline_buttons(message.reply_markup):
                        text = str(button.get("text", ""))
                        if (text == label) if exact else (label in text):
                            data = button.get("callback_data")
                            if data is None:
                                raise LookupError(f"button {text!r} has no callback_data")
                            return self.press_button(user_id, message.message_id, data)
            offered = [m.buttons for m in messages[:3] if m.buttons]
            raise LookupError(
                f"no inline button matching {label!r} in chat {user_id}; newest keyboards: "
                f"{offered}"
            )

    def send_sticker(self, user_id: int, *, emoji: str = "👍", first_name: str = "Usuario") -> int:
        with self._lock:
            stored = self._register_file_locked("sticker", TINY_PNG, "image/webp", None, 512, 512)
            sticker = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": emoji,
                "file_size": stored.size,
            }
            message = self._user_message_locked(user_id, first_name, {"sticker": sticker})
            return self._enqueue_locked({"message": message})

    def send_photo(
        self,
        user_id: int,
        content: bytes | None = None,
        *,
        caption: str | None = None,
        first_name: str = "Usuario",
    ) -> int:
        """Inject a photo from the user (a tiny PNG unless ``content`` is given)."""
        data = content if content is not None else TINY_PNG
        width, height = image_size(data) or (1, 1)
        with self._lock:
            stored = self._register_file_locked("photo", data, "image/jpeg", None, width, height)
            payload: dict[str, Any] = media_fields("photo", stored)
            if caption:
                payload["caption"] = caption
            message = self._user_message_locked(user_id, first_name, payload)
            return self._enqueue_locked({"message": message})

    def send_voice(self, user_id: int, *, duration: int = 3, first_name: str = "Usuario") -> int:
        with self._lock:
            stored = self._register_file_locked("voice", b"OggS\x00fake-voice", "audio/ogg", None)
            voice = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "duration": duration,
                "mime_type": "audio/ogg",
                "file_size": stored.size,
            }
            message = self._user_message_locked(user_id, first_name, {"voice": voice})
            return self._enqueue_locked({"message": message})

    def send_location(
        self,
        user_id: int,
        *,
        latitude: float = 4.7110,
        longitude: float = -74.0721,
        first_name: str = "Usuario",
    ) -> int:
        location = {"latitude": latitude, "longitude": longitude}
        with self._lock:
            message = self._user_message_locked(user_id, first_name, {"location": location})
            return self._enqueue_locked({"message": message})

    def send_document(
        self,
        user_id: int,
        filename: str,
        content: bytes,
        caption: str | None = None,
        mime_type: str = "text/csv",
        *,
        first_name: str = "Usuario",
        size_known: bool = True,
    ) -> int:
        """Inject a document upload; the bot can fetch it with getFile + download.
        ``size_known=False``: no ``file_size`` in the message nor in ``getFile`` (both optional
        in the Bot API)."""
        with self._lock:
            stored = self._register_file_locked("document", content, mime_type, filename)
            stored.size_known = size_known
            # Files the *user* sends must stay downloadable even with store_media=False.
            stored.content = content
            payload = media_fields("document", stored)
            if caption:
                payload["caption"] = caption
            message = self._user_message_locked(user_id, first_name, payload)
            return self._enqueue_locked({"message": message})

    def inject_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update. An explicit ``update_id`` is kept (re-delivery simulation)."""
        if not isinstance(update, dict):
            raise TypeError("update must be a dict")
        payload = {k: v for k, v in update.items() if k != "update_id"}
        update_id = maybe_int(update.get("update_id"))
        with self._lock:
            return self._enqueue_locked(payload, update_id)

    def redeliver(self, update_id: int) -> None:
        """Queue an already injected update again, same update_id (Telegram re-delivery)."""
        with self._lock:
            update = self._all_updates.get(update_id)
            if update is None:
                raise LookupError(f"unknown update_id {update_id}")
            payload = {k: v for k, v in update.items() if k != "update_id"}
            self._enqueue_locked(payload, update_id)

    def sent(self, chat_id: int | None = None) -> list[SentMessage]:
        """Messages the bot sent (oldest first), live records; deleted ones included."""
        with self._lock:
            if chat_id is None:
                return list(self._all_sent)
            chat = self._chats.get(chat_id)
            return list(chat.bot_order) if chat else []

    def last_sent(self, chat_id: int) -> SentMessage | None:
        """The newest not-deleted bot message in the chat."""
        with self._lock:
            chat = self._chats.get(chat_id)
            for message in reversed(chat.bot_order if chat else []):
                if not message.deleted:
                    return message
            return None

    def events(self, chat_id: int | None = None, since: int = 0) -> list[BotEvent]:
        """Send/edit/delete events with ``seq > since`` (optionally for one chat)."""
        with self._lock:
            return list(self._events_after_locked(chat_id, since))

    def calls(self, method: str | None = None, *, since: int = 0) -> list[CallRecord]:
        """Logged API requests (``index > since``), optionally of one method."""
        with self._lock:
            return [
                c for c in self._calls if c.index > since and (method is None or c.method == method)
            ]

    def call_cursor(self) -> int:
        """Number of API requests logged so far; use as ``since`` for calls()/wait_for_call()."""
        with self._lock:
            return self._call_count

    def callback_answers(self) -> list[CallbackAnswer]:
        with self._lock:
            return list(self._callback_answers)

    def chat_actions(self, chat_id: int) -> list[str]:
        """Actions sent with sendChatAction to this chat, in order."""
        with self._lock:
            chat = self._chats.get(chat_id)
            return list(chat.actions) if chat else []

    def commands(self, scope: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The command list registered with setMyCommands for ``scope`` (default: the default)."""
        key = commands_key({"scope": scope} if scope else {})
        with self._lock:
            return list(self._commands.get(key, []))

    def webhook_url(self) -> str | None:
        with self._lock:
            return self._webhook.url if self._webhook else None

    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed by the bot."""
        with self._lock:
            return len(self._pending)

    def stats(self) -> dict[str, Any]:
        """Counters: requests, per method / status, 429, 5xx, 403, 400, rate_limited,
        dropped, delayed, updates_injected/delivered, messages_sent, edits, deleted, ..."""
        with self._lock:
            result: dict[str, Any] = {
                key: 0
                for key in (
                    "requests",
                    "429",
                    "5xx",
                    "403",
                    "400",
                    "rate_limited",
                    "dropped",
                    "delayed",
                    "faults_applied",
                    "updates_injected",
                    "updates_delivered",
                    "messages_sent",
                    "edits",
                    "deleted",
                    "callback_answers",
                    "webhook_deliveries",
                    "webhook_errors",
                )
            }
            result.update(self._counters)
            result["by_method"] = dict(self._by_method)
            result["by_status"] = dict(self._by_status)
            result["pending_updates"] = len(self._pending)
            return result

    def chat(self, user_id: int, *, first_name: str = "Usuario") -> ChatSession:
        """A step-by-step driver for one simulated user (see the module docstring)."""
        return ChatSession(self, user_id, first_name=first_name)


class ChatSession:
    """Drives one simulated user; keeps its own cursor so each ``next`` sees only new output.

    The cursor is taken when the session is created and advanced to each event returned, so
    a reply that arrives before ``next`` is called is never missed nor seen twice.
    """

    def __init__(self, server: Control, user_id: int, *, first_name: str = "Usuario") -> None:
        self.server = server
        self.user_id = user_id
        self.first_name = first_name
        self.cursor = server.cursor()

    def send(self, text: str) -> int:
        return self.server.send_text(self.user_id, text, first_name=self.first_name)

    def press(self, label: str) -> str:
        return self.server.press_button_text(self.user_id, label)

    def press_data(self, message_id: int, data: str) -> str:
        return self.server.press_button(self.user_id, message_id, data)

    def send_document(
        self, filename: str, content: bytes, caption: str | None = None, mime_type: str = "text/csv"
    ) -> int:
        return self.server.send_document(
            self.user_id, filename, content, caption, mime_type, first_name=self.first_name
        )

    def next(
        self,
        predicate: Callable[[BotEvent], bool] | None = None,
        *,
        kinds: Iterable[str] = ("send", "edit"),
        timeout: float = 10.0,
    ) -> BotEvent:
        event = self.server.wait_new(
            self.user_id, self.cursor, predicate=predicate, kinds=kinds, timeout=timeout
        )
        self.cursor = event.seq
        return event

    async def next_async(
        self,
        predicate: Callable[[BotEvent], bool] | None = None,
        *,
        kinds: Iterable[str] = ("send", "edit"),
        timeout: float = 10.0,  # noqa: ASYNC109 - mirrors the blocking twin's API
    ) -> BotEvent:
        event = await self.server.wait_new_async(
            self.user_id, self.cursor, predicate=predicate, kinds=kinds, timeout=timeout
        )
        self.cursor = event.seq
        return event

    def skip(self) -> None:
        """Ignore everything the bot did so far."""
        self.cursor = self.server.cursor()

    def messages(self) -> list[SentMessage]:
        return self.server.sent(self.user_id)

    @property
    def last(self) -> SentMessage | None:
        return self.server.last_sent(self.user_id)
