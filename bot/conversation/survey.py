"""The conversation, independent of Telegram's types: inputs in, actions out.

Handlers translate an update into one call here and carry out the returned actions in order.
Where a manager stands is derived from the database (answers, plus a cursor while they go back
or edit), so a restart, a re-delivered update or a stale button cannot lose or corrupt anything.
Every answer is committed before the next question is returned.

Buttons carry typed callbacks (``bot/conversation/callbacks.py``); the question id in each
answer callback makes a press on an old keyboard detectable.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from html import escape
from typing import Any

from babel.dates import format_datetime

from bot import texts
from bot.conversation import callbacks as cb
from bot.conversation import results
from bot.conversation.actions import Action, Button, Edit, Photo, Send, Toast
from bot.questionnaire.engine import (
    Accepted,
    Ambiguous,
    AnswerError,
    Engine,
    NeedsConfirmation,
    Rejected,
)
from bot.questionnaire.model import ND, Question, Questionnaire, Value
from bot.questionnaire.parsing import format_number
from bot.reminders.policy import ReminderPolicy, snooze_until
from bot.services import invitations
from bot.storage import Campaign, Cluster, Manager, Redeem, Response, Storage, utcnow
from bot.texts import personal_data as ptexts
from bot.texts import reminders as rtexts
from charts import Renderer
from scoring import AreaScore, GateResult, IndicatorScore, ScoreResult, score_answers

log = logging.getLogger(__name__)
CONSENT_VERSION = "2026-1"
MAX_TEXT = 1000  # longer messages are refused before any parsing
# Read on every update, changed rarely (and by another process: the CLI): cached briefly.
CAMPAIGN_TTL = 5.0
CLUSTER_TTL = 60.0




@dataclass
class _State:
    manager: Manager
    campaign: Campaign
    response: Response
    answers: dict[str, Value]
    engine: Engine
    cluster_name: str
    sector: str
    extra: dict[str, Any] = field(default_factory=dict)


class Survey:
    def __init__(
        self,
        storage: Storage,
        questionnaire: Questionnaire,
        renderer: Renderer,
        *,
        tz: Any,
        policy: ReminderPolicy | None = None,
        clock: Any = utcnow,
    ) -> None:
        self.storage = storage
        self.q = questionnaire
        self.renderer = renderer
        self.tz = tz
        self.policy = policy or ReminderPolicy()
        self.clock = clock
        self._campaign_cache: tuple[float, Campaign | None] | None = None
        self._clusters: dict[str, tuple[float, Cluster | None]] = {}

    # -- entry points ------------------------------------------------------------------------

    async def start(
        self, user_id: int, chat_id: int, name: str | None, payload: str | None
    ) -> list[Action]:
        if payload:
            return await self.redeem(user_id, chat_id, name, payload)
        manager = await self.storage.manager_for_user(user_id)
        if manager is None:
            return [Send(texts.INTRO_UNREGISTERED)]
        return await self.resume(user_id, greeting=True)

    async def redeem(
        self, user_id: int, chat_id: int, name: str | None, token: str
    ) -> list[Action]:
        token = token.strip()
        if not invitations.looks_like_code(token):
            return [Send(texts.INVITE_UNKNOWN)]
        outcome, cluster_id = await self.storage.redeem_invitation(
            token, user_id, chat_id, name, self.clock()
        )
        if outcome is Redeem.UNKNOWN:
            return [Send(texts.INVITE_UNKNOWN)]
        if outcome is Redeem.USED:
            manager = await self.storage.manager_for_user(user_id)
            if manager is not None and manager.cluster_id == cluster_id:
                return await self.resume(user_id, greeting=True)
            return [Send(texts.INVITE_USED)]
        if outcome is Redeem.EXPIRED:
            return [Send(texts.INVITE_EXPIRED)]
        log.info("event=registered user=%s cluster=%s", user_id, cluster_id)
        cluster = await self.storage.get_cluster(cluster_id)  # type: ignore[arg-type]
        return [
            Send(texts.REGISTERED.format(cluster=escape(cluster.nombre))),  # type: ignore[union-attr]
            Send(texts.CONSENT_NOTICE, ((Button(texts.BTN_CONSENT, cb.Consent()),),)),
        ]

    async def consent(self, user_id: int) -> list[Action]:
        manager = await self.storage.manager_for_user(user_id)
        if manager is None:
            return [Toast(texts.STALE_BUTTON), Send(texts.INTRO_UNREGISTERED)]
        if manager.consent_at is None:
            await self.storage.record_consent(manager.cluster_id, user_id, CONSENT_VERSION)
        return [
            Edit(texts.CONSENT_NOTICE + "\n\n" + texts.CONSENT_DONE),
            *await self.resume(user_id, greeting=True),
        ]

    async def text(self, user_id: int, chat_id: int, name: str | None, text: str) -> list[Action]:
        state_or_actions = await self._state(user_id, allow_unregistered_code=text)
        if isinstance(state_or_actions, list):
            if state_or_actions == [] and invitations.looks_like_code(text):
                return await self.redeem(user_id, chat_id, name, text)
            return state_or_actions or [Send(texts.INTRO_UNREGISTERED)]
        st = state_or_actions
        if st.response.status == "submitted":
            return [Send(texts.ALREADY_SUBMITTED)]
        question = self._current(st)
        if question is None:
            return [Send(texts.REVIEW_USE_BUTTONS), *self._review(st)]
        if len(text) > MAX_TEXT:
            return [
                Send(texts.TOO_LONG.format(max=format_number(MAX_TEXT))),
                self._question(st, question),
            ]
        try:
            value = st.engine.read(question, text)
        except AnswerError as exc:
            return [Send(escape(exc.message)), self._question(st, question)]
        if isinstance(value, Ambiguous):
            await self.storage.set_pending(
                st.response.response_id,
                {"question": question.id, "candidates": [str(c) for c in value.candidates]},
            )
            return [self._ambiguity(question, text, value)]
        return await self._accept(st, question, value)

    async def non_text(self, user_id: int) -> list[Action]:
        st = await self._state(user_id)
        if isinstance(st, list):
            return st or [Send(texts.INTRO_UNREGISTERED)]
        question = self._current(st) if st.response.status == "draft" else None
        if question is None:
            return [Send(texts.ONLY_TEXT_GENERIC)]
        expected = (
            texts.EXPECT_BUTTONS
            if question.type in ("single", "multi", "yesno")
            else texts.EXPECT_TYPED
        )
        return [Send(texts.ONLY_TEXT.format(expected=expected)), self._question(st, question)]

    async def button(self, user_id: int, data: str) -> list[Action]:
        press = cb.decode(data)
        if isinstance(press, cb.Consent):
            return await self.consent(user_id)
        if isinstance(press, cb.EraseMine):
            return await self.request_erasure(user_id)
        st = await self._state(user_id)
        if isinstance(st, list):
            return [Toast(texts.STALE_BUTTON), *st]
        if isinstance(press, cb.Why):
            return await self._why(st, press.area)
        if isinstance(press, cb.Resume):
            return await self.resume(user_id)
        if isinstance(press, cb.Snooze | cb.StopReminders):
            return await self._reminder_button(st, press)
        if st.response.status == "submitted":
            return [Toast(texts.ALREADY_SUBMITTED_SHORT)]
        if isinstance(press, cb.ReviewShow | cb.ReviewArea | cb.ReviewQuestion | cb.ReviewSend):
            return await self._review_button(st, press)
        if not isinstance(press, cb.OnQuestion):
            return [Toast(texts.STALE_BUTTON)]
        question = self._current(st)
        if question is None or question.id != press.question:
            return [Toast(texts.STALE_BUTTON)]
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

    async def resume(self, user_id: int, *, greeting: bool = False) -> list[Action]:
        st = await self._state(user_id)
        if isinstance(st, list):
            return st or [Send(texts.INTRO_UNREGISTERED)]
        out: list[Action] = []
        if st.response.cursor_mode == "review":  # "Continuar" leaves the review
            await self.storage.set_cursor(st.response.response_id, None)
            st.response = _with_cursor(st.response, None, None)
        if greeting:
            out.append(Send(self._welcome(st)))
        if st.response.status == "submitted":
            out.append(Send(texts.ALREADY_SUBMITTED))
            return out
        question = self._current(st)
        out.append(self._question(st, question) if question else self._review(st)[0])
        if question is None:
            out = out[:-1] + self._review(st)
        return out

    async def review(self, user_id: int) -> list[Action]:
        """/revisar: reopen a submission while the campaign is open, and show the review."""
        st = await self._state(user_id)
        if isinstance(st, list):
            return st or [Send(texts.INTRO_UNREGISTERED)]
        if st.response.status == "submitted":
            await self.storage.reopen_response(
                st.response.response_id, user_id, st.manager.cluster_id
            )
            await self.storage.set_cursor(st.response.response_id, None, "review")
            st = await self._state(user_id)  # type: ignore[assignment]
            return [Send(texts.REOPENED), *self._review(st)]  # type: ignore[arg-type]
        await self.storage.set_cursor(st.response.response_id, None, "review")
        return self._review(st)

    async def latest_result(self, user_id: int) -> list[Action]:
        st = await self._state(user_id, require_open=False)
        if isinstance(st, list):
            return st or [Send(texts.INTRO_UNREGISTERED)]
        stored = await self.storage.latest_result(st.response.response_id)
        if stored is None:
            return [Send(texts.NO_RESULT_YET)]
        result = _rebuild(self.q, stored.scores, st.campaign.reference_year)
        return await self._result_actions(st, result)

    async def my_data(self, user_id: int) -> list[Action]:
        """/mis_datos: what is stored about the person, and a way to ask for its deletion."""
        data = await self.storage.personal_data(user_id)
        if not data.managers and not data.requests:
            return [Send(ptexts.NONE)]
        clusters = ""
        name = "—"
        for m in data.managers:
            cluster = await self.storage.get_cluster(m.cluster_id)
            name = m.name or name
            clusters += ptexts.CLUSTER_LINE.format(
                cluster=escape(cluster.nombre if cluster else m.cluster_id),
                since=self.when(m.registered_at),
                consent=self.when(m.consent_at) if m.consent_at else ptexts.NO_CONSENT,
            )
        text = ptexts.SUMMARY.format(
            user_id=user_id, name=escape(name), clusters=clusters, audit=data.audit_entries
        )
        pending = [r for r in data.requests if r.status == "pending"]
        if pending:
            return [Send(text + ptexts.PENDING.format(id=pending[0].request_id))]
        return [Send(text, ((Button(ptexts.BTN_ERASE, cb.EraseMine()),),))]

    async def request_erasure(self, user_id: int) -> list[Action]:
        manager = await self.storage.manager_for_user(user_id)
        if manager is None:
            return [Toast(texts.STALE_BUTTON)]
        request_id = await self.storage.request_deletion(user_id, manager.cluster_id)
        return [Edit(None, ()), Send(ptexts.REQUESTED.format(id=request_id))]

    async def pause(self, user_id: int) -> list[Action]:
        st = await self._state(user_id)
        if isinstance(st, list):
            return st or [Send(texts.INTRO_UNREGISTERED)]
        if st.response.pending:
            await self.storage.set_pending(st.response.response_id, None)
        left = st.engine.remaining(st.answers)
        return [Send(texts.PAUSED.format(left=left))]

    # -- state -------------------------------------------------------------------------------

    async def _state(
        self, user_id: int, *, allow_unregistered_code: str | None = None, require_open: bool = True
    ) -> _State | list[Action]:
        """The manager's full context, or the actions that explain why there is none.

        An empty list means "not registered" so the caller can try the text as a code.
        """
        manager = await self.storage.manager_for_user(user_id)
        if manager is None:
            return []
        if manager.unreachable:
            await self.storage.mark_reachable(user_id)
        if manager.consent_at is None:
            return [Send(texts.CONSENT_NOTICE, ((Button(texts.BTN_CONSENT, cb.Consent()),),))]
        campaign = await self._campaign()
        if campaign is None:
            return [Send(texts.NO_CAMPAIGN)]
        now = self.clock()
        is_open = campaign.state == "open" and campaign.opens_at <= now < campaign.closes_at
        if not is_open:
            response = await self.storage.get_response(manager.cluster_id, campaign.campaign_id)
            if require_open or response is None:
                if campaign.state == "closed" or now >= campaign.closes_at:
                    return [
                        Send(texts.CAMPAIGN_CLOSED.format(campaign=escape(campaign.campaign_id)))
                    ]
                return [Send(texts.CAMPAIGN_NOT_OPEN.format(date=self.when(campaign.opens_at)))]
        else:
            response = await self.storage.start_response(
                manager.cluster_id, campaign.campaign_id, self.q.version, user_id
            )
        cluster = await self._cluster(manager.cluster_id)
        answers = await self.storage.answers(response.response_id)  # type: ignore[union-attr]
        return _State(
            manager=manager,
            campaign=campaign,
            response=response,  # type: ignore[arg-type]
            answers=answers,
            engine=Engine(self.q, campaign.reference_year),
            cluster_name=cluster.nombre if cluster else manager.cluster_id,
            sector=cluster.sector if cluster else "",
        )

    def forget_caches(self) -> None:
        """After a change this process made (or a test made behind its back)."""
        self._campaign_cache = None
        self._clusters.clear()

    async def _campaign(self) -> Campaign | None:
        """The current campaign, re-read every few seconds (the CLI may change it meanwhile)."""
        now = time.monotonic()
        if self._campaign_cache is None or now - self._campaign_cache[0] > CAMPAIGN_TTL:
            self._campaign_cache = (now, await self.storage.current_campaign())
        return self._campaign_cache[1]

    async def _cluster(self, cluster_id: str) -> Cluster | None:
        now = time.monotonic()
        cached = self._clusters.get(cluster_id)
        if cached is None or now - cached[0] > CLUSTER_TTL:
            cached = self._clusters[cluster_id] = (now, await self.storage.get_cluster(cluster_id))
        return cached[1]

    def _current(self, st: _State) -> Question | None:
        """The question on screen; None while the review is (typed text is then refused)."""
        if st.response.cursor_mode == "review":
            return None
        cursor = st.response.cursor_question
        if cursor and cursor in self.q.question_map:
            question = self.q.question(cursor)
            if self.q.is_relevant(question, self.q.relevant_answers(st.answers)):
                return question
        return st.engine.next_question(st.answers)

    def when(self, moment: datetime) -> str:
        return format_datetime(moment.astimezone(self.tz), texts.DATE_FORMAT, locale="es_CO")

    # -- screens -----------------------------------------------------------------------------

    def _welcome(self, st: _State) -> str:
        total = len(st.engine.expected_questions(st.answers))
        left = st.engine.remaining(st.answers)
        minutes = max(1, round(left * self.q.seconds_per_question / 60))
        key = texts.WELCOME if left == total else texts.WELCOME_BACK
        return key.format(
            name=escape(st.manager.name or ""),
            cluster=escape(st.cluster_name),
            campaign=escape(st.campaign.campaign_id),
            deadline=self.when(st.campaign.closes_at),
            total=total,
            left=left,
            minutes=minutes,
        )

    def _header(self, st: _State, question: Question) -> str:
        p = st.engine.progress(st.answers, question.id)
        if p.is_area:
            return texts.HEADER_AREA.format(
                i=p.section_index, n=p.section_count, area=p.section.label, k=p.index, total=p.total
            )
        return texts.HEADER_MODULE.format(module=p.section.label, k=p.index, total=p.total)

    def _question_text(self, st: _State, question: Question) -> str:
        parts = [self._header(st, question), "", f"<b>{escape(st.engine.text(question))}</b>"]
        if question.type == "single" and any(c.button for c in question.choices):
            parts += [""] + [f"{i}. {escape(c.label)}" for i, c in enumerate(question.choices, 1)]
        help_text = st.engine.help(question)
        if help_text:
            parts += ["", f"<i>{escape(help_text)}</i>"]
        if question.id in st.answers:
            current = st.engine.display(question, st.answers[question.id])
            parts += ["", texts.CURRENT_ANSWER.format(value=escape(current))]
        return "\n".join(parts)

    def _question(self, st: _State, question: Question) -> Send:
        return Send(self._question_text(st, question), self._keyboard(st, question))

    def _keyboard(
        self, st: _State, question: Question, selected: Sequence[str] | None = None
    ) -> tuple[tuple[Button, ...], ...]:
        q = question.id
        rows: list[tuple[Button, ...]] = []
        if question.type == "single":
            numbered = any(c.button for c in question.choices)
            rows += [
                (Button(f"{i}. {c.button_label}" if numbered else c.button_label, cb.Choose(q, c.id)),)
                for i, c in enumerate(question.choices, 1)
            ]
        elif question.type == "yesno":
            rows.append((Button(texts.YES, cb.Choose(q, "si")), Button(texts.NO, cb.Choose(q, "no"))))
        elif question.type == "multi":
            chosen = set(selected if selected is not None else self._selection(st, question))
            buttons = [
                Button(("✅ " if c.id in chosen else "▫️ ") + c.button_label, cb.Toggle(q, c.id))
                for c in question.choices
            ]
            rows += [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
            rows.append((Button(texts.BTN_DONE, cb.Done(q)),))
        else:
            rows += [(Button(c.button_label, cb.Choose(q, c.id)),) for c in question.choices]
        if question.allow_nd:
            rows.append((Button(texts.BTN_ND, cb.NotAvailable(q)),))
        nav: list[Button] = []
        if st.engine.previous_question(st.answers, q) is not None:
            nav.append(Button(texts.BTN_BACK, cb.Back(q)))
        if q in st.answers:
            nav.append(Button(texts.BTN_KEEP, cb.Keep(q)))
        if nav:
            rows.append(tuple(nav))
        return tuple(rows)

    @staticmethod
    def _selection(st: _State, question: Question) -> list[str]:
        """The options ticked so far: the unsaved selection, else the saved answer."""
        pending = st.response.pending or {}
        if pending.get("question") == question.id and "selected" in pending:
            return list(pending["selected"])
        return _as_list(st.answers.get(question.id))

    def _transcript(self, st: _State, question: Question, value: Value) -> Edit:
        shown = st.engine.display(question, value)
        return Edit(
            self._question_text_plain(st, question)
            + "\n\n"
            + texts.ANSWERED.format(value=escape(shown))
        )

    def _question_text_plain(self, st: _State, question: Question) -> str:
        return f"{self._header(st, question)}\n\n<b>{escape(st.engine.text(question))}</b>"

    def _ambiguity(self, question: Question, text: str, amb: Ambiguous) -> Send:
        shown = [format_number(c) for c in amb.candidates]
        buttons = tuple((Button(s, cb.Confirm(question.id, str(i))),) for i, s in enumerate(shown))
        options = texts.OR.join(f"<b>{s}</b>" for s in shown)
        return Send(texts.AMBIGUOUS.format(text=escape(text), options=options), buttons)

    def _review(self, st: _State) -> list[Action]:
        missing = st.engine.missing(st.answers)
        blocks: list[str] = [texts.REVIEW_TITLE.format(cluster=escape(st.cluster_name))]
        kept = self.q.relevant_answers(st.answers)
        for section in self.q.sections:
            lines = [f"\n<b>{escape(section.label)}</b>"]
            for question in section.questions:
                if question.id in kept:
                    value = st.engine.display(question, kept[question.id], compact=True)
                    lines.append(f"• {escape(st.engine.short(question))}: {escape(value)}")
            blocks.append("\n".join(lines))
        buttons = [
            Button(texts.BTN_EDIT_AREA.format(area=s.label), cb.ReviewArea(s.id))
            for s in self.q.sections
        ]
        rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
        if missing:
            rows.append((Button(texts.BTN_CONTINUE, cb.Resume()),))
            footer = texts.REVIEW_MISSING.format(n=len(missing))
        else:
            rows.append((Button(texts.BTN_SEND, cb.ReviewSend()),))
            footer = texts.REVIEW_READY
        # Telegram caps a message at 4096 characters: a long review goes in several.
        chunks = _split(blocks)
        return [Send(c) for c in chunks[:-1]] + [Send(f"{chunks[-1]}\n\n{footer}", tuple(rows))]

    # -- answering ---------------------------------------------------------------------------

    async def _accept(
        self,
        st: _State,
        question: Question,
        value: Value,
        *,
        confirmed: Sequence[str] = (),
        transcript: bool = False,
    ) -> list[Action]:
        outcome = st.engine.submit(st.answers, question.id, value, confirmed=confirmed)
        if isinstance(outcome, Rejected):
            await self.storage.set_pending(st.response.response_id, None)
            fixes = tuple(
                (
                    Button(
                        texts.BTN_FIX.format(q=st.engine.short(self.q.question(q))),
                        cb.Fix(question.id, q),
                    ),
                )
                for q in outcome.questions
                if q != question.id and q in st.answers
            )
            hint = texts.FIX_HINT if fixes else texts.RETYPE_HINT
            return [Send(f"{escape(outcome.message)}\n\n{hint}", fixes)]
        if isinstance(outcome, NeedsConfirmation):
            await self.storage.set_pending(
                st.response.response_id,
                {"question": question.id, "value": value, "rule": outcome.rule_id},
            )
            return [
                Send(
                    escape(outcome.message),
                    (
                        (Button(texts.BTN_CONFIRM, cb.Confirm(question.id, "ok")),),
                        (Button(texts.BTN_CORRECT, cb.Fix(question.id, question.id)),),
                    ),
                )
            ]
        assert isinstance(outcome, Accepted)
        cursor = self._cursor_after(st, question, value, outcome)
        await self.storage.save_answer(
            st.response.response_id,
            question.id,
            value,
            dropped=outcome.dropped,
            user_id=st.manager.user_id,
            cursor=cursor,
        )
        log.debug(  # the answers are in the database; INFO keeps to registrations and results
            "event=answer_saved user=%s cluster=%s question=%s dropped=%d",
            st.manager.user_id,
            st.manager.cluster_id,
            question.id,
            len(outcome.dropped),
        )
        st.answers[question.id] = value
        for qid in outcome.dropped:
            st.answers.pop(qid, None)
        st.response = _with_cursor(st.response, *cursor)
        out: list[Action] = [self._transcript(st, question, value)] if transcript else []
        return out + self._after_answer(st)

    def _cursor_after(
        self, st: _State, question: Question, value: Value, outcome: Accepted
    ) -> tuple[str | None, str | None]:
        """Going back walks forward through answered questions; anything else resumes."""
        if st.response.cursor_mode != "walk":
            return None, None
        answers = {k: v for k, v in st.answers.items() if k not in outcome.dropped}
        answers[question.id] = value
        relevant = st.engine.relevant_questions(answers)
        ids = [q.id for q in relevant]
        after = ids[ids.index(question.id) + 1 :] if question.id in ids else []
        if after and after[0] in answers:
            return after[0], "walk"
        return None, None

    def _after_answer(self, st: _State) -> list[Action]:
        nxt = self._current(st)
        if nxt is None:
            return self._review(st)
        return [self._question(st, nxt)]

    async def _choose(self, st: _State, question: Question, arg: str) -> list[Action]:
        if question.type == "yesno":
            if arg not in ("si", "no"):
                return [Toast(texts.STALE_BUTTON)]
            value: Value = arg == "si"
        elif arg in question.choice_map and question.type != "multi":
            value = arg
        else:
            return [Toast(texts.STALE_BUTTON)]
        return await self._accept(st, question, value, transcript=True)

    async def _toggle(self, st: _State, question: Question, arg: str) -> list[Action]:
        if question.type != "multi" or arg not in question.choice_map:
            return [Toast(texts.STALE_BUTTON)]
        selected = st.engine.toggle(question, self._selection(st, question), arg)
        await self.storage.set_pending(
            st.response.response_id, {"question": question.id, "selected": selected}
        )
        return [Edit(None, self._keyboard(st, question, selected))]

    async def _done(self, st: _State, question: Question, _: str) -> list[Action]:
        if question.type != "multi":
            return [Toast(texts.STALE_BUTTON)]
        try:
            value = st.engine.check_selection(question, self._selection(st, question))
        except AnswerError as exc:
            return [Toast(exc.message)]
        return await self._accept(st, question, value, transcript=True)

    async def _not_available(self, st: _State, question: Question, _: str) -> list[Action]:
        if not question.allow_nd:
            return [Toast(texts.STALE_BUTTON)]
        return await self._accept(st, question, ND, transcript=True)

    async def _back(self, st: _State, question: Question, _: str) -> list[Action]:
        previous = st.engine.previous_question(st.answers, question.id)
        if previous is None:
            return [Toast(texts.STALE_BUTTON)]
        await self.storage.set_cursor(st.response.response_id, previous.id, "walk")
        st.response = _with_cursor(st.response, previous.id, "walk")
        return [Edit(None, ()), self._question(st, previous)]

    async def _keep(self, st: _State, question: Question, _: str) -> list[Action]:
        if question.id not in st.answers:
            return [Toast(texts.STALE_BUTTON)]
        value = st.answers[question.id]
        return await self._accept(st, question, value, transcript=True)

    async def _confirm(self, st: _State, question: Question, arg: str) -> list[Action]:
        pending = st.response.pending or {}
        if pending.get("question") != question.id:
            return [Toast(texts.STALE_BUTTON)]
        if arg == "ok" and "rule" in pending:
            return await self._accept(
                st, question, pending["value"], confirmed=[pending["rule"]], transcript=False
            )
        candidates = pending.get("candidates") or []
        if not arg.isdecimal() or int(arg) >= len(candidates):
            return [Toast(texts.STALE_BUTTON)]
        try:
            value = st.engine.coerce(question, candidates[int(arg)])
        except AnswerError as exc:
            return [Send(escape(exc.message)), self._question(st, question)]
        return await self._accept(st, question, value)

    async def _fix(self, st: _State, question: Question, target: str) -> list[Action]:
        """Go to an answer that conflicts with this one: only one its rule names."""
        fix = self.q.question_map.get(target)
        related = target == question.id or (
            target in st.answers
            and any(
                question.id in rule.question_ids and target in rule.question_ids
                for rule in self.q.consistency
            )
        )
        if fix is None or not related:
            return [Toast(texts.STALE_BUTTON)]
        await self.storage.set_cursor(st.response.response_id, fix.id, "jump")
        st.response = _with_cursor(st.response, fix.id, "jump")
        return [self._question(st, fix)]

    # -- review, submit, result --------------------------------------------------------------

    async def _review_button(
        self,
        st: _State,
        press: cb.ReviewShow | cb.ReviewArea | cb.ReviewQuestion | cb.ReviewSend,
    ) -> list[Action]:
        if isinstance(press, cb.ReviewShow):
            await self.storage.set_cursor(st.response.response_id, None, "review")
            return self._review(st)
        if isinstance(press, cb.ReviewArea):
            section = next((s for s in self.q.sections if s.id == press.section), None)
            if section is None:
                return [Toast(texts.STALE_BUTTON)]
            kept = self.q.relevant_answers(st.answers)
            rows = [
                (Button(st.engine.short(q)[:40], cb.ReviewQuestion(q.id)),)
                for q in section.questions
                if self.q.is_relevant(q, kept)
            ]
            rows.append((Button(texts.BTN_BACK_TO_REVIEW, cb.ReviewShow()),))
            return [Send(texts.EDIT_AREA.format(area=escape(section.label)), tuple(rows))]
        if isinstance(press, cb.ReviewQuestion):
            question = self.q.question_map.get(press.question)
            kept = self.q.relevant_answers(st.answers)
            if question is None or not self.q.is_relevant(question, kept):
                return [Toast(texts.STALE_BUTTON)]
            await self.storage.set_cursor(st.response.response_id, question.id, "jump")
            st.response = _with_cursor(st.response, question.id, "jump")
            return [self._question(st, question)]
        return await self._submit(st)

    async def _submit(self, st: _State) -> list[Action]:
        missing = st.engine.missing(st.answers)
        if missing:
            return [
                Toast(texts.REVIEW_MISSING_SHORT.format(n=len(missing))),
                *self._after_answer(st),
            ]
        answers = self.q.relevant_answers(st.answers)
        result = score_answers(self.q, answers, st.campaign.reference_year)
        await self.storage.submit_response(
            st.response.response_id,
            version=self.q.version,
            ims=result.ims,
            level=result.level,
            scores=result.to_json(),
            answers=answers,
            actor=st.manager.user_id,
            cluster_id=st.manager.cluster_id,
        )
        log.info(
            "event=submitted user=%s cluster=%s ims=%s level=%s",
            st.manager.user_id,
            st.manager.cluster_id,
            result.ims,
            result.level,
        )
        return [Edit(None, ()), *await self._result_actions(st, result)]

    async def _result_actions(self, st: _State, result: ScoreResult) -> list[Action]:
        overlays = await self._overlays(st)
        spec = results.radar_spec(
            self.q, result, st.cluster_name, st.campaign.campaign_id, overlays
        )
        why = [Button(texts.BTN_WHY.format(area=a.label), cb.Why(a.id)) for a in self.q.areas]
        rows = tuple(tuple(why[i : i + 2]) for i in range(0, len(why), 2))
        return [
            Photo(
                # Telegram re-encodes every photo as JPEG: a PNG would only cost ~13 ms more.
                partial(self.renderer.render_radar, spec, image_format="jpeg"),
                results.caption(result, st.cluster_name, st.campaign.campaign_id),
            ),
            Send(results.advice(result), rows),
        ]

    async def _overlays(self, st: _State) -> results.Overlays:
        area_ids = [a.id for a in self.q.areas]
        rows = await self.storage.campaign_area_scores(st.campaign.campaign_id)
        national, n, sectors = results.group_means(rows, area_ids)
        sector_means, sector_n = sectors.get(st.sector, ({}, 0))
        previous = await self.storage.previous_result(
            st.manager.cluster_id, st.campaign.reference_year
        )
        return results.Overlays(
            national=national or None,
            national_n=n,
            sector=sector_means or None,
            sector_label=texts.SECTOR_LABELS.get(st.sector, st.sector),
            sector_n=sector_n,
            previous=previous[1].scores.get("areas") if previous else None,
            previous_label=previous[0] if previous else None,
        )

    async def _reminder_button(
        self, st: _State, press: cb.Snooze | cb.StopReminders
    ) -> list[Action]:
        campaign_id = press.campaign
        if campaign_id != st.campaign.campaign_id:
            return [Toast(texts.STALE_BUTTON)]
        if isinstance(press, cb.StopReminders):
            await self.storage.set_reminder_pref(
                st.manager.cluster_id, campaign_id, opted_out=True, actor=st.manager.user_id
            )
            return [Edit(None, ()), Send(rtexts.STOPPED)]
        until = snooze_until(self.policy, self.clock())
        await self.storage.set_reminder_pref(
            st.manager.cluster_id, campaign_id, snoozed_until=until, actor=st.manager.user_id
        )
        return [Edit(None, ()), Send(rtexts.SNOOZED.format(when=rtexts.moment(until, self.tz)))]

    async def _why(self, st: _State, area_id: str) -> list[Action]:
        if area_id not in {a.id for a in self.q.areas}:
            return [Toast(texts.STALE_BUTTON)]
        stored = await self.storage.latest_result(st.response.response_id)
        if stored is None:
            return [Toast(texts.NO_RESULT_YET)]
        answers = await self.storage.result_answers(stored.result_id)
        result = score_answers(self.q, answers, st.campaign.reference_year)
        return [Send(results.explanation(self.q, result, answers, area_id))]


def _rebuild(q: Questionnaire, scores: dict[str, Any], year: int) -> ScoreResult:
    """A stored result's figures as a ScoreResult, without re-scoring old answers."""
    level = next((lv for lv in q.levels if lv.id == scores["level"]), q.levels[0])
    indicators = {}
    areas = {}
    for area in q.areas:
        inds = tuple(
            IndicatorScore(
                i.id, i.label, area.id, scores["indicators"].get(i.id, 0.0), (), i.action
            )
            for i in area.indicators
        )
        indicators.update({i.id: i for i in inds})
        score = scores["areas"].get(area.id, 0.0)
        areas[area.id] = AreaScore(area.id, area.label, score, q.area_band(score), inds)
    gates = tuple(
        GateResult(g.id, g.label, bool(scores.get("gates", {}).get(g.id))) for g in q.gates
    )
    return ScoreResult(
        scores["questionnaire_version"],
        year,
        indicators,
        areas,
        scores["ims"],
        level.id,
        level.label,
        gates,
    )


def _as_list(value: Value | None) -> list[str]:
    return list(value) if isinstance(value, list) else []


def _with_cursor(response: Response, question: str | None, mode: str | None) -> Response:
    return replace(response, cursor_question=question, cursor_mode=mode, pending=None)


def _split(blocks: list[str]) -> list[str]:
    out: list[str] = []
    current = ""
    for block in blocks:
        if len(current) + len(block) + 1 > texts.MESSAGE_LIMIT:
            out.append(current)
            current = block
        else:
            current = f"{current}\n{block}" if current else block
    if current:
        out.append(current)
    return out
