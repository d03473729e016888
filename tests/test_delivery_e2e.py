"""The outbound policy end to end: the real Application against the local Bot API server.

Requests are counted on the server's side (it records every call), so what is measured is what
Telegram would have received, whatever the layers inside the bot do.
"""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from bot.delivery import MAX_ATTEMPTS, MAX_WAIT
from tests.e2e import question_id

pytestmark = pytest.mark.e2e


async def given_up(caplog: pytest.LogCaptureFixture, chat_id: int) -> None:
    """Until the policy gives up on a call to ``chat_id`` (its ``send_failed`` line): however
    slowly a loaded machine makes the retries, no call for that reply comes after it."""
    deadline = time.monotonic() + 60
    mark = f"chat={chat_id} "
    while time.monotonic() < deadline:
        if any(
            "event=send_failed" in r.getMessage() and mark in r.getMessage() for r in caplog.records
        ):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the policy never gave up")


@pytest.mark.parametrize(
    ("fault", "status"),
    [({"kind": "429", "retry_after": 1}, 429), ({"kind": "5xx", "status": 502}, 502)],
    ids=["429", "5xx"],
)
async def test_one_reply_under_a_storm_costs_at_most_the_policys_tries(env, fault, status, caplog):
    ana = env.manager()
    await ana.register()
    server = env.server
    since = server.call_cursor()
    server.inject_fault(method="sendMessage", chat_id=ana.user_id, count=100, **fault)
    qid = ana.current_id
    caplog.set_level(logging.INFO, logger="bot.delivery")  # a 429's retry is logged at INFO
    ana.press(ana.question.message_id, f"c:{qid}:validados")
    await given_up(caplog, ana.user_id)
    # The reply to the press (the next question), not a late copy of the question before it.
    calls = [
        c
        for c in server.calls("sendMessage", since=since)
        if c.chat_id == ana.user_id and "pregunta 2 de" in str(c.params.get("text"))
    ]
    server.clear_faults()
    # Known not delivered: tried again, but only as often as the policy says (on main's code,
    # PTB's limiter retrying inside the handlers' retries, a 429 storm cost 12 requests).
    assert len(calls) == MAX_ATTEMPTS, f"one reply cost {len(calls)} sendMessage requests"
    assert all(c.status == status for c in calls)
    # The waits the policy chose (its log), not the wall clock a loaded machine stretches.
    waits = [
        float(r.getMessage().split("wait=")[1].split()[0])
        for r in caplog.records
        if "event=send_retry" in r.getMessage() and f"chat={ana.user_id}" in r.getMessage()
    ]
    assert len(waits) == MAX_ATTEMPTS - 1 and sum(waits) <= MAX_WAIT
    # The answer was committed before the reply was attempted: nothing is lost, and the next
    # message shows the question the storm swallowed.
    assert env.stored_answers()[qid] == "validados"
    await ana.send("/continuar")
    assert question_id(await ana.next_question()) == "inteligencia_actividades"
