"""The one place where the Telegram Application is assembled."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import timedelta

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import texts
from bot.conversation import callbacks as cb
from bot.conversation.survey import Survey
from bot.handlers import admin, desk, documents, errors, manager
from bot.handlers.context import CONTEXT_TYPES, SsmeApplication
from bot.handlers.http import AiohttpRequest, PollingRequest
from bot.handlers.jobs import schedule_owed_results, schedule_reminders
from bot.handlers.processor import PerUserUpdateProcessor
from bot.handlers.send import deliver, drop_duplicates, mark_handled, rate_limiter
from bot.handlers.webhook import KeptUpdates, guard_webhook
from bot.questionnaire.loader import load_questionnaire
from bot.storage import Storage, utcnow
from bot.texts import admin as admin_texts
from charts import ChartRenderer, InlineChartRenderer, Renderer
from config import Settings

log = logging.getLogger(__name__)

MAX_CONCURRENT_UPDATES = 256
HTTP_CONNECTIONS = 64
# With this many updates in hand, the next long poll pauses briefly to collect a batch.
BUSY_UPDATES = 8
# Telegram keeps undelivered updates for 24 hours; a week of ids is ample to catch re-deliveries.
SEEN_UPDATES_KEPT = timedelta(days=7)
STARTUP_DELAY = timedelta(seconds=2)


def build_application(settings: Settings) -> SsmeApplication:
    token = settings.require_token()
    api = settings.telegram_api_url
    polling = PollingRequest()
    updates = KeptUpdates()
    app = (
        ApplicationBuilder()
        .token(token)
        .update_queue(updates)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .concurrent_updates(
            PerUserUpdateProcessor(MAX_CONCURRENT_UPDATES)
            if settings.update_processing == "per_user"
            else False
        )
        .rate_limiter(rate_limiter(settings.telegram_rate_limit))
        .request(AiohttpRequest(HTTP_CONNECTIONS))
        .get_updates_request(polling)
        .context_types(CONTEXT_TYPES)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    app.bot_data.settings = settings
    if settings.webhook_url:
        app.bot_data.webhook = updates
        guard_webhook()  # before run_webhook builds its server
    else:
        app.bot_data.polling = polling
    processor = app.update_processor
    polling.busy = lambda: processor.current_concurrent_updates >= BUSY_UPDATES
    # New messages only: an edited old message must never count as an answer.
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE

    app.add_handler(TypeHandler(Update, manager.detached_press), group=-2)
    app.add_handler(TypeHandler(Update, drop_duplicates), group=-1)
    app.add_handler(CommandHandler("start", manager.start, filters=private))
    app.add_handler(CommandHandler("continuar", manager.resume, filters=private))
    app.add_handler(CommandHandler("revisar", manager.review, filters=private))
    app.add_handler(CommandHandler("resultado", manager.result, filters=private))
    app.add_handler(CommandHandler(["ayuda", "help"], manager.help_, filters=private))
    # An admin's /cancelar and text go to their desk input first, if one waits (desk.py).
    admins = filters.User(user_id=settings.admin_ids)
    app.add_handler(CommandHandler("cancelar", desk.cancel, filters=private & admins))
    app.add_handler(CommandHandler("cancelar", manager.pause, filters=private))
    app.add_handler(CommandHandler("mis_datos", manager.my_data, filters=private))
    app.add_handler(
        CommandHandler("retirar_consentimiento", manager.withdraw_consent, filters=private)
    )
    app.add_handler(CommandHandler("cambiar", manager.switch, filters=private))
    app.add_handler(CommandHandler("dejar", manager.leave, filters=private))
    app.add_handler(CommandHandler("compartir", manager.share, filters=private))
    for names, callback in (
        (["resumen", "summary"], admin.summary),
        (["exportar", "export"], admin.export),
        (["participacion"], admin.participation),
        (["invitar"], admin.invite),
        (["invitaciones"], admin.invitations),
        (["importar"], admin.import_help),
        (["solicitudes"], admin.data_requests),
        (["cluster"], desk.cluster),
        (["clusters"], desk.clusters),
        (["revision"], desk.review_queue),
        (["corregir"], desk.correct),
        (["pedir_ajuste"], desk.ask),
    ):
        app.add_handler(CommandHandler(names, callback, filters=private))
    app.add_handler(
        MessageHandler(
            private & filters.Document.ALL & filters.CaptionRegex(r"^/importar\b"),
            admin.import_registry,
        )
    )
    app.add_handler(
        CallbackQueryHandler(admin.remind_now, pattern=cb.is_kind(cb.RemindNow, cb.RemindAimed))
    )
    app.add_handler(CallbackQueryHandler(admin.erase, pattern=cb.is_kind(cb.EraseRequest)))
    app.add_handler(CallbackQueryHandler(admin.page, pattern=cb.is_kind(cb.Page, cb.AimPage)))
    app.add_handler(CallbackQueryHandler(desk.open_cluster, pattern=cb.is_kind(cb.ClusterOpen)))
    app.add_handler(CallbackQueryHandler(desk.clusters_page, pattern=cb.is_kind(cb.ClusterPage)))
    app.add_handler(CallbackQueryHandler(desk.queue_page, pattern=cb.is_kind(cb.QueuePage)))
    app.add_handler(CallbackQueryHandler(desk.approve, pattern=cb.is_kind(cb.Approve)))
    app.add_handler(CallbackQueryHandler(desk.evidence_file, pattern=cb.is_kind(cb.EvidenceGet)))
    app.add_handler(CallbackQueryHandler(documents.report_card, pattern=cb.is_kind(cb.ReportCard)))
    for kind, pressed in (
        (cb.DeskStart, desk.desk_start),
        (cb.DeskPick, desk.desk_pick),
        (cb.DeskPickPage, desk.desk_page),
        (cb.DeskPicked, desk.desk_picked),
        (cb.DeskConfirm, desk.desk_confirm),
        (cb.DeskCancel, desk.desk_cancel),
        (cb.DeskValue, desk.desk_value),
    ):
        app.add_handler(CallbackQueryHandler(pressed, pattern=cb.is_kind(kind)))
    app.add_handler(
        CallbackQueryHandler(manager.share_button, pattern=cb.is_kind(cb.ShareRemove, cb.ShareSend))
    )
    app.add_handler(CallbackQueryHandler(manager.button))
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE, manager.edited)
    )
    app.add_handler(MessageHandler(private & filters.COMMAND, manager.unknown_command))
    app.add_handler(MessageHandler(private & filters.TEXT & admins, desk.typed))
    app.add_handler(MessageHandler(private & filters.TEXT, manager.text))
    app.add_handler(
        MessageHandler(private & (filters.Document.ALL | filters.PHOTO), manager.evidence_file)
    )
    app.add_handler(
        MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, manager.other)
    )
    app.add_handler(TypeHandler(Update, mark_handled), group=1)
    app.add_error_handler(errors.on_error)
    return app


async def _post_init(app: SsmeApplication) -> None:
    # A SIGTERM now stops PTB's loop with this task still pending, and PTB goes on to
    # shutdown: _post_shutdown cancels it, and closes whatever it had opened (attached at once).
    app.bot_data.starting = asyncio.current_task()
    settings = app.bot_data.settings
    storage = app.bot_data.storage = await Storage.open(settings.db_path)
    renderer: Renderer = (
        ChartRenderer(workers=settings.chart_workers)
        if settings.chart_workers > 0
        else InlineChartRenderer()
    )
    app.bot_data.renderer = renderer
    # Warms the pool so the first manager does not pay for it; a task of its own, so that a
    # stop meanwhile can still wait for it to end (_post_shutdown) once the pool is closed.
    warming = app.bot_data.warming = asyncio.ensure_future(renderer.start())
    await asyncio.shield(warming)
    app.bot_data.survey = Survey(
        storage,
        load_questionnaire(settings.questionnaire_path),
        renderer,
        tz=settings.tz,
        policy=settings.reminders,
        clock=app.bot_data.now,
        privacy_contact=settings.privacy_contact,
    )
    await storage.forget_updates_before(utcnow() - SEEN_UPDATES_KEPT)
    await _replay_inbox(app, storage)
    # The menu is a convenience: a Telegram error here must not stop the bot from starting.
    commands = [BotCommand(k, v) for k, v in texts.COMMANDS.items()]
    await deliver(lambda: app.bot.set_my_commands(commands), "setMyCommands", 0)
    # Admins see their commands too, in their own chat only (an admin who never opened the bot
    # has no chat yet: Telegram refuses, it is logged, and the commands still work when typed).
    admin_commands = commands + [BotCommand(k, v) for k, v in admin_texts.ADMIN_COMMANDS.items()]
    for admin_id in sorted(settings.admin_ids):
        scope = BotCommandScopeChat(admin_id)
        await deliver(
            lambda: app.bot.set_my_commands(admin_commands, scope=scope),  # noqa: B023 - awaited
            "setMyCommands",
            admin_id,
        )
    # Reminders due while the bot was down go out at the first run, once.
    schedule_reminders(app, STARTUP_DELAY)
    schedule_owed_results(app)  # results a kill kept from their managers (the outbox)
    app.bot_data.starting = None
    log.info("event=started db=%s", settings.db_path)


async def _replay_inbox(app: SsmeApplication, storage: Storage) -> None:
    """Updates fetched but never replied to (the bot died meanwhile) are handled first; from
    now on every update is kept as fetched."""
    unreplied = await storage.unreplied_updates()
    for body in unreplied:
        update = Update.de_json(json.loads(body), app.bot)
        if update is not None:
            await app.update_queue.put(update)
    if unreplied:
        log.info("event=inbox_replayed updates=%d", len(unreplied))
    if app.bot_data.polling is not None:
        app.bot_data.polling.keep = storage.keep_updates
    if app.bot_data.webhook is not None:
        app.bot_data.webhook.keep = storage.keep_updates


async def _post_shutdown(app: SsmeApplication) -> None:
    starting, app.bot_data.starting = app.bot_data.starting, None
    if starting is not None and not starting.done():  # stopped during post_init
        starting.cancel()
        with contextlib.suppress(BaseException):
            await starting
    renderer, storage = app.bot_data.detach()
    if renderer is not None:
        await renderer.aclose()
    warming, app.bot_data.warming = app.bot_data.warming, None
    if warming is not None:  # ends once the pool is closed, if it had not yet
        with contextlib.suppress(Exception):
            await asyncio.wait_for(warming, 10)
    if storage is not None:
        await storage.close()
    log.info("event=stopped")
