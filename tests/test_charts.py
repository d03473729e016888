"""Charts: PNG/JPEG validity and size, validation, determinism, the cached radar path against the
reference path, process pool, inline renderer."""

from __future__ import annotations

import asyncio
import io
import os
import pickle
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from charts import (
    SSME_AXES,
    SSME_BANDS,
    Band,
    ChartRenderer,
    InlineChartRenderer,
    RadarSpec,
    Renderer,
    Series,
    example_spec,
    format_number,
    render_bars,
    render_radar,
    wrap_label,
)
from charts import radar as radar_module

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
REPO = Path(__file__).resolve().parent.parent


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, after checking the signature and the chunk's CRC."""
    assert data[:8] == PNG_SIGNATURE, "not a PNG"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    ihdr = data[16 : 16 + length]
    (crc,) = struct.unpack(">I", data[16 + length : 20 + length])
    assert zlib.crc32(kind + ihdr) == crc, "corrupt IHDR"
    assert data[-12:] == b"\x00\x00\x00\x00IEND\xaeB`\x82", "truncated PNG"
    width, height = struct.unpack(">II", ihdr[:8])
    return width, height


def jpeg_size(data: bytes) -> tuple[int, int]:
    assert data[:3] == b"\xff\xd8\xff" and data[-2:] == b"\xff\xd9", "not a whole JPEG"
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and image.mode == "RGB"
        return image.size


def pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def cluster_only() -> RadarSpec:
    return RadarSpec(
        title="Clúster de Cafés Especiales del Huila",
        subtitle="Medición 2021 · IMS 72,4 · Consolidado",
        axes=SSME_AXES,
        series=(Series("Su clúster", (90, 75, 62.5, 100, 50, 81.3, 37.5, 68.8)),),
    )


# --------------------------------------------------------------------------- render_radar


def test_radar_png_has_expected_size() -> None:
    data = render_radar(cluster_only())
    assert png_size(data) == (870, 870)  # 5.8 in x 150 dpi


def test_radar_size_follows_dpi_and_inches() -> None:
    data = render_radar(cluster_only(), dpi=100, size_inches=(6.0, 6.4))
    assert png_size(data) == (600, 640)


def test_overlays_bands_footnote_render_and_differ() -> None:
    plain = render_radar(cluster_only())
    full = render_radar(example_spec(overlays=True))
    assert png_size(full) == (870, 870)
    spec = example_spec()
    assert len(spec.series) == 4 and spec.bands and spec.alert and spec.band_title
    assert plain != full


def test_radar_is_deterministic() -> None:
    spec = example_spec()
    assert render_radar(spec) == render_radar(spec)


@pytest.mark.parametrize("values", [(0,) * 8, (100,) * 8, (0, 100) * 4])
def test_extreme_values_render(values: tuple[float, ...]) -> None:
    spec = RadarSpec("t", "s", SSME_AXES, (Series("Su clúster", values),), bands=SSME_BANDS)
    assert png_size(render_radar(spec)) == (870, 870)


@pytest.mark.parametrize("n_axes", [3, 5, 12])
def test_other_axis_counts(n_axes: int) -> None:
    axes = tuple(f"Área número {i + 1}" for i in range(n_axes))
    spec = RadarSpec("t", "s", axes, (Series("A", tuple(float(i * 7) for i in range(n_axes))),))
    assert png_size(render_radar(spec)) == (870, 870)


def test_radar_jpeg() -> None:
    spec = example_spec()
    data = render_radar(spec, image_format="jpeg")
    assert jpeg_size(data) == (870, 870)
    assert render_radar(spec, image_format="jpeg") == data
    assert jpeg_size(render_radar(spec, image_format="jpeg", cache=False)) == (870, 870)
    # Same picture as the PNG, give or take JPEG's losses.
    assert np.abs(pixels(data) - pixels(render_radar(spec))).mean() < 2.0
    with pytest.raises(ValueError, match="formato de imagen 'gif'"):
        render_radar(spec, image_format="gif")  # type: ignore[arg-type]


def test_spec_accepts_lists_and_pickles() -> None:
    spec = RadarSpec(
        "t",
        "s",
        list(SSME_AXES),  # type: ignore[arg-type]
        [Series("A", [50] * 8)],  # type: ignore[arg-type, list-item]
    )
    assert isinstance(spec.axes, tuple) and isinstance(spec.series[0].values, tuple)
    assert pickle.loads(pickle.dumps(example_spec())) == example_spec()


# --------------------------------------------------------------------------- cached radar path

SSME_FOOTNOTE = "El promedio del sector se muestra con al menos 5 clústeres."
LONG_TITLE = "Clúster de Software y Tecnologías de la Información del Valle del Cauca"


def _overlays(k: int) -> tuple[Series, ...]:
    own = Series("Su clúster", (90, 75, 62.5, 100, 50, 81.3, 37.5, 68.8))
    others = (
        Series("Promedio nacional (57)", (68, 59, 55, 63, 47, 58, 41, 52), "national"),
        Series("Promedio agroindustria (12)", (72, 64, 50, 70, 52, 61, 44, 57), "sector"),
        Series("Medición 2024", (75, 50, 50, 87.5, 37.5, 62.5, 25, 56.3), "previous"),
    )
    return (own, *others[:k])


def _axes(n: int) -> tuple[str, ...]:
    return tuple(f"Área número {i + 1}" for i in range(n))


# Name -> (spec, keyword arguments): overlays, title lines, footnote, extremes, long axis names,
# other axis counts, dpi and size.
CACHED_CASES: dict[str, tuple[RadarSpec, dict[str, object]]] = {
    "example": (example_spec(), {}),
    "plain": (example_spec(overlays=False), {}),
    "two-line title, one overlay": (
        RadarSpec(
            LONG_TITLE,
            "Medición 2025 · IMS 63,4 · Consolidado",
            SSME_AXES,
            _overlays(1),
            SSME_BANDS,
        ),
        {},
    ),
    "two overlays, footnote, no subtitle": (
        RadarSpec(
            "Clúster Lácteo de Nariño",
            "",
            SSME_AXES,
            _overlays(2),
            SSME_BANDS,
            footnote=SSME_FOOTNOTE,
        ),
        {},
    ),
    "zeros": (
        RadarSpec("t", "s", SSME_AXES, (Series("Su clúster", (0,) * 8),), bands=SSME_BANDS),
        {},
    ),
    "hundreds": (
        RadarSpec(
            "t", "s", SSME_AXES, (Series("Su clúster", (100,) * 8), _overlays(1)[1]), SSME_BANDS
        ),
        {},
    ),
    "alternating 0/100": (
        RadarSpec("t", "s", SSME_AXES, (Series("Su clúster", (0, 100) * 4),)),
        {},
    ),
    "3 axes": (RadarSpec("t", "s", _axes(3), (Series("A", (10, 55.5, 99)),)), {}),
    "5 axes, other bands and rings": (
        RadarSpec(
            "t",
            "s",
            (
                "Un eje con un nombre muy largo de verdad",
                "Corto",
                "Otro eje igualmente largo, sí",
                "Cuarto",
                "Quinto",
            ),
            (Series("A", (12.5, 99.9, 86.5, 86.4, 0.4)), Series("B", (50,) * 5, "previous")),
            bands=(Band(0, 50, "Bajo"), Band(50, 100, "Alto")),
            rings=(20, 40, 60, 80, 100),
            footnote="Una nota al pie larga que ocupa más de una línea en la parte inferior de la figura, con acentos: ñ, á, é.",
        ),
        {},
    ),
    "12 axes": (
        RadarSpec("t", "s", _axes(12), (Series("A", tuple(i * 8.3 for i in range(12))),)),
        {},
    ),
    "100 dpi, not square": (example_spec(), {"dpi": 100, "size_inches": (6.0, 6.4)}),
    "200 dpi": (example_spec(), {"dpi": 200, "size_inches": (5.0, 5.0)}),
}


@pytest.mark.parametrize("case", CACHED_CASES)
def test_cached_radar_matches_the_reference(case: str) -> None:
    spec, kwargs = CACHED_CASES[case]
    reference = pixels(render_radar(spec, cache=False, **kwargs))  # type: ignore[arg-type]
    cached = pixels(render_radar(spec, **kwargs))  # type: ignore[arg-type]
    assert cached.shape == reference.shape
    diff = np.abs(cached - reference)
    # Only the ring numbers are pasted (at their exact places) instead of drawn, which leaves
    # rounding in the alpha blend: measured ≤ 2 of 255 on any pixel.
    assert diff.max() <= 4, f"{np.count_nonzero(diff > 4)} pixels differ visibly"


def test_cached_radar_does_not_depend_on_what_was_rendered_before() -> None:
    a = CACHED_CASES["two overlays, footnote, no subtitle"][0]
    b = CACHED_CASES["two-line title, one overlay"][0]
    radar_module.clear_caches()
    cold = render_radar(a)
    warm = render_radar(a)
    render_radar(b)
    render_radar(b, dpi=100)
    assert render_radar(a) == warm == cold
    render_radar(b, dpi=200)
    assert render_radar(a) == cold
    assert render_radar(a, image_format="jpeg") == render_radar(a, image_format="jpeg")


def test_cached_radar_in_threads_matches_one_at_a_time() -> None:
    # Four layouts, each twice: threads race on the same cache entries and on different ones.
    specs = [spec for spec, kwargs in CACHED_CASES.values() if not kwargs][:4] * 2
    expected = [render_radar(s) for s in specs]
    radar_module.clear_caches()
    with ThreadPoolExecutor(4) as threads:
        assert list(threads.map(render_radar, specs)) == expected


def test_cached_radar_errors_like_the_reference() -> None:
    crowded = RadarSpec(
        "t",
        "s",
        tuple(f"Eje con un nombre larguísimo {i}" for i in range(10)),
        (Series("A", (50,) * 10),),
    )
    for cache in (True, False):
        with pytest.raises(ValueError, match="no caben en la figura"):
            render_radar(crowded, size_inches=(3.0, 3.0), cache=cache)


def test_cached_radar_caches_are_bounded() -> None:
    radar_module.clear_caches()
    for i in range(radar_module._FRAME_CACHE_SIZE + 3):
        # Each footnote is a layout of its own.
        render_radar(RadarSpec("t", "s", SSME_AXES, _overlays(0), footnote=f"Nota {i}"))
    assert len(radar_module._FRAMES) == radar_module._FRAME_CACHE_SIZE


# --------------------------------------------------------------------------- validation


def test_mismatched_lengths_raise() -> None:
    with pytest.raises(ValueError, match=r"'Promedio nacional': 7 valores para 8 ejes"):
        RadarSpec(
            "t",
            "s",
            SSME_AXES,
            (Series("Su clúster", (50,) * 8), Series("Promedio nacional", (50,) * 7, "national")),
        )


@pytest.mark.parametrize("bad", [-0.1, 100.5, float("nan"), float("inf")])
def test_out_of_range_values_raise(bad: float) -> None:
    with pytest.raises(ValueError, match=r"'Su clúster'.*eje 3 está fuera de 0\.\.100"):
        Series("Su clúster", (10, 20, bad, 40))


def test_other_invalid_input_raises() -> None:
    with pytest.raises(ValueError, match="al menos 3 ejes"):
        RadarSpec("t", "s", ("A", "B"), (Series("x", (1, 2)),))
    with pytest.raises(ValueError, match="al menos una serie"):
        RadarSpec("t", "s", SSME_AXES, ())
    with pytest.raises(ValueError, match="rol 'regional' desconocido"):
        Series("x", (1, 2, 3), "regional")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="low < high"):
        Band(70, 40, "Consolidado")
    with pytest.raises(ValueError, match="deben ser números"):
        Series("x", ("a", 2, 3))  # type: ignore[arg-type]


# --------------------------------------------------------------------------- helpers, bars


def test_format_number_is_colombian() -> None:
    assert format_number(64.0) == "64,0"
    assert format_number(1234.5) == "1.234,5"
    assert format_number(457_000_000_000, 0) == "457.000.000.000"


def test_wrap_label_two_lines_at_most() -> None:
    assert wrap_label("Enfoque") == "Enfoque"
    for name in SSME_AXES:
        wrapped = wrap_label(name)
        assert wrapped.replace("\n", " ") == name
        assert wrapped.count("\n") <= 1
    assert wrap_label("Colaboración y alianzas") == "Colaboración\ny alianzas"


def test_render_bars_png() -> None:
    data = render_bars(
        "Distribución por nivel",
        ["Exploración", "Intermedio", "Consolidado"],
        [("Medición 2021", [25.0, 51.2, 23.8]), ("Medición 2020", [31.5, 48.5, 20.0])],
    )
    width, height = png_size(data)
    assert width == 870 and height > 300
    single = render_bars("Por sector", ["Servicios", "Agro"], [("n", [3, 4])], unit="", decimals=0)
    assert png_size(single)[0] == 870


def test_render_bars_validation() -> None:
    with pytest.raises(ValueError, match="2 valores para 3 categorías"):
        render_bars("t", ["a", "b", "c"], [("s", [1, 2])])
    with pytest.raises(ValueError, match="al menos una categoría"):
        render_bars("t", [], [("s", [])])


@pytest.mark.e2e  # a process of its own
def test_no_warnings_with_a_fresh_matplotlib_cache(tmp_path: Path) -> None:
    # A fresh config dir forces the font cache to be built: nothing may reach stderr.
    code = "from charts import render_radar, example_spec; render_radar(example_spec())"
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path), "PYTHONWARNINGS": "default"}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""


@pytest.mark.e2e  # a process of its own
def test_describing_charts_does_not_import_matplotlib() -> None:
    # The summary CLI and the result builder only describe charts; matplotlib's import is ~0.3 s
    # of a summary that must take under 1 s. Drawing still works through the lazy names.
    code = (
        "import sys, charts, bot.reports.summary, bot.conversation.results, bot.services.reports\n"
        "spec = charts.example_spec()\n"
        "assert 'matplotlib' not in sys.modules, 'imported too early'\n"
        "png = charts.render_radar(spec)\n"
        "assert png.startswith(b'\\x89PNG') and 'matplotlib' in sys.modules\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr


# --------------------------------------------------------------------------- renderers


@pytest.fixture(scope="module")
def pool() -> Iterator[ChartRenderer]:
    # Synchronous start: the renderer is not tied to an event loop, so one pool serves the
    # function-scoped loops of every async test below.
    renderer = ChartRenderer(workers=2)
    renderer.start_sync(timeout=60)
    yield renderer
    renderer.close()


@pytest.mark.e2e  # a process of its own
async def test_pool_matches_in_process_render(pool: ChartRenderer) -> None:
    spec = example_spec()
    assert await pool.render_radar(spec) == render_radar(spec)
    jpeg = await pool.render_radar(spec, image_format="jpeg")
    assert jpeg == render_radar(spec, image_format="jpeg")
    assert jpeg_size(jpeg) == (870, 870)


@pytest.mark.e2e  # a process of its own
async def test_pool_renders_ten_concurrently(pool: ChartRenderer) -> None:
    specs = [
        RadarSpec("t", f"Medición {i}", SSME_AXES, (Series("Su clúster", (i * 10.0,) * 8),))
        for i in range(10)
    ]
    results = await asyncio.gather(*(pool.render_radar(s) for s in specs))
    assert all(png_size(r) == (870, 870) for r in results)
    assert len(set(results)) == 10


@pytest.mark.e2e  # a process of its own
async def test_pool_start_is_idempotent_and_bars_work(pool: ChartRenderer) -> None:
    await pool.start()
    await pool.start()
    data = await pool.render_bars("t", ("a", "b"), [("s", (1.0, 2.0))])
    assert png_size(data)[0] == 870


@pytest.mark.e2e  # a process of its own
async def test_pool_propagates_validation_errors(pool: ChartRenderer) -> None:
    with pytest.raises(ValueError, match="valores para 2 categorías"):
        await pool.render_bars("t", ["a", "b"], [("s", [1.0])])


@pytest.mark.e2e  # a process of its own
async def test_close_is_idempotent() -> None:
    renderer = ChartRenderer(workers=1, warm=False)
    assert isinstance(renderer, Renderer)
    async with renderer:
        assert png_size(await renderer.render_radar(cluster_only())) == (870, 870)
    assert renderer.closed
    renderer.close()
    renderer.close()
    with pytest.raises(RuntimeError, match="closed"):
        await renderer.render_radar(cluster_only())
    never_started = ChartRenderer()
    never_started.close()
    never_started.close()


async def test_inline_renderer() -> None:
    renderer = InlineChartRenderer()
    assert isinstance(renderer, Renderer)
    async with renderer:
        spec = example_spec()
        results = await asyncio.gather(*(renderer.render_radar(spec) for _ in range(3)))
        assert results[0] == render_radar(spec)
        assert len(set(results)) == 1
        jpeg = await renderer.render_radar(spec, image_format="jpeg")
        assert jpeg == render_radar(spec, image_format="jpeg")
        bars = await renderer.render_bars("t", ["a"], [("s", [1.0])])
        assert png_size(bars)[0] == 870
    renderer.close()
    with pytest.raises(RuntimeError, match="closed"):
        await renderer.render_radar(spec)


@pytest.mark.e2e  # a process of its own
async def test_pool_recovers_after_a_worker_dies() -> None:
    with ChartRenderer(workers=1, warm=False) as renderer:
        await renderer.start()
        # A job that kills its worker (as the OOM killer would) breaks the executor; it is
        # retried once on a fresh pool, then reported.
        with pytest.raises(BrokenProcessPool):
            await renderer._run(partial(os._exit, 1))  # type: ignore[arg-type]
        assert png_size(await renderer.render_radar(cluster_only())) == (870, 870)
