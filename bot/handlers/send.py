"""What every handler shares: reaching the survey, and carrying out its actions on Telegram.

Every Bot API call the bot makes goes through :func:`deliver` (or, for the reminders,
:class:`BotChannel`): one try is one PTB call whose exception, if any, :func:`outcome_of` turns
into one of ``bot.delivery``'s outcomes, and ``bot.delivery`` decides what comes next. PTB's own
rate limiter only paces (:func:`rate_limiter`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import warnings
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import timedelta
from typing import TypeVar

import aiohttp
from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import AIORateLimiter, ApplicationHandlerStop

from bot import delivery
from bot.conversation.actions import Action, Button, Edit, Keyboard, Photo, Send, Tell, Toast
from bot.conversation.survey import Survey
from bot.delivery import Kind, Outcome
from bot.handlers.context import Context
from bot.storage import Storage

log = logging.getLogger(__name__)
T = TypeVar("T")


def survey_of(context: Context) -> Survey:
    return context.bot_data.survey


async def drop_duplicates(update: Update, context: Context) -> None:
    """Runs before every handler: a re-delivered update already handled is ignored.

    Its id is marked seen in the same transaction as its effect (``bot/storage/updates.py``), so
    an update killed before its effect committed is handled again. One whose effect committed
    but whose reply may not have gone out shows the manager where they stand instead.
    """
    storage = context.bot_data.storage
    message = update.effective_message
    if message is not None and message.chat is None:
        # Never from Telegram (a message always has its chat): a forged webhook post, which
        # PTB's filters would trip over. Nothing to answer, nowhere to answer it.
        log.info("event=update_without_chat update=%s", update.update_id)
        storage.mark_replied(update.update_id)
        raise ApplicationHandlerStop
    seen, replied = await storage.seen(update.update_id)
    if seen and replied:
        log.info("event=duplicate_update update=%s", update.update_id)
        raise ApplicationHandlerStop
    storage.handling(update.update_id)
    if seen:
        log.info("event=unreplied_update update=%s", update.update_id)
        user = update.effective_user
        if user is not None and await storage.manager_for_user(user.id) is not None:
            await perform(update, context, await survey_of(context).resume(user.id))
        storage.mark_replied(update.update_id)
        raise ApplicationHandlerStop


async def mark_handled(update: Update, context: Context) -> None:
    """Runs after every handler: the update is replied to (and seen, if it stored nothing).

    The mark is queued, not waited for (``Storage.mark_replied``): the user's next update need
    not wait for it, and none of its writes can commit before it."""
    context.bot_data.storage.mark_replied(update.update_id)


def markup(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    if isinstance(rows, tuple):  # a Keyboard: the same ones come back often
        try:
            return _markup_of(rows)
        except TypeError:  # a button whose callback cannot be hashed
            pass
    return _build_markup(rows)


@functools.lru_cache(maxsize=2048)
def _markup_of(rows: Keyboard) -> InlineKeyboardMarkup:
    """A question's keyboard is the same for every manager (PTB's objects are immutable): built
    once, not per message (building them was ~4% of the bot's CPU under load)."""
    return _build_markup(rows)


def _build_markup(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in rows]
    )


def rate_limiter(overall_per_second: float = 30) -> AIORateLimiter:
    """PTB's limiter, for pacing only (Telegram's ~30 messages/s overall, 20/min per group): it
    never retries, so a 429 reaches :func:`deliver` at once and is retried there and only there."""
    # With max_retries=0 PTB logs every 429 it passes on as an exception with a traceback;
    # delivery logs each one itself, as what it is.
    logging.getLogger("telegram.ext.AIORateLimiter").setLevel(logging.CRITICAL)
    return AIORateLimiter(overall_max_rate=overall_per_second, max_retries=0)


def retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that retry_after will become a timedelta
        warnings.simplefilter("ignore")
        delay = exc.retry_after
    return delay.total_seconds() if isinstance(delay, timedelta) else float(delay)


def _never_left(exc: TimedOut) -> bool:
    """A time-out while waiting for a pooled connection or opening one: nothing was sent."""
    return isinstance(exc.__cause__, aiohttp.ConnectionTimeoutError) or (
        "pool timeout" in str(exc).lower()
    )


def outcome_of(exc: TelegramError) -> Outcome:
    """THE mapping from PTB's exceptions to the outbound policy's outcomes."""
    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, RetryAfter):
        return Outcome(Kind.RETRY_AFTER, retry_after_seconds(exc), detail)
    if isinstance(exc, Forbidden):
        return Outcome(Kind.FORBIDDEN, detail=detail)
    if isinstance(exc, BadRequest):
        if "not modified" in str(exc).lower():  # an edit to what the message already says
            return delivery.SENT
        return Outcome(Kind.REJECTED, detail=detail)
    if isinstance(exc, TimedOut):
        return Outcome(Kind.TEMPORARY if _never_left(exc) else Kind.MAYBE_SENT, detail=detail)
    if isinstance(exc, NetworkError):  # 5xx, refused, or closed without an answer
        return Outcome(Kind.TEMPORARY, detail=detail)
    return Outcome(Kind.REJECTED, detail=detail)  # 401, 404, 409...: asking again will not help


async def try_once(call: Callable[[], Awaitable[T]]) -> tuple[Outcome, T | None]:
    """One try of one Bot API call: its outcome, and its result when it was sent."""
    try:
        return delivery.SENT, await call()
    except TelegramError as exc:
        return outcome_of(exc), None


async def deliver(call: Callable[[], Awaitable[T]], what: str, chat_id: int) -> T | None:
    """Make one Bot API call (``what`` is its method) under the outbound policy; its result, or
    None if it was not (known to be) sent.

    The answer is already committed when this runs, so giving up loses nothing: the manager's
    next message (or /continuar) shows the question again.
    """
    _, result = await delivery.run(lambda: try_once(call), what, chat_id)
    return result


async def deliver_owed_results(bot: Bot, survey: Survey) -> int:
    """At start-up: every result submitted but not delivered (the bot died in between) is sent
    now, from the outbox. Returns how many were sent."""
    sent = 0
    for response_id, user_id in await survey.storage.owed_results():
        actions = await survey.owed_result(user_id, response_id)
        if not any(isinstance(a, Photo) and a.result_of == response_id for a in actions):
            await survey.storage.result_delivered(response_id)  # nothing to show any more
            continue
        manager = await survey.storage.manager_for_user(user_id)
        if manager is None:
            await survey.storage.result_delivered(response_id)
            continue
        log.info("event=owed_result user=%s response=%s", user_id, response_id)
        await _carry_out(bot, manager.chat_id, None, actions, survey.storage)
        sent += 1
    return sent


class BotChannel:
    """The reminders' channel (``bot.services.reminders.Channel``) on a PTB bot: one try of one
    message; the sender applies the policy itself, around its claim."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send_text(
        self, chat_id: int, text: str, buttons: Sequence[Sequence[Button]]
    ) -> tuple[Outcome, int | None]:
        outcome, message = await try_once(
            lambda: self.bot.send_message(
                chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup(buttons)
            )
        )
        return outcome, message.message_id if message is not None else None


async def perform(update: Update, context: Context, actions: Sequence[Action]) -> None:
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
            await deliver(lambda: query.answer(), "answerCallbackQuery", user.id)
        return
    answering: asyncio.Task[bool | None] | None = None
    if query is not None:
        toast = next((a.text for a in actions if isinstance(a, Toast)), None)
        # Off the way to the next question: on Telegram every call is a network round trip.
        answering = asyncio.create_task(
            deliver(lambda: query.answer(toast), "answerCallbackQuery", chat_id)
        )
    try:
        await _carry_out(bot, chat_id, query, actions, context.bot_data.storage)
    finally:
        if answering is not None:
            await answering


async def _carry_out(
    bot: Bot,
    chat_id: int,
    query: CallbackQuery | None,
    actions: Sequence[Action],
    storage: Storage | None = None,
) -> None:
    # Charts start drawing (in a worker process) at once, with "sending a photo…" shown, while
    # the actions before them go out.
    drawing = [asyncio.ensure_future(a.draw()) for a in actions if isinstance(a, Photo)]
    uploading = (
        asyncio.create_task(
            deliver(
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
            await _carry_out_one(bot, chat_id, query, action, images, storage)
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
    storage: Storage | None,
) -> None:
    if isinstance(action, Send):
        text, keyboard = action.text, markup(action.buttons)
        sent = await deliver(
            lambda: bot.send_message(
                chat_id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard
            ),
            "sendMessage",
            chat_id,
        )
        if sent is not None and action.shows is not None and storage is not None:
            # What the manager has on screen from now on, for the typed answers (F11).
            await storage.record_shown(*action.shows, sent.message_id, cursor_of=action.shown_to)
    elif isinstance(action, Edit) and (
        action.message_id is not None or (query is not None and query.message is not None)
    ):
        message_id, new_text, keyboard = (
            action.message_id or (query.message.message_id if query and query.message else 0),
            action.text,
            markup(action.buttons),
        )
        if new_text is None:
            await deliver(
                lambda: bot.edit_message_reply_markup(chat_id, message_id, reply_markup=keyboard),
                "editMessage",
                chat_id,
            )
        else:
            await deliver(
                lambda: bot.edit_message_text(
                    new_text, chat_id, message_id, parse_mode=ParseMode.HTML, reply_markup=keyboard
                ),
                "editMessage",
                chat_id,
            )
    elif isinstance(action, Tell):  # another person's chat (a replaced manager)
        to, told = action.chat_id, action.text
        await deliver(
            lambda: bot.send_message(to, told, parse_mode=ParseMode.HTML), "sendMessage", to
        )
    elif isinstance(action, Photo):
        image, caption, under = await next(images), action.caption, markup(action.buttons)
        outcome, _ = await delivery.run(
            lambda: try_once(
                lambda: bot.send_photo(
                    chat_id, image, caption=caption, parse_mode=ParseMode.HTML, reply_markup=under
                )
            ),
            "sendPhoto",
            chat_id,
        )
        # The outbox keeps the result only while it surely did not go out (the policy's call):
        # one that may have gone out is never sent again by a restart.
        owed = delivery.still_owed("sendPhoto", outcome)
        if not owed and action.result_of is not None and storage is not None:
            await storage.result_delivered(action.result_of)
