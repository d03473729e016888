"""Keyboards (``reply_markup``): reading their buttons, and checking them as Telegram does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from local_botapi.transport import ApiError

_MAX_CALLBACK_DATA = 64


def inline_buttons(markup: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    if not markup:
        return
    for row in markup.get("inline_keyboard") or []:
        for button in row:
            if isinstance(button, dict):
                yield button


def button_labels(markup: dict[str, Any] | None) -> list[str]:
    if not markup:
        return []
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    labels: list[str] = []
    for row in rows:
        for button in row:
            labels.append(str(button.get("text", "")) if isinstance(button, dict) else str(button))
    return labels


def inline_only(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    return markup if markup is not None and "inline_keyboard" in markup else None


def parse_reply_markup(value: Any) -> dict[str, Any] | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in value:
        rows = value["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(400, "Bad Request: can't parse inline keyboard button")
        for button in inline_buttons(value):
            if not button.get("text"):
                raise ApiError(
                    400,
                    "Bad Request: can't parse inline keyboard button: Text buttons are "
                    "unallowed in the inline keyboard",
                )
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= _MAX_CALLBACK_DATA:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return value
