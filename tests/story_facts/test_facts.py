"""What a story knows, worked out from hand-written English and Spanish reports."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from briefings.model import Coverage, Report
from briefings.store.stories import StoryView
from briefings.stories.coverage import coverage
from briefings.stories.facts import (
    cosine_centrality,
    grounded_lede,
    lexical_centrality,
    ranked,
    story_facts,
    with_facts,
)
from briefings.text import shorten

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
_ids = iter(range(1, 10_000))


def report(
    outlet: str,
    language: str,
    title: str,
    lede: str = "",
    *,
    country: str | None = "MX",
    minutes: int = 0,
) -> Report:
    n = next(_ids)
    return Report(
        n,
        outlet,
        language,
        country,
        T0 + timedelta(minutes=minutes),
        f"https://{outlet.lower().replace(' ', '')}.example/{n}",
        title,
        lede,
    )


# One seizure at Otay Mesa, told three times in Spanish (alike: the centre of the story) and
# once in English.
MILENIO = report(
    "Milenio",
    "es",
    "Aseguran 300 kilos de fentanilo en la garita de Otay Mesa",
    "Agentes de la CBP aseguraron 300 kilos de fentanilo en la garita de Otay Mesa, en Tijuana, "
    "ocultos en un tráiler con autopartes. El conductor, de 34 años, fue detenido.",
)
UNIVERSAL = report(
    "El Universal",
    "es",
    "Decomisan 300 kilos de fentanilo en la garita de Otay Mesa",
    "La CBP aseguró 300 kilos de fentanilo en la garita de Otay Mesa, en Tijuana, ocultos en "
    "un tráiler con autopartes; el conductor fue detenido.",
    minutes=5,
)
PROCESO = report(
    "Proceso",
    "es",
    "CBP asegura 300 kilos de fentanilo en Otay Mesa",
    "CDMX.- La CBP aseguró 300 kilos de fentanilo en la garita de Otay Mesa, Tijuana, en un "
    "tráiler con autopartes.",
    minutes=9,
)
BORDER_REPORT = report(
    "Border Report",
    "en",
    "CBP seizes 300 kilos of fentanyl at Otay Mesa port of entry",
    "Officers seized 660 pounds of fentanyl hidden in a truck at the Otay Mesa crossing. "
    "The driver was arrested.",
    country="US",
    minutes=30,
)
SEIZURE = [BORDER_REPORT, PROCESO, UNIVERSAL, MILENIO]


def test_an_english_reader_gets_the_english_headline_though_a_spanish_report_is_central() -> None:
    facts = story_facts(SEIZURE)
    assert ranked(SEIZURE)[-1] == BORDER_REPORT  # the least central of the four
    assert facts.headline is not None and facts.headline.language == "es"
    english = facts.headline_for("en")
    assert english is not None
    assert (english.text, english.outlet, english.url) == (
        BORDER_REPORT.title,
        "Border Report",
        BORDER_REPORT.url,
    )
    spanish = facts.headline_for("es")
    assert spanish is not None and spanish.language == "es" and spanish.item_id != PROCESO.item_id
    assert facts.headline_for("pt") == facts.headline  # no Portuguese report: the most central


@pytest.mark.parametrize(
    ("reader", "outlet", "text"),
    [
        (
            "en",
            "Border Report",
            "Officers seized 660 pounds of fentanyl hidden in a truck at the Otay Mesa crossing. "
            "The driver was arrested.",
        ),
        (
            "es",
            "El Universal",
            "La CBP aseguró 300 kilos de fentanilo en la garita de Otay Mesa, en Tijuana, ocultos "
            "en un "
            "tráiler con autopartes; el conductor fue detenido.",
        ),
    ],
)
def test_the_summary_is_verbatim_in_the_readers_language(
    reader: str, outlet: str, text: str
) -> None:
    summary = story_facts(SEIZURE).summary_for(reader)
    assert summary is not None
    assert (summary.language, summary.outlet, summary.text) == (reader, outlet, text)
    source = next(r for r in SEIZURE if r.item_id == summary.item_id)
    assert summary.text in source.lede and summary.url == source.url


def test_a_summary_never_starts_with_a_dateline() -> None:
    alone = story_facts([PROCESO]).summary_for("es")
    assert alone is not None
    assert alone.text == (
        "La CBP aseguró 300 kilos de fentanilo en la garita de Otay Mesa, "
        "Tijuana, en un tráiler con autopartes."
    )
    dated = report(
        "Info",
        "es",
        "Sheinbaum responde a los aranceles al acero",
        "Ciudad de México, 5 de junio de 2025. La presidenta Claudia Sheinbaum anunció "
        "medidas de defensa frente al arancel de 50% al acero.",
    )
    assert grounded_lede(dated).startswith("La presidenta Claudia Sheinbaum anunció")


FOOTER_ONLY = report(
    "Border Wire",
    "en",
    "CBP seizes 300 kilos of fentanyl at Otay Mesa port",
    "The post CBP seizes 300 kilos of fentanyl at Otay Mesa port appeared first on Border Wire.",
    country="US",
    minutes=1,
)
WITH_FOOTER = report(
    "Frontera Hoy",
    "en",
    "Fentanyl seized at Otay Mesa",
    "Border officers found 300 kilos of fentanyl in a tractor-trailer at Otay Mesa on Monday. "
    "The post Fentanyl seized at Otay Mesa appeared first on Frontera Hoy.",
    country=None,
    minutes=2,
)


def test_a_story_whose_best_lede_is_a_wordpress_footer_takes_the_next_one() -> None:
    reports = [FOOTER_ONLY, WITH_FOOTER, BORDER_REPORT]
    assert ranked(reports)[0] == FOOTER_ONLY  # its footer repeats the title: the most central
    assert grounded_lede(FOOTER_ONLY) == ""
    summary = story_facts(reports).summary_for("en")
    assert summary is not None and "appeared first" not in summary.text
    assert summary.outlet in {"Frontera Hoy", "Border Report"}
    assert grounded_lede(WITH_FOOTER) == (
        "Border officers found 300 kilos of fentanyl in a tractor-trailer at Otay Mesa on Monday."
    )


def test_a_footer_only_story_has_no_summary_and_falls_back_to_its_stored_text() -> None:
    facts = story_facts([FOOTER_ONLY])
    assert facts.summary is None and facts.summary_for("en") is None
    assert facts.headline_for("es") is not None  # the English title, the only one


@pytest.mark.parametrize(
    ("lede", "expected"),
    [
        ("Leer más", ""),
        ("CBP seizes 300 kilos of fentanyl at Otay Mesa port", ""),  # the title again
        ("Seizure at the port […]", ""),  # too short to say anything
        (
            "Officers seized fentanyl at the port on Monday. Agents then searched a warehouse in "
            "Chula Vista and found [...]",
            "Officers seized fentanyl at the port on Monday.",
        ),
    ],
)
def test_grounded_lede_skips_what_says_nothing(lede: str, expected: str) -> None:
    r = report("X", "en", "CBP seizes 300 kilos of fentanyl at Otay Mesa port", lede)
    assert grounded_lede(r) == expected


def test_a_whole_sentence_beats_a_central_one_cut_short() -> None:
    cut = report(
        "Cut",
        "en",
        "Fentanyl seized at Otay Mesa port",
        "Officers seized 300 kilos of fentanyl at Otay Mesa port in a truck carrying "
        "auto parts and arrested its driver who told them that…",
        country="US",
    )
    whole = report(
        "Whole",
        "en",
        "Driver arrested after Otay Mesa fentanyl seizure",
        "A truck driver was arrested after officers found fentanyl at Otay Mesa.",
        country="US",
    )
    summary = story_facts([cut, whole], lead_url=cut.url).summary_for("en")
    assert summary is not None and summary.outlet == "Whole"


def test_an_untitled_report_gives_its_first_sentence_as_headline_and_the_rest_as_summary() -> None:
    untitled = report(
        "Wire",
        "en",
        "",
        "Mexico deployed 10,000 troops to the border on Tuesday. The deployment "
        "follows a deal that paused U.S. tariffs for a month.",
        country="US",
    )
    facts = story_facts([untitled])
    assert facts.headline is not None and facts.summary is not None
    assert facts.headline.text == "Mexico deployed 10,000 troops to the border on Tuesday."
    assert (
        facts.summary.text == "The deployment follows a deal that paused U.S. tariffs for a month."
    )


def test_an_outlets_own_headline_beats_a_more_central_untitled_lede() -> None:
    """A feed without titles gives its lede's first sentence as headline: long, and not
    written as one. Another outlet's title of the same story reads better, though less
    central; with no title in a language, the lede's sentence still heads it there."""
    blog = report("Blog", "en", "", "On February 20 the State Department designated eight "
                  "cartels as Foreign Terrorist Organizations under section 219 of the law.",
                  country="US")  # fmt: skip
    statement = report("Statement", "en", "Terrorist designations of international cartels",
                       country="US", minutes=30)  # fmt: skip
    miled = report("MILED", "es", "", "Estados Unidos designó a seis cárteles mexicanos como "
                   "organizaciones terroristas internacionales.")  # fmt: skip
    facts = story_facts([blog, statement, miled], {blog.item_id: 0.9, miled.item_id: 0.8,
                                                   statement.item_id: 0.5})  # fmt: skip
    assert facts.headlines["en"].text == "Terrorist designations of international cartels"
    assert facts.headline is not None and facts.headline.outlet == "Statement"
    assert facts.headlines["es"].text.startswith("Estados Unidos designó a seis cárteles")
    assert [r.outlet for r in ranked([blog, statement, miled], {blog.item_id: 0.9,
            miled.item_id: 0.8, statement.item_id: 0.5})] == ["Blog", "MILED", "Statement"]


def test_a_title_the_parser_made_of_the_lede_counts_as_none() -> None:
    """An entry without a title is stored with its lede's opening (``shorten``): the headline
    is the lede's first sentence, whole, and another outlet's own title still comes first."""
    lede = ("Mexico deployed 10,000 troops to the border on Tuesday. The deployment follows a "
            "deal that paused U.S. tariffs for a month.")  # fmt: skip
    stored = report("Wire", "en", shorten(lede, 40), lede, country="US")
    facts = story_facts([stored])
    assert facts.headline is not None and facts.summary is not None
    assert facts.headline.text == "Mexico deployed 10,000 troops to the border on Tuesday."
    assert facts.summary.text.startswith("The deployment follows a deal that paused")
    titled = report("Daily", "en", "Mexico sends troops to the border", country="US")
    both = story_facts([stored, titled], {stored.item_id: 0.9, titled.item_id: 0.1})
    assert both.headlines["en"].text == "Mexico sends troops to the border"


def test_untitled_reports_summarise_each_other_in_the_readers_language() -> None:
    """Feeds without titles: the central report's first sentence heads the story, and the
    next English report's opening is the English summary (not a Spanish one), unless it only
    says that headline again (another copy of one wire)."""
    head = report("A News", "en", "", "Trump warned Monday that he will impose a 5% tariff on "
                  "Mexico if it fails to release water owed under the 1944 treaty.",
                  country="US")  # fmt: skip
    copy = report("TRT", "en", "", "Trump has warned that he will impose a 5% tariff on Mexico "
                  "if it fails to release water owed under the treaty.", country="US",
                  minutes=1)  # fmt: skip
    more = report("Deccan", "en", "", "President Trump threatened an additional 5 per cent "
                  "tariff, accusing Mexico of violating a treaty that shares the water of "
                  "border rivers with farmers in Texas.", country="US", minutes=2)  # fmt: skip
    spanish = report("ADN40", "es", "Trump amenaza a México con aranceles del 5% por el agua",
                     "El presidente estadounidense amenaza con medidas inmediatas, pues asegura "
                     "que México viola el Tratado de Aguas.", minutes=3)  # fmt: skip
    scores = {head.item_id: 0.9, copy.item_id: 0.8, more.item_id: 0.7, spanish.item_id: 0.6}
    facts = story_facts([head, copy, more, spanish], scores)
    assert facts.headlines["en"].outlet == "A News"
    assert facts.summaries["en"].outlet == "Deccan"  # TRT's opening repeats the headline
    assert facts.summaries["en"].text.startswith("President Trump threatened an additional")
    assert facts.summaries["es"].outlet == "ADN40"


def _outlets(*countries: str | None) -> list[Report]:
    return [report(f"Outlet {i}", "es", f"Title {i}", country=c) for i, c in enumerate(countries)]


@pytest.mark.parametrize(
    ("countries", "by_country", "one_sided"),
    [
        (("MX", "MX", "MX"), {"MX": 3}, True),
        (("US", "US", "US", "US"), {"US": 4}, True),
        (("MX", "MX"), {"MX": 2}, False),  # too few outlets to say
        (("MX", "MX", "MX", "US"), {"MX": 3, "US": 1}, False),
        (("MX", "MX", None), {"MX": 2, "?": 1}, False),  # the unknown one might be the other side
        ((None, None, None), {"?": 3}, False),
        (("US", "GB", "MX"), {"GB": 1, "MX": 1, "US": 1}, False),
    ],
)
def test_coverage_by_country_and_one_sided(
    countries: tuple[str | None, ...], by_country: dict[str, int], one_sided: bool
) -> None:
    got = coverage(_outlets(*countries))
    assert got.outlets == len(countries)
    assert got.by_country == by_country and list(got.by_country) == list(by_country)
    assert got.one_sided is one_sided


def test_coverage_counts_outlets_not_reports_and_languages() -> None:
    again = report("Milenio", "es", "Detienen al conductor del tráiler con fentanilo", minutes=50)
    got = coverage([*SEIZURE, again])
    assert got == Coverage(4, {"MX": 3, "US": 1}, {"es": 3, "en": 1}, False)
    three_mx = coverage([MILENIO, UNIVERSAL, PROCESO, again])
    assert three_mx.one_sided and three_mx.by_language == {"es": 3}


def test_vectors_decide_centrality_when_every_report_has_one() -> None:
    a, b, c = SEIZURE[:3]
    vectors = {a.item_id: [1.0, 0.0], b.item_id: [0.8, 0.6], c.item_id: [0.6, 0.8]}
    scores = cosine_centrality(vectors)
    assert max(scores, key=lambda k: scores[k]) == b.item_id
    assert ranked([a, b, c], scores)[0] == b
    assert ranked([a, b, c, MILENIO], scores) == ranked([a, b, c, MILENIO])  # one missing: words
    assert cosine_centrality({a.item_id: [1.0, 0.0]}) == {a.item_id: 1.0}


def test_lexical_centrality_meets_across_languages_through_names_and_numbers() -> None:
    scores = lexical_centrality([BORDER_REPORT, MILENIO, report("Other", "en", "Wildfire in Baja")])
    assert scores[BORDER_REPORT.item_id] > 0 and scores[MILENIO.item_id] > 0


def test_two_equally_central_reports_prefer_the_stored_lead() -> None:
    a = report("A", "en", "Senate votes on the border bill", "The Senate voted on Tuesday.")
    b = report(
        "B", "en", "Senate votes on the border bill", "The Senate voted on Tuesday.", minutes=-5
    )
    assert ranked([a, b])[0] == b  # earliest
    assert ranked([a, b], lead_url=a.url)[0] == a


def _view(reports: tuple[Report, ...] = ()) -> StoryView:
    return StoryView(
        id=7,
        headline="Aseguran fentanilo",
        url=MILENIO.url,
        summary="Stored text.",
        first_seen_at=T0,
        last_seen_at=T0,
        source_count=4,
        sources=["Milenio"],
        languages=["en", "es"],
        reports=reports,
    )


def test_a_story_view_answers_with_facts_and_without() -> None:
    bare = _view(tuple(SEIZURE))
    assert bare.headline_for("en").text == "Aseguran fentanilo"  # stored until facts are known
    assert bare.headline_for("en").outlet == "Milenio"
    assert bare.summary_for("en") is not None and bare.coverage == Coverage(4)
    [known] = with_facts([bare])
    assert known.headline_for("en").text == BORDER_REPORT.title
    assert known.coverage.by_country == {"MX": 3, "US": 1}
    assert [r.outlet for r in known.facts.reports] == [  # type: ignore[union-attr]
        "Milenio",
        "El Universal",
        "Proceso",
        "Border Report",
    ]
    assert with_facts([_view()]) == [_view()]  # nothing to work from: left as it is
    assert _view().headline_for("es").url == MILENIO.url
