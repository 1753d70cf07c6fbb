"""The UI strings: both languages everywhere, the help covers every command, language codes."""

import re

import pytest

from bot.handlers import ALIASES
from bot.handlers import COMMANDS as HANDLED
from bot.texts import COMMANDS, DESCRIPTION, EXAMPLES, SHORT_DESCRIPTION, TEXTS, language_of, t


def test_every_text_has_english_and_spanish_with_the_same_placeholders():
    for key, entry in TEXTS.items():
        assert set(entry) == {"en", "es"}, key
        fields = [set(re.findall(r"{(\w+)}", entry[lang])) for lang in ("en", "es")]
        assert fields[0] == fields[1], key


@pytest.mark.parametrize("lang", ["en", "es"])
def test_help_explains_every_menu_command_with_examples(lang):
    text = t(lang, "help")
    for command, _, _ in COMMANDS:
        assert f"/{command}" in text, command
    assert text.count("<code>/") >= 10


def test_menu_commands_are_handled_and_fit_telegram_limits():
    for command, english, spanish in COMMANDS:
        assert command in HANDLED
        assert re.fullmatch(r"[a-z0-9_]{1,32}", command)
        assert 3 <= len(english) <= 256 and 3 <= len(spanish) <= 256
    assert all(alias not in HANDLED for names in ALIASES.values() for alias in names)
    assert set(EXAMPLES) >= {"latest", "topic", "time", "timezone", "track", "channel"}


def test_descriptions_fit_telegram_limits():
    for lang in ("en", "es"):
        assert len(DESCRIPTION[lang]) <= 512 and len(SHORT_DESCRIPTION[lang]) <= 120


@pytest.mark.parametrize(
    ("code", "default", "expected"),
    [("es", "en", "es"), ("es-MX", "en", "es"), ("ES", "en", "es"), ("en-US", "es", "en"),
     ("pt-BR", "en", "en"), (None, "es", "es"), ("", "en", "en")],
)
def test_language_of_telegram_codes(code, default, expected):
    assert language_of(code, default) == expected


def test_spanish_help_lists_every_spanish_alias():
    text = t("es", "help")
    listed = set(re.findall(r"/(\w+)", text))
    aliases = {alias for names in ALIASES.values() for alias in names}
    assert aliases <= listed, sorted(aliases - listed)
    assert {"suscribir", "desuscribir", "seguir", "dejar", "silencio", "canal",
            "olvidar"} <= listed
    assert "{aliases}" not in text
