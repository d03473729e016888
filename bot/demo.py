"""``ssme demo``: the real bot, offline and without a token, as a chat in the terminal.

The local Bot API server stands in for Telegram; a demo cluster, an open campaign and an
invitation are created on first use, so the questionnaire starts right away. Buttons are shown
numbered and pressed by typing ``#`` and the number; anything else is sent as a message.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

from bot import texts
from bot.local import DEMO_CLUSTER, LocalBot, seed
from local_botapi.server import BotApiServer, BotEvent

DEMO_USER = 1001
QUIET_SECONDS = 0.6  # the bot is done answering after this much silence
FIRST_REPLY_TIMEOUT = 15.0
POLL_SECONDS = 0.1  # how often, before the first reply, the button answers are looked at


def _print_event(event: BotEvent, chart_dir: Path, counter: Iterator[int]) -> None:
    if event.kind == "edit":
        last = (event.text or "").splitlines()[-1:]
        if last and last[0].startswith("✔️"):
            print(f"   {last[0]}")
        elif event.buttons:
            print(_buttons(event.buttons))
        return
    if event.method == "sendPhoto" and event.message.photo:
        photo = event.message.photo
        suffix = ".jpg" if photo.startswith(b"\xff\xd8") else ".png"
        path = chart_dir / f"resultado_{next(counter)}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(photo)
        print(f"\n🤖 [{texts.DEMO_PHOTO.format(path=path.resolve())}]\n{event.caption or ''}")
        return
    print(f"\n🤖 {event.text or ''}")
    if event.buttons:
        print(_buttons(event.buttons))


def _buttons(labels: list[str]) -> str:
    return "\n".join(f"   [#{i}] {label}" for i, label in enumerate(labels, 1))


async def _drain(
    server: BotApiServer, cursor: int, toasts: int, chart_dir: Path, counter: Iterator[int]
) -> tuple[int, int]:
    """Print the bot's replies until it has been quiet for a moment.

    The first reply may take a while (a chart); once the bot has sent something, or answered
    the button pressed (with a pop-up, Telegram's toast, or nothing), a short silence ends the
    turn: a press answered only with a pop-up does not keep the terminal waiting.

    Returns the new event cursor and the number of button answers seen so far.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + FIRST_REPLY_TIMEOUT
    replied = False
    while True:
        answers = server.callback_answers()
        for answer in answers[toasts:]:  # a button answered with a pop-up: show it at once
            if answer.text:
                print(f"\n🤖 ({answer.text})")
        replied |= len(answers) > toasts
        toasts = len(answers)
        wait = QUIET_SECONDS if replied else min(POLL_SECONDS, deadline - loop.time())
        if wait <= 0:
            return cursor, toasts
        try:
            event = await server.wait_new_async(DEMO_USER, cursor, timeout=wait)
        except TimeoutError:
            if replied:
                return cursor, toasts
            continue
        cursor = event.seq
        _print_event(event, chart_dir, counter)
        replied = True


def _latest_buttons(server: BotApiServer) -> tuple[int, list[dict[str, str]]] | None:
    for message in reversed(server.sent(DEMO_USER)):
        markup = message.reply_markup or {}
        rows = markup.get("inline_keyboard") or []
        if rows:
            return message.message_id, [b for row in rows for b in row]
    return None


async def _session(db: Path, fresh: bool, lines: Iterator[str] | None, chart_dir: Path) -> int:
    seeded = await seed(db, [DEMO_CLUSTER]) if fresh else None
    counter = iter(range(1, 10_000))
    with BotApiServer(bot_username="ssme_demo_bot") as server:
        async with LocalBot(server, db):
            print(texts.DEMO_INTRO.format(db=db))
            cursor, toasts = server.cursor(), 0
            token = seeded.tokens[DEMO_CLUSTER.cluster_id] if seeded else None
            server.send_text(DEMO_USER, f"/start {token}" if token else "/start", first_name="Ana")
            cursor, toasts = await _drain(server, cursor, toasts, chart_dir, counter)
            while True:
                if lines is not None:
                    line = next(lines, None)
                    if line is not None:
                        print(f"\n👤 {line}")
                else:
                    try:
                        line = await asyncio.to_thread(input, "\n👤 ")
                    except EOFError:
                        line = None
                if line is None or line.strip() in ("/salir", "salir"):
                    print(texts.DEMO_BYE.format(db=db))
                    return 0
                line = line.strip()
                if not line:
                    continue
                if line.startswith("#") and line[1:].isdigit():
                    found = _latest_buttons(server)
                    index = int(line[1:]) - 1
                    if found is None or not 0 <= index < len(found[1]):
                        print(texts.DEMO_NO_BUTTON)
                        continue
                    server.press_button(DEMO_USER, found[0], found[1][index]["callback_data"])
                else:
                    server.send_text(DEMO_USER, line, first_name="Ana")
                cursor, toasts = await _drain(server, cursor, toasts, chart_dir, counter)


def run_demo(db: Path, *, script: Path | None = None, chart_dir: Path = Path("out")) -> int:
    lines = None
    if script is not None:
        lines = iter(script.read_text(encoding="utf-8").splitlines())
    elif not sys.stdin.isatty():
        lines = iter(sys.stdin.read().splitlines())
    return asyncio.run(_session(db, not db.exists(), lines, chart_dir))
