"""Every bad argument gets one line: what was wrong and an example of the right form."""

import pytest

from bot.flood import FloodLimiter
from bot.handlers import args
from bot.handlers.args import ArgError
from bot.state import bot_state
from bot.texts import OneOf, bad_arg, languages
from briefings.i18n import catalogues
from briefings.paths import default_config_file
from briefings.themes import load_themes
from tests.bot.helpers import running_bot

THEMES = load_themes(default_config_file("themes.toml"))

# (command, what the reply must name, the example it must show)
CASES = [
    ("/latest 0", "“0” is not a number from 1 to 20", "/latest 10"),
    ("/latest five", "“five” is not a number", "/latest 10"),
    ("/latest 3 4", "Too many arguments", "/latest 10"),
    ("/topic cartels", "I don't know the theme “cartels”", "/topic tariffs 5"),
    ("/topic tariffs 99", "“99” is not a number", "/topic tariffs 5"),
    ("/subscribe", "Name at least one theme", "/subscribe fentanyl tariffs"),
    ("/subscribe tariffs weather", "I don't know the theme “weather”", "/subscribe fentanyl"),
    ("/unsubscribe nope", "I don't know the theme “nope”", "/unsubscribe tariffs"),
    ("/time", "Give the time for your daily brief (now 08:00)", "/time 07:30"),
    ("/time 25:00", "“25:00” is not a time", "/time 07:30"),
    ("/time noon", "“noon” is not a time", "/time 07:30"),
    ("/timezone", "Give your time zone (now UTC)", "/timezone America/Mexico_City"),
    ("/timezone Mars/Olympus", "I don't know the time zone “Mars/Olympus”", "/timezone Am"),
    ("/timezone UTC+15", "I don't know the time zone “UTC+15”", "/timezone America"),
    ("/alerts", "Say on or off", "/alerts on"),
    ("/alerts maybe", "Say on or off", "/alerts on"),
    ("/language fr", "“fr” is not a language I speak", "/language es"),
    ("/quiet 22:00", "“22:00” is not a range of hours", "/quiet 22:00-07:00"),
    ("/quiet 22:00-26:00", "“22:00-26:00” is not a range", "/quiet 22:00-07:00"),
    ("/quiet 07:00-07:00", "The start and end of quiet hours must differ", "/quiet 22:00-07:00"),
    ("/pause now", "Too many arguments", "/pause"),
    ("/track wall", "Give a name and at least one term", "/track wall"),
    ("/track tariffs tariff*", "“tariffs” is already a shared theme", "/track wall"),
    ("/track w@ll wall", "“w@ll” can't be a name", "/track wall"),
    ("/track wall -paint", "Those terms don't work", "/track wall"),
    ("/untrack", "Name the theme to remove", "/untrack wall"),
    ("/untrack ghost", "You track nothing called “ghost”", "/untrack wall"),
    ("/channel", "Use add, list, themes or remove", "/channel add @mychannel"),
    ("/channel fly", "Use add, list, themes or remove", "/channel add @mychannel"),
    ("/channel add", "Give the channel as @name", "/channel add @mychannel"),
    ("/channel add not-a-channel", "Give the channel as @name", "/channel add @mychannel"),
    ("/channel themes @mychannel weather", "I don't know the theme “weather”",
     "/channel themes @mychannel"),
    # Digits int() refuses, and lists of nothing (a channel's themes must never be cleared).
    ("/latest ²", "“²” is not a number", "/latest 10"),
    ("/topic tariffs ⑤", "I don't know the theme “tariffs ⑤”", "/topic tariffs 5"),
    ("/subscribe ,", "Name at least one theme", "/subscribe fentanyl tariffs"),
    ("/channel themes @mychannel ,", "Name at least one theme", "/channel themes @mychannel"),
]


async def test_bad_arguments_each_get_one_line_with_an_example(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        bot_state(bot.app).flood = FloodLimiter(limit=len(CASES))  # not flooding: a table
        replies = {}
        for command, _, _ in CASES:
            [replies[command]] = await bot.say(7, command)
    for command, problem, example in CASES:
        reply = replies[command]
        assert "\n" not in reply, command
        assert reply.startswith("⚠️ "), (command, reply)
        assert problem in reply, (command, reply)
        assert f"Example: <code>{example}" in reply, (command, reply)


@pytest.mark.parametrize(
    ("parse", "argv", "expected"),
    [
        (lambda a: args.parse_count(a, "latest"), [], 5),
        (lambda a: args.parse_count(a, "latest"), ["20"], 20),
        (args.split_topic, ["border", "security", "3"], ("border security", 3)),
        (args.split_topic, ["tariffs"], ("tariffs", 5)),
        (lambda a: args.parse_brief_time(a, "08:00"), ["7"], "07:00"),
        (lambda a: args.parse_brief_time(a, "08:00"), ["19.30"], "19:30"),
        (lambda a: args.parse_tz(a, "UTC"), ["america/mexico_city"], "America/Mexico_City"),
        (lambda a: args.parse_tz(a, "UTC"), ["-06:00"], "Etc/GMT+6"),
        (args.parse_on_off, ["ON"], True),
        (args.parse_on_off, ["no"], False),
        (args.parse_language, ["Español"], "es"),
        (args.parse_quiet, ["22:00-7:00"], ("22:00", "07:00")),
        (args.parse_quiet, ["22:00", "07:00"], ("22:00", "07:00")),
        (args.parse_quiet, ["off"], None),
        (lambda a: args.resolve_themes(a, THEMES, "subscribe"), ["all"], THEMES.names()),
        (lambda a: args.resolve_themes(a, THEMES, "subscribe"), ["Aranceles,", "tariffs"],
         ["tariffs"]),
        (lambda a: args.parse_track(a, THEMES), ["Wall", "a", "b*"], ("wall", "a b*")),
        (args.parse_channel_ref, "@mychannel", "@mychannel"),
        (args.parse_channel_ref, "-1001234567", -1001234567),
    ],
)
def test_parsers_accept_the_right_forms(parse, argv, expected):
    assert parse(argv) == expected


def test_every_problem_has_both_languages_and_renders():
    problems = [k for k in catalogues().ids if k.startswith("err_")]
    values = {"value": "x", "max": 20, "valid": "a, b", "current": "08:00", "cap": 5,
              "reason": "r", "choices": OneOf(("en", "es"))}
    for key in problems:
        assert all(catalogues().catalogs[lang][0].get(key) for lang in ("en", "es")), key
        for lang in languages():
            line = bad_arg(lang, key, "latest", **values)
            assert "\n" not in line and "/latest 10" in line


def test_unknown_theme_lists_the_valid_ones_in_the_chat_language():
    with pytest.raises(ArgError) as caught:
        args.resolve_themes(["clima"], THEMES, "subscribe", "es")
    line = bad_arg("es", caught.value.problem, caught.value.command, **caught.value.values)
    assert "“clima”" in line and "Aranceles" in line and "Fentanilo" in line


def test_user_values_are_escaped():
    line = bad_arg("en", "err_time", "time", value="<b>7</b>")
    assert "&lt;b&gt;7&lt;/b&gt;" in line


def test_arg_error_carries_problem_and_command():
    with pytest.raises(ArgError) as caught:
        args.parse_language(["klingon"])
    assert (caught.value.problem, caught.value.command) == ("err_language", "language")
