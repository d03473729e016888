"""The outbound policy end to end: the real Application against the local Bot API server.

Requests are counted on the server's side (it records every call), so what is measured is what
Telegram would have received, whatever the layers inside the bot do.
"""

from __future__ import annotations

import asyncio
import time

from bot.delivery import MAX_ATTEMPTS, MAX_WAIT
from local_botapi.server import BotApiServer
from tests.e2e import question_id


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


async def test_one_reply_under_a_429_storm_costs_at_most_the_policys_tries(env):
    ana = env.manager()
    await ana.register()
    server = env.server
    since = server.call_cursor()
    server.inject_fault("429", method="sendMessage", chat_id=ana.user_id, count=100, retry_after=1)
    qid = ana.current_id
    ana.press(ana.question.message_id, f"c:{qid}:validados")
    calls = await quiet(server, "sendMessage", ana.user_id, since, MAX_ATTEMPTS)
    server.clear_faults()
    assert len(calls) <= MAX_ATTEMPTS, f"one reply cost {len(calls)} sendMessage requests"
    assert all(c.status == 429 for c in calls)
    assert calls[-1].time - calls[0].time <= MAX_WAIT
    # The answer was committed before the reply was attempted: nothing is lost, and the next
    # message shows the question the storm swallowed.
    assert env.stored_answers()[qid] == "validados"
    await ana.send("/continuar")
    assert question_id(await ana.next_question()) == "inteligencia_actividades"


async def test_one_reply_under_5xx_costs_at_most_the_policys_tries(env):
    ana = env.manager()
    await ana.register()
    server = env.server
    since = server.call_cursor()
    server.inject_fault("5xx", method="sendMessage", chat_id=ana.user_id, count=100, status=502)
    qid = ana.current_id
    ana.press(ana.question.message_id, f"c:{qid}:validados")
    calls = await quiet(server, "sendMessage", ana.user_id, since, MAX_ATTEMPTS)
    server.clear_faults()
    assert len(calls) == MAX_ATTEMPTS, "a 5xx is known not delivered: tried again, a few times"
    assert all(c.status == 502 for c in calls)
    await ana.send("/continuar")
    assert question_id(await ana.next_question()) == "inteligencia_actividades"
