"""Tests of bot.files.registry: the cluster registry CSV that admins upload (methodology §2)."""

from __future__ import annotations

import csv
import io
from importlib import resources

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.files.registry import (
    COLUMNS,
    DEPARTMENTS,
    MANAGER_TYPES,
    REGISTRY_ERRORS,
    REQUIRED_COLUMNS,
    SECTORS,
    STATES,
    ClusterRow,
    RegistryParse,
    RowError,
    normalize_department,
    parse_registry_csv,
)

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
YEAR = 2024

HEADER = ",".join(COLUMNS)
ROW_HUILA = (
    "huila_cafe,Clúster de Cafés Especiales del Huila,Huila,Neiva,agroindustria,café,"
    "Cámara de Comercio del Huila,camara_comercio,2014,activa"
)
ROW_NARINO = (
    "narino_turismo,Clúster Turismo Nariño,nariño,Pasto,Servicios,turismo,"
    "Cámara de Comercio de Pasto,Cámara_Comercio,2016,ACTIVA"
)
ROW_BOGOTA = (
    "bogota_logistica,Clúster de Logística,bogota dc,,MANUFACTURA,,Gobernación,gobierno,,Inactiva"
)
VALID = "\n".join([HEADER, ROW_HUILA, ROW_NARINO, ROW_BOGOTA]) + "\n"

EXPECTED_ROWS = [
    ClusterRow(
        cluster_id="huila_cafe",
        nombre="Clúster de Cafés Especiales del Huila",
        departamento="Huila",
        municipio="Neiva",
        sector="agroindustria",
        subsector="café",
        entidad_gestora="Cámara de Comercio del Huila",
        entidad_gestora_tipo="camara_comercio",
        anio_creacion=2014,
        estado="activa",
    ),
    ClusterRow(
        cluster_id="narino_turismo",
        nombre="Clúster Turismo Nariño",
        departamento="Nariño",
        municipio="Pasto",
        sector="servicios",
        subsector="turismo",
        entidad_gestora="Cámara de Comercio de Pasto",
        entidad_gestora_tipo="camara_comercio",
        anio_creacion=2016,
        estado="activa",
    ),
    ClusterRow(
        cluster_id="bogota_logistica",
        nombre="Clúster de Logística",
        departamento="Bogotá D.C.",
        municipio=None,
        sector="manufactura",
        subsector=None,
        entidad_gestora="Gobernación",
        entidad_gestora_tipo="gobierno",
        anio_creacion=None,
        estado="inactiva",
    ),
]


def parse(data: bytes | str) -> RegistryParse:
    return parse_registry_csv(data, current_year=YEAR)


def to_semicolons(text: str) -> str:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def with_cell(column: str, value: str, text: str = VALID, row: int = 2) -> str:
    """VALID with one cell of data row ``row`` (1-based among data rows) replaced."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    rows[row][COLUMNS.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# Constants of the contract
# --------------------------------------------------------------------------------------------


def test_contract_constants() -> None:
    assert SECTORS == ("servicios", "agroindustria", "manufactura")
    assert MANAGER_TYPES == (
        "camara_comercio",
        "gobierno",
        "gremio",
        "academia",
        "entidad_cluster",
        "otra",
    )
    assert STATES == ("activa", "inactiva")
    assert COLUMNS == (
        "cluster_id",
        "nombre",
        "departamento",
        "municipio",
        "sector",
        "subsector",
        "entidad_gestora",
        "entidad_gestora_tipo",
        "anio_creacion",
        "estado",
    )
    assert len(DEPARTMENTS) == 33 == len(set(DEPARTMENTS))
    assert DEPARTMENTS[-1] == "Bogotá D.C."
    assert "Archipiélago de San Andrés, Providencia y Santa Catalina" in DEPARTMENTS
    assert {"Quindío", "Guainía", "Vaupés", "Chocó", "Córdoba", "La Guajira"} <= set(DEPARTMENTS)


@pytest.mark.parametrize("name", DEPARTMENTS)
def test_every_department_matches_itself_loosely(name: str) -> None:
    assert normalize_department(name) == name
    loose = name.upper().translate(str.maketrans("ÁÉÍÓÚÑ", "AEIOUN")).replace(" ", "  ")
    assert normalize_department(f"  {loose} ") == name


@pytest.mark.parametrize(
    ("alias", "official"),
    [
        ("Bogotá", "Bogotá D.C."),
        ("Bogota DC", "Bogotá D.C."),
        ("Bogotá, D.C.", "Bogotá D.C."),
        ("BOGOTA D.C", "Bogotá D.C."),
        ("Bogotá Distrito Capital", "Bogotá D.C."),
        ("San Andrés", "Archipiélago de San Andrés, Providencia y Santa Catalina"),
        ("san andres y providencia", "Archipiélago de San Andrés, Providencia y Santa Catalina"),
        ("Valle", "Valle del Cauca"),
        ("valle del cauca", "Valle del Cauca"),
        ("Norte Santander", "Norte de Santander"),
        ("N. de Santander", "Norte de Santander"),
        ("Guajira", "La Guajira"),
        ("Departamento del Huila", "Huila"),
        ("Atlantico", "Atlántico"),
        ("QUINDIO", "Quindío"),
    ],
)
def test_department_aliases(alias: str, official: str) -> None:
    assert normalize_department(alias) == official


@pytest.mark.parametrize(
    "text", ["", "   ", "Cali", "Santander del Sur", "Valle Cauca Norte", "DC"]
)
def test_department_no_match(text: str) -> None:
    assert normalize_department(text) is None


# --------------------------------------------------------------------------------------------
# Valid files
# --------------------------------------------------------------------------------------------


def test_valid_comma_file() -> None:
    result = parse(VALID)
    assert result.ok, result.report()
    assert result.errors == []
    assert result.rows == EXPECTED_ROWS
    assert result.delimiter == ","
    assert result.encoding == "utf-8"
    assert result.rejected == 0
    assert result.notes == []
    assert result.report() == "3 filas válidas, 0 rechazadas"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(to_semicolons(VALID), id="semicolon-crlf-str"),
        pytest.param(to_semicolons(VALID).encode("utf-8"), id="semicolon-bytes"),
        pytest.param(b"\xef\xbb\xbf" + VALID.encode("utf-8"), id="bom-bytes"),
        pytest.param("\ufeff" + VALID, id="bom-str"),
        pytest.param(b"\xef\xbb\xbf" + to_semicolons(VALID).encode("utf-8"), id="bom-semicolon"),
        pytest.param(VALID.replace("\n", "\r\n"), id="crlf"),
        pytest.param(VALID.replace("\n", "\r"), id="old-mac-cr"),
        pytest.param("sep=;\n" + to_semicolons(VALID), id="excel-sep-line"),
        pytest.param(VALID.rstrip("\n"), id="no-final-newline"),
        pytest.param(bytearray(VALID.encode("utf-8")), id="bytearray"),
    ],
)
def test_valid_variants(data: bytes | str) -> None:
    result = parse(data)
    assert result.ok, result.report()
    assert result.rows == EXPECTED_ROWS
    assert result.notes == []


def test_cp1252_file_is_read_and_said() -> None:
    data = to_semicolons(VALID).encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    result = parse(data)
    assert result.ok
    assert result.rows == EXPECTED_ROWS
    assert result.encoding == "cp1252"
    assert result.delimiter == ";"
    assert len(result.notes) == 1
    note = result.notes[0]
    assert "Windows-1252" in note and "«Clúster»" in note
    assert result.report().splitlines() == [note, "3 filas válidas, 0 rechazadas"]


def test_header_is_trimmed_and_lowercased_and_order_free() -> None:
    rows = list(csv.reader(io.StringIO(VALID)))
    order = [9, 2, 0, 1, 4, 6, 7, 3, 5, 8]
    header = [f"  {rows[0][i].upper()} " for i in order]
    body = [[row[i] for i in order] for row in rows[1:]]
    out = io.StringIO()
    csv.writer(out).writerows([header, *body])
    result = parse(out.getvalue())
    assert result.ok, result.report()
    assert result.rows == EXPECTED_ROWS


def test_optional_columns_may_be_absent() -> None:
    required = [COLUMNS.index(c) for c in REQUIRED_COLUMNS]
    rows = list(csv.reader(io.StringIO(VALID)))
    out = io.StringIO()
    csv.writer(out).writerows([[row[i] for i in required] for row in rows])
    result = parse(out.getvalue())
    assert result.ok, result.report()
    assert [r.cluster_id for r in result.rows] == [r.cluster_id for r in EXPECTED_ROWS]
    assert all(r.municipio is None and r.subsector is None for r in result.rows)
    assert all(r.anio_creacion is None for r in result.rows)


def test_cells_are_trimmed_and_text_whitespace_collapsed() -> None:
    text = with_cell("nombre", "  Clúster \t de\u00a0 Software  ")
    text = with_cell("cluster_id", "  narino_turismo ", text)
    text = with_cell("entidad_gestora", " Cámara   de Comercio ", text)
    text = with_cell("anio_creacion", " 2016 ", text)
    text = with_cell("entidad_gestora_tipo", "camara comercio", text)
    result = parse(text)
    assert result.ok, result.report()
    row = result.rows[1]
    assert row.cluster_id == "narino_turismo"
    assert row.nombre == "Clúster de Software"
    assert row.entidad_gestora == "Cámara de Comercio"
    assert row.anio_creacion == 2016
    assert row.entidad_gestora_tipo == "camara_comercio"


@pytest.mark.parametrize("value", ["=1+1", "+57 300", "-x", "@SUM(A1)"])
def test_formula_like_cells_are_plain_text(value: str) -> None:
    result = parse(with_cell("nombre", value))
    assert result.ok
    assert result.rows[1].nombre == value


def test_blank_lines_and_separator_only_rows_are_skipped() -> None:
    lines = VALID.splitlines()
    text = "\n".join(["", lines[0], "", ",,,,,,,,,", lines[1], "   ", lines[2], lines[3], "", ""])
    result = parse(text)
    assert result.ok, result.report()
    assert result.rows == EXPECTED_ROWS


def test_quoted_multiline_field_keeps_line_numbers() -> None:
    lines = VALID.splitlines()
    multi = lines[1].replace(
        "Clúster de Cafés Especiales del Huila", '"Clúster de Cafés\nEspeciales\r\ndel Huila"'
    )
    bad = lines[2].replace("Servicios", "Servicio")
    text = "\n".join([lines[0], multi, bad, lines[3]]) + "\n"
    result = parse(text)
    # header = 1, multi-line row = 2..4, bad row = 5
    assert [(e.line, e.column) for e in result.errors] == [(5, "sector")]
    assert result.rows[0].nombre == "Clúster de Cafés Especiales del Huila"
    assert [r.cluster_id for r in result.rows] == ["huila_cafe", "bogota_logistica"]
    assert result.rejected == 1


# --------------------------------------------------------------------------------------------
# Bad cells: right line, right column, a message that says what is expected
# --------------------------------------------------------------------------------------------

BAD_CELLS = [
    # (column, value, code, words that the message must contain)
    ("cluster_id", "", "cluster_id_missing", ["obligatorio", "huila_cafe"]),
    ("cluster_id", "huila café", "cluster_id_invalid", ["«huila café»", "sin espacios"]),
    ("cluster_id", "a" * 41, "cluster_id_invalid", ["40 caracteres"]),
    ("cluster_id", "id/1", "cluster_id_invalid", ["guion bajo"]),
    ("nombre", "", "text_missing", ["nombre del clúster", "obligatorio"]),
    ("nombre", "   ", "text_missing", ["nombre del clúster"]),
    ("nombre", "x" * 201, "text_too_long", ["201 caracteres", "máximo es 200"]),
    ("entidad_gestora", "", "text_missing", ["entidad gestora"]),
    ("entidad_gestora", "y" * 300, "text_too_long", ["300"]),
    ("municipio", "z" * 201, "text_too_long", ["municipio"]),
    ("subsector", "w" * 201, "text_too_long", ["subsector"]),
    ("departamento", "", "department_missing", ["32 departamentos", "Bogotá D.C."]),
    ("departamento", "Cali", "department_invalid", ["«Cali»", "no es un departamento de Colombia"]),
    ("departamento", "Hulia", "department_invalid", ["¿quiso decir Huila?"]),
    ("sector", "", "choice_missing", ["servicios, agroindustria o manufactura"]),
    (
        "sector",
        "turismo",
        "choice_invalid",
        ["«turismo»", "servicios, agroindustria o manufactura"],
    ),
    ("entidad_gestora_tipo", "Cámara de Comercio", "choice_invalid", ["entidad_cluster u otra"]),
    ("entidad_gestora_tipo", "", "choice_missing", ["camara_comercio, gobierno"]),
    ("estado", "activo", "choice_invalid", ["«activo»", "activa o inactiva"]),
    ("estado", "", "choice_missing", ["activa o inactiva"]),
    ("anio_creacion", "dos mil", "year_invalid", ["cuatro cifras"]),
    ("anio_creacion", "2015.5", "year_invalid", ["«2015.5»"]),
    ("anio_creacion", "99999999999999999999", "year_invalid", ["no es un año"]),
    ("anio_creacion", "1949", "year_range", ["entre 1950 y 2024"]),
    ("anio_creacion", "2025", "year_range", ["2025", "entre 1950 y 2024"]),
]


@pytest.mark.parametrize(("column", "value", "code", "words"), BAD_CELLS)
def test_bad_cell(column: str, value: str, code: str, words: list[str]) -> None:
    result = parse(with_cell(column, value))
    assert not result.ok
    assert [(e.line, e.column, e.code) for e in result.errors] == [(3, column, code)]
    message = result.errors[0].message
    for word in words:
        assert word in message, message
    assert "\n" not in message
    assert [r.cluster_id for r in result.rows] == ["huila_cafe", "bogota_logistica"]
    assert result.rejected == 1
    assert result.report().endswith("2 filas válidas, 1 rechazada")


def test_sector_message_wording() -> None:
    result = parse(with_cell("sector", "Servicio"))
    assert result.errors[0].message == (
        "sector «Servicio» no es válido; use servicios, agroindustria o manufactura"
    )


def test_current_year_defaults_to_today() -> None:
    from datetime import date

    this_year = date.today().year
    assert parse_registry_csv(with_cell("anio_creacion", str(this_year))).ok
    assert not parse_registry_csv(with_cell("anio_creacion", str(this_year + 1))).ok


def test_all_errors_of_a_row_are_reported() -> None:
    text = with_cell("sector", "x")
    text = with_cell("estado", "y", text)
    text = with_cell("departamento", "z", text)
    result = parse(text)
    assert [(e.line, e.column) for e in result.errors] == [
        (3, "departamento"),
        (3, "sector"),
        (3, "estado"),
    ]
    assert result.rejected == 1


def test_long_values_are_shortened_in_messages() -> None:
    result = parse(with_cell("sector", "s" * 500 + "\nmore"))
    message = result.errors[0].message
    assert "…" in message and len(message) < 150 and "\n" not in message


@pytest.mark.parametrize(
    ("extra", "found"),
    [(",extra", 11), ("", 10)],
)
def test_wrong_field_count(extra: str, found: int) -> None:
    lines = VALID.splitlines()
    if extra:
        lines[2] += extra
    else:
        lines[2] = lines[2].rsplit(",", 1)[0]
        found = 9
    result = parse("\n".join(lines))
    assert [(e.line, e.column, e.code) for e in result.errors] == [(3, None, "field_count")]
    assert f"tiene {found} campos y el encabezado tiene 10" in result.errors[0].message
    assert len(result.rows) == 2


def test_unclosed_quote_is_reported_with_lines() -> None:
    lines = VALID.splitlines()
    lines[2] = lines[2].replace("Clúster Turismo", '"Clúster Turismo')
    result = parse("\n".join(lines) + "\n")
    assert [(e.line, e.code) for e in result.errors] == [(3, "field_count")]
    assert "comillas" in result.errors[0].message
    assert "línea 3 a la 4" in result.errors[0].message
    assert [r.cluster_id for r in result.rows] == ["huila_cafe"]


def test_unnamed_columns_are_ignored_unless_used() -> None:
    lines = VALID.splitlines()
    text = "\n".join([lines[0] + ",", lines[1] + ",", lines[2] + ",oops", lines[3] + ","])
    result = parse(text)
    assert [(e.line, e.column, e.code) for e in result.errors] == [(3, None, "unnamed_column")]
    assert "columna 11" in result.errors[0].message
    assert len(result.rows) == 2


# --------------------------------------------------------------------------------------------
# Header
# --------------------------------------------------------------------------------------------


def test_missing_required_columns() -> None:
    rows = list(csv.reader(io.StringIO(VALID)))
    keep = [i for i, c in enumerate(COLUMNS) if c not in ("sector", "estado")]
    out = io.StringIO()
    csv.writer(out).writerows([[row[i] for i in keep] for row in rows])
    result = parse(out.getvalue())
    assert [(e.line, e.column, e.code) for e in result.errors] == [
        (1, "sector", "missing_column"),
        (1, "estado", "missing_column"),
    ]
    assert "«sector»" in result.errors[0].message
    assert result.rows == []
    assert result.rejected == 0 and result.unchecked == 3
    assert "0 filas válidas" not in result.report()
    assert not result.ok


def test_unknown_and_repeated_columns() -> None:
    text = VALID.replace("departamento", "depto", 1).replace("estado", "nombre", 1)
    result = parse(text)
    assert [(e.line, e.column, e.code) for e in result.errors] == [
        (1, "depto", "unknown_column"),
        (1, "nombre", "duplicate_column"),
        (1, "departamento", "missing_column"),
        (1, "estado", "missing_column"),
    ]
    assert "«depto»" in result.errors[0].message
    assert result.rows == []


def test_unknown_column_suggests_the_close_one() -> None:
    result = parse(VALID.replace("anio_creacion", "año_creacion", 1))
    assert [(e.column, e.code) for e in result.errors] == [("año_creacion", "unknown_column")]
    assert "¿quiso decir anio_creacion?" in result.errors[0].message


def test_header_after_blank_lines_reports_its_own_line() -> None:
    result = parse("\n\n" + VALID.replace("sector", "sectores", 1))
    assert {e.line for e in result.errors} == {3}


def test_tab_separated_file() -> None:
    result = parse(VALID.replace(",", "\t"))
    assert result.errors[0].code == "tab_separated"
    assert result.rows == []


# --------------------------------------------------------------------------------------------
# Duplicates
# --------------------------------------------------------------------------------------------


def test_duplicate_ids_name_both_lines() -> None:
    lines = VALID.splitlines()
    dup = lines[1].replace("Neiva", "Pitalito")
    result = parse("\n".join([*lines, "", dup]))
    assert [(e.line, e.column, e.code) for e in result.errors] == [
        (6, "cluster_id", "cluster_id_duplicate")
    ]
    assert result.errors[0].message == (
        "cluster_id «huila_cafe» está repetido: ya aparece en la línea 2"
    )
    assert result.rows == EXPECTED_ROWS  # the first occurrence stays


def test_duplicate_ids_differing_in_case() -> None:
    lines = VALID.splitlines()
    result = parse("\n".join([*lines, lines[1].replace("huila_cafe", "Huila_Cafe")]))
    assert [(e.line, e.code) for e in result.errors] == [(5, "cluster_id_duplicate_case")]
    assert "línea 2" in result.errors[0].message and "«huila_cafe»" in result.errors[0].message


def test_duplicate_of_an_otherwise_invalid_row_is_still_caught() -> None:
    lines = VALID.splitlines()
    first = lines[1].replace("agroindustria", "agro")
    result = parse("\n".join([lines[0], first, lines[2], lines[1]]))
    assert [(e.line, e.code) for e in result.errors] == [
        (2, "choice_invalid"),
        (4, "cluster_id_duplicate"),
    ]


# --------------------------------------------------------------------------------------------
# Whole-file problems
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", ["", b"", "\n\n  \n", b"\xef\xbb\xbf", ";;;\n;;;", ",,\r\n  ,"])
def test_empty_file(data: bytes | str) -> None:
    result = parse(data)
    assert [(e.line, e.code) for e in result.errors] == [(1, "empty")]
    assert "cluster_id" in result.errors[0].message
    assert not result.ok


def test_header_only() -> None:
    result = parse(HEADER + "\n")
    assert [(e.line, e.code) for e in result.errors] == [(1, "no_rows")]
    assert result.report() == (
        "línea 1: el archivo solo tiene el encabezado; agregue debajo una fila por clúster\n"
        "0 filas válidas, 0 rechazadas"
    )


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00rest-of-xlsx", "excel_workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old-xls", "excel_workbook"),
        (VALID.encode("utf-16"), "utf16"),
        (b"cluster_id\x00,nombre", "binary"),
    ],
)
def test_not_a_csv(data: bytes, code: str) -> None:
    result = parse(data)
    assert [e.code for e in result.errors] == [code]
    assert result.rows == []


def test_undecodable_bytes_give_their_line() -> None:
    data = VALID.encode("utf-8").replace(b"Pasto", b"Pas\x81to")  # 0x81: not UTF-8 nor cp1252
    result = parse(data)
    assert [(e.line, e.code) for e in result.errors] == [(3, "encoding")]
    assert "0x81" in result.errors[0].message


def test_oversized_cell_stops_reading_with_an_error() -> None:
    lines = VALID.splitlines()
    huge = lines[2].replace("Clúster Turismo Nariño", '"' + "x" * 200_000 + '"')
    result = parse("\n".join([lines[0], lines[1], huge, lines[3]]))
    assert [(e.line, e.code) for e in result.errors] == [(3, "unreadable")]
    assert result.rows[:1] == EXPECTED_ROWS[:1]


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def test_report_text() -> None:
    lines = VALID.splitlines()
    text = "\n".join(
        [
            lines[0],
            lines[1],
            "",
            lines[2].replace("Servicios", "Servicio").replace("2016", "1800"),
            lines[3] + ",extra",
            lines[1],
        ]
    )
    result = parse(text)
    assert result.report() == "\n".join(
        [
            "línea 4, columna sector: sector «Servicio» no es válido; "
            "use servicios, agroindustria o manufactura",
            "línea 4, columna anio_creacion: anio_creacion 1800 está fuera de rango; "
            "debe estar entre 1950 y 2024",
            "línea 5: la fila tiene 11 campos y el encabezado tiene 10; "
            "revise que no sobren ni falten separadores «,»",
            "línea 6, columna cluster_id: cluster_id «huila_cafe» está repetido: "
            "ya aparece en la línea 2",
            "1 fila válida, 3 rechazadas",
        ]
    )
    limited = result.report(max_errors=1).splitlines()
    assert limited[1:] == ["… y 3 errores más", "1 fila válida, 3 rechazadas"]


def test_every_error_code_has_a_text() -> None:
    for template in REGISTRY_ERRORS.values():
        assert "\n" not in template


def test_row_error_and_parse_are_frozen() -> None:
    error = RowError(1, None, "x")
    with pytest.raises(AttributeError):
        error.line = 2  # type: ignore[misc]
    row = EXPECTED_ROWS[0]
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error
        row.nombre = "otro"  # type: ignore[misc]


def test_model_guards_its_invariants() -> None:
    data = EXPECTED_ROWS[0].model_dump()
    for key, bad in [
        ("departamento", "Huila "),
        ("sector", "Servicio"),
        ("cluster_id", "a b"),
        ("cluster_id", "abc\n"),
        ("nombre", ""),
        ("anio_creacion", 1900),
    ]:
        with pytest.raises(ValueError):
            ClusterRow(**{**data, key: bad})


# --------------------------------------------------------------------------------------------
# The shipped example
# --------------------------------------------------------------------------------------------


def test_example_registry_parses_cleanly() -> None:
    data = resources.files("bot").joinpath("examples/registro_ejemplo.csv").read_bytes()
    result = parse_registry_csv(data, current_year=2021)
    assert result.ok, result.report()
    assert result.encoding == "utf-8"
    rows = result.rows
    assert len(rows) == 12
    assert {r.sector for r in rows} == set(SECTORS)
    assert len({r.departamento for r in rows}) >= 8
    assert sum(r.entidad_gestora_tipo == "camara_comercio" for r in rows) > len(rows) / 2
    assert [r.estado for r in rows].count("inactiva") == 1
    assert len({r.cluster_id for r in rows}) == 12


# --------------------------------------------------------------------------------------------
# Fuzzing: nothing raises, and what comes out is consistent
# --------------------------------------------------------------------------------------------


def physical_lines(text: str) -> int:
    return max(1, len(io.StringIO(text.removeprefix("\ufeff"), newline="").readlines()))


def check_consistent(result: RegistryParse, lines: int | None = None) -> None:
    assert isinstance(result.report(), str)
    assert result.ok == (not result.errors)
    ids = [r.cluster_id.casefold() for r in result.rows]
    assert len(ids) == len(set(ids))
    for row in result.rows:
        assert row.departamento in DEPARTMENTS
    for error in result.errors:
        assert error.line >= 1
        assert "\n" not in error.message and "\r" not in error.message
        if lines is not None:
            assert error.line <= lines + 1


CSVISH_PIECES = [
    *[",", ";", '"', "\n", "\r", " ", "\t", "\ufeff", "\x00", "á", "ñ", "=", "-", "x", "1", "9"],
    *COLUMNS,
    *SECTORS,
    *["Huila", "bogota", "activa", "camara_comercio", "2015", "sep=;"],
]
CSVISH = st.lists(
    st.sampled_from(CSVISH_PIECES),
    max_size=80,
).map("".join)


@FAST
@given(st.text(max_size=400))
def test_fuzz_text_never_raises(text: str) -> None:
    check_consistent(parse(text), physical_lines(text))


@FAST
@given(st.binary(max_size=400))
def test_fuzz_bytes_never_raises(data: bytes) -> None:
    check_consistent(parse(data))


@FAST
@given(CSVISH)
def test_fuzz_csvish_text_never_raises(text: str) -> None:
    check_consistent(parse(text), physical_lines(text))
    check_consistent(parse(HEADER + "\n" + text), physical_lines(HEADER + "\n" + text))


@FAST
@given(CSVISH)
def test_fuzz_csvish_bytes_never_raises(text: str) -> None:
    for encoding in ("utf-8", "cp1252", "utf-16-le"):
        check_consistent(parse((HEADER + "\n" + text).encode(encoding, errors="replace")))


CELL_TEXT = (
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
        min_size=1,
        max_size=30,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)

VALID_ROW = st.builds(
    ClusterRow,
    cluster_id=st.from_regex(r"[A-Za-z0-9_-]{1,40}", fullmatch=True),
    nombre=CELL_TEXT,
    departamento=st.sampled_from(DEPARTMENTS),
    municipio=st.none() | CELL_TEXT,
    sector=st.sampled_from(SECTORS),
    subsector=st.none() | CELL_TEXT,
    entidad_gestora=CELL_TEXT,
    entidad_gestora_tipo=st.sampled_from(MANAGER_TYPES),
    anio_creacion=st.none() | st.integers(1950, YEAR),
    estado=st.sampled_from(STATES),
)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@FAST
@given(
    st.lists(VALID_ROW, min_size=1, max_size=6, unique_by=lambda r: r.cluster_id.casefold()),
    st.sampled_from([",", ";"]),
    st.sampled_from(["\n", "\r\n"]),
    st.sampled_from(["utf-8", "utf-8-sig", "cp1252", None]),
)
def test_round_trip_of_valid_rows(
    rows: list[ClusterRow], delimiter: str, newline: str, encoding: str | None
) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row.model_dump().values()])
    text = out.getvalue()
    if encoding is None:
        data: bytes | str = text
    else:
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            return
        if encoding == "cp1252" and _is_utf8(data):
            return  # cp1252 bytes that happen to be valid UTF-8 (mojibake): read as UTF-8
    result = parse(data)
    assert result.ok, result.report()
    assert result.rows == rows
    assert result.delimiter == delimiter
