"""Where one manager stands, read from the database for one update.

The survey (``survey.py``) builds a :class:`State` at the start of every update and changes it
as it stores things, so the screens (``screens.py``) it renders afterwards show what is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.questionnaire.engine import Engine
from bot.questionnaire.model import Question, Questionnaire, Value
from bot.storage import Campaign, Manager, Response


@dataclass
class State:
    manager: Manager
    campaign: Campaign
    response: Response
    answers: dict[str, Value]
    engine: Engine
    cluster_name: str
    sector: str
    clusters: int = 1  # how many clusters the person holds (with several, screens name this one)

    @property
    def q(self) -> Questionnaire:
        return self.engine.q

    def current(self) -> Question | None:
        """The question on screen; None while the review is (typed text is then refused)."""
        if self.response.cursor_mode == "review":
            return None
        cursor = self.response.cursor_question
        if cursor and cursor in self.q.question_map:
            question = self.q.question(cursor)
            if self.q.is_relevant(question, self.q.relevant_answers(self.answers)):
                return question
        return self.engine.next_question(self.answers)

    def on_screen(self, question: Question, message_id: int | None) -> bool:
        """Whether a typed message (Telegram's ``message_id``) was sent with ``question`` on the
        manager's screen: after the message that asked it (ids in a chat only grow).

        Unknown (no message id, or nothing recorded yet): taken as on screen.
        """
        shown = self.response.shown_message
        if message_id is None or shown is None:
            return True
        return self.response.shown_question == question.id and message_id > shown

    def selection(self, question: Question) -> list[str]:
        """The options ticked so far: the unsaved selection, else the saved answer."""
        pending = self.response.pending or {}
        if pending.get("question") == question.id and "selected" in pending:
            return list(pending["selected"])
        saved = self.answers.get(question.id)
        return list(saved) if isinstance(saved, list) else []

    def held(self) -> dict[str, Value]:
        """Values a consistency rule keeps pending: typed, stored once the rule holds."""
        held = (self.response.pending or {}).get("held") or {}
        return {k: v for k, v in held.items() if k in self.q.question_map}

    def move_cursor(self, question: str | None, mode: str | None) -> None:
        """Mirror a cursor just stored (which also clears anything pending)."""
        self.response = replace(
            self.response, cursor_question=question, cursor_mode=mode, pending=None
        )
