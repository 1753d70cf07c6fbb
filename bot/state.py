"""What the running bot shares between handlers and jobs, kept typed in ``bot_data``.

Handlers, jobs and owner commands read it with ``bot_state(context)`` (or
``bot_state(application)``) instead of scattering string keys through ``bot_data``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.flood import FloodLimiter
from briefings.jobs.fetching import ParsePools
from briefings.model import ThemeRef
from briefings.settings import Settings
from briefings.themes import ThemeCatalogue, ThemeSet

Clock = Callable[[], datetime]
_KEY = "borderbrief.state"
MAX_OWN_THEMES = 5


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class BotState:
    """The settings, the store, the themes and the clock of one running bot."""

    settings: Settings
    engine: AsyncEngine
    themes: ThemeSet
    clock: Clock = utc_now
    flood: FloodLimiter = field(default_factory=FloodLimiter)
    owns_engine: bool = True  # dispose the engine at shutdown (not when a test lent it)
    max_own_themes: int = MAX_OWN_THEMES
    http: Any = None  # the /healthz endpoint while the bot runs, if BORDERBRIEF_HTTP_PORT is set
    parsers: ParsePools = field(default_factory=ParsePools)  # the poll job's; stopped at shutdown

    def now(self) -> datetime:
        return self.clock()

    def catalogue(self, own: Iterable[ThemeRef] = ()) -> ThemeCatalogue:
        """The themes by reference (and a chat's ``own``), named as the bot names them."""
        # A key no longer in themes.toml is shown as it is stored.
        return ThemeCatalogue(self.themes, own, fallback={})


def install_state(application: Any, state: BotState) -> None:
    application.bot_data[_KEY] = state


def bot_state(holder: Any) -> BotState:
    """The BotState of an Application or of a handler's/job's CallbackContext."""
    data = holder.bot_data
    return data[_KEY]  # type: ignore[no-any-return]
