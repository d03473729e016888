"""Tests of bot.questionnaire.parsing: what managers type on a phone -> typed answer values."""

from __future__ import annotations

import re
import string
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.questionnaire.parsing import (
    Ambiguous,
    AnswerError,
    format_cop,
    format_cop_words,
    format_number,
    is_not_available,
    number_readings,
    parse_number,
    parse_text,
    parse_yesno,
)
from bot.texts import ANSWER_ERRORS

D = Decimal
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Every error code seen by the tests below; checked against ANSWER_ERRORS at the end.
SEEN_CODES: set[str] = set()


def _error_code(func, *args, **kwargs) -> str:
    with pytest.raises(AnswerError) as info:
        func(*args, **kwargs)
    error = info.value
    SEEN_CODES.add(error.code)
    assert error.code in ANSWER_ERRORS
    assert error.message == ANSWER_ERRORS[error.code].format(**error.params)
    return error.code


# --------------------------------------------------------------------------------------------
# parse_number: the table of the contract
# --------------------------------------------------------------------------------------------

NO_BOUNDS: tuple[int | None, int | None] = (None, None)

# (text, kind, (minimum, maximum), expected): expected is a value, an Ambiguous, or an error code.
NUMBER_CASES = [
    # Colombian writing
    ("457.000.000.000", "money", NO_BOUNDS, 457_000_000_000),
    ("457000000000", "money", NO_BOUNDS, 457_000_000_000),
    ("$ 2.500.000", "money", NO_BOUNDS, 2_500_000),
    ("$2.500.000", "money", NO_BOUNDS, 2_500_000),
    ("COP 2.500.000 m/cte.", "money", NO_BOUNDS, 2_500_000),
    ("2.500.000 pesos", "money", NO_BOUNDS, 2_500_000),
    ("$2.500,00", "money", NO_BOUNDS, 2_500),
    ("1.234,5", "percent", NO_BOUNDS, "percent_range"),
    ("1.234,5", "money", NO_BOUNDS, "money_decimals"),
    ("1.234,5", "integer", NO_BOUNDS, "not_integer"),
    ("1,5", "percent", NO_BOUNDS, D("1.5")),
    ("1,5", "integer", NO_BOUNDS, "not_integer"),
    ("12,5", "percent", NO_BOUNDS, D("12.5")),
    ("0,5", "percent", NO_BOUNDS, D("0.5")),
    # multiplier words
    ("1,5 millones", "money", NO_BOUNDS, 1_500_000),
    ("1,5 MILLONES de pesos", "money", NO_BOUNDS, 1_500_000),
    ("457 mil millones", "money", NO_BOUNDS, 457_000_000_000),
    ("1,5 mil millones", "money", NO_BOUNDS, 1_500_000_000),
    ("2 billones", "money", NO_BOUNDS, 2_000_000_000_000),
    ("1 billón", "money", NO_BOUNDS, 10**12),
    ("3 millon", "money", NO_BOUNDS, 3_000_000),
    ("un millón", "money", NO_BOUNDS, 1_000_000),
    ("mil millones", "money", NO_BOUNDS, 10**9),
    ("500 mil", "money", NO_BOUNDS, 500_000),
    ("1.000 millones", "money", NO_BOUNDS, 10**9),
    ("1,000 millones", "money", NO_BOUNDS, 10**9),
    ("millones", "money", NO_BOUNDS, "money_format"),
    ("5 MM", "money", NO_BOUNDS, "money_format"),
    ("USD 100", "money", NO_BOUNDS, "money_format"),
    # percent
    ("25%", "percent", NO_BOUNDS, D(25)),
    ("25 %", "percent", NO_BOUNDS, D(25)),
    ("25 por ciento", "percent", NO_BOUNDS, D(25)),
    ("12.5", "percent", NO_BOUNDS, D("12.5")),
    ("100", "percent", NO_BOUNDS, D(100)),
    ("100,5", "percent", NO_BOUNDS, "percent_range"),
    ("-5%", "percent", NO_BOUNDS, "percent_range"),
    ("1.234", "percent", NO_BOUNDS, D("1.234")),  # 1.234 (thousands) is out of 0..100
    ("1,234", "percent", NO_BOUNDS, D("1.234")),
    ("12.500", "percent", NO_BOUNDS, D("12.5")),
    ("50", "percent", (None, 40), "above_max"),
    ("abc", "percent", NO_BOUNDS, "percent_format"),
    # integers (counts)
    ("25", "integer", NO_BOUNDS, 25),
    ("25.", "integer", NO_BOUNDS, 25),
    (" 25 ", "integer", NO_BOUNDS, 25),
    ("1.234", "integer", NO_BOUNDS, 1234),
    ("1,500", "integer", NO_BOUNDS, 1500),
    ("1.000", "integer", NO_BOUNDS, 1000),
    ("1,000", "integer", NO_BOUNDS, 1000),
    ("1,0", "integer", NO_BOUNDS, 1),
    ("1 234 567", "integer", NO_BOUNDS, 1_234_567),
    ("12 34", "integer", NO_BOUNDS, "integer_format"),
    ("12.5", "integer", NO_BOUNDS, "not_integer"),
    ("1.2345", "integer", NO_BOUNDS, "not_integer"),  # only the US reading 1,2345
    ("1.23.456", "integer", NO_BOUNDS, "integer_format"),
    ("0", "integer", NO_BOUNDS, 0),
    ("-0", "integer", NO_BOUNDS, 0),
    ("-5", "integer", NO_BOUNDS, "negative"),
    ("− 5", "integer", NO_BOUNDS, "negative"),  # unicode minus sign
    ("-5", "integer", (0, None), "negative"),
    ("-5", "integer", (0, 100), "out_of_range"),
    ("-5", "integer", (-10, None), -5),
    ("-5", "money", NO_BOUNDS, "negative"),
    ("150", "integer", (0, 100), "out_of_range"),
    ("5", "integer", (10, None), "below_min"),
    ("1.234", "integer", (None, 100), "above_max"),
    ("1.234 mil", "integer", NO_BOUNDS, Ambiguous((1_234_000, 1_234))),
    ("1.234 mil", "integer", (None, 10_000), 1_234),
    # ambiguity
    ("1.234 millones", "money", NO_BOUNDS, Ambiguous((1_234_000_000, 1_234_000))),
    ("1,500 millones", "money", NO_BOUNDS, Ambiguous((1_500_000, 1_500_000_000))),
    ("1.234 millones", "money", (None, 10**8), 1_234_000),
    # rejected forms
    ("", "integer", NO_BOUNDS, "integer_format"),
    ("   ", "money", NO_BOUNDS, "money_format"),
    ("1e9", "money", NO_BOUNDS, "money_format"),
    ("NaN", "percent", NO_BOUNDS, "percent_format"),
    ("Infinity", "integer", NO_BOUNDS, "integer_format"),
    ("--5", "integer", NO_BOUNDS, "integer_format"),
    ("+-5", "integer", NO_BOUNDS, "integer_format"),
    ("１２", "integer", NO_BOUNDS, "integer_format"),  # full-width digits
    ("١٢", "integer", NO_BOUNDS, "integer_format"),  # Arabic-Indic digits
    ("1..2", "integer", NO_BOUNDS, "integer_format"),
    ("0.500.000", "integer", NO_BOUNDS, "integer_format"),
    ("9" * 40, "integer", NO_BOUNDS, "number_too_long"),
    ("1" * 200, "money", NO_BOUNDS, "number_too_long"),
    # years
    ("2021", "year", (1990, 2021), 2021),
    ("año 2021", "year", (1990, 2021), 2021),
    ("1989", "year", (1990, 2021), "year_range"),
    ("2022", "year", (1990, 2021), "year_range"),
    ("1989", "year", (1990, None), "year_min"),
    ("2030", "year", (None, 2021), "year_max"),
    ("21", "year", (1990, 2021), "year_format"),
    ("2.021", "year", NO_BOUNDS, "year_format"),
    ("2 mil", "year", NO_BOUNDS, "year_format"),
    ("0999", "year", NO_BOUNDS, "year_format"),
    ("", "year", NO_BOUNDS, "year_format"),
]


@pytest.mark.parametrize(("text", "kind", "bounds", "expected"), NUMBER_CASES)
def test_parse_number_table(text, kind, bounds, expected):
    minimum, maximum = bounds
    if isinstance(expected, str):
        assert _error_code(parse_number, text, kind, minimum=minimum, maximum=maximum) == expected
        return
    result = parse_number(text, kind, minimum=minimum, maximum=maximum)
    assert result == expected
    assert type(result) is type(expected)
    if isinstance(result, Ambiguous):
        assert all(
            type(c) is type(e) for c, e in zip(result.candidates, expected.candidates, strict=True)
        )


def test_number_readings_order_and_dedup():
    assert number_readings("1.234") == [D(1234), D("1.234")]  # Colombian reading first
    assert number_readings("1,234") == [D("1.234"), D(1234)]
    assert number_readings("1.000") == [D(1000), D(1)]
    assert number_readings("457000000000") == [D(457_000_000_000)]  # one reading, not two
    assert number_readings("1.234,5") == [D("1234.5")]
    assert number_readings("1,234.5") == [D("1234.5")]
    assert number_readings("12.5") == [D("12.5")]
    assert number_readings("1,5 millones") == [D(1_500_000)]
    assert number_readings("457 MIL MILLONES") == [D(457 * 10**9)]
    assert number_readings("2 Billones") == [D(2 * 10**12)]
    assert number_readings("$ 1.234.567,89 COP") == [D("1234567.89")]
    assert _error_code(number_readings, "doce") == "not_a_number"
    assert _error_code(number_readings, "") == "not_a_number"


def test_bounds_are_formatted_the_colombian_way():
    with pytest.raises(AnswerError) as info:
        parse_number("2.000.000", "integer", minimum=0, maximum=1_000_000)
    assert info.value.params == {"min": "0", "max": "1.000.000"}
    assert info.value.message == "El valor debe estar entre 0 y 1.000.000."
    with pytest.raises(AnswerError) as info:
        parse_number("50", "percent", maximum=D("12.5"))
    assert info.value.params == {"max": "12,5"}
    with pytest.raises(AnswerError) as info:
        parse_number("1989", "year", minimum=1990, maximum=2021)
    assert info.value.params == {"min": "1990", "max": "2021"}  # years are not grouped


# --------------------------------------------------------------------------------------------
# Yes / no, n/d, text
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["sí", "Si", "SÍ.", "si", "s", "S", "yes", "y", "1", "verdadero", "claro", "¡Sí, claro!", "👍"],
)
def test_yes(text):
    assert parse_yesno(text) is True


@pytest.mark.parametrize("text", ["no", "NO!", "No.", "n", "0", "falso", "negativo", "👎"])
def test_no(text):
    assert parse_yesno(text) is False


@pytest.mark.parametrize("text", ["", "quizás", "no sé", "si no", "sino", "2", "n/d", "x" * 500])
def test_yesno_rejects(text):
    assert _error_code(parse_yesno, text) == "yesno"


@pytest.mark.parametrize(
    "text",
    ["n/d", "N/D", "nd", "ND", "N.D.", "n d", "No disponible", "no sé", "No se", "no lo sé",
     "ns/nr", "NS/NR", "sin datos", "Sin información", "no hay dato"],
)  # fmt: skip
def test_not_available(text):
    assert is_not_available(text) is True


@pytest.mark.parametrize(
    "text", ["", "no", "0", "-", "no aplica", "n/a", "NA", "ninguno", "25", "nada", "x" * 500]
)
def test_not_available_rejects(text):
    assert is_not_available(text) is False


def test_parse_text():
    assert parse_text("  Cámara de Comercio de Cali \n", max_length=100) == (
        "Cámara de Comercio de Cali"
    )
    assert parse_text("x" * 10, max_length=10) == "x" * 10
    assert _error_code(parse_text, "   \n ", max_length=10) == "empty"
    assert _error_code(parse_text, "", max_length=10) == "empty"
    assert _error_code(parse_text, "x" * 1001, max_length=1000) == "too_long"
    with pytest.raises(AnswerError) as info:
        parse_text("x" * 1001, max_length=1000)
    assert info.value.params == {"max": "1.000"}
    assert "1.000 caracteres" in info.value.message


# --------------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------------


def test_format_number():
    assert format_number(457_000_000_000) == "457.000.000.000"
    assert format_number(D("1234.5"), 1) == "1.234,5"
    assert format_number(1234.5, 1) == "1.234,5"
    assert format_number(D("12.25"), 1) == "12,3"  # half up, not Babel's default half even
    assert format_number(D("1234.5")) == "1.235"
    assert format_number(-0.04, 1) == "0,0"  # never "-0,0"
    assert format_number(-1234) == "-1.234"
    assert format_number(0) == "0"
    assert format_number(10**40) == "10" + ".000" * 13  # beyond the default 28-digit context


def test_format_cop():
    assert format_cop(457_000_000_000) == "$457.000.000.000"
    assert format_cop(D("2500.4")) == "$2.500"
    assert format_cop(0) == "$0"
    assert format_cop(-1000) == "-$1.000"


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (457_000_000_000, "457 mil millones de pesos"),
        (1_500_000_000_000, "1,5 billones de pesos"),
        (2_300_000, "2,3 millones de pesos"),
        (1_000_000, "1 millón de pesos"),
        (10**9, "mil millones de pesos"),
        (1_500_000_000, "1,5 mil millones de pesos"),
        (10**12, "1 billón de pesos"),
        (999_960_000, "mil millones de pesos"),  # rounding moves to the next scale
        (999_940_000, "999,9 millones de pesos"),
        (999_999_999_999, "1 billón de pesos"),
        (1_234_567 * 10**12, "1.234.567 billones de pesos"),
        (457_000, "457.000 pesos"),
        (1, "1 peso"),
        (0, "0 pesos"),
        (-2_300_000, "-2,3 millones de pesos"),
    ],
)
def test_format_cop_words(value, words):
    assert format_cop_words(value) == words


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

_PIECES = [
    *string.digits, *string.digits, *string.digits, ".", ",", ".", ",", " ", " ", "-", "+",
    "$", "%", "mil", "millones", "millón", "MILLON", "billones", "billón", "mil millones",
    "un ", "COP", "pesos", "de pesos", "por ciento", "e", "E", "１", "٢", "NaN", "inf", "∞",
    "\u00a0", "\u2212", "n/d", "sí", "no",
]  # fmt: skip
number_like = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)
any_text = st.one_of(st.text(), number_like)
bounds = st.one_of(st.none(), st.integers(-1000, 10**6), st.decimals(-10, 100, places=1))


def _check_value(result, kind, minimum, maximum):
    values = result.candidates if isinstance(result, Ambiguous) else (result,)
    if isinstance(result, Ambiguous):
        assert kind != "year"
        assert len(values) >= 2
        assert len(set(values)) == len(values)
    for value in values:
        if kind == "percent":
            assert type(value) is Decimal and value.is_finite() and 0 <= value <= 100
        else:
            assert type(value) is int
        if minimum is not None:
            assert value >= minimum
        if maximum is not None:
            assert value <= maximum
        if minimum is None and kind in ("integer", "money"):
            assert value >= 0


@FAST
@given(any_text, st.sampled_from(["integer", "money", "percent", "year"]), bounds, bounds)
def test_parse_number_returns_value_or_answer_error(text, kind, minimum, maximum):
    try:
        result = parse_number(text, kind, minimum=minimum, maximum=maximum)
    except AnswerError as error:
        assert error.code in ANSWER_ERRORS
        assert error.message  # formats without KeyError
        SEEN_CODES.add(error.code)
        return
    _check_value(result, kind, minimum, maximum)


@FAST
@given(any_text)
def test_number_readings_returns_decimals_or_answer_error(text):
    try:
        readings = number_readings(text)
    except AnswerError as error:
        assert error.code in ANSWER_ERRORS and error.message
        return
    assert readings
    assert all(type(r) is Decimal and r.is_finite() for r in readings)
    assert len(set(readings)) == len(readings)


@FAST
@given(any_text)
def test_text_functions_never_raise_anything_else(text):
    try:
        assert type(parse_yesno(text)) is bool
    except AnswerError as error:
        assert error.code == "yesno" and error.message
    assert type(is_not_available(text)) is bool
    try:
        assert parse_text(text, max_length=50) == text.strip()
    except AnswerError as error:
        assert error.code in ("empty", "too_long") and error.message


@FAST
@given(st.integers(-(10**18), 10**18))
def test_integer_round_trip(n):
    assert parse_number(format_number(n), "integer", minimum=-(10**18)) == n


@FAST
@given(st.integers(0, 10**18))
def test_money_round_trip(n):
    assert parse_number(format_number(n), "money") == n
    assert parse_number(format_cop(n), "money") == n


@FAST
@given(st.decimals(0, 100, places=1))
def test_percent_round_trip(x):
    assert parse_number(format_number(x, 1), "percent") == x
    assert parse_number(format_number(x, 1) + " %", "percent") == x


@FAST
@given(st.integers(0, 10**16))
def test_cop_words_read_back_close(n):
    """What the summary says in words reads back (Colombian reading) within its rounding."""
    words = format_cop_words(n)
    result = parse_number(words, "money")
    value = result.candidates[0] if isinstance(result, Ambiguous) else result
    assert abs(value - n) <= max(n * D("0.05"), 1)


@FAST
@given(st.decimals(-(10**9), 10**9, places=2), st.integers(0, 3))
def test_format_number_reads_back(x, decimals):
    text = format_number(x, decimals)
    assert re.fullmatch(r"-?[0-9]{1,3}(\.[0-9]{3})*(,[0-9]+)?", text)
    assert number_readings(text)[0] == x.quantize(D(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------------------------
# Error messages
# --------------------------------------------------------------------------------------------


def test_every_error_template_formats():
    for code, template in ANSWER_ERRORS.items():
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        message = template.format(**dict.fromkeys(names, "2.021"))
        assert message.strip() and "{" not in message, code
        assert len(message) <= 120, code  # short: read on a phone


# One input that raises each code: every template in ANSWER_ERRORS is reachable and fills in.
TRIGGERS = {
    "not_a_number": lambda: number_readings("doce"),
    "number_too_long": lambda: parse_number("9" * 65, "integer"),
    "negative": lambda: parse_number("-3", "integer"),
    "out_of_range": lambda: parse_number("150", "integer", minimum=0, maximum=100),
    "below_min": lambda: parse_number("5", "integer", minimum=10),
    "above_max": lambda: parse_number("500", "money", maximum=100),
    "integer_format": lambda: parse_number("muchas", "integer"),
    "not_integer": lambda: parse_number("2,5", "integer"),
    "money_format": lambda: parse_number("mucho", "money"),
    "money_decimals": lambda: parse_number("2.500,50", "money"),
    "percent_format": lambda: parse_number("la mitad", "percent"),
    "percent_range": lambda: parse_number("120%", "percent"),
    "year_format": lambda: parse_number("21", "year"),
    "year_range": lambda: parse_number("1989", "year", minimum=1990, maximum=2021),
    "year_min": lambda: parse_number("1989", "year", minimum=1990),
    "year_max": lambda: parse_number("2030", "year", maximum=2021),
    "yesno": lambda: parse_yesno("tal vez"),
    "empty": lambda: parse_text(" ", max_length=10),
    "too_long": lambda: parse_text("x" * 11, max_length=10),
}


def test_every_error_code_is_raised_and_formats():
    # The engine raises the other codes; tests/test_engine.py proves those reachable.
    assert set(TRIGGERS) <= set(ANSWER_ERRORS)
    for code, trigger in TRIGGERS.items():
        assert _error_code(trigger) == code


def test_seen_error_codes_are_all_known():
    # Codes collected by the tests that ran before this one (file order) all exist.
    assert set(ANSWER_ERRORS) >= SEEN_CODES


def test_answer_error_unknown_code_is_a_programming_error():
    with pytest.raises(KeyError):
        AnswerError("no_such_code")
