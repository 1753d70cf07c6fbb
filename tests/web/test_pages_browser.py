"""The pages in a real browser: headless Chromium (Debian's /usr/bin/chromium) through playwright.

The real server (bot.http with its pages) runs on 127.0.0.1 over a filled store; the browser
loads a story page and a theme page as a reader would, and each test saves a screenshot under
its temporary folder. Without Chromium or playwright these skip with the reason (and fail under
BORDERBRIEF_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from briefings.fetch import FetchConfig, Fetcher
from briefings.jobs.poll import poll_cycle
from briefings.model import Source
from briefings.paths import default_config_file
from briefings.render.links import story_token
from briefings.store.sources import sync_sources
from briefings.stories import file_items
from briefings.themes import Matcher, load_themes
from tests.feedserver import FeedServer
from tests.web.conftest import Served
from tests.web.fill import HOSTILE, LEAD_EN

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}  # a phone's CSS pixels


class Reader:
    """One browser page, with what went wrong in it (console errors, failed requests)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("requestfailed", lambda r: self.errors.append(f"failed: {r.url}"))
        self.not_found: list[str] = []  # every answer of 400 and up, by URL
        page.on("response", lambda r: self.not_found.append(r.url) if r.status >= 400 else None)

    async def open(self, url: str) -> Any:
        return await self.page.goto(url, wait_until="load")


@pytest.fixture
async def browser(chromium: Path) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as driver:
        launched = await driver.chromium.launch(executable_path=str(chromium), headless=True)
        try:
            yield launched
        finally:
            await launched.close()


async def reader(browser: Any, **options: Any) -> Reader:
    context = await browser.new_context(viewport=PHONE, device_scale_factor=2, **options)
    return Reader(await context.new_page())


async def test_a_story_page_as_a_spanish_reader_sees_it(
    browser: Any, served_sqlite: Served, tmp_path: Path
) -> None:
    served = served_sqlite
    you = await reader(browser, locale="es-MX")  # Accept-Language: es-MX
    response = await you.open(served.story(served.filled.lead))
    assert response.status == 200
    headers = await response.all_headers()
    assert "script-src" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    page = you.page
    assert await page.locator("html").get_attribute("lang") == "es"
    assert "México" in await page.locator("#headline").inner_text()
    assert await page.locator(".kicker").inner_text() == "COBERTURA COMPLETA"  # CSS applied
    groups = await page.locator("section.group h3").all_inner_texts()
    assert [g.split(" (")[0] for g in groups] == [
        "🇲🇽 México · Español", "🇺🇸 Estados Unidos · Inglés", "🇬🇧 Reino Unido · Español",
        "Otros · Inglés"]
    links = page.locator("ul.reports a")
    assert await links.count() == 6
    assert all(href.startswith("https://") for href in
               [await links.nth(i).get_attribute("href") for i in range(6)])
    assert await page.locator("script").count() == 0
    # Readable on a phone: nothing wider than the screen.
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await page.screenshot(path=tmp_path / "story-es.png", full_page=True)
    assert (tmp_path / "story-es.png").stat().st_size > 10_000
    assert you.errors == []

    # The language switch keeps the reader on the story, now in English.
    await page.get_by_role("link", name="English").click()
    assert await page.locator("#headline").inner_text() == LEAD_EN
    assert "lang=en" in page.url and you.errors == []


async def test_a_theme_page_shows_its_chart_and_leads_to_its_stories(
    browser: Any, served_sqlite: Served, tmp_path: Path
) -> None:
    served = served_sqlite
    you = await reader(browser)
    response = await you.open(f"{served.base}/t/tariffs?lang=en")
    assert response.status == 200
    page = you.page
    assert await page.locator("#headline").inner_text() == "Tariffs"
    chart = page.locator("img#chart")
    width = await chart.evaluate("img => img.complete ? img.naturalWidth : 0")
    assert width == 800 and await chart.evaluate("img => img.naturalHeight") == 560
    assert "Mexican press" in await page.locator("figcaption").inner_text()
    await page.screenshot(path=tmp_path / "theme-en.png", full_page=True)
    await page.locator("ol.stories a", has_text=LEAD_EN).click()
    assert await page.locator("#headline").inner_text() == LEAD_EN
    assert page.url.endswith(f"/s/{story_token(served.key, served.filled.lead)}?lang=en")
    assert you.errors == []


async def test_markup_in_a_title_is_text_and_forged_links_are_not_found(
    browser: Any, served_sqlite: Served, tmp_path: Path
) -> None:
    served = served_sqlite
    you = await reader(browser)
    await you.open(served.story(served.filled.hostile))
    page = you.page
    assert await page.locator("#headline").inner_text() == HOSTILE
    assert await page.title() != "pwned" and await page.locator("script, b").count() == 0
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await page.screenshot(path=tmp_path / "hostile.png", full_page=True)
    token = story_token(served.key, served.filled.lead)
    forged = await you.open(f"{served.base}/s/{token[:-2]}{'AB' if token[-2:] != 'AB' else 'CD'}")
    assert forged.status == 404
    assert await page.locator("h1").inner_text() == "Page not found"
    own = await you.open(f"{served.base}/t/c501:wall")
    assert own.status == 404
    # Chromium logs each 404 document as a console error: those two, and nothing else.
    assert you.not_found == [forged.url, own.url]
    assert len(you.errors) == 2 and all("404" in error for error in you.errors)


async def test_a_title_from_a_real_feed_poll_is_shown_as_text(
    browser: Any, served_sqlite: Served, tmp_path: Path
) -> None:
    served = served_sqlite
    title = 'Mexico & U.S. "close" a <tomato> deal: tariffs < 5% <script>alert(1)</script>'
    item = (f"<item><guid>w1</guid><title><![CDATA[{title}]]></title>"
            "<link>https://wire.example/tomato</link><description>Mexico and the United States "
            "agreed on tomato tariffs below five percent on Monday, growers said.</description>"
            "<pubDate>Fri, 04 Dec 2026 12:00:00 GMT</pubDate></item>")
    feed = ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Wire'
            f"</title><link>https://wire.example/</link>{item}</channel></rss>")
    with FeedServer() as feeds:
        url = feeds.add("/wire.xml", feed.encode())
        async with served.engine.begin() as conn:
            await sync_sources(conn, [Source("Wire", url, "en", "US")], datetime.now(UTC))
        matcher = Matcher(load_themes(default_config_file("themes.toml")).themes)
        async with Fetcher(FetchConfig(allow_private=True, timeout=2.0, deadline=4.0)) as f:
            report = await poll_cycle(served.engine, f, matcher=matcher, filer=file_items,
                                      ignore_schedule=True)
    assert report.new_items == 1
    async with served.engine.connect() as conn:
        from sqlalchemy import select

        from briefings.store.tables import items
        story_id, stored = (await conn.execute(
            select(items.c.story_id, items.c.title).where(items.c.guid == "w1"))).one()
    you = await reader(browser)
    await you.open(served.story(story_id))
    shown = await you.page.locator("#headline").inner_text()
    assert shown == stored.strip() and "Mexico & U.S." in shown
    assert await you.page.locator("script").count() == 0 and you.errors == []
    await you.page.screenshot(path=tmp_path / "polled.png", full_page=True)
