"""The Spanish text of the executive summary, built only from its JSON figures.

Pure: the dict of :func:`bot.reports.summary.figures.compute_summary` (or one re-read from an
export) and the questionnaire in, Telegram HTML out; the wording is :mod:`bot.texts.summary`.

It says "(k de |A|)" after the participation, with k recovered from the rounded percentage
(exact while |A| < 1000), and names inactive respondents separately. "En su mayoría" only above
50%; ties between levels, or between best or worst areas, are named as ties or left out, never
settled arbitrarily.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from typing import Any

from bot.questionnaire.model import Questionnaire
from bot.questionnaire.parsing import format_cop_words, format_number
from bot.reports.summary.figures import FUNDING_QUESTION, GOVERNANCE_QUESTION, STRATEGY_FLAG
from bot.texts import summary as T

__all__ = ["count_text", "num_text", "sentences", "summary_text"]

TOP_N = 5  # items listed under each bulleted heading of the text


def num_text(value: float) -> str:
    """``74`` for 74.0, ``12,5`` for 12.5 (one decimal only when there is one)."""
    exact = Decimal(repr(float(value)))
    return format_number(exact, 0 if exact == exact.to_integral_value() else 1)


def _pct_text(value: float) -> str:
    return T.PCT.format(value=num_text(value))


def count_text(forms: tuple[str, str], n: int) -> str:
    return (forms[0] if n == 1 else forms[1]).format(n=format_number(n))


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return T.LIST_SEPARATOR.join(items[:-1]) + T.LIST_LAST_SEPARATOR + items[-1]


def _ranked(shares: Mapping[str, float]) -> list[tuple[str, float]]:
    """Largest share first; ties keep the key order."""
    return sorted(shares.items(), key=lambda kv: -kv[1])


def _label_pct(label: str, pct: float) -> str:
    return T.LABEL_PCT.format(label=label, pct=_pct_text(pct))


def _previous_name(summary: Mapping[str, Any]) -> str:
    campaign = summary.get("previous_campaign")
    if campaign is None:
        return T.PREVIOUS_UNNAMED
    return T.PREVIOUS_NAMED.format(campaign=escape(str(campaign)))


def _signed_pp(value: float) -> str:
    if value == 0:
        return T.PP_NO_CHANGE
    template = T.PP_SIGNED_UP if value > 0 else T.PP_SIGNED_DOWN
    return template.format(value=num_text(abs(value)))


def _active_respondents(participation: float, registered: int) -> int | None:
    """|R ∩ A|, recovered from the published participation: exact while |A| < 1000.

    ``participation_pct`` = 100·k/|A| rounded to 0.1, an error of at most 0.05 points, so
    k = participation·|A|/100 is off by at most 0.0005·|A| < 0.5 and rounds back to k.
    """
    if not 0 < registered < 1000:
        return None
    scaled = Decimal(repr(float(participation))) * registered / 100
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _registry_paragraph(summary: Mapping[str, Any]) -> list[str]:
    registered = summary["registered"]
    if not registered:
        return [T.NO_REGISTERED]
    text = T.REGISTRY.format(
        clusters=count_text(T.CLUSTERS, registered),
        departments=count_text(T.DEPARTMENTS, summary["departments"]),
    )
    sectors = summary.get("sector_pct")
    if sectors:
        parts = []
        for i, (key, pct) in enumerate(_ranked(sectors)):
            name = escape(T.SECTOR_NAMES.get(key, key))
            if i == 0:
                plural = "" if registered == 1 else "n"
                parts.append(T.SECTOR_FIRST.format(pct=_pct_text(pct), plural=plural, sector=name))
            else:
                parts.append(T.SECTOR_NEXT.format(pct=_pct_text(pct), sector=name))
        text += T.REGISTRY_SECTORS.format(sectors=_join(parts))
    else:
        text += T.REGISTRY_END
    return [text]


def _level_sentence(summary: Mapping[str, Any], q: Questionnaire) -> str | None:
    levels: Mapping[str, float] | None = summary.get("level_pct")
    if not levels:
        return None
    labels = {lv.id: escape(lv.label) for lv in q.levels}
    ranked = _ranked(levels)
    top_pct = ranked[0][1]
    top = [k for k, v in ranked if v == top_pct]
    rest = [(k, v) for k, v in ranked if v != top_pct and v > 0]
    changes: Mapping[str, float] | None = summary.get("level_change_pp")
    previous = _previous_name(summary)

    if len(top) == 1:
        key = top[0]
        template = T.LEVEL_MAJORITY if top_pct > 50 else T.LEVEL_LARGEST
        text = template.format(pct=_pct_text(top_pct), level=labels.get(key, key))
        if changes is not None and key in changes:
            change = changes[key]
            if change == 0:
                text += T.LEVEL_SAME.format(previous=previous)
            else:
                template = T.LEVEL_UP if change > 0 else T.LEVEL_DOWN
                pp = T.PP.format(value=num_text(abs(change)))
                text += template.format(pp=pp, previous=previous)
    else:
        quoted = [T.LEVEL_QUOTED.format(level=labels.get(k, k)) for k in top]
        text = T.LEVEL_TIE.format(pct=_pct_text(top_pct), levels=_join(quoted))
    if rest:
        items = [_label_pct(T.LEVEL_QUOTED.format(level=labels.get(k, k)), v) for k, v in rest]
        text += T.LEVEL_REST[0 if len(items) == 1 else 1].format(rest=_join(items))
    text += T.LEVEL_END
    if changes is not None and len(top) > 1:
        items = [
            T.LEVEL_CHANGE_ITEM.format(level=labels.get(k, k), change=_signed_pp(changes[k]))
            for k in top
            if k in changes
        ]
        text += T.LEVEL_CHANGES.format(previous=previous, items=_join(items))
    elif changes is None:
        if summary.get("previous_campaign") is None:
            text += T.FIRST_MEASUREMENT
        else:
            text += T.NO_PREVIOUS_DATA.format(previous=previous)
    return text


def _ims_sentence(summary: Mapping[str, Any], q: Questionnaire) -> str | None:
    ims = summary.get("ims_mean")
    if ims is None:
        return None
    text = T.IMS.format(ims=num_text(ims))
    means = {k: v for k, v in (summary.get("area_mean") or {}).items() if v is not None}
    if len(means) >= 2:
        labels = {a.id: escape(a.label) for a in q.areas}
        best_score, worst_score = max(means.values()), min(means.values())
        best = [k for k, v in means.items() if v == best_score]
        worst = [k for k, v in means.items() if v == worst_score]
        fields = {
            "best": labels.get(best[0], best[0]),
            "best_score": num_text(best_score),
            "worst": labels.get(worst[0], worst[0]),
            "worst_score": num_text(worst_score),
        }
        # An area is named only when it alone has the best (or the worst) mean.
        if best_score != worst_score and len(best) == 1 and len(worst) == 1:
            text += T.IMS_BEST_WORST.format(**fields)
        elif best_score != worst_score and len(best) == 1:
            text += T.IMS_BEST.format(**fields)
        elif best_score != worst_score and len(worst) == 1:
            text += T.IMS_WORST.format(**fields)
    return text


def _growth_sentence(
    total_text: str | None,
    growth: float | None,
    templates: tuple[str, str, str, str, str],
) -> str:
    up, down, flat, total_only, none = templates
    if total_text is None:
        return none
    if growth is None:
        return total_only.format(total=total_text)
    if growth == 0:
        return flat.format(total=total_text)
    template = up if growth > 0 else down
    return template.format(growth=_pct_text(abs(growth)), total=total_text)


def _composition_sentence(
    shares: Mapping[str, float] | None, names: Mapping[str, str], template: str, none: str
) -> str:
    if not shares:
        return none
    ranked = _ranked(shares)
    (first, first_pct), rest = ranked[0], ranked[1:]
    return template.format(
        adverb=T.MOSTLY if first_pct > 50 else T.MAINLY,
        first=_label_pct(names.get(first, first), first_pct),
        rest=_join([_label_pct(names.get(k, k), v) for k, v in rest]),
    )


def _destination_sentence(shares: Mapping[str, float] | None) -> str:
    if not shares:
        return T.DESTINATION_NONE
    ranked = _ranked(shares)
    fields: dict[str, str] = {}
    for slot, (key, pct) in zip(("first", "second", "third"), ranked, strict=False):
        fields[slot] = T.DESTINATION_NAMES.get(key, key)
        fields[f"{slot}_pct"] = _pct_text(pct)
    return T.DESTINATION.format(**fields)


def _choice_lines(
    shares: Mapping[str, float] | None, q: Questionnaire, question: str, n: int
) -> list[str]:
    """The most chosen non-exclusive options (chosen by someone) as sub-bullets."""
    if not shares:
        return []
    choices = q.question(question).choice_map
    kept = [
        (k, v) for k, v in _ranked(shares) if v > 0 and k in choices and not choices[k].exclusive
    ]
    return [T.SUB_BULLET.format(text=_label_pct(escape(choices[k].label), v)) for k, v in kept[:n]]


def _top_lines(items: Sequence[Mapping[str, Any]] | None, n: int) -> list[str]:
    return (
        [T.SUB_BULLET.format(text=_label_pct(escape(str(i["label"])), i["pct"])) for i in items[:n]]
        if items
        else []
    )


def _bulleted(heading: str, lines: list[str], none: str, shown: bool = True) -> list[str]:
    if not shown:
        return []
    return [T.BULLET.format(text=heading), *lines] if lines else [T.BULLET.format(text=none)]


def _strategy_years(q: Questionnaire) -> int | None:
    return next((f.max_age for f in q.flags if f.id == STRATEGY_FLAG), None)


def _participation_sentence(summary: Mapping[str, Any]) -> str:
    respondents = summary["respondents"]
    participation = summary.get("participation_pct")
    if participation is None:
        answered = count_text(T.RESPONDENTS, respondents)
        return T.RESPONDENTS_ONLY.format(respondents=answered)
    registered = summary["registered"]
    active = _active_respondents(participation, registered)
    if active is None:
        detail = count_text(T.RESPONDENTS, respondents)
    else:
        detail = T.ACTIVE_RESPONDENTS.format(
            k=format_number(active), registered=format_number(registered)
        )
    text = T.PARTICIPATION.format(pct=_pct_text(participation), detail=detail)
    if active is not None and respondents > active:
        text += count_text(T.INACTIVE_RESPONDENTS, respondents - active)
    return text


def sentences(summary: Mapping[str, Any], q: Questionnaire, n: int = TOP_N) -> dict[str, Any]:
    """The summary's sentences by topic, worded as the chat text words them (labels
    HTML-escaped, no tags): what the documents (:mod:`bot.documents`) lay out too.

    ``registry`` always; with no respondents only ``no_respondents`` besides it. Otherwise a
    sentence (or ``None`` where the figure is left out) for ``participation``, ``levels``,
    ``ims``, ``sales``, ``destination``, ``employment``, ``firm_size``, ``strategy``,
    ``actors``, ``chamber``, and for ``governance``, ``funding``, ``impacts``, ``regional`` a
    pair (heading, lines) or (the "none" sentence, []) or ``None``.
    """
    campaign = escape(str(summary["campaign"]))
    out: dict[str, Any] = {"registry": _registry_paragraph(summary)[0]}
    if not summary["respondents"]:
        out["no_respondents"] = T.NO_RESPONDENTS.format(campaign=campaign)
        return out
    out["participation"] = _participation_sentence(summary)
    out["levels"] = _level_sentence(summary, q)
    out["ims"] = _ims_sentence(summary, q)
    sales = summary.get("sales_total_cop")
    out["sales"] = _growth_sentence(
        None if sales is None else format_cop_words(Decimal(repr(sales))),
        summary.get("sales_growth_pct"),
        (T.SALES_UP, T.SALES_DOWN, T.SALES_FLAT, T.SALES_TOTAL_ONLY, T.SALES_NONE),
    )
    out["destination"] = _destination_sentence(summary.get("sales_destination_pct"))
    jobs = summary.get("employment_total")
    out["employment"] = _growth_sentence(
        None if jobs is None else count_text(T.JOBS, jobs),
        summary.get("employment_growth_pct"),
        (
            T.EMPLOYMENT_UP,
            T.EMPLOYMENT_DOWN,
            T.EMPLOYMENT_FLAT,
            T.EMPLOYMENT_TOTAL_ONLY,
            T.EMPLOYMENT_NONE,
        ),
    )
    out["firm_size"] = _composition_sentence(
        summary.get("firm_size_pct"), T.FIRM_SIZE_NAMES, T.FIRM_SIZE, T.FIRM_SIZE_NONE
    )
    strategy = summary.get("strategy_updated_pct")
    out["strategy"] = None
    if strategy is not None:
        years = _strategy_years(q)
        detail = "" if years is None else T.STRATEGY_DETAIL.format(years=years)
        out["strategy"] = T.STRATEGY.format(pct=_pct_text(strategy), detail=detail)
    out["actors"] = _composition_sentence(
        summary.get("actor_pct"), T.ACTOR_NAMES, T.ACTORS, T.ACTORS_NONE
    )
    chamber = summary.get("chamber_managed_pct")
    out["chamber"] = None if chamber is None else T.CHAMBER.format(pct=_pct_text(chamber))
    for key, heading, shares, question, none in (
        ("governance", T.GOVERNANCE, "governance_pct", GOVERNANCE_QUESTION, T.GOVERNANCE_NONE),
        ("funding", T.FUNDING, "funding_source_pct", FUNDING_QUESTION, T.FUNDING_NONE),
    ):
        shown = summary.get(shares) is not None and question in q.question_map
        lines = _choice_lines(summary.get(shares), q, question, n) if shown else []
        out[key] = ((heading, lines) if lines else (none, [])) if shown else None
    for key, heading, field, none in (
        ("impacts", T.IMPACTS, "top_impacts", T.IMPACTS_NONE),
        ("regional", T.REGIONAL, "top_regional_actions", T.REGIONAL_NONE),
    ):
        items = summary.get(field)
        lines = _top_lines(items, n)
        out[key] = None if items is None else ((heading, lines) if lines else (none, []))
    return out


_BULLETED = ("governance", "funding", "impacts", "regional")
_ONE_LINE = (
    "levels",
    "ims",
    "sales",
    "destination",
    "employment",
    "firm_size",
    "strategy",
    "actors",
    "chamber",
)


def _build_text(summary: Mapping[str, Any], q: Questionnaire, n: int) -> str:
    campaign = escape(str(summary["campaign"]))
    said = sentences(summary, q, n)
    blocks: list[list[str]] = [[T.TITLE.format(campaign=campaign)], [said["registry"]]]
    if "no_respondents" in said:
        blocks.append([said["no_respondents"]])
        return "\n\n".join("\n".join(b) for b in blocks)
    blocks += [[said["participation"]], [T.RESULTS_INTRO]]
    bullets = [T.BULLET.format(text=said[k]) for k in _ONE_LINE if said[k]]
    for key in _BULLETED:
        if said[key] is not None:
            heading, lines = said[key]
            bullets += [T.BULLET.format(text=heading), *lines]
    blocks.append(bullets)
    blocks.append([T.NOTE])
    return "\n\n".join("\n".join(b) for b in blocks if b)


def summary_text(summary: Mapping[str, Any], q: Questionnaire) -> str:
    """The executive summary for Telegram (HTML parse mode, at most ``T.TEXT_LIMIT`` chars).

    In the tone of the seed document; figures the Colombian way; a missing figure is said to be
    missing, never shown as a number. The bulleted lists are shortened if the text is too long.
    """
    for n in range(TOP_N, 0, -1):
        text = _build_text(summary, q, n)
        if len(text) <= T.TEXT_LIMIT:
            return text
    return text[: T.TEXT_LIMIT - 1] + "…"  # unreachable with the shipped texts
