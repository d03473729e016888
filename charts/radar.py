"""Radar (spider) chart and grouped bars as PNG bytes, built for a phone screen.

Pure: plain data in, PNG bytes out. Nothing here knows about Telegram or the questionnaire.
Only ``matplotlib.figure.Figure`` with the Agg canvas is used (never ``pyplot``), so no global
figure registry or GUI backend is involved and rendering is safe in threads and worker processes.
What a chart shows is described in :mod:`charts.spec`.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch, Polygon, Wedge
from matplotlib.text import Text
from matplotlib.transforms import Affine2D
from PIL import Image

from charts.spec import MAX_BANDS, Band, RadarSpec, validate_spec

# DejaVu Sans ships inside matplotlib (no font lookup, no "findfont" warnings) and covers Spanish
# accents. It is named on every text instead of through rcParams so that a caller's matplotlibrc
# or global rc changes cannot alter the charts and we never mutate process-wide state.
FONT_FAMILY = "DejaVu Sans"

# Okabe–Ito palette: distinguishable under the common colour-vision deficiencies.
_BLUE = "#0072B2"
_VERMILLION = "#D55E00"
_PURPLE = "#CC79A7"
_GREEN = "#009E73"
_ORANGE = "#E69F00"
_SKY = "#56B4E9"
_GREY = "#5F5F5F"
_TEXT = "#222222"
_MUTED = "#6B6B6B"

# Each role gets a colour *and* a dash pattern so the overlays stay apart even in greyscale.
# "cluster" here styles an overlay that is itself a cluster (a comparison); the first series
# always gets the strong blue, filled style.
_ROLE_STYLE: dict[str, dict[str, Any]] = {
    "cluster": {"color": _GREEN, "linestyle": "solid", "linewidth": 1.8},
    "national": {"color": _GREY, "linestyle": (0, (5, 2.5)), "linewidth": 1.8},
    "sector": {"color": _VERMILLION, "linestyle": (0, (1, 1.6)), "linewidth": 2.3},
    "previous": {"color": _PURPLE, "linestyle": (0, (6, 2, 1.5, 2)), "linewidth": 1.8},
}

# Light tints (fill) and dark shades (key outline) for up to six level bands, lowest first. The hue
# changes *and* the order is the ring order, so the bands never rely on colour alone.
_BAND_FILLS = ("#FBE2D3", "#FFF1C7", "#DAEFE6", "#DCEBF7", "#F3E0EC", "#EEEEEE")
_BAND_INKS = ("#A8471A", "#7E6200", "#17704F", "#2B5F8A", "#8E4A72", "#555555")
assert len(_BAND_FILLS) == len(_BAND_INKS) == MAX_BANDS

_BAR_COLOURS = (_BLUE, _ORANGE, _GREEN, _PURPLE, _SKY, _VERMILLION)

# Font sizes in points. At 150 dpi on a 5.8 in figure shown ~380 px wide, 1 pt ≈ 0.9 screen px,
# so 10.5 pt axis labels are ~9–10 px tall on the phone: the smallest size that stays legible.
_FS_TITLE = 13.5
_FS_SUBTITLE = 10.5
_FS_AXIS = 10.5
_FS_VALUE = 9.5
_FS_RING = 8.5
_FS_BAND_KEY = 9.0
_FS_LEGEND = 10.0
_FS_FOOT = 8.5


# --------------------------------------------------------------------------- helpers


def _font(size: float, weight: str = "normal", style: str = "normal") -> FontProperties:
    return FontProperties(family=FONT_FAMILY, size=size, weight=weight, style=style)


def _no_math(text: str) -> str:
    # Legend and tick labels go through mathtext; a stray pair of "$" in a name must stay literal.
    return text.replace("$", r"\$")


def wrap_label(label: str, max_lines: int = 2, min_width: int = 11) -> str:
    """Wrap on word boundaries into at most ``max_lines`` lines, as balanced as possible.

    Balanced (rather than greedy) breaks keep the label compact, which matters because its widest
    line decides how much the polygon must shrink to make room at the sides.
    """
    words = label.split()
    if len(label) <= min_width or len(words) < 2:
        return label
    for width in range(max(min_width, math.ceil(len(label) / max_lines)), len(label) + 1):
        lines = textwrap.wrap(label, width=width, break_long_words=False)
        if len(lines) <= max_lines:
            return "\n".join(lines)
    return label


def format_number(value: float, decimals: int = 1) -> str:
    """Colombian style: thousands with ".", decimals with "," (e.g. 1.234,5)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _round_half_up(value: float) -> int:
    # Python's round() is banker's rounding: 72.5 -> 72 would disagree with the text summary.
    return math.floor(value + 0.5)


def _png(canvas: FigureCanvasAgg) -> bytes:
    """Draw and encode as an RGB PNG.

    RGB, not RGBA: the background is opaque white anyway, and Telegram re-encodes photos without
    alpha. Compression level 3 instead of Pillow's 6 saves ~6 ms per chart (a quarter of the
    encode) for a file a few % larger. No text chunks are written, so equal input gives equal
    bytes.
    """
    canvas.draw()
    width, height = canvas.get_width_height()
    image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
    dpi = round(canvas.figure.dpi)
    buf = io.BytesIO()
    image.convert("RGB").save(buf, format="png", compress_level=3, dpi=(dpi, dpi))
    return buf.getvalue()


# --------------------------------------------------------------------------- radar


def render_radar(
    spec: RadarSpec, *, dpi: int = 150, size_inches: tuple[float, float] = (5.8, 5.8)
) -> bytes:
    """Render ``spec`` as a PNG (``size_inches`` × ``dpi`` pixels, 870×870 by default)."""
    validate_spec(spec)
    fig = Figure(figsize=size_inches, dpi=dpi, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    W, H = fig.bbox.width, fig.bbox.height
    px = dpi / 72.0  # pixels per point
    margin = 8 * px

    # Header: title (bold, wrapped if the cluster name is long) then subtitle.
    top = H - margin
    title = fig.text(
        0.5,
        top / H,
        textwrap.fill(spec.title, width=44),
        ha="center",
        va="top",
        fontproperties=_font(_FS_TITLE, weight="bold"),
        color=_TEXT,
        linespacing=1.15,
        parse_math=False,
    )
    top = title.get_window_extent(renderer).y0 - 3 * px
    if spec.subtitle:
        sub = fig.text(
            0.5,
            top / H,
            textwrap.fill(spec.subtitle, width=60),
            ha="center",
            va="top",
            fontproperties=_font(_FS_SUBTITLE),
            color=_MUTED,
            parse_math=False,
        )
        top = sub.get_window_extent(renderer).y0
    top -= 6 * px

    # Footer: footnote at the very bottom, legend just above it, both outside the plot.
    bottom = margin * 0.6
    if spec.footnote:
        foot = fig.text(
            0.5,
            bottom / H,
            textwrap.fill(spec.footnote, width=78),
            ha="center",
            va="bottom",
            fontproperties=_font(_FS_FOOT, style="italic"),
            color=_MUTED,
            parse_math=False,
        )
        bottom = foot.get_window_extent(renderer).y1 + 3 * px

    # The band key gets its own row: written on the scale itself the band names collided with
    # the polygons and vertex values wherever they were put (tried; unreadable on a phone).
    if spec.bands:
        key = _fitted_legend(
            fig,
            renderer,
            _band_handles(spec.bands),
            bottom / H,
            len(spec.bands),
            W - 2 * margin,
            prop=_font(_FS_BAND_KEY),
            labelcolor=_MUTED,
            handlelength=1.3,
            handleheight=1.0,
            columnspacing=1.4,
            handletextpad=0.5,
        )
        bottom = key.get_window_extent(renderer).y1 + 1 * px

    handles = _legend_handles(spec)
    legend = _fitted_legend(
        fig,
        renderer,
        handles,
        bottom / H,
        1 if len(handles) == 1 else 2,
        W - 2 * margin,
        prop=_font(_FS_LEGEND),
        labelcolor=_TEXT,
        handlelength=2.8,
        columnspacing=1.6,
        handletextpad=0.6,
    )
    bottom = legend.get_window_extent(renderer).y1 + 4 * px

    # Axis labels are plain figure texts so their size can be measured before the chart is
    # placed; the radius is then the largest one that keeps every label inside the figure.
    n = len(spec.axes)
    thetas = [2 * math.pi * i / n for i in range(n)]  # clockwise from the top
    labels: list[tuple[Text, float, float]] = []
    for name, theta in zip(spec.axes, thetas, strict=True):
        s, c = math.sin(theta), math.cos(theta)
        ha = "center" if abs(s) < 0.15 else ("left" if s > 0 else "right")
        va = "center" if abs(c) < 0.15 else ("bottom" if c > 0 else "top")
        t = fig.text(
            0,
            0,
            wrap_label(name),
            ha=ha,
            va=va,
            multialignment="center",
            fontproperties=_font(_FS_AXIS, weight="bold"),
            color=_TEXT,
            linespacing=1.1,
            parse_math=False,
        )
        labels.append((t, s, c))

    gap = 7 * px  # between the outer ring and the label
    cx, cy, radius = _fit_circle(labels, renderer, W, margin, bottom, top, gap)
    # Two lines suit most labels, but a very long one at a diagonal ("Impacto empresarial y
    # territorial") would shrink the whole chart by ~10%; three short lines cost nothing there
    # because the diagonals have vertical room to spare.
    long_ones = [
        (t, name) for (t, _, _), name in zip(labels, spec.axes, strict=True) if len(name) > 24
    ]
    if long_ones:
        for t, name in long_ones:
            t.set_text(wrap_label(name, max_lines=3))
        fit3 = _fit_circle(labels, renderer, W, margin, bottom, top, gap)
        if fit3[2] > radius * 1.03:
            cx, cy, radius = fit3
        else:
            for t, name in long_ones:
                t.set_text(wrap_label(name))
    for t, s, c in labels:
        t.set_position(((cx + (radius + gap) * s) / W, (cy + (radius + gap) * c) / H))

    _draw_radar(fig, spec, thetas, cx, cy, radius, px)

    return _png(canvas)


def _fit_circle(
    labels: Sequence[tuple[Text, float, float]],
    renderer: Any,
    width: float,
    margin: float,
    bottom: float,
    top: float,
    gap: float,
) -> tuple[float, float, float]:
    """Centre and largest radius (pixels) such that every axis label fits in the figure.

    Each label's box grows linearly with the radius along its direction, so each side of the
    figure gives an upper bound on the radius.
    """
    boxes = []
    for t, s, c in labels:
        bb = t.get_window_extent(renderer)
        boxes.append((bb.width, bb.height, s, c, t.get_ha(), t.get_va()))

    def max_radius(cx: float, cy: float) -> float:
        limit = min(cx - margin, width - margin - cx, (top - bottom) / 2)
        for w, h, s, c, ha, va in boxes:
            # Extents relative to the anchor, which sits at (cx, cy) + (r + gap) * (s, c).
            left = {"left": 0.0, "center": -w / 2, "right": -w}[ha]
            right = left + w
            low = {"bottom": 0.0, "center": -h / 2, "top": -h}[va]
            high = low + h
            if s > 1e-9:
                limit = min(limit, (width - margin - cx - right) / s - gap)
            elif s < -1e-9:
                limit = min(limit, (cx - margin + left) / -s - gap)
            elif cx + left < margin or cx + right > width - margin:
                limit = 0.0
            if c > 1e-9:
                limit = min(limit, (top - cy - high) / c - gap)
            elif c < -1e-9:
                limit = min(limit, (cy - bottom + low) / -c - gap)
            elif cy + high > top or cy + low < bottom:
                limit = 0.0
        return limit

    # Left and right labels differ in width, top and bottom ones in height: sliding the centre a
    # little gains radius. A coarse 9×13 grid is plenty and costs about a millisecond.
    mid_x, mid_y = width / 2, (top + bottom) / 2
    span_x, span_y = 0.06 * width, 0.12 * (top - bottom)
    grid = [
        (mid_x + span_x * i / 4, mid_y + span_y * j / 6) for i in range(-4, 5) for j in range(-6, 7)
    ]
    fits = [(cx, cy, max_radius(cx, cy)) for cx, cy in grid]
    top_r = max(r for _, _, r in fits)
    # Among (nearly) equal radii keep the most central position: the label margins stay even.
    cx, cy, radius = min(
        (f for f in fits if f[2] >= top_r - 1.0),
        key=lambda f: (f[0] - mid_x) ** 2 + (f[1] - mid_y) ** 2,
    )
    if radius < 40:
        raise ValueError(
            "las etiquetas de los ejes no caben en la figura; acórtelas o agrande la imagen"
        )
    return cx, cy, radius


def _fitted_legend(
    fig: Figure,
    renderer: Any,
    handles: Sequence[Any],
    y: float,
    ncols: int,
    max_width: float,
    **kwargs: Any,
) -> Any:
    """A figure legend anchored (bottom centre) at ``y``, with fewer columns if it is too wide."""
    while True:
        legend = fig.legend(
            handles=handles,
            loc="lower center",
            bbox_to_anchor=(0.5, y),
            ncols=ncols,
            frameon=False,
            borderaxespad=0.0,
            borderpad=0.2,
            **kwargs,
        )
        if ncols == 1 or legend.get_window_extent(renderer).width <= max_width:
            return legend
        legend.remove()
        ncols -= 1


def _band_handles(bands: Sequence[Band]) -> list[Patch]:
    return [
        Patch(
            facecolor=_BAND_FILLS[i],
            edgecolor=_BAND_INKS[i],
            linewidth=0.6,
            label=_no_math(f"{b.label} {format_number(b.low, 0)}–{format_number(b.high, 0)}"),
        )
        for i, b in enumerate(bands)
    ]


def _legend_handles(spec: RadarSpec) -> list[Line2D]:
    handles: list[Line2D] = []
    for i, s in enumerate(spec.series):
        if i == 0:
            handles.append(
                Line2D(
                    [],
                    [],
                    color=_BLUE,
                    linewidth=2.6,
                    marker="o",
                    markersize=5,
                    label=_no_math(s.label),
                )
            )
        else:
            st = _ROLE_STYLE[s.role]
            handles.append(Line2D([], [], label=_no_math(s.label), **st))
    return handles


def _draw_radar(
    fig: Figure,
    spec: RadarSpec,
    thetas: Sequence[float],
    cx: float,
    cy: float,
    radius: float,
    px: float,
) -> None:
    """Draw rings, bands, spokes, polygons and values straight onto the figure.

    No polar Axes: creating one (ticks, spines, two clear() passes) and drawing it cost ~40% of
    a chart, and none of its machinery is needed for a fixed 0–100 scale. Geometry is computed
    in "chart units" (radius 100 = the outer ring), mapped to the figure by one affine transform.
    """
    W, H = fig.bbox.width, fig.bbox.height
    k = radius / 100.0
    to_fig = Affine2D().scale(k / W, k / H).translate(cx / W, cy / H) + fig.transFigure

    def xy(theta: float, r: float) -> tuple[float, float]:
        return r * math.sin(theta), r * math.cos(theta)  # clockwise from the top

    def add(artist: Any) -> None:
        artist.set_transform(to_fig)
        fig.add_artist(artist)

    # Bands: one annulus per level, lightest layer, under everything else.
    for i, b in enumerate(spec.bands):
        add(
            Wedge(
                (0, 0),
                b.high,
                0,
                360,
                width=b.high - b.low,
                facecolor=_BAND_FILLS[i],
                edgecolor="none",
                zorder=0.1,
            )
        )

    grid = {"edgecolor": "#BDBDBD", "linewidth": 0.7, "facecolor": "none", "zorder": 1.0}
    for r in spec.rings:
        if r < 100:
            add(Circle((0, 0), r, **grid))
    add(Circle((0, 0), 100, edgecolor="#9E9E9E", linewidth=0.9, facecolor="none", zorder=1.1))
    add(
        LineCollection(
            [[(0.0, 0.0), xy(t, 100)] for t in thetas],
            colors="#BDBDBD",
            linewidths=0.7,
            zorder=1.0,
        )
    )

    def outline(values: Sequence[float]) -> tuple[list[float], list[float]]:
        pts = [xy(t, v) for t, v in zip(thetas, values, strict=True)]
        pts.append(pts[0])
        return [p[0] for p in pts], [p[1] for p in pts]

    # Overlays under the cluster polygon's outline but above its fill, so dashes stay visible.
    for s in spec.series[1:]:
        xs, ys = outline(s.values)
        add(Line2D(xs, ys, zorder=3, solid_joinstyle="round", **_ROLE_STYLE[s.role]))

    main = spec.series[0]
    xs, ys = outline(main.values)
    add(
        Polygon(
            list(zip(xs, ys, strict=True)), facecolor=_BLUE, alpha=0.22, edgecolor="none", zorder=2
        )
    )
    add(
        Line2D(
            xs,
            ys,
            color=_BLUE,
            linewidth=2.6,
            marker="o",
            markersize=5,
            markeredgecolor="white",
            markeredgewidth=0.8,
            zorder=4,
            solid_joinstyle="round",
        )
    )

    # Ring numbers sit half-way between the first two spokes, away from every vertex value;
    # a light box keeps them legible where an overlay line passes underneath.
    ring_theta = math.pi / len(thetas)
    ring_font = _font(_FS_RING)
    for r in spec.rings:
        if r >= 100:
            continue
        x, y = xy(ring_theta, r)
        fig.text(
            x,
            y,
            format_number(r, 0),
            transform=to_fig,
            ha="center",
            va="center",
            fontproperties=ring_font,
            color="#7A7A7A",
            zorder=4.5,
            parse_math=False,
            bbox={
                "boxstyle": "round,pad=0.12",
                "facecolor": "white",
                "edgecolor": "none",
                "alpha": 0.75,
            },
        )

    # Vertex values: outward from the vertex, or inward near the rim so they never collide
    # with the axis labels outside the circle. Values near 0 are anchored a little off-centre,
    # otherwise eight zeros pile up on top of each other at the origin.
    value_font = _font(_FS_VALUE, weight="bold")
    for theta, v in zip(thetas, main.values, strict=True):
        offset = (-11.0 if v > 86 else 10.0) * px / k  # points -> chart units
        x, y = xy(theta, max(v, 14.0) + offset)
        fig.text(
            x,
            y,
            str(_round_half_up(v)),
            transform=to_fig,
            ha="center",
            va="center",
            fontproperties=value_font,
            color=_BLUE,
            zorder=5,
            parse_math=False,
            bbox={
                "boxstyle": "round,pad=0.15",
                "facecolor": "white",
                "edgecolor": "none",
                "alpha": 0.8,
            },
        )


# --------------------------------------------------------------------------- bars


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
    value_font = _font(10.0)
    vmax = max((max(v) for _, v in rows), default=0.0)
    vmin = min((min(v) for _, v in rows), default=0.0)
    for j, (name, vals) in enumerate(rows):
        offset = (j - (k - 1) / 2) * bar_h
        bars = ax.barh(
            y + offset,
            vals,
            height=bar_h * 0.92,
            color=_BAR_COLOURS[j],
            label=_no_math(name),
            zorder=2,
        )
        ax.bar_label(
            bars,
            labels=[format_number(v, decimals) + suffix for v in vals],
            padding=3,
            fontproperties=value_font,
            color=_TEXT,
        )

    ax.set_yticks(y)
    ax.set_yticklabels([_no_math(wrap_label(c, max_lines=2, min_width=16)) for c in cats])
    for lbl in ax.get_yticklabels():
        lbl.set_fontproperties(_font(10.0))
        lbl.set_color(_TEXT)
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
        fontproperties=_font(12.5, weight="bold"),
        color=_TEXT,
        parse_math=False,
    )
    if k > 1:
        fig.legend(
            loc="outside lower center",
            ncols=min(k, 3),
            frameon=False,
            prop=_font(9.5),
        )
    return _png(canvas)
