"""Load and validate a questionnaire definition (YAML), reporting errors by file, line and path."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from bot.questionnaire.checks import Problem, cross_check, dotted
from bot.questionnaire.model import Questionnaire
from config.messages import spanish

DEFAULT_DEFINITION = "ssme.yaml"
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class QuestionnaireError(Exception):
    """A broken definition: each line of the message is 'file:line: path: what is wrong'
    (in Spanish; pydantic's words through :mod:`config.messages`)."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}:{p}" for p in problems))


def _node_line(root: yaml.Node | None, path: tuple[str | int, ...]) -> int | None:
    """The 1-based line of the deepest YAML node that the path reaches."""
    node, line = root, None
    for part in path:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else None
        else:
            node = None
    if node is not None:
        line = node.start_mark.line + 1
    return line


def _located(text: str, problems: list[Problem]) -> list[str]:
    # Composing the node tree costs as much as loading: done only when there is an error.
    root = yaml.compose(text, Loader=_Loader)
    out = []
    for path, message in problems:
        line = _node_line(root, path)
        out.append(f"{line if line else '?'}: {dotted(path) or '(raíz)'}: {message}")
    return out


def parse_definition(text: str, source: str = "<questionnaire>") -> Questionnaire:
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1}" if mark else "?"
        raise QuestionnaireError(source, [f"{where}: no es un YAML válido: {exc}"]) from None
    if not isinstance(data, dict):
        raise QuestionnaireError(
            source, ["1: (raíz): la definición debe ser un objeto (clave: valor)"]
        )
    try:
        questionnaire = Questionnaire.model_validate(data)
    except ValidationError as exc:
        problems: list[Problem] = []
        for err in exc.errors():
            # Discriminated unions add the tag to the location; it is not a key in the file.
            path = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
            path = tuple(p for p in path if p not in _RULE_TAGS)
            problems.append((path, spanish(err)))
        raise QuestionnaireError(source, _located(text, problems)) from None
    problems = cross_check(questionnaire)
    if problems:
        raise QuestionnaireError(source, _located(text, problems))
    return questionnaire


_RULE_TAGS = {
    "choice",
    "yesno",
    "count",
    "value",
    "groups",
    "age",
    "ratio",
    "governance_bodies",
    "choice_raised",
    "mean",
    "at_most",
    "sum_equals",
    "max_change",
}


def load_questionnaire(path: Path | str | None = None) -> Questionnaire:
    """The shipped definition, or the one at ``path``."""
    if path is None:
        return _shipped()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise QuestionnaireError(
            str(path), [f"?: (archivo): no se puede leer: {exc.strerror}"]
        ) from None
    return parse_definition(text, str(path))


@cache
def _shipped() -> Questionnaire:
    ref = resources.files("bot.questionnaire").joinpath(DEFAULT_DEFINITION)
    return parse_definition(
        ref.read_text(encoding="utf-8"), f"bot/questionnaire/{DEFAULT_DEFINITION}"
    )
