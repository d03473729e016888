"""Radar (spider) chart and grouped bars as PNG or JPEG bytes, built for a phone screen.

Pure: plain data in, image bytes out. Nothing here knows about Telegram or the questionnaire.
Only ``matplotlib.figure.Figure`` with the Agg canvas is used (never ``pyplot``), so no global
figure registry or GUI backend is involved and rendering is safe in threads and worker processes.
What a chart shows is described in :mod:`charts.spec`.

The radar has two paths that draw the same picture. The reference path (``cache=False``) builds
one figure with every artist and draws it. The cached path, the default, draws what every chart of
a layout shares (bands, rings, spokes, axis labels, band key, footnote) once and copies those
pixels per chart; on top it draws only what changes: polygons, value labels, title, subtitle and
legend. In a warm process a chart then costs ~33 ms instead of ~73 ms as PNG, ~17–20 ms as JPEG
(bench/bench_charts.py, docs/BENCHMARKS.md); tests/test_charts.py checks pixel by pixel that both
paths agree.
"""

from __future__ import annotations

import io
import math
import textwrap
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, get_args

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch, Polygon, Wedge
from matplotlib.text import Text
from matplotlib.transforms import Affine2D, Bbox, Transform
from PIL import Image

from charts.spec import MAX_BANDS, Band, ImageFormat, RadarSpec, validate_spec

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

# Ring numbers and vertex values sit on a light box so they stay legible over lines and fills.
_RING_STYLE: dict[str, Any] = {
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
_VALUE_STYLE: dict[str, Any] = {
    "ha": "center",
    "va": "center",
    "color": _BLUE,
    "zorder": 5,
    "parse_math": False,
    "bbox": {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
}

# Telegram re-encodes every photo as JPEG anyway. Quality 90 without chroma subsampling keeps the
# thin coloured lines and small text crisp at about the size of the PNG, for a sixth of its
# encoding time.
_JPEG_QUALITY = 90
_FORMATS: frozenset[str] = frozenset(get_args(ImageFormat))


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


def _check_format(image_format: str) -> None:
    if image_format not in _FORMATS:
        raise ValueError(
            f"formato de imagen {image_format!r} desconocido; use uno de {sorted(_FORMATS)}"
        )


def _encode(canvas: FigureCanvasAgg, image_format: ImageFormat) -> bytes:
    """Encode what the canvas holds, without drawing it, as an RGB PNG or JPEG.

    RGB, not RGBA: the background is opaque white anyway, and Telegram re-encodes photos without
    alpha. PNG compression level 3 instead of Pillow's 6 saves ~6 ms per chart (a quarter of the
    encode) for a file a few % larger. No text chunks, EXIF or comments are written, so equal
    pixels give equal bytes.
    """
    size = canvas.get_width_height()
    dpi = round(canvas.figure.dpi)
    buf = io.BytesIO()
    if image_format == "jpeg":
        # Read as RGBX (alpha ignored, no copy): the JPEG encoder takes it as it is, which saves
        # converting to RGB first.
        image = Image.frombuffer("RGBX", size, canvas.buffer_rgba(), "raw", "RGBX", 0, 1)
        image.save(buf, format="jpeg", quality=_JPEG_QUALITY, subsampling=0, dpi=(dpi, dpi))
    else:
        image = Image.frombuffer("RGBA", size, canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        image.convert("RGB").save(buf, format="png", compress_level=3, dpi=(dpi, dpi))
    return buf.getvalue()


def _png(canvas: FigureCanvasAgg) -> bytes:
    canvas.draw()
    return _encode(canvas, "png")


def _figure_text(fig: Figure, x: float, y: float, s: str, *, attach: bool, **kwargs: Any) -> Text:
    """``fig.text``, or the same text bound to ``fig`` but not part of it (drawn by hand)."""
    if attach:
        return fig.text(x, y, s, **kwargs)
    text = Text(x, y, s, **{"transform": fig.transSubfigure, **kwargs})
    text.set_figure(fig)
    return text


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _LRU(Generic[K, V]):
    """A small thread-safe LRU. Its values are never changed once made, so threads share them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K, make: Callable[[], V]) -> V:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        # Built outside the lock: a miss can take tens of ms, and two threads racing on one key
        # merely build equal values.
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# --------------------------------------------------------------------------- radar


def render_radar(
    spec: RadarSpec,
    *,
    dpi: int = 150,
    size_inches: tuple[float, float] = (5.8, 5.8),
    image_format: ImageFormat = "png",
    cache: bool = True,
) -> bytes:
    """Render ``spec`` (``size_inches`` × ``dpi`` pixels, 870×870 by default) as PNG or JPEG.

    ``cache=False`` draws every artist on a new figure: slower, and the reference that the cached
    path is tested against.
    """
    validate_spec(spec)
    _check_format(image_format)
    size = (float(size_inches[0]), float(size_inches[1]))
    if not cache:
        return _encode(_reference_canvas(spec, dpi, size), image_format)
    return _render_cached(spec, dpi, size, image_format)


def clear_caches() -> None:
    """Forget every cached layout and idle figure (tests; memory is bounded anyway)."""
    for lru in (_FOOTERS, _FRAMES):
        lru.clear()
    _BENCHES.clear()


def _reference_canvas(
    spec: RadarSpec, dpi: int, size_inches: tuple[float, float]
) -> FigureCanvasAgg:
    fig = Figure(figsize=size_inches, dpi=dpi, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    _, top = _header(fig, renderer, spec.title, spec.subtitle, attach=True)
    bottom = _footer(fig, renderer, spec.footnote, spec.bands, attach=True)
    _, bottom = _series_legend(fig, renderer, spec, bottom, attach=True)
    geometry = _axis_labels(fig, renderer, spec.axes, top, bottom)
    to_fig = geometry.transform(fig)
    for artist in [
        *_scale_artists(spec.bands, spec.rings, geometry.thetas),
        *_series_artists(spec, geometry.thetas),
    ]:
        artist.set_transform(to_fig)
        fig.add_artist(artist)
    for x, y, s in _ring_labels(spec.rings, geometry.thetas):
        fig.text(x, y, s, transform=to_fig, fontproperties=_font(_FS_RING), **_RING_STYLE)
    for x, y, s in _value_labels(spec, geometry, fig.dpi / 72.0):
        fig.text(
            x,
            y,
            s,
            transform=to_fig,
            fontproperties=_font(_FS_VALUE, weight="bold"),
            **_VALUE_STYLE,
        )
    canvas.draw()
    return canvas


def _page(fig: Figure) -> tuple[float, float, float, float]:
    """Width, height, pixels per point and margin, all in pixels."""
    px = fig.dpi / 72.0
    return fig.bbox.width, fig.bbox.height, px, 8 * px


def _header(
    fig: Figure, renderer: Any, title: str, subtitle: str, *, attach: bool
) -> tuple[list[Text], float]:
    """Title (bold, wrapped if the cluster name is long) then subtitle; returns the y below."""
    _, H, px, margin = _page(fig)
    top = H - margin
    head = _figure_text(
        fig,
        0.5,
        top / H,
        textwrap.fill(title, width=44),
        attach=attach,
        ha="center",
        va="top",
        fontproperties=_font(_FS_TITLE, weight="bold"),
        color=_TEXT,
        linespacing=1.15,
        parse_math=False,
    )
    texts = [head]
    top = head.get_window_extent(renderer).y0 - 3 * px
    if subtitle:
        sub = _figure_text(
            fig,
            0.5,
            top / H,
            textwrap.fill(subtitle, width=60),
            attach=attach,
            ha="center",
            va="top",
            fontproperties=_font(_FS_SUBTITLE),
            color=_MUTED,
            parse_math=False,
        )
        texts.append(sub)
        top = sub.get_window_extent(renderer).y0
    return texts, top - 6 * px


def _footer(
    fig: Figure, renderer: Any, footnote: str | None, bands: Sequence[Band], *, attach: bool
) -> float:
    """Footnote at the very bottom, the band key above it; returns the y above both."""
    W, H, px, margin = _page(fig)
    bottom = margin * 0.6
    if footnote:
        foot = _figure_text(
            fig,
            0.5,
            bottom / H,
            textwrap.fill(footnote, width=78),
            attach=attach,
            ha="center",
            va="bottom",
            fontproperties=_font(_FS_FOOT, style="italic"),
            color=_MUTED,
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
            prop=_font(_FS_BAND_KEY),
            labelcolor=_MUTED,
            handlelength=1.3,
            handleheight=1.0,
            columnspacing=1.4,
            handletextpad=0.5,
        )
        bottom = key.y1 + 1 * px
    return bottom


def _series_legend(
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
        prop=_font(_FS_LEGEND),
        labelcolor=_TEXT,
        handlelength=2.8,
        columnspacing=1.6,
        handletextpad=0.6,
    )
    return legend, extent.y1 + 4 * px


@dataclass(frozen=True)
class _Geometry:
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


def _axis_labels(
    fig: Figure, renderer: Any, axes: Sequence[str], top: float, bottom: float
) -> _Geometry:
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
    return _Geometry(thetas, cx, cy, radius)


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


# No polar Axes: creating one (ticks, spines, two clear() passes) and drawing it cost ~40% of a
# chart, and none of its machinery is needed for a fixed 0–100 scale. Geometry is computed in
# "chart units" (radius 100 = the outer ring), mapped to the figure by _Geometry.transform.


def _xy(theta: float, r: float) -> tuple[float, float]:
    return r * math.sin(theta), r * math.cos(theta)  # clockwise from the top


def _scale_artists(
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


def _series_artists(spec: RadarSpec, thetas: Sequence[float]) -> list[Artist]:
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

    xs, ys = outline(spec.series[0].values)
    artists.append(
        Polygon(
            list(zip(xs, ys, strict=True)), facecolor=_BLUE, alpha=0.22, edgecolor="none", zorder=2
        )
    )
    artists.append(
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
    return artists


def _ring_labels(rings: Sequence[float], thetas: Sequence[float]) -> list[tuple[float, float, str]]:
    """Ring numbers (chart units): half-way between the first two spokes, away from every
    vertex value."""
    ring_theta = math.pi / len(thetas)
    return [(*_xy(ring_theta, r), format_number(r, 0)) for r in rings if r < 100]


def _value_labels(
    spec: RadarSpec, geometry: _Geometry, px: float
) -> list[tuple[float, float, str]]:
    """Vertex values (chart units): outward from the vertex, or inward near the rim so they never
    collide with the axis labels outside the circle. Values near 0 are anchored a little
    off-centre, otherwise eight zeros pile up on top of each other at the origin."""
    k = geometry.radius / 100.0
    labels = []
    for theta, v in zip(geometry.thetas, spec.series[0].values, strict=True):
        offset = (-11.0 if v > 86 else 10.0) * px / k  # points -> chart units
        labels.append((*_xy(theta, max(v, 14.0) + offset), str(_round_half_up(v))))
    return labels


# --------------------------------------------------------------------------- radar, cached path
#
# Within a campaign every chart has the same axes, bands and rings, and the header and footer
# take one of a few heights, so a handful of layouts covers every chart. Per layout the "frame"
# (everything under the polygons and outside the chart) is drawn once, by the reference code, and
# copied into a kept canvas per chart. Ring numbers lie above the polygons, so they are pasted as
# pre-drawn sprites. A kept canvas also keeps its renderer, and with it matplotlib's text-metrics
# cache, which a new figure per chart would start cold.
#
# The frame's key holds everything it is drawn from, so a cached frame is exactly what a cold
# cache would draw: output never depends on what was rendered before.

# A frame is one full RGBA image (~3 MB at 870×870): a bot sees a handful of layouts per campaign.
_FRAME_CACHE_SIZE = 12
# Canvases kept for reuse; more than one only while threads render at the same time.
_IDLE_BENCHES = 4


@dataclass(frozen=True)
class _Sprite:
    """A pre-drawn RGBA patch to paste with ``RendererAgg.draw_image`` at (x, y) (bottom left)."""

    x: int
    y: int
    rgba: np.ndarray  # rows bottom-up, as draw_image takes them


@dataclass(frozen=True)
class _Frame:
    geometry: _Geometry
    background: np.ndarray  # RGBA rows top-down, as the canvas holds them; read-only
    rings: tuple[_Sprite, ...]


class _Bench:
    """A figure and canvas kept between charts of one size, drawn on by hand, never by
    ``canvas.draw()``. No artist is ever added to the figure, so nothing accumulates."""

    def __init__(self, dpi: int, size_inches: tuple[float, float]) -> None:
        self.key = (dpi, size_inches)
        self.fig = Figure(figsize=size_inches, dpi=dpi, facecolor="white")
        self.canvas = FigureCanvasAgg(self.fig)
        self.renderer = self.canvas.get_renderer()
        self.pixels = np.asarray(self.canvas.buffer_rgba())


class _BenchPool:
    """Kept canvases, one per concurrent render: a figure must not be shared between threads."""

    def __init__(self, idle: int) -> None:
        self._max_idle = idle
        self._idle: list[_Bench] = []
        self._lock = threading.Lock()

    @contextmanager
    def borrow(self, dpi: int, size_inches: tuple[float, float]) -> Iterator[_Bench]:
        key = (dpi, size_inches)
        with self._lock:
            found = next((i for i, b in enumerate(self._idle) if b.key == key), None)
            bench = self._idle.pop(found) if found is not None else None
        if bench is None:
            bench = _Bench(dpi, size_inches)
        yield bench
        # Only after a render that finished: a bench that raised is simply dropped.
        with self._lock:
            self._idle.append(bench)
            del self._idle[: -self._max_idle]

    def clear(self) -> None:
        with self._lock:
            self._idle.clear()


_BENCHES = _BenchPool(_IDLE_BENCHES)
_FOOTERS: _LRU[Hashable, float] = _LRU(32)
_FRAMES: _LRU[Hashable, _Frame] = _LRU(_FRAME_CACHE_SIZE)


def _render_cached(
    spec: RadarSpec, dpi: int, size_inches: tuple[float, float], image_format: ImageFormat
) -> bytes:
    with _BENCHES.borrow(dpi, size_inches) as bench:
        fig, renderer = bench.fig, bench.renderer
        # The same layout steps as the reference path, on unattached artists.
        header, top = _header(fig, renderer, spec.title, spec.subtitle, attach=False)
        above_footer = _FOOTERS.get(
            (dpi, size_inches, spec.footnote, spec.bands),
            lambda: _footer(fig, renderer, spec.footnote, spec.bands, attach=False),
        )
        legend, bottom = _series_legend(fig, renderer, spec, above_footer, attach=False)
        layout = (dpi, size_inches, spec.axes, spec.bands, spec.rings, spec.footnote, top, bottom)
        frame = _FRAMES.get(layout, lambda: _make_frame(*layout))

        np.copyto(bench.pixels, frame.background)
        geometry = frame.geometry
        to_fig = geometry.transform(fig)
        # Drawn in the reference's z-order (a stable sort, like Figure.draw). Title, subtitle and
        # legend overlap nothing, so where they go in that order does not matter.
        for artist in sorted(_series_artists(spec, geometry.thetas), key=Artist.get_zorder):
            artist.set_figure(fig)
            artist.set_transform(to_fig)
            artist.draw(renderer)
        gc = renderer.new_gc()
        for sprite in frame.rings:
            renderer.draw_image(gc, sprite.x, sprite.y, sprite.rgba)
        gc.restore()
        values = [
            _figure_text(
                fig,
                x,
                y,
                s,
                attach=False,
                transform=to_fig,
                fontproperties=_font(_FS_VALUE, weight="bold"),
                **_VALUE_STYLE,
            )
            for x, y, s in _value_labels(spec, geometry, dpi / 72.0)
        ]
        for artist in [*values, *header, legend]:
            artist.draw(renderer)
        return _encode(bench.canvas, image_format)


def _make_frame(
    dpi: int,
    size_inches: tuple[float, float],
    axes: tuple[str, ...],
    bands: tuple[Band, ...],
    rings: tuple[float, ...],
    footnote: str | None,
    top: float,
    bottom: float,
) -> _Frame:
    """Draw what lies under the polygons or outside the chart, with the reference's code."""
    fig = Figure(figsize=size_inches, dpi=dpi, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    _footer(fig, renderer, footnote, bands, attach=True)
    geometry = _axis_labels(fig, renderer, axes, top, bottom)
    to_fig = geometry.transform(fig)
    for artist in _scale_artists(bands, rings, geometry.thetas):
        artist.set_transform(to_fig)
        fig.add_artist(artist)
    canvas.draw()
    background = np.array(canvas.buffer_rgba())
    background.flags.writeable = False

    # Ring numbers go above the polygons: drawn at their exact places on a transparent canvas,
    # then cut out.
    layer = Figure(figsize=size_inches, dpi=dpi, facecolor="none")
    layer_canvas = FigureCanvasAgg(layer)
    to_layer = geometry.transform(layer)
    texts = [
        layer.text(x, y, s, transform=to_layer, fontproperties=_font(_FS_RING), **_RING_STYLE)
        for x, y, s in _ring_labels(rings, geometry.thetas)
    ]
    layer_canvas.draw()
    pixels = np.asarray(layer_canvas.buffer_rgba())
    ring_sprites = tuple(_cut(pixels, _ink_box(t, layer_canvas.get_renderer())) for t in texts)
    return _Frame(geometry, background, ring_sprites)


def _ink_box(text: Text, renderer: Any) -> Bbox:
    """Where a drawn text and its box put ink, in display pixels."""
    return Bbox.union(
        [text.get_window_extent(renderer), text.get_bbox_patch().get_window_extent(renderer)]
    )


def _cut(pixels: np.ndarray, box: Bbox) -> _Sprite:
    """The pixels under ``box`` plus a pixel of antialiasing, as a sprite."""
    height, width = pixels.shape[:2]
    x0, y0 = max(0, math.floor(box.x0) - 1), max(0, math.floor(box.y0) - 1)
    x1, y1 = min(width, math.ceil(box.x1) + 1), min(height, math.ceil(box.y1) + 1)
    # Not marked read-only: draw_image refuses read-only arrays (it never writes to them).
    rgba = np.ascontiguousarray(pixels[height - y1 : height - y0, x0:x1][::-1])
    return _Sprite(x0, y0, rgba)


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
