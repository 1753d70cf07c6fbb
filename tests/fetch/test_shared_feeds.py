"""Robustness over the real-world feeds in ../shared/data/feeds, served over real HTTP.

Every file is served with the headers its comment block names (feedparser's ``Header:``
lines), fetched by the Fetcher and parsed by parse_feed. None may crash or hang; each gives
items with correctly decoded text, a valid empty feed with a decoded title, or a readable
error. Where the comment block states an expected result (``Expect:``), it is checked twice:
on feedparser's own result for the fetched bytes and headers (proves bytes and charset made it
through the server and the fetcher intact) and, for titles, descriptions and links, on our
cleaned items.
"""

from __future__ import annotations

import ast
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import feedparser

from briefings.fetch import FetchConfig, Fetcher
from briefings.model import Source
from briefings.parse import ParsedFeed, parse_feed
from briefings.text import canonical_url, html_to_text
from tests.feedserver import FeedServer, parse_comment_headers

FETCHED_AT = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
SOURCE = Source(name="shared", url="https://x.example/feed", language="")

# Expectations that name what an encoding detector guessed: they depend on the detector and
# its version (feedparser's own suite skips them without chardet). For these we check the
# decoded text is in the right script instead.
SCRIPTS = {
    "big5.xml": r"[\u4e00-\u9fff]",
    "gb2312.xml": r"[\u4e00-\u9fff]",
    "eucjp.xml": r"[\u3040-\u30ff\u4e00-\u9fff]",
    "shiftjis.xml": r"[\u3040-\u30ff\u4e00-\u9fff]",
    "euckr.xml": r"[\uac00-\ud7af]",
    "koi8r.xml": r"[\u0400-\u04ff]",
    "tis620.xml": r"[\u0e00-\u0e7f]",
    "windows1255.xml": r"[\u0590-\u05ff]",
}
# Line noise that no detector decodes "correctly"; its expected value is one detector's guess.
DETECTOR_GUESS = {"bozo_linenoise.xml"}
# Mis-decoding leaves these behind: U+FFFD, or UTF-8 read as Latin-1/Windows-1252.
MOJIBAKE = re.compile(r"\ufffd|Ã[\u0080-\u00bf]|â€")
VALUE = re.compile(
    r"(?P<field>feed\['title'\]|entries\[0\](?:\['description'\]|\['summary'\]|\.summary|\.link))"
    r"\s*==\s*(?P<value>'(?:[^'\\]|\\.)*')"
)
ORD = re.compile(r"ord\(entries\[0\]\['description'\]\)\s*==\s*(\d+)")


@dataclass
class Case:
    path: Path
    name: str
    headers: dict[str, str]
    expect: str | None


def comment_expect(raw: bytes) -> str | None:
    text = raw.replace(b"\x00", b"").decode("latin-1")
    match = re.search(r"^\s*Expect:\s*(.*?)\s*$", text, re.MULTILINE)
    return match.group(1) if match else None


def collect(shared_data: Path) -> list[Case]:
    root = shared_data / "feeds"
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix != ".md")
    cases = []
    for path in files:
        raw = path.read_bytes()
        cases.append(
            Case(path, str(path.relative_to(root)), parse_comment_headers(raw), comment_expect(raw))
        )
    return cases


def check_feedparser_expectation(case: Case, body: bytes, content_type: str | None) -> str | None:
    if not case.expect or case.path.name in SCRIPTS or case.path.name in DETECTOR_GUESS:
        return None
    headers = {"content-type": content_type} if content_type else {}
    result = feedparser.parse(body, response_headers=headers)
    try:
        ok = eval(case.expect, {"feedparser": feedparser}, result)  # noqa: S307 - test data
    except Exception as exc:  # noqa: BLE001
        return f"Expect raised {exc!r}"
    return None if ok else f"feedparser result does not meet Expect: {case.expect}"


def check_our_values(case: Case, parsed: ParsedFeed) -> list[str]:
    """Compare titles, descriptions and links the comment block names with our clean text."""
    problems: list[str] = []
    if not case.expect or case.path.name in DETECTOR_GUESS:
        return problems
    for match in VALUE.finditer(case.expect):
        expected = ast.literal_eval(match.group("value"))
        field = match.group("field")
        if field == "feed['title']":
            got, want = parsed.title, html_to_text(expected)
        elif not parsed.items:
            continue  # entries without title or link are skipped; the error says so
        elif field.endswith(".link"):
            got, want = parsed.items[0].url, canonical_url(expected)
        else:
            got, want = parsed.items[0].summary, html_to_text(expected, limit=1000)
        if got != want:
            problems.append(f"{field}: got {got!r}, expected {want!r}")
    ordinal = ORD.search(case.expect)
    if ordinal and parsed.items and parsed.items[0].summary != chr(int(ordinal.group(1))):
        problems.append(f"description: got {parsed.items[0].summary!r}")
    return problems


def check_text(case: Case, parsed: ParsedFeed) -> list[str]:
    problems: list[str] = []
    texts = [parsed.title] + [i.title + " " + i.summary for i in parsed.items]
    joined = " ".join(texts)
    script = SCRIPTS.get(case.path.name)
    if script and parsed.items and not re.search(script, joined):
        problems.append(f"text not decoded to the expected script: {joined[:80]!r}")
    if case.path.name not in DETECTOR_GUESS and "bozo" not in case.path.name:
        bad = MOJIBAKE.search(joined)
        if bad:
            problems.append(f"mis-decoded text near {joined[max(0, bad.start() - 20) :][:60]!r}")
    for item in parsed.items:
        if not item.title or item.published_at.tzinfo is None:
            problems.append(f"bad item {item!r}"[:200])
    return problems


async def test_every_shared_feed_is_served_fetched_and_parsed(shared_data: Path) -> None:
    cases = collect(shared_data)
    assert len(cases) >= 100  # the folder holds 110 files; a glob mistake must not pass
    failures: dict[str, list[str]] = {}
    outcomes = {"items": 0, "empty": 0, "error": 0}
    config = FetchConfig(timeout=5, deadline=10, allow_private=True)
    with FeedServer() as server:
        for n, case in enumerate(cases):
            server.add(f"/{n}", case.path.read_bytes(), case.headers)
        async with Fetcher(config) as fetcher:
            for n, case in enumerate(cases):
                problems: list[str] = []
                result = await fetcher.fetch(server.url(f"/{n}"))
                if result.outcome != "ok":
                    failures[case.name] = [f"fetch failed: {result.error}"]
                    continue
                if result.body != case.path.read_bytes():
                    problems.append("body changed on the way")
                expected_type = case.headers.get("Content-type")
                if expected_type and result.content_type != expected_type:
                    problems.append(f"Content-Type {result.content_type!r} != {expected_type!r}")
                one = time.perf_counter()
                parsed = parse_feed(
                    result.body,
                    source=SOURCE,
                    fetched_at=FETCHED_AT,
                    content_type=result.content_type,
                    base_url=result.url,
                )
                if time.perf_counter() - one > 5:
                    problems.append("parse took more than 5 s")
                if parsed.items:
                    outcomes["items"] += 1
                    if parsed.error:
                        problems.append(f"items and an error: {parsed.error}")
                elif parsed.error:
                    outcomes["error"] += 1
                    if "\n" in parsed.error or len(parsed.error) > 200:
                        problems.append(f"unreadable error {parsed.error!r}")
                else:
                    outcomes["empty"] += 1
                feedparser_problem = check_feedparser_expectation(
                    case, result.body, result.content_type
                )
                if feedparser_problem:
                    problems.append(feedparser_problem)
                problems += check_our_values(case, parsed)
                problems += check_text(case, parsed)
                if problems:
                    failures[case.name] = problems
    assert failures == {}
    assert outcomes["items"] >= 15  # the news feeds and many feedparser cases give items
    assert sum(outcomes.values()) + len(failures) == len(cases)  # every case was checked
