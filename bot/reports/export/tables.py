"""The analyst's tables: each a ``(header, rows)`` pair, with its columns described for the
codebook. See :mod:`bot.reports.export` for the sheets and their conventions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.files.registry import COLUMNS as REGISTRY_COLUMNS
from bot.questionnaire.model import ND, Question, Questionnaire, Value
from bot.reports.export.codebook import Column, codebook, options_text, question_rules, rule_text
from bot.reports.export.values import NO, YES, as_mapping, cell, local_time
from bot.texts import export as texts

Table = tuple[list[str], list[list[Any]]]

_NUMBER_TYPES = frozenset({"integer", "money", "percent", "year"})
SEP = "__"  # {question}__{choice}: the 0/1 column of an option; {question}__nd: "No disponible"


@dataclass(frozen=True)
class ExportRow:
    """One submitted response with its cluster and its scores."""

    cluster: Mapping[str, Any]  # registry columns (a Cluster dataclass or ClusterRow works too)
    campaign_id: str
    questionnaire_version: str
    submitted_at: datetime  # aware (UTC); naive is taken as UTC
    answers: Mapping[str, Value]
    scores: Mapping[str, Any]  # ScoreResult.to_json(): indicators, areas, ims, level, gates, flags
    source: str = "telegram"  # telegram, import (import-responses), published (import-results)


def _fixed(names: Sequence[str]) -> list[Column]:
    return [Column(n, texts.FIXED_KINDS.get(n, "text"), texts.COLUMN_LABELS[n]) for n in names]


def _question_columns(q: Questionnaire) -> list[Column]:
    rules = question_rules(q)
    out: list[Column] = []
    for question in q.questions:
        rule = rules.get(question.id, texts.NOT_SCORED)
        out.append(Column(question.id, question.type, question.text, options_text(question), rule))
        if question.type == "multi":
            out += [
                Column(
                    f"{question.id}{SEP}{choice.id}",
                    "binary",
                    texts.ONE_HOT_LABEL.format(label=choice.label, question=question.short),
                )
                for choice in question.choices
            ]
        if question.allow_nd:
            out.append(
                Column(
                    f"{question.id}{SEP}nd",
                    "binary",
                    texts.ND_LABEL.format(question=question.short),
                )
            )
    return out


def _answer_cells(questions: Sequence[Question], answers: Mapping[str, Value]) -> list[Any]:
    cells: list[Any] = []
    append = cells.append
    for question in questions:
        answered = question.id in answers
        value = answers.get(question.id)
        nd = value == ND
        if question.type == "multi":
            chosen = set(value) if isinstance(value, list) else set()
            append(cell(value) if answered else None)
            flag = 1 if answered and not nd else None
            cells.extend((1 if c.id in chosen else 0) if flag else None for c in question.choices)
        elif question.type in _NUMBER_TYPES:
            append(None if nd else cell(value))
        else:
            append(cell(value))
        if question.allow_nd:
            append((1 if nd else 0) if answered else None)
    return cells


def _score_columns(
    q: Questionnaire,
) -> tuple[list[Column], list[str], list[str], list[str], list[str]]:
    indicators = [i.id for i in q.indicators]
    areas = [a.id for a in q.areas]
    gates = [g.id for g in q.gates]
    flags = [f.id for f in q.flags if f.id not in set(gates)]
    ims_rule = texts.IMS_RULE
    level_rule = "; ".join(
        texts.LEVEL_RULE.format(id=lv.id, label=lv.label, min=lv.min_ims)
        + (texts.LEVEL_GATES if lv.requires_gates else "")
        for lv in q.levels
    )
    columns = _fixed(texts.SCORE_COLUMNS)
    columns = [
        Column(c.name, c.kind, c.label, rule=ims_rule if c.name == "ims" else "")
        if c.name != "nivel"
        else Column(
            c.name,
            c.kind,
            c.label,
            ", ".join(f"{lv.id} = {lv.label}" for lv in q.levels),
            level_rule,
        )
        for c in columns
    ]
    columns += [Column(i.id, "score", i.label, rule=rule_text(i)) for i in q.indicators]
    columns += [
        Column(
            a.id,
            "score",
            texts.AREA_LABEL.format(label=a.label),
            rule=texts.AREA_RULE.format(indicators=", ".join(i.id for i in a.indicators)),
        )
        for a in q.areas
    ]
    columns += [Column(g.id, "yesno", g.label) for g in q.gates]
    columns += [Column(f, "yesno", texts.FLAG_LABEL.format(id=f)) for f in flags]
    return columns, indicators, areas, gates, flags


def export_tables(
    q: Questionnaire,
    registry: Sequence[Mapping[str, Any]],
    rows: Sequence[ExportRow],
    *,
    campaigns: Sequence[str] = (),
) -> dict[str, Table]:
    """The sheets: ``diccionario`` first, then registro, respuestas, puntajes, largo and, when
    ``campaigns`` (in order) names two or more, ``evolucion``."""
    questions = list(q.questions)
    question_columns = _question_columns(q)
    score_columns, indicators, areas, gates, flags = _score_columns(q)
    levels = {lv.id: lv.label for lv in q.levels}
    origin = texts.ORIGINS

    registro = []
    for entry in registry:
        cluster = as_mapping(entry)
        registro.append([cell(cluster.get(c)) for c in REGISTRY_COLUMNS])

    respuestas: list[list[Any]] = []
    puntajes: list[list[Any]] = []
    largo: list[list[Any]] = []
    for row in rows:
        cluster = as_mapping(row.cluster)
        head = [
            cell(cluster.get("cluster_id")),
            cell(cluster.get("nombre")),
            cell(cluster.get("departamento")),
            cell(cluster.get("sector")),
            cell(row.campaign_id),
            origin.get(row.source, row.source),
        ]
        answers = q.relevant_answers(row.answers)
        respuestas.append(
            [
                *head,
                cell(row.questionnaire_version),
                local_time(row.submitted_at),
                *_answer_cells(questions, answers),
            ]
        )
        largo.extend(
            [head[0], head[4], question.id, cell(answers[question.id])]
            for question in questions
            if question.id in answers
        )
        scores = row.scores
        ind = scores.get("indicators") or {}
        area = scores.get("areas") or {}
        gate = scores.get("gates") or {}
        level = scores.get("level")
        puntajes.append(
            [
                *head,
                cell(scores.get("ims")),
                cell(level),
                levels.get(str(level), cell(level)),
                *(cell(ind.get(i)) for i in indicators),
                *(cell(area.get(a)) for a in areas),
                *(cell(gate.get(g)) for g in gates),
                *(cell(scores.get(f)) for f in flags),
            ]
        )

    sheets: dict[str, list[Column]] = {
        "registro": _fixed(REGISTRY_COLUMNS),
        "respuestas": [*_fixed(texts.ANSWER_COLUMNS), *question_columns],
        "puntajes": score_columns,
        "largo": _fixed(texts.LONG_COLUMNS),
    }
    data: dict[str, list[list[Any]]] = {
        "registro": registro,
        "respuestas": respuestas,
        "puntajes": puntajes,
        "largo": largo,
    }
    if len(campaigns) >= 2:
        sheets["evolucion"] = _fixed(texts.EVOLUTION_COLUMNS)
        data["evolucion"] = evolution(q, rows, campaigns)
    tables: dict[str, Table] = {"diccionario": codebook(sheets)}
    for name, columns in sheets.items():
        tables[name] = ([c.name for c in columns], data[name])
    return tables


def column_specs(tables: Mapping[str, Table]) -> dict[str, dict[str, tuple[str, str]]]:
    """Sheet → column → (label, kind) as the codebook says (for the header notes, the tests)."""
    out: dict[str, dict[str, tuple[str, str]]] = {}
    kinds = {label: kind for kind, label in texts.KINDS.items()}
    for sheet, variable, label, kind, *_ in tables["diccionario"][1]:
        out.setdefault(sheet, {})[variable] = (str(label), kinds.get(kind, str(kind)))
    return out


def evolution(
    q: Questionnaire, rows: Sequence[ExportRow], campaigns: Sequence[str]
) -> list[list[Any]]:
    """Per cluster and area (and the IMS), its score in each campaign it has one, with the
    campaign before (the cluster's previous one with a score) and the change in points."""
    order = {c: i for i, c in enumerate(campaigns)}
    by_cluster: dict[str, dict[str, ExportRow]] = {}
    names: dict[str, Any] = {}
    for row in rows:
        cluster = as_mapping(row.cluster)
        cid = str(cluster.get("cluster_id"))
        names[cid] = cell(cluster.get("nombre"))
        by_cluster.setdefault(cid, {})[row.campaign_id] = row
    targets = [("ims", texts.IMS_LABEL), *((a.id, a.label) for a in q.areas)]
    out: list[list[Any]] = []
    for cid in sorted(by_cluster):
        waves = sorted(by_cluster[cid].items(), key=lambda item: order.get(item[0], len(order)))
        for target, label in targets:
            before: tuple[str, float] | None = None
            for campaign, row in waves:
                scores = row.scores
                value = (
                    scores.get("ims")
                    if target == "ims"
                    else (scores.get("areas") or {}).get(target)
                )
                if not isinstance(value, int | float):
                    continue
                change = round(value - before[1], 1) if before else None
                out.append(
                    [
                        cid,
                        names[cid],
                        target,
                        label,
                        campaign,
                        value,
                        before[0] if before else None,
                        before[1] if before else None,
                        change,
                    ]
                )
                before = (campaign, float(value))
    return out


__all__ = ["NO", "SEP", "YES", "ExportRow", "Table", "column_specs", "evolution", "export_tables"]
