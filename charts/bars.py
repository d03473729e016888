"""Grouped horizontal bars as PNG bytes, built for a phone screen (the summary's charts)."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from charts.drawing import (
    BLUE,
    GREEN,
    MUTED,
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

# The radar's palette in the radar's order of roles: the campaign is the cluster's blue, the
# previous one the radar's "previous" purple.
_BAR_COLOURS = (BLUE, PURPLE, GREEN, ORANGE, SKY, VERMILLION)
_TOTAL_FILL = "#DCEBF7"  # the light tint of the blue: the registered behind the respondents


def render_bars(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    unit: str = "%",
    decimals: int = 1,
    dpi: int = 150,
    width_inches: float = 5.8,
    subtitle: str | None = None,
    totals: Sequence[float] | None = None,
    of_label: str = "{k} de {n}",
    totals_label: str | None = None,
) -> bytes:
    """Grouped horizontal bars with value labels, e.g. level distribution now vs last campaign.

    Horizontal because long Spanish category names read better as row labels than rotated ticks.
    The figure grows in height with the number of bars so bar thickness stays constant.
    ``totals`` (one series only): a light bar behind each, e.g. the registered clusters behind
    those that responded, and the label reads ``of_label`` ("12 de 15").
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
    if totals is not None and (len(rows) != 1 or len(totals) != len(cats)):
        raise ValueError("totals: una serie y un total por categoría")

    k = len(rows)
    # Inches per category; denser past a dozen (33 departments would be a 19-inch chart).
    group_h = 0.32 * k + 0.22 if len(cats) <= 12 else 0.24 * k + 0.10
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
    behind = None
    if totals is not None:
        behind = ax.barh(
            y, [float(t) for t in totals], height=0.8 * 0.92, color=_TOTAL_FILL, zorder=1.5
        )
    vmax = max((max(v) for _, v in rows), default=0.0)
    if totals is not None:
        vmax = max(vmax, *(float(t) for t in totals))
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
        if totals is not None:
            labels = [
                of_label.format(k=format_number(v, decimals), n=format_number(t, decimals))
                for v, t in zip(vals, totals, strict=True)
            ]
        else:
            labels = [format_number(v, decimals) + suffix for v in vals]
        ax.bar_label(
            bars if behind is None else behind,
            labels=labels,
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
    if totals is not None:
        longest = max(len(of_label) + 2 * len(format_number(t, decimals)) for t in totals)
    room = 0.06 + 0.028 * longest
    span = max(vmax, 0.0) - min(vmin, 0.0) or 1.0
    ax.set_xlim(min(vmin, 0.0) - (room * span if vmin < 0 else 0.0), max(vmax, 0.0) + room * span)
    ax.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_color("#9E9E9E")
    ax.tick_params(axis="y", length=0, pad=4)
    ax.grid(False)

    # Title and subtitle are placed by hand, left-aligned to the figure (aligned to the axes they
    # would run off the right edge whenever the category labels are long); constrained layout
    # lays the bars out below them (its rect).
    heading = textwrap.fill(title, width=48)
    sub = textwrap.fill(subtitle, width=64) if subtitle else ""
    fig_h = fig.get_figheight()
    top = fig_h - 0.10  # inches from the bottom
    fig.text(
        0.02,
        top / fig_h,
        heading,
        ha="left",
        va="top",
        fontproperties=font(12.5, weight="bold"),
        color=TEXT,
        parse_math=False,
    )
    top -= (heading.count("\n") + 1) * 12.5 * 1.25 / 72 + 0.03
    if sub:
        fig.text(
            0.02,
            top / fig_h,
            sub,
            ha="left",
            va="top",
            fontproperties=font(10.0),
            color=MUTED,
            parse_math=False,
        )
        top -= (sub.count("\n") + 1) * 10.0 * 1.25 / 72
    engine = fig.get_layout_engine()
    assert isinstance(engine, ConstrainedLayoutEngine)
    engine.set(rect=(0.0, 0.0, 1.0, (top - 0.08) / fig_h))
    handles, names = ax.get_legend_handles_labels()
    if totals is not None and totals_label:
        from matplotlib.patches import Patch

        handles = [*handles, Patch(facecolor=_TOTAL_FILL)]
        names = [*names, no_math(totals_label)]
    if len(handles) > 1:
        fig.legend(
            handles,
            names,
            loc="outside lower center",
            ncols=min(len(handles), 3),
            frameon=False,
            prop=font(9.5),
        )
    return png(canvas)
