"""The UI's words, read from gettext catalogues, and dates and numbers written the CLDR way.

Each language is one file, ``locale/<lang>/LC_MESSAGES/messages.po`` inside this package (the
layout ``pybabel`` uses), so adding a language is adding a file. A msgid names a message
(``welcome``, ``brief.title``); the English catalogue is the source every other translates, and
what a reader sees where a translation is missing. Placeholders are ``%(name)s``, as in
Jinja2's gettext; plural messages follow each language's Plural-Forms.

The ``.po`` files are read once, at first use, with Babel and turned into standard
``gettext.GNUTranslations`` in memory: no compiled ``.mo`` to build, ship or forget.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable
from datetime import datetime
from importlib.resources import files
from importlib.resources.abc import Traversable
from io import BytesIO
from pathlib import Path

from babel.dates import format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import get_decimal_symbol

SOURCE = "en"  # the language every message is written in first
DOMAIN = "messages"
SHIPPED: Traversable = files("briefings") / "locale"


class Catalogues:
    """Every language's catalogue from some folders; a later folder's messages win."""

    def __init__(self, folders: Iterable[Traversable | Path]) -> None:
        folders = tuple(folders)
        self.catalogs: dict[str, list[Catalog]] = {}  # per language, the winning one first
        for folder in folders:
            for lang, catalog in _read_folder(folder):
                self.catalogs.setdefault(lang, []).insert(0, catalog)
        if SOURCE not in self.catalogs:
            raise LookupError(f"no {SOURCE} catalogue in {[str(f) for f in folders]}")
        self.languages = (SOURCE, *sorted(set(self.catalogs) - {SOURCE}))
        self.ids = frozenset(str(m.id if isinstance(m.id, str) else m.id[0])
                             for catalog in self.catalogs[SOURCE] for m in catalog if m.id)
        self._translations: dict[str, gettext.NullTranslations] = {}

    def translations(self, language: str) -> gettext.NullTranslations:
        """``language``'s messages, falling back to English message by message."""
        lang = _match(language, self.languages) or SOURCE
        if lang not in self._translations:
            chain = self.catalogs[lang] + (self.catalogs[SOURCE] if lang != SOURCE else [])
            first, *rest = (_compiled(catalog) for catalog in chain)
            for fallback in rest:
                first.add_fallback(fallback)
            self._translations[lang] = first
        return self._translations[lang]


def _read_folder(folder: Traversable | Path) -> Iterable[tuple[str, Catalog]]:
    if not folder.is_dir():
        return
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        po = entry / "LC_MESSAGES" / f"{DOMAIN}.po"
        if po.is_file():
            with po.open("rb") as handle:
                yield entry.name, read_po(handle, locale=entry.name, domain=DOMAIN)


def _compiled(catalog: Catalog) -> gettext.GNUTranslations:
    """A catalogue as stdlib gettext reads it (fuzzy and empty messages left out)."""
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


_folders: tuple[Traversable | Path, ...] = (SHIPPED,)
_catalogues: Catalogues | None = None


def use_catalogues(*extra: Traversable | Path) -> None:
    """Read the shipped catalogues and then ``extra`` folders (none: the shipped alone)."""
    global _folders, _catalogues
    _folders, _catalogues = (SHIPPED, *extra), None


def catalogues() -> Catalogues:
    """The catalogues in use, read at first use."""
    global _catalogues
    if _catalogues is None:
        _catalogues = Catalogues(_folders)
    return _catalogues


def languages() -> tuple[str, ...]:
    """The UI languages: English, then every other catalogue present."""
    return catalogues().languages


def language_of(code: str | None, default: str = SOURCE) -> str:
    """A UI language for a language tag (``es-MX`` → ``es``); ``default`` when there is none.

    A tag of a language without a catalogue gets English, the language of every message.
    """
    if not code:
        return default
    return _match(code, languages()) or SOURCE


def _match(code: str, known: Iterable[str]) -> str | None:
    """The language of ``known`` that a tag names (``es-MX``, ``es_mx``, ``ES`` → ``es``)."""
    by_tag = {lang.lower(): lang for lang in known}
    tag = code.replace("-", "_").lower()
    return by_tag.get(tag) or by_tag.get(tag.split("_")[0])


def translations(language: str) -> gettext.NullTranslations:
    """The gettext translations of ``language`` (what Jinja2's i18n extension installs)."""
    return catalogues().translations(language)


def text(language: str, msgid: str, **values: object) -> str:
    """Message ``msgid`` in ``language`` with ``values`` in its placeholders."""
    if msgid not in catalogues().ids:
        raise KeyError(f"no message {msgid!r} in the {SOURCE} catalogue")
    return translations(language).gettext(msgid) % values


def plural(language: str, msgid: str, n: int, **values: object) -> str:
    """The form of plural message ``msgid`` for ``n`` (``%(num)s`` is ``n``)."""
    values.setdefault("num", n)
    return translations(language).ngettext(msgid, msgid, n) % values


def N_(msgid: str) -> str:
    """``msgid`` as it is: marks an id chosen before it is looked up (``key = N_("on")``) so
    that ``pybabel extract`` (babel.cfg) sees it, like gettext_noop."""
    return msgid


def words(msgid: str) -> frozenset[str]:
    """Every word of a word-list message (``words.on``...) in every language, lower-cased."""
    return frozenset(word.lower() for lang in languages()
                     for word in translations(lang).gettext(msgid).split())


def long_date(when: datetime, language: str) -> str:
    """'Tuesday, 25 November 2025' / 'martes 25 de noviembre de 2025'."""
    lang = language_of(language)
    return format_datetime(when, translations(lang).gettext("date.long"), locale=lang)


def short_time(when: datetime, language: str) -> str:
    """'25 Nov 14:05' / '25 nov 14:05' (24-hour clock in both)."""
    lang = language_of(language)
    return format_datetime(when, translations(lang).gettext("time.short"), locale=lang)


def ratio_text(ratio: float, language: str) -> str:
    """'2.3' / '2,3': one decimal with the language's decimal mark."""
    return f"{ratio:.1f}".replace(".", get_decimal_symbol(language_of(language)))
