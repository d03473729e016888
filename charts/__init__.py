"""Charts for the SSME bot: plain data in, PNG bytes out (no Telegram, no questionnaire)."""

from charts.pool import ChartRenderer, InlineChartRenderer, Renderer
from charts.radar import (
    SSME_AXES,
    SSME_BANDS,
    Band,
    RadarSpec,
    Series,
    example_spec,
    format_number,
    render_bars,
    render_radar,
    validate_spec,
    wrap_label,
)

__all__ = [
    "SSME_AXES",
    "SSME_BANDS",
    "Band",
    "ChartRenderer",
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
