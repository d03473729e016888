"""The radar's layout steps, shared by its two paths (see :mod:`charts.radar`).

Each step places its texts on a figure (``attach=True``) or only binds them to it, for the cached
path to draw by hand (``attach=False``), and returns where the next step may start; the scale and
the polygons are built in "chart units" (radius 100 = the outer ring), mapped to the figure by
:meth:`Geometry.transform`.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.artist import Artist
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch, Wedge
from matplotlib.text import Text
from matplotlib.transforms import Affine2D, Bbox, Transform

from charts.drawing import (
    BLUE,
    GREEN,
    GREY,
    MUTED,
    PURPLE,
    TEXT,
    VERMILLION,
    font,
    format_number,
    no_math,
    wrap_label,
)
from charts.spec import MAX_BANDS, Band, RadarSpec

# Each role gets a colour *and* a dash pattern so the overlays stay apart even in greyscale.
# "cluster" here styles an overlay that is itself a cluster (a comparison); the first series
# always gets the strong blue, filled style.
_ROLE_STYLE: dict[str, dict[str, Any]] = {
    "cluster": {"color": GREEN, "linestyle": "solid", "linewidth": 1.8},
    "national": {"color": GREY, "linestyle": (0, (5, 2.5)), "linewidth": 1.8},
    "sector": {"color": VERMILLION, "linestyle": (0, (1, 1.6)), "linewidth": 2.3},
    "previous": {"color": PURPLE, "linestyle": (0, (6, 2, 1.5, 2)), "linewidth": 1.8},
}

# Light tints (fill) and dark shades (key outline) for up to six level bands, lowest first. The hue
# changes *and* the order is the ring order, so the bands never rely on colour alone.
# The fills are drawn as they are (no see-through polygon on top), so what the key shows is what
# the rings show; each is light enough for black text and saturated enough to tell apart on a
# phone (the yellow read as white before).
_BAND_FILLS = ("#F8D5C2", "#FBE8A6", "#CFEADB", "#D3E5F5", "#F0D6E6", "#E6E6E6")
_BAND_INKS = ("#A8471A", "#7E6200", "#17704F", "#2B5F8A", "#8E4A72", "#555555")
assert len(_BAND_FILLS) == len(_BAND_INKS) == MAX_BANDS

# Font sizes in points. At 150 dpi on a 5.8 in figure shown ~380 px wide, 1 pt ≈ 0.9 screen px,
# so 10.5 pt axis labels are ~9–10 px tall on the phone: the smallest size that stays legible.
FS_TITLE = 13.5
FS_SUBTITLE = 10.5
FS_AXIS = 10.5
FS_VALUE = 9.5
FS_RING = 8.5
FS_BAND_KEY = 9.0
FS_LEGEND = 10.0
FS_FOOT = 8.5
FS_ALERT = 10.0
ALERT = "#A8471A"  # the darkest band ink: a warning that stays legible on white

# Ring numbers and vertex values sit on a light box so they stay legible over lines and fills.
RING_STYLE: dict[str, Any] = {
    "ha": "center",
    "va": "center",
    "color": "#7A7A7A",
    "zorder": 4.5,
    "parse_math": False,
    "bbox": {
        "boxstyle": "round,pad=0.12",
        "facecolor": "white",
        "edgecolor": "none",
        "alpha": 0.75,
    },
}
VALUE_STYLE: dict[str, Any] = {
    "ha": "center",
    "va": "center",
    "color": BLUE,
    "zorder": 5,
    "parse_math": False,
    "bbox": {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
}


def _round_half_up(value: float) -> int:
    # Python's round() is banker's rounding: 72.5 -> 72 would disagree with the text summary.
    return math.floor(value + 0.5)


def figure_text(fig: Figure, x: float, y: float, s: str, *, attach: bool, **kwargs: Any) -> Text:
    """``fig.text``, or the same text bound to ``fig`` but not part of it (drawn by hand)."""
    if attach:
        return fig.text(x, y, s, **kwargs)
    text = Text(x, y, s, **{"transform": fig.transSubfigure, **kwargs})
    text.set_figure(fig)
    return text


def _page(fig: Figure) -> tuple[float, float, float, float]:
    """Width, height, pixels per point and margin, all in pixels."""
    px = fig.dpi / 72.0
    return fig.bbox.width, fig.bbox.height, px, 8 * px


def place_header(
    fig: Figure,
    renderer: Any,
    title: str,
    subtitle: str,
    *,
    attach: bool,
    alert: str | None = None,
) -> tuple[list[Text], float]:
    """Title (bold, wrapped if the cluster name is long), subtitle, then the alert (what held
    the level back) if any; returns the y below."""
    _, H, px, margin = _page(fig)
    top = H - margin
    head = figure_text(
        fig,
        0.5,
        top / H,
        textwrap.fill(title, width=44),
        attach=attach,
        ha="center",
        va="top",
        fontproperties=font(FS_TITLE, weight="bold"),
        color=TEXT,
        linespacing=1.15,
        parse_math=False,
    )
    texts = [head]
    top = head.get_window_extent(renderer).y0 - 3 * px
    if subtitle:
        sub = figure_text(
            fig,
            0.5,
            top / H,
            textwrap.fill(subtitle, width=60),
            attach=attach,
            ha="center",
            va="top",
            fontproperties=font(FS_SUBTITLE),
            color=MUTED,
            parse_math=False,
        )
        texts.append(sub)
        top = sub.get_window_extent(renderer).y0
    if alert:
        warn = figure_text(
            fig,
            0.5,
            (top - 2 * px) / H,
            textwrap.fill("▲ " + alert, width=62),
            attach=attach,
            ha="center",
            va="top",
            fontproperties=font(FS_ALERT, weight="bold"),
            color=ALERT,
            parse_math=False,
        )
        texts.append(warn)
        top = warn.get_window_extent(renderer).y0
    return texts, top - 6 * px


def place_footer(
    fig: Figure,
    renderer: Any,
    footnote: str | None,
    bands: Sequence[Band],
    *,
    attach: bool,
    band_title: str | None = None,
) -> float:
    """Footnote at the very bottom, the band key above it; returns the y above both."""
    W, H, px, margin = _page(fig)
    bottom = margin * 0.6
    if footnote:
        foot = figure_text(
            fig,
            0.5,
            bottom / H,
            textwrap.fill(footnote, width=78),
            attach=attach,
            ha="center",
            va="bottom",
            fontproperties=font(FS_FOOT, style="italic"),
            color=MUTED,
            parse_math=False,
        )
        bottom = foot.get_window_extent(renderer).y1 + 3 * px

    # The band key gets its own row: written on the scale itself the band names collided with
    # the polygons and vertex values wherever they were put (tried; unreadable on a phone).
    if bands:
        _, key = _fitted_legend(
            fig,
            renderer,
            _band_handles(bands),
            bottom / H,
            len(bands),
            W - 2 * margin,
            attach=attach,
            prop=font(FS_BAND_KEY),
            labelcolor=MUTED,
            handlelength=1.3,
            handleheight=1.0,
            columnspacing=1.4,
            handletextpad=0.5,
            title=no_math(band_title) if band_title else None,
            title_fontproperties=font(FS_BAND_KEY, weight="bold"),
        )
        bottom = key.y1 + 1 * px
    return bottom


def place_series_legend(
    fig: Figure, renderer: Any, spec: RadarSpec, bottom: float, *, attach: bool
) -> tuple[Legend, float]:
    """The series legend just above ``bottom``; returns it and the y above it."""
    W, H, px, margin = _page(fig)
    handles = _legend_handles(spec)
    legend, extent = _fitted_legend(
        fig,
        renderer,
        handles,
        bottom / H,
        1 if len(handles) == 1 else 2,
        W - 2 * margin,
        attach=attach,
        prop=font(FS_LEGEND),
        labelcolor=TEXT,
        handlelength=2.8,
        columnspacing=1.6,
        handletextpad=0.6,
    )
    return legend, extent.y1 + 4 * px


@dataclass(frozen=True)
class Geometry:
    """Where the chart sits: axis directions and the outer ring's centre and radius (pixels)."""

    thetas: tuple[float, ...]
    cx: float
    cy: float
    radius: float

    def transform(self, fig: Figure) -> Transform:
        """Chart units (radius 100 = the outer ring) to figure pixels, by one affine map."""
        W, H = fig.bbox.width, fig.bbox.height
        k = self.radius / 100.0
        return Affine2D().scale(k / W, k / H).translate(self.cx / W, self.cy / H) + fig.transFigure


def place_axis_labels(
    fig: Figure, renderer: Any, axes: Sequence[str], top: float, bottom: float
) -> Geometry:
    """Place the axis labels and size the chart between ``bottom`` and ``top``."""
    W, H, px, margin = _page(fig)
    # Axis labels are plain figure texts so their size can be measured before the chart is
    # placed; the radius is then the largest one that keeps every label inside the figure.
    n = len(axes)
    thetas = tuple(2 * math.pi * i / n for i in range(n))  # clockwise from the top
    labels: list[tuple[Text, float, float]] = []
    for name, theta in zip(axes, thetas, strict=True):
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
            fontproperties=font(FS_AXIS, weight="bold"),
            color=TEXT,
            linespacing=1.1,
            parse_math=False,
        )
        labels.append((t, s, c))

    gap = 7 * px  # between the outer ring and the label
    cx, cy, radius = _fit_circle(labels, renderer, W, margin, bottom, top, gap)
    # Two lines suit most labels, but a very long one at a diagonal ("Impacto empresarial y
    # territorial") would shrink the whole chart by ~10%; three short lines cost nothing there
    # because the diagonals have vertical room to spare.
    long_ones = [(t, name) for (t, _, _), name in zip(labels, axes, strict=True) if len(name) > 24]
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
    return Geometry(thetas, cx, cy, radius)


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
        boxes.append(
            (bb.width, bb.height, s, c, t.get_horizontalalignment(), t.get_verticalalignment())
        )

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
    *,
    attach: bool,
    **kwargs: Any,
) -> tuple[Legend, Bbox]:
    """A figure legend anchored (bottom centre) at ``y``, with fewer columns if it is too wide;
    returns it and its extent (display pixels).

    ``attach=False`` binds it to ``fig`` without adding it, for the cached path to draw by hand.
    """
    kwargs.update(loc="lower center", frameon=False, borderaxespad=0.0, borderpad=0.2)
    while True:
        if attach:
            legend = fig.legend(handles=handles, bbox_to_anchor=(0.5, y), ncols=ncols, **kwargs)
        else:
            legend = Legend(
                fig,
                handles,
                [h.get_label() for h in handles],
                bbox_to_anchor=(0.5, y),
                bbox_transform=fig.transSubfigure,
                ncols=ncols,
                **kwargs,
            )
        extent = legend.get_window_extent(renderer)
        if ncols == 1 or extent.width <= max_width:
            return legend, extent
        if attach:
            legend.remove()
        ncols -= 1


def _band_handles(bands: Sequence[Band]) -> list[Patch]:
    return [
        Patch(
            facecolor=_BAND_FILLS[i],
            edgecolor=_BAND_INKS[i],
            linewidth=0.6,
            label=no_math(f"{b.label} {format_number(b.low, 0)}–{format_number(b.high, 0)}"),
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
                    color=BLUE,
                    linewidth=2.6,
                    marker="o",
                    markersize=5,
                    label=no_math(s.label),
                )
            )
        else:
            st = _ROLE_STYLE[s.role]
            handles.append(Line2D([], [], label=no_math(s.label), **st))
    return handles


# No polar Axes: creating one (ticks, spines, two clear() passes) and drawing it cost ~40% of a
# chart, and none of its machinery is needed for a fixed 0–100 scale. Geometry is computed in
# "chart units" (radius 100 = the outer ring), mapped to the figure by Geometry.transform.


def _xy(theta: float, r: float) -> tuple[float, float]:
    return r * math.sin(theta), r * math.cos(theta)  # clockwise from the top


def scale_artists(
    bands: Sequence[Band], rings: Sequence[float], thetas: Sequence[float]
) -> list[Artist]:
    """Bands, rings and spokes, in chart units, under everything else."""
    # Bands: one annulus per level, the lightest layer.
    artists: list[Artist] = [
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
        for i, b in enumerate(bands)
    ]
    grid = {"edgecolor": "#BDBDBD", "linewidth": 0.7, "facecolor": "none", "zorder": 1.0}
    artists += [Circle((0, 0), r, **grid) for r in rings if r < 100]
    artists.append(
        Circle((0, 0), 100, edgecolor="#9E9E9E", linewidth=0.9, facecolor="none", zorder=1.1)
    )
    artists.append(
        LineCollection(
            [[(0.0, 0.0), _xy(t, 100)] for t in thetas],
            colors="#BDBDBD",
            linewidths=0.7,
            zorder=1.0,
        )
    )
    return artists


def series_artists(spec: RadarSpec, thetas: Sequence[float]) -> list[Artist]:
    """The polygons, in chart units (in the order added; their z-order sorts them)."""

    def outline(values: Sequence[float]) -> tuple[list[float], list[float]]:
        pts = [_xy(t, v) for t, v in zip(thetas, values, strict=True)]
        pts.append(pts[0])
        return [p[0] for p in pts], [p[1] for p in pts]

    # Overlays under the cluster polygon's outline but above its fill, so dashes stay visible.
    artists: list[Artist] = []
    for s in spec.series[1:]:
        xs, ys = outline(s.values)
        artists.append(Line2D(xs, ys, zorder=3, solid_joinstyle="round", **_ROLE_STYLE[s.role]))

    # The cluster's polygon has no fill: a see-through fill over the bands turned each band's
    # colour into another (the salmon core read blue-grey), so the key no longer matched. A white
    # halo under the outline keeps it clear of the band edges and the dashed overlays.
    xs, ys = outline(spec.series[0].values)
    artists.append(Line2D(xs, ys, color="white", linewidth=5.0, zorder=2, solid_joinstyle="round"))
    artists.append(
        Line2D(
            xs,
            ys,
            color=BLUE,
            linewidth=2.6,
            marker="o",
            markersize=5,
            markeredgecolor="white",
            markeredgewidth=0.8,
            zorder=4,
            solid_joinstyle="round",
        )
    )
    return artists


def ring_labels(rings: Sequence[float], thetas: Sequence[float]) -> list[tuple[float, float, str]]:
    """Ring numbers (chart units): half-way between the first two spokes."""
    ring_theta = math.pi / len(thetas)
    return [(*_xy(ring_theta, r), format_number(r, 0)) for r in rings if r < 100]


def clear_rings(
    rings: Sequence[tuple[float, float, str]],
    values: Sequence[tuple[float, float, str]],
    geometry: Geometry,
    px: float,
) -> list[bool]:
    """Which ring numbers to draw: none that a vertex value's box would touch (the value wins;
    the band key names every edge anyway). Boxes are estimated from the font sizes, in pixels."""
    k = geometry.radius / 100.0

    def box(x: float, y: float, s: str, size: float) -> tuple[float, float, float, float]:
        w, h = (0.62 * size * len(s) + 4) * px / 2, (size + 4) * px / 2
        return x * k - w, y * k - h, x * k + w, y * k + h

    placed = [box(x, y, s, FS_VALUE) for x, y, s in values]
    keep = []
    for x, y, s in rings:
        x0, y0, x1, y1 = box(x, y, s, FS_RING)
        keep.append(all(x1 < a0 or x0 > a1 or y1 < b0 or y0 > b1 for a0, b0, a1, b1 in placed))
    return keep


def value_labels(spec: RadarSpec, geometry: Geometry, px: float) -> list[tuple[float, float, str]]:
    """Vertex values (chart units): outward from the vertex, or inward near the rim so they never
    collide with the axis labels outside the circle. Values near 0 are anchored a little
    off-centre, otherwise eight zeros pile up on top of each other at the origin."""
    k = geometry.radius / 100.0
    labels = []
    for theta, v in zip(geometry.thetas, spec.series[0].values, strict=True):
        offset = (-11.0 if v > 86 else 10.0) * px / k  # points -> chart units
        labels.append((*_xy(theta, max(v, 14.0) + offset), str(_round_half_up(v))))
    return labels
