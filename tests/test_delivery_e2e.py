"""The outbound policy end to end: the real Application against the local Bot API server.

Requests are counted on the server's side (it records every call), so what is measured is what
Telegram would have received, whatever the layers inside the bot do.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.delivery import MAX_ATTEMPTS, MAX_WAIT
from local_botapi.server import BotApiServer
from tests.e2e import question_id

pytestmark = pytest.mark.e2e


async def quiet(server: BotApiServer, method: str, chat_id: int, since: int, limit: int) -> list:
    """The calls of ``method`` to ``chat_id`` once they stop coming (2 s without a new one), or
    as soon as there are more than ``limit`` (no need to wait for the rest to fail)."""
    calls: list = []
    last_change = time.monotonic()
    while time.monotonic() - last_change < 2.0:
        await asyncio.sleep(0.1)
        now = [c for c in server.calls(method, since=since) if c.chat_id == chat_id]
        if len(now) != len(calls):
            calls, last_change = now, time.monotonic()
        if len(calls) > limit:
            break
    return calls


@pytest.mark.parametrize(
    ("fault", "status"),
    [({"kind": "429", "retry_after": 1}, 429), ({"kind": "5xx", "status": 502}, 502)],
    ids=["429", "5xx"],
)
async def test_one_reply_under_a_storm_costs_at_most_the_policys_tries(env, fault, status):
    ana = env.manager()
    await ana.register()
    server = env.server
    since = server.call_cursor()
    server.inject_fault(method="sendMessage", chat_id=ana.user_id, count=100, **fault)
    qid = ana.current_id
    ana.press(ana.question.message_id, f"c:{qid}:validados")
    calls = await quiet(server, "sendMessage", ana.user_id, since, MAX_ATTEMPTS)
    server.clear_faults()
    # Known not delivered: tried again, but only as often as the policy says (on main's code,
    # PTB's limiter retrying inside the handlers' retries, a 429 storm cost 12 requests).
    assert len(calls) == MAX_ATTEMPTS, f"one reply cost {len(calls)} sendMessage requests"
    assert all(c.status == status for c in calls)
    assert calls[-1].time - calls[0].time <= MAX_WAIT
    # The answer was committed before the reply was attempted: nothing is lost, and the next
    # message shows the question the storm swallowed.
    assert env.stored_answers()[qid] == "validados"
    await ana.send("/continuar")
    assert question_id(await ana.next_question()) == "inteligencia_actividades"
