"""The words briefs use, in English and Spanish, and dates written the way each language does."""

from __future__ import annotations

from datetime import datetime

LANGUAGES = ("en", "es")

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "daily_brief": "Daily brief",
        "alert": "New story",
        "latest": "Latest stories",
        "more_sources_one": "+{n} source",
        "more_sources": "+{n} sources",
        "terms": "matched",
        "trend": "{theme}: {count} stories today, {ratio}× usual",
        "trend_one": "{theme}: {count} story today, {ratio}× usual",
        "nothing": "Nothing new on your themes.",
        "continued": "(continued)",
        "since": "since",
        "untitled": "(untitled)",
    },
    "es": {
        "daily_brief": "Resumen diario",
        "alert": "Nueva noticia",
        "latest": "Últimas noticias",
        "more_sources_one": "+{n} fuente",
        "more_sources": "+{n} fuentes",
        "terms": "coincidencias",
        "trend": "{theme}: {count} noticias hoy, {ratio}× lo habitual",
        "trend_one": "{theme}: {count} noticia hoy, {ratio}× lo habitual",
        "nothing": "No hay novedades sobre tus temas.",
        "continued": "(continuación)",
        "since": "desde",
        "untitled": "(sin título)",
    },
}

_MONTHS_EN = "January February March April May June July August September October November December"
_MONTHS_ES = "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre"
_MONTHS_ES += " diciembre"
_WEEKDAYS_EN = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday"
_WEEKDAYS_ES = "lunes martes miércoles jueves viernes sábado domingo"
_MONTHS = {"en": _MONTHS_EN.split(), "es": _MONTHS_ES.split()}
_WEEKDAYS = {"en": _WEEKDAYS_EN.split(), "es": _WEEKDAYS_ES.split()}

def language_of(language: str | None) -> str:
    """A supported language: ``es`` for any Spanish tag (es-MX...), else English."""
    return "es" if (language or "").lower().startswith("es") else "en"


def word(key: str, language: str, **values: object) -> str:
    """The phrase ``key`` in ``language``, with ``values`` filled in."""
    text = WORDS[language_of(language)].get(key) or WORDS["en"][key]
    return text.format(**values) if values else text


def more_sources(n: int, language: str) -> str:
    """'+2 sources' / '+2 fuentes' (one source: singular)."""
    return word("more_sources_one" if n == 1 else "more_sources", language, n=n)


def long_date(when: datetime, language: str) -> str:
    """'Tuesday, 25 November 2025' / 'martes 25 de noviembre de 2025'."""
    lang = language_of(language)
    day, month = _WEEKDAYS[lang][when.weekday()], _MONTHS[lang][when.month - 1]
    if lang == "es":
        return f"{day} {when.day} de {month} de {when.year}"
    return f"{day}, {when.day} {month} {when.year}"


def short_time(when: datetime, language: str) -> str:
    """'25 Nov 14:05' / '25 nov 14:05' (24-hour clock in both)."""
    lang = language_of(language)
    month = _MONTHS[lang][when.month - 1][:3]
    if lang == "en":
        month = month.capitalize()
    return f"{when.day} {month} {when:%H:%M}"


def ratio_text(ratio: float, language: str) -> str:
    """'2.3' / '2,3': one decimal with the language's decimal mark."""
    text = f"{ratio:.1f}"
    return text.replace(".", ",") if language_of(language) == "es" else text
