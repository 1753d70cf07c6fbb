"""Brief lines read clean on real feed text: none starts with a dateline ("CDMX.-",
"WASHINGTON (AP) —") or ends with a CMS footer ("The post … appeared first on …", "Leer más",
"Continue reading...", "[…]"), in Telegram HTML and in terminal text."""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from briefings.briefs.content import Brief, Section
from briefings.model import Report, Source
from briefings.parse import parse_feed
from briefings.render import TELEGRAM, TextRenderer, telegram_html_is_valid
from briefings.store.stories import StoryView
from briefings.stories.facts import with_facts

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
DATELINE = re.compile(
    r"^(?:• )?(?:[A-ZÁÉÍÓÚÑ][A-ZÁÉÍÓÚÑ .]{2,}|CDMX|[A-Z][a-z]+(?: [A-Z][a-z]+)*)"
    r"(?:,[^.\n]{1,40})?\s*(?:\([^)]{1,20}\))?\s*(?:\.\s*[-–—]|[-–—]{1,2}\s)")
FOOTER = re.compile(
    r"(?:appeared first on|first appeared on|se public[oó] primero en|apareci[oó] primero en"
    r"|continue reading|read more|leer m[aá]s|seguir leyendo|sigue leyendo|ver m[aá]s"
    r"|\[\s*(?:…|\.\.\.)\s*\]|\(\s*(?:…|\.\.\.)\s*\))[\s.…»›→]*$",
    re.IGNORECASE)


def _visible_lines(part: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", line)).strip() for line in part.splitlines()]


def _check(parts: list[str]) -> list[str]:
    bad = []
    for part in parts:
        for line in _visible_lines(part):
            if DATELINE.match(line) or FOOTER.search(line):
                bad.append(line)
    return bad


def _brief(stories: list[StoryView], language: str) -> Brief:
    return Brief(language, NOW, NOW - timedelta(days=1), [Section("t", "Theme", stories)])


def _views(reports_by_story: list[list[Report]]) -> list[StoryView]:
    views = []
    for sid, reports in enumerate(reports_by_story, start=1):
        first = reports[0]
        views.append(StoryView(sid, first.title, first.url, first.lede, NOW, NOW,
                               len({r.outlet for r in reports}), [r.outlet for r in reports],
                               sorted({r.language for r in reports}), {"t": 1.0}, [],
                               tuple(reports)))
    return with_facts(views)


def _feed_reports(path: Path) -> list[list[Report]]:
    source = Source(path.stem, f"https://{path.stem}.example/feed", "en")
    parsed = parse_feed(path.read_bytes(), source=source, fetched_at=NOW)
    return [[Report(n, path.stem, item.language, None, item.published_at, item.url, item.title,
                    item.summary)] for n, item in enumerate(parsed.items)]


FEEDS = ["rss-parser/guardian.rss", "rss-parser/heise.atom", "rss-parser/uolNoticias.rss",
         "feed-rs/rss_2.0_spiegel.xml", "feed-rs/rss_2.0_nbcny.xml",
         "feed-rs/rss_2.0_wirecutter.xml", "feed-rs/rss_2.0_ilgiornale.xml",
         "feed-rs/rss_2.0_ilmessaggero.xml"]


@pytest.mark.parametrize("name", FEEDS)
def test_real_feed_items_make_clean_brief_lines(shared_data, name):
    stories = _views(_feed_reports(shared_data / "feeds" / name))
    assert stories, name
    for language in ("en", "es"):
        parts = TELEGRAM.brief(_brief(stories, language))
        assert all(telegram_html_is_valid(p) for p in parts)
        assert _check(parts) == []
        assert _check(TextRenderer().brief(_brief(stories, language))) == []


def test_the_guardian_read_more_link_is_gone(shared_data):
    raw = (shared_data / "feeds" / "rss-parser/guardian.rss").read_text(encoding="utf-8")
    assert "Continue reading..." in raw  # the real feed has it in every item
    (part,) = TextRenderer().brief(_brief(_views(_feed_reports(
        shared_data / "feeds" / "rss-parser/guardian.rss")), "en"))
    assert "Continue reading" not in part


def _labelled(path: Path, key: str) -> list[list[Report]]:
    """Labelled real items: ``stories-dev`` grouped by event, ``themes-dev`` one by one."""
    groups: dict[str, list[Report]] = defaultdict(list)
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        row = json.loads(line)
        groups[row.get(key) or f"item{n}"].append(Report(
            n, row.get("source") or row.get("outlet") or "outlet", row.get("lang", "en"),
            None, NOW, row.get("url") or f"https://x.example/{n}", row.get("title", ""),
            row.get("summary") or row.get("lede") or ""))
    return list(groups.values())


@pytest.mark.parametrize(("name", "key"), [("stories-dev.jsonl", "event"),
                                           ("themes-dev.jsonl", "")])
def test_labelled_real_ledes_lose_datelines_and_ellipses(shared_data, name, key):
    path = shared_data / name
    raw = path.read_text(encoding="utf-8")
    assert ".-" in raw  # real Mexican datelines ("CDMX.-") are in these ledes
    stories = _views(_labelled(path, key))
    for language in ("en", "es"):
        assert _check(TELEGRAM.brief(_brief(stories, language))) == []
        assert _check(TextRenderer().brief(_brief(stories, language))) == []
