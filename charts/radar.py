"""The radar (spider) chart as PNG or JPEG bytes, built for a phone screen.

Pure: plain data in, image bytes out. Nothing here knows about Telegram or the questionnaire.
What a chart shows is described in :mod:`charts.spec`; the layout steps both paths share are in
:mod:`charts.radar_layout`.

The radar has two paths that draw the same picture. The reference path (``cache=False``) builds
one figure with every artist and draws it. The cached path, the default, draws what every chart of
a layout shares (bands, rings, spokes, axis labels, band key, footnote) once and copies those
pixels per chart; on top it draws only what changes: polygons, value labels, title, subtitle and
legend. In a warm process a chart then costs ~33 ms instead of ~73 ms as PNG, ~17–20 ms as JPEG
(bench/bench_charts.py, docs/BENCHMARKS.md); tests/test_charts.py checks pixel by pixel that both
paths agree.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from charts.drawing import check_format, encode, font
from charts.radar_layout import (
    FS_RING,
    FS_VALUE,
    RING_STYLE,
    VALUE_STYLE,
    Geometry,
    clear_rings,
    figure_text,
    place_axis_labels,
    place_footer,
    place_header,
    place_series_legend,
    ring_labels,
    scale_artists,
    series_artists,
    value_labels,
)
from charts.spec import Band, ImageFormat, RadarSpec, validate_spec

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
    check_format(image_format)
    size = (float(size_inches[0]), float(size_inches[1]))
    if not cache:
        return encode(_reference_canvas(spec, dpi, size), image_format)
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
    _, top = place_header(fig, renderer, spec.title, spec.subtitle, attach=True, alert=spec.alert)
    bottom = place_footer(
        fig, renderer, spec.footnote, spec.bands, attach=True, band_title=spec.band_title
    )
    _, bottom = place_series_legend(fig, renderer, spec, bottom, attach=True)
    geometry = place_axis_labels(fig, renderer, spec.axes, top, bottom)
    to_fig = geometry.transform(fig)
    for artist in [
        *scale_artists(spec.bands, spec.rings, geometry.thetas),
        *series_artists(spec, geometry.thetas),
    ]:
        artist.set_transform(to_fig)
        fig.add_artist(artist)
    values = value_labels(spec, geometry, fig.dpi / 72.0)
    rings = ring_labels(spec.rings, geometry.thetas)
    for (x, y, s), keep in zip(
        rings, clear_rings(rings, values, geometry, fig.dpi / 72.0), strict=True
    ):
        if keep:
            fig.text(x, y, s, transform=to_fig, fontproperties=font(FS_RING), **RING_STYLE)
    for x, y, s in values:
        fig.text(
            x,
            y,
            s,
            transform=to_fig,
            fontproperties=font(FS_VALUE, weight="bold"),
            **VALUE_STYLE,
        )
    canvas.draw()
    return canvas


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
    geometry: Geometry
    background: np.ndarray  # RGBA rows top-down, as the canvas holds them; read-only
    rings: tuple[_Sprite, ...]
    ring_places: tuple[tuple[float, float, str], ...]  # where each sprite's number stands


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
        header, top = place_header(
            fig, renderer, spec.title, spec.subtitle, attach=False, alert=spec.alert
        )
        footer = (spec.footnote, spec.bands, spec.band_title)
        above_footer = _FOOTERS.get(
            (dpi, size_inches, *footer),
            lambda: place_footer(
                fig, renderer, spec.footnote, spec.bands, attach=False, band_title=spec.band_title
            ),
        )
        legend, bottom = place_series_legend(fig, renderer, spec, above_footer, attach=False)
        layout = (dpi, size_inches, spec.axes, spec.rings, *footer, top, bottom)
        frame = _FRAMES.get(layout, lambda: _make_frame(*layout))

        np.copyto(bench.pixels, frame.background)
        geometry = frame.geometry
        to_fig = geometry.transform(fig)
        # Drawn in the reference's z-order (a stable sort, like Figure.draw). Title, subtitle and
        # legend overlap nothing, so where they go in that order does not matter.
        for artist in sorted(series_artists(spec, geometry.thetas), key=Artist.get_zorder):
            artist.set_figure(fig)
            artist.set_transform(to_fig)
            artist.draw(renderer)
        labels = value_labels(spec, geometry, dpi / 72.0)
        clear = clear_rings(frame.ring_places, labels, geometry, dpi / 72.0)
        gc = renderer.new_gc()
        for sprite, keep in zip(frame.rings, clear, strict=True):
            if keep:
                renderer.draw_image(gc, sprite.x, sprite.y, sprite.rgba)
        gc.restore()
        values = [
            figure_text(
                fig,
                x,
                y,
                s,
                attach=False,
                transform=to_fig,
                fontproperties=font(FS_VALUE, weight="bold"),
                **VALUE_STYLE,
            )
            for x, y, s in labels
        ]
        for artist in [*values, *header, legend]:
            artist.draw(renderer)
        return encode(bench.canvas, image_format)


def _make_frame(
    dpi: int,
    size_inches: tuple[float, float],
    axes: tuple[str, ...],
    rings: tuple[float, ...],
    footnote: str | None,
    bands: tuple[Band, ...],
    band_title: str | None,
    top: float,
    bottom: float,
) -> _Frame:
    """Draw what lies under the polygons or outside the chart, with the reference's code."""
    fig = Figure(figsize=size_inches, dpi=dpi, facecolor="white")
    canvas = FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    place_footer(fig, renderer, footnote, bands, attach=True, band_title=band_title)
    geometry = place_axis_labels(fig, renderer, axes, top, bottom)
    to_fig = geometry.transform(fig)
    for artist in scale_artists(bands, rings, geometry.thetas):
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
    places = tuple(ring_labels(rings, geometry.thetas))
    texts = [
        layer.text(x, y, s, transform=to_layer, fontproperties=font(FS_RING), **RING_STYLE)
        for x, y, s in places
    ]
    layer_canvas.draw()
    pixels = np.asarray(layer_canvas.buffer_rgba())
    ring_sprites = tuple(_cut(pixels, _ink_box(t, layer_canvas.get_renderer())) for t in texts)
    return _Frame(geometry, background, ring_sprites, places)


def _ink_box(text: Text, renderer: Any) -> Bbox:
    """Where a drawn text and its box (if it has one) put ink, in display pixels."""
    extents = [text.get_window_extent(renderer)]
    if (patch := text.get_bbox_patch()) is not None:
        extents.append(patch.get_window_extent(renderer))
    return Bbox.union(extents)


def _cut(pixels: np.ndarray, box: Bbox) -> _Sprite:
    """The pixels under ``box`` plus a pixel of antialiasing, as a sprite."""
    height, width = pixels.shape[:2]
    x0, y0 = max(0, math.floor(box.x0) - 1), max(0, math.floor(box.y0) - 1)
    x1, y1 = min(width, math.ceil(box.x1) + 1), min(height, math.ceil(box.y1) + 1)
    # Not marked read-only: draw_image refuses read-only arrays (it never writes to them).
    rgba = np.ascontiguousarray(pixels[height - y1 : height - y0, x0:x1][::-1])
    return _Sprite(x0, y0, rgba)
