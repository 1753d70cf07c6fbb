"""All configuration, built in one place from the environment, a ``.env`` file and a TOML file.

Every setting is ``BORDERBRIEF_<NAME>`` in the environment or in ``.env`` (read from the current
working directory), or ``<name> = ...`` in the file named by ``BORDERBRIEF_CONFIG``. The
environment wins over ``.env``, which wins over the file. A name that is not a setting, a missing
or malformed config file and a bad value each stop ``load_settings`` with one SettingsError line.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from briefings.paths import default_config_file, user_or_default

DEFAULT_API_URL = "https://api.telegram.org/bot"
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
PREFIX = "BORDERBRIEF_"
ENV_FILE = Path(".env")  # relative: read from the working directory (/data in the container)
# BORDERBRIEF_* names that are not settings: the config file's own name and the test switches.
NOT_SETTINGS = frozenset(
    {"CONFIG", "TEST_POSTGRES_URL", "REQUIRE_POSTGRES", "REQUIRE_DATA", "REQUIRE_BROWSER"}
)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MIN_KEEP_DAYS = 30


class SettingsError(Exception):
    """A bad setting: the message names it and says what is wrong."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_file=ENV_FILE, env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite+aiosqlite:///data/borderbrief.db"
    # The user's own files (`init` copies, sources added by /addsource or `sources import`), never
    # inside the package; beside the default SQLite file. Before `themes`, whose default reads it.
    data_dir: Path = Path("data")
    sources: Path = Field(default_factory=lambda: default_config_file("sources.toml"))
    themes: Path = Field(
        default_factory=lambda data: user_or_default(data["data_dir"], "themes.toml")
    )
    poll_interval: int = Field(default=600, ge=30, le=86_400)

    telegram_token: SecretStr | None = None
    telegram_api_url: str = DEFAULT_API_URL
    webhook_secret: SecretStr | None = None
    owner_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)

    # Fetching: timeouts in seconds, sizes in bytes.
    fetch_timeout: float = Field(default=15.0, gt=0, le=120)
    fetch_deadline: float = Field(default=30.0, gt=0, le=600)
    fetch_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    fetch_concurrency: int = Field(default=20, ge=1, le=500)
    fetch_per_host: int = Field(default=4, ge=1, le=50)
    allow_private_sources: bool = False

    # Briefs.
    default_timezone: str = "UTC"
    default_brief_time: str = "08:00"
    default_language: str = "en"
    brief_grace_hours: float = Field(default=6.0, ge=0, le=48)
    alerts_per_hour: int = Field(default=6, ge=1, le=60)
    # Messages awaiting Telegram's answer at once, each to a different chat: a crash repeats
    # at most this many, never two to one chat. One caps a 50 ms round trip at ~18 msg/s.
    send_in_flight: int = Field(default=4, ge=1, le=16)

    http_port: int | None = Field(default=None, ge=1, le=65535)
    # Loopback unless asked: /metrics is not for the internet. The image sets 0.0.0.0.
    http_host: str = Field(default="127.0.0.1", min_length=1)
    # Where readers reach the HTTP server (https://news.example.org): when set, it also serves
    # the story and theme pages, and briefs link to them.
    public_url: str | None = None
    # Signs story-page links; unset, a secret kept in the store (made on first use) does.
    pages_secret: SecretStr | None = None
    log_format: str = "auto"  # auto | json | console
    log_level: str = "INFO"
    cache_dir: str | None = None  # theme fit, prepared encoder: paths.cache_dir(cache_dir)
    # Stories and item texts older than this are forgotten, once a day (0: kept for ever). The
    # pages chart 14 days and /latest reads a week back, so a month is the least.
    keep_days: int = Field(default=90, ge=0, le=36_500)
    # Set by the image: there is no terminal to preview a brief in, so `run` needs a token.
    container: bool = False

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources = [init_settings, env_settings, dotenv_settings]
        config_file = os.environ.get("BORDERBRIEF_CONFIG")
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or postgresql+asyncpg:// "
                "(e.g. postgresql+asyncpg://user@host:5432/borderbrief)"
            )
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL like https://api.telegram.org/bot")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
            raise ValueError("must be an http(s) URL without query, like https://news.example.org")
        return value.rstrip("/") if value else None

    @field_validator("owner_ids", mode="before")
    @classmethod
    def _owner_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [int(part) for part in re.split(r"[,\s]+", value.strip()) if part]
        return value

    @field_validator("default_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("must be an IANA time zone like America/Mexico_City") from exc
        return value

    @field_validator("default_brief_time")
    @classmethod
    def _brief_time(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError("must be HH:MM (24-hour), e.g. 08:00")
        return value

    @field_validator("default_language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value == "en":  # the language of every message, so always there
            return value
        # Another language is checked against the catalogues present, read now: a command that
        # keeps the default (borderbrief match) never imports babel nor reads a catalogue.
        from babel.lists import format_list

        from briefings.i18n import languages

        if value not in languages():
            raise ValueError(f"must be {format_list(list(languages()), style='or', locale='en')}")
        return value

    @field_validator("keep_days")
    @classmethod
    def _keep_days(cls, value: int) -> int:
        if 0 < value < MIN_KEEP_DAYS:
            raise ValueError(f"must be 0 (keep everything) or at least {MIN_KEEP_DAYS} days")
        return value

    @property
    def keep_news(self) -> timedelta | None:
        return timedelta(days=self.keep_days) if self.keep_days else None

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        if value not in ("auto", "json", "console"):
            raise ValueError("must be auto, json or console")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError("must be one of " + ", ".join(LOG_LEVELS))
        return value.upper()

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


def load_settings(**overrides: Any) -> Settings:
    """Build the settings; any problem becomes one SettingsError line naming where it came from."""
    config = config_file()
    from_file = read_config_file(config) if config else {}
    dotenv = dict(dotenv_values(ENV_FILE)) if ENV_FILE.is_file() else {}
    unknown = [
        *unknown_names(os.environ, "in the environment"),
        *unknown_names(dotenv, f"in {ENV_FILE.resolve()}"),
        *unknown_keys(from_file, config),
    ]
    if unknown:
        raise SettingsError("; ".join(unknown))
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = [_describe(error, dotenv, from_file, config) for error in exc.errors()]
        raise SettingsError("; ".join(problems)) from None


def config_file() -> Path | None:
    """The file named by BORDERBRIEF_CONFIG, which must exist when it is named."""
    named = os.environ.get(PREFIX + "CONFIG")
    if not named:
        return None
    path = Path(named).expanduser()
    if not path.is_file():
        raise SettingsError(f"BORDERBRIEF_CONFIG: no such file: {path}")
    return path


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _nearest(name: str, known: Iterable[str]) -> str:
    found = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {found[0]}?)" if found else ""


def unknown_names(environ: Mapping[str, str | None], where: str) -> list[str]:
    """A line for each ``BORDERBRIEF_*`` name that is not a setting, with the nearest one."""
    known = [PREFIX + name.upper() for name in Settings.model_fields]
    problems = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(PREFIX) or upper in known:
            continue
        if upper.removeprefix(PREFIX) not in NOT_SETTINGS:
            problems.append(f"unknown setting {name} {where}{_nearest(upper, known)}")
    return problems


def unknown_keys(values: Mapping[str, Any], path: Path | None) -> list[str]:
    known = list(Settings.model_fields)
    return [f"{path}: unknown key {key!r}{_nearest(key, known)}"
            for key in values if key not in known]


def _describe(error: Any, dotenv: Mapping[str, str | None], from_file: Mapping[str, Any],
              config: Path | None) -> str:
    """``<where>: <what is wrong> (got ...)``, where is the variable or the file and key."""
    field = str(error["loc"][0]) if error["loc"] else ""
    env_name = PREFIX + field.upper()
    in_env = any(name.upper() == env_name for name in os.environ)
    in_dotenv = any(name.upper() == env_name for name in dotenv)
    if not in_env and in_dotenv:
        where = f"{env_name} in {ENV_FILE.resolve()}"
    elif not in_env and field in from_file:
        where = f"{config}: {field}"
    else:
        where = env_name
    given = error.get("input")
    # Never echo a secret (a URL may carry a password) into logs or a terminal.
    secret = env_name.endswith(("_URL", "_TOKEN", "_SECRET"))
    shown = "" if isinstance(given, dict) or secret else f" (got {given!r})"
    return f"{where}: {error['msg'].removeprefix('Value error, ')}{shown}"
