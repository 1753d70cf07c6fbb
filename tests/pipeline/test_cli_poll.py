"""``borderbrief poll`` and ``borderbrief sources`` through the real CLI entry point."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cli import main
from briefings.sources import load_sources
from tests.feedserver import FeedServer
from tests.pipeline.conftest import rss

SUMMARY_KEYS = {"feeds", "fetched", "unchanged", "failed", "new_items", "errors"}


@pytest.fixture
def setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, feed_server: FeedServer
) -> tuple[Path, FeedServer]:
    """A fresh machine: an empty database path and a sources file naming local feeds."""
    good = feed_server.add("/good.xml", rss([
        ("a1", "CBP seizes fentanyl pills at Nogales", "Officers found pills in a truck."),
        ("a2", "Aranceles al acero mexicano", "El gobierno responde."),
    ]))  # fmt: skip
    bad = feed_server.add_status("/bad.xml", 500)
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[[sources]]\nname = "Good Feed"\nurl = "{good}"\nlanguage = "en"\n\n'
        f'[[sources]]\nname = "Bad Feed"\nurl = "{bad}"\nlanguage = "es"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("BORDERBRIEF_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/db/bb.db")
    monkeypatch.setenv("BORDERBRIEF_SOURCES", str(sources))
    monkeypatch.setenv("BORDERBRIEF_ALLOW_PRIVATE_SOURCES", "1")
    monkeypatch.setenv("BORDERBRIEF_FETCH_TIMEOUT", "1")
    monkeypatch.delenv("BORDERBRIEF_CONFIG", raising=False)
    return sources, feed_server


def poll_json(capsys: pytest.CaptureFixture[str], *extra: str) -> dict:
    assert main(["poll", "--once", "--json", *extra]) == 0
    out = capsys.readouterr().out
    return json.loads(out)


def test_poll_once_json_on_a_fresh_machine(
    setup: tuple[Path, FeedServer], capsys: pytest.CaptureFixture[str]
) -> None:
    sources, server = setup
    first = poll_json(capsys)
    assert set(first) >= SUMMARY_KEYS
    assert (first["feeds"], first["fetched"], first["unchanged"], first["failed"]) == (2, 1, 0, 1)
    assert first["new_items"] == 2
    assert first["errors"] == [
        {"source": "Bad Feed", "url": server.url("/bad.xml"), "error": first["errors"][0]["error"]}
    ]
    assert "500" in first["errors"][0]["error"]

    second = poll_json(capsys)  # the failing feed is backing off now
    assert (second["feeds"], second["unchanged"], second["new_items"]) == (1, 1, 0)
    assert server.not_modified["/good.xml"] == 1

    forced = poll_json(capsys, "--force")
    assert (forced["feeds"], forced["failed"]) == (2, 1)
    assert server.requests["/bad.xml"] == 2


def test_poll_once_table_and_sources_list(
    setup: tuple[Path, FeedServer], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["poll", "--once"]) == 0
    out = capsys.readouterr().out
    assert "Fetched" in out and "New items" in out
    assert "Failed feeds" in out and "Bad Feed" in out and "500" in out

    assert main(["sources", "list"]) == 0
    listing = capsys.readouterr().out
    assert "Good Feed" in listing and "backing off" in listing and "ok" in listing


def test_bad_sources_file_stops_with_a_clear_message(
    setup: tuple[Path, FeedServer], capsys: pytest.CaptureFixture[str]
) -> None:
    sources, _ = setup
    sources.write_text('[[sources]]\nname = "x"\nlanguage = "en"\n', encoding="utf-8")
    assert main(["poll", "--once", "--json"]) == 2
    err = capsys.readouterr().err
    assert "source #1 ('x'): missing url" in err and str(sources) in err


def test_sources_export_then_import(
    setup: tuple[Path, FeedServer], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sources, _ = setup
    assert main(["sources", "export"]) == 0
    exported = capsys.readouterr().out
    assert exported.startswith("<?xml") and "Good Feed" in exported

    opml = tmp_path / "more.opml"
    opml.write_text(
        exported.replace("</body>", '<outline text="Proceso" language="es" '
                         'xmlUrl="https://www.proceso.com.mx/rss/"/></body>'),  # fmt: skip
        encoding="utf-8",
    )
    assert main(["sources", "import", str(opml)]) == 0
    out = capsys.readouterr().out
    assert "1 added" in out and "2 already there" in out
    names = [s.name for s in load_sources(sources)]
    assert names == ["Good Feed", "Bad Feed", "Proceso"]


async def test_the_poll_daemon_queues_alerts_like_the_bot(
    engine: AsyncEngine, feed_server: FeedServer, tmp_path: Path
) -> None:
    """``borderbrief poll`` (the daemon) used to file stories but never queue their alerts."""
    from sqlalchemy import select

    from bot.cli_poll import PollDaemon
    from briefings.fetch import FetchConfig, Fetcher
    from briefings.jobs.poll import poll_job
    from briefings.paths import default_config_file
    from briefings.settings import load_settings
    from briefings.store import chats as store
    from briefings.store.tables import outbox
    from briefings.themes import load_themes

    news = ("t1", "Mexico answers Trump's new tariffs on steel", "Retaliatory tariffs on pork.")
    url = feed_server.add("/wire.xml", rss([("old-1", "Sunny weekend in San Diego", "No rain.")]))
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[[sources]]\nname = "Wire"\nurl = "{url}"\nlanguage = "en"\n')
    settings = load_settings(sources=sources, allow_private_sources=True, fetch_timeout=1)
    themes = load_themes(default_config_file("themes.toml"))
    async with engine.begin() as conn:
        await store.register_chat(conn, chat_id=5, chat_type="private", language="en",
                                  timezone="UTC", brief_time="08:00", themes=["tariffs"],
                                  now=datetime.now(UTC),
                                  next_brief_at=datetime.now(UTC) + timedelta(hours=8))
        await store.update_chat(conn, 5, alerts=True)
    async with Fetcher(FetchConfig.from_settings(settings)) as fetcher:
        daemon = PollDaemon(settings, engine, poll_job(settings, engine, fetcher, themes,
                                                       force=True))
        seeded = await daemon.tick()  # a first poll seeds quietly
        feed_server.add("/wire.xml", rss([news]))
        daemon.job.ignore_schedule = True  # the feed is not due again yet
        second = await daemon.tick()
    async with engine.connect() as conn:
        alerts = (await conn.execute(select(outbox.c.chat_id, outbox.c.kind))).all()
    assert seeded.alert_stories == [] and len(second.alert_stories) == 1
    assert [(chat, kind) for chat, kind in alerts] == [(5, "alert")]


def test_poll_once_fails_when_every_feed_failed(
    setup: tuple[Path, FeedServer], capsys: pytest.CaptureFixture[str]
) -> None:
    sources, server = setup
    bad = server.add_status("/also-bad.xml", 500)
    sources.write_text(
        f'[[sources]]\nname = "Bad Feed"\nurl = "{bad}"\nlanguage = "es"\n', encoding="utf-8"
    )
    assert main(["poll", "--once", "--json"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["failed"] == 1
    assert "all 1 feeds failed" in captured.err and len(captured.err.strip().splitlines()) == 1
