"""An admin's desk input in the chat: «Pedir ajuste» and «Corregir» under ``/cluster``.

- «Pedir ajuste»: pick the questions (toggles, in pages, labels not ids) → «Listo» → the note,
  typed → the request, exactly as ``/pedir_ajuste`` makes it (``review.ask``).
- «Corregir»: pick a question → its new value, typed, read and checked as ``/corregir`` does
  (``corrections.preview``: the conversation's parser, bounds and rules) → the reason → a
  summary → «Confirmar» → ``corrections.correct`` (re-scored, a new submission, the trail).

The input is stored (``bot.storage.desk_inputs``: one per admin, it outlives a restart) and is
cancelled by «Cancelar» or ``/cancelar``. While one waits, what the admin types is for it and
never an answer of the questionnaire (``bot/handlers/desk.py`` routes it first). Every press
names its cluster: one on the keyboard of an input replaced or finished is refused
(``desk_stale``), nothing changed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.questionnaire.engine import Engine
from bot.questionnaire.model import Question, Questionnaire
from bot.services import campaigns, corrections, review
from bot.services.desk import find_cluster
from bot.services.errors import ServiceError
from bot.storage import Cluster, DeskInput, Storage

PER_PAGE = 8  # questions per page of the picker


@dataclass(frozen=True)
class Option:
    index: int  # the question's position in the questionnaire (``DeskPick.index``)
    question_id: str
    label: str  # its short text
    shown: str  # the answer sent, as the manager sees it
    picked: bool


@dataclass(frozen=True)
class Picker:
    input: DeskInput
    cluster: Cluster
    options: tuple[Option, ...]  # this page's
    page: int
    pages: int
    picked: tuple[str, ...]  # the short texts of the questions picked so far


@dataclass(frozen=True)
class Prompt:
    """The bot waits for typed text: the note (``step`` ``note``), the value or the reason."""

    input: DeskInput
    cluster: Cluster
    questions: tuple[str, ...]  # the short texts of the questions concerned
    question: Question | None = None  # a correction's question
    current: str | None = None  # its answer as sent, shown
    new: str | None = None  # the value typed (the reason's prompt)


@dataclass(frozen=True)
class ToConfirm:
    input: DeskInput
    preview: corrections.Correction
    reason: str


@dataclass(frozen=True)
class Waiting:
    """Text typed while the input waits for a press (the picker, the confirmation)."""

    input: DeskInput


Step = Picker | Prompt | ToConfirm | Waiting | review.Ask | corrections.Correction


async def _sent_answers(storage: Storage, q: Questionnaire, d: DeskInput) -> list[Option]:
    """The answers of the version that counts, in the questionnaire's order."""
    response = await storage.get_response(d.cluster_id, d.campaign_id)
    sent = await storage.latest_submission(response.response_id) if response else None
    if sent is None:
        raise ServiceError("review_not_submitted", cluster=d.cluster_id, campaign=d.campaign_id)
    answers = await storage.result_answers(sent.result_id)
    campaign = await campaigns.resolve(storage, d.campaign_id)
    engine = Engine(q, campaign.reference_year)
    return [
        Option(
            k,
            question.id,
            question.short,
            engine.display(question, answers[question.id]),
            question.id in d.questions,
        )
        for k, question in enumerate(q.questions)
        if question.id in answers
    ]


async def _picker(storage: Storage, q: Questionnaire, d: DeskInput, cluster: Cluster) -> Picker:
    options = await _sent_answers(storage, q, d)
    pages = max(1, -(-len(options) // PER_PAGE))
    page = min(max(d.page, 1), pages)
    shown = options[(page - 1) * PER_PAGE : page * PER_PAGE]
    return Picker(d, cluster, tuple(shown), page, pages, _shorts(q, d))


async def _current(storage: Storage, actor: int, cluster_id: str, *steps: str) -> DeskInput:
    d = await storage.desk_input(actor)
    if d is None or d.cluster_id != cluster_id or d.step not in steps:
        raise ServiceError("desk_stale")
    return d


def _shorts(q: Questionnaire, d: DeskInput) -> tuple[str, ...]:
    return tuple(q.question_map[qid].short for qid in d.questions if qid in q.question_map)


async def start(storage: Storage, q: Questionnaire, kind: str, typed: str, actor: int) -> Picker:
    """«Pedir ajuste» / «Corregir» on a cluster whose response in the current campaign was sent
    (an input the admin had open is replaced)."""
    if kind not in ("ask", "correct"):
        raise ServiceError("desk_stale")
    cluster = await find_cluster(storage, typed)
    campaign = await campaigns.resolve(storage, None)
    d = DeskInput(actor, kind, cluster.cluster_id, campaign.campaign_id, (), "pick")
    picker = await _picker(storage, q, d, cluster)  # refuses a response never sent
    await storage.put_desk_input(d)
    return picker


async def page(storage: Storage, q: Questionnaire, actor: int, cluster_id: str, n: int) -> Picker:
    d = replace(await _current(storage, actor, cluster_id, "pick"), page=n)
    picker = await _picker(storage, q, d, await find_cluster(storage, cluster_id))
    await storage.put_desk_input(replace(d, page=picker.page))
    return picker


async def pick(
    storage: Storage, q: Questionnaire, actor: int, cluster_id: str, index: int
) -> Picker | Prompt:
    """A question pressed: toggled for a follow-up; for a correction, its value comes next."""
    d = await _current(storage, actor, cluster_id, "pick")
    cluster = await find_cluster(storage, cluster_id)
    options = {o.index: o for o in await _sent_answers(storage, q, d)}
    if index not in options:
        raise ServiceError("desk_stale")
    option = options[index]
    if d.kind == "ask":
        qid = option.question_id
        others = tuple(x for x in d.questions if x != qid)
        chosen = others if qid in d.questions else (*d.questions, qid)
        d = replace(d, questions=chosen)
        await storage.put_desk_input(d)
        return await _picker(storage, q, d, cluster)
    d = replace(d, questions=(option.question_id,), step="value")
    await storage.put_desk_input(d)
    question = q.question_map[option.question_id]
    return Prompt(d, cluster, (question.short,), question, option.shown)


async def picked(storage: Storage, q: Questionnaire, actor: int, cluster_id: str) -> Prompt:
    """«Listo» in a follow-up's picker: the note comes next."""
    d = await _current(storage, actor, cluster_id, "pick")
    if d.kind != "ask":
        raise ServiceError("desk_stale")
    if not d.questions:
        raise ServiceError("desk_pick_none")
    d = replace(d, step="note")
    await storage.put_desk_input(d)
    return Prompt(d, await find_cluster(storage, cluster_id), _shorts(q, d))


async def typed(storage: Storage, q: Questionnaire, actor: int, text: str) -> Step | None:
    """What the admin typed, for the input waiting (None: none waits, it is not for the desk).
    A refusal (a value the conversation would not take, a long note…) changes nothing: the
    same step waits again."""
    d = await storage.desk_input(actor)
    if d is None:
        return None
    if d.step == "note":
        note = "" if text.strip() == "-" else text
        done = await review.ask(
            storage, q, d.cluster_id, d.campaign_id, list(d.questions), note, actor
        )
        await storage.drop_desk_input(actor)
        return done
    if d.step == "value":
        return await _value(storage, q, d, text)
    if d.step == "reason":
        reason = corrections.checked_reason(text)
        assert d.value is not None  # set with the step
        preview = await corrections.preview(
            storage, q, d.cluster_id, d.campaign_id, d.questions[0], d.value
        )
        d = replace(d, reason=reason, step="confirm")
        await storage.put_desk_input(d)
        return ToConfirm(d, preview, reason)
    return Waiting(d)


async def _value(storage: Storage, q: Questionnaire, d: DeskInput, text: str) -> Prompt:
    """A correction's value, read and checked as ``/corregir`` reads it: the reason is next."""
    preview = await corrections.preview(
        storage, q, d.cluster_id, d.campaign_id, d.questions[0], text
    )
    d = replace(d, value=text.strip(), step="reason")
    await storage.put_desk_input(d)
    question = q.question_map[d.questions[0]]
    return Prompt(d, preview.cluster, (question.short,), question, preview.old_shown, preview.shown)


YES_NO = ("sí", "no")  # what a yes/no option pressed reads as, typed (``DeskValue`` 1 and 2)


def option_count(question: Question) -> int:
    """How many options a correction's value can be pressed from (0: it is typed): a single
    choice's, yes and no."""
    if question.type == "single":
        return len(question.choices)
    return len(YES_NO) if question.type == "yesno" else 0


async def value_pressed(
    storage: Storage, q: Questionnaire, actor: int, cluster_id: str, n: int
) -> Prompt:
    """An option pressed as the value: its number in the list, as if typed."""
    d = await _current(storage, actor, cluster_id, "value")
    question = q.question_map[d.questions[0]]
    if not 1 <= n <= option_count(question):
        raise ServiceError("desk_stale")
    typed = YES_NO[n - 1] if question.type == "yesno" else str(n)
    return await _value(storage, q, d, typed)


async def confirm(
    storage: Storage, q: Questionnaire, actor: int, cluster_id: str
) -> corrections.Correction:
    """«Confirmar»: the correction, as ``/corregir`` makes it (checked again against the version
    that counts now)."""
    d = await _current(storage, actor, cluster_id, "confirm")
    assert d.value is not None and d.reason is not None  # set on the way here
    done = await corrections.correct(
        storage, q, d.cluster_id, d.campaign_id, d.questions[0], d.value, d.reason, actor
    )
    await storage.drop_desk_input(actor)
    return done


async def cancel(storage: Storage, actor: int) -> bool:
    """Whether an input was waiting (it is dropped, nothing else changes)."""
    return await storage.drop_desk_input(actor)
