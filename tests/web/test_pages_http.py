"""The pages over HTTP on each backend: what they say, what they refuse, the headers they carry.

(What a reader sees in a browser is tests/web/test_pages_browser.py.)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.http import start_http_server
from briefings.model import Source
from briefings.render.links import load_key, page_key, page_links, story_token
from briefings.settings import Secret, Settings
from briefings.store.sources import sync_sources
from tests.web.conftest import PUBLIC_URL, Served
from tests.web.fill import HOSTILE, LEAD_EN

PNG = b"\x89PNG\r\n\x1a\n"


def assert_strict_headers(response: httpx.Response) -> None:
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "img-src 'self' data:" in csp
    assert "script-src" not in csp and "unsafe-inline" not in csp
    assert re.search(r"style-src 'sha256-[A-Za-z0-9+/]{43}='", csp)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "server" not in response.headers


async def get(url: str, **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.get(url, headers=headers)


async def test_story_page_in_the_asked_language_with_every_report(served: Served) -> None:
    spanish = await get(served.story(served.filled.lead, "?lang=es"))
    english = await get(served.story(served.filled.lead), **{"Accept-Language": "en-GB,en"})
    assert spanish.status_code == english.status_code == 200
    for page in (spanish, english):
        assert_strict_headers(page)
        assert "<script" not in page.text.lower()
    assert '<html lang="es">' in spanish.text and "Cobertura completa" in spanish.text
    assert f'<h1 id="headline" lang="en">{LEAD_EN}</h1>' in english.text
    assert re.search(r'<h1 id="headline" lang="es">[^<]*México', spanish.text)
    # Grouped: Mexico's press, then the U.S.'s, then others, the unknown country last.
    headings = re.findall(r"<h3>(.*?) <span", english.text)
    assert headings == ["🇲🇽 Mexico · Spanish", "🇺🇸 United States · English",
                        "🇬🇧 United Kingdom · Spanish", "Other · English"]
    assert english.text.count('rel="noopener noreferrer nofollow"') == 6
    assert "6 outlets · 🇲🇽\u00a02 · 🇺🇸\u00a02 · 🇬🇧\u00a01 · Other\u00a01" in english.text


async def test_story_page_never_shows_a_chats_own_theme(served: Served) -> None:
    page = await get(served.story(served.filled.lead))
    themes = re.search(r'<p class="themes">(.*?)</p>', page.text, re.S)
    assert themes is not None and themes.group(1) == 'Themes: <a href="../t/tariffs">Tariffs</a>'
    assert "c501" not in page.text
    own_only = await get(served.story(served.filled.own_only))
    assert own_only.status_code == 200 and "c501" not in own_only.text  # public news, no theme
    assert 'class="themes"' not in own_only.text


async def test_feed_markup_is_shown_as_text(served: Served) -> None:
    page = await get(served.story(served.filled.hostile))
    assert "&lt;script&gt;document.title=&#34;pwned&#34;&lt;/script&gt;" in page.text
    assert "&lt;b&gt;bold&lt;/b&gt;" in page.text and "<b>" not in page.text
    assert "<script" not in page.text and "<img src=x" not in page.text
    assert HOSTILE not in page.text


async def test_forged_and_unknown_tokens_are_404_with_the_same_headers(served: Served) -> None:
    real = story_token(served.key, served.filled.lead)
    forged = [real[:-1] + ("A" if real[-1] != "A" else "B"),
              story_token(page_key("not our secret"), served.filled.lead),
              str(served.filled.lead), "", "x" * 500, "%3Cscript%3E"]
    for token in forged:
        response = await get(f"{served.base}/s/{token}")
        assert response.status_code == 404, token
        assert_strict_headers(response)
        assert "Page not found" in response.text and "<script" not in response.text
    gone = await get(f"{served.base}/s/{story_token(served.key, 987_654)}?lang=es")
    assert gone.status_code == 404 and "Página no encontrada" in gone.text


async def test_theme_page_lists_its_stories_and_its_chart(served: Served) -> None:
    page = await get(f"{served.base}/t/tariffs")
    assert page.status_code == 200
    assert_strict_headers(page)
    assert '<h1 id="headline">Tariffs</h1>' in page.text
    assert f"../s/{story_token(served.key, served.filled.lead)}" in page.text
    assert f"../s/{story_token(served.key, served.filled.own_only)}" not in page.text
    assert '<img id="chart" src="tariffs/chart.png?lang=en"' in page.text
    assert "11 stories in the last 14 days" in page.text
    chart = await get(f"{served.base}/t/tariffs/chart.png?lang=es")
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/png"
    assert chart.content.startswith(PNG)
    assert_strict_headers(chart)
    spanish = await get(f"{served.base}/t/aranceles", **{"Accept-Language": "es-MX"})
    assert spanish.status_code == 404  # pages go by the theme's key, not a translation of it
    spanish = await get(f"{served.base}/t/tariffs", **{"Accept-Language": "es-MX"})
    assert '<h1 id="headline">Aranceles</h1>' in spanish.text


async def test_own_and_unknown_themes_have_no_page(served: Served) -> None:
    for path in ("c501:wall", "c501%3Awall", "c501:pork", "nothing-here", "c501:wall/chart.png",
                 "nothing-here/chart.png", "%2e%2e"):
        response = await get(f"{served.base}/t/{path}")
        assert response.status_code == 404, path
        assert "wall" not in response.text.lower() and "pork" not in response.text.lower()


async def test_a_young_store_says_so_instead_of_charting(engine: AsyncEngine) -> None:
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await sync_sources(conn, [Source("Milenio", "https://m.example/rss", "es", "MX")], now)
    settings = Settings(public_url=PUBLIC_URL)
    endpoint = await start_http_server(settings, engine, port=0, host="127.0.0.1")
    try:
        base = f"http://127.0.0.1:{endpoint.port}"
        page = await get(f"{base}/t/fentanyl?lang=es")
        chart = await get(f"{base}/t/fentanyl/chart.png")
    finally:
        await endpoint.aclose()
    assert page.status_code == 200 and 'id="chart"' not in page.text
    assert "Aún hay poco historial para graficar Fentanilo" in page.text
    assert "No hay noticias de este tema" in page.text
    assert chart.status_code == 404


async def test_no_public_url_no_pages(engine: AsyncEngine) -> None:
    endpoint = await start_http_server(Settings(), engine, port=0, host="127.0.0.1")
    try:
        base = f"http://127.0.0.1:{endpoint.port}"
        key = page_key("whatever")
        assert (await get(f"{base}/s/{story_token(key, 1)}")).status_code == 404
        assert (await get(f"{base}/t/tariffs")).status_code == 404
        assert (await get(f"{base}/healthz")).status_code in (200, 503)
    finally:
        await endpoint.aclose()
    assert await page_links(engine, Settings(), now=datetime.now(UTC)) is None


async def test_links_survive_a_restart_and_the_setting_wins(engine: AsyncEngine,
                                                           tmp_path: Path) -> None:
    settings = Settings(public_url=PUBLIC_URL)
    now = datetime.now(UTC)
    first = await load_key(engine, settings, now=now)
    again = await load_key(engine, settings, now=now + timedelta(days=30))
    assert first == again  # kept in the store: old briefs' links still open
    chosen = Settings(public_url=PUBLIC_URL, pages_secret=Secret("from the operator"))
    assert await load_key(engine, chosen, now=now) == page_key("from the operator") != first
    links = await page_links(engine, settings, now=now)
    assert links is not None and links.story(5) == f"{PUBLIC_URL}/s/{story_token(first, 5)}"
