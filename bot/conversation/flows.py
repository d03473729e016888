"""The manager's flows around the questionnaire: the sent version, corrections, the data
notice declined or withdrawn. Transitions over :class:`~bot.conversation.survey.Survey` (whose
module keeps the answer path); screens in ``submission.py``.

- ``/revisar`` after sending shows the version that counts, read-only. «Corregir mis
  respuestas» opens a correction: the draft (the answers table) can change, while the latest
  submission keeps counting in every official figure until a new one is sent. If the campaign
  closes meanwhile, the sent version stands and the manager is told so when they next write
  (and the last call before the close said it, ``bot/reminders/policy.py``).
- «No acepto» under the notice keeps nothing of the person; ``/retirar_consentimiento`` stops
  the processing and files a deletion request (as ``/mis_datos`` does).
"""

from __future__ import annotations

from bot import texts
from bot.conversation import callbacks as cb
from bot.conversation import memberships, screens, submission
from bot.conversation.actions import Action, Button, Edit, Send, Toast
from bot.conversation.state import State
from bot.conversation.survey import Pressed, Survey
from bot.storage import Campaign, Manager
from bot.texts import personal_data as ptexts
from bot.texts import submission as t

# The presses these flows own (the survey has the rest).
_OWN = (
    cb.Correct,
    cb.Decline,
    cb.ShowNotice,
    cb.Withdraw,
    cb.FollowUp,
    cb.Switch,
    cb.Leave,
    cb.LeaveConfirm,
)


class Flows:
    def __init__(self, survey: Survey) -> None:
        self.survey = survey
        self.storage = survey.storage

    async def button(self, user_id: int, data: str) -> list[Action] | None:
        """The presses these flows own; None for any other (the survey's). Each acts on the
        cluster it carries (``Survey.acting``)."""
        if not isinstance(cb.decode(data), _OWN):
            return None
        return await self.survey.acting(user_id, data, lambda p: self._press(user_id, p))

    async def _press(self, user_id: int, pressed: Pressed) -> list[Action]:
        press, cluster = pressed.press, pressed.cluster
        if isinstance(press, cb.Correct):
            return await self.correct(user_id, cluster)
        if isinstance(press, cb.Decline):
            return await self.decline(user_id, cluster)
        if isinstance(press, cb.ShowNotice):
            return await self.show_notice(user_id, cluster)
        if isinstance(press, cb.Withdraw):
            return await self.withdraw(user_id, cluster)
        if isinstance(press, cb.FollowUp):
            return await self.follow_up(user_id, press.question, cluster)
        assert cluster is not None  # the rest are keyed: resolved to a held cluster
        if isinstance(press, cb.Switch):
            return await memberships.switch(self.survey, user_id, cluster, pressed.members)
        if isinstance(press, cb.Leave):
            return await memberships.leave_ask(self.survey, user_id, cluster)
        return await memberships.leave(self.survey, user_id, cluster)

    def _is_open(self, campaign: Campaign) -> bool:
        now = self.survey.clock()
        return campaign.state == "open" and campaign.opens_at <= now < campaign.closes_at

    # -- /revisar, «Corregir mis respuestas» -------------------------------------------------

    async def review(self, user_id: int) -> list[Action]:
        """/revisar: the sent version read-only (with «Corregir» while open), else the review
        of the draft (never sent, or a correction open)."""
        st = await self.survey._state(user_id, require_open=False)
        if isinstance(st, list):
            return st or [Send(texts.INTRO_UNREGISTERED)]
        open_ = self._is_open(st.campaign)
        if st.response.status == "submitted" or (not open_ and st.response.sent_version):
            return await self._sent(st, open_=open_)
        if not open_:
            return [submission.closed(st.campaign, st.response, self.survey.tz)]
        await self.storage.set_cursor(
            st.response.response_id, None, "review", cursor_of=st.response.cursor_of
        )
        out: list[Action] = []
        if st.response.correcting:
            out.append(Send(t.CORRECTION_OPEN.format(when=self._sent_when(st))))
        return out + screens.review(st)

    async def _sent(self, st: State, *, open_: bool) -> list[Action]:
        sent = await self.storage.latest_submission(st.response.response_id)
        if sent is None:  # submitted without a submission: not made by this program
            return [Send(texts.NO_RESULT_YET)]
        answers = await self.storage.result_answers(sent.result_id)
        return submission.sent_review(
            st, answers, sent.version, sent.submitted_at, self.survey.tz, open_=open_
        )

    def _sent_when(self, st: State) -> str:
        at = st.response.submitted_at
        return screens.when(at, self.survey.tz) if at else "—"

    async def correct(self, user_id: int, cluster: str | None = None) -> list[Action]:
        st = await self.survey._state(user_id, cluster=cluster)
        if isinstance(st, list):  # e.g. the campaign closed: the sent version stands
            return [Toast(texts.STALE_BUTTON), *st]
        if st.response.status != "submitted":
            if not st.response.correcting:
                return [Toast(texts.STALE_BUTTON)]
        else:
            await self.storage.reopen_response(
                st.response.response_id, user_id, st.manager.cluster_id
            )
        await self.storage.set_cursor(
            st.response.response_id, None, "review", cursor_of=st.response.cursor_of
        )
        reopened = await self.survey._state(user_id, cluster=st.manager.cluster_id)
        if isinstance(reopened, list):  # the campaign closed in between
            return reopened
        sentence = Send(t.CORRECTING.format(when=self._sent_when(reopened)))
        return [Edit(None, ()), sentence, *screens.review(reopened)]

    async def follow_up(
        self, user_id: int, question_id: str, cluster: str | None = None
    ) -> list[Action]:
        """«Corregir: …» under an analyst's request: a correction opens (as «Corregir mis
        respuestas») on exactly that question; once answered, the review, then «Enviar»."""
        st = await self.survey._state(user_id, cluster=cluster)
        if isinstance(st, list):  # e.g. the campaign closed: the sent version stands
            return [Toast(texts.STALE_BUTTON), *st]
        question = st.q.question_map.get(question_id)
        kept = st.q.relevant_answers(st.answers)
        if question is None or not st.q.is_relevant(question, kept):
            return [Toast(texts.STALE_BUTTON)]
        if st.response.status == "submitted":
            await self.storage.reopen_response(
                st.response.response_id, user_id, st.manager.cluster_id
            )
        elif not st.response.correcting:
            return [Toast(texts.STALE_BUTTON)]
        await self.storage.set_cursor(
            st.response.response_id, question.id, "jump", cursor_of=st.response.cursor_of
        )
        opened = await self.survey._state(user_id, cluster=st.manager.cluster_id)
        if isinstance(opened, list):
            return opened
        sentence = Send(t.CORRECTING.format(when=self._sent_when(opened)))
        return [sentence, screens.question(opened, question)]

    # -- the data notice ---------------------------------------------------------------------

    async def _member(self, user_id: int, cluster: str | None) -> Manager | None:
        """The membership a press is about (default: the one stood on)."""
        if cluster is None:
            return await self.storage.manager_for_user(user_id)
        return await self.storage.membership(user_id, cluster)

    async def decline(self, user_id: int, cluster: str | None = None) -> list[Action]:
        manager = await self._member(user_id, cluster)
        if manager is None or manager.consent_at is not None:
            return [Toast(texts.STALE_BUTTON)]
        await self.storage.decline_consent(manager.cluster_id, user_id)
        return [Edit(None, ()), Send(ptexts.DECLINED)]

    async def show_notice(self, user_id: int, cluster: str | None = None) -> list[Action]:
        manager = await self._member(user_id, cluster)
        if manager is None:
            return [Toast(texts.STALE_BUTTON), Send(texts.INTRO_UNREGISTERED)]
        if manager.consent_at is not None:
            return [Toast(texts.STALE_BUTTON), *await self.survey.resume(user_id)]
        return [submission.consent_notice(manager.cluster_id, self.survey.privacy_contact)]

    async def withdraw_ask(self, user_id: int) -> list[Action]:
        """/retirar_consentimiento: what happens, and a button to confirm."""
        manager = await self.storage.manager_for_user(user_id)
        if manager is None or manager.consent_at is None:
            return [Send(ptexts.WITHDRAW_NONE)]
        button = Button(ptexts.BTN_WITHDRAW, cb.Withdraw(), manager.cluster_id)
        return [Send(ptexts.WITHDRAW_ASK, ((button,),))]

    async def withdraw(self, user_id: int, cluster: str | None = None) -> list[Action]:
        manager = await self._member(user_id, cluster)
        request_id = None
        if manager is not None:
            request_id = await self.storage.withdraw_consent(manager.cluster_id, user_id)
        if request_id is None:
            return [Toast(texts.STALE_BUTTON)]
        return [Edit(None, ()), Send(ptexts.WITHDRAWN.format(id=request_id))]
