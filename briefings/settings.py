"""All configuration, built in one place from the environment, a ``.env`` file and a TOML file.

Every setting is ``BORDERBRIEF_<NAME>`` in the environment or in ``.env`` (read from the current
working directory), or ``<name> = ...`` in the file named by ``BORDERBRIEF_CONFIG``. The
environment wins over ``.env``, which wins over the file. A name that is not a setting, a missing
or malformed config file and a bad value each stop ``load_settings`` with one SettingsError line.

msgspec converts the values and checks their types and bounds, declared on the fields; the
formats (a URL, a time zone, HH:MM...) are checked in ``Settings.__post_init__``. Until
2026-12 pydantic-settings did both, but every command paid ~0.15 s to import it and pydantic
(`borderbrief match` has 0.3 s to start); msgspec takes ~5 ms.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from dotenv import dotenv_values
from msgspec import Meta, Struct, field

from briefings.paths import default_config_file, user_or_default

DEFAULT_API_URL = "https://api.telegram.org/bot"
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d\Z")
PREFIX = "BORDERBRIEF_"
ENV_FILE = Path(".env")  # relative: read from the working directory (/data in the container)
# BORDERBRIEF_* names that are not settings: the config file's own name and the test switches.
NOT_SETTINGS = frozenset(
    {"CONFIG", "TEST_POSTGRES_URL", "REQUIRE_POSTGRES", "REQUIRE_DATA", "REQUIRE_BROWSER"}
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MIN_KEEP_DAYS = 30
# What a person writes for yes and no (msgspec itself reads only true/false/1/0).
_BOOLEAN_WORDS = {"yes": True, "y": True, "on": True, "t": True,
                  "no": False, "n": False, "off": False, "f": False}  # fmt: skip


class SettingsError(Exception):
    """A bad setting: the message names it and says what is wrong."""


class Secret:
    """A value that must never print (a token, a password): ``repr`` and ``str`` hide it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __bool__(self) -> bool:  # an empty token is no token
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret('**********')" if self._value else "Secret('')"

    def __str__(self) -> str:
        return "**********" if self._value else ""


class _Invalid(ValueError):
    """A value of the right type in the wrong form; ``name`` is the setting."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


class Settings(Struct, kw_only=True):
    """Every setting. Build it with ``load_settings``, which reads the layers and converts and
    bounds the values; ``Settings(...)`` itself (tests) checks the formats only."""

    database_url: str = "sqlite+aiosqlite:///data/borderbrief.db"
    # The user's own files (`init` copies, sources added by /addsource or `sources import`), never
    # inside the package; beside the default SQLite file.
    data_dir: Path = Path("data")
    sources: Path = field(default_factory=lambda: default_config_file("sources.toml"))
    # Unset: the data folder's themes.toml if it has one, else the shipped file (__post_init__).
    themes: Path = None  # type: ignore[assignment]
    poll_interval: Annotated[int, Meta(ge=30, le=86_400)] = 600

    telegram_token: Secret | None = None
    telegram_api_url: str = DEFAULT_API_URL
    webhook_secret: Secret | None = None
    owner_ids: list[int] = field(default_factory=list)

    # Fetching: timeouts in seconds, sizes in bytes.
    fetch_timeout: Annotated[float, Meta(gt=0, le=120)] = 15.0
    fetch_deadline: Annotated[float, Meta(gt=0, le=600)] = 30.0
    fetch_max_bytes: Annotated[int, Meta(ge=1024)] = 10 * 1024 * 1024
    fetch_concurrency: Annotated[int, Meta(ge=1, le=500)] = 20
    fetch_per_host: Annotated[int, Meta(ge=1, le=50)] = 4
    allow_private_sources: bool = False

    # Briefs.
    default_timezone: str = "UTC"
    default_brief_time: str = "08:00"
    default_language: str = "en"
    brief_grace_hours: Annotated[float, Meta(ge=0, le=48)] = 6.0
    alerts_per_hour: Annotated[int, Meta(ge=1, le=60)] = 6
    # Messages awaiting Telegram's answer at once, each to a different chat: a crash repeats
    # at most this many, never two to one chat. One caps a 50 ms round trip at ~18 msg/s.
    send_in_flight: Annotated[int, Meta(ge=1, le=16)] = 4

    http_port: Annotated[int, Meta(ge=1, le=65535)] | None = None
    # Loopback unless asked: /metrics is not for the internet. The image sets 0.0.0.0.
    http_host: Annotated[str, Meta(min_length=1)] = "127.0.0.1"
    # Where readers reach the HTTP server (https://news.example.org): when set, it also serves
    # the story and theme pages, and briefs link to them.
    public_url: str | None = None
    # Signs story-page links; unset, a secret kept in the store (made on first use) does.
    pages_secret: Secret | None = None
    log_format: str = "auto"  # auto | json | console
    log_level: str = "INFO"
    cache_dir: str | None = None  # theme fit, prepared encoder: paths.cache_dir(cache_dir)
    # Stories and item texts older than this are forgotten, once a day (0: kept for ever). The
    # pages chart 14 days and /latest reads a week back, so a month is the least.
    keep_days: Annotated[int, Meta(ge=0, le=36_500)] = 90
    # Set by the image: there is no terminal to preview a brief in, so `run` needs a token.
    container: bool = False

    def __post_init__(self) -> None:
        """Each format check, in the order of the fields; a value may come back normalised."""
        for name, check in _CHECKS.items():
            try:
                setattr(self, name, check(getattr(self, name)))
            except ValueError as exc:
                raise _Invalid(name, str(exc)) from None
        if self.themes is None:
            self.themes = user_or_default(self.data_dir, "themes.toml")

    @property
    def keep_news(self) -> timedelta | None:
        return timedelta(days=self.keep_days) if self.keep_days else None

    @property
    def token(self) -> str | None:
        return self.telegram_token.get_secret_value() if self.telegram_token else None

    def require_token_in_container(self) -> None:
        """In the container nobody reads a terminal preview: no token is an error, not a loop."""
        if self.container and not self.token:
            raise SettingsError(
                "BORDERBRIEF_TELEGRAM_TOKEN is not set; the container cannot run the bot without "
                "it (put it in the environment or .env; get one from @BotFather)"
            )


def setting_names() -> tuple[str, ...]:
    """Every setting's name, lower case, in the order of the fields."""
    return Settings.__struct_fields__


def _known_database(value: str) -> str:
    if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
        raise ValueError(
            "must start with sqlite+aiosqlite:// or postgresql+asyncpg:// "
            "(e.g. postgresql+asyncpg://user@host:5432/borderbrief)"
        )
    return value


def _api_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must be an http(s) URL like https://api.telegram.org/bot")
    return value


def _public_url(value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
        raise ValueError("must be an http(s) URL without query, like https://news.example.org")
    return value.rstrip("/") if value else None


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    # A folder of the zone database ("America") or a name too long for a file: OSError.
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError("must be an IANA time zone like America/Mexico_City") from exc
    return value


def _brief_time(value: str) -> str:
    if not _HHMM.match(value):
        raise ValueError("must be HH:MM (24-hour), e.g. 08:00")
    return value


def _language(value: str) -> str:
    if value == "en":  # the language of every message, so always there
        return value
    # Another language is checked against the catalogues present, read now: a command that
    # keeps the default (borderbrief match) never imports babel nor reads a catalogue.
    from babel.lists import format_list

    from briefings.i18n import languages

    if value not in languages():
        raise ValueError(f"must be {format_list(list(languages()), style='or', locale='en')}")
    return value


def _keep_days(value: int) -> int:
    if 0 < value < MIN_KEEP_DAYS:
        raise ValueError(f"must be 0 (keep everything) or at least {MIN_KEEP_DAYS} days")
    return value


def _log_format(value: str) -> str:
    if value not in ("auto", "json", "console"):
        raise ValueError("must be auto, json or console")
    return value


def _log_level(value: str) -> str:
    if value.upper() not in LOG_LEVELS:
        raise ValueError("must be one of " + ", ".join(LOG_LEVELS))
    return value.upper()


def _file_path(value: Path | None) -> Path | None:
    if value is not None and "\0" in str(value):
        raise ValueError("must be a file's path (this one holds a NUL character)")
    return value


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "sources": _file_path, "themes": _file_path,
    "database_url": _known_database, "telegram_api_url": _api_url,
    "default_timezone": _timezone, "default_brief_time": _brief_time,
    "default_language": _language, "public_url": _public_url, "log_format": _log_format,
    "log_level": _log_level, "keep_days": _keep_days,
}  # fmt: skip


def load_settings(**overrides: Any) -> Settings:
    """Build the settings; any problem becomes one SettingsError line naming where it came from."""
    config = config_file()
    from_file = read_config_file(config) if config else {}
    dotenv = read_env_file(ENV_FILE) if ENV_FILE.is_file() else {}
    unknown = [
        *unknown_names(os.environ, "in the environment"),
        *unknown_names(dotenv, f"in {ENV_FILE.resolve()}"),
        *unknown_keys(from_file, config),
    ]
    if unknown:
        raise SettingsError("; ".join(unknown))
    # Each layer set apart on its own, so an empty line in .env leaves the file's value.
    given = {**_set(from_file), **_set(_named(dotenv)), **_set(_named(os.environ)), **overrides}
    plain = _plain(given)
    problems = [_describe(name, message, given.get(name), dotenv, from_file, config)
                for name, message in _bad_values(plain)]  # fmt: skip
    if problems:
        raise SettingsError("; ".join(problems))
    try:
        return msgspec.convert(plain, Settings, strict=False, dec_hook=_decode)
    except msgspec.ValidationError as exc:  # not seen value by value: say it all the same
        name, message = _where_and_what(exc)
        raise SettingsError(_describe(name, message, given.get(name), dotenv, from_file,
                                      config)) from None  # fmt: skip


def _bad_values(given: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(name, what is wrong) for every given value its field's type, bounds or format rejects,
    so that one run names every mistake (converting the whole stops at the first)."""
    found = []
    for one in msgspec.structs.fields(Settings):
        if one.name not in given:
            continue
        try:
            value = msgspec.convert(given[one.name], one.type, strict=False,
                                    dec_hook=_decode)  # fmt: skip
            if one.name in _CHECKS:
                _CHECKS[one.name](value)
        except msgspec.ValidationError as exc:
            found.append(_where_and_what(exc, one.name))
        except ValueError as exc:
            found.append((one.name, str(exc)))
    return found


def _named(environ: Mapping[str, str | None]) -> dict[str, str | None]:
    """``BORDERBRIEF_*`` values by setting name (names are not case-sensitive)."""
    return {name.upper().removeprefix(PREFIX).lower(): value for name, value in environ.items()
            if name.upper().startswith(PREFIX) and name.upper().removeprefix(PREFIX)
            not in NOT_SETTINGS}  # fmt: skip


# Settings whose default is "none" or worked out (the sources and themes files): left empty,
# they are unset. Not the cache folder: an empty one means "off", as "off" does.
_UNSET_WHEN_EMPTY = frozenset(
    f.name for f in msgspec.structs.fields(Settings)
    if (f.default is None or f.default_factory is not msgspec.NODEFAULT) and f.name != "cache_dir"
)  # fmt: skip
_BOOLEAN = frozenset(("allow_private_sources", "container"))


def _set(layer: Mapping[str, Any]) -> dict[str, Any]:
    """The values a layer sets: not a bare name (a .env line without "="), nor an empty
    value for a setting that may be unset."""
    return {name: value for name, value in layer.items() if value is not None
            and not (name in _UNSET_WHEN_EMPTY and isinstance(value, str) and not value.strip())}


def _plain(given: Mapping[str, Any]) -> dict[str, Any]:
    """Text as a person writes it, made ready for conversion: spaces around a value dropped,
    "yes"/"off" are booleans, owner ids are a list "11, 22 33"."""
    out = dict(given)
    for name, value in given.items():
        if not isinstance(value, str):
            continue
        value = out[name] = value.strip()
        if name in _BOOLEAN:
            out[name] = _BOOLEAN_WORDS.get(value.lower(), value)
        elif name == "owner_ids":
            out[name] = [_whole(part) for part in re.split(r"[,\s]+", value) if part]
    return out


def _whole(text: str) -> int | str:
    # A word, or digits no Telegram id has (int() refuses 4,300 of them): msgspec says what.
    return int(text) if re.fullmatch(r"-?[0-9]{1,20}", text) else text


def _decode(kind: type, value: Any) -> Any:
    """The types msgspec leaves to us: paths and secrets, from text."""
    if isinstance(value, kind):
        return value
    if isinstance(value, str) and kind in (Path, Secret):
        return kind(value)
    raise TypeError(f"must be {'a path' if kind is Path else 'text'}")  # msgspec says where


# msgspec's words, as a setting's error says them ("Expected `int` >= 30" -> "must be at least 30").
_KINDS = {"int": "a whole number", "float": "a number", "bool": "true or false",
          "str": "text", "array": "a list"}  # fmt: skip
_BOUNDS = {">=": "at least", "<=": "at most", ">": "more than", "<": "less than"}


def _where_and_what(exc: msgspec.ValidationError, name: str = "") -> tuple[str, str]:
    """The setting an error is about (``name`` unless the error says), and what is wrong, in
    this module's words."""
    cause = exc.__cause__
    if isinstance(cause, _Invalid):
        return cause.name, str(cause)
    message = str(exc)
    found = re.match(r"(?s)(.*) - at `\$(?:\.(\w+))?(?:\[\d+\])?`$", message)
    if found:
        message, name = found.group(1), found.group(2) or name
    bound = re.match(r"Expected `(\w+)(?: \| null)?` (>=|<=|>|<) (\S+)$", message)
    if bound:
        return name, f"must be {_BOUNDS[bound.group(2)]} {bound.group(3).removesuffix('.0')}"
    kind = re.match(r"Expected `(\w+)(?: \| null)?`, got `\w+`$", message)
    if name == "owner_ids":
        return name, "must be Telegram user ids (whole numbers) separated by commas or spaces"
    if kind and kind.group(1) in _KINDS:
        return name, f"must be {_KINDS[kind.group(1)]}"
    if "length >= 1" in message:
        return name, "must not be empty"
    return name, message[:1].lower() + message[1:]


def config_file() -> Path | None:
    """The file named by BORDERBRIEF_CONFIG, which must exist when it is named."""
    named = os.environ.get(PREFIX + "CONFIG")
    if not named:
        return None
    path = Path(named).expanduser()
    if not path.is_file():
        raise SettingsError(f"BORDERBRIEF_CONFIG: no such file: {path}")
    return path


def read_env_file(path: Path) -> dict[str, str | None]:
    try:
        return dict(dotenv_values(path, encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path.resolve()}: {_reason(exc)}; save it as UTF-8") from None


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise SettingsError(f"{path}: not valid TOML: {_reason(exc)}") from None
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start})"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc)


def _nearest(name: str, known: Iterable[str]) -> str:
    found = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {found[0]}?)" if found else ""


def unknown_names(environ: Mapping[str, str | None], where: str) -> list[str]:
    """A line for each ``BORDERBRIEF_*`` name that is not a setting, with the nearest one."""
    known = [PREFIX + name.upper() for name in setting_names()]
    problems = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(PREFIX) or upper in known:
            continue
        if upper.removeprefix(PREFIX) not in NOT_SETTINGS:
            problems.append(f"unknown setting {name} {where}{_nearest(upper, known)}")
    return problems


def unknown_keys(values: Mapping[str, Any], path: Path | None) -> list[str]:
    known = list(setting_names())
    return [f"{path}: unknown key {key!r}{_nearest(key, known)}"
            for key in values if key not in known]


def _describe(field: str, message: str, given: Any, dotenv: Mapping[str, str | None],
              from_file: Mapping[str, Any], config: Path | None) -> str:
    """``<where>: <what is wrong> (got ...)``, where is the variable or the file and key."""
    env_name = PREFIX + field.upper()
    in_env = any(name.upper() == env_name for name in os.environ)
    in_dotenv = any(name.upper() == env_name for name in dotenv)
    if not in_env and in_dotenv:
        where = f"{env_name} in {ENV_FILE.resolve()}"
    elif not in_env and field in from_file:
        where = f"{config}: {field}"
    else:
        where = env_name
    # Never echo a secret (a URL may carry a password) into logs or a terminal.
    secret = env_name.endswith(("_URL", "_TOKEN", "_SECRET"))
    shown = "" if given is None or isinstance(given, dict) or secret else f" (got {given!r})"
    return f"{where}: {message}{shown}"
