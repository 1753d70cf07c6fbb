"""A store filled the way the poll path fills it (store functions, not raw rows): sources with
their countries, items, stories and their themes, over the last twelve days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.model import Item, Source, StoryRecord
from briefings.store.items import save_items
from briefings.store.sources import all_sources, sync_sources
from briefings.store.story_rows import StoryRows

SOURCES = [
    Source("Milenio", "https://milenio.example/rss", "es", "MX"),
    Source("El Universal", "https://eluniversal.example/rss", "es", "MX"),
    Source("Border Report", "https://borderreport.example/feed", "en", "US"),
    Source("Dallas Desk", "https://dallas.example/feed", "en", "US"),
    Source("BBC Mundo", "https://bbcmundo.example/rss", "es", "GB"),
    Source("My Own Feed", "https://mine.example/feed", "en"),  # no country configured
]
HOSTILE = '<script>document.title="pwned"</script> Tariff "deal" & <b>bold</b>'
LEAD_EN = "Mexico answers new U.S. steel tariffs with duties on pork"
LEAD_ES = "México responde a los aranceles de EE. UU. al acero con impuestos al cerdo"
# (outlet, language, title, lede) of the lead story, minutes after it broke
LEAD = [
    ("Milenio", "es", LEAD_ES, "El gobierno anunció aranceles de represalia a la carne de "
     "cerdo estadounidense tras el nuevo impuesto al acero mexicano.", 0),
    ("Border Report", "en", LEAD_EN, "The government announced retaliatory tariffs on U.S. "
     "pork after Washington's new duty on Mexican steel took effect.", 12),
    ("El Universal", "es", "Aranceles: México grava el cerdo de EE. UU.", "La Secretaría de "
     "Economía publicó la lista de productos con aranceles de represalia.", 30),
    ("Dallas Desk", "en", "Texas pork exporters brace for Mexico's tariffs", "Exporters in "
     "Texas said the retaliatory tariffs would hit them within weeks.", 45),
    ("BBC Mundo", "es", "México y EE. UU., otra vez en guerra comercial", "Los nuevos "
     "aranceles reabren la disputa comercial entre los dos países vecinos.", 60),
    ("My Own Feed", "en", "Steel and pork: the tariff exchange explained", "What the new "
     "tariffs on both sides of the border mean for shoppers and factories.", 90),
]
# days ago → outlets of each story first seen that day: the chart's history
HISTORY = {11: [["Milenio"]], 10: [["Border Report"], ["Milenio", "Dallas Desk"]],
           8: [["El Universal"]], 6: [["BBC Mundo"], ["Dallas Desk"]], 4: [["Milenio"]],
           3: [["Border Report", "El Universal"]], 1: [["My Own Feed"]]}

LANGUAGE = {source.name: source.language for source in SOURCES}
TALKS = {
    "en": ["Steel tariff talks resume in Washington", "Mexico weighs a quota deal on steel",
           "Pork producers urge a quick end to tariff fight", "Border trade slows as duties bite"],
    "es": ["Se reanudan en Washington las pláticas sobre aranceles al acero",
           "México analiza un acuerdo de cuotas para el acero",
           "Porcicultores piden acabar pronto con la disputa arancelaria",
           "El comercio fronterizo se frena por los aranceles"],
}
TALKS_LEDE = {"en": "Negotiators met again over steel and pork tariffs this week.",
              "es": "Los negociadores volvieron a reunirse esta semana por los aranceles."}


@dataclass
class Filled:
    lead: int  # the lead story: six outlets, four countries' press and none
    hostile: int  # a story whose feed title is markup
    own_only: int  # a story on a chat's own theme only
    history: list[int]


async def _story(rows: StoryRows, source_ids: dict[str, int], reports: list[tuple],
                 at: datetime, themes: dict[str, float]) -> int:
    """One story from its reports: (outlet, language, title, lede, minutes after ``at``)."""
    saved = []
    for n, (outlet, language, title, lede, minutes) in enumerate(reports):
        when = at + timedelta(minutes=minutes)
        host = outlet.lower().replace(" ", "")
        item = Item(outlet, f"{outlet}-{at.isoformat()}-{n}",
                    f"https://{host}.example/{at:%Y%m%d%H%M}/{n}", title, lede, language,
                    when, f"hash-{outlet}-{at.isoformat()}-{n}")
        saved += await save_items(rows.conn, source_ids[outlet], [item], fetched_at=when)
    first = reports[0]
    record = StoryRecord(first[2], saved[0].item.url, first[3], at,
                         at + timedelta(minutes=reports[-1][4]), len(reports),
                         ",".join(sorted({r[1] for r in reports})), None)
    [story_id] = await rows.insert_stories([record])
    await rows.set_item_stories({s.id: story_id for s in saved})
    await rows.raise_theme_scores({(story_id, t): score for t, score in themes.items()})
    return story_id


async def fill(engine: AsyncEngine, now: datetime) -> Filled:
    """The stories of a border newsroom's last twelve days, up to ``now``."""
    async with engine.begin() as conn:
        await sync_sources(conn, SOURCES, now - timedelta(days=12))
        ids = {row.name: row.id for row in await all_sources(conn)}
        rows = StoryRows(conn)
        history = []
        for days_ago, stories in HISTORY.items():
            for n, outlets in enumerate(stories):
                at = now - timedelta(days=days_ago, hours=n + 1)
                reports = [(o, LANGUAGE[o], TALKS[LANGUAGE[o]][days_ago % 4], TALKS_LEDE[
                            LANGUAGE[o]], 5 * i) for i, o in enumerate(outlets)]
                history.append(await _story(rows, ids, reports, at, {"tariffs": 0.8}))
        lead = await _story(rows, ids, LEAD, now - timedelta(hours=3),
                            {"tariffs": 0.95, "c501:pork": 0.7})
        hostile = await _story(rows, ids, [("Dallas Desk", "en", HOSTILE, "A lede with "
                               "<img src=x onerror=alert(1)> in it, told as plain text.", 0)],
                               now - timedelta(hours=2), {"tariffs": 0.6})
        own = await _story(rows, ids, [("Milenio", "es", "Muro fronterizo en Tijuana",
                           "Una nota que solo sigue el tema propio de un chat.", 0)],
                           now - timedelta(hours=1), {"c501:wall": 0.9})
    return Filled(lead, hostile, own, history)
