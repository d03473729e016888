"""The analyst's desk in Telegram (admins only): ``/cluster ID``, ``/clusters``, ``/revision``.

Thin handlers over ``bot.services.desk`` and ``bot.services.review``; the texts are
``bot.texts.desk``.
"""

from __future__ import annotations

import asyncio
from functools import partial
from html import escape

from telegram import Bot, Update
from telegram.constants import ParseMode

from bot.conversation import callbacks as cb
from bot.conversation import results, submission
from bot.conversation.actions import Action, Button, Edit, Keyboard, Photo, Send, Toast
from bot.handlers.admin import _arg, _paged, _press, admin_only
from bot.handlers.context import Context
from bot.handlers.send import deliver, markup, perform, survey_of
from bot.reports import flags
from bot.services import corrections, desk, review
from bot.services import evidence as evidence_files
from bot.texts import admin as admin_texts
from bot.texts import desk as t
from bot.texts.paging import paginate

PER_PAGE = 10  # clusters per page of /clusters, each with its button


async def _view(context: Context, typed: str, campaign_id: str | None) -> list[Action]:
    survey = survey_of(context)
    view = await desk.cluster_view(survey.storage, survey.q, typed, campaign_id)
    actions: list[Action] = []
    if view.result is not None:
        spec = results.radar_spec(
            survey.q, view.result, view.cluster.nombre, view.campaign.campaign_id, view.overlays
        )
        draw = partial(survey.renderer.render_radar, spec, image_format="jpeg")
        actions.append(Photo(draw, t.photo_caption(view)))
    pages = paginate(t.view_blocks(view, survey.when))
    files: Keyboard = tuple(
        (Button(t.BTN_EVIDENCE.format(name=e.name[:40]), cb.EvidenceGet(e.evidence_id)),)
        for _, e in view.evidence
    )
    actions += [Send("\n".join(page)) for page in pages[:-1]]
    actions.append(Send("\n".join(pages[-1]), files))
    return actions


@admin_only
async def cluster(update: Update, context: Context) -> None:
    """/cluster ID [campaign]: one cluster at a glance."""
    typed = _arg(context)
    if typed is None:
        await perform(update, context, [Send(t.CLUSTER_USAGE)])
        return
    await perform(update, context, await _view(context, typed, _arg(context, 1)))


@admin_only
async def open_cluster(update: Update, context: Context) -> None:
    """A cluster's button under /clusters."""
    query = update.callback_query
    assert query is not None
    press = _press(query.data, cb.ClusterOpen)
    await perform(update, context, await _view(context, press.cluster, None))


async def _list_page(
    context: Context, filters: desk.Filters | None, words: list[str], n: int
) -> Send:
    survey = survey_of(context)
    listing = await desk.cluster_list(
        survey.storage, None, words, status_words=t.STATUS_WORDS, filters=filters
    )
    if not listing.rows:
        return Send("\n".join([t.list_title(listing), t.LIST_EMPTY, t.LIST_HELP]))
    code = listing.filters.encode()
    text, nav, shown = _paged(
        t.list_title(listing),
        t.list_lines(listing),
        lambda k: cb.ClusterPage(k, code),
        n,
        per_page=PER_PAGE,
    )
    opens: Keyboard = tuple(
        (Button(t.BTN_OPEN.format(name=s.nombre), cb.ClusterOpen(s.cluster_id)),)
        for s in (listing.rows[i] for i in shown)
    )
    if not nav:
        text += "\n" + t.LIST_HELP
    return Send(text, opens + nav)


@admin_only
async def clusters(update: Update, context: Context) -> None:
    """/clusters [departamento] [sector] [estado]: the current campaign's clusters, in pages."""
    await perform(update, context, [await _list_page(context, None, list(context.args or []), 1)])


@admin_only
async def clusters_page(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    press = _press(query.data, cb.ClusterPage)
    shown = await _list_page(context, desk.Filters.decode(press.filters), [], press.n)
    await perform(update, context, [Edit(shown.text, shown.buttons)])


# -- the review queue --------------------------------------------------------------------------


QUEUE_PER_PAGE = 8  # submissions per page of /revision, each with its two buttons


async def _queue_page(context: Context, n: int) -> Send:
    survey = survey_of(context)
    queue = await review.review_queue(survey.storage, survey.q, None)
    campaign = queue.campaign.campaign_id
    if not queue.items:
        counts = admin_texts.review_line(queue.counts)
        return Send(t.QUEUE_EMPTY.format(campaign=escape(campaign), counts=counts))
    labels = {lv.id: lv.label for lv in survey.q.levels}
    blocks = [
        "\n".join(
            [
                t.QUEUE_LINE.format(
                    name=escape(item.nombre),
                    departamento=escape(item.departamento),
                    when=survey.when(item.changed_at) if item.changed_at else "—",
                )
            ]
            + [
                t.QUEUE_FLAG.format(text=escape(t.flag_text(f.code, flags.describe(f, labels))))
                for f in item.flags
            ]
        )
        for item in queue.items
    ]
    title = t.QUEUE_TITLE.format(
        campaign=escape(campaign),
        n=len(queue.items),
        flagged=sum(1 for i in queue.items if i.flags),
    )
    text, nav, shown = _paged(title, blocks, cb.QueuePage, n, per_page=QUEUE_PER_PAGE)
    page = min(max(n, 1), -(-len(blocks) // QUEUE_PER_PAGE))
    rows: Keyboard = tuple(
        (
            Button(t.BTN_APPROVE.format(name=item.nombre), cb.Approve(page, item.cluster_id)),
            Button(t.BTN_OPEN.format(name=item.nombre), cb.ClusterOpen(item.cluster_id)),
        )
        for item in (queue.items[i] for i in shown)
    )
    text += "\n\n" + admin_texts.review_line(queue.counts)
    return Send(text, rows + nav)


@admin_only
async def review_queue(update: Update, context: Context) -> None:
    """/revision: the current campaign's submissions to review, flagged first."""
    await perform(update, context, [await _queue_page(context, 1)])


@admin_only
async def queue_page(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None
    shown = await _queue_page(context, _press(query.data, cb.QueuePage).n)
    await perform(update, context, [Edit(shown.text, shown.buttons)])


@admin_only
async def approve(update: Update, context: Context) -> None:
    """«Aprobar»: approved, and the page shows the queue without it."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    press = _press(query.data, cb.Approve)
    storage = survey_of(context).storage
    cluster = await review.approve(storage, press.cluster, None, update.effective_user.id)
    shown = await _queue_page(context, press.n)
    done = Toast(t.APPROVED.format(name=cluster.nombre))
    await perform(update, context, [done, Edit(shown.text, shown.buttons)])


# -- corrections -------------------------------------------------------------------------------


def _words_and_text(update: Update) -> tuple[list[str], str | None]:
    """A command's words before «|», and what follows it (None: no «|»)."""
    message = update.effective_message
    assert message is not None
    _, _, rest = (message.text or "").partition(" ")
    head, bar, text = rest.partition("|")
    return head.split(), text if bar else None


@admin_only
async def correct(update: Update, context: Context) -> None:
    """/corregir ID PREGUNTA VALOR | motivo: an admin corrects a submitted answer."""
    assert update.effective_user is not None
    words, reason = _words_and_text(update)
    if len(words) < 3 or reason is None:
        await perform(update, context, [Send(t.CORRECT_USAGE)])
        return
    survey = survey_of(context)
    done = await corrections.correct(
        survey.storage,
        survey.q,
        words[0],
        None,
        words[1],
        " ".join(words[2:]),
        reason,
        update.effective_user.id,
    )
    await perform(update, context, [Send(t.correction_text(done, survey.q))])


@admin_only
async def evidence_file(update: Update, context: Context) -> None:
    """An evidence file's button: the file, with its original name."""
    query = update.callback_query
    assert query is not None and update.effective_chat is not None
    storage = survey_of(context).storage
    found = await storage.get_evidence(_press(query.data, cb.EvidenceGet).evidence_id)
    if found is None:
        await perform(update, context, [Toast(t.EVIDENCE_GONE)])
        return
    data = await asyncio.to_thread(evidence_files.read, storage, found)
    chat_id = update.effective_chat.id
    await perform(update, context, [])
    await deliver(
        lambda: context.bot.send_document(chat_id, data, filename=found.name),
        "sendDocument",
        chat_id,
    )


# -- follow-up: an analyst asks the manager to revisit answers -----------------------------------


async def send_follow_up(bot: Bot, done: review.Ask) -> bool:
    """The request in the manager's chat, with a button per question; whether it went out."""
    if done.manager is None:
        return False
    screen = submission.follow_up(
        done.cluster.nombre,
        done.campaign.campaign_id,
        done.questions,
        done.note,
        cluster=done.cluster.cluster_id,
    )
    chat_id = done.manager.chat_id
    sent = await deliver(
        lambda: bot.send_message(
            chat_id, screen.text, parse_mode=ParseMode.HTML, reply_markup=markup(screen.buttons)
        ),
        "sendMessage",
        chat_id,
    )
    return sent is not None


@admin_only
async def ask(update: Update, context: Context) -> None:
    """/pedir_ajuste ID PREGUNTA… | nota: the manager is asked, in their chat, to revisit."""
    assert update.effective_user is not None
    words, note = _words_and_text(update)
    if len(words) < 2:
        await perform(update, context, [Send(t.ASK_USAGE)])
        return
    survey = survey_of(context)
    done = await review.ask(
        survey.storage, survey.q, words[0], None, words[1:], note or "", update.effective_user.id
    )
    told = await send_follow_up(context.bot, done)
    reply = t.ASKED if told else t.ASKED_NOBODY
    await perform(update, context, [Send(reply.format(name=escape(done.cluster.nombre)))])
