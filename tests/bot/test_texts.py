"""The UI strings: every language everywhere, the help covers every command, language codes."""

import re

import pytest

from bot.handlers import COMMANDS as HANDLED
from bot.texts import MENU, aliases, example, language_of, languages, menu, t
from briefings.i18n import catalogues

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_every_text_has_english_and_spanish_with_the_same_placeholders():
    assert set(languages()) >= {"en", "es"}
    for key in catalogues().ids:
        fields = [_placeholders(lang, key) for lang in ("en", "es")]
        assert fields[0] == fields[1], key
        assert all(t(lang, key, **dict.fromkeys(fields[0], "x")) for lang in ("en", "es")), key


def _placeholders(lang: str, key: str) -> set[str]:
    """The placeholders of message ``key`` in ``lang``'s own catalogue (every plural form)."""
    message = catalogues().catalogs[lang][0].get(key)
    assert message is not None and message.string, (lang, key)
    forms = message.string if isinstance(message.string, tuple) else (message.string,)
    return {name for form in forms for name in PLACEHOLDER.findall(form)}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_help_explains_every_menu_command_with_examples(lang):
    text = t(lang, "help")
    for command in MENU:
        assert f"/{command}" in text, command
    assert text.count("<code>/") >= 10


def test_menu_commands_are_handled_and_fit_telegram_limits():
    for lang in languages():
        for command, about in menu(lang):
            assert command in HANDLED
            assert re.fullmatch(r"[a-z0-9_]{1,32}", command)
            assert 3 <= len(about) <= 256
    spellings = [alias for name in HANDLED for alias in aliases(name)]
    assert all(alias not in HANDLED for alias in spellings)
    assert all(re.fullmatch(r"[a-z0-9_]{1,32}", alias) for alias in spellings)
    assert len(spellings) == len(set(spellings))  # no spelling names two commands
    for command in ("latest", "topic", "time", "timezone", "track", "channel"):
        assert example("es", command).startswith(f"/{command}")


def test_descriptions_fit_telegram_limits():
    for lang in languages():
        assert len(t(lang, "bot.description")) <= 512
        assert len(t(lang, "bot.short_description")) <= 120


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
    spanish = {alias for name in HANDLED for alias in aliases(name)
               if alias in t("es", f"alias.{name}").split()}
    assert spanish <= listed, sorted(spanish - listed)
    assert {"suscribir", "desuscribir", "seguir", "dejar", "silencio", "canal",
            "olvidar"} <= listed
    assert "%(" not in text
