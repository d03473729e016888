"""Screens of a sent response and of the data notice: pure functions into actions.

A sent response is shown read-only (the version that counts, as it was sent); changing it is an
explicit «Corregir mis respuestas». The data notice carries «Acepto» and «No acepto» and where
to write about one's data (``SSME_PRIVACY_CONTACT``). The transitions are in ``flows.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from html import escape

from bot import texts
from bot.conversation import callbacks as cb
from bot.conversation import screens
from bot.conversation.actions import Action, Button, Send
from bot.conversation.state import State
from bot.questionnaire.model import Value
from bot.storage import Campaign, Response
from bot.texts import personal_data as ptexts
from bot.texts import submission as t


def consent_notice(cluster: str, contact: str = "") -> Send:
    """The personal-data notice, with its contact line, «Acepto» and «No acepto» (for
    ``cluster``: the membership the answer is recorded on)."""
    lines = [ptexts.CONTACT_LINE.format(contact=escape(contact))] if contact.strip() else []
    lines.append(ptexts.COMMANDS_LINE)
    body, _, closing = texts.CONSENT_NOTICE.rpartition("\n\n")
    text = f"{body}\n" + "\n".join(lines) + f"\n\n{closing}"
    buttons = (
        (
            Button(texts.BTN_CONSENT, cb.Consent(), cluster),
            Button(ptexts.BTN_DECLINE, cb.Decline(), cluster),
        ),
    )
    return Send(text, buttons)


def sent_review(
    st: State,
    answers: Mapping[str, Value],
    version: int,
    submitted_at: datetime,
    tz: tzinfo,
    *,
    open_: bool,
) -> list[Action]:
    """The answers of the version that counts, read-only; «Corregir» while the campaign is open."""
    when = screens.when(submitted_at, tz)
    title = t.SENT_TITLE.format(cluster=escape(st.cluster_name), version=version, when=when)
    # The review's own splitting (a message's limit).
    chunks = screens._split([title, *screens.answer_blocks(st, answers)])
    out: list[Action] = [Send(c) for c in chunks[:-1]]
    if not open_:
        footer = t.SENT_FOOTER_CLOSED.format(campaign=escape(st.campaign.campaign_id))
        return [*out, Send(f"{chunks[-1]}\n\n{footer}")]
    buttons = ((Button(t.BTN_CORRECT, cb.Correct(), st.manager.cluster_id),),)
    return [*out, Send(f"{chunks[-1]}\n\n{t.SENT_FOOTER}", buttons)]


def closed(campaign: Campaign, response: Response | None, tz: tzinfo) -> Send:
    """What a manager is told once the campaign has closed: which version counted, if any."""
    name = escape(campaign.campaign_id)
    if response is not None and response.sent_version is not None and response.submitted_at:
        return Send(
            t.CLOSED_SENT.format(campaign=name, when=screens.when(response.submitted_at, tz))
        )
    if response is not None:
        return Send(t.CLOSED_UNSENT.format(campaign=name))
    return Send(texts.CAMPAIGN_CLOSED.format(campaign=name))


def follow_up(
    cluster_name: str,
    campaign_id: str,
    questions: list[tuple[str, str]],
    note: str,
    *,
    cluster: str,
) -> Send:
    """An analyst's request: the questions (id, short text) and the note, a button for each
    (carrying ``cluster``, the id of the cluster asked about)."""
    lines = "\n".join(t.FOLLOW_UP_QUESTION.format(question=escape(short)) for _, short in questions)
    text = t.FOLLOW_UP.format(
        cluster=escape(cluster_name), campaign=escape(campaign_id), questions=lines
    )
    if note.strip():
        text += t.FOLLOW_UP_NOTE.format(note=escape(note.strip()))
    text += t.FOLLOW_UP_HOW
    rows = tuple(
        (Button(t.BTN_FOLLOW_UP.format(question=short[:40]), cb.FollowUp(qid), cluster),)
        for qid, short in questions
    )
    return Send(text, rows)
