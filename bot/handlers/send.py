"""What every handler shares: reaching the survey, and carrying out its actions on Telegram."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import TypeVar

from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.conversation.actions import Action, Button, Edit, Photo, Send, Toast
from bot.conversation.survey import Survey
from bot.handlers.tg import retry_after_seconds

log = logging.getLogger(__name__)
T = TypeVar("T")
SEND_ATTEMPTS = 3


def survey_of(context: ContextTypes.DEFAULT_TYPE) -> Survey:
    return context.application.bot_data["survey"]


async def drop_duplicates(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every handler: a re-delivered update is ignored.

    The id is committed before the update is handled, so after a crash mid-update the worst
    case is an answer that was never acknowledged, not an answer applied to the next question.
    """
    if not await context.application.bot_data["storage"].first_time(update.update_id):
        log.info("event=duplicate_update update=%s", update.update_id)
        raise ApplicationHandlerStop


def markup(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows]
    )


async def with_retry(call: Callable[[], Awaitable[T]], what: str, chat_id: int) -> T | None:
    """Retry what the rate limiter does not: 5xx, dropped connections and time-outs.

    The answer is already committed when this runs, so giving up loses nothing: the manager's
    next message (or /continuar) shows the question again.
    """
    for attempt in range(1, SEND_ATTEMPTS + 1):
        try:
            return await call()
        except RetryAfter as exc:
            await asyncio.sleep(retry_after_seconds(exc))
        except Forbidden:
            log.warning("event=send_forbidden method=%s chat=%s", what, chat_id)
            return None
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                log.warning("event=bad_request method=%s chat=%s error=%s", what, chat_id, exc)
            return None
        except (TimedOut, NetworkError) as exc:
            log.warning(
                "event=send_retry method=%s chat=%s attempt=%d error=%s",
                what,
                chat_id,
                attempt,
                exc,
            )
            await asyncio.sleep(0.2 * 2**attempt)
    log.error("event=send_failed method=%s chat=%s", what, chat_id)
    return None


async def perform(
    update: Update, context: ContextTypes.DEFAULT_TYPE, actions: Sequence[Action]
) -> None:
    """Carry out the survey's actions in order, in the chat the update came from.

    Answering the pressed button (with the action's toast, if any) runs alongside them.
    """
    chat = update.effective_chat
    if chat is None:
        return
    bot, chat_id = context.bot, chat.id
    query = update.callback_query
    user = update.effective_user
    if chat.type == "private" and user is not None and user.id != chat.id:
        # Telegram never sends this; a forged update must not reach someone else's chat.
        log.warning("event=chat_mismatch user=%s chat=%s", user.id, chat.id)
        if query is not None:
            await with_retry(lambda: query.answer(), "answerCallbackQuery", user.id)
        return
    answering: asyncio.Task[bool | None] | None = None
    if query is not None:
        toast = next((a.text for a in actions if isinstance(a, Toast)), None)
        # Off the way to the next question: on Telegram every call is a network round trip.
        answering = asyncio.create_task(
            with_retry(lambda: query.answer(toast), "answerCallbackQuery", chat_id)
        )
    try:
        await _carry_out(bot, chat_id, query, actions)
    finally:
        if answering is not None:
            await answering


async def _carry_out(
    bot: Bot, chat_id: int, query: CallbackQuery | None, actions: Sequence[Action]
) -> None:
    # Charts start drawing (in a worker process) at once, with "sending a photo…" shown, while
    # the actions before them go out.
    drawing = [asyncio.ensure_future(a.draw()) for a in actions if isinstance(a, Photo)]
    uploading = (
        asyncio.create_task(
            with_retry(
                lambda: bot.send_chat_action(chat_id, ChatAction.UPLOAD_PHOTO),
                "sendChatAction",
                chat_id,
            )
        )
        if drawing
        else None
    )
    images = iter(drawing)
    try:
        for action in actions:
            await _carry_out_one(bot, chat_id, query, action, images)
    finally:
        for task in drawing:  # left over only when an earlier action failed
            if not task.done():
                task.cancel()
            elif not task.cancelled():
                task.exception()  # the earlier failure is the one reported
        if uploading is not None:
            await uploading


async def _carry_out_one(
    bot: Bot,
    chat_id: int,
    query: CallbackQuery | None,
    action: Action,
    images: Iterator[Awaitable[bytes]],
) -> None:
    if isinstance(action, Send):
        await with_retry(
            lambda a=action: bot.send_message(
                chat_id, a.text, parse_mode=ParseMode.HTML, reply_markup=markup(a.buttons)
            ),
            "sendMessage",
            chat_id,
        )
    elif isinstance(action, Edit) and query is not None and query.message is not None:
        message_id = query.message.message_id
        if action.text is None:
            call = lambda a=action: bot.edit_message_reply_markup(  # noqa: E731
                chat_id, message_id, reply_markup=markup(a.buttons)
            )
        else:
            call = lambda a=action: bot.edit_message_text(  # noqa: E731
                a.text,
                chat_id,
                message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=markup(a.buttons),
            )
        await with_retry(call, "editMessage", chat_id)
    elif isinstance(action, Photo):
        image = await next(images)
        await with_retry(
            lambda a=action: bot.send_photo(
                chat_id, image, caption=a.caption, parse_mode=ParseMode.HTML
            ),
            "sendPhoto",
            chat_id,
        )
