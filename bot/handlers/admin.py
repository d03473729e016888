"""Handlers for the network's admins. Anyone else gets the answer to an unknown command."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from functools import wraps
from html import escape
from typing import Any, TypeVar

from telegram import Update
from telegram.constants import ChatAction, ParseMode
from telegram.ext import ContextTypes

from bot import texts
from bot.conversation import callbacks as cb
from bot.conversation.actions import Button, Edit, Send
from bot.handlers.send import BotChannel, deliver, perform, survey_of
from bot.reports.summary import render_with
from bot.services import admin
from bot.services.reminders import send_due
from bot.storage import Storage
from bot.texts import admin as t
from bot.texts import personal_data as pt

log = logging.getLogger(__name__)
MAX_UPLOAD_MB = 5

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def admin_only(handler: Handler) -> Handler:
    @wraps(handler)
    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = update.effective_user
        settings = context.application.bot_data["settings"]
        storage: Storage = context.application.bot_data["storage"]
        if user is None or user.id not in settings.admin_ids:
            log.warning(
                "event=admin_denied user=%s handler=%s", user.id if user else None, handler.__name__
            )
            await perform(update, context, [Send(texts.UNKNOWN_COMMAND)])
            return
        await storage.audit(user.id, f"admin_{handler.__name__}", None, args=context.args or [])
        try:
            await handler(update, context)
        except admin.AdminError as exc:
            await perform(update, context, [Send(escape(str(exc)))])

    return guarded


_P = TypeVar("_P", bound=cb.Callback)


def _press(data: str | None, kind: type[_P]) -> _P:
    """The press this handler was routed for (app.py matches on the kind)."""
    press = cb.decode(data)
    assert isinstance(press, kind)
    return press


def _arg(context: ContextTypes.DEFAULT_TYPE, index: int = 0) -> str | None:
    return context.args[index] if context.args and len(context.args) > index else None


async def _send_document(
    update: Update, context: ContextTypes.DEFAULT_TYPE, filename: str, data: bytes, caption: str
) -> None:
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    await deliver(
        lambda: context.bot.send_document(
            chat_id, data, filename=filename, caption=caption, parse_mode=ParseMode.HTML
        ),
        "sendDocument",
        chat_id,
    )


@admin_only
async def summary(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    survey = survey_of(context)
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    await deliver(
        lambda: context.bot.send_chat_action(chat_id, ChatAction.TYPING), "sendChatAction", chat_id
    )
    bundle = await admin.summary(survey.storage, survey.q, _arg(context))
    await perform(update, context, [Send(bundle.text)])
    for name, job in bundle.charts:
        png = await render_with(survey.renderer, job)
        caption = t.CHART_CAPTIONS.get(name, name)
        await deliver(
            lambda p=png, c=caption: context.bot.send_photo(chat_id, p, caption=c),
            "sendPhoto",
            chat_id,
        )


@admin_only
async def export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    survey = survey_of(context)
    args = [a.lower() for a in context.args or []]
    fmt = "csv" if "csv" in args else "xlsx"
    campaign = next((a for a in context.args or [] if a.lower() not in ("csv", "xlsx")), None)
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    await deliver(
        lambda: context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT),
        "sendChatAction",
        chat_id,
    )
    filename, data = await admin.export(survey.storage, survey.q, campaign, fmt)
    resolved = await admin.resolve_campaign(survey.storage, campaign)
    await _send_document(
        update,
        context,
        filename,
        data,
        t.EXPORT_CAPTION.format(campaign=escape(resolved.campaign_id)),
    )


@admin_only
async def participation(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    survey = survey_of(context)
    report = await admin.participation(survey.storage, _arg(context))
    pending = report.pending
    lines = [report.text()]
    if pending:
        lines += ["", t.PENDING_TITLE.format(n=len(pending))]
        lines += [
            t.PENDING_LINE.format(
                name=escape(s.nombre),
                department=escape(s.departamento),
                status=t.STATUS_LABELS.get(s.status, s.status),
            )
            for s in pending[:60]
        ]
    buttons = ((Button(t.BTN_REMIND_ALL, cb.RemindNow(report.campaign.campaign_id)),),)
    await perform(
        update, context, [Send("\n".join(lines)[: texts.MESSAGE_LIMIT], buttons if pending else ())]
    )


@admin_only
async def remind_now(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The button under /participacion: send what the reminder policy allows right now."""
    query = update.callback_query
    assert query is not None
    data = context.application.bot_data
    campaign = await admin.resolve_campaign(data["storage"], _press(query.data, cb.RemindNow).campaign)
    lock: asyncio.Lock = data.setdefault("reminder_lock", asyncio.Lock())
    async with lock:  # never alongside the scheduled run
        report, current = await send_due(
            BotChannel(context.bot),
            data["storage"],
            data["survey"].q,
            data["settings"].reminders,
            data["clock"](),
            campaign=campaign,
        )
    pending = sum(1 for d, m, _ in current.decisions if m.status != "submitted")
    skipped = max(0, pending - report.sent)
    await perform(
        update,
        context,
        [
            Edit(None, ()),
            Send(
                t.REMIND_RESULT.format(
                    sent=report.sent,
                    failed=report.failed,
                    unreachable=report.unreachable,
                    skipped=skipped,
                )
            ),
        ],
    )


@admin_only
async def invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    cluster_id = _arg(context)
    if cluster_id is None:
        await perform(update, context, [Send(t.INVITE_USAGE)])
        return
    survey = survey_of(context)
    user_id = update.effective_user.id  # type: ignore[union-attr]
    link, _ = await admin.invite(survey.storage, cluster_id, context.bot.username, user_id)
    cluster = await survey.storage.get_cluster(cluster_id)
    name = cluster.nombre if cluster else cluster_id
    await perform(update, context, [Send(t.INVITE_LINK.format(cluster=escape(name), link=link))])


@admin_only
async def invitations(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    survey = survey_of(context)
    user_id = update.effective_user.id  # type: ignore[union-attr]
    n, data = await admin.invitations_csv(
        survey.storage, _arg(context), context.bot.username, user_id
    )
    if n == 0:
        await perform(update, context, [Send(t.INVITATIONS_NONE)])
        return
    await _send_document(update, context, "invitaciones.csv", data, t.INVITATIONS_DONE.format(n=n))


@admin_only
async def import_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await perform(update, context, [Send(t.IMPORT_HOW)])


@admin_only
async def import_registry(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A CSV sent as a document with /importar in its caption."""
    message = update.effective_message
    assert message is not None and message.document is not None
    if (message.document.file_size or 0) > MAX_UPLOAD_MB * 1024 * 1024:
        await perform(update, context, [Send(t.IMPORT_TOO_BIG.format(max=MAX_UPLOAD_MB))])
        return
    file = await message.document.get_file()
    data = bytes(await file.download_as_bytearray())
    user_id = update.effective_user.id  # type: ignore[union-attr]
    _, report = await admin.import_registry(survey_of(context).storage, data, user_id)
    await perform(update, context, [Send(escape(report)[: texts.MESSAGE_LIMIT])])


@admin_only
async def data_requests(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    survey = survey_of(context)
    pending = await survey.storage.data_requests()
    if not pending:
        await perform(update, context, [Send(pt.ADMIN_NONE)])
        return
    lines = [pt.ADMIN_TITLE.format(n=len(pending))]
    lines += [
        pt.ADMIN_LINE.format(
            id=r["request_id"],
            user_id=r["user_id"],
            cluster=escape(r["cluster_id"] or "—"),
            since=survey.when(datetime.fromisoformat(r["created_at"])),
        )
        for r in pending
    ]
    buttons = tuple(
        (Button(pt.BTN_ADMIN_ERASE.format(id=r["request_id"]), cb.EraseRequest(int(r["request_id"]))),)
        for r in pending[:20]
    )
    await perform(update, context, [Send("\n".join(lines), buttons)])


@admin_only
async def erase(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    request_id = _press(query.data, cb.EraseRequest).request_id
    admin_id = update.effective_user.id  # type: ignore[union-attr]
    erased = await survey_of(context).storage.erase_person(request_id, admin_id)
    if erased is None:
        await perform(update, context, [Send(pt.ERASED_UNKNOWN.format(id=request_id))])
        return
    await perform(update, context, [Edit(None, ()), Send(pt.ERASED.format(id=request_id))])
    await deliver(
        lambda: context.bot.send_message(erased, pt.ERASED_NOTICE), "sendMessage", erased
    )
