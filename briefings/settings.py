"""All configuration, built in one place from the environment and an optional TOML file.

Every setting is ``BORDERBRIEF_<NAME>`` in the environment, or ``<name> = ...`` in the file
named by ``BORDERBRIEF_CONFIG``. The environment wins over the file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from briefings.paths import default_config_file

DEFAULT_API_URL = "https://api.telegram.org/bot"
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class SettingsError(Exception):
    """A bad setting: the message names it and says what is wrong."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BORDERBRIEF_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///data/borderbrief.db"
    sources: Path = Field(default_factory=lambda: default_config_file("sources.toml"))
    themes: Path = Field(default_factory=lambda: default_config_file("themes.toml"))
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
    # Messages awaiting Telegram's answer at once. 1 = a crash repeats at most one message;
    # more sends faster over a slow link but a crash may repeat that many.
    send_in_flight: int = Field(default=1, ge=1, le=16)

    http_port: int | None = Field(default=None, ge=1, le=65535)
    log_format: str = "auto"  # auto | json | console

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
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
        if value not in ("en", "es"):
            raise ValueError("must be en or es")
        return value

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        if value not in ("auto", "json", "console"):
            raise ValueError("must be auto, json or console")
        return value

    @property
    def token(self) -> str | None:
        return self.telegram_token.get_secret_value() if self.telegram_token else None


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, turning a validation failure into one clear SettingsError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = "BORDERBRIEF_" + "_".join(str(p) for p in error["loc"][:1]).upper()
            given = error.get("input")
            # Never echo a secret (a URL may carry a password) into logs or a terminal.
            secret = name.endswith(("_URL", "_TOKEN", "_SECRET"))
            shown = "" if isinstance(given, dict) or secret else f" (got {given!r})"
            problems.append(f"{name}: {error['msg'].removeprefix('Value error, ')}{shown}")
        raise SettingsError("; ".join(problems)) from None
