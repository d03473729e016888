"""What a radar chart shows, as plain frozen data (no drawing, no matplotlib).

Kept apart from the drawing code so that code which only *describes* charts (the result builder,
the summary) can build and validate specs, and pickle them to a rendering process, without paying
matplotlib's ~0.3 s import.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

Role = Literal["cluster", "national", "sector", "previous"]
_ROLES: frozenset[str] = frozenset(get_args(Role))

# How a rendered chart is encoded. PNG is lossless and what files on disk use; Telegram re-encodes
# every photo as JPEG anyway, and a JPEG encodes in a sixth of the time.
ImageFormat = Literal["png", "jpeg"]

# The drawing code has a fill and an ink for this many level bands.
MAX_BANDS = 6


@dataclass(frozen=True)
class Series:
    """One polygon: a label for the legend, one value per axis (0–100) and its role."""

    label: str
    values: tuple[float, ...]
    role: Role = "cluster"

    def __post_init__(self) -> None:
        # Accept any sequence but store a tuple of floats so specs stay hashable and picklable.
        try:
            values = tuple(float(v) for v in self.values)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"serie {self.label!r}: los valores deben ser números ({exc})"
            ) from exc
        object.__setattr__(self, "values", values)
        if self.role not in _ROLES:
            raise ValueError(
                f"serie {self.label!r}: rol {self.role!r} desconocido; use uno de {sorted(_ROLES)}"
            )
        for i, v in enumerate(values):
            if not (math.isfinite(v) and 0.0 <= v <= 100.0):
                raise ValueError(
                    f"serie {self.label!r}: el valor {v!r} del eje {i + 1} está fuera de 0..100"
                )


@dataclass(frozen=True)
class Band:
    """A level band shaded as a ring between two radii, e.g. (70, 100, "Consolidado")."""

    low: float
    high: float
    label: str

    def __post_init__(self) -> None:
        low, high = float(self.low), float(self.high)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        if not (0.0 <= low < high <= 100.0):
            raise ValueError(
                f"banda {self.label!r}: se requiere 0 <= low < high <= 100 (recibido {low}, {high})"
            )


@dataclass(frozen=True)
class RadarSpec:
    """Everything the radar needs. The first series is the cluster's own polygon."""

    title: str
    subtitle: str
    axes: tuple[str, ...]
    series: tuple[Series, ...]
    bands: tuple[Band, ...] = ()
    # Grid circles; by default at the band edges (the level edges, 40 and 70, for the SSME's
    # levels) so a ring is where the colour changes, else every 25; 100 is always one.
    rings: tuple[float, ...] = ()
    footnote: str | None = None
    # A line under the subtitle that says what held the level back ("Nivel Intermedio: falta
    # estrategia actualizada"); drawn in the colour of warnings.
    alert: str | None = None
    # The title of the band key ("Nivel de madurez (IMS)"), so the bands are never read as the
    # per-area bands of the text under the chart.
    band_title: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "axes", tuple(str(a) for a in self.axes))
        object.__setattr__(self, "series", tuple(self.series))
        bands = tuple(sorted(self.bands, key=lambda b: b.low))
        object.__setattr__(self, "bands", bands)
        rings = self.rings
        if not rings:
            edges = sorted({b.high for b in bands} | {b.low for b in bands} - {0.0})
            rings = tuple(edges) if edges else (25, 50, 75, 100)
        if 100.0 not in {float(r) for r in rings}:
            rings = (*rings, 100.0)
        object.__setattr__(self, "rings", tuple(float(r) for r in rings))
        validate_spec(self)


def validate_spec(spec: RadarSpec) -> None:
    """Raise ``ValueError`` with a message that names the offending series/axis."""
    if len(spec.axes) < 3:
        raise ValueError(f"un radar necesita al menos 3 ejes (recibidos {len(spec.axes)})")
    if not spec.series:
        raise ValueError("se requiere al menos una serie (la del clúster)")
    for s in spec.series:
        if not isinstance(s, Series):
            raise ValueError(f"se esperaba Series, recibido {type(s).__name__}")
        if len(s.values) != len(spec.axes):
            raise ValueError(
                f"serie {s.label!r}: {len(s.values)} valores para {len(spec.axes)} ejes"
            )
    for r in spec.rings:
        if not (0.0 < r <= 100.0):
            raise ValueError(f"anillo {r!r} fuera de (0, 100]")
    for b in spec.bands:
        if not isinstance(b, Band):
            raise ValueError(f"se esperaba Band, recibido {type(b).__name__}")
    if len(spec.bands) > MAX_BANDS:
        raise ValueError(f"como máximo {MAX_BANDS} bandas (recibidas {len(spec.bands)})")


SSME_AXES: tuple[str, ...] = (
    "Enfoque",
    "Estrategia",
    "Actores participantes",
    "Gobernanza",
    "Proyectos",
    "Colaboración y alianzas",
    "Financiación",
    "Impacto empresarial y territorial",
)

SSME_BANDS: tuple[Band, ...] = (
    Band(0, 40, "Exploración"),
    Band(40, 70, "Intermedio"),
    Band(70, 100, "Consolidado"),
)


def example_spec(*, overlays: bool = True) -> RadarSpec:
    """A realistic spec: used to warm pool workers (every glyph and artist type) and in demos."""
    series = [
        Series("Su clúster", (90, 75, 62.5, 100, 50, 81.3, 37.5, 68.8), "cluster"),
    ]
    if overlays:
        series += [
            Series("Promedio nacional", (68, 59, 55, 63, 47, 58, 41, 52), "national"),
            Series("Promedio sector agroindustria", (72, 64, 50, 70, 52, 61, 44, 57), "sector"),
            Series("Medición 2020", (75, 50, 50, 87.5, 37.5, 62.5, 25, 56.3), "previous"),
        ]
    return RadarSpec(
        title="Clúster de Cafés Especiales del Huila",
        subtitle="Medición 2021 · IMS 70,6 · Intermedio",
        axes=SSME_AXES,
        series=tuple(series),
        bands=SSME_BANDS if overlays else (),
        alert="Nivel Intermedio: falta estrategia actualizada" if overlays else None,
        band_title="Nivel de madurez (IMS)" if overlays else None,
    )
