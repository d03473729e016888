"""``ssme demo``: the real bot, offline and without a token, as a chat in the terminal.

The local Bot API server stands in for Telegram. Two people talk to the bot: Ana, the manager
of the demo cluster (``cafe_huila``), and Marta, an analyst of the network (an admin of the
bot); ``/rol`` switches between their chats. On first use a synthetic network is seeded
(``bot.demo.seeding``), so the admin's figures, queue and documents have data.

Buttons are shown numbered and pressed by typing ``#`` and the number; anything else is sent as
a message. A turn ends when the bot has handled what was typed (``LocalBot.wait_replied``),
not after a silence, so a slow chart or document never splits a turn and a scripted session
(``--script``) reads the same on a busy machine. Photos and documents are saved under the
demo's folder (``bot.demo.files``), log lines go to its ``demo.log``.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.demo import files
from bot.demo.network import DEMO_CLUSTER_ID, SECOND_CLUSTER_ID
from bot.demo.seeding import seed_network
from bot.local import LocalBot
from bot.questionnaire.loader import load_questionnaire
from bot.services import invitations
from bot.storage import Storage, utcnow
from bot.texts import demo as texts
from config import load_settings
from local_botapi.server import BotApiServer, BotEvent

MANAGER_ID, ADMIN_ID = 1001, 1002
REPLY_TIMEOUT = 120.0  # a turn waits this long at most for the bot to handle it


@dataclass
class Side:
    user_id: int
    name: str
    kind: str  # "manager" or "admin"
    cursor: int = 0  # the last event of this chat shown
    started: bool = False  # its chat was opened in this run
    # The buttons on screen, numbered: those of the messages the last turn showed, in order
    # (a photo's «Descargar informe (PDF)» and the advice's «¿Por qué?» under it), as
    # (message id, callback data); a message edited in place keeps its numbers.
    keys: list[tuple[int, str]] = field(default_factory=list)
    fresh: bool = True  # the next buttons shown start a new numbering
    told: int = 0  # messages waiting in this chat that the other side was told about


class Demo:
    def __init__(
        self, server: BotApiServer, bot: LocalBot, received: files.Received, cluster: str
    ) -> None:
        self.server, self.bot, self.received = server, bot, received
        self.cluster_name = cluster
        self.sides = {
            "manager": Side(MANAGER_ID, texts.MANAGER_NAME, "manager"),
            "admin": Side(ADMIN_ID, texts.ADMIN_NAME, "admin"),
        }
        self.side = self.sides["manager"]
        self.toasts = 0

    @property
    def other(self) -> Side:
        return self.sides["admin" if self.side.kind == "manager" else "manager"]

    async def switch(self, kind: str, storage: Storage, *, first: bool = False) -> None:
        self.side = self.sides[kind]
        if kind == "manager":
            print(f"\n{texts.SIDE_MANAGER.format(name=self.side.name, cluster=self.cluster_name)}")
        else:
            print(f"\n{texts.SIDE_ADMIN.format(name=self.side.name)}")
        self.side.fresh, self.side.told = True, 0
        self._show_new()  # what the bot sent this chat meanwhile
        if self.side.started:
            return
        self.side.started = True
        if kind == "manager":
            # Ana registers with a fresh invitation the first time, else picks up where she was.
            registered = await storage.manager_for_user(MANAGER_ID) is not None
            code = (
                None if registered else await invitations.invite(storage, DEMO_CLUSTER_ID, "demo")
            )
            await self.turn(f"/start {code.token}" if code else "/start")
        elif first:  # the admin's chat opens with nothing from the bot: say what to try
            self.guide()

    def guide(self) -> None:
        print(
            "\n"
            + texts.GUIDE.format(
                manager=texts.MANAGER_NAME,
                admin=texts.ADMIN_NAME,
                cluster=self.cluster_name,
                cluster_id=DEMO_CLUSTER_ID,
                second_id=SECOND_CLUSTER_ID,
                files=self.received.folder,
            )
        )

    async def turn(self, line: str) -> None:
        """Send what was typed (a message, or ``#N`` for a button) and show the bot's answer."""
        user = self.side.user_id
        if line.startswith("#") and line[1:].isdigit():
            index = int(line[1:]) - 1
            if not 0 <= index < len(self.side.keys):
                print(texts.NO_BUTTON)
                return
            expected = self.bot.replied + 1
            self.server.press_button(user, *self.side.keys[index])
        else:
            expected = self.bot.replied + 1
            self.server.send_text(user, line, first_name=self.side.name)
        if not await self.bot.wait_replied(expected, REPLY_TIMEOUT):
            print(texts.NO_REPLY.format(seconds=int(REPLY_TIMEOUT)))
        answers = self.server.callback_answers()
        for answer in answers[self.toasts :]:  # a button answered with a pop-up
            if answer.text:
                print(f"\n🤖 ({answer.text})")
        self.toasts = len(answers)
        self.side.fresh = True
        self._show_new()
        other = self.other
        waiting = sum(e.kind == "send" for e in self.server.events(other.user_id, other.cursor))
        if waiting > other.told:  # the bot wrote to the other chat (a request, a reminder)
            other.told = waiting
            print(texts.OTHER_SIDE.format(name=other.name, n=waiting))

    def _show_new(self) -> None:
        for event in self.server.events(self.side.user_id, self.side.cursor):
            self.side.cursor = event.seq
            self._print(event)

    def _print(self, event: BotEvent) -> None:
        if event.kind == "delete":
            return
        if event.kind == "edit":
            last = (event.text or "").splitlines()[-1:]
            if last and last[0].startswith("✔️"):
                print(f"   {last[0]}")
            elif event.buttons:
                print(self._buttons(event))
            return
        message = event.message
        if event.method == "sendPhoto" and message.photo:
            kind = "resultado" if self.side.kind == "manager" else "radar"
            path = self.received.photo(message.photo, event.caption or "", kind)
            print(f"\n🤖 [{texts.PHOTO_SAVED.format(path=path)}]")
            if event.caption:
                print(event.caption)
        elif event.method == "sendDocument" and message.document is not None:
            path = self.received.document(message.document, message.filename)
            print(f"\n🤖 [{texts.DOCUMENT_SAVED.format(path=path)}]")
            if event.caption:
                print(event.caption)
        else:
            print(f"\n🤖 {event.text or ''}")
        if event.buttons:
            print(self._buttons(event))

    def _buttons(self, event: BotEvent) -> str:
        """Number the event's buttons after those already on screen (its own numbers again
        when the message was edited), and list them; a link is shown with its address."""
        side = self.side
        if side.fresh:
            side.keys, side.fresh = [], False
        buttons = [
            b for row in (event.reply_markup or {}).get("inline_keyboard") or [] for b in row
        ]
        pressable = [
            (event.message_id, b["callback_data"]) for b in buttons if "callback_data" in b
        ]
        start = next((i for i, k in enumerate(side.keys) if k[0] == event.message_id), None)
        if start is None:
            start = len(side.keys)
            side.keys.extend(pressable)
        else:
            old = sum(1 for k in side.keys if k[0] == event.message_id)
            side.keys[start : start + old] = pressable
        lines, n = [], start
        for b in buttons:
            if "callback_data" in b:
                n += 1
                lines.append(f"   [#{n}] {b.get('text', '')}")
            else:
                lines.append(f"   [🔗] {b.get('text', '')} ({b.get('url', '')})")
        return "\n".join(lines)


async def _session(
    folder: Path, db: Path, fresh: bool, admin: bool, lines: Iterator[str] | None
) -> int:
    settings = load_settings()
    q = load_questionnaire(settings.questionnaire_path)
    if fresh:
        started = time.perf_counter()
        seeded = await seed_network(db, q, utcnow(), settings.tz)
        seconds = f"{time.perf_counter() - started:.1f}".replace(".", ",")
        print(texts.SEEDED.format(seconds=seconds, **seeded.figures()))
    with BotApiServer(bot_username="ssme_demo_bot") as server:
        async with LocalBot(server, db, admin_ids=frozenset({ADMIN_ID})) as bot:
            assert bot.app is not None
            storage = bot.app.bot_data.storage
            clusters = await storage.list_clusters()
            mine = next((c.nombre for c in clusters if c.cluster_id == DEMO_CLUSTER_ID), "—")
            received = files.Received(
                folder / files.FILES, [(c.nombre, c.cluster_id) for c in clusters]
            )
            demo = Demo(server, bot, received, mine)
            keyboard = Keyboard()
            print(texts.INTRO.format(folder=folder))
            await demo.switch("admin" if admin else "manager", storage, first=True)
            while True:
                if lines is not None:
                    line = next(lines, None)
                    if line is not None:
                        print(f"\n👤 {line}")
                else:
                    line = await keyboard.line()
                if line is None or line.strip() in ("/salir", "salir"):
                    print(texts.BYE.format(folder=folder))
                    return 0
                line = line.strip()
                if not line:
                    continue
                if line == "/rol":
                    await demo.switch(demo.other.kind, storage)
                    continue
                await demo.turn(line)
                if line.split("@")[0] in ("/ayuda", "/help"):
                    demo.guide()


class Keyboard:
    """Lines typed in the terminal, read by a daemon thread of its own when one is wanted (so
    its prompt comes after the bot's answer): a Ctrl-C ends the demo at once, where a read
    in the event loop's executor would keep the process alive until Enter."""

    def __init__(self) -> None:
        self._wanted = threading.Event()
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        threading.Thread(target=self._read, name="demo-keyboard", daemon=True).start()

    def _read(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            try:
                line: str | None = input("\n👤 ")
            except EOFError:
                line = None
            self._loop.call_soon_threadsafe(self._lines.put_nowait, line)
            if line is None:
                return

    async def line(self) -> str | None:
        """The next line typed (None at the end of the input)."""
        self._wanted.set()
        return await self._lines.get()


def run_demo(
    folder: Path,
    *,
    db: Path | None = None,
    admin: bool = False,
    reset: bool = False,
    script: Path | None = None,
) -> int:
    """The demo in ``folder``; with ``reset``, what an earlier one left there is deleted first
    (the caller checks ``files.is_demo``)."""
    folder = folder.resolve()
    db = db or folder / files.DATABASE
    lines = None
    if script is not None:
        lines = iter(script.read_text(encoding="utf-8").splitlines())
    elif not sys.stdin.isatty():
        lines = iter(sys.stdin.read().splitlines())
    if reset and files.reset(folder, db):
        print(texts.RESET.format(folder=folder))
    with files.logging_to(folder / files.LOG):
        try:
            return asyncio.run(_session(folder, db, not db.exists(), admin, lines))
        except KeyboardInterrupt:  # Ctrl-C: the bot was stopped on the way out
            print(f"\n{texts.BYE.format(folder=folder)}")
            return 130
