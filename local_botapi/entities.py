"""Telegram's text formatting: HTML parse mode into entities, offsets in UTF-16 units."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from local_botapi.transport import ApiError


def utf16_len(text: str) -> int:
    # Telegram measures entity offsets/lengths in UTF-16 code units.
    return len(text.encode("utf-16-le")) // 2


_HTML_ENTITY_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class _EntityParseError(Exception):
    pass


class _HtmlToEntities(HTMLParser):
    """Telegram's HTML parse mode: supported tags become entities, anything else is an error.

    Rejecting what Telegram rejects (unknown tags, unbalanced tags) surfaces the classic bug of
    interpolating user text containing "<" into an HTML message.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        # In UTF-16 units; not named `offset`, which HTMLParser uses for its own bookkeeping.
        self.position = 0
        self.stack: list[tuple[str, int, dict[str, str | None]]] = []
        self.entities: list[dict[str, Any]] = []

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)
        self.position += utf16_len(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag not in _HTML_ENTITY_TAGS or (
            tag == "span" and attributes.get("class") != "tg-spoiler"
        ):
            raise _EntityParseError(f'Unsupported start tag "{tag}"')
        self.stack.append((tag, self.position, attributes))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise _EntityParseError(f'Unsupported start tag "{tag}"')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            raise _EntityParseError(f'Unexpected end tag "{tag}"')
        open_tag, start, attributes = self.stack.pop()
        if open_tag != tag:
            raise _EntityParseError(
                f'Unmatched end tag, expected "</{open_tag}>", found "</{tag}>"'
            )
        length = self.position - start
        language = (attributes.get("class") or "").removeprefix("language-")
        if tag == "code" and self.stack and self.stack[-1][0] == "pre":
            # <pre><code class="language-x"> is one pre entity with a language.
            if language:
                self.stack[-1][2]["language"] = language
            return
        if length <= 0:
            return
        kind = _HTML_ENTITY_TAGS[tag]
        entity: dict[str, Any] = {"type": kind, "offset": start, "length": length}
        if kind == "text_link":
            entity["url"] = attributes.get("href") or ""
        elif kind == "pre" and attributes.get("language"):
            entity["language"] = attributes["language"]
        elif kind == "blockquote" and "expandable" in attributes:
            entity["type"] = "expandable_blockquote"
        elif kind == "custom_emoji":
            entity["custom_emoji_id"] = attributes.get("emoji-id") or ""
        self.entities.append(entity)


def render_text(
    raw: str, parse_mode: str | None, explicit_entities: Any
) -> tuple[str, list[dict[str, Any]]]:
    """Text as the user sees it plus its entities (Telegram also trims outer whitespace)."""
    entities: list[dict[str, Any]]
    if parse_mode and parse_mode.lower() == "html":
        parser = _HtmlToEntities()
        try:
            parser.feed(raw)
            parser.close()
            if parser.stack:
                raise _EntityParseError(
                    f'Can\'t find end tag corresponding to start tag "{parser.stack[-1][0]}"'
                )
        except _EntityParseError as exc:
            raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from exc
        text = "".join(parser.chunks)
        entities = parser.entities
    else:
        text = raw
        entities = list(explicit_entities) if isinstance(explicit_entities, list) else []
    stripped = text.strip()
    if stripped != text:
        shift = utf16_len(text) - utf16_len(text.lstrip())
        limit = utf16_len(stripped)
        adjusted: list[dict[str, Any]] = []
        for entity in entities:
            start = max(int(entity.get("offset", 0)) - shift, 0)
            end = min(int(entity.get("offset", 0)) + int(entity.get("length", 0)) - shift, limit)
            if end > start:
                adjusted.append({**entity, "offset": start, "length": end - start})
        text, entities = stripped, adjusted
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return text, entities
