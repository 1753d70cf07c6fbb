"""The quantities a report states (25%, 250 lb, US$1.5 billion), in canonical units.

Two reports of one seizure or one decree agree on their figures; 25% vs 30% or 250 lb vs
300 lb are two happenings, whatever their words share.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

from briefings.stories.folding import fold


@dataclass(frozen=True, slots=True, order=True)
class Quantity:
    """A value in a canonical unit: 'pct', 'lb', 'usd', 'mxn', 'day', 'ton', 'pills' or ''."""

    unit: str
    value: float


_SCALES = {
    "thousand": 1e3, "mil": 1e3, "million": 1e6, "millon": 1e6, "millones": 1e6,
    "billion": 1e9, "bn": 1e9, "mdd": 1e6, "mdp": 1e6,
}  # fmt: skip
# Unit words after a number, folded; value multiplier converts into the canonical unit.
_UNITS: dict[str, tuple[str, float]] = {
    "%": ("pct", 1), "percent": ("pct", 1), "per cent": ("pct", 1), "por ciento": ("pct", 1),
    "pct": ("pct", 1), "porciento": ("pct", 1),
    "lb": ("lb", 1), "lbs": ("lb", 1), "pound": ("lb", 1), "pounds": ("lb", 1),
    "libra": ("lb", 1), "libras": ("lb", 1),
    "kg": ("lb", 2.20462), "kilo": ("lb", 2.20462), "kilos": ("lb", 2.20462),
    "kilogram": ("lb", 2.20462), "kilograms": ("lb", 2.20462),
    "kilogramo": ("lb", 2.20462), "kilogramos": ("lb", 2.20462),
    "ton": ("ton", 1), "tons": ("ton", 1), "tonnes": ("ton", 1), "tonelada": ("ton", 1),
    "toneladas": ("ton", 1),
    "dollars": ("usd", 1), "dolares": ("usd", 1), "usd": ("usd", 1), "mdd": ("usd", 1e6),
    "pesos": ("mxn", 1), "mdp": ("mxn", 1e6),
    "day": ("day", 1), "days": ("day", 1), "dia": ("day", 1), "dias": ("day", 1),
    "pills": ("pills", 1), "pastillas": ("pills", 1), "pildoras": ("pills", 1),
}  # fmt: skip
_NUM = r"\d{1,3}(?:[.,\s]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_QTY_RE = re.compile(
    r"(?P<cur>(?:us)?\$|mxn\s?\$?)?\s?(?P<num>" + _NUM + r")"
    r"(?:\s?-?\s?(?P<scale>thousand|million(?:es)?|millon(?:es)?|billion|bn|mil millones|mil)\b)?"
    r"(?:\s?-?\s?(?:de\s)?(?P<unit>%|por\s?ciento|per\s?cent|percent|pct|lbs?|pounds?|libras?"
    r"|kgs?|kilos?|kilogram(?:o)?s?|tons?|tonnes|toneladas?|dollars|dolares|usd|mdd|pesos|mdp"
    r"|days?|dias?|pills|pastillas|pildoras)\b|(?P<pct>%))?",
)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|"
    "noviembre|diciembre|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DATE_NEAR = re.compile(
    r"(?:\b(?:" + _MONTHS + r")\.?\s*$)|(?:^\s*(?:de\s+)?(?:" + _MONTHS + r")\b)"
)


def parse_number(token: str, lang: str = "en") -> float:
    """'1,200' -> 1200, '1.200' (es) -> 1200, '1.2' -> 1.2, '1,2' -> 1.2, '3 500' -> 3500.

    A lone separator followed by exactly three digits is a thousands separator, except a
    '.' in English text; mixed separators make the last one the decimal mark.
    """
    token = token.strip().replace("\u00a0", " ")
    seps = [c for c in token if c in "., "]
    if not seps:
        return float(token)
    if len(set(seps)) > 1:
        dec = seps[-1]
        head, _, tail = token.rpartition(dec)
        head = re.sub(r"[.,\s]", "", head)
        return float(f"{head}.{tail}")
    sep = seps[0]
    parts = token.split(sep)
    if len(parts) > 2 or sep == " ":
        return float("".join(parts))
    head, tail = parts
    if len(tail) == 3 and not (sep == "." and lang == "en"):
        return float(head + tail)
    return float(f"{head}.{tail}")


def quantities(text: str, lang: str = "en", folded: str | None = None) -> frozenset[Quantity]:
    """The quantities a text states, in canonical units; years and calendar days left out
    (``folded``: ``fold(text)``, when the caller has it)."""
    folded = fold(text) if folded is None else folded
    found = (_quantity(m, folded, lang) for m in _matches(folded))
    return frozenset(q for q in found if q is not None)


_DIGIT = re.compile(r"\d")
_LEAD = 6  # most characters before a quantity's number: 'mxn $' and a space


def _matches(folded: str) -> Iterator[re.Match[str]]:
    """``_QTY_RE.finditer(folded)``, trying only where a number may start a few characters on
    (every match has one): the regex's optional lead would otherwise be tried at every
    character."""
    pos = 0
    digit = _DIGIT.search(folded)
    while digit is not None:
        at = digit.start()
        for start in range(max(pos, at - _LEAD), at + 1):
            if (m := _QTY_RE.match(folded, start)) is not None:
                yield m
                pos = m.end()
                break
        else:
            pos = at + 1  # no match starts at or before this digit
        digit = _DIGIT.search(folded, pos)


def _quantity(m: re.Match[str], folded: str, lang: str) -> Quantity | None:
    num = m.group("num")
    start, end = m.span("num")
    before = folded[start - 1] if start > 0 else " "
    if (before.isalnum() or before in "-/:") and not (
        before == "-" and start > 1 and folded[start - 2] == " "
    ):
        return None  # part of a word, a code, a range end or a time
    if end < len(folded) and folded[end].isalpha() and not (m.group("unit") or m.group("scale")):
        return None  # "3rd", "10h", "g20"
    try:
        value = parse_number(num, lang)
    except ValueError:
        return None
    scale_word = (m.group("scale") or "").replace(" ", "")
    if scale_word:
        value *= 1e9 if scale_word == "milmillones" else _SCALES.get(scale_word, 1.0)
    unit_word = m.group("unit") or m.group("pct")
    if unit_word:
        key = re.sub(r"\s+", " ", unit_word)
        key = {"porciento": "por ciento", "kgs": "kg"}.get(key, key)
        unit, mult = _UNITS.get(key, _UNITS.get(key.replace(" ", ""), ("", 1.0)))
        value *= mult
    elif m.group("cur"):
        unit = "mxn" if "mxn" in m.group("cur") else "usd"
    else:
        unit = ""
        near = folded[max(0, start - 14) : start], folded[end : end + 14]
        if _DATE_NEAR.search(near[0]) or _DATE_NEAR.search(near[1]):
            return None  # "February 20", "4 de noviembre"
        if not scale_word and value == int(value) and 1900 <= value <= 2100:
            return None  # a year
        if value < 2 or "." in num and lang == "en" and value < 10:
            return None  # "one", ordinals and small decimals carry little
    return Quantity(unit, round(value, 6))


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=0.02, abs_tol=1e-9)


def quantities_conflict(a: frozenset[Quantity], b: frozenset[Quantity]) -> bool:
    """True when both texts give a unit-bearing quantity of one kind and no value agrees.

    '25% tariff' vs '30% tariff' conflict; '250 lb' vs '113 kg' agree (113 kg ≈ 249 lb);
    bare counts never conflict (one report says 'six cartels', another counts eight groups).
    """
    units = {q.unit for q in a if q.unit} & {q.unit for q in b if q.unit}
    for unit in units:
        va = [q.value for q in a if q.unit == unit]
        vb = [q.value for q in b if q.unit == unit]
        if not any(_close(x, y) for x in va for y in vb):
            return True
    return False


# Counts and amounts belong to one happening (37 sent, 300 lb seized, US$1.5 billion); rates
# and durations (a 25% tariff, a 90-day pause) to a measure, through all its stages.
HAPPENING_UNITS = frozenset({"", "lb", "ton", "usd", "mxn", "pills"})


def quantities_shared(
    a: frozenset[Quantity], b: frozenset[Quantity], units: frozenset[str] | None = None
) -> bool:
    """True when the texts share a quantity (a unit-bearing one, or a count ≥ 10); only of
    ``units`` when given."""
    for qa in a:
        if (not qa.unit and qa.value < 10) or (units is not None and qa.unit not in units):
            continue
        for qb in b:
            if qa.unit == qb.unit and _close(qa.value, qb.value):
                return True
    return False
