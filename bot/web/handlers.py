"""Tornado handlers of the pages: a story (``/s/<token>``), a theme (``/t/<name>``), its chart.

Every answer carries a strict Content-Security-Policy (no script at all; the inline style sheet
by its hash; images from this server), ``nosniff`` and ``no-referrer``: a story's address is
its token, and a reader following a report's link must not hand it to the outlet.
"""

from __future__ import annotations

from typing import Any

import tornado.web

from bot.web.language import reader_language
from bot.web.site import Site

CACHE = "public, max-age=60"  # stories grow as reports arrive: a minute old at most


class PageHandler(tornado.web.RequestHandler):
    def initialize(self, site: Site) -> None:
        self.site = site
        self._security_headers()

    def set_default_headers(self) -> None:
        # tornado calls this before ``initialize`` (no site yet) and again before an error page.
        if hasattr(self, "site"):
            self._security_headers()

    def _security_headers(self) -> None:
        self.clear_header("Server")
        self.set_header("Content-Security-Policy", self.site.pages.csp)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("Cross-Origin-Resource-Policy", "same-origin")
        self.set_header("Vary", "Accept-Language")

    @property
    def language(self) -> str:
        return reader_language(self.get_query_argument("lang", None),
                               self.request.headers.get("Accept-Language"))

    @property
    def suffix(self) -> str:
        """What links to other pages carry: the language, when the reader chose one."""
        return f"?lang={self.language}" if self.get_query_argument("lang", None) else ""

    def html(self, body: str) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", CACHE)
        self.finish(body)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        if status_code == 404:
            self.finish(self.site.pages.not_found(language=self.language))
        else:  # never a traceback: tornado's own page without debug, in one line
            self.finish(f"<!doctype html><title>{status_code}</title><p>{status_code}</p>")


class StoryHandler(PageHandler):
    async def get(self, token: str) -> None:
        page = await self.site.story(token, self.language, self.suffix)
        if page is None:
            raise tornado.web.HTTPError(404)
        self.html(self.site.pages.story(page, language=self.language, tz=self.site.tz))


class ThemeHandler(PageHandler):
    async def get(self, name: str) -> None:
        ref = self.site.shared(name)
        if ref is None:
            raise tornado.web.HTTPError(404)
        page = await self.site.theme(ref, self.language, self.suffix)
        self.html(self.site.pages.theme(page, language=self.language, tz=self.site.tz))


class ChartHandler(PageHandler):
    async def get(self, name: str) -> None:
        ref = self.site.shared(name)
        if ref is None:
            raise tornado.web.HTTPError(404)
        _, png = await self.site.chart(ref, self.language)
        if png is None:  # too little history: the page says so in words
            raise tornado.web.HTTPError(404)
        self.set_header("Content-Type", "image/png")
        self.set_header("Cache-Control", CACHE)
        self.finish(png)
