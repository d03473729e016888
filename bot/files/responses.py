"""Historical waves: parsing and validation of a CSV of submitted responses (one row per cluster).

Pure: the inputs are the file's bytes or text, the questionnaire, the campaign's reference year
and the cluster ids of the registry; no database, no Telegram, no files. :func:`parse_responses_csv`
never raises for any input: every problem becomes a :class:`RowProblem` with the 1-based physical
line of the file (the header is line 1), the column when there is one, and a Spanish message.
The caller's rule (``ssme import-responses``) is to store nothing unless :attr:`ResponsesParse.ok`,
so a file is imported whole or not at all.

The file: a header with ``cluster_id`` and one column per question id (methodology §3), then one
row per cluster. Cells follow methodology §1: a choice id; choice ids joined by ``;`` for
``multi``; a number; ``si``/``no`` for ``yesno``; ``n/d`` for "not available"; text. An empty
cell is no answer. :func:`responses_template_csv` writes a header and an example row.

Decisions:

- **Reading the file** is :mod:`bot.files.csvio`'s, shared with the registry import: UTF-8 with or
  without BOM, else Windows-1252 with a note; Excel workbooks, UTF-16 and binary files are refused
  with a message that says how to save a CSV; delimiter ``,`` or ``;`` (an Excel ``sep=`` first
  line is honoured); quoted cells may span lines and a record's line is the one where it starts;
  blank rows are skipped. The delimiter is :class:`csv.Sniffer`'s unless the other one splits the
  header into more known names (``cluster_id`` and question ids).
- **Header** (checked by :func:`bot.files.csvio.check_header`): names trimmed and lower-cased.
  ``cluster_id`` is required; every other named column must be a question id (else an error on
  the header line with a ``¿quiso decir …?`` suggestion, also found from a label such as
  ``Empresas activas``); repeated columns are errors. Any header error stops there: no row is
  validated (the same message on every row would hide the cause).
  A question without a column is allowed, with one warning on the header line: rows then lack
  that answer, which is an error for required questions.
- **Rows**: the field count must match the header (a short or long row usually means a stray
  separator or an open quote, so nothing is guessed). ``cluster_id`` must be one of
  ``known_clusters`` exactly; a near match (other case, a typo) is suggested, not taken. A
  repeated ``cluster_id`` rejects the later row and names the earlier line.
- **Answers** are checked by :meth:`Engine.validate` on the row's non-empty cells, the rules of
  the conversation: the engine's message ``question_id: message`` becomes a problem on that
  column, with the cell's value in front. A consistency rule names several questions: its
  problem is put on the rule's subject (``at_most``: the bounded question, e.g.
  ``empresas_activas`` for activas ≤ vinculadas; ``max_change``: the current figure) or on no
  column (``sum_equals``), and the message lists the columns. Soft rules (large changes) and
  answers to questions that do not apply (ignored) are warnings: the row is still imported.
  ``ImportedResponse.answers`` holds only the relevant answers, as ``Engine.validate`` returns.
- **Numbers** are read as in the conversation (:func:`bot.questionnaire.parsing.parse_number`),
  so plain CSV numbers work for every type: ``457000000000``, ``1234``, ``12.5``, and Colombian
  ``457.000.000.000`` or ``12,5``. ``.`` or ``,`` followed by exactly three digits is a thousands
  separator for ``integer`` and ``money`` (they have no decimals: ``1.500`` is 1500) and the
  decimal sign for ``percent`` (its thousands reading would exceed 100: ``12.500`` is 12,5 %);
  so a plain number is never ambiguous. Only words with a grouped number are (``1.500 millones``),
  and those are errors asking to write the figure without thousands separators. A number in
  Excel's scientific notation (``4,57E+11``) is an error with a hint on the column format.
- The safety net: if the engine raised on a row, the row gets an error instead of the whole file
  failing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from importlib import resources

import yaml

from bot.files.csvio import (
    CsvProblem,
    Record,
    check_header,
    read_csv,
    record_cells,
    show_value,
    strip_accents,
    suggestion,
)
from bot.questionnaire.engine import AnswerError, Engine
from bot.questionnaire.model import AtMost, MaxChange, Questionnaire, Value
from bot.texts.csvfiles import CSV_TEXTS, REJECTED_WORDS, ROW_WORDS
from bot.texts.responses_import import (
    MORE_ERRORS,
    MORE_WARNINGS,
    RESPONSES_ERRORS,
    RESPONSES_TEXTS,
    RESPONSES_WARNINGS,
    WARNING_WORDS,
)

__all__ = [
    "CLUSTER_COLUMN",
    "TEMPLATE_CLUSTER_ID",
    "ImportedResponse",
    "ResponsesParse",
    "RowProblem",
    "answer_cell",
    "parse_responses_csv",
    "responses_template_csv",
]

CLUSTER_COLUMN = "cluster_id"
SUBMITTED_COLUMN = "submitted_at"
SUBMITTED_ALIASES = (SUBMITTED_COLUMN, "fecha_envio")  # the export's Spanish name works too
TEMPLATE_CLUSTER_ID = "cluster_ejemplo"
"""The fake cluster of the template's example row (not in any registry, so it cannot be imported)."""
TEMPLATE_EXAMPLE = "examples/consolidado.yaml"
TEMPLATE_SUBMITTED_AT = "2021-10-15 10:30"  # Colombian time; the column may be left empty

try:
    from zoneinfo import ZoneInfo

    BOGOTA: tzinfo = ZoneInfo("America/Bogota")
except Exception:  # no tz database: Colombia is UTC−5 since 1993
    BOGOTA = timezone(timedelta(hours=-5), "COT")

_NUMBER_TYPES = frozenset({"integer", "money", "percent", "year"})
_MISSING = AnswerError("missing_answer").message
_SCIENTIFIC_RE = re.compile(r"\s*[-+]?[0-9]+(?:[.,][0-9]+)?\s*[eE]\s*[-+]?[0-9]+\s*")


# ---------------------------------------------------------------------------------------------
# Public types
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedResponse:
    """A valid row: the cluster's checked answers, ready to be stored as a submitted response."""

    line: int  # 1-based physical line where the row starts
    cluster_id: str  # exactly as in the registry
    answers: dict[str, Value]  # only the relevant answers, as Engine.validate returns them
    warnings: list[str]  # the engine's warnings, "question_id: message"
    submitted_at: datetime | None = None  # the file's submitted_at (aware), if it had one


@dataclass(frozen=True)
class RowProblem:
    """An error or a warning: 1-based physical line, column (None: the row or file), Spanish."""

    line: int
    column: str | None
    message: str


@dataclass(frozen=True)
class ResponsesParse:
    """Result of :func:`parse_responses_csv`.

    ``rows`` holds the valid rows in file order; ``rejected`` counts the data rows left out (all
    of them when the file is unreadable; ``unchecked`` those never checked because the header is wrong). ``warnings`` are problems that do not reject
    a row; ``notes`` are things said about the file (the Windows-1252 fallback).
    """

    rows: list[ImportedResponse]
    errors: list[RowProblem]
    warnings: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rejected: int = 0
    encoding: str = "utf-8"
    delimiter: str = ","
    unchecked: int = 0  # data rows never checked (the header was wrong)

    @property
    def ok(self) -> bool:
        return not self.errors

    def report(self, max_errors: int | None = None) -> str:
        """Spanish report: notes, errors, warnings (``aviso, …``), then the summary line.

        ``max_errors`` caps the listed errors, and separately the listed warnings (a Telegram
        message holds 4096 characters).
        """
        lines = list(self.notes)
        lines += _listed(self.errors, max_errors, "error_line", MORE_ERRORS)
        lines += _listed(self.warnings, max_errors, "warning_line", MORE_WARNINGS)
        if self.errors:
            lines.append(RESPONSES_TEXTS["nothing_imported"])
        valid = len(self.rows)
        if self.unchecked:
            lines.append(CSV_TEXTS["unchecked"].format(n=self.unchecked))
            return "\n".join(lines)
        summary = RESPONSES_TEXTS["summary"].format(
            valid=valid,
            valid_word=ROW_WORDS[valid != 1],
            rejected=self.rejected,
            rejected_word=REJECTED_WORDS[self.rejected != 1],
        )
        if self.warnings:
            count = len(self.warnings)
            summary += RESPONSES_TEXTS["summary_warnings"].format(
                count=count, warning_word=WARNING_WORDS[count != 1]
            )
        lines.append(summary)
        return "\n".join(lines)


def _listed(
    problems: list[RowProblem], cap: int | None, template: str, more: tuple[str, str]
) -> list[str]:
    shown = problems if cap is None else problems[: max(cap, 0)]
    lines = [
        RESPONSES_TEXTS[template if p.column is None else f"{template}_column"].format(
            line=p.line, column=p.column, message=p.message
        )
        for p in shown
    ]
    if len(shown) < len(problems):
        hidden = len(problems) - len(shown)
        lines.append(more[hidden != 1].format(count=hidden))
    return lines


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _problem(line: int, column: str | None, code: str, /, **params: object) -> RowProblem:
    return RowProblem(line, column, RESPONSES_ERRORS[code].format(**params))


def _worded(problem: CsvProblem) -> RowProblem:
    """A problem found by :mod:`bot.files.csvio`, in this import's words."""
    return RowProblem(problem.line, problem.column, problem.message(RESPONSES_ERRORS))


def _name_key(text: str) -> str:
    """'Empresas activas', 'empresas-activas' → 'empresas_activas': how names are compared."""
    return "_".join(re.findall(r"[a-z0-9]+", strip_accents(text).casefold()))


_STAMP_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


def _submitted_at(text: str, column: str, line: int, errors: list[RowProblem]) -> datetime | None:
    """``2021-06-15``, ``2021-06-15 10:30[:00]`` (Colombian time) or ISO 8601 with an offset."""
    text = text.replace("T", " ", 1)
    moment = None
    for fmt in _STAMP_FORMATS:
        try:
            moment = datetime.strptime(text, fmt).replace(tzinfo=BOGOTA)
            break
        except ValueError:
            continue
    if moment is None:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            errors.append(_problem(line, column, "bad_submitted_at", value=show_value(text)))
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=BOGOTA)
    if moment > datetime.now(UTC):
        errors.append(_problem(line, column, "future_submitted_at", value=show_value(text)))
        return None
    return moment.astimezone(UTC)


# ---------------------------------------------------------------------------------------------
# Header
# ---------------------------------------------------------------------------------------------


def _known_columns(q: Questionnaire) -> tuple[str, ...]:
    """The column names a header may have: ``cluster_id``, ``submitted_at``, the question ids."""
    return (CLUSTER_COLUMN, *SUBMITTED_ALIASES, *q.question_map)


def _check_header(
    record: Record, q: Questionnaire
) -> tuple[list[str], list[RowProblem], list[RowProblem]]:
    """(names, errors, warnings) of the header record."""
    line = record.start
    suggestions = {_name_key(qid): qid for qid in q.question_map}
    for question in q.questions:  # a label as column name suggests its id
        suggestions.setdefault(_name_key(question.short), question.id)
    suggestions.setdefault(_name_key(CLUSTER_COLUMN), CLUSTER_COLUMN)
    names, problems = check_header(record, _known_columns(q), suggestions, key=_name_key)
    errors = [_worded(problem) for problem in problems]
    seen = set(names)
    if CLUSTER_COLUMN not in seen:
        errors.append(_problem(line, CLUSTER_COLUMN, "missing_cluster_column"))
    warnings: list[RowProblem] = []
    missing = [qid for qid in q.question_map if qid not in seen]
    if not errors and missing:
        what = RESPONSES_WARNINGS[
            "missing_columns_one" if len(missing) == 1 else "missing_columns_many"
        ]
        message = RESPONSES_WARNINGS["missing_columns"].format(
            what=what, columns=", ".join(missing)
        )
        warnings.append(RowProblem(line, None, message))
    return names, errors, warnings


# ---------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------


class _RowChecker:
    """Everything a row needs: the engine, the registry's ids and the ids seen so far."""

    def __init__(
        self,
        q: Questionnaire,
        reference_year: int,
        known_clusters: Collection[str],
        names: list[str],
        delimiter: str,
    ) -> None:
        self.q = q
        self.engine = Engine(q, reference_year)
        self.known = frozenset(known_clusters)
        self.known_keys = {_name_key(c): c for c in sorted(self.known)}
        self.folded = {c.casefold(): c for c in sorted(self.known)}
        self.names = names
        self.delimiter = delimiter
        self.seen: dict[str, int] = {}
        self.rules = {tuple(rule.question_ids): rule for rule in q.consistency}

    def check(
        self, record: Record
    ) -> tuple[ImportedResponse | None, list[RowProblem], list[RowProblem]]:
        line = record.start
        fields, problems = record_cells(record, self.names, self.delimiter)
        errors = [_worded(problem) for problem in problems]
        if fields is None:
            return None, errors, []
        cells = {name: cell.strip() for name, cell in fields.items()}
        cluster_id = self._cluster_id(cells.pop(CLUSTER_COLUMN, ""), line, errors)
        submitted_at = None
        for alias in SUBMITTED_ALIASES:
            stamp = cells.pop(alias, "")
            if stamp:
                submitted_at = _submitted_at(stamp, alias, line, errors)
        raw = {qid: value for qid, value in cells.items() if value}
        try:
            answers, engine_errors, engine_warnings = self.engine.validate(raw)
        except Exception as exc:  # a safety net: Engine.validate should only report problems
            detail = show_value(f"{type(exc).__name__}: {exc}")
            errors.append(_problem(line, None, "row_invalid", detail=detail))
            return None, errors, []
        errors += [
            self._engine_problem(line, text, raw, error=True)
            for text in engine_errors
            # A cell that was refused is also "missing": it is said once, with the reason.
            if not any(text == f"{qid}: {_MISSING}" for qid in raw)
        ]
        warnings = [self._engine_problem(line, text, raw, error=False) for text in engine_warnings]
        if errors or cluster_id is None:
            return None, errors, warnings
        imported = ImportedResponse(line, cluster_id, answers, list(engine_warnings), submitted_at)
        return imported, [], warnings

    def _cluster_id(self, value: str, line: int, errors: list[RowProblem]) -> str | None:
        if not value:
            errors.append(_problem(line, CLUSTER_COLUMN, "cluster_id_missing"))
            return None
        if value not in self.known:
            near = self.folded.get(value.casefold())
            if near is not None:
                hint = CSV_TEXTS["suggestion"].format(name=near)
            else:
                hint = suggestion(value, self.known_keys, key=_name_key)
            errors.append(
                _problem(
                    line,
                    CLUSTER_COLUMN,
                    "cluster_id_unknown",
                    value=show_value(value),
                    suggestion=hint,
                )
            )
            return None
        earlier = self.seen.get(value)
        if earlier is not None:
            errors.append(
                _problem(line, CLUSTER_COLUMN, "cluster_id_duplicate", value=value, line=earlier)
            )
            return None
        self.seen[value] = line
        return value

    def _engine_problem(
        self, line: int, text: str, raw: Mapping[str, str], *, error: bool
    ) -> RowProblem:
        """The engine's ``"q1[, q2…]: message"`` → a problem on the right column."""
        prefix, sep, message = text.partition(": ")
        ids = tuple(prefix.split(", ")) if sep else ()
        if not ids or not all(qid in self.q.question_map for qid in ids):
            return RowProblem(line, None, text)
        if len(ids) == 1:
            qid = ids[0]
            value = raw.get(qid)
            if error and value is not None:
                question = self.q.question_map[qid]
                if question.type in _NUMBER_TYPES and _SCIENTIFIC_RE.fullmatch(value):
                    message += RESPONSES_ERRORS["scientific"]
                if f"«{value}»" not in message:
                    message = RESPONSES_ERRORS["cell"].format(
                        value=show_value(value), message=message
                    )
            return RowProblem(line, qid, message)
        rule = self.rules.get(ids)
        if isinstance(rule, AtMost):
            column: str | None = rule.question
        elif isinstance(rule, MaxChange):
            column = rule.current
        else:  # sum_equals: no single column is to blame
            column = None
        message += RESPONSES_ERRORS["rule_columns"].format(columns=", ".join(ids))
        return RowProblem(line, column, message)


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


def parse_responses_csv(
    data: bytes | str,
    q: Questionnaire,
    reference_year: int,
    *,
    known_clusters: Collection[str],
) -> ResponsesParse:
    """Parse and validate a CSV of responses; never raises (see the module docstring)."""
    read = read_csv(data, _known_columns(q))
    notes, encoding, delimiter = read.notes, read.encoding, read.delimiter
    tail = [_worded(read.failure)] if read.failure is not None else []
    if not read.records:
        errors = tail or [_problem(read.header_line, None, "empty")]
        return ResponsesParse([], errors, [], notes, 0, encoding, delimiter)

    header, data_records = read.records[0], read.records[1:]
    names, errors, warnings = _check_header(header, q)
    if errors:  # no row was checked: none is counted as rejected
        unchecked = len(data_records)
        return ResponsesParse([], errors + tail, [], notes, 0, encoding, delimiter, unchecked)
    if not data_records and not tail:
        error = _problem(header.start, None, "no_rows")
        return ResponsesParse([], [error], warnings, notes, 0, encoding, delimiter)

    checker = _RowChecker(q, reference_year, known_clusters, names, delimiter)
    rows: list[ImportedResponse] = []
    rejected = 0
    for record in data_records:
        row, row_errors, row_warnings = checker.check(record)
        errors += row_errors
        warnings += row_warnings
        if row is None:
            rejected += 1
        else:
            rows.append(row)
    errors += tail
    rejected += len(tail)
    return ResponsesParse(rows, errors, warnings, notes, rejected, encoding, delimiter)


def answer_cell(value: Value | None) -> str:
    """A stored answer as a CSV cell (methodology §1): ``a;b``, ``si``/``no``, ``n/d``, 12.5."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "si" if value else "no"
    if isinstance(value, list):
        return ";".join(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _template_example() -> dict[str, object]:
    text = resources.files("bot").joinpath(TEMPLATE_EXAMPLE).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return data if isinstance(data, dict) else {}


def responses_template_csv(q: Questionnaire) -> str:
    """A CSV to fill in: the header (cluster_id, submitted_at, then every question id in
    questionnaire order)
    and one example row, the consolidated example cluster under the fake id ``cluster_ejemplo``.

    The example row must be replaced: its cluster is in no registry, so it is never imported.
    """
    example = _template_example()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([CLUSTER_COLUMN, SUBMITTED_COLUMN, *(question.id for question in q.questions)])
    row = [TEMPLATE_CLUSTER_ID, TEMPLATE_SUBMITTED_AT]
    for question in q.questions:
        value = example.get(question.id)
        row.append(answer_cell(value) if isinstance(value, str | int | float | list) else "")
    writer.writerow(row)
    return buffer.getvalue()
