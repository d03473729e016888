"""The analyst's desk in Telegram (admins only): ``/cluster ID``, ``/clusters``, ``/revision``,
``/corregir``, ``/pedir_ajuste``, and the buttons under ``/cluster`` that ask for a correction
or make one (``bot.services.desk_input``).

Thin handlers over ``bot.services.desk`` and ``bot.services.review``; the texts are
``bot.texts.desk``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
from html import escape
from typing import TypeVar

from telegram import Bot, Update
from telegram.constants import ParseMode

from bot import texts
from bot.conversation import callbacks as cb
from bot.conversation import results, submission
from bot.conversation.actions import Action, Button, Edit, Keyboard, Photo, Send, Toast
from bot.conversation.survey import Survey
from bot.handlers import manager
from bot.handlers.admin import Handler, _arg, _paged, _press, admin_only
from bot.handlers.context import Context
from bot.handlers.send import deliver, markup, perform, survey_of
from bot.reports import flags
from bot.services import corrections, desk, desk_input, review
from bot.services import evidence as evidence_files
from bot.services.errors import ServiceError
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
    # «Pedir ajuste» and «Corregir» act on the current campaign's sent response: shown there.
    sent = campaign_id is None and view.version is not None and _fits(view.cluster.cluster_id)
    desk_row = _desk_buttons(view.cluster.cluster_id) if sent else ()
    actions += [Send("\n".join(page)) for page in pages[:-1]]
    actions.append(Send("\n".join(pages[-1]), files + desk_row))
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


# -- the desk's buttons under /cluster: «Pedir ajuste», «Corregir» ------------------------------
# The steps are bot/services/desk_input.py's; the input waits in the database, so a restart
# keeps it. What an admin types while one waits is for it (``typed``, routed before the
# questionnaire's text handler), otherwise it is the questionnaire's as for anyone.


def _fits(cluster_id: str) -> bool:
    """Whether the desk's longest press for this cluster fits Telegram's 64 bytes."""
    try:
        cb.encode(cb.DeskPickPage(99, cluster_id))
        cb.encode(cb.DeskStart("correct", cluster_id))
    except ValueError:
        return False
    return True


def _desk_buttons(cluster_id: str) -> Keyboard:
    return (
        (
            Button(t.BTN_ASK, cb.DeskStart("ask", cluster_id)),
            Button(t.BTN_CORRECT, cb.DeskStart("correct", cluster_id)),
        ),
    )


CANCEL_ROW = (Button(t.BTN_CANCEL, cb.DeskCancel()),)


def _picker_screen(p: desk_input.Picker) -> tuple[str, Keyboard]:
    cid, ask = p.cluster.cluster_id, p.input.kind == "ask"
    lines = [(t.PICK_ASK if ask else t.PICK_CORRECT).format(name=escape(p.cluster.nombre))]
    if ask and p.picked:
        lines.append(t.PICKED_SO_FAR.format(questions=escape(", ".join(p.picked))))
    if p.pages > 1:
        lines.append(t.PICK_PAGE.format(n=p.page, total=p.pages))
    rows: list[tuple[Button, ...]] = []
    for o in p.options:
        label = t.desk_label(o.label)
        if ask:
            text = (t.BTN_PICKED if o.picked else t.BTN_UNPICKED).format(label=label)
        else:
            text = t.BTN_CHOOSE.format(label=label, shown=t.desk_label(o.shown))
        rows.append((Button(text, cb.DeskPick(o.index, cid)),))
    nav = []
    if p.page > 1:
        nav.append(Button(admin_texts.BTN_PREVIOUS, cb.DeskPickPage(p.page - 1, cid)))
    if p.page < p.pages:
        nav.append(Button(admin_texts.BTN_NEXT, cb.DeskPickPage(p.page + 1, cid)))
    if nav:
        rows.append(tuple(nav))
    done = (Button(t.BTN_PICK_DONE.format(n=len(p.picked)), cb.DeskPicked(cid)),) if ask else ()
    rows.append((*done, *CANCEL_ROW))
    return "\n".join(lines), tuple(rows)


def _prompt_text(p: desk_input.Prompt) -> str:
    name = escape(p.cluster.nombre)
    if p.input.step == "note":
        return t.ASK_NOTE.format(name=name, questions=escape(", ".join(p.questions)))
    assert p.question is not None  # a correction's prompt
    if p.input.step == "reason":
        return t.CORRECT_REASON.format(question=escape(p.question.short), new=escape(p.new or ""))
    current = escape(p.current) if p.current is not None else t.NO_VALUE
    lines = [t.CORRECT_VALUE.format(question=escape(p.question.short), name=name, current=current)]
    if p.question.type == "multi" and p.question.choices:  # one is pressed, several typed
        lines.append(t.CORRECT_CHOICES_MULTI)
        lines += [
            t.CORRECT_CHOICE.format(n=k, label=escape(c.label))
            for k, c in enumerate(p.question.choices, 1)
        ]
    return "\n".join(lines)


async def _desk_step(context: Context, step: desk_input.Step) -> tuple[str, Keyboard]:
    """A step's screen (an outcome carried out: the request sent to the manager)."""
    q = survey_of(context).q
    if isinstance(step, desk_input.Picker):
        return _picker_screen(step)
    if isinstance(step, desk_input.Prompt):
        cid, question = step.input.cluster_id, step.question
        choose: Keyboard = ()
        if step.input.step == "value" and question is not None:  # press the option, or type it
            yes_no = [texts.YES_NO_LABELS[True], texts.YES_NO_LABELS[False]]
            labels = [c.label for c in question.choices] if question.type == "single" else yes_no
            choose = tuple(
                (Button(t.desk_label(label), cb.DeskValue(k, cid)),)
                for k, label in enumerate(labels[: desk_input.option_count(question)], 1)
            )
        return _prompt_text(step), (*choose, CANCEL_ROW)
    if isinstance(step, desk_input.ToConfirm):
        confirm = Button(t.BTN_CONFIRM, cb.DeskConfirm(step.input.cluster_id))
        return t.correction_text(step.preview, q, step.reason), ((confirm, *CANCEL_ROW),)
    if isinstance(step, desk_input.Waiting):
        return t.DESK_WAITING, ()
    if isinstance(step, review.Ask):
        told = await send_follow_up(context.bot, step)
        return (t.ASKED if told else t.ASKED_NOBODY).format(name=escape(step.cluster.nombre)), ()
    return t.correction_text(step, q), ()


@admin_only
async def desk_start(update: Update, context: Context) -> None:
    """«Pedir ajuste» / «Corregir» under /cluster: the picker, in a message of its own."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    press = _press(query.data, cb.DeskStart)
    survey = survey_of(context)
    picker = await desk_input.start(
        survey.storage, survey.q, press.kind, press.cluster, update.effective_user.id
    )
    text, buttons = _picker_screen(picker)
    await perform(update, context, [Send(text, buttons)])


_Press = TypeVar("_Press", bound=cb.Callback)


def _desk_press(
    name: str,
    kind: type[_Press],
    call: Callable[[Survey, int, _Press], Awaitable[desk_input.Step]],
) -> Handler:
    """A press of the desk's input: its step, shown in place of the pressed message."""

    async def handler(update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and update.effective_user is not None
        step = await call(survey_of(context), update.effective_user.id, _press(query.data, kind))
        text, buttons = await _desk_step(context, step)
        await perform(update, context, [Edit(text, buttons)])

    handler.__name__ = handler.__qualname__ = name
    return admin_only(handler)


desk_pick = _desk_press(
    "desk_pick",
    cb.DeskPick,
    lambda s, user, p: desk_input.pick(s.storage, s.q, user, p.cluster, p.index),
)
desk_page = _desk_press(
    "desk_page",
    cb.DeskPickPage,
    lambda s, user, p: desk_input.page(s.storage, s.q, user, p.cluster, p.n),
)
desk_picked = _desk_press(
    "desk_picked",
    cb.DeskPicked,
    lambda s, user, p: desk_input.picked(s.storage, s.q, user, p.cluster),
)
desk_value = _desk_press(
    "desk_value",
    cb.DeskValue,
    lambda s, user, p: desk_input.value_pressed(s.storage, s.q, user, p.cluster, p.n),
)
desk_confirm = _desk_press(
    "desk_confirm",
    cb.DeskConfirm,
    lambda s, user, p: desk_input.confirm(s.storage, s.q, user, p.cluster),
)


@admin_only
async def desk_cancel(update: Update, context: Context) -> None:
    assert update.effective_user is not None
    await desk_input.cancel(survey_of(context).storage, update.effective_user.id)
    await perform(update, context, [Edit(t.DESK_CANCELLED, ())])


async def typed(update: Update, context: Context) -> None:
    """An admin's text (app.py filters on the admins): for their desk input if one waits,
    otherwise the questionnaire's, as anyone's."""
    user, message = update.effective_user, update.effective_message
    assert user is not None and message is not None
    survey = survey_of(context)
    try:
        step = await desk_input.typed(survey.storage, survey.q, user.id, message.text or "")
    except ServiceError as exc:  # nothing changed: the same step waits again
        await perform(update, context, [Send(escape(admin_texts.error(exc)))])
        return
    if step is None:
        await manager.text(update, context)
        return
    text, buttons = await _desk_step(context, step)
    await perform(update, context, [Send(text, buttons)])


async def cancel(update: Update, context: Context) -> None:
    """/cancelar of an admin (app.py filters on the admins): drops their desk input if one
    waits, otherwise pauses the questionnaire, as anyone's."""
    assert update.effective_user is not None
    if await desk_input.cancel(survey_of(context).storage, update.effective_user.id):
        await perform(update, context, [Send(t.DESK_CANCELLED)])
        return
    await manager.pause(update, context)
