"""An admin corrects a submitted answer on the manager's behalf, with a reason.

The value is read exactly as the conversation reads what a manager types (the same parser,
bounds and choices, ``Engine.read``; a multiple choice as its option ids separated by ``;`` or
``,``, as in the responses file), then checked with the same skip logic and consistency rules
(``Engine.submit``: a hard rule refuses; a soft one, such as a large change, is taken as
confirmed by the reason and reported). The correction applies to the version that counts (the
latest submission) and is itself a new submission, by the admin, with its re-scored result; the
audit log keeps the old value, the new one, who and why (``Storage.correct_answer``, ``bot.storage.amendments``).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.questionnaire.engine import Accepted, AnswerError, Engine, NeedsConfirmation, Rejected
from bot.questionnaire.model import Questionnaire, Value
from bot.questionnaire.parsing import Ambiguous
from bot.services import campaigns, review
from bot.services.desk import find_cluster
from bot.services.errors import ServiceError
from bot.storage import Cluster, Storage
from scoring import ScoreResult, score_answers

REASON_MAX = 500


@dataclass(frozen=True)
class Correction:
    cluster: Cluster
    question_id: str
    old: Value | None
    new: Value
    shown: str  # the new value as the manager would see it
    old_shown: str | None
    result: ScoreResult
    previous_ims: float
    warnings: tuple[str, ...]  # soft rules the reason confirmed


def _read(engine: Engine, question_id: str, text: str) -> Value:
    question = engine.q.question_map[question_id]
    try:
        if question.type == "multi":
            parts = [p.strip() for p in text.replace(",", ";").split(";") if p.strip()]
            # An option's number in the list (as shown under /cluster's «Corregir»), or its id.
            n = len(question.choices)
            ids = [
                question.choices[int(p) - 1].id if p.isdecimal() and 1 <= int(p) <= n else p
                for p in parts
            ]
            return engine.coerce(question, ids)
        value = engine.read(question, text)
    except AnswerError as exc:
        raise ServiceError("correct_bad_value", question=question_id, reason=exc.message) from None
    if isinstance(value, Ambiguous):
        raise ServiceError("correct_ambiguous", question=question_id, value=text)
    return value


@dataclass(frozen=True)
class _Plan:
    correction: Correction
    response_id: int
    campaign_id: str
    dropped: tuple[str, ...]
    kept: dict[str, Value]
    sent: dict[str, Value]


def checked_reason(reason: str) -> str:
    """A reason as :func:`correct` takes it (stripped), or its refusal."""
    reason = reason.strip()
    if not reason:
        raise ServiceError("correct_no_reason")
    if len(reason) > REASON_MAX:
        raise ServiceError("correct_long_reason", max=REASON_MAX)
    return reason


async def _plan(
    storage: Storage,
    q: Questionnaire,
    typed: str,
    campaign_id: str | None,
    question_id: str,
    text: str,
) -> _Plan:
    """The correction read and checked against the version that counts, not stored."""
    cluster = await find_cluster(storage, typed)
    campaign = await campaigns.resolve(storage, campaign_id)
    if question_id not in q.question_map:
        raise ServiceError("correct_unknown_question", question=question_id)
    response = await storage.get_response(cluster.cluster_id, campaign.campaign_id)
    if response is None or response.sent_version is None:
        raise ServiceError(
            "review_not_submitted", cluster=cluster.cluster_id, campaign=campaign.campaign_id
        )
    engine = Engine(q, campaign.reference_year)
    value = _read(engine, question_id, text)
    sent = await storage.latest_submission(response.response_id)
    assert sent is not None  # sent_version says there is one
    before = await storage.result_by_id(sent.result_id)
    assert before is not None  # a submission points at its result
    # The version that counts is the one sent: its answers, not a draft being corrected.
    answers = await storage.result_answers(sent.result_id)
    # A soft rule's question is answered by the reason: confirmed, and reported.
    warnings: list[str] = []
    confirmed: set[str] = set()
    outcome = engine.submit(answers, question_id, value)
    while isinstance(outcome, NeedsConfirmation) and outcome.key not in confirmed:
        warnings.append(outcome.message)
        confirmed.add(outcome.key)
        outcome = engine.submit(answers, question_id, value, confirmed=confirmed)
    if isinstance(outcome, Rejected):
        raise ServiceError("correct_inconsistent", question=question_id, reason=outcome.message)
    assert isinstance(outcome, Accepted)
    updated = {k: v for k, v in answers.items() if k not in outcome.dropped}
    updated[question_id] = value
    kept = q.relevant_answers(updated)
    missing = engine.missing(kept)
    if missing:  # a correction that opens questions nobody answered cannot be scored as sent
        raise ServiceError("correct_opens_questions", question=question_id, opened=missing[0].id)
    result = score_answers(q, kept, campaign.reference_year)
    old = answers.get(question_id)
    question = q.question_map[question_id]
    correction = Correction(
        cluster,
        question_id,
        old,
        value,
        engine.display(question, value),
        None if old is None else engine.display(question, old),
        result,
        before.ims,
        tuple(warnings),
    )
    return _Plan(
        correction,
        response.response_id,
        campaign.campaign_id,
        tuple(outcome.dropped),
        kept,
        answers,
    )


async def preview(
    storage: Storage,
    q: Questionnaire,
    typed: str,
    campaign_id: str | None,
    question_id: str,
    text: str,
) -> Correction:
    """What :func:`correct` would do with this value (read and checked the same way), without
    doing it: the desk's buttons check the value before asking for the reason."""
    return (await _plan(storage, q, typed, campaign_id, question_id, text)).correction


async def correct(
    storage: Storage,
    q: Questionnaire,
    typed: str,
    campaign_id: str | None,
    question_id: str,
    text: str,
    reason: str,
    actor: str | int,
) -> Correction:
    reason = checked_reason(reason)
    plan = await _plan(storage, q, typed, campaign_id, question_id, text)
    done = plan.correction
    await storage.correct_answer(
        plan.response_id,
        done.cluster.cluster_id,
        question_id,
        done.new,
        dropped=plan.dropped,
        version=q.version,
        ims=done.result.ims,
        level=done.result.level,
        scores=done.result.to_json(),
        answers=plan.kept,
        actor=actor,
        reason=reason,
        sent=plan.sent,
    )
    await review.keep_checks(storage, q, plan.campaign_id)  # the queue reads them ready
    return done
