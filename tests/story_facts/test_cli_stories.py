"""``borderbrief stories`` on a store filled the real way: feeds served locally, polled, matched,
filed into stories; then listed as JSON lines and as a table."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from bot.cli import main
from tests.feedserver import FeedServer

KEYS = {
    "id",
    "headline",
    "headlines",
    "summary",
    "coverage",
    "reports",
    "themes",
    "first_seen",
    "last_seen",
}
REPORT_KEYS = {"outlet", "lang", "country", "published", "url", "title"}
NOW = datetime.now(UTC).replace(microsecond=0)

# (feed, language, country, items: (guid, title, description, minutes ago))
FEEDS = [
    (
        "Diario Norte",
        "es",
        "MX",
        [
            (
                "dn1",
                "Aseguran 300 kilos de fentanilo en la garita de Otay Mesa",
                "CDMX.- Agentes aseguraron 300 kilos de fentanilo en la garita de Otay Mesa, en "
                "Tijuana, "
                "ocultos en un tráiler con autopartes. El conductor fue detenido.",
                50,
            ),
        ],
    ),
    (
        "Prensa Frontera",
        "es",
        "MX",
        [
            (
                "pf1",
                "Aseguran 300 kilos de fentanilo en la garita de Otay Mesa, Tijuana",
                "La entrada Aseguran 300 kilos de fentanilo en la garita de Otay Mesa, Tijuana se "
                "publicó primero en Prensa Frontera.",
                40,
            ),
        ],
    ),
    (
        "Border Desk",
        "en",
        "US",
        [
            (
                "bd1",
                "CBP seizes 300 kilos of fentanyl at Otay Mesa port of entry",
                "Officers seized 300 kilos of fentanyl hidden in a tractor-trailer at the Otay "
                "Mesa "
                "port of entry on Monday. The post CBP seizes 300 kilos of fentanyl at Otay Mesa "
                "port "
                "of entry appeared first on Border Desk.",
                30,
            ),
        ],
    ),
    (
        "Own Feed",
        "en",
        None,
        [
            (
                "of1",
                "Mexico and U.S. agree new tariffs truce on steel imports",
                "Mexico and the United States agreed to pause new tariffs on steel imports for "
                "ninety "
                "days while talks continue, officials said on Monday.",
                20,
            ),
        ],
    ),
]


def _rss(title: str, entries: list[tuple[str, str, str, int]]) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>https://news.example/</link>",
    ]
    for guid, headline, summary, minutes in entries:
        published = format_datetime(NOW - timedelta(minutes=minutes), usegmt=True)
        parts.append(
            f'<item><guid isPermaLink="false">{guid}</guid><title>{escape(headline)}</title>'
            f"<link>https://news.example/{guid}</link><description>{escape(summary)}</description>"
            f"<pubDate>{published}</pubDate></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


@pytest.fixture
def polled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fresh machine whose sources are local feeds, polled once through the CLI."""
    with FeedServer() as server:
        entries = []
        for name, language, country, items in FEEDS:
            url = server.add(f"/{language}-{len(entries)}.xml", _rss(name, items))
            line = f'[[sources]]\nname = "{name}"\nurl = "{url}"\nlanguage = "{language}"\n'
            entries.append(line + (f'country = "{country}"\n' if country else ""))
        sources = tmp_path / "sources.toml"
        sources.write_text("\n".join(entries), encoding="utf-8")
        monkeypatch.setenv("BORDERBRIEF_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/bb.db")
        monkeypatch.setenv("BORDERBRIEF_SOURCES", str(sources))
        monkeypatch.setenv("BORDERBRIEF_ALLOW_PRIVATE_SOURCES", "1")
        monkeypatch.setenv("BORDERBRIEF_FETCH_TIMEOUT", "5")
        monkeypatch.delenv("BORDERBRIEF_CONFIG", raising=False)
        assert main(["poll", "--once", "--json"]) == 0
        yield


def _stories(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict]:
    capsys.readouterr()
    assert main(["stories", "--json", *args]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_stories_json_says_what_each_story_knows(
    polled: None, capsys: pytest.CaptureFixture[str]
) -> None:
    found = _stories(capsys, "--lang", "en")
    titles = {
        title: (name, lang, country, desc)
        for name, lang, country, items in FEEDS
        for _, title, desc, _ in items
    }
    assert found and all(set(s) == KEYS for s in found)
    assert sorted(r["title"] for s in found for r in s["reports"]) == sorted(titles)
    for story in found:
        reports = story["reports"]
        assert all(set(r) == REPORT_KEYS for r in reports)
        for r in reports:
            name, lang, country, _ = titles[r["title"]]
            assert (r["outlet"], r["lang"], r["country"]) == (name, lang, country)
        outlets = {r["outlet"]: r for r in reports}
        coverage = story["coverage"]
        assert coverage["outlets"] == len(outlets)
        assert sum(coverage["by_country"].values()) == len(outlets)
        assert set(coverage["by_country"]) == {r["country"] or "?" for r in reports}
        assert set(story["headlines"]) == {"en", "es"}
        for lang in ("en", "es"):
            told = [r["title"] for r in reports if r["lang"] == lang]
            assert (story["headlines"][lang] in told) if told else story["headlines"][lang] is None
        if any(r["lang"] == "en" for r in reports):
            assert story["headline"] == story["headlines"]["en"]
        summary = story["summary"]
        if summary is not None:  # grounded: a report's own words, no footer, no dateline
            source = next(r for r in reports if r["outlet"] == summary["outlet"])
            assert summary["text"] in titles[source["title"]][3]
            assert "appeared first" not in summary["text"] and "se publicó" not in summary["text"]
            assert not summary["text"].startswith("CDMX")
        assert story["themes"] and story["first_seen"] <= story["last_seen"]
        datetime.fromisoformat(story["last_seen"])

    seizure = next(s for s in found if any(r["outlet"] == "Diario Norte" for r in s["reports"]))
    spanish = {r["outlet"] for r in seizure["reports"] if r["lang"] == "es"}
    assert spanish == {"Diario Norte", "Prensa Frontera"}  # the same seizure, one story
    assert seizure["themes"][0] == "fentanyl"
    assert seizure["coverage"]["by_country"]["MX"] == 2
    truce = next(s for s in found if any(r["outlet"] == "Own Feed" for r in s["reports"]))
    assert truce["coverage"]["by_country"] == {"?": 1} and not truce["coverage"]["one_sided"]


def test_stories_filters_by_theme_and_speaks_the_readers_language(
    polled: None, capsys: pytest.CaptureFixture[str]
) -> None:
    fentanyl = _stories(capsys, "--theme", "fentanyl", "--lang", "es")
    assert fentanyl and all("fentanyl" in s["themes"] for s in fentanyl)
    for story in fentanyl:
        assert story["headline"] == story["headlines"]["es"]
        assert story["summary"]["lang"] == "es"
        assert story["summary"]["outlet"] == "Diario Norte"  # the other Spanish lede is a footer
        assert story["summary"]["text"].startswith("Agentes aseguraron 300 kilos")
    assert not any("Own Feed" in json.dumps(s) for s in fentanyl)
    assert _stories(capsys, "--since", "1m") == []

    assert main(["stories", "--limit", "1"]) == 0
    table = capsys.readouterr().out
    assert "1 story in the last 24h" in table and "Coverage" in table

    # "Everything": a span past a century and a limit past any store are read as the most.
    everything = _stories(capsys, "--since", "9" * 5000 + "d", "--limit", "9" * 30)
    assert len(everything) >= len(_stories(capsys, "--since", "3650d"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--since", "3x"],
            "borderbrief stories: --since: '3x' is not a duration like 30m, 24h or 7d",
        ),
        (
            ["--lang", "fr"],
            "borderbrief stories: --lang: 'fr' is not a language here; use en or es",
        ),
        (["--limit", "0"], "borderbrief stories: --limit: '0' is not a number of stories like 20"),
        (["--limit", "²"], "borderbrief stories: --limit: '²' is not a number of stories like 20"),
        (["--theme", "weather"], "borderbrief stories: unknown theme 'weather'"),
    ],
)
def test_bad_arguments_cost_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stories", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.splitlines()) == 1
    assert captured.err.startswith(message)


def test_an_empty_store_says_how_to_fill_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BORDERBRIEF_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/bb.db")
    monkeypatch.delenv("BORDERBRIEF_CONFIG", raising=False)
    assert main(["stories", "--json"]) == 0
    assert "borderbrief poll --once" in capsys.readouterr().out
