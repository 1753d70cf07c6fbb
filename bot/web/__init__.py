"""The web face: full-coverage story pages and theme pages, beside /healthz on one server.

Mounted by ``bot.http`` when ``BORDERBRIEF_PUBLIC_URL`` is set. Pages show public news and
shared themes only: a story is reached by a signed token (``briefings.render.links``), never by
its id, and a chat's own theme has no page.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.web.handlers import ChartHandler, StoryHandler, ThemeHandler
from bot.web.site import Site
from briefings.settings import Settings
from briefings.themes import ThemeCatalogue, ThemeSet, load_themes

__all__ = ["Site", "page_routes"]

_THEME = r"([^/?#]{1,100})"


def page_routes(settings: Settings, engine: AsyncEngine, *, themes: ThemeSet | None = None,
                site: Site | None = None) -> list[tuple[str, Any, dict[str, Any]]]:
    """The pages' tornado routes (the shared themes from ``BORDERBRIEF_THEMES`` unless given)."""
    if site is None:
        catalogue = ThemeCatalogue(themes if themes is not None else load_themes(settings.themes))
        site = Site(settings, engine, catalogue)
    args = {"site": site}
    return [
        (r"/s/([^/?#]*)", StoryHandler, args),  # any token: a forged one gets our 404
        (rf"/t/{_THEME}/chart\.png", ChartHandler, args),
        (rf"/t/{_THEME}", ThemeHandler, args),
    ]
