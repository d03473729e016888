"""Handlers for the network's admins. Anyone else gets the answer to an unknown command.

Each handler reads the command, calls one use case of ``bot.services`` and replies with the
texts of ``bot.texts.admin``; a refusal (``ServiceError``) is answered with its reason.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from functools import partial, wraps
from html import escape
from typing import Any, TypeVar, cast

from telegram import Update
from telegram.constants import ChatAction, ParseMode
from telegram.ext import ExtBot

from bot import texts
from bot.conversation import callbacks as cb
from bot.conversation.actions import Button, Edit, Keyboard, Send
from bot.handlers import documents as document_handlers
from bot.handlers.context import Context
from bot.handlers.http import AiohttpRequest
from bot.handlers.send import BotChannel, deliver, perform, rate_limiter, survey_of
from bot.services import audit, documents, exports, imports, privacy
from bot.services import invitations as invites
from bot.services.errors import ServiceError
from bot.services.participation import Aim, read_scope, scope_data
from bot.services.participation import participation as participation_of
from bot.services.reminders import send_due
from bot.texts import admin as t
from bot.texts import personal_data as pt
from bot.texts.paging import paginate
from config import Settings

log = logging.getLogger(__name__)
MAX_UPLOAD_MB = 5
ERASE_BUTTONS = 20  # requests per page of /solicitudes, each with its button
PAGE_ROOM = 60  # characters of a page kept for its "continued" title and its footer
CLI_CONNECTIONS = 8  # HTTP connections of ``ssme remind``'s own bot

Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]


def admin_only(handler: Handler) -> Handler:
    @wraps(handler)
    async def guarded(update: Update, context: Context) -> None:
        user = update.effective_user
        settings = context.bot_data.settings
        if user is None or user.id not in settings.admin_ids:
            log.warning(
                "event=admin_denied user=%s handler=%s", user.id if user else None, handler.__name__
            )
            await perform(update, context, [Send(texts.UNKNOWN_COMMAND)])
            return
        storage = context.bot_data.storage
        await audit.admin_command(storage, user.id, handler.__name__, context.args or [])
        try:
            await handler(update, context)
        except ServiceError as exc:
            await perform(update, context, [Send(escape(t.error(exc)))])

    return guarded


_P = TypeVar("_P", bound=cb.Callback)


def _press(data: str | None, kind: type[_P]) -> _P:
    """The press this handler was routed for (app.py matches on the kind)."""
    press = cb.decode(data)
    assert isinstance(press, kind)
    return press


def _arg(context: Context, index: int = 0) -> str | None:
    return context.args[index] if context.args and len(context.args) > index else None


def _chat_id(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


def _user_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


async def _send_document(
    update: Update, context: Context, filename: str, data: bytes, caption: str
) -> None:
    chat_id = _chat_id(update)
    await deliver(
        lambda: context.bot.send_document(
            chat_id, data, filename=filename, caption=caption, parse_mode=ParseMode.HTML
        ),
        "sendDocument",
        chat_id,
    )


@admin_only
async def summary(update: Update, context: Context) -> None:
    """/resumen [campaign] [docx]: the executive summary as a PDF (or the editable DOCX) with
    its headline figures as the caption (issue 14; the long message and its photos before)."""
    survey = survey_of(context)
    args = context.args or []
    fmt = "docx" if "docx" in (a.lower() for a in args) else "pdf"
    campaign = next((a for a in args if a.lower() not in ("pdf", "docx")), None)
    chat_id = _chat_id(update)
    await deliver(
        lambda: context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT),
        "sendChatAction",
        chat_id,
    )
    made = await documents.summary(
        survey.storage,
        survey.q,
        campaign,
        survey.renderer.run,
        document_handlers.today(context),
        fmt,
    )
    await document_handlers.send_document(context, chat_id, made)


@admin_only
async def export(update: Update, context: Context) -> None:
    """/exportar [campaign|todas] [csv|xlsx], in any order."""
    survey = survey_of(context)
    args = context.args or []
    fmt = "csv" if "csv" in (a.lower() for a in args) else "xlsx"
    campaign = next((a for a in args if a.lower() not in ("csv", "xlsx")), None)
    if campaign is not None and campaign.casefold() in ("todas", "all"):
        campaign = exports.ALL
    chat_id = _chat_id(update)
    await deliver(
        lambda: context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT),
        "sendChatAction",
        chat_id,
    )
    done = await exports.export(survey.storage, survey.q, campaign, fmt)
    shown = t.EXPORT_ALL if done.campaign_id == exports.ALL else done.campaign_id
    caption = t.EXPORT_CAPTION.format(campaign=escape(shown))
    await _send_document(update, context, done.filename, done.data, caption)


def _paged(
    title: str,
    blocks: list[str],
    what: str | Callable[[int], cb.Callback],
    n: int,
    *,
    per_page: int | None = None,
) -> tuple[str, Keyboard, range]:
    """Page ``n`` (from 1, clamped) of a long reply: its text, the row of
    «Anterior»/«Siguiente» buttons (none when it all fits) and which blocks the page holds.
    ``what`` is ``cb.Page``'s, or the press that shows page k."""
    turn = partial(cb.Page, what=what) if isinstance(what, str) else what
    pages = paginate(blocks, texts.MESSAGE_LIMIT - len(title) - PAGE_ROOM, per_page=per_page)
    n = min(max(n, 1), len(pages))
    first = sum(len(p) for p in pages[: n - 1])
    page = pages[n - 1]
    lines = [title if n == 1 else t.CONTINUED.format(title=title), *page]
    nav: list[Button] = []
    if len(pages) > 1:
        lines.append(t.PAGE_FOOTER.format(n=n, total=len(pages)))
        if n > 1:
            nav.append(Button(t.BTN_PREVIOUS, turn(n - 1)))
        if n < len(pages):
            nav.append(Button(t.BTN_NEXT, turn(n + 1)))
    rows = (tuple(nav),) if nav else ()
    return "\n".join(lines), rows, range(first, first + len(page))


def _fits(press: cb.Callback) -> bool:
    try:
        cb.encode(press)
    except ValueError:
        return False
    return True


def _scoped(make: Callable[[str], cb.Callback], aim: Aim, campaign: str) -> cb.Callback | None:
    """``make``'s press for the aim in this campaign, or in the current one if that is what
    fits in the 64 bytes of callback data; None if neither does."""
    for data in (scope_data(aim, campaign), scope_data(aim, None)):
        press = make(data)
        if _fits(press):
            return press
    return None


async def _participation_page(
    context: Context,
    campaign_id: str | None,
    n: int,
    *,
    aim: Aim | None = None,
    words: Sequence[str] = (),
) -> Send:
    survey = survey_of(context)
    report = await participation_of(survey.storage, campaign_id, aim, words=words)
    campaign = report.campaign.campaign_id
    title, *blocks = t.participation_blocks(report)
    if report.pending:
        blocks += t.pending_blocks(report)
    blocks += t.no_manager_blocks(report, context.bot_data.now(), survey.tz)
    aim = report.aim
    what: str | Callable[[int], cb.Callback] = cb.Page.participation(campaign)
    aimed_page = _scoped(partial(cb.AimPage, 999), aim, campaign) if aim else None
    if aimed_page is not None:
        scope = cast(cb.AimPage, aimed_page).scope
        what = partial(cb.AimPage, scope=scope)
    elif aim:
        blocks.append(t.AIM_TOO_LONG)
    if not aim:
        blocks.append(t.AIM_HINT)
    text, nav, _ = _paged(title, blocks, what, n)
    if aim and aimed_page is None:
        nav = ()  # the next pages could not carry the filter: none rather than unfiltered ones
    rows: list[tuple[Button, ...]] = []
    if report.pending and not aim:
        rows.append((Button(t.BTN_REMIND_ALL, cb.RemindNow(campaign)),))
    elif report.pending and aimed_page is not None:
        remind = _scoped(cb.RemindAimed, aim, campaign)
        if remind is not None:
            rows.append((Button(t.BTN_REMIND_AIMED, remind),))
    if not aim.states:  # a state's button narrows the screen (and its «Recordar») to it
        narrow = [
            (label, _scoped(partial(cb.AimPage, 999), replace(aim, states=(state,)), campaign))
            for state, label in t.BTN_ONLY_STATE.items()
        ]
        rows.append(
            tuple(
                Button(label, replace(cast(cb.AimPage, press), n=1))
                for label, press in narrow
                if press is not None
            )
        )
    if aim:
        rows.append((Button(t.BTN_ALL, cb.Page(1, cb.Page.participation(campaign))),))
    return Send(text, tuple(rows) + nav)


@admin_only
async def participation(update: Update, context: Context) -> None:
    """/participacion [campaign] [filter words]: the counts, every cluster still pending and
    those without a manager (with their invitation's expiry), in pages; the words (a state,
    a department, a sector, a cluster id) narrow it, and its «Recordar» button, to them."""
    page = await _participation_page(context, None, 1, words=context.args or [])
    await perform(update, context, [page])


@admin_only
async def page(update: Update, context: Context) -> None:
    """«Anterior»/«Siguiente» under a paged reply, or a filter's button under /participacion:
    the message shows that page instead."""
    query = update.callback_query
    assert query is not None
    press = cb.decode(query.data)
    if isinstance(press, cb.AimPage):
        aim, campaign_id = read_scope(press.scope)
        shown = await _participation_page(context, campaign_id, press.n, aim=aim)
    elif isinstance(press, cb.Page) and press.what == cb.Page.REQUESTS:
        shown = await _requests_page(context, press.n)
    else:
        assert isinstance(press, cb.Page)
        shown = await _participation_page(context, press.campaign, press.n, aim=Aim())
    await perform(update, context, [Edit(shown.text, shown.buttons)])


async def _remind(update: Update, context: Context, campaign_id: str | None, aim: Aim) -> None:
    """Send what the reminder policy allows right now, to the aim's clusters (all without
    one), and say how many went, and why the others did not."""
    data = context.bot_data
    storage = data.storage
    report = await participation_of(storage, campaign_id, aim)
    async with data.reminder_lock:  # never alongside the scheduled run
        sent, _ = await send_due(
            BotChannel(context.bot),
            storage,
            data.survey.q,
            data.settings.reminders,
            data.now(),
            campaign=report.campaign,
            only=report.aimed_ids() if aim else None,
        )
    words = escape(" ".join(aim.words()))
    lines = [
        t.REMIND_AIMED_RESULT.format(
            aim=t.REMIND_AIM.format(words=words) if aim else "",
            sent=sent.sent,
            failed=sent.failed,
            unreachable=sent.unreachable,
        ),
        escape(t.skipped_text(sent.skipped)),
    ]
    if report.without_manager:
        lines.append(t.REMIND_NO_MANAGER.format(n=len(report.without_manager)))
    await perform(update, context, [Edit(None, ()), Send("\n".join(lines))])


@admin_only
async def remind_now(update: Update, context: Context) -> None:
    """The button under /participacion: «Enviar recordatorio ahora» (everyone pending) or
    «Recordar a este filtro ahora» (the aim the screen shows)."""
    query = update.callback_query
    assert query is not None
    press = cb.decode(query.data)
    if isinstance(press, cb.RemindAimed):
        aim, campaign_id = read_scope(press.scope)
        await _remind(update, context, campaign_id, aim)
        return
    assert isinstance(press, cb.RemindNow)
    await _remind(update, context, press.campaign, Aim())


@asynccontextmanager
async def reminder_channel(settings: Settings) -> AsyncIterator[BotChannel]:
    """Telegram for ``ssme remind``, the CLI's face of the button above: a bot of its own (the
    running one need not be), paced like the bot's, closed on the way out."""
    api = settings.telegram_api_url
    bot = ExtBot(
        settings.require_token(),
        base_url=f"{api}/bot",
        base_file_url=f"{api}/file/bot",
        rate_limiter=rate_limiter(),
        request=AiohttpRequest(CLI_CONNECTIONS),
    )
    async with bot:
        yield BotChannel(bot)


@admin_only
async def invite(update: Update, context: Context) -> None:
    cluster_id = _arg(context)
    if cluster_id is None:
        await perform(update, context, [Send(t.INVITE_USAGE)])
        return
    storage = survey_of(context).storage
    invitation = await invites.invite(storage, cluster_id, _user_id(update))
    link = invitation.link(context.bot.username)
    text = t.INVITE_LINK.format(cluster=escape(invitation.cluster.nombre), link=link)
    await perform(update, context, [Send(text)])


@admin_only
async def invitations(update: Update, context: Context) -> None:
    storage = survey_of(context).storage
    sheet = await invites.invitations_csv(
        storage, _arg(context), context.bot.username, _user_id(update)
    )
    if sheet.count == 0:
        await perform(update, context, [Send(t.INVITATIONS_NONE)])
        return
    caption = t.INVITATIONS_DONE.format(n=sheet.count)
    await _send_document(update, context, "invitaciones.csv", sheet.data, caption)


@admin_only
async def import_help(update: Update, context: Context) -> None:
    await perform(update, context, [Send(t.IMPORT_HOW)])


@admin_only
async def import_registry(update: Update, context: Context) -> None:
    """A CSV sent as a document with /importar in its caption.

    ``file_size`` is optional in the Bot API, so the size that counts is the one downloaded
    (Telegram lets a bot download files of up to 20 MB: the most ever held); parsing a few
    megabytes of CSV takes a second or more, so it runs in a thread, off the event loop that
    serves everyone else.
    """
    message = update.effective_message
    assert message is not None and message.document is not None
    limit = MAX_UPLOAD_MB * 1024 * 1024
    too_big = [Send(t.IMPORT_TOO_BIG.format(max=MAX_UPLOAD_MB))]
    if (message.document.file_size or 0) > limit:
        await perform(update, context, too_big)
        return
    file = await message.document.get_file()
    if (file.file_size or 0) > limit:
        await perform(update, context, too_big)
        return
    data = bytes(await file.download_as_bytearray())
    if len(data) > limit:
        log.info("event=import_too_big user=%s bytes=%d", _user_id(update), len(data))
        await perform(update, context, too_big)
        return
    checked = await asyncio.to_thread(imports.read_registry, data)
    result = await imports.save_registry(survey_of(context).storage, checked, _user_id(update))
    lines = escape(t.registry_import_text(result)).split("\n")
    await perform(update, context, [Send("\n".join(p)) for p in paginate(lines)])


async def _requests_page(context: Context, n: int) -> Send:
    survey = survey_of(context)
    pending = await privacy.pending_requests(survey.storage)
    if not pending:
        return Send(pt.ADMIN_NONE)
    lines = [
        pt.ADMIN_LINE.format(
            id=r.request_id,
            user_id=r.user_id,
            cluster=escape(r.cluster_id or "—"),
            since=survey.when(r.created_at),
        )
        for r in pending
    ]
    title = pt.ADMIN_TITLE.format(n=len(pending))
    text, nav, shown = _paged(title, lines, cb.Page.REQUESTS, n, per_page=ERASE_BUTTONS)
    erase = tuple(
        (Button(pt.BTN_ADMIN_ERASE.format(id=r.request_id), cb.EraseRequest(r.request_id)),)
        for r in (pending[i] for i in shown)
    )
    return Send(text, erase + nav)


@admin_only
async def data_requests(update: Update, context: Context) -> None:
    """/solicitudes: the pending personal-data requests, in pages with their buttons."""
    await perform(update, context, [await _requests_page(context, 1)])


@admin_only
async def erase(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    request_id = _press(query.data, cb.EraseRequest).request_id
    erased = await privacy.erase(survey_of(context).storage, request_id, _user_id(update))
    await perform(update, context, [Edit(None, ()), Send(pt.ERASED.format(id=request_id))])
    await deliver(lambda: context.bot.send_message(erased, pt.ERASED_NOTICE), "sendMessage", erased)
