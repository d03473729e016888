"""The documents in Telegram: a manager's report card («Descargar informe (PDF)») and the
admins' executive summary (``/resumen``). Thin: one service call, one document sent.

The document is laid out in the chart pool (``Renderer.run``), off the event loop.
"""

from __future__ import annotations

from datetime import date
from html import escape

from telegram import Update
from telegram.constants import ChatAction

from bot.conversation.actions import Toast
from bot.handlers.context import Context
from bot.handlers.send import deliver, perform, survey_of
from bot.services import documents
from bot.services.errors import ServiceError
from bot.texts import documents as dt


def today(context: Context) -> date:
    data = context.bot_data
    return data.now().astimezone(data.settings.tz).date()


async def send_document(
    context: Context, chat_id: int, made: documents.Made, caption: str | None = None
) -> None:
    await deliver(
        lambda: context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT),
        "sendChatAction",
        chat_id,
    )
    text = escape(caption if caption is not None else made.caption)
    await deliver(
        lambda: context.bot.send_document(
            chat_id, made.data, filename=made.filename, caption=text, parse_mode="HTML"
        ),
        "sendDocument",
        chat_id,
    )


async def report_card(update: Update, context: Context) -> None:
    """The press of «Descargar informe (PDF)» under a result photo."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None and chat is not None
    survey = survey_of(context)
    try:
        made = await documents.manager_report_card(
            survey.storage, survey.q, user.id, query.data or "", survey.renderer.run, today(context)
        )
    except ServiceError:
        await perform(update, context, [Toast(dt.CARD_NOT_YOURS)])
        return
    await perform(update, context, [])  # stops the button's spinner
    await send_document(context, chat.id, made)
