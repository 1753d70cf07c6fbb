"""Alerts on the real store: the cap keeps the important stories, says what it held, shows no
matcher detail; a story told by several reports carries its "all reports" button; briefs are
rendered per headline preference and time zone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from briefings.briefs.content import Brief
from briefings.jobs.alerts import queue_alerts
from briefings.jobs.brief import BriefJob
from briefings.render.telegram import TELEGRAM, TelegramRenderer
from briefings.store.chats import update_chat
from briefings.store.tables import bodies, outbox
from tests.compose.helpers import Told, add_told_story
from tests.schedule.helpers import add_chats

NOW = datetime(2026, 3, 2, 8, 20, tzinfo=UTC)
RENDER = TelegramRenderer(show_terms=True)  # even a renderer that shows terms in briefs

VOTE = [Told("La Jornada", "MX", "es", "El Senado vota contra la intervención extranjera",
             "El Senado aprobó por unanimidad una reforma contra la intervención extranjera."),
        Told("Reuters", "US", "en", "Mexico's Senate votes against foreign intervention",
             "Mexico's Senate unanimously approved a reform against foreign intervention."),
        Told("Milenio", "MX", "es", "Senado aprueba reforma antiintervención",
             "La reforma constitucional pasó con 127 votos a favor.")]
SEIZURE = [Told("AP", "US", "en", "Agents seize 1.2 million fentanyl pills in Arizona",
                "Federal agents seized 1.2 million fentanyl pills at the Nogales crossing."),
           Told("El Imparcial", "MX", "es", "Decomisan 1.2 millones de pastillas en Nogales",
                "Agentes federales decomisaron 1.2 millones de pastillas de fentanilo.")]
PREVIEW = [Told("Blog", "US", "en", "What to watch in Mexico this week",
                "A preview of the week ahead in U.S.-Mexico relations.")]


async def _rows(engine):
    async with engine.connect() as conn:
        return list(await conn.execute(
            select(outbox.c.chat_id, outbox.c.kind, outbox.c.dedupe_key, bodies.c.text,
                   bodies.c.markup)
            .join(bodies, bodies.c.id == outbox.c.body_id)
            .order_by(outbox.c.chat_id, outbox.c.id)))


async def _stories(engine) -> None:
    async with engine.begin() as conn:
        await add_told_story(conn, 1, PREVIEW, at=NOW, themes={"sovereignty": 3.0},
                             hits=["intervention"])
        await add_told_story(conn, 2, VOTE, at=NOW, themes={"sovereignty": 2.0},
                             hits=["intervención", "intervention"])
        await add_told_story(conn, 3, SEIZURE, at=NOW, themes={"fentanyl": 2.0},
                             hits=["fentanyl"])


async def test_the_cap_keeps_the_stories_most_outlets_tell_and_says_what_it_held(engine):
    async with engine.begin() as conn:
        await add_chats(conn, [1], themes=["sovereignty", "fentanyl"], brief_time="07:30",
                        timezone="America/Mexico_City")
        await update_chat(conn, 1, alerts=True)
    await _stories(engine)
    # Newest first as the poll gives them: the preview arrived last.
    assert await queue_alerts(engine, [1, 2, 3], NOW, per_hour=2, renderer=RENDER) == 2
    rows = await _rows(engine)
    alerts = [r for r in rows if r.kind == "alert"]
    assert [r.dedupe_key for r in alerts] == ["alert:2:1:0", "alert:3:1:0"]
    for row in alerts:
        assert "matched" not in row.text and "<code>" not in row.text  # /why shows it
        (button,) = [b for line in json.loads(row.markup)["inline_keyboard"] for b in line]
        assert button["callback_data"] in ("rp:2", "rp:3") and "reports" in button["text"]
    assert "🇲🇽 2 · 🇺🇸 1" in alerts[0].text
    [notice] = [r for r in rows if r.kind == "notice"]
    assert notice.text == ("⏸ Hourly alert limit reached: 1 more story is held for your 07:30 "
                           "brief.")
    assert notice.dedupe_key == "held:2026-03-02T08:1:0"

    # Later the same hour, more held stories: the chat was told already.
    async with engine.begin() as conn:
        await add_told_story(conn, 4, PREVIEW[:1], at=NOW, themes={"sovereignty": 1.0})
    later = NOW + timedelta(minutes=20)
    assert await queue_alerts(engine, [4], later, per_hour=2, renderer=RENDER) == 0
    assert [r.kind for r in await _rows(engine)].count("notice") == 1


async def test_briefs_are_rendered_per_headline_preference_and_zone(engine):
    await _stories(engine)
    async with engine.begin() as conn:
        await add_chats(conn, [10, 11], themes=["sovereignty"], now=NOW - timedelta(days=1))
        await add_chats(conn, [12], themes=["sovereignty"], now=NOW - timedelta(days=1),
                        timezone="America/Mexico_City")
        await add_chats(conn, [13], themes=["sovereignty"], now=NOW - timedelta(days=1))
        await update_chat(conn, 13, headlines="es")
        for chat_id in (10, 11, 12, 13):
            await update_chat(conn, chat_id, next_brief_at=NOW)
    report = await BriefJob.for_face(engine, TELEGRAM, grace=timedelta(hours=6)).run_once(NOW)
    assert (report.enqueued, report.renders) == (4, 3)  # 10 and 11 share one brief
    texts = {r.chat_id: r for r in await _rows(engine)}
    assert texts[10].text == texts[11].text
    assert "Mexico's Senate votes against foreign intervention" in texts[10].text
    assert "El Senado vota contra la intervención extranjera" in texts[13].text
    assert "2 Mar 08:20" in texts[10].text and "2 Mar 02:20" in texts[12].text
    keyboard = json.loads(texts[10].markup)["inline_keyboard"]
    assert [row[0]["callback_data"] for row in keyboard] == ["rp:2"]  # the preview: one report


def test_a_brief_content_has_the_reader_defaults():
    brief = Brief("en", NOW, NOW - timedelta(days=1))
    assert (brief.headlines, brief.timezone, brief.lead) == ("reader", "UTC", None)
