"""Long replies in pages that each fit one Telegram message, never cutting a line.

Telegram refuses a message over 4,096 characters; ``MESSAGE_LIMIT`` keeps a margin. A reply
that grows with the data (``/solicitudes``, ``/participacion``, an import report) is laid out
as blocks (a line, or a few lines that belong together) and packed into pages by
:func:`paginate`: a block is never split between pages. Only a single line longer than a whole
page (none of ours is: names are capped at the registry's ``TEXT_MAX``) is split, and never
inside an HTML entity such as ``&amp;``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from bot.texts import MESSAGE_LIMIT


def _pieces(block: str, limit: int) -> Iterator[str]:
    """The block itself, or (over ``limit``) its lines, or (a line over it) slices of it."""
    if len(block) <= limit:
        yield block
        return
    for line in block.split("\n"):
        while len(line) > limit:
            cut = limit
            amp = line.rfind("&", 0, cut)
            if amp > 0 and ";" not in line[amp:cut]:
                cut = amp  # never cut &amp; in two
            yield line[:cut]
            line = line[cut:]
        yield line


def paginate(
    blocks: Sequence[str], limit: int = MESSAGE_LIMIT, *, per_page: int | None = None
) -> list[list[str]]:
    """The blocks in pages of at most ``limit`` characters (joined by newlines) and at most
    ``per_page`` blocks; always at least one page (perhaps empty)."""
    pages: list[list[str]] = []
    page: list[str] = []
    size = 0
    for block in blocks:
        for piece in _pieces(block, limit):
            full = per_page is not None and len(page) >= per_page
            if page and (full or size + 1 + len(piece) > limit):
                pages.append(page)
                page, size = [], 0
            size += len(piece) + (1 if page else 0)
            page.append(piece)
    if page or not pages:
        pages.append(page)
    return pages
