"""The translation catalogues: every message in every language with the same placeholders, and
every message id the code and templates use is in them."""

from __future__ import annotations

import re
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import get_args

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
    used = used_ids()
    known = catalogues().ids
    assert len(used) > 60
    # Babel joins both literals of `"a" if c else "b"` into one id: each half must be known.
    unknown = {m for m in used if m not in known and not _two_known(m, known)}
    assert not unknown, sorted(unknown)


def _two_known(joined: str, known: frozenset[str]) -> bool:
    return any(joined[:i] in known and joined[i:] in known for i in range(1, len(joined)))


@cache
def used_ids() -> frozenset[str]:
    """Every message id ``pybabel extract`` finds, as babel.cfg tells it to look."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = extract_from_dir(ROOT, method_map, options_map)
    return frozenset(msgid if isinstance(msgid, str) else msgid[0]
                     for _, _, msgid, _, _ in found)


def built_ids() -> tuple[set[str], set[str]]:
    """The ids the code builds at run time from a name (so extraction cannot see them): those
    it always looks up, and those it uses only where the catalogue has them."""
    from bot.handlers import COMMANDS
    from bot.handlers.channels import _ACTIONS
    from bot.texts import MENU
    from briefings.briefs.content import BOTH, READER
    from briefings.briefs.trend import Kind
    from briefings.render.charts import BUCKETS

    channel = {f"channel_{action}" for action in _ACTIONS}
    always = (
        {f"command.{name}" for name in MENU}  # bot.texts.menu
        | {f"words.{name}" for name in channel}  # bot.handlers.channels._action
        | {f"chart.{bucket}" for bucket in BUCKETS}  # /trend and the charts
        | {f"headlines.{choice}" for choice in (READER, BOTH)}  # /headlines
        | {f"section.trend_{kind}" for kind in get_args(Kind)}  # render.layout.trend_text
    )
    where_present = (
        {f"alias.{name}" for name in COMMANDS}  # bot.texts.aliases
        | {f"example.{name}" for name in {*COMMANDS, *channel}}  # an ArgError's example
        | {f"headlines.{lang}" for lang in languages()}  # else headlines.reader
    )
    return always, where_present


def test_every_catalogue_message_is_used():
    """A message no code asks for is dead (or its id reaches the code in a way extraction
    cannot see: mark it with i18n.N_, or list how it is built in built_ids)."""
    known = catalogues().ids
    used = set(used_ids())
    # `"a" if c else "b"` is extracted as one id "ab": count both halves as used.
    used |= {half for joined in used - known for i in range(1, len(joined))
             if joined[:i] in known and joined[i:] in known
             for half in (joined[:i], joined[i:])}
    always, where_present = built_ids()
    unused = known - used - always - where_present
    assert not unused, sorted(unused)


def test_ids_built_at_run_time_are_in_the_catalogues():
    """Each built id is looked up by name: a command, subcommand, bucket or trend kind
    without its message would fail only when a user reaches it."""
    always, _ = built_ids()
    assert always - catalogues().ids == set()


def test_ids_marked_for_extraction_are_seen():
    """The ids a variable carries to the look-up (issue: /time and /timezone replies, the
    coverage line's "other" and "one-sided" words) reach `pybabel extract`."""
    assert {"time_set", "timezone_set", "story.country_other", "story.one_sided",
            "page.one_sided", "on", "off", "alerts_paused", "language.names"} <= used_ids()
