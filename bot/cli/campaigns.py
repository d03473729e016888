"""``ssme campaign …``, ``invite``, ``remind`` and ``participation``: running a measurement."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli import common
from bot.texts import admin as t
from bot.texts import cli as texts

if TYPE_CHECKING:
    from bot.services.participation import Participation
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

    modes = sum((args.cluster_id is not None, args.csv is not None, args.all_without_manager))
    if modes != 1:
        raise common.CliError(t.INVITE_ONE_MODE)
    settings = common.settings()
    if args.cluster_id is None:
        return _invite_sheet(args, settings)
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


def _invite_sheet(args: argparse.Namespace, settings: Any) -> int:
    """``--csv FILE`` / ``--all-without-manager``: a mail-merge CSV of links. Everything is
    checked before anything is made; the file is written beside its final name first, the
    invitations are stored in one transaction, and only then does the file take its name."""
    from bot.services import invitations
    from bot.services.errors import ServiceError

    if not settings.bot_username:
        raise ServiceError("invite_no_username")
    stamp = datetime.now(settings.tz).strftime("%Y%m%d-%H%M%S")
    output = Path(args.output or f"invitaciones-{stamp}.csv").absolute()
    if not output.parent.is_dir() or not os.access(output.parent, os.W_OK):
        raise ServiceError("invite_output", file=output, reason=t.INVITE_NO_FOLDER)
    if output.is_dir():
        raise ServiceError("invite_output", file=output, reason=t.INVITE_IS_FOLDER)
    data = common.read_bytes(Path(args.csv)) if args.csv is not None else None

    async def work(storage: Storage) -> invitations.InvitationSheet:
        if data is not None:
            wanted = await invitations.read_wanted(storage, data, args.csv)
            managed = [
                w.cluster.cluster_id
                for w in wanted
                if await storage.cluster_manager(w.cluster.cluster_id) is not None
            ]
            if managed:
                note = t.INVITE_HAS_MANAGER.format(n=len(managed), ids=", ".join(managed))
                print(texts.WARNING.format(text=note), file=sys.stderr)
        else:
            wanted = await invitations.without_manager(storage, args.campaign)
        sheet = invitations.prepare_sheet(wanted, settings.bot_username, days=args.days)
        if not sheet.count:
            return sheet
        partial = output.with_name(f".{output.name}.parcial")
        common.write_bytes(partial, sheet.data)
        try:
            await invitations.store_sheet(storage, sheet, "cli")
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        os.replace(partial, output)
        return sheet

    sheet = common.on_storage(settings, work)
    if not sheet.count:
        print(t.INVITE_SHEET_NONE)
        return 0
    assert sheet.expires_at is not None
    expires = common.local(sheet.expires_at, settings)
    print(t.INVITE_SHEET_DONE.format(n=sheet.count, expires=expires, file=output))
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


async def _aim(storage: Storage, args: argparse.Namespace) -> Participation:
    """The campaign's participation kept to ``--department --sector --cluster --state``."""
    from bot.services.participation import participation, read_aim

    whole = await participation(storage, args.campaign)
    aim = await read_aim(
        storage,
        whole.active,
        departments=args.department or (),
        sectors=args.sector or (),
        clusters=args.cluster or (),
        aim_states=args.state or (),
    )
    return await participation(storage, whole.campaign.campaign_id, aim) if aim else whole


def cmd_participation(args: argparse.Namespace) -> int:
    from bot.storage import utcnow

    settings = common.settings()
    report = common.on_storage(settings, lambda s: _aim(s, args))
    blocks = [*t.participation_blocks(report), *t.pending_blocks(report)]
    blocks += t.no_manager_blocks(report, utcnow(), settings.tz)
    print(common.plain("\n".join(blocks)))
    return 0


def cmd_remind(args: argparse.Namespace) -> int:
    """Every decision in the aim (all registered managers without one), then, unless a dry
    run, the sends the policy allows now and why the others got none."""
    from bot.handlers.admin import reminder_channel
    from bot.services.reminders import SendReport, plan, send_due
    from bot.storage import utcnow
    from bot.texts import reminders as rtexts

    settings = common.settings()
    q = common.questionnaire(settings)

    async def work(storage: Storage) -> int:
        report = await _aim(storage, args)
        aim = report.aim
        only = report.aimed_ids() if aim else None
        campaign = report.campaign
        now = utcnow()
        current = await plan(storage, q, settings.reminders, now, campaign)
        decisions = [d for d in current.decisions if only is None or d[0].cluster_id in only]
        for decision, _, name in decisions:
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
        due = sum(1 for d, _, _ in decisions if d.send)
        if aim:
            print(t.REMIND_AIMED.format(words=" ".join(aim.words()), n=len(only or ())))
        if not decisions:
            print(t.REMIND_AIM_NOBODY if aim else texts.REMIND_NOBODY)
        else:
            print(texts.REMIND_DUE.format(n=due, total=len(decisions)))
        without = len(report.without_manager)
        if without:
            print(t.REMIND_NO_MANAGER.format(n=without))
        if args.dry_run:
            return 0
        if due:
            async with reminder_channel(settings) as channel:
                sent, _ = await send_due(
                    channel, storage, q, settings.reminders, now, campaign=campaign, only=only
                )
        else:  # nothing to send: why, from the decisions above
            sent = SendReport(skipped=Counter(d.reason for d, _, _ in decisions))
        print(
            texts.REMIND_SENT.format(
                sent=sent.sent, failed=sent.failed, unreachable=sent.unreachable
            )
        )
        print(t.skipped_text(sent.skipped))
        return 0

    return common.on_storage(settings, work)


def _hidden_alias(actions: Any, spanish: str, english: str) -> None:
    """``english`` runs the same subparser as ``spanish`` without being listed in the help."""
    actions._name_parser_map[english] = actions._name_parser_map[spanish]


def _aim_flags(p: Any) -> None:
    for flag, key, metavar in (
        ("--department", "department", "DEPARTAMENTO"),
        ("--sector", "sector", "SECTOR"),
        ("--cluster", "cluster", "CLÚSTER"),
        ("--state", "state", "ESTADO"),
    ):
        p.add_argument(flag, action="append", metavar=metavar, help=t.REMIND_FLAGS_HELP[key])


def register(sub: Any) -> None:
    h = texts.HELP
    p = sub.add_parser("invite", help=h["invite"], description=t.INVITE_DESCRIPTION)
    p.add_argument("cluster_id", nargs="?", help=h["cluster_id"])
    p.add_argument("--csv", metavar="ARCHIVO", help=t.INVITE_CSV_HELP)
    p.add_argument("--all-without-manager", action="store_true", help=t.INVITE_ALL_HELP)
    p.add_argument("--output", metavar="ARCHIVO", help=t.INVITE_OUTPUT_HELP)
    p.add_argument("--campaign", help=h["campaign_id"])
    p.add_argument("--days", type=int, help=h["days"])
    p.set_defaults(func=cmd_invite)

    p = sub.add_parser("remind", help=h["remind"], description=h["remind"])
    p.add_argument("--campaign", help=h["campaign_id"])
    p.add_argument("--dry-run", action="store_true", help=h["dry_run"])
    _aim_flags(p)
    p.set_defaults(func=cmd_remind)

    p = sub.add_parser("participation", help=h["participation"], description=h["participation"])
    p.add_argument("--campaign", help=h["campaign_id"])
    _aim_flags(p)
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
