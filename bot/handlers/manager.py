"""Handlers for cluster managers: each turns one update into one survey call."""

from __future__ import annotations

import logging

from telegram import Document, PhotoSize, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import texts
from bot.conversation import callbacks as cb
from bot.conversation import evidence, memberships
from bot.conversation.actions import Send
from bot.conversation.flows import Flows
from bot.conversation.sharing import Sharing
from bot.handlers.context import Context
from bot.handlers.send import deliver, perform, survey_of
from bot.services import evidence as evidence_files
from bot.services import invitations
from bot.services.errors import ServiceError

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


async def switch(update: Update, context: Context) -> None:
    """/cambiar: the person's clusters, as buttons that switch."""
    user_id, _, _ = _who(update)
    await perform(update, context, await memberships.choose(survey_of(context), user_id))


async def leave(update: Update, context: Context) -> None:
    """/dejar: leave one of one's clusters (after a confirmation)."""
    user_id, _, _ = _who(update)
    await perform(update, context, await memberships.leave_start(survey_of(context), user_id))


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


async def evidence_file(update: Update, context: Context) -> None:
    """A document or a photo: kept as evidence when the manager pressed «Adjuntar evidencia»,
    else a sentence saying how (nothing kept). Never touches an answer."""
    user_id, _, _ = _who(update)
    survey = survey_of(context)
    awaited = await survey.file_expected(user_id)
    if isinstance(awaited, list):
        await perform(update, context, awaited)
        return
    message = update.effective_message
    assert message is not None
    attachment: Document | PhotoSize
    if message.document is not None:
        name, attachment = message.document.file_name or "documento", message.document
    else:
        name, attachment = "foto.jpg", message.photo[-1]  # the largest size Telegram made
    limit = evidence_files.MAX_BYTES
    too_big = [Send(texts.EVIDENCE_TOO_BIG.format(max=limit // (1024 * 1024)))]
    if (attachment.file_size or 0) > limit:
        await perform(update, context, too_big)
        return
    try:
        file = await attachment.get_file()
        data = bytes(await file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("event=evidence_download_failed user=%s error=%s", user_id, type(exc).__name__)
        await perform(update, context, [Send(texts.EVIDENCE_FAILED)])
        return
    st = awaited.st
    try:
        kept = await evidence_files.keep(
            survey.storage,
            st.response.response_id,
            st.manager.cluster_id,
            awaited.question.id,
            name,
            data,
            user_id,
        )
    except ServiceError as exc:
        refusal = too_big if exc.code == "evidence_too_big" else [Send(texts.EVIDENCE_TYPE)]
        await perform(update, context, refusal)
        return
    log.info("event=evidence_kept user=%s cluster=%s bytes=%d", user_id, kept.cluster_id, kept.size)
    await perform(update, context, evidence.kept(st, kept.name, kept.size))


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


# -- collaborators (issue 16 item 2, branch i16b) --------------------------------------------


async def share(update: Update, context: Context) -> None:
    """/compartir: a single-use link for a colleague, and the team's screen."""
    user_id, _, _ = _who(update)
    sharing = Sharing(survey_of(context))
    actions = await sharing.share(user_id, context.bot.username, invitations.new_token())
    await perform(update, context, actions)


async def share_button(update: Update, context: Context) -> None:
    """«Quitar a …», «Permitir que envíen» / «Solo yo envío»: a person removed is told."""
    user_id, _, _ = _who(update)
    query = update.callback_query
    assert query is not None
    press = cb.decode(query.data)
    assert isinstance(press, cb.ShareRemove | cb.ShareSend)  # the handler's pattern
    actions, notice = await Sharing(survey_of(context)).press(user_id, press)
    await perform(update, context, actions)
    if notice is not None:
        chat_id, text = notice.chat_id, notice.text
        await deliver(
            lambda: context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML),
            "sendMessage",
            chat_id,
        )
