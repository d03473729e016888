"""Parsing of what a cluster manager types on a phone into typed answer values.

Pure functions: no I/O, no Telegram. Every parsing function either returns a value of the
documented type or raises :class:`AnswerError`, whose ``code`` is a key of
``bot.texts.ANSWER_ERRORS`` (the Spanish message shown to the manager). Nothing else is raised
for any input string.

Numbers (methodology §1): Colombians write ``457.000.000.000``, ``1.234,5``, ``1,5`` (``.`` groups
thousands, ``,`` is the decimal sign), or plain ``457000000000``; phone keyboards and US habits
give ``1,234.5`` and ``12.5``. :func:`number_readings` lists every reading that is well-formed in
either convention (Colombian first); :func:`parse_number` keeps the readings that are valid for the
question and, when two different ones survive, returns :class:`Ambiguous` so that the engine asks
which one is meant: an ambiguous number is confirmed, never guessed.

Decisions on the open points:

- **Grouping** must be well-formed: groups of exactly 3 digits after a first group of 1-3 digits
  that does not start with 0. ``12.5`` and ``1.2345`` therefore have only the US reading;
  ``1.23.456`` is no number; ``0.500`` is only one half. Spaces may group thousands by 3 digits
  (``1 234 567``).
- **Implausible readings**: for ``integer`` and ``money``, a decimal reading whose fraction is all
  zeros (``1.000`` read as one), or a US reading whose fraction ends in 0 (``412.500 millones``
  read as 412,5 millones: nobody writes that zero), is dropped when the text has another reading,
  so ``1.000`` and ``1,000`` are both one thousand and ``$412.500 millones`` is 412.500.000.000.
  If it is the only reading (``25,00``, ``$2.500,00``) it is kept.
- **Units of a count**: an ``integer`` may be followed by its noun (``82 empresas``,
  ``12 reuniones``: ``COUNT_UNITS``); any other word still makes the text not a number.
- **Ambiguity**: several distinct readings that pass the type and bounds checks give
  ``Ambiguous(candidates)`` in preference order (Colombian reading first), e.g. money
  ``1.234 millones`` = 1.234.000.000 or 1.234.000. Bounds often settle it: ``1.234`` as a percent is
  1,234 % since the other reading, 1234, is out of 0..100.
- **Percent** values are returned exactly as typed (a normalized ``Decimal``, no rounding), always
  within 0..100; the ``%`` sign or ``por ciento`` is optional. Rounding would change a value such as
  ``1.234`` (1,234 %) into something the manager did not type; display code rounds when it formats.
- **Integer and money** refuse negative numbers (``negative``) unless a ``minimum`` is given.
- **Multipliers** (case- and accent-insensitive, after the number): ``mil`` 10^3, ``millón`` /
  ``millon`` / ``millones`` 10^6, ``mil millones`` 10^9, ``billón`` / ``billones`` 10^12 (long
  scale, as in Colombia). ``un millón`` / ``un billón``, and ``mil`` / ``mil millones`` alone, are
  accepted. Abbreviations such as ``M``, ``MM`` or ``K`` are *not*: in Colombia ``M`` may mean
  thousands or millions, so guessing would be unsafe.
- **Currency and percent marks** ignored: a leading or trailing ``$``, ``COP``, ``pesos``,
  ``de pesos``, ``pesos colombianos``, ``m/cte``; ``%``, ``por ciento``. Any other word (``USD``,
  ``aprox.``, ``más de``) makes the text not a number.
- **Rejected**: exponents (``1e9``), ``NaN`` / ``Infinity``, repeated signs (``--5``), digits other
  than ASCII 0-9 (full-width ``１２``, Arabic-Indic ``١٢``), numbers of more than 30 digits, and
  number texts longer than 64 characters (``number_too_long``).
- **Years**: exactly four ASCII digits (an optional ``año`` before), no separators, no multipliers.
- **Not available** (:func:`is_not_available`): ``n/d``, ``nd``, ``N.D.``, ``no disponible``,
  ``no sé`` / ``no se`` / ``no lo sé``, ``no sabe``, ``ns/nr``, ``sin dato(s)``,
  ``sin información``, ``no hay dato(s)``, ``no tengo / no tenemos el (ese) dato``,
  ``desconocido``. *Not* accepted: ``no aplica``, ``n/a``, ``na``, ``-``, ``0``, ``ninguno``: they
  may mean zero or "not relevant", which the questionnaire handles by its own rules, so the engine
  should ask again rather than store n/d. The engine must call :func:`is_not_available` before
  :func:`parse_yesno` on questions that accept n/d (``no sé`` is never a "no").
"""

from __future__ import annotations

import decimal
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from babel.numbers import NumberFormatError, format_currency, format_decimal, parse_decimal

from bot.texts import ANSWER_ERRORS

__all__ = [
    "Ambiguous",
    "AnswerError",
    "NumberKind",
    "format_cop",
    "format_cop_words",
    "format_number",
    "is_not_available",
    "number_readings",
    "number_words",
    "parse_number",
    "parse_text",
    "parse_yesno",
]

LOCALE = "es_CO"
"""Babel locale of the Colombian reading and of all formatting (decimal ``,``, group ``.``)."""
ALT_LOCALE = "en_US"
"""Babel locale of the alternative reading (decimal ``.``, group ``,``)."""

MAX_NUMBER_TEXT = 64
"""Longest text (after trimming) that number parsing looks at."""
MAX_DIGITS = 30
"""Most digits a number may have (10^30 pesos is already absurd)."""

NumberKind = Literal["integer", "money", "percent", "year"]
# Nouns a count may be typed with ("82 empresas"): read as the number alone, for integers only.
COUNT_UNITS = frozenset(
    {
        "empresa", "empresas", "firma", "firmas", "persona", "personas", "empleo", "empleos",
        "empleado", "empleados", "trabajador", "trabajadores", "proyecto", "proyectos",
        "reunion", "reuniones", "vez", "veces", "entidad", "entidades", "actor", "actores",
        "universidad", "universidades", "organizacion", "organizaciones",
    }
)  # fmt: skip
_KINDS = ("integer", "money", "percent", "year")


class AnswerError(ValueError):
    """A manager's input that cannot be accepted.

    ``.code`` is a key of ``ANSWER_ERRORS``; ``.params`` fill its placeholders.
    """

    code: str
    params: dict[str, str]

    def __init__(self, code: str, **params: object) -> None:
        if code not in ANSWER_ERRORS:
            raise KeyError(f"unknown answer error code {code!r}")
        self.code = code
        self.params = {key: str(value) for key, value in params.items()}
        super().__init__(code)

    @property
    def message(self) -> str:
        """The formatted Spanish sentence for the manager."""
        return ANSWER_ERRORS[self.code].format(**self.params)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class Ambiguous:
    """Two readings are both valid for this question: the engine must ask which one."""

    candidates: tuple[int | Decimal, ...]
    """In preference order (Colombian reading first); at least two, all distinct."""


# --------------------------------------------------------------------------------------------
# Text normalization
# --------------------------------------------------------------------------------------------

_SPACES_RE = re.compile(r"[\s\u00a0\u2007\u2009\u200a\u202f\u205f\u3000]+")
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2012": "-", "\ufe63": "-"})


def _fold(text: str) -> str:
    """Lower-case, strip accents, unify minus signs and spaces, collapse whitespace, trim."""
    text = text.translate(_MINUS_SIGNS).casefold()
    text = "".join(
        ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn"
    )
    return _SPACES_RE.sub(" ", text).strip()


# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------

_MULTIPLIERS = {
    "mil": Decimal(10) ** 3,
    "millon": Decimal(10) ** 6,
    "millones": Decimal(10) ** 6,
    "mil millones": Decimal(10) ** 9,
    "billon": Decimal(10) ** 12,
    "billones": Decimal(10) ** 12,
}

_NUMBER_RE = re.compile(
    r"""
    (?P<sign>[-+])?\ ?
    (?:(?:cop|col)?\ ?\$\ ?|cop\ ?)?            # currency before the number
    (?P<sign2>[-+])?\ ?
    (?:
        (?P<digits>[0-9.,]+(?:\ [0-9.,]+)*)      # the number, maybe grouped with spaces
      | (?P<one>una?)\                           # "un millón"
    )?
    \ ?(?P<mult>mil\ millones|millones|millon|mil|billones|billon)?
    (?:\ ?(?:%|por\ ?ciento|(?:de\ )?pesos?(?:\ colombianos)?|cop|\$|m\ ?/\ ?cte|mcte))?
    (?:\ (?P<unit>[a-z]+))?                     # a count's noun: "82 empresas"
    """,
    re.VERBOSE,
)
_SPACE_GROUPED_RE = re.compile(r"[0-9]{1,3}(?: [0-9]{3})+(?:[.,][0-9]+)?")


def _well_formed_re(group: str, decimal_sign: str) -> re.Pattern[str]:
    g, d = re.escape(group), re.escape(decimal_sign)
    return re.compile(rf"(?:[0-9]+|[1-9][0-9]{{0,2}}(?:{g}[0-9]{{3}})+)?(?:{d}[0-9]+)?")


# (Babel locale, group sign, decimal sign, well-formedness pattern), Colombian first.
_CONVENTIONS = (
    (LOCALE, ".", ",", _well_formed_re(".", ",")),
    (ALT_LOCALE, ",", ".", _well_formed_re(",", ".")),
)


@dataclass(frozen=True)
class _Reading:
    value: Decimal
    # Read with a fraction of zeros ("1.000" as one), or the US reading with a fraction that
    # ends in 0 ("412.500" as 412,5: nobody writes that zero): for counts and money such a
    # reading gives way to another one (the Colombian reading is never the one dropped for it).
    zero_fraction: bool


def _wide_context(digits: int = 0) -> decimal.Context:
    """A decimal context exact enough for our numbers (the default one rounds to 28 digits)."""
    return decimal.Context(prec=max(100, digits + 20), Emax=10**6, Emin=-(10**6))


def _canonical(value: Decimal) -> Decimal:
    """Same value, tidy form: integers without exponent or fraction, others without trailing 0s."""
    if value.is_zero():
        return Decimal(0)
    ctx = _wide_context(len(value.as_tuple().digits))
    if value == value.to_integral_value(context=ctx):
        return value.quantize(Decimal(1), context=ctx)
    return value.normalize(context=ctx)


def _readings(text: str, *, allow_unit: bool = False) -> list[_Reading]:
    """All readings of a number text, Colombian first, deduplicated; AnswerError if none."""
    if not isinstance(text, str):
        raise AnswerError("not_a_number")
    stripped = text.strip()
    if len(stripped) > MAX_NUMBER_TEXT:
        raise AnswerError("number_too_long")
    folded = _fold(stripped).rstrip(".!").rstrip()
    match = _NUMBER_RE.fullmatch(folded)
    if match is None or (match["sign"] and match["sign2"]):
        raise AnswerError("not_a_number")
    if match["unit"] is not None and (match["unit"] not in COUNT_UNITS or not allow_unit):
        raise AnswerError("not_a_number")
    negative = (match["sign"] or match["sign2"]) == "-"
    mult_word = match["mult"]
    multiplier = _MULTIPLIERS[mult_word] if mult_word else Decimal(1)
    digits = match["digits"]

    if digits is None:
        # "un millón", "mil", "mil millones": the multiplier alone means one of it.
        if mult_word is None or (match["one"] is None and mult_word not in ("mil", "mil millones")):
            raise AnswerError("not_a_number")
        base = [_Reading(Decimal(1), zero_fraction=False)]
    else:
        if " " in digits:
            if not _SPACE_GROUPED_RE.fullmatch(digits):
                raise AnswerError("not_a_number")
            digits = digits.replace(" ", "")
        if sum(ch.isdigit() for ch in digits) > MAX_DIGITS:
            raise AnswerError("number_too_long")
        base = []
        for locale, _group, decimal_sign, pattern in _CONVENTIONS:
            if not pattern.fullmatch(digits) or not any(ch.isdigit() for ch in digits):
                continue
            try:
                with decimal.localcontext(_wide_context(len(digits))):
                    value = parse_decimal(digits, locale=locale, strict=True)
            except (NumberFormatError, decimal.DecimalException, ValueError):
                continue  # Babel disagrees with our grammar: do not offer this reading
            if not value.is_finite():
                continue
            fraction = digits.rpartition(decimal_sign)[2] if decimal_sign in digits else ""
            # All zeros in either convention; a trailing 0 in the US one ("412.500" as 412,5).
            trailing = set(fraction) == {"0"} or (locale == ALT_LOCALE and fraction.endswith("0"))
            base.append(_Reading(value, zero_fraction=bool(fraction) and trailing))

    readings: list[_Reading] = []
    for reading in base:
        value = reading.value
        if negative:
            value = -value
        value = _canonical(value.fma(multiplier, 0, context=_wide_context(len(digits or ""))))
        if all(value != other.value for other in readings):
            readings.append(_Reading(value, reading.zero_fraction))
    if not readings:
        raise AnswerError("not_a_number")
    return readings


def number_readings(text: str) -> list[Decimal]:
    """All plausible numeric readings of ``text``, Colombian reading first, deduplicated.

    ``'1.234'`` gives ``[1234, 1.234]``; ``'1,5 millones'`` gives ``[1500000]``; ``'12.5'`` gives
    ``[12.5]``. Raises ``AnswerError('not_a_number')`` (or ``'number_too_long'``) if there is none.
    """
    return [reading.value for reading in _readings(text)]


def _to_decimal(value: int | float | Decimal) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def _format_bound(value: Decimal) -> str:
    exponent = _canonical(value).as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return format_number(value, decimals)


_FORMAT_ERRORS = {"integer": "integer_format", "money": "money_format", "percent": "percent_format"}
_FRACTION_ERRORS = {"integer": "not_integer", "money": "money_decimals"}
_YEAR_RE = re.compile(r"(?:ano:? ?)?([1-9][0-9]{3})")


def _parse_year(text: str, minimum: Decimal | None, maximum: Decimal | None) -> int:
    folded = _fold(text).rstrip(".!").rstrip() if isinstance(text, str) else ""
    match = _YEAR_RE.fullmatch(folded) if len(folded) <= MAX_NUMBER_TEXT else None
    if match is None:
        raise AnswerError("year_format")
    year = int(match[1])
    if minimum is not None and maximum is not None:
        if not minimum <= year <= maximum:
            raise AnswerError("year_range", min=int(minimum), max=int(maximum))
    elif minimum is not None and year < minimum:
        raise AnswerError("year_min", min=int(minimum))
    elif maximum is not None and year > maximum:
        raise AnswerError("year_max", max=int(maximum))
    return year


def parse_number(
    text: str,
    kind: NumberKind,
    *,
    minimum: Decimal | int | None = None,
    maximum: Decimal | int | None = None,
) -> int | Decimal | Ambiguous:
    """Parse a number answer of the given kind.

    ``integer``, ``money`` and ``year`` give an ``int``; ``percent`` gives a ``Decimal`` in 0..100.
    ``minimum`` / ``maximum`` are inclusive bounds; without ``minimum``, ``integer`` and ``money``
    refuse negative numbers. When several readings are valid, returns :class:`Ambiguous`.
    """
    if kind not in _KINDS:
        raise ValueError(f"unknown number kind {kind!r}")
    lo = None if minimum is None else _to_decimal(minimum)
    hi = None if maximum is None else _to_decimal(maximum)
    if kind == "year":
        return _parse_year(text, lo, hi)

    try:
        readings = _readings(text, allow_unit=kind == "integer")
    except AnswerError as exc:
        if exc.code == "not_a_number":
            raise AnswerError(_FORMAT_ERRORS[kind]) from None
        raise
    if kind in ("integer", "money"):
        readings = [r for r in readings if not r.zero_fraction] or readings

    valid: list[int | Decimal] = []
    best_error: tuple[int, AnswerError] | None = None  # (stage reached, error)
    for reading in readings:
        value = reading.value
        stage, error = 0, None
        if kind != "percent" and value != value.to_integral_value(context=_wide_context()):
            stage, error = 1, AnswerError(_FRACTION_ERRORS[kind])
        elif kind == "percent" and not 0 <= value <= 100:
            stage, error = 3, AnswerError("percent_range")
        elif kind != "percent" and value < 0 and (lo is None or (lo == 0 and hi is None)):
            stage, error = 2, AnswerError("negative")
        elif lo is not None and hi is not None and not lo <= value <= hi:
            stage, error = (
                4,
                AnswerError("out_of_range", min=_format_bound(lo), max=_format_bound(hi)),
            )
        elif lo is not None and value < lo:
            stage, error = 4, AnswerError("below_min", min=_format_bound(lo))
        elif hi is not None and value > hi:
            stage, error = 4, AnswerError("above_max", max=_format_bound(hi))
        if error is not None:
            if best_error is None or stage > best_error[0]:
                best_error = (stage, error)
            continue
        result: int | Decimal = value if kind == "percent" else int(value)
        if result not in valid:
            valid.append(result)

    if len(valid) == 1:
        return valid[0]
    if valid:
        return Ambiguous(tuple(valid))
    assert best_error is not None
    raise best_error[1]


# --------------------------------------------------------------------------------------------
# Yes / no, not available, text
# --------------------------------------------------------------------------------------------

_YES = frozenset(
    {
        "si", "s", "sip", "yes", "y", "1", "verdadero", "claro", "claro que si", "si claro",
        "si senor", "si senora", "afirmativo", "correcto", "cierto", "asi es", "efectivamente",
        "por supuesto",
    }
)  # fmt: skip
_NO = frozenset(
    {
        "no", "n", "nop", "0", "falso", "negativo", "no senor", "no senora", "para nada",
        "claro que no",
    }
)  # fmt: skip
_YES_EMOJI = frozenset({"👍", "✅", "✔", "✔️"})
_NO_EMOJI = frozenset({"👎", "❌", "✖", "✖️"})
_PUNCTUATION_RE = re.compile(r"[^\w\s]+|_+")


def _words(text: str) -> str:
    """Folded text with punctuation turned into spaces: '¡Sí, claro!' -> 'si claro'."""
    return " ".join(_PUNCTUATION_RE.sub(" ", _fold(text)).split())


def parse_yesno(text: str) -> bool:
    """Sí / no answers: 'sí', 'Si.', 's', 'claro', '1' -> True; 'NO!', 'n', '0', 'falso' -> False.

    The whole answer must be one of the known words or phrases ('no sé' is not a 'no').
    """
    if not isinstance(text, str) or len(text) > MAX_NUMBER_TEXT:
        raise AnswerError("yesno")
    if text.strip() in _YES_EMOJI:
        return True
    if text.strip() in _NO_EMOJI:
        return False
    words = _words(text)
    if words in _YES:
        return True
    if words in _NO:
        return False
    raise AnswerError("yesno")


_NOT_AVAILABLE_COMPACT = frozenset({"nd", "nsnr"})  # "n/d", "N.D.", "n d", "ns/nr", "NS-NR"
_NOT_AVAILABLE_PHRASES = frozenset(
    {
        "no disponible", "no esta disponible", "dato no disponible", "informacion no disponible",
        "no se", "no lo se", "no sabemos", "no sabe", "no sabe no responde", "no sabe no responda",
        "sin dato", "sin datos", "sin informacion", "no hay dato", "no hay datos",
        "no hay informacion", "no tengo el dato", "no tengo ese dato", "no tenemos el dato",
        "no tenemos ese dato", "no tengo la informacion", "no tenemos la informacion",
        "desconocido", "se desconoce",
    }
)  # fmt: skip


def is_not_available(text: str) -> bool:
    """True when the manager says the figure is not available ('n/d', 'no disponible', 'no sé'...).

    See the module docstring for the accepted words and why 'no aplica' / 'n/a' are not among them.
    """
    if not isinstance(text, str) or len(text) > MAX_NUMBER_TEXT:
        return False
    words = _words(text)
    return words in _NOT_AVAILABLE_PHRASES or words.replace(" ", "") in _NOT_AVAILABLE_COMPACT


def parse_text(text: str, *, max_length: int) -> str:
    """Free text: trimmed; empty -> AnswerError('empty'); longer than max_length -> 'too_long'."""
    stripped = text.strip() if isinstance(text, str) else ""
    if not stripped:
        raise AnswerError("empty")
    if len(stripped) > max_length:
        raise AnswerError("too_long", max=format_number(max_length))
    return stripped


# --------------------------------------------------------------------------------------------
# Formatting (Colombian conventions, through Babel)
# --------------------------------------------------------------------------------------------


def _rounded(value: int | float | Decimal, decimals: int) -> Decimal:
    number = _to_decimal(value)
    if not number.is_finite():
        raise ValueError(f"cannot format {value!r}")
    digits = max(number.adjusted(), 0) + decimals + 5
    rounded = number.quantize(
        Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP, context=_wide_context(digits)
    )
    return rounded.copy_abs() if rounded.is_zero() else rounded  # never "-0"


def format_number(value: int | float | Decimal, decimals: int = 0) -> str:
    """Colombian formatting with exactly ``decimals`` decimals, rounded half up.

    ``457000000000`` -> ``'457.000.000.000'``; ``(1234.5, 1)`` -> ``'1.234,5'``.
    """
    if decimals < 0:
        raise ValueError("decimals must be >= 0")
    rounded = _rounded(value, decimals)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    with decimal.localcontext(_wide_context(len(rounded.as_tuple().digits))):
        return format_decimal(rounded, format=pattern, locale=LOCALE)


def format_cop(value: int | Decimal) -> str:
    """Pesos, no cents: ``457000000000`` -> ``'$457.000.000.000'``; negative -> ``'-$1.000'``."""
    rounded = _rounded(value, 0)
    with decimal.localcontext(_wide_context(len(rounded.as_tuple().digits))):
        return format_currency(
            rounded, "COP", format="¤#,##0", currency_digits=False, locale=LOCALE
        )


# (size, singular, plural), largest first. 10^9 is "mil millones" and 10^12 "billón" in Colombia.
_WORD_SCALES = (
    (Decimal(10) ** 12, "billón", "billones"),
    (Decimal(10) ** 9, "mil millones", "mil millones"),
    (Decimal(10) ** 6, "millón", "millones"),
)


def number_words(value: int | float | Decimal) -> str | None:
    """A large figure in words, to echo what was understood: ``457000000000`` ->
    ``'457 mil millones'``; ``1_500_000`` -> ``'1,5 millones'``; under a million: None."""
    if isinstance(value, bool) or abs(_to_decimal(value)) < Decimal(10) ** 6:
        return None
    return format_cop_words(int(value)).removesuffix(" de pesos")


def format_cop_words(value: int | Decimal) -> str:
    """Readable big amounts for summaries, with at most one decimal.

    ``457000000000`` -> ``'457 mil millones de pesos'``; ``1.5e12`` -> ``'1,5 billones de pesos'``;
    ``2300000`` -> ``'2,3 millones de pesos'``; ``10**9`` -> ``'mil millones de pesos'``;
    below one million the full amount: ``'457.000 pesos'``.
    """
    amount = _rounded(value, 0)
    sign = "-" if amount < 0 else ""
    amount = amount.copy_abs()
    for index, (size, singular, plural) in enumerate(_WORD_SCALES):
        if amount < size:
            continue
        scaled = _rounded(_wide_context(len(amount.as_tuple().digits)).divide(amount, size), 1)
        if scaled >= 1000 and index > 0:
            # Rounding reached the next scale (999.960.000 -> 1.000 millones): use that one.
            size, singular, plural = _WORD_SCALES[index - 1]
            scaled = _rounded(amount / size, 1)
        decimals = 0 if scaled == scaled.to_integral_value() else 1
        if scaled == 1:
            words = "mil millones" if singular == "mil millones" else f"1 {singular}"
        else:
            words = f"{format_number(scaled, decimals)} {plural}"
        return f"{sign}{words} de pesos"
    return f"{sign}{format_number(amount)} {'peso' if amount == 1 else 'pesos'}"
