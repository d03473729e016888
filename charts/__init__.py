"""Charts for the SSME bot: plain data in, PNG or JPEG bytes out (no Telegram, no questionnaire).

The specs and the renderers import without matplotlib; the drawing functions
(``render_radar``, ``render_bars``, ``wrap_label``, ``format_number``) load
:mod:`charts.radar`, and with it matplotlib, on first access.
"""

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
    from charts.radar import format_number, render_bars, render_radar, wrap_label

_DRAWING = frozenset({"format_number", "render_bars", "render_radar", "wrap_label"})


def __getattr__(name: str) -> Any:
    if name in _DRAWING:
        from charts import radar

        return getattr(radar, name)
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
