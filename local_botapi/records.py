"""The public records of the local Bot API: what the bot sent, what it did, what it asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from local_botapi.markup import button_labels, inline_buttons

FaultKind = Literal["429", "5xx", "delay", "403", "drop", "redirect"]

EventKind = Literal["send", "edit", "delete"]


@dataclass(eq=False)
class EditRecord:
    """One successful edit of a bot message (values after the edit)."""

    method: str
    time: float
    text: str | None
    caption: str | None
    reply_markup: dict[str, Any] | None


@dataclass(eq=False)
class SentMessage:
    """A message the bot sent, reflecting its *current* state (edits applied, deleted flag).

    ``text``/``caption`` are what the user sees (HTML tags parsed into ``entities``);
    ``source`` is the text or caption exactly as the bot sent it.
    """

    message_id: int
    chat_id: int
    method: str
    text: str | None = None
    caption: str | None = None
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    photo: bytes | None = field(default=None, repr=False)
    document: bytes | None = field(default=None, repr=False)
    filename: str | None = None
    edits: list[EditRecord] = field(default_factory=list, repr=False)
    deleted: bool = False
    date: float = 0.0
    entities: list[dict[str, Any]] = field(default_factory=list, repr=False)
    source: str | None = field(default=None, repr=False)
    file_id: str | None = None
    file_size: int | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    edit_date: float | None = None
    last_seq: int = 0
    params: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def content(self) -> str:
        """Text or caption, whichever the message has ("" if neither)."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def buttons(self) -> list[str]:
        """Labels of the keyboard attached to the message (inline or reply keyboard)."""
        return button_labels(self.reply_markup)

    def button_data(self, label: str) -> str | None:
        """The callback_data of the inline button with exactly this label, if any."""
        for button in inline_buttons(self.reply_markup):
            if button.get("text") == label:
                return button.get("callback_data")
        return None

    def to_json(self) -> dict[str, Any]:
        """JSON-friendly view: media as sizes, not bytes."""
        return {
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "method": self.method,
            "text": self.text,
            "caption": self.caption,
            "parse_mode": self.parse_mode,
            "reply_markup": self.reply_markup,
            "photo_size": self.file_size if self.method == "sendPhoto" else None,
            "document_size": self.file_size if self.method == "sendDocument" else None,
            "filename": self.filename,
            "width": self.width,
            "height": self.height,
            "file_id": self.file_id,
            "deleted": self.deleted,
            "date": self.date,
            "edit_date": self.edit_date,
            "edits": [
                {"method": e.method, "time": e.time, "text": e.text, "caption": e.caption}
                for e in self.edits
            ],
            "seq": self.last_seq,
        }


@dataclass(eq=False)
class BotEvent:
    """Something the bot did to a message: ``kind`` is "send", "edit" or "delete".

    ``text``, ``caption`` and ``reply_markup`` are snapshots taken at the event; ``message``
    is the live record. ``seq`` doubles as the cursor for the next wait.
    """

    seq: int
    kind: EventKind
    chat_id: int
    message_id: int
    method: str
    text: str | None
    caption: str | None
    reply_markup: dict[str, Any] | None
    time: float
    message: SentMessage = field(repr=False)

    @property
    def content(self) -> str:
        return self.text if self.text is not None else (self.caption or "")

    @property
    def buttons(self) -> list[str]:
        return button_labels(self.reply_markup)


@dataclass(eq=False)
class CallRecord:
    """One Bot API request as received (file bytes replaced by their size) and its outcome."""

    index: int
    method: str
    params: dict[str, Any]
    status: int  # 0 when the "drop" fault closed the connection without an answer
    time: float
    duration: float
    chat_id: int | None = None
    fault: str | None = None


@dataclass(eq=False)
class CallbackAnswer:
    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    chat_id: int | None
    message_id: int | None
    data: str | None
    time: float
