"""``ssme cluster show|list``, ``ssme review list|approve`` and ``ssme correct``: the analyst's
desk on the command line, thin adapters over ``bot.services.desk``, ``review`` and
``corrections`` (the same use cases as ``/cluster``, ``/clusters``, ``/revision`` and
``/corregir``), printing the same Spanish texts without their HTML.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from bot.cli import common
from bot.texts import cli as texts


def cmd_cluster(args: argparse.Namespace) -> int:
    from bot.services import desk
    from bot.texts import desk as t

    settings = common.settings()
    q = common.questionnaire(settings)

    def when(moment: datetime) -> str:
        return common.local(moment, settings)

    if args.action == "show":
        view = common.on_storage(
            settings, lambda s: desk.cluster_view(s, q, args.cluster_id, args.campaign)
        )
        print(common.plain("\n".join(t.view_blocks(view, when))))
        return 0
    listing = common.on_storage(
        settings,
        lambda s: desk.cluster_list(s, args.campaign, args.filters, status_words=t.STATUS_WORDS),
    )
    print(common.plain("\n".join([t.list_title(listing), *t.list_lines(listing)])))
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from bot.reports import flags
    from bot.services import review
    from bot.texts import admin as admin_texts
    from bot.texts import desk as t

    settings = common.settings()
    q = common.questionnaire(settings)
    if args.action == "ask":
        return _ask(args, settings, q)
    if args.action == "approve":
        cluster = common.on_storage(
            settings, lambda s: review.approve(s, args.cluster_id, args.campaign, "cli")
        )
        print(common.plain(t.APPROVED.format(name=cluster.nombre)))
        return 0
    queue = common.on_storage(settings, lambda s: review.review_queue(s, q, args.campaign))
    labels = {lv.id: lv.label for lv in q.levels}
    lines = [
        t.QUEUE_TITLE.format(
            campaign=queue.campaign.campaign_id,
            n=len(queue.items),
            flagged=sum(1 for i in queue.items if i.flags),
        )
    ]
    for item in queue.items:
        when = common.local(item.changed_at, settings) if item.changed_at else "—"
        lines.append(
            f"{item.cluster_id}: "
            + t.QUEUE_ITEM.format(name=item.nombre, departamento=item.departamento, when=when)
        )
        lines += [
            t.QUEUE_FLAG.format(text=t.flag_text(f.code, flags.describe(f, labels)))
            for f in item.flags
        ]
    lines.append(admin_texts.review_line(queue.counts))
    print(common.plain("\n".join(lines)))
    return 0


def _ask(args: argparse.Namespace, settings: Any, q: Any) -> int:
    """Record the request, then send it to the manager with a bot of its own (as ``remind``)."""
    from bot.handlers.admin import reminder_channel
    from bot.handlers.desk import send_follow_up
    from bot.services import review
    from bot.storage import Storage
    from bot.texts import desk as t

    async def work(storage: Storage) -> tuple[review.Ask, bool]:
        done = await review.ask(
            storage, q, args.cluster_id, args.campaign, args.question_ids, args.note, "cli"
        )
        async with reminder_channel(settings) as channel:
            return done, await send_follow_up(channel.bot, done)

    settings.require_token()  # before anything is recorded
    done, told = common.on_storage(settings, work)
    reply = t.ASKED if told else t.ASKED_NOBODY
    print(common.plain(reply.format(name=done.cluster.nombre)))
    return 0


def cmd_correct(args: argparse.Namespace) -> int:
    from bot.services import corrections
    from bot.texts import desk as t

    settings = common.settings()
    q = common.questionnaire(settings)
    done = common.on_storage(
        settings,
        lambda s: corrections.correct(
            s, q, args.cluster_id, args.campaign, args.question_id, args.value, args.reason, "cli"
        ),
    )
    print(common.plain(t.correction_text(done, q)))
    return 0


def register(sub: Any) -> None:
    h = texts.HELP
    p = sub.add_parser("cluster", help=h["cluster"], description=h["cluster"])
    actions = p.add_subparsers(
        dest="action", required=True, title=h["actions"], metavar=h["action"]
    )
    c = actions.add_parser("show", help=h["cluster_show"], description=h["cluster_show"])
    c.add_argument("cluster_id", help=h["cluster_id"])
    c.add_argument("--campaign", help=h["campaign_id"])
    c = actions.add_parser("list", help=h["cluster_list"], description=h["cluster_list"])
    c.add_argument("filters", nargs="*", help=h["filters"])
    c.add_argument("--campaign", help=h["campaign_id"])
    p.set_defaults(func=cmd_cluster)

    p = sub.add_parser("review", help=h["review"], description=h["review"])
    actions = p.add_subparsers(
        dest="action", required=True, title=h["actions"], metavar=h["action"]
    )
    c = actions.add_parser("list", help=h["review_list"], description=h["review_list"])
    c.add_argument("--campaign", help=h["campaign_id"])
    c = actions.add_parser("ask", help=h["review_ask"], description=h["review_ask"])
    c.add_argument("cluster_id", help=h["cluster_id"])
    c.add_argument("question_ids", nargs="+", help=h["question_id"])
    c.add_argument("--note", default="", help=h["note"])
    c.add_argument("--campaign", help=h["campaign_id"])
    c = actions.add_parser("approve", help=h["review_approve"], description=h["review_approve"])
    c.add_argument("cluster_id", help=h["cluster_id"])
    c.add_argument("--campaign", help=h["campaign_id"])
    p.set_defaults(func=cmd_review)

    p = sub.add_parser("correct", help=h["correct"], description=h["correct"])
    p.add_argument("cluster_id", help=h["cluster_id"])
    p.add_argument("question_id", help=h["question_id"])
    p.add_argument("value", help=h["value"])
    p.add_argument("--reason", required=True, help=h["reason"])
    p.add_argument("--campaign", help=h["campaign_id"])
    p.set_defaults(func=cmd_correct)
