"""What the conversation asks the Telegram layer to do: send, edit, toast, photo, tell.

The conversation returns a list of these; ``bot/handlers/send.py`` carries them out in order.
A button carries a typed callback (``bot/conversation/callbacks.py``), never raw data.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.conversation.callbacks import KEYED, Callback, encode


@dataclass(frozen=True)
class Button:
    label: str
    callback: Callback
    # The cluster a manager-side button is about (its key goes into the data): required for
    # the kinds in ``callbacks.KEYED``, so no such button goes out without it.
    cluster: str | None = None

    @property
    def data(self) -> str:
        """The callback data Telegram carries for this button."""
        if self.cluster is None and isinstance(self.callback, KEYED):
            raise ValueError(f"a manager's button needs its cluster: {self.callback!r}")
        return encode(self.callback, self.cluster)


Keyboard = tuple[tuple[Button, ...], ...]


def at(cluster: str, rows: Keyboard) -> Keyboard:
    """``rows`` with every button carrying ``cluster``."""
    return tuple(
        tuple(Button(b.label, b.callback, cluster) if b.cluster is None else b for b in row)
        for row in rows
    )


@dataclass(frozen=True)
class Send:
    text: str
    buttons: Keyboard = ()
    # (response id, question id) when this message asks a question: once it is delivered the
    # Telegram layer records its message id (``Storage.record_shown``), which typed answers
    # are checked against.
    shows: tuple[int, str] | None = None
    # A collaborator's screen: whose own cursor records it (None: the response's, its manager's).
    shown_to: int | None = None


@dataclass(frozen=True)
class Edit:
    """Edit the message the pressed button belongs to, or the message ``message_id``."""

    text: str | None = None  # None: keep the text, change only the keyboard
    buttons: Keyboard = ()
    # A message of the bot's by its id: the question a typed answer answers (its transcript).
    message_id: int | None = None


@dataclass(frozen=True)
class Toast:
    text: str


@dataclass(frozen=True)
class Photo:
    """A chart: ``draw()`` renders it (off the event loop) when the actions are carried out."""

    draw: Callable[[], Awaitable[bytes]]
    caption: str
    # The response whose result this is: once delivered, the Telegram layer clears it from the
    # outbox (``Storage.result_delivered``).
    result_of: int | None = None
    buttons: Keyboard = ()  # under the photo (the report card's «Descargar informe (PDF)»)


@dataclass(frozen=True)
class Tell:
    """A message to another person's chat (a manager replaced by a new invitation is told)."""

    chat_id: int
    text: str


Action = Send | Edit | Toast | Photo | Tell
