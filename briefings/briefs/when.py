"""What people type for a time of day and a time zone, read the way they mean it.

Pure functions: ``parse_clock`` reads ``7pm``, ``7:30 p.m.``, ``19h`` or ``19:30``;
``parse_zone`` reads an IANA name, a city as people write it (``Mexico City``, ``CDMX``,
``Bogotá``) or a UTC offset. A whole-hour offset is an ``Etc/GMT`` zone; any other offset is
stored as ``UTC-03:30``, a fixed offset no IANA zone keeps all year (America/St_Johns moves in
summer), which ``zone_info`` turns back into a ``tzinfo``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

_CLOCK = re.compile(
    r"^(\d{1,2})(?:\s*[:.h]\s*(\d{2}))?\s*(?:(h|hrs?)|([ap])\.?\s*m\.?)?$", re.IGNORECASE)
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+\-−])\s*(\d{1,2})(?:[:.]?(\d{2}))?$", re.IGNORECASE)
_FIXED = re.compile(r"^UTC([+-])(\d{2}):(\d{2})\Z")
_UTC_NAMES = frozenset({"utc", "gmt", "z", "zulu", "utc+0", "utc-0", "gmt+0", "gmt-0"})
_AREAS = frozenset({"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic",
                    "Australia", "Europe", "Indian", "Pacific"})

# Names people type that are not the city part of an IANA name (that part is matched too:
# "New York", "Los Angeles", "Tijuana", "Madrid", "Bogotá" need no entry here).
CITIES = {
    "America/Mexico_City": "mexico, cdmx, df, ciudad de mexico, guadalajara, puebla, leon, "
                           "queretaro, toluca, veracruz, oaxaca, acapulco, morelia, "
                           "aguascalientes, san luis potosi, zacatecas, guanajuato, pachuca",
    "America/Monterrey": "saltillo, san pedro garza garcia",
    "America/Tijuana": "mexicali, ensenada, rosarito, tecate",
    "America/Matamoros": "nuevo laredo, reynosa",
    "America/Mazatlan": "culiacan, los cabos, cabo san lucas, la paz bcs",
    "America/Cancun": "playa del carmen, tulum, quintana roo",
    "America/New_York": "nueva york, nyc, washington, washington dc, boston, philadelphia, "
                        "filadelfia, atlanta, miami, orlando",
    "America/Chicago": "houston, dallas, san antonio, austin, nueva orleans, new orleans, "
                       "laredo, mcallen, brownsville",
    "America/Denver": "el paso, albuquerque",
    "America/Los_Angeles": "san francisco, san diego, seattle, las vegas, sacramento, "
                           "portland, los angeles ca",
    "America/Toronto": "montreal, ottawa",
    "America/Bogota": "colombia, medellin, cali",
    "America/Lima": "peru",
    "America/Santiago": "chile",
    "America/Argentina/Buenos_Aires": "argentina",
    "America/Sao_Paulo": "rio de janeiro, brasilia",
    "America/Guayaquil": "quito, ecuador",
    "America/Costa_Rica": "san jose",
    "America/El_Salvador": "san salvador",
    "America/Guatemala": "ciudad de guatemala, guatemala city",
    "America/Panama": "ciudad de panama, panama city",
    "America/Havana": "la habana",
    "America/Puerto_Rico": "san juan",
    "Europe/Madrid": "spain, espana, barcelona, sevilla, seville, valencia, bilbao",
    "Europe/London": "londres, uk",
    "Europe/Rome": "roma",
    "Europe/Moscow": "moscu",
    "Asia/Shanghai": "beijing, pekin",
    "Asia/Tokyo": "tokio",
    "Asia/Kolkata": "delhi, new delhi, nueva delhi, mumbai, bombay",
}


def parse_clock(text: str) -> time:
    """``19:30``, ``7``, ``7pm``, ``7:30 p.m.``, ``19h``, ``9h15`` → a ``time``."""
    match = _CLOCK.match((text or "").strip())
    if not match:
        raise ValueError(f"{text!r} is not a time; e.g. 19:30 or 7:30pm")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    half = (match.group(4) or "").lower()
    if half:
        if not 1 <= hour <= 12:
            raise ValueError(f"{text!r}: with am/pm the hour is 1–12")
        hour = hour % 12 + (12 if half == "p" else 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r} is out of range; hours go 00–23 and minutes 00–59")
    return time(hour, minute)


def is_half_of_day(word: str) -> bool:
    """Whether ``word`` is the am/pm that may follow a time as a word of its own."""
    return re.fullmatch(r"[ap]\.?\s*m\.?", word.strip(), re.IGNORECASE) is not None


def parse_zone(text: str) -> str:
    """An IANA name, a city, or a UTC offset → the zone name a chat stores."""
    raw = (text or "").strip()
    if not raw:
        raise ValueError("no time zone given; e.g. Madrid, America/Mexico_City or UTC-6")
    if raw.lower() in _UTC_NAMES:
        return "UTC"
    offset = _OFFSET.match(raw)
    if offset:
        return _offset_zone(raw, offset)
    found = _iana_names().get(raw.replace(" ", "_").lower()) or _city(raw)
    if found is None:
        raise ValueError(f"unknown time zone {raw!r}; e.g. Madrid, America/Mexico_City or UTC-6")
    return found


def zone_info(name: str) -> tzinfo:
    """The ``tzinfo`` of a stored zone name: an IANA zone, or a fixed ``UTC±HH:MM`` offset."""
    fixed = _FIXED.match(name)
    if fixed is None:
        return ZoneInfo(name)
    sign = -1 if fixed.group(1) == "-" else 1
    minutes = sign * (int(fixed.group(2)) * 60 + int(fixed.group(3)))
    return timezone(timedelta(minutes=minutes), name)


def _offset_zone(raw: str, match: re.Match[str]) -> str:
    sign = "-" if match.group(1) in "-−" else "+"
    hours, minutes = int(match.group(2)), int(match.group(3) or 0)
    if minutes > 59:
        raise ValueError(f"{raw!r}: minutes must be 00–59, e.g. UTC+5:30")
    total = (hours * 60 + minutes) * (-1 if sign == "-" else 1)
    if not -12 * 60 <= total <= 14 * 60:
        raise ValueError(f"{raw!r} is outside UTC-12…UTC+14")
    if total == 0:
        return "UTC"
    if minutes == 0:  # POSIX-style names invert the sign: UTC-6 is Etc/GMT+6
        return f"Etc/GMT{'+' if sign == '-' else '-'}{hours}"
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def _fold(text: str) -> str:
    """Lower case, no accents, no punctuation: "Ciudad de México" → "ciudad de mexico"."""
    bare = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in bare if not unicodedata.combining(c))
    bare = re.sub(r"['’.]", "", bare)
    return " ".join(re.sub(r"[\W_]+", " ", bare).split())


def _city(raw: str) -> str | None:
    cities = _city_names()
    return cities.get(_fold(raw)) or cities.get(_fold(raw.split(",")[0]))


@lru_cache(maxsize=1)
def _iana_names() -> dict[str, str]:
    """Every IANA name keyed by its lower-case form (people type ``america/mexico_city``)."""
    return {name.lower(): name for name in available_timezones()}


@lru_cache(maxsize=1)
def _city_names() -> dict[str, str]:
    """Folded city name → zone: the last part of every IANA name, then the table above."""
    known = available_timezones()
    names: dict[str, str] = {}
    # Fewer parts first: America/Indianapolis before America/Indiana/Indianapolis.
    for name in sorted(known, key=lambda n: (n.count("/"), n)):
        area, _, rest = name.partition("/")
        if area in _AREAS and rest:
            names.setdefault(_fold(rest.rsplit("/", 1)[-1]), name)
    for name, spelled in CITIES.items():
        if name in known:
            names.update((_fold(city), name) for city in spelled.split(","))
    return names
