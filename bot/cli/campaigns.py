"""``ssme campaign …``, ``invite``, ``remind`` and ``participation``: running a measurement."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.cli import common
from bot.texts import admin as t
from bot.texts import cli as texts

if TYPE_CHECKING:
    from bot.storage import Storage

# Spanish action names, and the English ones they replaced (still accepted, not listed).
ACTIONS = {
    "crear": "create",
    "abrir": "open",
    "cerrar": "close",
    "extender": "extend",
    "listar": "list",
}


def cmd_invite(args: argparse.Namespace) -> int:
    from bot.services import invitations

    settings = common.settings()
    invitation = common.on_storage(
        settings, lambda s: invitations.invite(s, args.cluster_id, "cli", days=args.days)
    )
    if not settings.bot_username:
        print(texts.WARNING.format(text=texts.NO_USERNAME), file=sys.stderr)
    print(
        texts.INVITATION.format(
            cluster=args.cluster_id,
            link=invitation.link(settings.bot_username or "<bot>"),
            code=invitation.token,
            expires=common.local(invitation.expires_at, settings),
        )
    )
    return 0


def cmd_campaign(args: argparse.Namespace) -> int:
    from bot.services import campaigns

    settings = common.settings()
    action = ACTIONS.get(args.action, args.action)
    if action == "list":
        found = common.on_storage(settings, campaigns.list_all)
        if not found:
            print(texts.NO_CAMPAIGNS)
        for c in found:
            print(
                texts.CAMPAIGN_LINE.format(
                    id=c.campaign_id,
                    year=c.reference_year,
                    state=texts.CAMPAIGN_STATES.get(c.state, c.state),
                    opens=common.local(c.opens_at, settings),
                    closes=common.local(c.closes_at, settings),
                )
            )
        return 0
    if action == "create":
        common.on_storage(
            settings,
            lambda s: campaigns.create(
                s, args.id, args.reference_year, args.opens, args.closes, settings.tz, "cli"
            ),
        )
        print(texts.CAMPAIGN_CREATED.format(id=args.id))
        return 0
    changes: dict[str, Callable[[Storage], Awaitable[object]]] = {
        "open": lambda s: campaigns.open_campaign(s, args.id, "cli", force=args.force),
        "close": lambda s: campaigns.close_campaign(s, args.id, "cli"),
        "extend": lambda s: campaigns.extend(s, args.id, args.closes, settings.tz, "cli"),
    }
    common.on_storage(settings, changes[action])
    print(texts.CAMPAIGN_DONE[action].format(id=args.id, closes=getattr(args, "closes", "")))
    return 0


def cmd_participation(args: argparse.Namespace) -> int:
    from bot.services.participation import participation
    from bot.texts import admin as t

    report = common.on_storage(common.settings(), lambda s: participation(s, args.campaign))
    print(common.plain(t.participation_text(report)))
    return 0


def cmd_remind(args: argparse.Namespace) -> int:
    from bot.handlers.admin import reminder_channel
    from bot.services import campaigns
    from bot.services.reminders import plan, send_due
    from bot.storage import utcnow
    from bot.texts import reminders as rtexts

    settings = common.settings()
    q = common.questionnaire(settings)

    async def work(storage: Storage) -> int:
        campaign = await campaigns.resolve(storage, args.campaign)
        now = utcnow()
        current = await plan(storage, q, settings.reminders, now, campaign)
        for decision, _, name in current.decisions:
            kind = decision.kind
            print(
                texts.REMIND_LINE.format(
                    mark="→" if decision.send else "·",
                    cluster=decision.cluster_id,
                    name=name,
                    kind=rtexts.KIND_LABELS.get(str(kind), str(kind)) if kind else texts.NO_KIND,
                    detail=rtexts.detail(decision, settings.reminders.tz),
                )
            )
        if not current.decisions:
            print(texts.REMIND_NOBODY)
        else:
            print(texts.REMIND_DUE.format(n=len(current.due), total=len(current.decisions)))
        if args.dry_run or not current.due:
            return 0
        async with reminder_channel(settings) as channel:
            report, _ = await send_due(
                channel, storage, q, settings.reminders, now, campaign=campaign
            )
        print(
            texts.REMIND_SENT.format(
                sent=report.sent, failed=report.failed, unreachable=report.unreachable
            )
        )
        return 0

    return common.on_storage(settings, work)


def _hidden_alias(actions: Any, spanish: str, english: str) -> None:
    """``english`` runs the same subparser as ``spanish`` without being listed in the help."""
    actions._name_parser_map[english] = actions._name_parser_map[spanish]


def register(sub: Any) -> None:
    h = texts.HELP
    p = sub.add_parser("invite", help=h["invite"], description=h["invite"])
    p.add_argument("cluster_id", help=h["cluster_id"])
    p.add_argument("--days", type=int, help=h["days"])
    p.set_defaults(func=cmd_invite)

    p = sub.add_parser("remind", help=h["remind"], description=h["remind"])
    p.add_argument("--campaign", help=h["campaign_id"])
    p.add_argument("--dry-run", action="store_true", help=h["dry_run"])
    p.set_defaults(func=cmd_remind)

    p = sub.add_parser("participation", help=h["participation"], description=h["participation"])
    p.add_argument("--campaign", help=h["campaign_id"])
    p.set_defaults(func=cmd_participation)

    p = sub.add_parser("campaign", help=h["campaign"], description=h["campaign"])
    csub = p.add_subparsers(dest="action", required=True, title=h["actions"], metavar=h["action"])
    c = csub.add_parser("crear", help=h["campaign_create"], description=h["campaign_create"])
    c.add_argument("id", help=h["new_campaign_id"])
    c.add_argument("--reference-year", type=int, required=True, help=h["reference_year"])
    c.add_argument("--opens", required=True, help=h["opens"])
    c.add_argument("--closes", required=True, help=h["closes"])
    for name, key in (("abrir", "campaign_open"), ("cerrar", "campaign_close")):
        c = csub.add_parser(name, help=h[key], description=h[key])
        c.add_argument("id", help=h["existing_campaign_id"])
        if name == "abrir":
            c.add_argument("--force", action="store_true", help=t.FORCE_HELP)
    c = csub.add_parser("extender", help=h["campaign_extend"], description=h["campaign_extend"])
    c.add_argument("id", help=h["existing_campaign_id"])
    c.add_argument("--closes", required=True, help=h["closes"])
    csub.add_parser("listar", help=h["campaign_list"], description=h["campaign_list"])
    for spanish, english in ACTIONS.items():
        _hidden_alias(csub, spanish, english)
    p.set_defaults(func=cmd_campaign)
