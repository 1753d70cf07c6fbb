"""parse_feed on the fixture feeds in tests/data/feeds: text, times, links and GUIDs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from briefings.model import Source
from briefings.parse import ParsedFeed, parse_feed
from briefings.parse.entries import MAX_ENTRIES
from briefings.text import content_hash

FEEDS = Path(__file__).resolve().parents[1] / "data" / "feeds"
FETCHED_AT = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


def parse(name: str, language: str = "", **kwargs: object) -> ParsedFeed:
    source = Source(name="test", url="https://example.com/feed", language=language)
    return parse_feed(
        (FEEDS / name).read_bytes(),
        source=source,
        fetched_at=FETCHED_AT,
        **kwargs,  # type: ignore[arg-type]
    )


# (file, content type, items, feed title, first item title, first item UTC time, feed language)
FIXTURES = [
    (
        "rss2_borderwire.xml",
        "application/rss+xml; charset=utf-8",
        7,
        "Border Wire — U.S.–Mexico",
        "Trump says 30% tariffs on Mexican imports will start Dec. 1 unless fentanyl flows fall",
        datetime(2026, 11, 23, 23, 42, tzinfo=UTC),
        "en",
    ),
    (
        "atom_northdesk.xml",
        "application/atom+xml",
        6,
        "North Desk: Mexico",
        "Mexico weighs retaliatory tariffs as Trump deadline nears",
        datetime(2026, 11, 24, 15, 15, tzinfo=UTC),
        "en",
    ),
    (
        "rdf_gulfreport.rdf",
        "application/rdf+xml",
        5,
        "Gulf Report — Trade & Security",
        "Trump sets Dec. 1 deadline for 30% tariffs on Mexican goods",
        datetime(2026, 11, 23, 22, 30, tzinfo=UTC),
        "en",
    ),
    (
        "es_diariofrontera.xml",
        "application/rss+xml; charset=utf-8",
        7,
        "Diario Frontera — Política y Economía",
        "Sheinbaum responde a Trump: «México no se subordina»; prepara aranceles espejo",
        datetime(2026, 11, 24, 14, 20, tzinfo=UTC),
        "es",
    ),
    (
        "es_vigianorte_latin1.xml",
        "application/rss+xml",
        5,
        "El Vigía del Norte",
        "Aranceles de Trump: exportadores de Chihuahua piden apoyo al Gobierno",
        datetime(2026, 11, 24, 17, 30, tzinfo=UTC),
        "es",
    ),
    (
        "en_marketdesk_cp1252.xml",
        None,
        2,
        "Market Watch — Peso & Tariffs",
        "“Tariff shock” – peso slides as traders weigh Trump’s Dec. 1 deadline",
        datetime(2026, 11, 23, 23, 59, tzinfo=UTC),
        "en",
    ),
    (
        "es_cronica_utf16le_bom.xml",
        "text/xml",
        2,
        "Crónica Binacional",
        "Cárteles, fentanilo y aranceles: la semana que tensó la relación bilateral",
        datetime(2026, 11, 24, 22, 0, tzinfo=UTC),
        "es",
    ),
    (
        "entities_cdata.xml",
        "application/rss+xml",
        5,
        "Wire & Wires: Mexico Briefing",
        "Sheinbaum’s “cool head” strategy faces Trump’s tariff test",
        datetime(2026, 11, 24, 11, 0, tzinfo=UTC),
        "en",
    ),
]


@pytest.mark.parametrize(
    ("name", "content_type", "count", "feed_title", "first_title", "first_time", "language"),
    FIXTURES,
    ids=[row[0] for row in FIXTURES],
)
def test_fixture_feed(
    name: str,
    content_type: str | None,
    count: int,
    feed_title: str,
    first_title: str,
    first_time: datetime,
    language: str,
) -> None:
    parsed = parse(name, content_type=content_type)
    assert parsed.error is None
    assert parsed.title == feed_title
    assert parsed.language == language
    assert len(parsed.items) == count
    first = parsed.items[0]
    assert first.title == first_title
    assert first.published_at == first_time
    assert first.language == language  # the source names none: the feed's own language
    for item in parsed.items:
        assert item.source == "test"
        assert item.published_at.tzinfo is not None
        assert item.published_at.utcoffset() == timedelta(0)
        assert item.guid
        assert item.title
        assert "<" not in item.summary.replace("<down", "")  # no markup left
        assert "&amp;" not in item.title + item.summary
        assert "\ufffd" not in item.title + item.summary  # nothing mis-decoded
        assert "Ã" not in item.title + item.summary  # no UTF-8 read as Latin-1
        assert item.content_hash == content_hash(item.title, item.summary)
    assert len({item.guid for item in parsed.items}) == count


def test_source_language_wins_over_feed_language() -> None:
    parsed = parse("es_diariofrontera.xml", language="en")
    assert {item.language for item in parsed.items} == {"en"}


def test_rss_html_links_and_guid_fallbacks() -> None:
    items = {i.title: i for i in parse("rss2_borderwire.xml", language="en").items}
    tariffs = items[
        "Trump says 30% tariffs on Mexican imports will start Dec. 1 unless fentanyl flows fall"
    ]
    assert tariffs.guid == "borderwire-2026-11-23-0001"
    assert tariffs.url == "https://borderwire.example.com/2026/11/23/trump-mexico-tariffs-december"
    assert tariffs.summary.startswith("President Donald Trump said on Monday that a 30% tariff")
    assert 'Sheinbaum said her government would answer "with a cool head"' in tariffs.summary
    # Escaped HTML with named entities in a description.
    troops = next(i for i in items.values() if i.title.startswith("Sheinbaum: Mexico"))
    assert troops.summary.startswith("“Cooperation, yes; subordination, no,” Sheinbaum")
    assert troops.url.endswith("/sheinbaum-sovereignty-troops")  # utm_source and fbclid gone
    # Script content is dropped, not shown.
    cartels = next(i for i in items.values() if i.title.startswith("U.S. designates"))
    assert "trackView" not in cartels.summary
    # A relative link without a base stays resolvable only through the feed's own link.
    nogales = next(i for i in items.values() if "Nogales" in i.title)
    assert nogales.url == "https://borderwire.example.com/2026/11/22/nogales-fentanyl-seizure"
    # No GUID: the canonical URL (other parameters kept) stands in.
    autos = next(i for i in items.values() if i.title.startswith("Automakers"))
    assert autos.guid == autos.url
    assert autos.url == (
        "https://borderwire.example.com/2026/11/24/automakers-tariffs-supply-chain?id=8841"
    )
    # No date: the fetch time.
    usmca = next(i for i in items.values() if i.title.startswith("USMCA review"))
    assert usmca.published_at == FETCHED_AT
    # No title but a link: the summary stands in; no title and no link: skipped.
    photos = next(i for i in items.values() if "photos-laredo" in i.url)
    assert photos.title == "Photos: a day at the busiest land port on the border."
    assert not any("neither a title nor a link" in i.summary for i in items.values())


def test_relative_links_resolve_against_the_fetched_url() -> None:
    parsed = parse("rss2_borderwire.xml", base_url="https://mirror.example.net/feeds/us-mexico.xml")
    nogales = next(i for i in parsed.items if "Nogales" in i.title)
    assert nogales.url == "https://mirror.example.net/2026/11/22/nogales-fentanyl-seizure"


def test_atom_xml_base_and_xhtml_content() -> None:
    items = parse("atom_northdesk.xml").items
    assert items[0].url == "https://northdesk.example.org/mexico/2026/11/24/retaliatory-tariffs"
    assert items[0].guid == "tag:northdesk.example.org,2026:article-51233"
    assert items[1].title == "Trump threatens 30% tariff on Mexico over fentanyl & migration"
    seizure = items[2]
    assert seizure.summary == (
        "Border officers in Nogales, Arizona, found about 1,100 pounds of pills "
        "in a tractor-trailer."
    )
    assert seizure.published_at == datetime(2026, 11, 22, 5, 30, tzinfo=UTC)  # updated only


def test_entities_and_cdata() -> None:
    items = parse("entities_cdata.xml").items
    assert items[0].summary == "Mexico’s president has avoided a tit–for–tat — so far."
    assert items[1].title == 'Cartels & "terror" labels: Mexico\'s <sovereignty> red line'
    assert (
        items[1].summary
        == "Officials in Mexico City say a U.S. strike on cartel targets would cross a line. "
        "Read more »"
    )
    assert items[2].title == "Señal de alarma: aranceles y el peso"
    assert (
        items[2].summary
        == "Analistas ven una caída del peso de hasta 5% si se aplican los aranceles."
    )
    assert items[3].summary == ""  # only images
    # A no-break space collapses like any other space.
    assert items[4].summary == "CBP data show 1,500 lbs seized <down from 1,700> in September."
    assert items[0].guid == "wires-mx-9001"  # plain GUIDs are not resolved as links


def test_latin1_accents_intact() -> None:
    items = parse("es_vigianorte_latin1.xml").items
    text = " ".join(i.title + " " + i.summary for i in items)
    for word in (
        "Juárez",
        "pérdidas",
        "soberanía",
        "designación",
        "cárteles",
        "«Colaboración",
        "mañanera",
        "tráiler",
        "Año",
        "algodón",
        "señalan",
        "Revisión",
        "Economía",
    ):
        assert word in text


def test_charset_from_http_header_is_honoured() -> None:
    # Latin-1 bytes with no XML declaration: only the HTTP charset can decode them.
    body = (
        "<rss version='2.0'><channel><title>Frontera</title><item><title>Año de aranceles</title>"
        "<link>https://x.example/1</link></item></channel></rss>"
    ).encode("iso-8859-1")
    source = Source(name="s", url="https://x.example/feed", language="es")
    parsed = parse_feed(
        body,
        source=source,
        fetched_at=FETCHED_AT,
        content_type="application/rss+xml; charset=ISO-8859-1",
    )
    assert parsed.items[0].title == "Año de aranceles"


def test_future_and_missing_dates_fall_back_to_fetch_time() -> None:
    body = b"""<rss version="2.0"><channel><title>t</title>
      <item><title>far future</title><link>https://x.example/1</link>
        <pubDate>Thu, 01 Jan 2037 00:00:00 GMT</pubDate></item>
      <item><title>a few hours ahead is fine</title><link>https://x.example/2</link>
        <pubDate>Tue, 24 Nov 2026 20:00:00 GMT</pubDate></item>
      <item><title>garbage date</title><link>https://x.example/3</link>
        <pubDate>yesterday-ish</pubDate></item>
      <item><title>updated only</title><link>https://x.example/4</link>
        <updated>2026-11-20T10:00:00+02:00</updated></item>
    </channel></rss>"""
    source = Source(name="s", url="https://x.example/feed", language="en")
    items = parse_feed(body, source=source, fetched_at=FETCHED_AT).items
    times = {i.title: i.published_at for i in items}
    assert times["far future"] == FETCHED_AT
    assert times["a few hours ahead is fine"] == datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
    assert times["garbage date"] == FETCHED_AT
    assert times["updated only"] == datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def test_guid_falls_back_to_content_hash_without_id_or_link() -> None:
    body = b"""<rss version="2.0"><channel><title>t</title>
      <item><title>Only a title</title><description>and a summary</description></item>
    </channel></rss>"""
    source = Source(name="s", url="https://x.example/feed", language="en")
    (item,) = parse_feed(body, source=source, fetched_at=FETCHED_AT).items
    assert item.url == ""
    assert item.guid == "hash:" + content_hash("Only a title", "and a summary")


def test_duplicate_guids_kept_once_and_entries_capped() -> None:
    entries = "".join(
        f"<item><title>Item {n}</title><link>https://x.example/{n}</link><guid>id-{n}</guid></item>"
        for n in range(MAX_ENTRIES + 100)
    )
    dup = "<item><title>Again</title><guid>id-0</guid></item>"
    body = f'<rss version="2.0"><channel><title>t</title>{dup}{entries}</channel></rss>'.encode()
    source = Source(name="s", url="https://x.example/feed", language="en")
    items = parse_feed(body, source=source, fetched_at=FETCHED_AT).items
    assert len(items) == MAX_ENTRIES - 1  # the cap counts entries; one repeated a GUID
    assert items[0].title == "Again"
    assert len({i.guid for i in items}) == len(items)


def test_summary_capped() -> None:
    long = "palabra " * 1000
    body = (
        f'<rss version="2.0"><channel><title>t</title><item><title>x</title>'
        f"<link>https://x.example/1</link><description>{long}</description></item>"
        f"</channel></rss>"
    ).encode()
    source = Source(name="s", url="https://x.example/feed", language="es")
    (item,) = parse_feed(body, source=source, fetched_at=FETCHED_AT).items
    assert 900 < len(item.summary) <= 1000


def test_naive_fetched_at_is_taken_as_utc() -> None:
    body = b'<rss version="2.0"><channel><item><title>x</title><link>https://x.example/1</link></item></channel></rss>'
    source = Source(name="s", url="https://x.example/feed", language="en")
    (item,) = parse_feed(body, source=source, fetched_at=datetime(2026, 11, 24, 16, 0)).items
    assert item.published_at == FETCHED_AT
