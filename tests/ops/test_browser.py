"""Smoke test for the browser tests (issue 11): playwright drives Debian's Chromium, headless.

It launches /usr/bin/chromium through ``executable_path`` (``playwright install`` cannot
download browsers here) against a page served on 127.0.0.1. Without Chromium or playwright it
skips with the reason; BORDERBRIEF_REQUIRE_BROWSER=1 (set by .ci/run) makes that a failure.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>borderbrief</title>
</head><body><h1 id="headline">Tariffs on steel</h1>
<script>document.getElementById("headline").dataset.ready = "yes";</script></body></html>"""

pytestmark = pytest.mark.browser


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


@pytest.fixture
def page_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


async def test_headless_chromium_reads_a_local_page(chromium: Path, page_url: str) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=str(chromium), headless=True)
        try:
            page = await browser.new_page()
            await page.goto(page_url)
            headline = page.locator("#headline")
            assert await headline.inner_text() == "Tariffs on steel"
            assert await headline.get_attribute("data-ready") == "yes"  # scripts ran
            assert await page.title() == "borderbrief"
        finally:
            await browser.close()
