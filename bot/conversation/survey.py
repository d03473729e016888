"""The conversation's transitions, independent of Telegram's types: inputs in, actions out.

Handlers translate an update into one call here and carry out the returned actions in order.
Each call reads where the manager stands (:class:`~bot.conversation.state.State`), hands an
answer to the answer path (``answering.py``: the engine's checks, pending values, confirmations),
stores the outcome, and returns the next screen
(``screens.py`` renders every screen with buttons; this module never builds a button).
Where a manager stands is derived from the database (answers, plus a cursor while they go back
or edit), so a restart, a re-delivered update or a stale button cannot lose or corrupt anything.
Every answer is committed before the next question is returned.

Buttons carry typed callbacks (``bot/conversation/callbacks.py``); the question id in each
answer callback makes a press on an old keyboard detectable: it must name the question on
screen, else the press is answered with a toast and changes nothing.

A person may hold several clusters (issue 16). Typed text and commands are for the cluster they
stand on (the one chosen last); every manager-side button carries its own cluster, and a press
acts on exactly that one (:meth:`Survey.acting`): refused with a toast if the person does not
hold it; on another cluster they hold, it acts there, and a press that moves the conversation
(an answer, the review, «Continuar», evidence, a correction) makes that cluster the one they
stand on, with a line saying so. A manager pressing «Continuar» under a reminder for A, or a
button of a question of A's, means A: they should not have to /cambiar first, and what they
type next must go where the screen they now look at is.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from html import escape

from bot import texts
from bot.conversation import callbacks as cb
from bot.conversation import evidence, results, screens, sharing, submission
from bot.conversation.actions import Action, Edit, Send, Tell, Toast
from bot.conversation.answering import Answering
from bot.conversation.overlays import overlays_for
from bot.conversation.state import State
from bot.questionnaire.engine import Engine
from bot.questionnaire.model import Questionnaire
from bot.questionnaire.parsing import format_number
from bot.reminders.policy import ReminderPolicy, snooze_until
from bot.storage import Campaign, Cluster, Manager, Redeem, Storage, utcnow
from bot.texts import memberships as mtexts
from bot.texts import personal_data as ptexts
from bot.texts import reminders as rtexts
from bot.texts import submission as stexts
from charts import Renderer
from scoring import ScoreResult, score_answers

log = logging.getLogger(__name__)
CONSENT_VERSION = "2026-1"
MAX_TEXT = 1000  # longer messages are refused before any parsing
# An invitation code is in Telegram's deep-link alphabet (what `/start CODE` carries), so one
# typed or pasted by hand is recognised too. bot/services/invitations.py issues codes;
# Storage.redeem_invitation accepts one once, before it expires, in one transaction.
INVITATION_CODE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# Read on every update, changed rarely (and by another process: the CLI): cached briefly.
CAMPAIGN_TTL = 5.0
CLUSTER_TTL = 60.0


# Presses that move the conversation: on another of the person's clusters, they make it the
# one the person stands on (the others read, or change a setting, and leave it where it is).
MOVING: tuple[type[cb.Callback], ...] = (
    cb.Consent,
    cb.Resume,
    cb.Evidence,
    cb.FollowUp,
    cb.Correct,
    cb.ReviewSend,
    cb.ReviewShow,
    cb.ReviewArea,
    cb.ReviewQuestion,
    *cb.ANSWERS,
)


def looks_like_code(text: str) -> bool:
    return INVITATION_CODE.match(text.strip()) is not None


@dataclass(frozen=True)
class Pressed:
    """A press, and for a manager-side one the cluster (held by the person) it is about, with
    the person's memberships as read for it (the one stood on first)."""

    press: cb.Callback
    cluster: str | None = None
    members: tuple[Manager, ...] = ()


class Survey:
    def __init__(
        self,
        storage: Storage,
        questionnaire: Questionnaire,
        renderer: Renderer,
        *,
        tz: tzinfo,
        policy: ReminderPolicy | None = None,
        clock: Callable[[], datetime] = utcnow,
        privacy_contact: str = "",
    ) -> None:
        self.storage = storage
        self.privacy_contact = privacy_contact  # SSME_PRIVACY_CONTACT, in the data notice
        self.q = questionnaire
        self.renderer = renderer
        self.tz = tz
        self.policy = policy or ReminderPolicy()
        self.clock = clock
        self._campaign_cache: tuple[float, Campaign | None, int] | None = None
        self._clusters: dict[str, tuple[float, Cluster | None]] = {}
        self.answering = Answering(storage, questionnaire)

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
        token, person = token.strip(), name
        if not looks_like_code(token):
            return [Send(texts.INVITE_UNKNOWN)]
        redeemed = await self.storage.redeem_invitation(token, user_id, chat_id, name, self.clock())
        outcome, cluster_id = redeemed.outcome, redeemed.cluster_id
        if outcome is Redeem.UNKNOWN:
            return [Send(texts.INVITE_UNKNOWN)]
        if outcome is Redeem.USED:
            held = cluster_id and await self.storage.membership(user_id, cluster_id)
            if held and cluster_id:  # their own link again: that cluster, where they left it
                await self.storage.choose_cluster(user_id, cluster_id)
                return await self.resume(user_id, greeting=True)
            return [Send(texts.INVITE_USED)]
        if outcome is Redeem.EXPIRED:
            return [Send(texts.INVITE_EXPIRED)]
        assert cluster_id is not None  # a redeemed code names its cluster
        log.info("event=registered user=%s cluster=%s", user_id, cluster_id)
        raw_name = await self._name(cluster_id)
        name = escape(raw_name)
        out: list[Action] = (
            await sharing.joined(self.storage, cluster_id, raw_name, person)
            if redeemed.role == "collaborator"  # a colleague: whose team they joined
            else [Send(texts.REGISTERED.format(cluster=name))]
        )
        members = await self.storage.memberships(user_id)  # the new one first
        if len(members) > 1:  # told, not switched silently: how to go back
            names = ", ".join([f"<b>{escape(await self._name(m.cluster_id))}</b>" for m in members])
            out.append(Send(mtexts.SEVERAL.format(n=len(members), names=names, cluster=name)))
        new = members[0]
        # The notice is about the person's own data, the same for every cluster: accepted (this
        # version) for one, it holds for the next; a new version is asked again.
        carried = any(m.consent_version == CONSENT_VERSION for m in members[1:])
        if new.consent_at is None and carried:
            await self.storage.record_consent(cluster_id, user_id, CONSENT_VERSION)
            out.append(Send(mtexts.CONSENT_CARRIED.format(version=CONSENT_VERSION)))
            out += await self.resume(user_id, greeting=True)
        elif new.consent_at is None:
            out.append(submission.consent_notice(cluster_id, self.privacy_contact))
        else:
            out += await self.resume(user_id, greeting=True)
        if redeemed.replaced is not None:  # one message, then nothing more of the cluster
            gone = redeemed.replaced
            log.info("event=manager_replaced cluster=%s previous=%s", cluster_id, gone.user_id)
            out.append(Tell(gone.chat_id, mtexts.REPLACED.format(cluster=name)))
        return out

    async def consent(self, user_id: int, cluster: str | None = None) -> list[Action]:
        members = await self.storage.memberships(user_id)
        manager = next((m for m in members if cluster in (None, m.cluster_id)), None)
        if manager is None:
            return [Toast(texts.STALE_BUTTON), Send(texts.INTRO_UNREGISTERED)]
        if manager.consent_at is None:
            await self.storage.record_consent(manager.cluster_id, user_id, CONSENT_VERSION)
        notice = submission.consent_notice(manager.cluster_id, self.privacy_contact)
        return [
            Edit(notice.text + "\n\n" + texts.CONSENT_DONE),
            *await self.resume(user_id, greeting=True, cluster=manager.cluster_id),
        ]

    async def text(
        self, user_id: int, chat_id: int, name: str | None, text: str, message_id: int | None = None
    ) -> list[Action]:
        state_or_actions = await self._state(user_id)
        if isinstance(state_or_actions, list):
            if state_or_actions == [] and looks_like_code(text):
                return await self.redeem(user_id, chat_id, name, text)
            return state_or_actions or [Send(texts.INTRO_UNREGISTERED)]
        st = state_or_actions
        if st.response.status == "submitted":
            return [Send(texts.ALREADY_SUBMITTED)]
        if st.response.paused:  # /cancelar holds typed text until /continuar
            return [Send(stexts.PAUSED_HOLD)]
        question = st.current()
        if question is None:  # on the review: one short line, not the review again
            missing = st.engine.missing(st.answers)
            return [Send(texts.REVIEW_STRAY_MISSING if missing else texts.REVIEW_STRAY)]
        if len(text) > MAX_TEXT:
            too_long = texts.TOO_LONG.format(max=format_number(MAX_TEXT))
            return self.answering.mistake(st, question, too_long)
        if not st.on_screen(question, message_id):
            taken = await sharing.typed_overtaken(self.storage, st, message_id)
            if taken is not None:  # someone else answered the question on screen meanwhile
                return await self.answering.typed(st, taken, text)
            # Typed before it was on screen: ask.
            await self.answering.pend(st, {"question": question.id, "typed": text})
            return screens.which_question(st, question, text)
        return await self.answering.typed(st, question, text)

    async def file_expected(self, user_id: int) -> evidence.Awaited | list[Action]:
        """A file arrived: the question it is evidence for, or what to tell the manager."""
        state = await self._state(user_id, require_open=False)
        return await evidence.expected(self.storage, state)

    async def non_text(self, user_id: int) -> list[Action]:
        st = await self._state(user_id)
        if isinstance(st, list):
            return st or [Send(texts.INTRO_UNREGISTERED)]
        question = st.current() if st.response.status == "draft" else None
        if question is None:
            return [Send(texts.ONLY_TEXT_GENERIC)]
        expected = (
            texts.EXPECT_BUTTONS
            if question.type in ("single", "multi", "yesno")
            else texts.EXPECT_TYPED
        )
        return self.answering.mistake(st, question, texts.ONLY_TEXT.format(expected=expected))

    async def acting(
        self, user_id: int, data: str, run: Callable[[Pressed], Awaitable[list[Action]]]
    ) -> list[Action]:
        """Resolve a press to the cluster it carries and ``run`` it there (see the module's
        text): a cluster the person does not hold is refused with a toast, changing nothing."""
        press = cb.decode(data)
        if press is None:
            return [Toast(texts.STALE_BUTTON)]
        if not isinstance(press, cb.KEYED):
            return await run(Pressed(press))
        members = await self.storage.memberships(user_id)
        cluster = cb.held_cluster(data, [m.cluster_id for m in members])
        if cluster is None:  # not (any more) theirs, or no key while they hold several
            refused = mtexts.WHICH_CLUSTER if members else texts.STALE_BUTTON
            toast = Toast(mtexts.NOT_HELD if cb.key_of(data) else refused)
            if not members and isinstance(press, cb.Consent | cb.ShowNotice):
                return [toast, Send(texts.INTRO_UNREGISTERED)]
            return [toast]
        actions = await run(Pressed(press, cluster, tuple(members)))
        moved = isinstance(press, MOVING) and not all(isinstance(a, Toast) for a in actions)
        if moved and cluster != members[0].cluster_id:
            await self.storage.choose_cluster(user_id, cluster)
            name = escape(await self._name(cluster))
            return [Send(mtexts.SWITCHED.format(cluster=name)), *actions]
        return actions

    async def button(self, user_id: int, data: str) -> list[Action]:
        return await self.acting(user_id, data, lambda pressed: self._press(user_id, pressed))

    async def _press(self, user_id: int, pressed: Pressed) -> list[Action]:
        press = pressed.press
        if isinstance(press, cb.Consent):
            return await self.consent(user_id, pressed.cluster)
        if isinstance(press, cb.EraseMine):
            return await self.request_erasure(user_id)
        st = await self._state(user_id, cluster=pressed.cluster, members=pressed.members)
        if isinstance(st, list):
            return [Toast(texts.STALE_BUTTON), *st]
        if isinstance(press, cb.Why):
            return await self._why(st, press.area)
        if isinstance(press, cb.Resume):
            return await self.resume(user_id, cluster=st.manager.cluster_id)
        if isinstance(press, cb.Snooze | cb.StopReminders):
            return await self._reminder_button(st, press)
        if isinstance(press, cb.Evidence):
            return await evidence.press(self.storage, st, press.question)
        if st.response.status == "submitted":
            return [Toast(texts.ALREADY_SUBMITTED_SHORT)]
        if isinstance(press, cb.ReviewShow | cb.ReviewArea | cb.ReviewQuestion | cb.ReviewSend):
            return await self._review_button(st, press)
        if not isinstance(press, cb.OnQuestion):
            return [Toast(texts.STALE_BUTTON)]
        question = st.current()
        if question is None or question.id != press.question:
            # Still the question on this person's screen, if someone else answered it meanwhile.
            question = await sharing.overtaken(self.storage, st, press.question)
            if question is None:
                return [Toast(texts.STALE_BUTTON)]
        return await self.answering.press(st, question, press)

    async def resume(
        self, user_id: int, *, greeting: bool = False, cluster: str | None = None
    ) -> list[Action]:
        st = await self._state(user_id, cluster=cluster)
        if isinstance(st, list):
            return st or [Send(texts.INTRO_UNREGISTERED)]
        out: list[Action] = []
        if st.response.paused:
            await self.storage.set_paused(
                st.response.response_id, False, cursor_of=st.response.cursor_of
            )
        if st.response.cursor_mode == "review":  # "Continuar" leaves the review
            await self.storage.set_cursor(
                st.response.response_id, None, cursor_of=st.response.cursor_of
            )
            st.move_cursor(None, None)
        if greeting:
            out.append(screens.welcome(st, self.tz))
            out += await sharing.left_off(self.storage, st, self.when)
        if st.response.status == "submitted":
            out.append(Send(texts.ALREADY_SUBMITTED))
            return out
        question = st.current()
        return out + ([screens.question(st, question)] if question else screens.review(st))

    async def latest_result(self, user_id: int) -> list[Action]:
        """/resultado: the result of the cluster the person stands on."""
        st = await self._state(user_id, require_open=False)
        if isinstance(st, list):
            return st or [Send(texts.INTRO_UNREGISTERED)]
        return await self._latest(st)

    async def owed_result(self, user_id: int, response_id: int) -> list[Action]:
        """A result owed at start-up (the outbox): that response's, in whichever of the
        person's clusters it is; nothing if they hold none of it any more."""
        for member in await self.storage.memberships(user_id):
            st = await self._state(user_id, require_open=False, cluster=member.cluster_id)
            if isinstance(st, State) and st.response.response_id == response_id:
                return await self._latest(st)
        return []

    async def _latest(self, st: State) -> list[Action]:
        stored = await self.storage.latest_result(st.response.response_id)
        if stored is None:
            return [Send(texts.NO_RESULT_YET)]
        result = results.rebuild(self.q, stored.scores, st.campaign.reference_year)
        return await self._result_actions(st, result)

    async def my_data(self, user_id: int) -> list[Action]:
        """/mis_datos: what is stored about the person, and a way to ask for its deletion."""
        data = await self.storage.personal_data(user_id)
        if not data.managers and not data.requests:
            return [Send(ptexts.NONE)]
        names = {}
        for m in data.managers:
            cluster = await self.storage.get_cluster(m.cluster_id)
            if cluster is not None:
                names[cluster.cluster_id] = cluster.nombre
        return [screens.personal_data(user_id, data, names, self.tz)]

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
        # Drops a pending one too.
        await self.storage.set_paused(
            st.response.response_id, True, cursor_of=st.response.cursor_of
        )
        left = st.engine.remaining(st.answers)
        return [Send(texts.PAUSED.format(left=left))]

    # -- state -------------------------------------------------------------------------------

    async def _state(
        self,
        user_id: int,
        *,
        require_open: bool = True,
        cluster: str | None = None,
        members: tuple[Manager, ...] | list[Manager] = (),
    ) -> State | list[Action]:
        """The person's full context in ``cluster`` (default: the one they stand on), or the
        actions that explain why there is none. ``members``: their memberships, if just read.

        An empty list means "not registered" so the caller can try the text as a code.
        """
        held = list(members) or await self.storage.memberships(user_id)
        if not held:
            return []
        manager = next((m for m in held if cluster in (None, m.cluster_id)), None)
        if manager is None:  # left meanwhile
            return [Toast(mtexts.NOT_HELD)]
        if manager.unreachable:
            await self.storage.mark_reachable(user_id)
        if manager.consent_at is None:
            return [submission.consent_notice(manager.cluster_id, self.privacy_contact)]
        campaign = await self._campaign(manager.cluster_id)
        if campaign is None:
            return [Send(texts.NO_CAMPAIGN)]
        now = self.clock()
        is_open = campaign.state == "open" and campaign.opens_at <= now < campaign.closes_at
        if is_open:
            response = await self.storage.start_response(
                manager.cluster_id, campaign.campaign_id, self.q.version, user_id
            )
        else:
            found = await self.storage.get_response(manager.cluster_id, campaign.campaign_id)
            if require_open or found is None:
                if campaign.state == "closed" or now >= campaign.closes_at:
                    return [submission.closed(campaign, found, self.tz)]  # what counted
                return [Send(texts.CAMPAIGN_NOT_OPEN.format(date=self.when(campaign.opens_at)))]
            response = found
        if manager.role == "collaborator":  # where they stand is their own
            response = await self.storage.own_cursor(response, user_id)
        found_cluster = await self._cluster(manager.cluster_id)
        answers = await self.storage.answers(response.response_id)
        return State(
            manager=manager,
            campaign=campaign,
            response=response,
            answers=answers,
            engine=Engine(self.q, campaign.reference_year),
            cluster_name=found_cluster.nombre if found_cluster else manager.cluster_id,
            sector=found_cluster.sector if found_cluster else "",
            clusters=len(held),
        )

    def forget_caches(self) -> None:
        """After a change this process made (or a test made behind its back)."""
        self._campaign_cache = None
        self._clusters.clear()

    async def _campaign(self, cluster_id: str) -> Campaign | None:
        """The current campaign, re-read every few seconds (the CLI may change it meanwhile).
        While several are open (a database from before the rule; ``ssme check`` says so), the
        cluster's campaign with an unsent draft comes first: no draft is stranded."""
        now, cache = time.monotonic(), self._campaign_cache
        if cache is None or now - cache[0] > CAMPAIGN_TTL:
            current, n = await self.storage.current_campaign(), await self.storage.open_count()
            cache = self._campaign_cache = (now, current, n)
        return await self.storage.campaign_for(cluster_id) if cache[2] > 1 else cache[1]

    async def _name(self, cluster_id: str) -> str:
        cluster = await self._cluster(cluster_id)
        return cluster.nombre if cluster else cluster_id

    async def _cluster(self, cluster_id: str) -> Cluster | None:
        now = time.monotonic()
        cached = self._clusters.get(cluster_id)
        if cached is None or now - cached[0] > CLUSTER_TTL:
            cached = self._clusters[cluster_id] = (now, await self.storage.get_cluster(cluster_id))
        return cached[1]

    def when(self, moment: datetime) -> str:
        return screens.when(moment, self.tz)

    def _after_answer(self, st: State) -> list[Action]:
        return self.answering.after_answer(st)

    # -- review, submit, result --------------------------------------------------------------

    async def _review_button(
        self,
        st: State,
        press: cb.ReviewShow | cb.ReviewArea | cb.ReviewQuestion | cb.ReviewSend,
    ) -> list[Action]:
        if isinstance(press, cb.ReviewShow):
            await self.storage.set_cursor(
                st.response.response_id, None, "review", cursor_of=st.response.cursor_of
            )
            return screens.review(st)
        if isinstance(press, cb.ReviewArea):
            section = next((s for s in self.q.sections if s.id == press.section), None)
            if section is None:
                return [Toast(texts.STALE_BUTTON)]
            return [screens.review_area(st, section)]
        if isinstance(press, cb.ReviewQuestion):
            question = self.q.question_map.get(press.question)
            kept = self.q.relevant_answers(st.answers)
            if question is None or not self.q.is_relevant(question, kept):
                return [Toast(texts.STALE_BUTTON)]
            await self.storage.set_cursor(
                st.response.response_id, question.id, "jump", cursor_of=st.response.cursor_of
            )
            st.move_cursor(question.id, "jump")
            return [screens.question(st, question)]
        refused = await sharing.may_not_send(self.storage, st)
        return refused if refused is not None else await self._submit(st)

    async def _submit(self, st: State) -> list[Action]:
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
            owed_to=st.manager.user_id,
        )
        facts = (st.manager.user_id, st.manager.cluster_id, result.ims, result.level)
        log.info("event=submitted user=%s cluster=%s ims=%s level=%s", *facts)
        ims, level = results.ims_text(result.ims), result.level_label
        told = await sharing.sent_by_collaborator(self.storage, st, ims, level)
        return [Edit(None, ()), *await self._result_actions(st, result), *told]

    async def _result_actions(self, st: State, result: ScoreResult) -> list[Action]:
        overlays = await self._overlays(st)
        return screens.result(st, result, overlays, self.renderer)

    async def _overlays(self, st: State) -> results.Overlays:
        return await overlays_for(
            self.storage, self.q, st.campaign, st.manager.cluster_id, st.sector
        )

    async def _reminder_button(
        self, st: State, press: cb.Snooze | cb.StopReminders
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

    async def _why(self, st: State, area_id: str) -> list[Action]:
        if area_id not in {a.id for a in self.q.areas}:
            return [Toast(texts.STALE_BUTTON)]
        stored = await self.storage.latest_result(st.response.response_id)
        if stored is None:
            return [Toast(texts.NO_RESULT_YET)]
        answers = await self.storage.result_answers(stored.result_id)
        result = score_answers(self.q, answers, st.campaign.reference_year)
        return [Send(results.explanation(self.q, result, answers, area_id))]
