"""The translation catalogues: every message in every language with the same placeholders, and
every message id the code and templates use is in them."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from briefings.i18n import SOURCE, catalogues, languages

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def forms(message: Message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def placeholders(message: Message) -> set[str]:
    return {name for form in forms(message) for name in PLACEHOLDER.findall(form)}


def by_id(catalog: Catalog) -> dict[str, Message]:
    return {str(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}


def problems(source: Catalog, catalog: Catalog) -> list[str]:
    """What keeps ``catalog`` from saying everything ``source`` says, the way it says it."""
    wanted, own = by_id(source), by_id(catalog)
    found = [f"missing {key}" for key in wanted.keys() - own.keys()]
    found += [f"not in {SOURCE}: {key}" for key in own.keys() - wanted.keys()]
    for key in own.keys() & wanted.keys():
        message = own[key]
        if message.fuzzy or not all(form.strip() for form in forms(message)):
            found.append(f"untranslated {key}")
        elif placeholders(message) != placeholders(wanted[key]):
            found.append(f"placeholders of {key}")
        elif message.pluralizable and len(forms(message)) != catalog.num_plurals:
            found.append(f"plural forms of {key}")
        elif "%" in PLACEHOLDER.sub("", " ".join(forms(message))).replace("%%", ""):
            found.append(f"a lone % in {key}")
    return sorted(found)


def test_the_shipped_languages_are_english_and_spanish():
    assert languages() == ("en", "es")


def test_every_message_has_a_translation_in_every_catalogue():
    source = catalogues().catalogs[SOURCE][0]
    for lang in languages():
        assert problems(source, catalogues().catalogs[lang][0]) == [], lang


def test_a_string_in_one_language_only_fails():
    broken = read_po(BytesIO('''
msgid "welcome"
msgstr "¡Hola %(name)s!"

msgid "picker_done"
msgstr ""

msgid "stray"
msgstr "sólo aquí: 100%"
'''.encode()), locale="es")
    source = read_po(BytesIO(b'''
msgid "welcome"
msgstr "Hello %(name)s at %(time)s!"

msgid "picker_done"
msgstr "Done"

msgid "flood"
msgstr "Slow down"
'''), locale="en")
    assert problems(source, broken) == [
        "missing flood", "not in en: stray", "placeholders of welcome", "untranslated picker_done"]


def test_every_message_id_used_in_code_and_templates_is_in_the_catalogues():
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = extract_from_dir(ROOT, method_map, options_map)
    used = {msgid if isinstance(msgid, str) else msgid[0] for _, _, msgid, _, _ in found}
    known = catalogues().ids
    assert len(used) > 60
    # Babel joins both literals of `"a" if c else "b"` into one id: each half must be known.
    unknown = {m for m in used if m not in known and not _two_known(m, known)}
    assert not unknown, sorted(unknown)


def _two_known(joined: str, known: frozenset[str]) -> bool:
    return any(joined[:i] in known and joined[i:] in known for i in range(1, len(joined)))
