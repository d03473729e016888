"""The bot's aiohttp client for the Bot API, against the local server over real HTTP."""

from __future__ import annotations

import io
import socket
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from PIL import Image
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut

from bot.handlers.http import AiohttpRequest, PollingRequest
from bot.handlers.send import retry_after_seconds
from local_botapi.server import BotApiServer

pytestmark = pytest.mark.e2e


@pytest.fixture
def server() -> Iterator[BotApiServer]:
    with BotApiServer() as srv:
        yield srv


def _bot(server: BotApiServer, request: AiohttpRequest) -> Bot:
    return Bot(
        server.token,
        base_url=server.api_base_url,
        base_file_url=f"{server.base_url}/file/bot",
        request=request,
        get_updates_request=AiohttpRequest(1),
    )


@pytest.fixture
async def bot(server: BotApiServer) -> AsyncIterator[Bot]:
    async with _bot(server, AiohttpRequest(4, read_timeout=0.5)) as tg_bot:
        yield tg_bot


async def test_form_fields_keyboards_and_unicode_arrive_intact(
    server: BotApiServer, bot: Bot
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Sí ✅ & más", callback_data="c:q:si")]])
    text = "¿Cuántas empresas? 1.234,5 — <b>negrita</b> + «comillas» = 100%"
    message = await bot.send_message(42, text, parse_mode="HTML", reply_markup=keyboard)
    assert message.chat.id == 42
    assert message.text == "¿Cuántas empresas? 1.234,5 — negrita + «comillas» = 100%"
    (sent,) = server.sent(42)
    assert sent.params["text"] == text and sent.parse_mode == "HTML"
    assert sent.buttons == ["Sí ✅ & más"] and sent.button_data("Sí ✅ & más") == "c:q:si"


async def test_a_sent_or_edited_message_comes_back_lean(server: BotApiServer, bot: Bot) -> None:
    """What the bot reads of a sent message (its ids, its text) is kept; the echoed keyboard
    and entities, which it never reads, are not turned into objects."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Sí", callback_data="c:q:si")]])
    message = await bot.send_message(
        42, "<b>¿Cuántas?</b>", parse_mode="HTML", reply_markup=keyboard
    )
    assert (message.message_id, message.chat.id, message.text) == (
        server.sent(42)[0].message_id,
        42,
        "¿Cuántas?",
    )
    assert message.reply_markup is None and message.entities == ()
    edited = await bot.edit_message_text("Otra", 42, message.message_id, reply_markup=keyboard)
    assert not isinstance(edited, bool) and edited.message_id == message.message_id
    assert edited.reply_markup is None
    assert server.sent(42)[-1].buttons == ["Sí"]  # what Telegram shows is untouched


async def test_files_go_as_multipart(server: BotApiServer, bot: Bot) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "#0072B2").save(buffer, format="png")
    png = buffer.getvalue()
    await bot.send_photo(7, png, caption="Radar <i>2021</i>", parse_mode="HTML")
    await bot.send_document(7, b"cluster_id;ims\nc1;70,5\n", filename="resumen.csv")
    photo, document = server.sent(7)
    assert photo.method == "sendPhoto" and photo.photo == png
    assert photo.caption == "Radar 2021" and photo.parse_mode == "HTML"
    assert document.filename == "resumen.csv"
    assert document.document == b"cluster_id;ims\nc1;70,5\n"


async def test_telegram_errors_keep_their_meaning(server: BotApiServer, bot: Bot) -> None:
    server.inject_fault("429", method="sendMessage", retry_after=3)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1, "hola")
    assert retry_after_seconds(info.value) == 3
    server.block_user(2)
    with pytest.raises(Forbidden):
        await bot.send_message(2, "hola")
    server.inject_fault("5xx", method="sendMessage", status=502)
    with pytest.raises(NetworkError):
        await bot.send_message(1, "hola")


async def test_a_slow_answer_is_a_time_out_and_a_dropped_one_a_network_error(
    server: BotApiServer, bot: Bot
) -> None:
    server.inject_fault("delay", method="sendMessage", delay=1.5)  # read timeout is 0.5 s
    with pytest.raises(TimedOut):
        await bot.send_message(1, "hola")
    server.inject_fault("drop", method="sendMessage")
    with pytest.raises(NetworkError) as info:
        await bot.send_message(1, "hola")
    assert "aiohttp." in str(info.value)
    assert (await bot.send_message(1, "sigue")).text == "sigue"  # the client recovers


async def test_nobody_listening_is_a_network_error() -> None:
    with socket.socket() as s:  # a port that was free a moment ago: connection refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    request = AiohttpRequest(1, connect_timeout=1.0)
    await request.initialize()
    try:
        with pytest.raises(NetworkError):
            await request.post(f"http://127.0.0.1:{port}/bot1:x/getMe")
    finally:
        await request.shutdown()
    with pytest.raises(NetworkError, match="not initialized"):
        await request.post(f"http://127.0.0.1:{port}/bot1:x/getMe")


async def test_the_long_poll_pauses_only_while_the_bot_is_busy(server: BotApiServer) -> None:
    busy = False
    polling = PollingRequest(pause=0.3, busy=lambda: busy)
    async with Bot(server.token, base_url=server.api_base_url, get_updates_request=polling) as bot:
        server.send_text(5, "uno")
        start = time.monotonic()
        (first,) = await bot.get_updates(timeout=0)
        idle_took = time.monotonic() - start
        busy = True
        server.send_text(5, "dos")
        start = time.monotonic()
        (second,) = await bot.get_updates(offset=first.update_id + 1, timeout=0)
        busy_took = time.monotonic() - start
    assert (first.message.text, second.message.text) == ("uno", "dos")
    assert busy_took >= 0.3, "a busy bot waits before polling again"
    assert idle_took < 0.3, "an idle bot polls at once"
