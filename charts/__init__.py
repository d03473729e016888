"""Charts for the SSME bot: plain data in, PNG or JPEG bytes out (no Telegram, no questionnaire).

The specs and the renderers import without matplotlib; the drawing functions
(``render_radar``, ``render_bars``, ``wrap_label``, ``format_number``) load their module
(:mod:`charts.radar`, :mod:`charts.bars`, :mod:`charts.drawing`), and with it matplotlib, on
first access.

Modules: ``spec`` (what a chart shows, validated), ``pool`` (the renderers: a process pool or
inline), ``radar`` (the radar's two drawing paths), ``radar_layout`` (its layout steps),
``bars`` (grouped bars), ``drawing`` (font, palette, label wrapping, numbers, encoding).
"""

import importlib
from typing import TYPE_CHECKING, Any

from charts.pool import ChartRenderer, InlineChartRenderer, Renderer
from charts.spec import (
    MAX_BANDS,
    SSME_AXES,
    SSME_BANDS,
    Band,
    ImageFormat,
    RadarSpec,
    Series,
    example_spec,
    validate_spec,
)

if TYPE_CHECKING:
    from charts.bars import render_bars
    from charts.drawing import format_number, wrap_label
    from charts.radar import render_radar

# Name -> the module that draws it, imported on first access.
_DRAWING = {
    "format_number": "charts.drawing",
    "render_bars": "charts.bars",
    "render_radar": "charts.radar",
    "wrap_label": "charts.drawing",
}


def __getattr__(name: str) -> Any:
    if name in _DRAWING:
        return getattr(importlib.import_module(_DRAWING[name]), name)
    raise AttributeError(f"module 'charts' has no attribute {name!r}")


__all__ = [
    "MAX_BANDS",
    "SSME_AXES",
    "SSME_BANDS",
    "Band",
    "ChartRenderer",
    "ImageFormat",
    "InlineChartRenderer",
    "RadarSpec",
    "Renderer",
    "Series",
    "example_spec",
    "format_number",
    "render_bars",
    "render_radar",
    "validate_spec",
    "wrap_label",
]
