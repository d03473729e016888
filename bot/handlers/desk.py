"""The analyst's desk in Telegram (admins only): ``/cluster ID`` and ``/clusters``.

Thin handlers over ``bot.services.desk``; the texts are ``bot.texts.desk``.
"""

from __future__ import annotations

from functools import partial

from telegram import Update

from bot.conversation import callbacks as cb
from bot.conversation import results
from bot.conversation.actions import Action, Button, Edit, Keyboard, Photo, Send
from bot.handlers.admin import _arg, _paged, _press, admin_only
from bot.handlers.context import Context
from bot.handlers.send import perform, survey_of
from bot.services import desk
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
    actions += [Send("\n".join(page)) for page in pages]
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
