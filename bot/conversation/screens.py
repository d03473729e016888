"""What the manager sees: every screen of the conversation with buttons, rendered from state.

Pure functions of a :class:`~bot.conversation.state.State` (and the questionnaire) into
``Send``/``Edit`` actions: no storage, no clock. Every button of the manager's conversation is
made here, with a typed callback from ``callbacks.py`` (the only owner of the callback-data
grammar); ``survey.py`` and ``answering.py`` decide which screen comes next and never build a
button themselves.
One-line replies without buttons (a refusal, a toast) stay with the transition that sends them.

Texts are HTML (Telegram's parse mode) from :mod:`bot.texts`; anything a person typed or named
is escaped here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from functools import partial
from html import escape

from babel.dates import format_datetime

from bot import texts
from bot.conversation import callbacks as cb
from bot.conversation import results
from bot.conversation.actions import Action, Button, Edit, Keyboard, Photo, Send, at
from bot.conversation.state import State
from bot.questionnaire.engine import Ambiguous, NeedsConfirmation, Rejected
from bot.questionnaire.model import Area, Module, Question, Value
from bot.questionnaire.parsing import format_number, number_words
from bot.storage import PersonalData
from bot.texts import documents as dtexts
from bot.texts import personal_data as ptexts
from charts import Renderer
from scoring import ScoreResult


def when(moment: datetime, tz: tzinfo) -> str:
    """A date and hour as the manager reads it, in the bot's time zone."""
    return format_datetime(moment.astimezone(tz), texts.DATE_FORMAT, locale="es_CO")


# -- registration ----------------------------------------------------------------------------


def welcome(st: State, tz: tzinfo) -> Send:
    total = len(st.engine.expected_questions(st.answers))
    left = st.engine.remaining(st.answers)
    minutes = max(1, round(left * st.q.seconds_per_question / 60))
    key = texts.WELCOME_BACK if left else texts.WELCOME_BACK_DONE
    return Send(
        (texts.WELCOME if left == total else key).format(
            name=escape(st.manager.name or ""),
            cluster=escape(st.cluster_name),
            campaign=escape(st.campaign.campaign_id),
            deadline=when(st.campaign.closes_at, tz),
            total=total,
            left=texts.left_of(left, total),
            minutes=texts.minutes(minutes),
        )
    )


# -- a question ------------------------------------------------------------------------------


def header(st: State, question: Question) -> str:
    """Where the question stands; for a person holding several clusters, which one first."""
    p = st.engine.progress(st.answers, question.id)
    if p.is_area:
        line = texts.HEADER_AREA.format(
            i=p.section_index, n=p.section_count, area=p.section.label, k=p.index, total=p.total
        )
    else:
        line = texts.HEADER_MODULE.format(module=p.section.label, k=p.index, total=p.total)
    return cluster_line(st) + line


def cluster_line(st: State) -> str:
    """The line naming the cluster a screen is about, for a person who holds several."""
    if st.clusters < 2:
        return ""
    return texts.HEADER_CLUSTER.format(cluster=escape(st.cluster_name)) + "\n"


def question_text(st: State, question: Question, note: str | None = None) -> str:
    """The question as asked; ``note`` (a mistake to correct) goes on top, in the same message."""
    parts = [texts.MISTAKE.format(error=escape(note)), ""] if note else []
    parts += [header(st, question), "", f"<b>{escape(st.engine.text(question))}</b>"]
    numbered = question.type == "multi" or any(c.button for c in question.choices)
    if question.type in ("single", "multi") and numbered:
        parts += [""] + [f"{i}. {escape(c.label)}" for i, c in enumerate(question.choices, 1)]
    help_text = st.engine.help(question)
    if question.type == "multi":
        help_text = f"{help_text} {texts.MULTI_TYPED_HINT}" if help_text else texts.MULTI_TYPED_HINT
    if help_text:
        parts += ["", f"<i>{escape(help_text)}</i>"]
    if question.id in st.answers:
        current = st.engine.display(question, st.answers[question.id])
        parts += ["", texts.CURRENT_ANSWER.format(value=escape(current))]
    held = st.held()
    if held:
        items = "; ".join(
            texts.HELD_ITEM.format(
                question=escape(st.engine.short(st.q.question(k))),
                value=escape(st.engine.display(st.q.question(k), v)),
            )
            for k, v in held.items()
        )
        parts += ["", texts.HELD_NOTE.format(items=items)]
    return "\n".join(parts)


def question(st: State, question: Question, note: str | None = None) -> Send:
    return Send(
        question_text(st, question, note),
        keyboard(st, question),
        shows=(st.response.response_id, question.id),
        shown_to=st.response.cursor_of,
    )


def retire(st: State, question: Question) -> list[Action]:
    """The keyboard of the question's last message taken away, as it is asked again below."""
    shown = st.response.shown_message
    if shown is None or st.response.shown_question != question.id or not keyboard(st, question):
        return []
    return [Edit(None, (), message_id=shown)]


def keyboard(st: State, question: Question, selected: Sequence[str] | None = None) -> Keyboard:
    """The question's buttons; a multi-choice shows ``selected`` ticked (default: as stored)."""
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
        chosen = set(selected if selected is not None else st.selection(question))
        buttons = [
            Button(f"{'✅' if c.id in chosen else '▫️'} {i}. {c.button_label}", cb.Toggle(q, c.id))
            for i, c in enumerate(question.choices, 1)
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
    return at(st.manager.cluster_id, tuple(rows))


def transcript(
    st: State, question: Question, value: Value, *, message_id: int | None = None
) -> Edit:
    """The answered question's message, its keyboard replaced by the answer as understood (a
    large figure in words too). ``message_id``: the question a typed answer answers; else the
    message pressed."""
    shown = st.engine.display(question, value)
    plain = f"{header(st, question)}\n\n<b>{escape(st.engine.text(question))}</b>"
    words = None
    if isinstance(value, int | float) and question.type in ("integer", "money"):
        words = number_words(value)
    answered = (
        texts.ANSWERED_WORDS.format(value=escape(shown), words=escape(words))
        if words
        else texts.ANSWERED.format(value=escape(shown))
    )
    return Edit(plain + "\n\n" + answered, message_id=message_id)


# -- answers that need another step ----------------------------------------------------------


def ambiguity(st: State, question: Question, text: str, amb: Ambiguous) -> Send:
    shown = [format_number(c) for c in amb.candidates]
    buttons = tuple((Button(s, cb.Confirm(question.id, str(i))),) for i, s in enumerate(shown))
    options = texts.OR.join(f"<b>{s}</b>" for s in shown)
    return Send(
        texts.AMBIGUOUS.format(text=escape(text), options=options),
        at(st.manager.cluster_id, buttons),
    )


def which_question(st: State, asked: Question, text: str) -> list[Action]:
    """A typed answer sent before ``asked`` was on screen: ask, then show the question."""
    short = text if len(text) <= 20 else text[:19] + "…"
    label = texts.BTN_TYPED_IS_FOR_THIS.format(text=short)
    button = Button(label, cb.Confirm(asked.id, "typed"), st.manager.cluster_id)
    return [Send(texts.WHICH_QUESTION.format(text=escape(text)), ((button,),)), question(st, asked)]


def rejected(st: State, question: Question, outcome: Rejected) -> Send:
    """A failed consistency rule: every number of the rule (the new ones marked as pending),
    and a button to correct each other answer it names."""
    held = dict(outcome.held)
    lines = []
    for qid in outcome.questions:
        q = st.q.question(qid)
        value = held.get(qid, st.answers.get(qid))
        if value is None:
            continue
        key = texts.RULE_LINE_HELD if qid in held else texts.RULE_LINE
        lines.append(
            key.format(
                question=escape(st.engine.short(q)), value=escape(st.engine.display(q, value))
            )
        )
    fixes = tuple(
        (
            Button(
                texts.BTN_FIX.format(q=st.engine.short(st.q.question(q))),
                cb.Fix(question.id, q),
            ),
        )
        for q in outcome.questions
        if q != question.id and (q in st.answers or q in held)
    )
    hint = texts.FIX_HINT_HELD if fixes else texts.RETYPE_HINT
    body = escape(outcome.message) + ("\n\n" + "\n".join(lines) if lines else "")
    return Send(f"{body}\n\n{hint}", at(st.manager.cluster_id, fixes))


def needs_confirmation(st: State, question: Question, outcome: NeedsConfirmation) -> Send:
    """A plausibility question: «Sí, es correcto» or «Corregir»."""
    buttons = (
        (Button(texts.BTN_CONFIRM, cb.Confirm(question.id, "ok")),),
        (Button(texts.BTN_CORRECT, cb.Fix(question.id, question.id)),),
    )
    return Send(escape(outcome.message), at(st.manager.cluster_id, buttons))


def exclusive_ask(st: State, question: Question, selected: Sequence[str], choice: str) -> Edit:
    """Ticking an exclusive option («Ninguna») over other marks: ask before clearing them."""
    label = question.choice_map[choice].button_label
    others = [c for c in selected if c != choice]
    ask = texts.EXCLUSIVE_ASK.format(choice=escape(label), marks=texts.marks(len(others)))
    q = question.id
    buttons = (
        (Button(texts.BTN_EXCLUSIVE_YES.format(choice=label), cb.Confirm(q, "only")),),
        (Button(texts.BTN_EXCLUSIVE_NO, cb.Confirm(q, "marks")),),
    )
    return Edit(
        f"{question_text(st, question)}\n\n<b>{ask}</b>", at(st.manager.cluster_id, buttons)
    )


def multi_again(st: State, question: Question, selected: Sequence[str]) -> Edit:
    """The multi-choice question's message back as it was, with ``selected`` ticked."""
    return Edit(question_text(st, question), keyboard(st, question, selected))


# -- review ----------------------------------------------------------------------------------


def review(st: State) -> list[Action]:
    """Every answer kept, by section, with «Editar …» buttons and «Enviar» or «Continuar»."""
    missing = st.engine.missing(st.answers)
    title = texts.REVIEW_TITLE.format(cluster=escape(st.cluster_name))
    blocks = [title, *answer_blocks(st, st.answers)]
    buttons = [
        Button(texts.BTN_EDIT_AREA.format(area=s.label), cb.ReviewArea(s.id)) for s in st.q.sections
    ]
    rows = [tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2)]
    if missing:
        rows.append((Button(texts.BTN_CONTINUE, cb.Resume()),))
        footer = texts.REVIEW_MISSING.format(missing=texts.missing(len(missing)))
    else:
        rows.append((Button(texts.BTN_SEND, cb.ReviewSend()),))
        footer = texts.REVIEW_READY
    # Telegram caps a message at 4096 characters: a long review goes in several.
    chunks = _split(blocks)
    out: list[Action] = [Send(c) for c in chunks[:-1]]
    return [*out, Send(f"{chunks[-1]}\n\n{footer}", at(st.manager.cluster_id, tuple(rows)))]


def answer_blocks(st: State, answers: Mapping[str, Value]) -> list[str]:
    """The answers that apply, one HTML block per section (the review's body; also the
    read-only view of a sent version, ``submission.py``)."""
    blocks = []
    kept = st.q.relevant_answers(dict(answers))
    for section in st.q.sections:
        lines = [f"\n<b>{escape(section.label)}</b>"]
        for q in section.questions:
            if q.id in kept:
                value = st.engine.display(q, kept[q.id], compact=True)
                lines.append(f"• {escape(st.engine.short(q))}: {escape(value)}")
        blocks.append("\n".join(lines))
    return blocks


def review_area(st: State, section: Area | Module) -> Send:
    """The questions of one section that apply, to pick the one to change."""
    kept = st.q.relevant_answers(st.answers)
    rows = [
        (Button(st.engine.short(q)[:40], cb.ReviewQuestion(q.id)),)
        for q in section.questions
        if st.q.is_relevant(q, kept)
    ]
    rows.append((Button(texts.BTN_BACK_TO_REVIEW, cb.ReviewShow()),))
    title = cluster_line(st) + texts.EDIT_AREA.format(area=escape(section.label))
    return Send(title, at(st.manager.cluster_id, tuple(rows)))


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


# -- result ----------------------------------------------------------------------------------


def result(
    st: State, result: ScoreResult, overlays: results.Overlays, renderer: Renderer
) -> list[Action]:
    """The radar photo with its caption, then the advice with a «¿Por qué?» per area."""
    spec = results.radar_spec(st.q, result, st.cluster_name, st.campaign.campaign_id, overlays)
    why = [Button(texts.BTN_WHY.format(area=a.label), cb.Why(a.id)) for a in st.q.areas]
    cluster = st.manager.cluster_id
    rows = at(cluster, tuple(tuple(why[i : i + 2]) for i in range(0, len(why), 2)))
    card = cb.ReportCard(st.campaign.campaign_id)  # the report card (issue 14)
    key = cb.cluster_key(cluster)
    fits = len(f"{key}~{card.tag}:{card.campaign}".encode()) <= cb.MAX_BYTES
    return [
        Photo(
            # Telegram re-encodes every photo as JPEG: a PNG would only cost ~13 ms more.
            partial(renderer.render_radar, spec, image_format="jpeg"),
            results.caption(result, st.cluster_name, st.campaign.campaign_id),
            st.response.response_id,
            ((Button(dtexts.BTN_REPORT_CARD, card, cluster),),) if fits else (),
        ),
        Send(cluster_line(st) + results.advice(result), rows),
    ]


# -- personal data ---------------------------------------------------------------------------


def personal_data(
    user_id: int, data: PersonalData, cluster_names: Mapping[str, str], tz: tzinfo
) -> Send:
    """/mis_datos: what is stored about the person, and a way to ask for its deletion."""
    clusters = ""
    name = "—"
    for m in data.managers:
        name = m.name or name
        clusters += ptexts.CLUSTER_LINE.format(
            role=ptexts.ROLES.get(m.role, m.role),
            cluster=escape(cluster_names.get(m.cluster_id, m.cluster_id)),
            since=when(m.registered_at, tz),
            consent=when(m.consent_at, tz) if m.consent_at else ptexts.NO_CONSENT,
        )
    text = ptexts.SUMMARY.format(
        user_id=user_id, name=escape(name), clusters=clusters, audit=data.audit_entries
    )
    pending = [r for r in data.requests if r.status == "pending"]
    if pending:
        return Send(text + ptexts.PENDING.format(id=pending[0].request_id))
    return Send(text, ((Button(ptexts.BTN_ERASE, cb.EraseMine()),),))
