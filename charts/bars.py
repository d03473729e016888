"""Grouped horizontal bars as PNG bytes, built for a phone screen (the summary's charts)."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from charts.drawing import (
    BLUE,
    GREEN,
    ORANGE,
    PURPLE,
    SKY,
    TEXT,
    VERMILLION,
    font,
    format_number,
    no_math,
    png,
    wrap_label,
)

_BAR_COLOURS = (BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION)


def render_bars(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    unit: str = "%",
    decimals: int = 1,
    dpi: int = 150,
    width_inches: float = 5.8,
) -> bytes:
    """Grouped horizontal bars with value labels, e.g. level distribution now vs last campaign.

    Horizontal because long Spanish category names read better as row labels than rotated ticks.
    The figure grows in height with the number of bars so bar thickness stays constant.
    """
    cats = [str(c) for c in categories]
    if not cats:
        raise ValueError("se requiere al menos una categoría")
    if not series:
        raise ValueError("se requiere al menos una serie")
    if len(series) > len(_BAR_COLOURS):
        raise ValueError(f"como máximo {len(_BAR_COLOURS)} series (recibidas {len(series)})")
    rows: list[tuple[str, list[float]]] = []
    for name, values in series:
        vals = [float(v) for v in values]
        if len(vals) != len(cats):
            raise ValueError(f"serie {name!r}: {len(vals)} valores para {len(cats)} categorías")
        bad = [v for v in vals if not math.isfinite(v)]
        if bad:
            raise ValueError(f"serie {name!r}: valores no finitos {bad}")
        rows.append((str(name), vals))

    k = len(rows)
    group_h = 0.32 * k + 0.22  # inches per category
    height = 1.25 + (0.45 if k > 1 else 0.0) + group_h * len(cats)
    fig = Figure(
        figsize=(width_inches, max(2.6, height)), dpi=dpi, facecolor="white", layout="constrained"
    )
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot()

    bar_h = 0.8 / k
    y = np.arange(len(cats), dtype=float)
    suffix = unit if unit in ("%", "") else f" {unit}"
    value_font = font(10.0)
    vmax = max((max(v) for _, v in rows), default=0.0)
    vmin = min((min(v) for _, v in rows), default=0.0)
    for j, (name, vals) in enumerate(rows):
        offset = (j - (k - 1) / 2) * bar_h
        bars = ax.barh(
            y + offset,
            vals,
            height=bar_h * 0.92,
            color=_BAR_COLOURS[j],
            label=no_math(name),
            zorder=2,
        )
        ax.bar_label(
            bars,
            labels=[format_number(v, decimals) + suffix for v in vals],
            padding=3,
            fontproperties=value_font,
            color=TEXT,
        )

    ax.set_yticks(y)
    ax.set_yticklabels([no_math(wrap_label(c, max_lines=2, min_width=16)) for c in cats])
    for lbl in ax.get_yticklabels():
        lbl.set_fontproperties(font(10.0))
        lbl.set_color(TEXT)
    ax.invert_yaxis()  # first category on top, reading order
    # Room on the right for the value labels, which are not clipped but must stay in the figure.
    # Constrained layout ignores bar labels, so the head-room is sized from the longest one.
    longest = max(len(format_number(v, decimals) + suffix) for _, vals in rows for v in vals)
    room = 0.06 + 0.028 * longest
    span = max(vmax, 0.0) - min(vmin, 0.0) or 1.0
    ax.set_xlim(min(vmin, 0.0) - (room * span if vmin < 0 else 0.0), max(vmax, 0.0) + room * span)
    ax.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_color("#9E9E9E")
    ax.tick_params(axis="y", length=0, pad=4)
    ax.grid(False)

    # A figure-level title, left-aligned to the figure: aligned to the axes it would run off the
    # right edge whenever the category labels are long.
    fig.suptitle(
        textwrap.fill(title, width=48),
        x=0.02,
        ha="left",
        fontproperties=font(12.5, weight="bold"),
        color=TEXT,
        parse_math=False,
    )
    if k > 1:
        fig.legend(
            loc="outside lower center",
            ncols=min(k, 3),
            frameon=False,
            prop=font(9.5),
        )
    return png(canvas)
