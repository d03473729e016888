"""The aim that narrows participation and reminders (``bot.services.participation.Aim``): what
each state selects, and its round trip through a button's data."""

from __future__ import annotations

from dataclasses import replace

from bot.conversation import callbacks as cb
from bot.services.participation import Aim, read_scope, scope_data
from bot.storage import ClusterState

BASE = ClusterState(
    cluster_id="cafe_huila",
    nombre="Cafés del Huila",
    departamento="Huila",
    sector="agroindustria",
    estado="activa",
    user_id=1,
    chat_id=1,
    unreachable=False,
    opted_out=False,
    status="draft",
    updated_at=None,
    answered=3,
)


def test_each_state_selects_what_an_operator_means() -> None:
    empty = replace(BASE, answered=0)  # the welcome opened a draft, nothing answered
    fresh = replace(BASE, status="not_started", answered=0)
    notice = replace(BASE, status="consent_pending", answered=0)
    sent = replace(BASE, status="submitted")
    none = replace(BASE, status="no_manager", answered=0)
    not_started = Aim(states=("not_started",))
    assert [not_started.keeps(s) for s in (BASE, empty, fresh, notice, sent, none)] == [
        False, True, True, True, False, False,
    ]  # fmt: skip
    assert Aim(states=("in_progress",)).keeps(BASE) and not Aim(states=("in_progress",)).keeps(
        empty
    )
    asked = Aim(states=("correction_requested",))
    assert asked.keeps(sent, {"cafe_huila"}) and not asked.keeps(sent, set())
    # Within a flag any value, across flags all of them; a name's start is enough.
    assert Aim(departments=("cal", "hui")).keeps(BASE)
    assert not Aim(departments=("hui",), sectors=("serv",)).keeps(BASE)
    assert Aim(sectors=("agro",), clusters=("cafe_huila",)).keeps(BASE)
    assert not Aim(clusters=("otro",)).keeps(BASE)
    assert Aim().keeps(none) and not Aim()


def test_an_aim_and_its_campaign_survive_a_button() -> None:
    aim = Aim(("valle del cauca",), ("agro",), ("cafe_huila",), ("in_progress", "not_started"))
    for campaign in ("2021", None):
        data = scope_data(aim, campaign)
        press = cb.RemindAimed(data)
        assert cb.decode(cb.encode(press)) == press
        assert read_scope(data) == (aim, campaign)
    assert len(cb.encode(cb.AimPage(99, scope_data(aim, "2021")))) <= cb.MAX_BYTES
    assert read_scope("x|||") == (Aim(), None)  # an unknown state letter is dropped
    assert aim.words() == ["en_curso", "sin_empezar", "valle del cauca", "agro", "cafe_huila"]
