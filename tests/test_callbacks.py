"""The callback-data grammar (bot/conversation/callbacks.py): every kind round-trips, and
anything else is refused."""

from __future__ import annotations

from dataclasses import fields

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.conversation import callbacks as cb

IDS = st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True)


def _sample(kind: type[cb.Callback], text: str, number: int) -> cb.Callback:
    return kind(*(number if f.type in ("int", int) else text for f in fields(kind)))


@pytest.mark.parametrize("kind", cb._KINDS, ids=lambda k: k.__name__)
@pytest.mark.parametrize(("text", "number"), [("a", 0), ("z" * 21, 10**9), ("q_1", 7)])
def test_every_kind_round_trips_at_its_edges(
    kind: type[cb.Callback], text: str, number: int
) -> None:
    press = _sample(kind, text, number)
    data = cb.encode(press)
    assert len(data.encode()) <= cb.MAX_BYTES
    assert cb.decode(data) == press


# One property over all kinds (not one per kind): the same examples, a tenth of the time.
@settings(max_examples=400)
@given(kind=st.sampled_from(cb._KINDS), text=IDS, number=st.integers(min_value=0, max_value=10**9))
def test_every_kind_round_trips(kind: type[cb.Callback], text: str, number: int) -> None:
    press = _sample(kind, text, number)
    data = cb.encode(press)
    assert len(data.encode()) <= cb.MAX_BYTES
    assert cb.decode(data) == press


def test_tags_are_unique() -> None:
    tags = [k.tag for k in cb._KINDS]
    assert len(tags) == len(set(tags))


@pytest.mark.parametrize(
    "data",
    ["", "zzz", "c:q", "c::x", "go:1", "consent", "consent:no", "adm:erase:x", "rem:snoozex", None],
)
def test_what_is_not_ours_decodes_to_none(data: str | None) -> None:
    assert cb.decode(data) is None


def test_over_telegrams_64_bytes_is_refused_when_built() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        cb.encode(cb.Choose("q" * 40, "c" * 40))


def test_a_pattern_matches_only_its_kinds() -> None:
    match = cb.is_kind(cb.RemindNow)
    assert match(cb.encode(cb.RemindNow("2026")))
    assert not match(cb.encode(cb.EraseRequest(3)))
    assert not match(None)
