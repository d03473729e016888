"""The reminder policy at its edges, with a controllable clock (``now`` is just a datetime).

The campaign of these tests opens on Tuesday 2 November 2021 at 08:00 and closes on Friday
3 December 2021 at 23:59:59 (Bogotá); its last-call window starts on Tuesday 30 November.
November 2021 has two Monday holidays: 1 November (Todos los Santos) and 15 November
(Independencia de Cartagena, moved from Thursday 11 by the Ley Emiliani).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bot.reminders import (
    CampaignWindow,
    Decision,
    ManagerState,
    ReminderKind,
    ReminderPolicy,
    SentReminder,
    deadline_day,
    decide,
    due,
    is_allowed_moment,
    next_allowed_moment,
    next_check,
    snooze_until,
)
from bot.texts import reminders as rtexts
from bot.texts.reminders import reminder_text
from tests.imports import loaded_by

BOG = ZoneInfo("America/Bogota")
POLICY = ReminderPolicy()
INV, CONT, LAST = ReminderKind.INVITATION, ReminderKind.CONTINUE, ReminderKind.LAST_CALL


def at(month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0) -> datetime:
    """A moment of 2021 in Bogotá time."""
    return datetime(2021, month, day, hour, minute, second, tzinfo=BOG)


CAMPAIGN = CampaignWindow("2021", at(11, 2, 8), at(12, 3, 23, 59, 59), "open")
REGISTERED = at(10, 20)  # before the campaign opened
LAST_ANSWER = at(11, 3, 10)  # a draft last touched on Wednesday 3


def manager(
    status: str = "draft",
    *,
    cluster_id: str = "cafe",
    registered_at: datetime = REGISTERED,
    last_activity_at: datetime | None = LAST_ANSWER,
    answered: int = 34,
    total: int = 46,
    sent: tuple[tuple[ReminderKind, datetime], ...] = (),
    **flags: object,
) -> ManagerState:
    return ManagerState(
        cluster_id=cluster_id,
        user_id=101,
        chat_id=101,
        registered_at=registered_at,
        status=status,  # type: ignore[arg-type]
        last_activity_at=last_activity_at if status in ("draft", "correcting") else None,
        answered=answered if status != "not_started" else 0,
        total=total,
        sent=tuple(SentReminder(kind, moment) for kind, moment in sent),
        **flags,  # type: ignore[arg-type]
    )


def check(m: ManagerState, now: datetime, campaign: CampaignWindow = CAMPAIGN) -> Decision:
    return decide(POLICY, campaign, m, now)


def detail(decision: Decision) -> str:
    """The decision as the admin dry-run words it."""
    return rtexts.detail(decision, POLICY.tz)


# --- the policy as data ----------------------------------------------------------------------


def test_defaults_follow_the_issue() -> None:
    assert POLICY.max_per_campaign == 3
    assert POLICY.min_gap == timedelta(days=3)
    assert (POLICY.window_start.hour, POLICY.window_end.hour) == (8, 18)
    assert POLICY.weekdays_only and POLICY.skip_holidays
    assert POLICY.timezone == "America/Bogota"


def test_policy_reads_settings_like_values() -> None:
    policy = ReminderPolicy.model_validate(
        {"min_gap": "2d", "first_after": "12h", "draft_idle": "P1D", "window_start": "07:30"}
    )
    assert policy.min_gap == timedelta(days=2)
    assert policy.first_after == timedelta(hours=12)
    assert policy.draft_idle == timedelta(days=1)
    assert policy.window_start.minute == 30
    with pytest.raises(ValidationError):
        POLICY.min_gap = timedelta(days=1)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"window_start": "18:00", "window_end": "08:00"},
            "window_start (18:00) debe ser anterior",
        ),
        ({"window_start": "08:00", "window_end": "08:00"}, "window_end"),
        ({"min_gap": "0m"}, "min_gap debe ser mayor que cero"),
        ({"first_after": timedelta(hours=-1)}, "first_after no puede ser negativo"),
        ({"timezone": "America/Bogata"}, "zona horaria desconocida 'America/Bogata'"),
        ({"max_per_campaign": -1}, "max_per_campaign"),
        ({"min_gapp": "3d"}, "min_gapp"),
    ],
)
def test_invalid_policy_names_the_field(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(message)):
        ReminderPolicy.model_validate(values)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="now must be a timezone-aware"):
        is_allowed_moment(POLICY, datetime(2021, 11, 3, 10))
    with pytest.raises(ValueError, match="registered_at"):
        manager(registered_at=datetime(2021, 10, 20))
    with pytest.raises(ValueError, match="closes_at must be after opens_at"):
        CampaignWindow("x", at(12, 3), at(11, 2), "open")


# --- allowed moments ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        (at(11, 3, 7, 59), False),
        (at(11, 3, 7, 59, 59), False),
        (at(11, 3, 8, 0), True),  # the start is included
        (at(11, 3, 17, 59), True),
        (at(11, 3, 17, 59, 59), True),
        (at(11, 3, 18, 0), False),  # the end is excluded
        (at(11, 6, 10), False),  # Saturday
        (at(11, 7, 10), False),  # Sunday
        (at(11, 1, 10), False),  # Monday, Todos los Santos
        (at(11, 15, 10), False),  # Monday, Independencia de Cartagena (moved)
        (at(11, 11, 10), True),  # Thursday 11: the holiday's real date is a working day
        (at(12, 8, 10), False),  # Wednesday, Inmaculada Concepción
    ],
)
def test_allowed_moments(moment: datetime, allowed: bool) -> None:
    assert is_allowed_moment(POLICY, moment) is allowed


def test_the_holidays_come_from_the_holidays_package() -> None:
    colombia = holidays.country_holidays("CO", years=2021)
    assert date(2021, 11, 1) in colombia
    assert date(2021, 11, 15) in colombia  # moved to Monday
    assert date(2021, 11, 11) not in colombia


def test_bogota_is_utc_minus_five_all_year() -> None:
    assert is_allowed_moment(POLICY, datetime(2021, 11, 3, 13, 0, tzinfo=UTC))  # 08:00 local
    assert not is_allowed_moment(POLICY, datetime(2021, 11, 3, 12, 59, tzinfo=UTC))
    assert not is_allowed_moment(POLICY, datetime(2021, 11, 3, 23, 0, tzinfo=UTC))  # 18:00
    # No daylight saving time: the same in July.
    assert is_allowed_moment(POLICY, datetime(2021, 7, 7, 13, 0, tzinfo=UTC))
    moment = next_allowed_moment(POLICY, datetime(2021, 11, 3, 12, 0, tzinfo=UTC))
    assert moment == datetime(2021, 11, 3, 13, 0, tzinfo=UTC)
    assert moment.utcoffset() == timedelta(hours=-5)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (at(11, 3, 10), at(11, 3, 10)),  # already allowed: itself
        (at(11, 3, 6), at(11, 3, 8)),  # early: the same day's start
        (at(11, 3, 18), at(11, 4, 8)),  # at the end: the next day
        (at(11, 5, 19), at(11, 8, 8)),  # Friday evening → Monday
        (at(11, 6, 10), at(11, 8, 8)),  # Saturday → Monday
        (at(10, 29, 19), at(11, 2, 8)),  # Friday → Tuesday: Monday 1 is Todos los Santos
        (at(11, 13, 10), at(11, 16, 8)),  # Saturday → Tuesday: Monday 15 is a moved holiday
        (at(11, 15, 7), at(11, 16, 8)),  # early on the holiday itself
        (at(12, 7, 18), at(12, 9, 8)),  # Tuesday evening → Thursday: 8 December
    ],
)
def test_next_allowed_moment(after: datetime, expected: datetime) -> None:
    moment = next_allowed_moment(POLICY, after)
    assert moment == expected
    assert moment.tzinfo is not None
    assert is_allowed_moment(POLICY, moment)


def test_weekends_and_holidays_can_be_allowed() -> None:
    every_day = ReminderPolicy(weekdays_only=False, skip_holidays=False)
    assert is_allowed_moment(every_day, at(11, 6, 10))
    assert next_allowed_moment(every_day, at(11, 13, 19)) == at(11, 14, 8)
    no_weekends = ReminderPolicy(skip_holidays=False)
    assert next_allowed_moment(no_weekends, at(11, 13, 10)) == at(11, 15, 8)


@pytest.mark.parametrize(
    ("pressed", "expected"),
    [
        (at(11, 3, 10, 5), at(11, 4, 8)),  # Wednesday → Thursday 8:00
        (at(11, 3, 23, 30), at(11, 4, 8)),
        (at(11, 5, 10), at(11, 8, 8)),  # Friday → Monday
        (at(11, 12, 10), at(11, 16, 8)),  # Friday → Tuesday (Monday 15 is a holiday)
    ],
)
def test_snooze_means_tomorrows_window(pressed: datetime, expected: datetime) -> None:
    assert snooze_until(POLICY, pressed) == expected


# --- who gets what -----------------------------------------------------------------------------


def test_invitation_waits_first_after_from_the_opening() -> None:
    m = manager("not_started")  # registered before the campaign opened on Tuesday 2
    early = check(m, at(11, 4, 7, 59))
    assert (early.send, early.reason, early.kind) == (False, "first_after", INV)
    assert early.next_at == at(11, 4, 8)
    sent = check(m, at(11, 4, 8))
    assert (sent.send, sent.kind, sent.reason) == (True, INV, "due")


def test_invitation_waits_first_after_from_a_late_registration() -> None:
    m = manager("not_started", registered_at=at(11, 10, 15))
    assert not check(m, at(11, 12, 14, 59)).send
    assert check(m, at(11, 12, 15)).kind == INV
    assert check(m, at(11, 12, 15)).send


def test_continue_after_the_draft_is_idle() -> None:
    m = manager(last_activity_at=at(11, 9, 12))
    idle = check(m, at(11, 11, 11, 59))
    assert (idle.send, idle.reason) == (False, "draft_active")
    assert detail(idle).startswith("respondió hace 1 día y 23 horas; se recuerda tras 2 días")
    decision = check(m, at(11, 11, 12))
    assert (decision.send, decision.kind) == (True, CONT)


def test_minimum_gap_between_two_reminders() -> None:
    m = manager(sent=((CONT, at(11, 8, 10)),))
    too_soon = check(m, at(11, 11, 9, 59))  # 2 days 23 h 59 min later
    assert (too_soon.send, too_soon.reason) == (False, "min_gap")
    assert too_soon.next_at == at(11, 11, 10)
    assert check(m, at(11, 11, 10)).send  # exactly 3 days later


def test_the_reason_is_readable_in_the_dry_run() -> None:
    m = manager(sent=((CONT, at(11, 8, 10)),))
    decision = check(m, at(11, 9, 10))
    assert detail(decision) == (
        "enviado hace 1 día; espacio mínimo 3 días; próximo: jueves 11 de noviembre, 10:00"
    )
    assert detail(check(m, at(11, 11, 10))) == "se envía ahora: seguir donde quedó"
    weekend = check(m, at(11, 13, 10))
    assert detail(weekend) == (
        "fuera del horario de envío: fin de semana; próximo: martes 16 de noviembre, 8:00"
    )
    holiday = check(m, at(11, 15, 10))
    assert holiday.reason == "outside_hours"
    assert "Independencia de Cartagena" in detail(holiday)


def test_decisions_are_codes_and_numbers_worded_by_the_texts() -> None:
    m = manager(sent=((CONT, at(11, 8, 10)),))
    gap = check(m, at(11, 9, 10))
    assert (gap.reason, gap.final) == ("min_gap", False)
    assert gap.params == {"ago": timedelta(days=1), "wait": timedelta(days=3)}
    assert check(m, at(11, 13, 10)).params == {"why": "weekend"}
    holiday = check(m, at(11, 15, 10)).params
    assert holiday["why"] == "holiday" and "Independencia de Cartagena" in holiday["holiday"]
    hours = check(manager(), at(11, 10, 7, 59))
    assert hours.params == {"why": "hours", "start": time(8, 0), "end": time(18, 0)}
    assert detail(hours) == (
        "fuera del horario de envío: de 8:00 a 18:00; próximo: miércoles 10 de noviembre, 8:00"
    )
    submitted = check(manager("submitted"), at(11, 10))
    assert (submitted.reason, submitted.final, submitted.next_at) == ("submitted", True, None)
    assert detail(submitted) == "ya envió sus respuestas"
    closing = check(m, at(12, 3, 16), replace(CAMPAIGN, closes_at=at(12, 3, 17)))
    assert closing.params == {"margin": timedelta(hours=1)}
    assert detail(closing) == "faltan menos de 1 hora para el cierre; no se le enviarán más"
    opening = check(m, at(11, 1, 10)).params["when"]
    assert opening == CAMPAIGN.opens_at


@pytest.mark.e2e  # a fresh interpreter: a process of its own
def test_the_policy_imports_no_text() -> None:
    assert loaded_by(["bot.reminders.policy"], ("bot.texts", "bot.texts.", "babel")) == []


@pytest.mark.parametrize(
    ("closes_at", "day"),
    [
        (at(12, 3, 23, 59, 59), date(2021, 12, 3)),
        (at(12, 4, 0), date(2021, 12, 3)),  # 00:00 Saturday is the end of Friday
        (at(12, 3, 18), date(2021, 12, 3)),
        (datetime(2021, 12, 4, 4, 59, tzinfo=UTC), date(2021, 12, 3)),  # local time counts
    ],
)
def test_the_deadline_day_is_the_day_the_text_names(closes_at: datetime, day: date) -> None:
    assert deadline_day(closes_at, BOG) == day
    campaign = replace(CAMPAIGN, closes_at=closes_at)
    assert campaign.deadline_day(BOG) == day
    assert campaign.days_left(at(11, 30, 23, 59), BOG) == 3
    assert campaign.days_left(at(12, 3, 9), BOG) == 0


def test_maximum_count_per_campaign() -> None:
    three = ((INV, at(11, 4, 8)), (CONT, at(11, 10, 8)), (CONT, at(11, 16, 8)))
    m = manager(sent=three)
    decision = check(m, at(11, 24, 10))
    assert (decision.send, decision.reason, decision.next_at) == (False, "max_reached", None)
    assert detail(decision) == "ya recibió 3 de 3 recordatorios; no se le enviarán más"
    assert not check(m, at(12, 1, 10)).send  # not even a last call
    assert next_check(POLICY, CAMPAIGN, [m], at(11, 24, 10)) is None


def test_the_last_slot_is_kept_for_the_last_call() -> None:
    m = manager(sent=((INV, at(11, 4, 8)), (CONT, at(11, 10, 8))))
    decision = check(m, at(11, 24, 10))
    assert (decision.send, decision.reason) == (False, "reserved")
    assert decision.next_at == at(11, 30, 8)  # the last call
    assert check(m, at(11, 30, 8)).kind == LAST
    assert check(m, at(11, 30, 8)).send
    spend_all = ReminderPolicy(reserve_last_call=False)
    assert decide(spend_all, CAMPAIGN, m, at(11, 24, 10)).send


def test_hours_in_decide() -> None:
    m = manager()
    assert check(m, at(11, 10, 7, 59)).reason == "outside_hours"
    assert check(m, at(11, 10, 7, 59)).next_at == at(11, 10, 8)
    assert check(m, at(11, 10, 8)).send
    assert check(m, at(11, 10, 17, 59)).send
    assert check(m, at(11, 10, 18)).reason == "outside_hours"


def test_last_days_bring_the_last_call() -> None:
    m = manager("not_started", sent=((INV, at(11, 26, 10)),))
    assert check(m, at(11, 29, 23, 59)).kind == INV  # the window opens at 00:00 of Tuesday 30
    decision = check(m, at(11, 30, 8))
    assert (decision.send, decision.kind) == (True, LAST)  # 3 days 22 h after: no 3-day gap
    recent = manager("draft", sent=((CONT, at(11, 29, 10)),), last_activity_at=at(11, 20))
    wait = check(recent, at(11, 30, 8))
    assert (wait.send, wait.kind, wait.reason) == (False, LAST, "min_gap")
    assert wait.next_at == at(11, 30, 10)  # one day after the last reminder
    done = manager("draft", sent=((LAST, at(11, 30, 8)),), last_activity_at=at(11, 20))
    assert check(done, at(12, 2, 10)).reason == "last_call_sent"


def test_no_last_call_while_the_manager_is_at_it() -> None:
    m = manager(last_activity_at=at(11, 30, 9))
    decision = check(m, at(11, 30, 15))
    assert (decision.send, decision.reason) == (False, "draft_active")
    assert decision.next_at == at(12, 1, 9)


def test_an_extended_campaign_gets_a_new_last_call() -> None:
    m = manager(sent=((LAST, at(11, 30, 8)),), last_activity_at=at(11, 20))
    extended = replace(CAMPAIGN, closes_at=at(12, 17, 23, 59, 59))
    assert check(m, at(12, 6, 10), extended).kind == CONT
    assert check(m, at(12, 14, 8), extended).kind == LAST
    assert check(m, at(12, 14, 8), extended).send


def test_nothing_after_the_close_or_outside_an_open_campaign() -> None:
    m = manager()
    assert check(m, at(12, 4, 10)).reason == "closed"
    assert check(m, at(11, 1, 10), replace(CAMPAIGN, opens_at=at(11, 2, 8))).reason == (
        "before_open"
    )
    for state in ("scheduled", "closed"):
        decision = check(m, at(11, 10, 10), replace(CAMPAIGN, state=state))
        assert (decision.send, decision.reason) == (False, "campaign_not_open")
        assert next_check(POLICY, replace(CAMPAIGN, state=state), [m], at(11, 10, 10)) is None
    assert next_check(POLICY, CAMPAIGN, [m], at(12, 4, 10)) is None


def test_no_reminder_in_the_last_hour() -> None:
    campaign = replace(CAMPAIGN, closes_at=at(12, 3, 17))
    m = manager(last_activity_at=at(11, 20))
    assert check(m, at(12, 3, 15, 59), campaign).send
    assert check(m, at(12, 3, 16, 0), campaign).reason == "closing"


@pytest.mark.parametrize(
    "m",
    [
        manager("submitted"),
        manager(opted_out=True),
        manager("not_started", opted_out=True),
        manager(unreachable=True),  # Telegram answered 403
    ],
    ids=["submitted", "opted_out", "opted_out_not_started", "unreachable"],
)
def test_never_to_submitted_opted_out_or_unreachable(m: ManagerState) -> None:
    moment = CAMPAIGN.opens_at
    while moment < CAMPAIGN.closes_at + timedelta(days=1):
        assert not check(m, moment).send
        moment += timedelta(hours=5)
    assert next_check(POLICY, CAMPAIGN, [m], CAMPAIGN.opens_at) is None
    assert check(m, at(11, 10)).next_at is None


def test_snooze() -> None:
    reminded = at(11, 10, 10)
    tomorrow = snooze_until(POLICY, at(11, 10, 10, 5))
    assert tomorrow == at(11, 11, 8)
    m = manager(sent=((CONT, reminded),), snoozed_until=tomorrow)
    waiting = check(m, at(11, 11, 7, 59))
    assert (waiting.send, waiting.reason, waiting.next_at) == (False, "snoozed", tomorrow)
    decision = check(m, tomorrow)  # asked for: the 3-day gap does not apply
    assert (decision.send, decision.kind, decision.reason) == (True, CONT, "snooze_due")
    after = replace(m, sent=(*m.sent, SentReminder(CONT, tomorrow)))
    again = check(after, at(11, 11, 9))  # once: it counts as the second of three
    assert (again.send, again.reason, again.next_at) == (False, "reserved", at(11, 30, 8))


def test_a_snooze_without_a_reminder_is_only_a_not_before() -> None:
    m = manager("not_started", snoozed_until=at(11, 10, 8))
    assert check(m, at(11, 9, 10)).reason == "snoozed"
    assert check(m, at(11, 10, 8)).reason == "due"


def test_snooze_is_dropped_when_the_manager_comes_back() -> None:
    m = manager(
        sent=((CONT, at(11, 10, 10)),), snoozed_until=at(11, 11, 8), last_activity_at=at(11, 10, 20)
    )
    decision = check(m, at(11, 11, 8))  # the regular rules again: 3 days after the reminder
    assert (decision.send, decision.reason) == (False, "min_gap")
    assert decision.next_at == at(11, 16, 8)  # Saturday 13 → Tuesday (Monday 15 is a holiday)


def test_snooze_of_the_last_reminder_is_honoured() -> None:
    three = ((INV, at(11, 4, 8)), (INV, at(11, 10, 8)), (LAST, at(11, 30, 8)))
    m = manager("not_started", sent=three, snoozed_until=at(12, 1, 8))
    assert check(m, at(11, 30, 12)).reason == "snoozed"
    decision = check(m, at(12, 1, 8))
    assert (decision.send, decision.kind) == (True, LAST)


def test_downtime_sends_the_missed_reminder_once() -> None:
    m = manager(last_activity_at=at(11, 3, 10))  # due on Friday 5 at 10:00
    assert next_check(POLICY, CAMPAIGN, [m], at(11, 4, 12)) == at(11, 5, 10)
    back = at(11, 8, 9)  # the bot was down until Monday 9:00
    assert [d.cluster_id for d in due(POLICY, CAMPAIGN, [m], back)] == ["cafe"]
    after = replace(m, sent=(SentReminder(CONT, back),))
    assert due(POLICY, CAMPAIGN, [after], back) == []
    assert due(POLICY, CAMPAIGN, [after], back + timedelta(minutes=1)) == []
    assert next_check(POLICY, CAMPAIGN, [after], back) == at(11, 11, 9)


def test_due_returns_only_sends_in_cluster_order() -> None:
    managers = [
        manager(cluster_id="zeta"),
        manager("submitted", cluster_id="alfa"),
        manager("not_started", cluster_id="beta"),
        manager(cluster_id="gamma", last_activity_at=at(11, 10, 9)),
    ]
    decisions = due(POLICY, CAMPAIGN, managers, at(11, 10, 10))
    assert [(d.cluster_id, d.kind) for d in decisions] == [("beta", INV), ("zeta", CONT)]
    assert all(d.send for d in decisions)


def test_next_check() -> None:
    managers = [
        manager("submitted", cluster_id="a"),
        manager(cluster_id="b", last_activity_at=at(11, 5, 16)),  # idle from Sunday 7, 16:00
        manager("not_started", cluster_id="c", registered_at=at(11, 8, 11)),  # Wednesday 11:00
    ]
    wake = next_check(POLICY, CAMPAIGN, managers, at(11, 5, 17))
    assert wake == at(11, 8, 8)  # Sunday is not allowed: Monday 8:00
    assert [d.cluster_id for d in due(POLICY, CAMPAIGN, managers, wake)] == ["b"]
    assert next_check(POLICY, CAMPAIGN, [managers[2]], at(11, 5, 17)) == at(11, 10, 11)
    assert next_check(POLICY, CAMPAIGN, managers[:1], at(11, 5, 17)) is None
    assert next_check(POLICY, CAMPAIGN, [], at(11, 5, 17)) is None
    before = next_check(POLICY, CAMPAIGN, [managers[1]], at(10, 25, 10))
    assert before == at(11, 8, 8)  # a campaign not yet open counts from its opening


def test_a_whole_campaign_for_a_manager_who_never_starts() -> None:
    m = manager("not_started")
    moment: datetime | None = CAMPAIGN.opens_at
    sends: list[tuple[ReminderKind, datetime]] = []
    while moment is not None:
        for decision in due(POLICY, CAMPAIGN, [m], moment):
            assert decision.kind is not None
            sends.append((decision.kind, moment))
            m = replace(m, sent=(*m.sent, SentReminder(decision.kind, moment)))
        moment = next_check(POLICY, CAMPAIGN, [m], moment)
    assert sends == [(INV, at(11, 4, 8)), (INV, at(11, 8, 8)), (LAST, at(11, 30, 8))]


# --- the text of what is left ------------------------------------------------------------------


def text(kind: ReminderKind, m: ManagerState, now: datetime, **campaign: datetime) -> str:
    return reminder_text(
        kind,
        m,
        replace(CAMPAIGN, **campaign),
        cluster_name="Café & Cacao <Huila>",
        seconds_per_question=30,
        tz=BOG,
        now=now,
    )


def test_continue_text_says_what_is_left() -> None:
    body = text(CONT, manager(answered=34, total=46), at(11, 10))
    left = (
        "Faltan 12 de 46 preguntas, unos 6 minutos; la medición cierra el viernes 3 de diciembre."
    )
    assert left in body
    assert "<b>Café &amp; Cacao &lt;Huila&gt;</b>" in body
    assert "«Continuar»" in body
    assert len(body) < 400


def test_invitation_text() -> None:
    body = text(INV, manager("not_started", total=46), at(11, 4, 8))
    assert "son 46 preguntas, unos 23 minutos" in body
    assert "gráfica de araña" in body
    assert "cierra el <b>viernes 3 de diciembre</b>" in body
    assert "<Huila>" not in body


@pytest.mark.parametrize(
    ("now", "closes"),
    [(at(11, 30, 8), "en 3 días"), (at(12, 2, 10), "mañana"), (at(12, 3, 9), "hoy")],
)
def test_last_call_text(now: datetime, closes: str) -> None:
    body = text(LAST, manager(answered=45, total=46), now)
    assert f"cierra <b>{closes}</b> (viernes 3 de diciembre)" in body
    assert "Falta 1 de 46 preguntas, cerca de un minuto." in body
    assert body.startswith("⏳ <b>Último aviso:</b>")


def test_last_call_text_for_a_manager_who_never_started() -> None:
    body = text(LAST, manager("not_started", total=46), at(12, 2, 10))
    assert "Aún no ha empezado: son 46 preguntas, unos 23 minutos." in body


def test_text_of_a_complete_draft_and_of_other_closing_hours() -> None:
    body = text(CONT, manager(answered=46, total=46), at(11, 10))
    assert "Ya respondió todas las preguntas: solo falta revisar y enviar" in body
    at_six = text(CONT, manager(), at(11, 10), closes_at=at(12, 3, 18))
    assert "cierra el viernes 3 de diciembre a las 18:00." in at_six
    midnight = text(CONT, manager(), at(11, 10), closes_at=at(12, 4, 0))
    assert "cierra el viernes 3 de diciembre." in midnight  # 00:00 Saturday is Friday's end


def test_text_labels_and_unknown_kind() -> None:
    assert rtexts.BTN_CONTINUE.startswith("Continuar")
    assert rtexts.BTN_SNOOZE.startswith("Recordarme mañana")
    assert rtexts.BTN_STOP == "No más recordatorios"
    with pytest.raises(ValueError, match="unknown reminder kind"):
        text("nudge", manager(), at(11, 10))  # type: ignore[arg-type]


def test_durations_in_spanish() -> None:
    assert rtexts.duration(timedelta(days=1)) == "1 día"
    assert rtexts.duration(timedelta(days=2, hours=23, minutes=59)) == "2 días y 23 horas"
    assert rtexts.duration(timedelta(hours=1, minutes=5)) == "1 hora y 5 minutos"
    assert rtexts.duration(timedelta(seconds=30)) == "menos de un minuto"


# --- properties --------------------------------------------------------------------------------

moments = st.builds(
    lambda day, hour, minute: (
        CAMPAIGN.opens_at.replace(hour=0) + timedelta(days=day, hours=hour, minutes=minute)
    ),
    st.integers(-1, 32),
    st.integers(0, 23),
    st.one_of(st.sampled_from([0, 59]), st.integers(0, 59)),
)
kinds = st.sampled_from([CONT, INV, LAST, ReminderKind.FOLLOW_UP])
rarely = st.sampled_from([False, False, False, False, False, True])


@st.composite
def states(draw: st.DrawFn) -> tuple[ManagerState, datetime]:
    """A manager and a moment; most are eligible, with recent reminders, so both the sends and
    each refusal come up often."""
    now = draw(moments)

    def before(days: int) -> st.SearchStrategy[datetime]:
        return st.integers(1, days * 24 * 60).map(lambda m: now - timedelta(minutes=m))

    count = draw(st.sampled_from([0, 0, 1, 1, 2, 3]))
    sent = draw(st.lists(st.tuples(kinds, before(8)), min_size=count, max_size=count))
    status = draw(
        st.sampled_from(["draft", "not_started", "draft", "not_started", "submitted", "correcting"])
    )
    asked = None
    if status in ("submitted", "correcting") and draw(st.booleans()):
        asked = draw(before(8))
    return (
        manager(
            status,
            follow_up_at=asked,
            registered_at=draw(before(40)),
            last_activity_at=draw(st.one_of(before(10), st.none())),
            sent=tuple(sent),
            snoozed_until=draw(st.one_of(st.none(), st.none(), st.none(), moments)),
            opted_out=draw(rarely),
            unreachable=draw(rarely),
        ),
        now,
    )


def snooze_pending(m: ManagerState) -> bool:
    """The documented rule: snoozed after the latest reminder, and not back since."""
    last = m.last_sent_at
    if m.snoozed_until is None or last is None:
        return False
    back = m.last_activity_at is not None and m.last_activity_at > last
    return m.snoozed_until > last and not back


def assert_rules(m: ManagerState, now: datetime, decision: Decision) -> None:
    if not decision.send:
        return
    assert is_allowed_moment(POLICY, now)
    assert CAMPAIGN.opens_at <= now < CAMPAIGN.closes_at - POLICY.close_margin
    assert not m.opted_out and not m.unreachable
    # A sent response gets only the reminders of an unanswered request for a correction.
    assert m.status != "submitted" or m.follow_up_at is not None
    assert (decision.kind == ReminderKind.FOLLOW_UP) == (m.follow_up_at is not None)
    assert m.snoozed_until is None or now >= m.snoozed_until
    if snooze_pending(m):
        return  # asked for by the manager: neither the gap nor the count applies
    follow_ups = sum(1 for s in m.sent if s.kind == ReminderKind.FOLLOW_UP)
    if decision.kind == ReminderKind.FOLLOW_UP:
        assert follow_ups < POLICY.follow_up_max
        assert now >= m.follow_up_at + min(POLICY.first_after, POLICY.draft_idle)
    else:
        assert len(m.sent) - follow_ups < POLICY.max_per_campaign
    last = m.last_sent_at
    if last is not None:
        gap = POLICY.min_gap
        if decision.kind == LAST:
            gap = min(POLICY.last_call_min_gap, POLICY.min_gap)
        assert now - last >= gap


@settings(max_examples=400, deadline=None)
@given(states())
def test_decide_never_breaks_the_rules(state: tuple[ManagerState, datetime]) -> None:
    """Neither now nor at the ``next_at`` it announces (where it must indeed send)."""
    m, now = state
    decision = decide(POLICY, CAMPAIGN, m, now)
    assert_rules(m, now, decision)
    if decision.next_at is not None:
        assert decision.next_at >= now
        later = decide(POLICY, CAMPAIGN, m, decision.next_at)
        assert later.send
        assert_rules(m, decision.next_at, later)


@settings(max_examples=150, deadline=None)
@given(states(), st.lists(st.integers(0, 10 * 24 * 60), min_size=1, max_size=6))
def test_nothing_is_due_before_next_check(
    state: tuple[ManagerState, datetime], offsets: list[int]
) -> None:
    m, now = state
    wake = next_check(POLICY, CAMPAIGN, [m], now)
    for minutes in offsets:
        probe = now + timedelta(minutes=minutes)
        if wake is None or probe < wake:
            assert not decide(POLICY, CAMPAIGN, m, probe).send
    if wake is not None:
        assert wake >= now
        assert decide(POLICY, CAMPAIGN, m, wake).send


# --- issue 12: the data notice pending, a correction open ------------------------------------


def text_of(kind: str, m: ManagerState, now: datetime) -> str:
    return reminder_text(
        kind, m, CAMPAIGN, cluster_name="Café", seconds_per_question=20, tz=BOG, now=now
    )


def test_a_manager_without_the_notice_accepted_gets_the_consent_reminder() -> None:
    m = manager("consent_pending", last_activity_at=None, answered=0)
    early = check(m, at(11, 3, 10))
    assert (early.send, early.reason) == (False, "first_after")
    d = check(m, at(11, 4, 10))  # first_after (2 days) after the campaign opened
    assert (d.send, d.kind) == (True, ReminderKind.CONSENT)
    text = text_of("consent", m, at(11, 4, 10))
    assert "aviso de tratamiento de datos" in text and "viernes 3 de diciembre" in text
    assert rtexts.KIND_LABELS["consent"] == "aviso de datos pendiente"
    last = check(m, at(12, 1, 10))
    assert last.kind is LAST and rtexts.CONSENT_MISSING in text_of("last_call", m, at(12, 1, 10))


def test_a_correction_open_gets_no_continue_only_the_last_call() -> None:
    m = manager("correcting")
    d = check(m, at(11, 15, 10))  # a draft idle for days would get «continue»
    assert (d.send, d.reason, d.final) == (False, "correcting", False)
    assert "corrección abierta" in detail(d)
    assert d.next_at is not None and d.next_at.date() >= date(2021, 11, 30)  # the last call
    last = check(m, at(12, 1, 10))
    assert (last.send, last.kind) == (True, LAST)
    text = text_of("last_call", m, at(12, 1, 10))
    assert "corrección sin enviar" in text and "cuenta la versión que ya envió" in text
    assert check(manager("submitted"), at(12, 1, 10)).reason == "submitted"


# --- issue 13: the reminder policy applies to unanswered follow-ups ----------------------------

FU = ReminderKind.FOLLOW_UP
ASKED = at(11, 10, 10)  # Wednesday 10 November: an analyst asks for a correction


def asked(status: str = "submitted", **kw: object) -> ManagerState:
    kw.setdefault("last_activity_at", at(11, 8, 9))  # the submission, before the request
    return manager(status, follow_up_at=ASKED, follow_up=("ventas_t", "empleo_t"), **kw)


def test_a_follow_up_unanswered_gets_its_reminder_after_first_after() -> None:
    early = check(asked(), at(11, 11, 10))
    assert (early.send, early.kind, early.reason) == (False, FU, "follow_up_after")
    assert "se le pidió un ajuste hace 1 día" in detail(early)
    assert early.next_at == at(11, 12, 10)  # two days after the request
    d = check(asked(), at(11, 12, 10))
    assert (d.send, d.kind) == (True, FU)
    assert check(manager("submitted"), at(11, 12, 10)).reason == "submitted"  # none asked


def test_a_follow_up_keeps_the_spacing_the_hours_and_its_own_cap() -> None:
    one = asked(sent=((FU, at(11, 12, 10)),))
    gap = check(one, at(11, 13, 10))
    assert gap.reason in ("min_gap", "outside_hours") and not gap.send
    # 3 days later is Monday 15, a holiday: Tuesday 16 at 8:00.
    assert check(one, at(11, 12, 11)).next_at == at(11, 16, 8)
    assert check(one, at(11, 16, 19)).reason == "outside_hours"
    two = asked(sent=((FU, at(11, 12, 10)), (FU, at(11, 16, 10))))
    capped = check(two, at(11, 25, 10))
    assert (capped.send, capped.reason) == (False, "follow_up_max")
    assert "2 de 2 recordatorios del ajuste pedido" in detail(capped)
    # The reminders to fill in did not use up the follow-up's cap (nor the other way round).
    filled = asked(sent=((INV, at(11, 4, 10)), (CONT, at(11, 8, 8)), (LAST, at(11, 8, 9))))
    assert check(filled, at(11, 12, 10)).send


def test_a_follow_up_respects_stop_snooze_the_close_and_ends_with_a_new_submission() -> None:
    assert check(asked(opted_out=True), at(11, 12, 10)).reason == "opted_out"
    assert check(asked(unreachable=True), at(11, 12, 10)).reason == "unreachable"
    snoozed = asked(sent=((FU, at(11, 12, 10)),), snoozed_until=at(11, 16, 8))
    later_ = check(snoozed, at(11, 16, 8))
    assert (later_.send, later_.kind, later_.reason) == (True, FU, "snooze_due")
    closing = check(asked(), at(12, 3, 23, 30))
    assert closing.reason == "closing" and not closing.send
    # Working on the correction since the request: «continue» spacing from that activity.
    busy = asked("correcting", last_activity_at=at(11, 11, 9))
    d = check(busy, at(11, 12, 10))
    assert (d.send, d.reason) == (False, "draft_active")
    assert check(busy, at(11, 13, 9)).reason == "outside_hours"  # Saturday
    assert check(busy, at(11, 16, 10)).send
    # Sent again: the caller passes no request, and the sent response is left alone.
    assert check(manager("submitted"), at(11, 16, 10)).final


def test_the_follow_up_reminder_names_the_questions() -> None:
    m = asked()
    kw = {"cluster_name": "Café <b>", "seconds_per_question": 20, "tz": BOG, "now": at(11, 12)}
    text = reminder_text("follow_up", m, CAMPAIGN, questions=["Ventas 2021", "Empleo"], **kw)
    assert "le pidió revisar" in text and "• Ventas 2021\n• Empleo" in text
    assert "Café &lt;b&gt;" in text and "viernes 3 de diciembre" in text
    assert "Pulse una pregunta" in text
    correcting = reminder_text("follow_up", asked("correcting"), CAMPAIGN, questions=["X"], **kw)
    assert "falta enviarla" in correcting
    assert rtexts.KIND_LABELS["follow_up"] == "ajuste pedido por la Red"
