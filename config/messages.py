"""pydantic's validation messages in Spanish, for the settings and the questionnaire loader.

pydantic words its errors in English ("Input should be a valid integer", "Extra inputs are not
permitted"); each error also has a stable ``type`` and a context (``ctx``) with its limits, so
the common types are worded here from those. An unknown type keeps pydantic's words. Our own
validators raise Spanish ``ValueError`` messages, passed through (without pydantic's
"Value error, " prefix). ``config`` imports nothing from ``bot``: the wording lives here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MESSAGES: Mapping[str, str] = {
    "missing": "falta este valor (es obligatorio)",
    "extra_forbidden": "no es un ajuste conocido (sobra)",
    "int_parsing": "debe ser un número entero",
    "int_type": "debe ser un número entero",
    "int_from_float": "debe ser un número entero, sin decimales",
    "float_parsing": "debe ser un número",
    "float_type": "debe ser un número",
    "bool_parsing": "debe ser sí o no (true/false, 1/0)",
    "bool_type": "debe ser sí o no (true/false)",
    "string_type": "debe ser un texto",
    "string_too_short": "debe tener al menos {min_length} caracteres",
    "list_type": "debe ser una lista",
    "dict_type": "debe ser un objeto (clave: valor)",
    "model_type": "debe ser un objeto (clave: valor)",
    "too_short": "debe tener al menos {min_length} elementos",
    "greater_than": "debe ser mayor que {gt}",
    "greater_than_equal": "debe ser mayor o igual a {ge}",
    "less_than": "debe ser menor que {lt}",
    "less_than_equal": "debe ser menor o igual a {le}",
    "literal_error": "debe ser uno de: {expected}",
    "enum": "debe ser uno de: {expected}",
    "time_parsing": "debe ser una hora HH:MM, por ejemplo 08:00",
    "time_delta_parsing": "debe ser una duración, por ejemplo 3d, 12h o 30m",
    "date_parsing": "debe ser una fecha AAAA-MM-DD",
    "datetime_parsing": "debe ser una fecha y hora AAAA-MM-DDTHH:MM",
    "json_invalid": "no es un JSON válido",
    "union_tag_invalid": "tipo «{tag}» no reconocido: use {expected_tags}",
    "union_tag_not_found": "falta el campo «{discriminator}» que dice el tipo",
    "url_parsing": "no es una dirección válida",
}


def spanish(error: Mapping[str, Any]) -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) worded in Spanish."""
    kind = str(error.get("type", ""))
    message = str(error.get("msg", ""))
    if kind in ("value_error", "assertion_error"):
        return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    template = MESSAGES.get(kind)
    if template is None:
        return message
    context = {k: _shown(v) for k, v in (error.get("ctx") or {}).items()}
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return message


def _shown(value: Any) -> str:
    text = str(value)
    return text.replace("' or '", "', '")  # pydantic's "'a', 'b' or 'c'" → "'a', 'b', 'c'"
