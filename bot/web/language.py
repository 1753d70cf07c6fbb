"""A page's language: ``?lang=``, else the browser's Accept-Language, else English."""

from __future__ import annotations

from briefings.i18n import SOURCE, language_of, languages


def accepted(header: str | None) -> list[str]:
    """The language tags of an Accept-Language header, most wanted first (q=0 left out)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag.strip() and tag.strip() != "*" and quality > 0:
            ranked.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(ranked)]


def reader_language(asked: str | None, accept_language: str | None) -> str:
    """The page's language: the one asked for by name if we have it, else the browser's first
    language we have, else English."""
    known = languages()
    if asked:
        chosen = language_of(asked, default=SOURCE)
        if asked.replace("-", "_").lower().split("_")[0] == chosen:
            return chosen
    for tag in accepted(accept_language):
        code = tag.replace("-", "_").lower().split("_")[0]
        if code in known:
            return code
    return SOURCE
