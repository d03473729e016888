"""Handlers for cluster managers: each turns one update into one survey call."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot import texts
from bot.conversation.actions import Send
from bot.conversation.flows import Flows
from bot.handlers.context import Context
from bot.handlers.send import deliver, perform, survey_of

log = logging.getLogger(__name__)


def _who(update: Update) -> tuple[int, int, str | None]:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    return user.id, chat.id, user.first_name


async def start(update: Update, context: Context) -> None:
    user_id, chat_id, name = _who(update)
    payload = context.args[0] if context.args else None
    await perform(update, context, await survey_of(context).start(user_id, chat_id, name, payload))


async def resume(update: Update, context: Context) -> None:
    user_id, _, _ = _who(update)
    await perform(update, context, await survey_of(context).resume(user_id, greeting=True))


async def review(update: Update, context: Context) -> None:
    user_id, _, _ = _who(update)
    await perform(update, context, await Flows(survey_of(context)).review(user_id))


async def result(update: Update, context: Context) -> None:
    user_id, _, _ = _who(update)
    await perform(update, context, await survey_of(context).latest_result(user_id))


async def pause(update: Update, context: Context) -> None:
    user_id, _, _ = _who(update)
    await perform(update, context, await survey_of(context).pause(user_id))


async def my_data(update: Update, context: Context) -> None:
    user_id, _, _ = _who(update)
    await perform(update, context, await survey_of(context).my_data(user_id))


async def withdraw_consent(update: Update, context: Context) -> None:
    user_id, _, _ = _who(update)
    await perform(update, context, await Flows(survey_of(context)).withdraw_ask(user_id))


async def help_(update: Update, context: Context) -> None:
    await perform(update, context, [Send(texts.HELP)])


async def unknown_command(update: Update, context: Context) -> None:
    await perform(update, context, [Send(texts.UNKNOWN_COMMAND)])


async def edited(update: Update, context: Context) -> None:
    """An edited old message is not a new answer: say how to change one."""
    await perform(update, context, [Send(texts.EDITED_MESSAGE)])


async def text(update: Update, context: Context) -> None:
    user_id, chat_id, name = _who(update)
    message = update.effective_message
    assert message is not None and message.text is not None
    await perform(
        update,
        context,
        await survey_of(context).text(user_id, chat_id, name, message.text, message.message_id),
    )


async def other(update: Update, context: Context) -> None:
    """Photos, stickers, voice notes, files… where text or a button is expected."""
    user_id, _, _ = _who(update)
    await perform(update, context, await survey_of(context).non_text(user_id))


async def detached_press(update: Update, context: Context) -> None:
    """Runs before every handler: a press without a message (``inline_message_id`` only, from
    a message sent in inline mode, which this bot never sends) has no chat to answer in, so its
    spinner is stopped and nothing else happens."""
    query = update.callback_query
    if query is None or query.message is not None:
        return
    log.info("event=detached_press user=%s", query.from_user.id)
    await deliver(lambda: query.answer(), "answerCallbackQuery", query.from_user.id)
    raise ApplicationHandlerStop


async def button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    user_id, _, _ = _who(update)
    survey, data = survey_of(context), query.data or ""
    actions = await Flows(survey).button(user_id, data)
    await perform(
        update, context, actions if actions is not None else await survey.button(user_id, data)
    )
