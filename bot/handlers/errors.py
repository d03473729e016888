"""The last line of defence: log the failure and tell the user, never show a traceback."""

from __future__ import annotations

import logging

from telegram import Update

from bot import texts
from bot.handlers.context import Context
from bot.handlers.send import deliver
from bot.storage import Storage

log = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    user = (
        update.effective_user.id if isinstance(update, Update) and update.effective_user else None
    )
    Storage.handling(None)  # what failed is not marked seen: a re-delivery is handled again
    log.error("event=handler_error user=%s error=%r", user, context.error, exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        chat_id = update.effective_chat.id
        await deliver(
            lambda: context.bot.send_message(chat_id, texts.INTERNAL_ERROR), "sendMessage", chat_id
        )
