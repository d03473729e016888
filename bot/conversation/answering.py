"""The answer path: a typed text or an answer button → a checked value, stored, and what next.

``survey.py`` finds where the manager stands and hands the question on screen here. Every answer
goes through the questionnaire engine (``Engine.submit``), which checks skip logic and the
consistency rules (``bot/questionnaire/rules.py``):

- a **hard rule** that fails keeps the value just typed *pending* (``pending["held"]``) while the
  manager corrects another answer of the rule (its «Corregir: …» buttons); the rule is checked on
  the whole group, and the group is stored in one commit once it holds. Nothing typed is lost;
- a **plausibility question** (a soft rule) is asked once per rule and values: a confirmation is
  stored with the answer (``Storage.save_answers``) and not asked again;
- a typed answer is echoed as understood in the question's own message (its transcript), a large
  figure in words; a mistake is one message: the question asked again with the error on top, the
  old keyboard taken away.

``pending`` (one JSON value per response and person: a collaborator's is in their own cursor,
see ``bot/storage/members.py``) holds what waits on the person: ``held`` values, an
ambiguity's ``candidates``, a multi-choice ``selected`` (and an ``exclusive`` option to confirm),
a ``confirm`` key, or a text ``typed`` before its question was on screen. ``held`` survives the
other kinds and the moves of the correction (``pend``, ``_move``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from bot import texts
from bot.conversation import callbacks as cb
from bot.conversation import evidence, screens, sharing
from bot.conversation.actions import Action, Edit, Toast
from bot.conversation.state import State
from bot.questionnaire.engine import (
    Accepted,
    Ambiguous,
    AnswerError,
    NeedsConfirmation,
    Rejected,
)
from bot.questionnaire.model import ND, Question, Questionnaire, Value
from bot.storage import Storage

log = logging.getLogger(__name__)


class Answering:
    def __init__(self, storage: Storage, questionnaire: Questionnaire) -> None:
        self.storage = storage
        self.q = questionnaire
        self._soft = frozenset(
            q for r in questionnaire.consistency if r.soft for q in r.question_ids
        )

    # -- typed -------------------------------------------------------------------------------

    async def typed(self, st: State, question: Question, text: str) -> list[Action]:
        try:
            value = st.engine.read(question, text)
        except AnswerError as exc:
            return self.mistake(st, question, exc.message)
        if isinstance(value, Ambiguous):
            await self.pend(
                st, {"question": question.id, "candidates": [str(c) for c in value.candidates]}
            )
            return [screens.ambiguity(st, question, text, value)]
        return await self.accept(st, question, value, typed=True)

    @staticmethod
    def mistake(st: State, question: Question, message: str) -> list[Action]:
        """One message per mistake: the question again with the error on top."""
        return [*screens.retire(st, question), screens.question(st, question, message)]

    # -- buttons on a question ---------------------------------------------------------------

    async def press(self, st: State, question: Question, press: cb.OnQuestion) -> list[Action]:
        handler = {
            cb.Choose: self._choose,
            cb.Toggle: self._toggle,
            cb.Done: self._done,
            cb.NotAvailable: self._not_available,
            cb.Back: self._back,
            cb.Keep: self._keep,
            cb.Confirm: self._confirm,
            cb.Fix: self._fix,
        }[type(press)]
        return await handler(st, question, press.arg)

    async def _choose(self, st: State, question: Question, arg: str) -> list[Action]:
        if question.type == "yesno":
            if arg not in ("si", "no"):
                return [Toast(texts.STALE_BUTTON)]
            value: Value = arg == "si"
        elif arg in question.choice_map and question.type != "multi":
            value = arg
        else:
            return [Toast(texts.STALE_BUTTON)]
        return await self.accept(st, question, value, pressed=True)

    async def _toggle(self, st: State, question: Question, arg: str) -> list[Action]:
        if question.type != "multi" or arg not in question.choice_map:
            return [Toast(texts.STALE_BUTTON)]
        current = st.selection(question)
        others = [c for c in current if c != arg]
        if arg in question.exclusive_ids and arg not in current and others:
            await self.pend(st, {"question": question.id, "selected": current, "exclusive": arg})
            return [screens.exclusive_ask(st, question, current, arg)]
        selected = st.engine.toggle(question, current, arg)
        await self.pend(st, {"question": question.id, "selected": selected})
        return [Edit(None, screens.keyboard(st, question, selected))]

    async def _done(self, st: State, question: Question, _: str) -> list[Action]:
        if question.type != "multi":
            return [Toast(texts.STALE_BUTTON)]
        try:
            value = st.engine.check_selection(question, st.selection(question))
        except AnswerError as exc:
            return [Toast(exc.message)]
        return await self.accept(st, question, value, pressed=True)

    async def _not_available(self, st: State, question: Question, _: str) -> list[Action]:
        if not question.allow_nd:
            return [Toast(texts.STALE_BUTTON)]
        return await self.accept(st, question, ND, pressed=True)

    async def _back(self, st: State, question: Question, _: str) -> list[Action]:
        previous = st.engine.previous_question(st.answers, question.id)
        if previous is None:
            return [Toast(texts.STALE_BUTTON)]
        await self._move(st, previous.id, "walk")
        return [Edit(None, ()), screens.question(st, previous)]

    async def _keep(self, st: State, question: Question, _: str) -> list[Action]:
        if question.id not in st.answers:
            return [Toast(texts.STALE_BUTTON)]
        return await self.accept(st, question, st.answers[question.id], pressed=True)

    async def _confirm(self, st: State, question: Question, arg: str) -> list[Action]:
        pending = st.response.pending or {}
        if pending.get("question") != question.id:
            return [Toast(texts.STALE_BUTTON)]
        if arg == "typed" and "typed" in pending:
            return await self.typed(st, question, pending["typed"])
        if arg in ("only", "marks") and "exclusive" in pending:
            kept = list(pending.get("selected") or [])
            selected = [pending["exclusive"]] if arg == "only" else kept
            await self.pend(st, {"question": question.id, "selected": selected})
            return [screens.multi_again(st, question, selected)]
        if arg == "ok" and "confirm" in pending:
            confirmed = [*pending.get("confirmed", []), pending["confirm"]]
            out: list[Action] = [Edit(None, ())]
            return out + await self.accept(
                st, question, pending["value"], confirmed=confirmed, typed=True
            )
        candidates = pending.get("candidates") or []
        if not arg.isdecimal() or int(arg) >= len(candidates):
            return [Toast(texts.STALE_BUTTON)]
        try:
            value = st.engine.coerce(question, candidates[int(arg)])
        except AnswerError as exc:
            return self.mistake(st, question, exc.message)
        return [Edit(None, ()), *await self.accept(st, question, value, typed=True)]

    async def _fix(self, st: State, question: Question, target: str) -> list[Action]:
        """Go to an answer that conflicts with this one: only one its rule names. Values the
        rule holds pending stay pending."""
        fix = self.q.question_map.get(target)
        known = target in st.answers or target in st.held()
        failed = (st.response.pending or {}).get("rule")  # the rule a held group breaks
        related = target == question.id or (
            known
            and any(
                target in rule.question_ids
                and (question.id in rule.question_ids or rule.id == failed)
                for rule in self.q.consistency
            )
        )
        if fix is None or not related:
            return [Toast(texts.STALE_BUTTON)]
        await self._move(st, fix.id, "jump")
        return [Edit(None, ()), screens.question(st, fix)]

    # -- storing -----------------------------------------------------------------------------

    async def accept(
        self,
        st: State,
        question: Question,
        value: Value,
        *,
        confirmed: Sequence[str] = (),
        typed: bool = False,
        pressed: bool = False,
    ) -> list[Action]:
        """Check ``value`` (with any held values) and store it, or say what is missing.

        ``confirmed``: plausibility keys confirmed in this exchange (stored with the answer).
        ``typed``/``pressed``: echo the answer in the question's message (by its id / pressed).
        """
        held = st.held()
        before: set[str] = set()
        if question.id in self._soft or any(k in self._soft for k in held):
            before = await self.storage.confirmations(st.response.response_id)
        outcome = st.engine.submit(
            st.answers, question.id, value, held=held, confirmed=before | set(confirmed)
        )
        if isinstance(outcome, Rejected):
            if not outcome.rule_id:  # the question no longer applies
                await self._set_pending(st, None)
                return [screens.rejected(st, question, outcome)]
            await self._set_pending(
                st, {"question": question.id, "held": dict(outcome.held), "rule": outcome.rule_id}
            )
            return [screens.rejected(st, question, outcome)]
        if isinstance(outcome, NeedsConfirmation):
            await self.pend(
                st,
                {
                    "question": question.id,
                    "value": value,
                    "confirm": outcome.key,
                    "confirmed": list(confirmed),
                },
            )
            return [screens.needs_confirmation(st, question, outcome)]
        assert isinstance(outcome, Accepted)
        values = dict(outcome.values) or {question.id: value}
        cursor = self._cursor_after(st, question, values, outcome)
        overtaken = await self.storage.save_answers(
            st.response.response_id,
            values,
            dropped=outcome.dropped,
            user_id=st.manager.user_id,
            cursor=cursor,
            confirmed=confirmed,
            # The trail of changes after a submission: only a response sent before can have one,
            # so the first filling-in (the hot path) makes no look-up for it.
            cluster_id=st.manager.cluster_id if st.response.sent_version is not None else None,
            cursor_of=st.response.cursor_of,
            seen_since=st.response.shown_at,
        )
        log.debug(  # the answers are in the database; INFO keeps to registrations and results
            "event=answer_saved user=%s cluster=%s question=%s together=%d dropped=%d",
            st.manager.user_id,
            st.manager.cluster_id,
            question.id,
            len(values),
            len(outcome.dropped),
        )
        out: list[Action] = []
        if pressed:
            out.append(screens.transcript(st, question, value))
        elif typed and st.response.shown_question == question.id and st.response.shown_message:
            out.append(
                screens.transcript(st, question, value, message_id=st.response.shown_message)
            )
        st.answers.update(values)
        for qid in outcome.dropped:
            st.answers.pop(qid, None)
        st.move_cursor(*cursor)
        out += sharing.overtaken_notices(st, overtaken)  # someone else answered it meanwhile
        return out + evidence.offer(st, question, value) + self.after_answer(st)

    def _cursor_after(
        self, st: State, question: Question, values: Mapping[str, Value], outcome: Accepted
    ) -> tuple[str | None, str | None]:
        """Going back walks forward through answered questions; anything else resumes."""
        if st.response.cursor_mode != "walk":
            return None, None
        answers = {k: v for k, v in st.answers.items() if k not in outcome.dropped}
        answers.update(values)
        ids = [q.id for q in st.engine.relevant_questions(answers)]
        after = ids[ids.index(question.id) + 1 :] if question.id in ids else []
        if after and after[0] in answers:
            return after[0], "walk"
        return None, None

    @staticmethod
    def after_answer(st: State) -> list[Action]:
        nxt = st.current()
        if nxt is None:
            return screens.review(st)
        return [screens.question(st, nxt)]

    # -- pending -----------------------------------------------------------------------------

    async def pend(self, st: State, pending: dict[str, Any]) -> None:
        """Store what waits on the manager, keeping any values a rule holds."""
        held = (st.response.pending or {}).get("held")
        if held:
            pending = {**pending, "held": held, "rule": (st.response.pending or {}).get("rule")}
        await self._set_pending(st, pending)

    async def _set_pending(self, st: State, pending: dict[str, Any] | None) -> None:
        await self.storage.set_pending(
            st.response.response_id, pending, cursor_of=st.response.cursor_of
        )
        st.response = replace(st.response, pending=pending)

    async def _move(self, st: State, question_id: str, mode: str) -> None:
        """Move the cursor; values a rule holds stay pending (shown under the question)."""
        before = st.response.pending or {}
        pending = None
        if before.get("held"):
            pending = {"question": question_id, "held": before["held"], "rule": before.get("rule")}
        await self.storage.set_cursor_pending(
            st.response.response_id, question_id, mode, pending, cursor_of=st.response.cursor_of
        )
        st.move_cursor(question_id, mode)
        st.response = replace(st.response, pending=pending)
