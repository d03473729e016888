"""Published results of an earlier wave: parsing and checking a CSV (``ssme import-results``).

Pure, like :mod:`bot.files.responses`, and read by the same :mod:`bot.files.csvio`: UTF-8 or
Windows-1252, ``,`` or ``;``, every problem by line and column in Spanish, never raises. The
file: a header with ``cluster_id``, ``ims``, ``level`` and one column per area id (each
required: the summary and the radar read them), optionally one per indicator id; then one row
per cluster. Scores are numbers from 0 to 100 (``66.3`` or ``66,3``); ``level`` is a level id
or its label (``Consolidado``). An empty indicator cell is no figure; an empty IMS, level or
area is an error. :func:`results_template_csv` writes the header and an example row.

The figures are taken as published: nothing is re-scored, and the level is not recomputed from
the IMS (an earlier wave had its own thresholds).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
from dataclasses import dataclass, field

from bot.files.csvio import (
    CsvProblem,
    check_header,
    read_csv,
    record_cells,
    show_value,
    strip_accents,
)
from bot.questionnaire.model import Questionnaire
from bot.storage.published import PublishedResult
from bot.texts.csvfiles import CSV_TEXTS, REJECTED_WORDS, ROW_WORDS
from bot.texts.results_import import RESULTS_ERRORS, RESULTS_TEXTS

__all__ = ["ResultsParse", "parse_results_csv", "results_template_csv"]

CLUSTER, IMS, LEVEL = "cluster_id", "ims", "level"
EXAMPLE_ID = "cluster_ejemplo"


@dataclass(frozen=True)
class ResultsParse:
    rows: list[PublishedResult]
    errors: list[tuple[int, str | None, str]]  # (line, column, message)
    lines: dict[str, int] = field(default_factory=dict)  # cluster id → its line
    rejected: int = 0
    unchecked: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def report(self, max_errors: int = 30) -> str:
        lines = list(self.notes)
        for line, column, message in self.errors[:max_errors]:
            template = RESULTS_TEXTS["error_line" if column is None else "error_line_column"]
            lines.append(template.format(line=line, column=column, message=message))
        if len(self.errors) > max_errors:
            lines.append(RESULTS_TEXTS["more_errors"].format(count=len(self.errors) - max_errors))
        if self.unchecked:
            lines.append(CSV_TEXTS["unchecked"].format(n=self.unchecked))
        else:
            valid = len(self.rows)
            lines.append(
                RESULTS_TEXTS["summary"].format(
                    valid=valid,
                    valid_word=ROW_WORDS[valid != 1],
                    rejected=self.rejected,
                    rejected_word=REJECTED_WORDS[self.rejected != 1],
                )
            )
        return "\n".join(lines)


def _key(text: str) -> str:
    return strip_accents(text).casefold().strip()


def _score(text: str) -> float | None:
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if 0 <= value <= 100 else None


def parse_results_csv(
    data: bytes | str, q: Questionnaire, *, known_clusters: Collection[str]
) -> ResultsParse:
    areas = [a.id for a in q.areas]
    indicators = [i.id for i in q.indicators]
    known = (CLUSTER, IMS, LEVEL, *areas, *indicators)
    levels = {_key(level.id): level.id for level in q.levels}
    levels.update({_key(level.label): level.id for level in q.levels})
    read = read_csv(data, known)

    def worded(problem: CsvProblem) -> tuple[int, str | None, str]:
        return problem.line, problem.column, problem.message(RESULTS_ERRORS)

    tail = [worded(read.failure)] if read.failure is not None else []
    if not read.records:
        return ResultsParse([], tail or [(read.header_line, None, RESULTS_ERRORS["empty"])])
    header, records = read.records[0], read.records[1:]
    names, problems = check_header(header, known, {n: n for n in known})
    errors = [worded(p) for p in problems]
    for required in (CLUSTER, IMS, LEVEL, *areas):
        if required not in names:
            errors.append((header.start, required, RESULTS_ERRORS["missing_column"]))
    if errors:
        return ResultsParse([], errors + tail, unchecked=len(records), notes=read.notes)
    if not records:
        return ResultsParse([], [(header.start, None, RESULTS_ERRORS["no_rows"])])

    rows: list[PublishedResult] = []
    lines: dict[str, int] = {}
    rejected = 0
    for record in records:
        line = record.start
        cells, shape = record_cells(record, names, read.delimiter)
        row_errors = [worded(p) for p in shape]
        if cells is None:
            errors += row_errors
            rejected += 1
            continue
        cells = {k: v.strip() for k, v in cells.items()}
        cluster = cells.get(CLUSTER, "")
        if cluster not in known_clusters:
            code = "cluster_missing" if not cluster else "cluster_unknown"
            row_errors.append(
                (line, CLUSTER, RESULTS_ERRORS[code].format(value=show_value(cluster)))
            )
        elif cluster in lines:
            message = RESULTS_ERRORS["cluster_repeated"].format(value=cluster, line=lines[cluster])
            row_errors.append((line, CLUSTER, message))
        level = levels.get(_key(cells.get(LEVEL, "")))
        if level is None:
            message = RESULTS_ERRORS["bad_level"].format(
                value=show_value(cells.get(LEVEL, "")), levels=", ".join(lv.id for lv in q.levels)
            )
            row_errors.append((line, LEVEL, message))
        scores: dict[str, float] = {}
        for column in (IMS, *areas, *indicators):
            text = cells.get(column, "")
            if not text and column in indicators:
                continue
            value = _score(text)
            if value is None:
                message = RESULTS_ERRORS["bad_score"].format(value=show_value(text))
                row_errors.append((line, column, message))
            else:
                scores[column] = value
        if row_errors or level is None:
            errors += row_errors
            rejected += 1
            continue
        lines[cluster] = line
        rows.append(
            PublishedResult(
                cluster,
                scores[IMS],
                level,
                {a: scores[a] for a in areas},
                {i: scores[i] for i in indicators if i in scores},
            )
        )
    errors += tail
    return ResultsParse(rows, errors, lines, rejected + len(tail), notes=read.notes)


def results_template_csv(q: Questionnaire) -> str:
    """Header (cluster_id, ims, level, the areas, the indicators) and one example row."""
    areas = [a.id for a in q.areas]
    indicators = [i.id for i in q.indicators]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([CLUSTER, IMS, LEVEL, *areas, *indicators])
    area_example = [75.0, 62.5, 50.0, 66.7, 75.0, 50.0, 62.5, 62.5][: len(areas)]
    area_example += [50.0] * (len(areas) - len(area_example))
    ims = round(sum(area_example) / len(area_example), 1)
    level = next((lv.id for lv in reversed(q.levels) if ims >= lv.min_ims), q.levels[0].id)
    writer.writerow([EXAMPLE_ID, ims, level, *area_example, *([""] * len(indicators))])
    return buffer.getvalue()
