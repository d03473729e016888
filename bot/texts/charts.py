"""Spanish texts drawn on the charts (radar and bars) beyond their titles and legends."""

from __future__ import annotations

BAND_TITLE_LEVELS = "Nivel de madurez (IMS)"
BAND_TITLE_AREAS = "Banda de cada área"
HELD_BACK = "Nivel {level}: {missing}"
MISSING_ONE = "falta {gate}"
MISSING_MANY = "faltan {gates}"
MISSING_SEPARATOR = "; "
NATIONAL_HIDDEN = "No se muestra el promedio nacional: lo forman menos de {k} clústeres."
SECTOR_HIDDEN = "No se muestra el promedio del sector {sector}: lo forman menos de {k} clústeres."
BARS_SUBTITLE = "Medición {campaign} · {clusters}"
BARS_SUBTITLE_OF = "Medición {campaign} · respondieron {k} de {n} aglomeraciones activas"
BARS_CLUSTERS = ("{n} aglomeración", "{n} aglomeraciones")
BARS_OF = "{k} de {n}"
BARS_REGISTERED = "Inscritas"
BARS_RESPONDED = "Respondieron"
