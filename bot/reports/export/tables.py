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
    review: str | None = None  # the analysts' review: pendiente, aprobada, requiere_ajuste


@dataclass(frozen=True)
class HistoryRow:
    """An answer changed after a submission (the audit's ``answer_changed``)."""

    cluster_id: str
    campaign_id: str
    at: datetime
    actor: str
    question_id: str
    old: Value | None
    new: Value | None
    reason: str | None


@dataclass(frozen=True)
class EvidenceRow:
    cluster_id: str
    campaign_id: str
    question_id: str
    name: str
    mime: str
    size: int
    sha256: str
    at: datetime


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
            append(cell(value) if answered else None)
            if answered and not nd:
                chosen = set(value) if isinstance(value, list) else set()
                cells.extend([1 if c.id in chosen else 0 for c in question.choices])
            else:
                cells.extend([None] * len(question.choices))
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


class TableBuilder:
    """The sheets, filled a batch of rows at a time (one campaign, then the next), so a caller
    can let each batch's answers go before reading the next (``bot.services.exports``)."""

    def __init__(
        self, q: Questionnaire, registry: Sequence[Mapping[str, Any]], campaigns: Sequence[str]
    ) -> None:
        self.q = q
        self.campaigns = list(campaigns)
        self.questions = list(q.questions)
        self.question_columns = _question_columns(q)
        self.score_columns, self.indicators, self.areas, self.gates, self.flags = _score_columns(q)
        self.levels = {lv.id: lv.label for lv in q.levels}
        self.registro = [
            [cell(as_mapping(entry).get(c)) for c in REGISTRY_COLUMNS] for entry in registry
        ]
        self.respuestas: list[list[Any]] = []
        self.puntajes: list[list[Any]] = []
        self.largo: list[list[Any]] = []
        self.historial: list[list[Any]] = []
        self.evidencias: list[list[Any]] = []
        # cluster id → (name, {campaign: (ims, areas)}): all the evolution needs.
        self.waves: dict[str, tuple[Any, dict[str, tuple[Any, Mapping[str, Any]]]]] = {}

    def add(self, rows: Sequence[ExportRow]) -> None:
        origin = texts.ORIGINS
        questions, levels = self.questions, self.levels
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
            answers = self.q.relevant_answers(row.answers)
            self.respuestas.append(
                [
                    *head,
                    cell(row.questionnaire_version),
                    local_time(row.submitted_at),
                    *_answer_cells(questions, answers),
                ]
            )
            self.largo.extend(
                [head[0], head[4], question.id, cell(answers[question.id])]
                for question in questions
                if question.id in answers
            )
            scores = row.scores
            ind = scores.get("indicators") or {}
            area = scores.get("areas") or {}
            gate = scores.get("gates") or {}
            level = scores.get("level")
            self.puntajes.append(
                [
                    *head,
                    cell(scores.get("ims")),
                    cell(level),
                    levels.get(str(level), cell(level)),
                    row.review,
                    *(cell(ind.get(i)) for i in self.indicators),
                    *(cell(area.get(a)) for a in self.areas),
                    *(cell(gate.get(g)) for g in self.gates),
                    *(cell(scores.get(f)) for f in self.flags),
                ]
            )
            if len(self.campaigns) >= 2:
                waves = self.waves.setdefault(str(head[0]), (head[1], {}))[1]
                waves[row.campaign_id] = (scores.get("ims"), dict(area))

    def add_history(self, rows: Sequence[HistoryRow]) -> None:
        self.historial.extend(
            [
                r.cluster_id,
                r.campaign_id,
                local_time(r.at),
                r.actor,
                r.question_id,
                cell(r.old),
                cell(r.new),
                r.reason,
            ]
            for r in rows
        )

    def add_evidence(self, rows: Sequence[EvidenceRow]) -> None:
        self.evidencias.extend(
            [
                r.cluster_id,
                r.campaign_id,
                r.question_id,
                r.name,
                texts.MIME_NAMES.get(r.mime, r.mime),
                r.size,
                r.sha256,
                local_time(r.at),
            ]
            for r in rows
        )

    def tables(self) -> dict[str, Table]:
        sheets: dict[str, list[Column]] = {
            "registro": _fixed(REGISTRY_COLUMNS),
            "respuestas": [*_fixed(texts.ANSWER_COLUMNS), *self.question_columns],
            "puntajes": self.score_columns,
            "largo": _fixed(texts.LONG_COLUMNS),
            "historial": _fixed(texts.HISTORY_COLUMNS),
            "evidencias": _fixed(texts.EVIDENCE_COLUMNS),
        }
        data: dict[str, list[list[Any]]] = {
            "registro": self.registro,
            "respuestas": self.respuestas,
            "puntajes": self.puntajes,
            "largo": self.largo,
            "historial": self.historial,
            "evidencias": self.evidencias,
        }
        if len(self.campaigns) >= 2:
            sheets["evolucion"] = _fixed(texts.EVOLUTION_COLUMNS)
            data["evolucion"] = _evolution(self.q, self.waves, self.campaigns)
        tables: dict[str, Table] = {"diccionario": codebook(sheets)}
        for name, columns in sheets.items():
            tables[name] = ([c.name for c in columns], data[name])
        return tables


def export_tables(
    q: Questionnaire,
    registry: Sequence[Mapping[str, Any]],
    rows: Sequence[ExportRow],
    *,
    campaigns: Sequence[str] = (),
) -> dict[str, Table]:
    """The sheets: ``diccionario`` first, then registro, respuestas, puntajes, largo and, when
    ``campaigns`` (in order) names two or more, ``evolucion``."""
    builder = TableBuilder(q, registry, campaigns)
    builder.add(rows)
    return builder.tables()


def column_specs(tables: Mapping[str, Table]) -> dict[str, dict[str, tuple[str, str]]]:
    """Sheet → column → (label, kind) as the codebook says (for the header notes, the tests)."""
    out: dict[str, dict[str, tuple[str, str]]] = {}
    kinds = {label: kind for kind, label in texts.KINDS.items()}
    for sheet, variable, label, kind, *_ in tables["diccionario"][1]:
        out.setdefault(sheet, {})[variable] = (str(label), kinds.get(kind, str(kind)))
    return out


def _evolution(
    q: Questionnaire,
    waves: Mapping[str, tuple[Any, Mapping[str, tuple[Any, Mapping[str, Any]]]]],
    campaigns: Sequence[str],
) -> list[list[Any]]:
    """Per cluster and area (and the IMS), its score in each campaign it has one, with the
    campaign before (the cluster's previous one with a score) and the change in points."""
    order = {c: i for i, c in enumerate(campaigns)}
    targets = [("ims", texts.IMS_LABEL), *((a.id, a.label) for a in q.areas)]
    out: list[list[Any]] = []
    for cid in sorted(waves):
        name, by_campaign = waves[cid]
        ordered = sorted(by_campaign.items(), key=lambda item: order.get(item[0], len(order)))
        for target, label in targets:
            before: tuple[str, float] | None = None
            for campaign, (ims, areas) in ordered:
                value = ims if target == "ims" else areas.get(target)
                if not isinstance(value, int | float):
                    continue
                change = round(value - before[1], 1) if before else None
                out.append(
                    [
                        cid,
                        name,
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


__all__ = [
    "NO",
    "SEP",
    "YES",
    "ExportRow",
    "Table",
    "TableBuilder",
    "column_specs",
    "export_tables",
]
