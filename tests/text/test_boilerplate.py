"""strip_boilerplate / strip_title_noise: feed boilerplate out, the reporting left whole."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest

from briefings.text import html_to_text
from briefings.text.boilerplate import strip_boilerplate, strip_title_noise
from tests.conftest import SHARED_DATA, shared_data_folder

HERE = Path(__file__).resolve()
PROJECT_FEEDS = HERE.parents[1] / "data" / "feeds"
SHARED_FEEDS = SHARED_DATA / "feeds"
FEED_SUFFIXES = {".xml", ".rss", ".atom", ".rdf"}

# (summary, title, expected)
CASES = [
    # CMS footers, English and Spanish
    (
        "Mexico will answer with a cool head, Sheinbaum said. The post Sheinbaum answers"
        " Trump appeared first on Border Wire.",
        "",
        "Mexico will answer with a cool head, Sheinbaum said.",
    ),
    (
        "La presidenta pidió unidad. La entrada Sheinbaum pide unidad frente a Trump se"
        " publicó primero en Diario de la Frontera.",
        "",
        "La presidenta pidió unidad.",
    ),
    (
        "Los diputados aprobaron la reforma en lo general. Falta la votación en lo"
        " particular […] La entrada Aprueban reforma se publicó primero en Noticias MX.",
        "",
        "Los diputados aprobaron la reforma en lo general.",  # a whole sentence beats a fragment
    ),
    (
        "El Senado votó contra la intervención. El post Votación en el Senado apareció"
        " primero en La Crónica.",
        "",
        "El Senado votó contra la intervención.",
    ),
    # read-more links and ellipsis markers
    ("Officials met in Tijuana. Read more »", "", "Officials met in Tijuana."),
    ("Officials met in Tijuana. Read More...", "", "Officials met in Tijuana."),
    ("Funcionarios se reunieron en Tijuana. Leer más", "", "Funcionarios se reunieron en Tijuana."),
    (
        "Funcionarios se reunieron en Tijuana. [Leer más]",
        "",
        "Funcionarios se reunieron en Tijuana.",
    ),
    ("La alcaldesa habló del agua. Seguir leyendo →", "", "La alcaldesa habló del agua."),
    ("La alcaldesa habló del agua. Ver más", "", "La alcaldesa habló del agua."),
    ("Traders fled the peso. Continue reading...", "", "Traders fled the peso."),
    (
        'Traders fled the peso on Monday. Continue reading "Peso slides"',
        "",
        "Traders fled the peso on Monday.",
    ),
    ("Traders fled the peso on Monday […]", "", "Traders fled the peso on Monday"),
    ("Traders fled the peso on Monday [...]", "", "Traders fled the peso on Monday"),
    (
        "Los precios del maíz y del frijol subieron. El peso cayó frente al dól…",
        "",
        "Los precios del maíz y del frijol subieron.",
    ),
    (
        "El peso cayó frente al dólar y los mercados se desplom…",
        "",
        "El peso cayó frente al dólar y los mercados se",
    ),
    (
        "El peso cayó frente al dólar y los mercados ...",
        "",
        "El peso cayó frente al dólar y los mercados",
    ),
    # credits and tails
    ("The deal was signed in Ottawa. Source: Reuters", "", "The deal was signed in Ottawa."),
    ("El acuerdo se firmó en Ottawa. Con información de EFE", "", "El acuerdo se firmó en Ottawa."),
    (
        "Mexico sent 26 suspects north. (Reporting by Dave Graham; Editing by Sandra Maler)",
        "",
        "Mexico sent 26 suspects north.",
    ),
    # datelines
    ("CDMX.- La presidenta habló de aranceles.", "", "La presidenta habló de aranceles."),
    ("CDMX.-La presidenta habló de aranceles.", "", "La presidenta habló de aranceles."),
    ("CIUDAD DE MÉXICO (apro).- El Senado votó.", "", "El Senado votó."),
    ("WASHINGTON (AP) — The Senate voted on Tuesday.", "", "The Senate voted on Tuesday."),
    ("MÉXICO, 4 dic (EFE).- El peso se depreció.", "", "El peso se depreció."),
    ("Mexico City, Dec 4 (Reuters) - The peso fell.", "", "The peso fell."),
    ("TIJUANA, B.C. (AP) — Shelters are full.", "", "Shelters are full."),
    ("Ciudad Juárez, Chih., 4 de diciembre de 2024.- Maquilas paran.", "", "Maquilas paran."),
    ("Monterrey, NL.- Las armadoras se reunieron.", "", "Las armadoras se reunieron."),
    ("Mexico City, Mexico - Mexico began the deployment.", "", "Mexico began the deployment."),
    ("Nova York, 24 set (EFE).- O índice fechou em baixa.", "", "O índice fechou em baixa."),
    (
        "NOGALES — Officers found 1,100 pounds of pills.",
        "",
        "Officers found 1,100 pounds of pills.",
    ),
    # a credit in parentheses before the first sentence
    (
        "(Ken Silva, Headline USA) The New York Times reported Tuesday that the CIA is flying.",
        "",
        "The New York Times reported Tuesday that the CIA is flying.",
    ),
    ("(Reuters) - Mexico's president said on Monday.", "", "Mexico's president said on Monday."),
    ("(Bloomberg) -- The peso fell.", "", "The peso fell."),
    ("(EFE).- El peso se depreció.", "", "El peso se depreció."),
    # a summary that repeats its title
    (
        "Peso falls on tariff fears. Traders priced in a higher chance of tariffs.",
        "Peso falls on tariff fears",
        "Traders priced in a higher chance of tariffs.",
    ),
    (
        "Peso mexicano pierde terreno — El tipo de cambio superó los 20.40 pesos.",
        "Peso mexicano pierde terreno",
        "El tipo de cambio superó los 20.40 pesos.",
    ),
    (
        "CDMX.- Peso cae ante el dólar: los mercados temen aranceles.",
        "Peso cae ante el dólar",
        "los mercados temen aranceles.",
    ),
    # several layers at once
    (
        "WASHINGTON (AP) — The Senate voted 52-48 against military action in Mexico. It now goes"
        " to the Hou… Read more The post Senate votes against strikes appeared first on Wire.",
        "",
        "The Senate voted 52-48 against military action in Mexico.",
    ),
]

# Text that looks like boilerplate but is reporting: it must come back unchanged.
INTACT = [
    ("Read more about the tariff in Reuters' analysis of the deal.", ""),
    ("Analysts said traders should read more about the tariff in Reuters' analysis.", ""),
    ("La entrada de tropas estadounidenses sería inaceptable, dijo Sheinbaum.", ""),
    ("El diario publicó primero en su portada la entrada del convoy a Reynosa.", ""),
    ("El gobierno publicó las cifras; la entrada en vigor será en enero.", ""),
    ("Officials in WASHINGTON (AP) said the talks went well.", ""),
    ("(1) Tariffs on steel rise to 50%.", ""),
    ("(Actualizada 14:30) El Senado votó la reforma.", ""),
    ("(Y no, no es broma) the border closed at noon.", ""),
    ("(AP) said the talks went well.", ""),
    ("The minister flew to CDMX.- a trip announced on Monday.", ""),
    ("Sheinbaum — who took office in October — rejected the plan.", ""),
    ("Ebrard: la industria automotriz, la más expuesta a los aranceles.", ""),
    ("ONU - La organización pidió calma en la frontera.", ""),
    ("Washington — and Mexico City — agreed to talk.", ""),
    ("The post office in Nogales reopened after the storm.", ""),
    ("Ver más de 500 camiones en la garita sorprendió a los agentes.", ""),
    ("Continue reading the fine print, lawyers advised exporters.", ""),
    (
        "Hugo Miguel é o árbitro escolhido para apitar o Benfica-Sporting, esta quarta-feira.",
        "Hugo Miguel é o árbitro escolhido para apitar o Benfica-Sporting",
    ),
    ("Read more", ""),  # nothing but boilerplate: returned as it came
    ("CDMX.- Leer más", ""),
    ("Peso falls on tariff fears.", "Peso falls on tariff fears"),
    ("…", ""),
]

TITLES = [
    ("VIDEO: Sheinbaum responde a Trump", "Sheinbaum responde a Trump"),
    ("[FOTOS] Así luce la garita de Nogales", "Así luce la garita de Nogales"),
    ("EN VIVO | Votación en el Senado", "Votación en el Senado"),
    ("Senate votes on Mexico strikes - video", "Senate votes on Mexico strikes"),
    ("Aranceles: lo que sabemos (VIDEO)", "Aranceles: lo que sabemos"),
    ("Analysis: what a terrorist label means", "Analysis: what a terrorist label means"),
    (
        "Nations brace for a year to live with tariffs",
        "Nations brace for a year to live with tariffs",
    ),
    ("VIDEO", "VIDEO"),
]


@pytest.mark.parametrize(("summary", "title", "expected"), CASES)
def test_strips_boilerplate(summary: str, title: str, expected: str) -> None:
    assert strip_boilerplate(summary, title=title) == expected


@pytest.mark.parametrize(("summary", "title"), INTACT)
def test_leaves_reporting_intact(summary: str, title: str) -> None:
    assert strip_boilerplate(summary, title=title) == summary


@pytest.mark.parametrize(("title", "expected"), TITLES)
def test_strip_title_noise(title: str, expected: str) -> None:
    assert strip_title_noise(title) == expected


@pytest.mark.parametrize(("summary", "title", "expected"), CASES)
def test_cleaning_twice_changes_nothing(summary: str, title: str, expected: str) -> None:
    assert strip_boilerplate(expected, title=title) == expected


# --- real feed files ---------------------------------------------------------------------


def _feed_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in FEED_SUFFIXES and p.is_file())


def _items(path: Path) -> Iterator[tuple[str, str]]:
    """(title, summary) as the project's parser cleans them."""
    for entry in feedparser.parse(path.read_bytes()).entries:
        yield html_to_text(entry.get("title") or ""), html_to_text(entry.get("summary") or "")


def _shared_feeds() -> Path:
    return shared_data_folder() / "feeds"  # skips, or fails under BORDERBRIEF_REQUIRE_DATA=1


def _summary(root: Path, name: str, title_start: str) -> tuple[str, str]:
    for title, summary in _items(root / name):
        if title.startswith(title_start) and summary:
            return title, summary
    raise AssertionError(f"{name}: no item titled {title_start!r}")


# (feed file, item title start, the cleaned summary's start, its end)
REAL = [
    (
        "rss-parser/guardian.rss",
        "Kenyan opposition figure",
        "Kalonzo Musyoka, a former vice-president",
        "raising the stakes after months of political turmoil.",
    ),
    (
        "rss-parser/guardian.rss",
        "Trump State of the Union address promised",
        "The president’s ‘new American moment’",
        "the deep discord at the heart of the country’s politics.",  # and "Related: …" gone
    ),
    (
        "rss-parser/uolNoticias.rss",
        "Dow Jones fecha em baixa",
        "O índice Dow Jones Industrial fechou",
        "adjunto dos Estados Unidos.",
    ),
    (
        "rss-parser/uolNoticias.rss",
        "Rival de Putin",
        "O líder de oposição russo Alexei Navalny",
        "após cumprir outra sentença de 30 dias.",
    ),
    ("rss-parser/uolNoticias.rss", "Em entrevista, Bolsonaro", "O candidato do PSL", '"ousada".'),
    ("rss-parser/uolNoticias.rss", "Assange chegou", "O fundador do WikiLeaks", "teve acesso."),
    (
        "rss-parser/uolNoticias.rss",
        "Apucarana garante",
        "Programa Pré Aprendiz",
        "terá continuidade em 2019.",  # "O termo de renovaç..." was cut mid-word by the feed
    ),
    (
        "rss-parser/uolNoticias.rss",
        "Enfermeira de Chávez",
        "A ex-enfermeira do falecido Hugo Chávez",
        "na Corte Nacional da Espanha e alegou sofrer",  # "perseguiç..." dropped
    ),
    ("rss-parser/uolNoticias.rss", "Match Eleitoral", "Já são mais de 500 mil", "por São Paulo."),
    (
        "rss-parser/uolNoticias.rss",
        "Ibope: Bolsonaro estaciona",
        "Em nova pesquisa Ibope",
        "quando teve a mesma pontuação.",  # "[?]" is a mangled "[…]"
    ),
    (
        "feed-rs/rss_2.0_wirecutter.xml",
        "How to Teach Someone a Board Game",
        "Modern board games",
        "you have to learn how to play.",
    ),
    (
        "feed-rs/rss_2.0_spiegel.xml",
        "07.02.",
        "Die wichtigsten Nachrichten",
        "aus der SPIEGEL-Redaktion.",
    ),
    (
        "rss-parser/encoding.rss",
        "Hugo Miguel é o árbitro",
        "Hugo Miguel é o árbitro escolhido",  # continues the title with a comma: kept
        "esta quarta-feira à noite.",
    ),
]


@pytest.mark.parametrize(("name", "title_start", "start", "end"), REAL)
def test_real_feed_items(name: str, title_start: str, start: str, end: str) -> None:
    title, summary = _summary(_shared_feeds(), name, title_start)
    cleaned = strip_boilerplate(summary, title=title)
    assert cleaned.startswith(start)
    assert cleaned.endswith(end)


def test_project_feed_read_more() -> None:
    title, summary = _summary(PROJECT_FEEDS, "entities_cdata.xml", "Cartels")
    assert summary.endswith("Read more »")
    expected = "Officials in Mexico City say a U.S. strike on cartel targets would cross a line."
    assert strip_boilerplate(summary, title=title) == expected


def test_project_feeds_are_already_clean() -> None:
    """Our own fixtures hold reporting only, except the one read-more link above."""
    changed = [
        (path.name, summary)
        for path in _feed_files(PROJECT_FEEDS)
        for title, summary in _items(path)
        if strip_boilerplate(summary, title=title) != summary.strip()
    ]
    assert [name for name, _ in changed] == ["entities_cdata.xml"]


def _word_bounded(inner: str, outer: str) -> bool:
    """``inner`` occurs in ``outer`` with no word cut at either end."""
    for match in re.finditer(re.escape(inner), outer):
        before = outer[match.start() - 1 : match.start()]
        after = outer[match.end() : match.end() + 1]
        cut_start = before.isalnum() and inner[:1].isalnum()
        cut_end = after.isalnum() and inner[-1:].isalnum()
        if not cut_start and not cut_end:
            return True
    return False


def _check_cleanup(summary: str, title: str) -> None:
    cleaned = strip_boilerplate(summary, title=title)
    assert _word_bounded(cleaned, summary), (summary, cleaned)
    input_words = set(re.findall(r"\w+", summary))
    assert set(re.findall(r"\w+", cleaned)) <= input_words, (summary, cleaned)
    if len(summary.split()) >= 3:
        assert cleaned, summary


def test_every_real_summary_is_cleaned_without_cutting_words() -> None:
    items = [item for path in _feed_files(_shared_feeds()) for item in _items(path)]
    items += [item for path in _feed_files(PROJECT_FEEDS) for item in _items(path)]
    summaries = [(title, summary) for title, summary in items if summary]
    assert len(summaries) > 100
    for title, summary in summaries:
        _check_cleanup(summary, title)
        _check_cleanup(summary, "")


@pytest.mark.parametrize(("summary", "title", "expected"), CASES + [(s, t, s) for s, t in INTACT])
def test_hand_written_cases_only_lose_text(summary: str, title: str, expected: str) -> None:
    _check_cleanup(summary, title)
