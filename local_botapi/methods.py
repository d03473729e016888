"""The Bot API methods the bot calls: messages, media, edits, callbacks, commands, chats.

Each ``_api_*`` handler runs with the lock held, takes the request's parameters and uploads, and
returns the ``result`` of Telegram's answer or raises :class:`~local_botapi.transport.ApiError`.
"""

from __future__ import annotations

import json
import time
from typing import Any

from local_botapi.entities import render_text
from local_botapi.markup import inline_only, parse_reply_markup
from local_botapi.media import Files, media_fields
from local_botapi.records import BotEvent, CallbackAnswer, EditRecord, EventKind, SentMessage
from local_botapi.state import ChatState
from local_botapi.transport import ApiError, maybe_int, maybe_str, truthy
from local_botapi.waiting import Waiting

_MAX_TEXT = 4096

_MAX_CAPTION = 1024

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)

_BAD_QUERY = "Bad Request: query is too old and response timeout expired or query ID is invalid"

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


def commands_key(params: dict[str, Any]) -> str:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)


class Methods(Files, Waiting):
    """The Bot API methods (lock held), and the bot messages they create."""

    def _api_true(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        return True

    def _api_get_me(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        return dict(self._bot_user)

    def _api_get_chat(self, params: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        chat = self._target_chat_locked(params)
        info = self._chat_dict(chat)
        info["accent_color_id"] = 0
        info["max_reaction_count"] = 11
        return info

    def _api_set_my_commands(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        cleaned: list[dict[str, Any]] = []
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError(400, "Bad Request: can't parse commands JSON object")
            name = str(command.get("command", ""))
            description = str(command.get("description", ""))
            if not (1 <= len(name) <= 32) or not all(
                c.isascii() and (c.islower() or c.isdigit() or c == "_") for c in name
            ):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: command description is empty or too long")
            cleaned.append({"command": name, "description": description})
        self._commands[commands_key(params)] = cleaned
        return True

    def _api_get_my_commands(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        return list(self._commands.get(commands_key(params), []))

    def _api_delete_my_commands(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        self._commands.pop(commands_key(params), None)
        return True

    def _api_send_message(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        chat = self._target_chat_locked(params)
        raw = params.get("text")
        if not isinstance(raw, str) or not raw.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        parse_mode = maybe_str(params.get("parse_mode"))
        text, entities = render_text(raw, parse_mode, params.get("entities"))
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > _MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        markup = parse_reply_markup(params.get("reply_markup"))
        message = self._new_message_locked(chat, "sendMessage", params)
        message.text, message.entities, message.source = text, entities, raw
        message.parse_mode, message.reply_markup = parse_mode, markup
        return self._store_message_locked(chat, message)

    def _api_send_photo(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        return self._send_media_locked("sendPhoto", "photo", params, files)

    def _api_send_document(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        return self._send_media_locked("sendDocument", "document", params, files)

    def _send_media_locked(
        self, method: str, kind: str, params: dict[str, Any], files: dict[str, Any]
    ) -> Any:
        chat = self._target_chat_locked(params)
        caption, entities, raw_caption = self._caption_locked(params)
        markup = parse_reply_markup(params.get("reply_markup"))
        stored = self._input_file_locked(kind, params, files)
        message = self._new_message_locked(chat, method, params)
        message.caption, message.entities, message.source = caption, entities, raw_caption
        message.parse_mode = maybe_str(params.get("parse_mode"))
        message.reply_markup = markup
        message.file_id, message.file_size = stored.file_id, stored.size
        message.mime_type, message.filename = stored.mime_type, stored.filename
        message.width, message.height = stored.width, stored.height
        content = stored.content if self.store_media else None
        if kind == "photo":
            message.photo = content
        else:
            message.document = content
        return self._store_message_locked(chat, message)

    def _caption_locked(
        self, params: dict[str, Any]
    ) -> tuple[str | None, list[dict[str, Any]], str | None]:
        raw = params.get("caption")
        if raw is None or raw == "":
            return None, [], None
        caption, entities = render_text(
            str(raw), maybe_str(params.get("parse_mode")), params.get("caption_entities")
        )
        if len(caption) > _MAX_CAPTION:
            raise ApiError(400, "Bad Request: message caption is too long")
        return caption or None, entities, str(raw)

    def _api_edit_message_text(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        message = self._editable_locked(params)
        if message.text is None:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        raw = params.get("text")
        if not isinstance(raw, str) or not raw.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        parse_mode = maybe_str(params.get("parse_mode"))
        text, entities = render_text(raw, parse_mode, params.get("entities"))
        if len(text) > _MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        # Omitting reply_markup removes the inline keyboard, as on Telegram.
        markup = inline_only(parse_reply_markup(params.get("reply_markup")))
        current = inline_only(message.reply_markup)
        if (text, entities, markup) == (message.text, message.entities, current):
            raise ApiError(400, _NOT_MODIFIED)
        message.text, message.entities, message.source = text, entities, raw
        message.parse_mode, message.reply_markup = parse_mode, markup
        return self._apply_edit_locked(message, "editMessageText")

    def _api_edit_message_caption(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        message = self._editable_locked(params)
        if message.method == "sendMessage":
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        caption, entities, raw = self._caption_locked(params)
        markup = inline_only(parse_reply_markup(params.get("reply_markup")))
        current = inline_only(message.reply_markup)
        if (caption, entities, markup) == (message.caption, message.entities, current):
            raise ApiError(400, _NOT_MODIFIED)
        message.caption, message.entities, message.source = caption, entities, raw
        message.parse_mode, message.reply_markup = maybe_str(params.get("parse_mode")), markup
        return self._apply_edit_locked(message, "editMessageCaption")

    def _api_edit_message_reply_markup(self, params: dict[str, Any], files: dict[str, Any]) -> Any:
        message = self._editable_locked(params)
        markup = parse_reply_markup(params.get("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise ApiError(400, "Bad Request: inline keyboard expected")
        if markup == inline_only(message.reply_markup):
            raise ApiError(400, _NOT_MODIFIED)
        message.reply_markup = markup
        return self._apply_edit_locked(message, "editMessageReplyMarkup")

    def _editable_locked(self, params: dict[str, Any]) -> SentMessage:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        chat = self._target_chat_locked(params)
        message_id = maybe_int(params.get("message_id"))
        if message_id is None:
            raise ApiError(400, "Bad Request: message identifier is not specified")
        message = chat.bot_messages.get(message_id)
        if message is None or message.deleted:
            if message_id in chat.user_messages:
                raise ApiError(400, "Bad Request: message can't be edited")
            raise ApiError(400, "Bad Request: message to edit not found")
        return message

    def _apply_edit_locked(self, message: SentMessage, method: str) -> Any:
        now = time.time()
        message.edit_date = now
        message.edits.append(
            EditRecord(method, now, message.text, message.caption, message.reply_markup)
        )
        self._counters["edits"] += 1
        self._record_event_locked("edit", message)
        return self._api_message(message)

    def _api_delete_message(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        chat = self._target_chat_locked(params)
        message_id = maybe_int(params.get("message_id"))
        message = chat.bot_messages.get(message_id) if message_id is not None else None
        if message is not None and not message.deleted:
            message.deleted = True
            self._counters["deleted"] += 1
            self._record_event_locked("delete", message)
            return True
        if message_id is not None and chat.user_messages.pop(message_id, None) is not None:
            return True
        raise ApiError(400, "Bad Request: message to delete not found")

    def _api_answer_callback_query(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        state = self._callbacks.get(query_id)
        if state is None or state.answered:
            raise ApiError(400, _BAD_QUERY)
        text = maybe_str(params.get("text"))
        if text is not None and len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        state.answered = True
        self._callback_answers.append(
            CallbackAnswer(
                callback_query_id=query_id,
                text=text,
                show_alert=truthy(params.get("show_alert")),
                url=maybe_str(params.get("url")),
                chat_id=state.chat_id,
                message_id=state.message_id,
                data=state.data,
                time=time.time(),
            )
        )
        self._counters["callback_answers"] += 1
        return True

    def _api_send_chat_action(self, params: dict[str, Any], files: dict[str, Any]) -> bool:
        chat = self._target_chat_locked(params)
        action = str(params.get("action") or "")
        if action not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        chat.actions.append(action)
        return True

    def _new_message_locked(
        self, chat: ChatState, method: str, params: dict[str, Any]
    ) -> SentMessage:
        message_id = chat.next_message_id
        chat.next_message_id += 1
        return SentMessage(
            message_id=message_id,
            chat_id=chat.chat_id,
            method=method,
            date=time.time(),
            params=params,
        )

    def _store_message_locked(self, chat: ChatState, message: SentMessage) -> dict[str, Any]:
        chat.bot_messages[message.message_id] = message
        chat.bot_order.append(message)
        self._all_sent.append(message)
        self._counters["messages_sent"] += 1
        self._record_event_locked("send", message)
        return self._api_message(message)

    def _record_event_locked(self, kind: EventKind, message: SentMessage) -> None:
        seq = len(self._events) + 1
        event = BotEvent(
            seq=seq,
            kind=kind,
            chat_id=message.chat_id,
            message_id=message.message_id,
            method=message.method,
            text=message.text,
            caption=message.caption,
            reply_markup=message.reply_markup,
            time=time.time(),
            message=message,
        )
        message.last_seq = seq
        self._events.append(event)
        self._chats[message.chat_id].events.append(event)
        self._notify_locked(message.chat_id)

    def _api_message(self, message: SentMessage) -> dict[str, Any]:
        """The Message object Telegram would return for this bot message."""
        chat = self._chats[message.chat_id]
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self._bot_user,
            "chat": self._chat_dict(chat),
            "date": int(message.date),
        }
        if message.edit_date is not None:
            data["edit_date"] = int(message.edit_date)
        if message.method == "sendMessage":
            data["text"] = message.text
            if message.entities:
                data["entities"] = message.entities
        else:
            if message.caption is not None:
                data["caption"] = message.caption
                if message.entities:
                    data["caption_entities"] = message.entities
            stored = self._files.get(message.file_id or "")
            if stored is not None:
                kind = "photo" if message.method == "sendPhoto" else "document"
                data.update(media_fields(kind, stored))
        # Only inline keyboards belong in a returned Message: PTB parses reply_markup as an
        # InlineKeyboardMarkup and fails on a reply keyboard.
        markup = inline_only(message.reply_markup)
        if markup is not None:
            data["reply_markup"] = markup
        return data
