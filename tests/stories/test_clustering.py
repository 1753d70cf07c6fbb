"""Clustering on real-looking headline sets: one event is one story, other events stay apart."""

from __future__ import annotations

import itertools
import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from briefings.stories import DEFAULT_THRESHOLD, Fingerprint, normalise, similarity, tokens
from briefings.stories.fingerprint import fingerprint
from briefings.stories.lsh import LshIndex as StoryIndex
from tests.stories.clustering import cluster
from tests.stories.headlines import REPORTS

T0 = datetime(2025, 2, 3, 12, 0, tzinfo=UTC)


def _docs(reports, spacing=timedelta(minutes=7)):
    return [
        (i, fingerprint(r.title, r.summary, r.language), T0 + spacing * i)
        for i, r in enumerate(reports)
    ]


def _partition(assigned: dict[int, int]) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for doc, story in assigned.items():
        groups.setdefault(story, set()).add(doc)
    return {frozenset(g) for g in groups.values()}


def _truth(reports) -> set[frozenset[int]]:
    return {
        frozenset(i for i, r in enumerate(reports) if r.event == event)
        for event in {r.event for r in reports}
    }


def test_every_event_is_one_story_and_events_stay_apart():
    # All reports within two hours of each other, so only the text can tell events apart.
    assert _partition(cluster(_docs(REPORTS))) == _truth(REPORTS)


def test_five_outlets_same_event_make_one_story_with_five_members():
    reports = [r for r in REPORTS if r.event == "troops-deal"]
    assert len({r.outlet for r in reports}) == 5
    assigned = cluster(_docs(reports))
    assert len(set(assigned.values())) == 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clustering_does_not_depend_on_input_order(seed):
    docs = _docs(REPORTS)
    shuffled = docs[:]
    random.Random(seed).shuffle(shuffled)
    assert cluster(shuffled) == cluster(docs)


def test_fingerprints_are_stable_and_json_round_trip():
    r = REPORTS[0]
    fp = fingerprint(r.title, r.summary, r.language)
    assert fingerprint(r.title, r.summary, r.language) == fp
    back = Fingerprint.from_json(json.loads(json.dumps(fp.to_json())))
    assert back == fp and back.sketch == fp.sketch
    assert similarity(back, fp) == 1.0


def test_labelled_pairs_are_separated_by_the_threshold():
    fps = [fingerprint(r.title, r.summary, r.language) for r in REPORTS]
    same, different = [], []
    for (i, a), (j, b) in itertools.combinations(enumerate(fps), 2):
        (same if REPORTS[i].event == REPORTS[j].event else different).append(similarity(a, b))
    assert min(same) >= DEFAULT_THRESHOLD > max(different)
    assert len(same) > 30 and len(different) > 300


def test_english_and_spanish_reports_of_one_event_join():
    en = next(r for r in REPORTS if r.event == "fto-designation" and r.language == "en")
    es = next(r for r in REPORTS if r.event == "fto-designation" and r.language == "es")
    assert (
        similarity(fingerprint(en.title, en.summary, "en"), fingerprint(es.title, es.summary, "es"))
        >= DEFAULT_THRESHOLD
    )
    assert set(tokens("Intervención militar de EE.UU.", "")) == set(
        tokens("U.S. military intervention", "")
    )


def test_normalisation_folds_accents_numbers_and_country_names():
    assert normalise("SOBERANÍA") == "soberania"
    assert tokens("25 por ciento", "") == tokens("25%", "") == ["25pct"]
    assert tokens("10 mil soldados", "") == tokens("10,000 soldiers", "")
    assert tokens("Estados Unidos", "") == tokens("EE. UU.", "") == tokens("US", "") == ["usa"]
    assert tokens("T-MEC", "") == tokens("USMCA", "")
    assert "usa" not in tokens("Trump told us", "")  # "us" the pronoun is not the country


def test_incremental_index_new_report_joins_existing_story():
    first, *rest = [r for r in REPORTS if r.event == "rejects-strikes"]
    index = StoryIndex()
    index.add(100, fingerprint(first.title, first.summary, first.language), T0)
    other = next(r for r in REPORTS if r.event == "china-cars")
    index.add(101, fingerprint(other.title, other.summary, other.language), T0)
    for r in rest:
        fp = fingerprint(r.title, r.summary, r.language)
        assert index.best_match(fp, T0 + timedelta(hours=3), window=timedelta(hours=48)) == 100
        assert index.best_match(fp, T0 + timedelta(hours=60), window=timedelta(hours=48)) is None


def test_window_splits_the_same_headline_days_apart():
    r = REPORTS[0]
    fp = fingerprint(r.title, r.summary, r.language)
    docs = [(1, fp, T0), (2, fp, T0 + timedelta(days=5))]
    assert cluster(docs, window=timedelta(hours=48)) == {1: 1, 2: 2}
    assert cluster(docs, window=timedelta(days=7)) == {1: 1, 2: 1}


def test_empty_text_never_joins_anything():
    empty = fingerprint("", "", "en")
    index = StoryIndex()
    index.add(1, empty, T0)
    assert index.best_match(empty, T0, window=timedelta(hours=1)) is None
    assert similarity(empty, empty) == 0.0


def test_dev_items_reporting_one_event_cluster(shared_data):
    """themes-dev.jsonl: three outlets on the Feb 19 designation; other events stay apart."""
    rows = {
        row["id"]: row
        for row in map(json.loads, (shared_data / "themes-dev.jsonl").read_text().splitlines())
    }
    same = [
        "es-almomento-6-carteles-terroristas",
        "es-record-designa-grupos-terroristas",
        "es-diariosonora-designa-oficialmente",
    ]
    others = [
        "es-reportemaya-mafia-china-fentanilo",
        "en-fgn-panama-canal-forever",
        "en-tucsonsentinel-record-250lb",
        "es-cuartopoder-acero-no-justifica",
        "en-jointearn-reduces-fentanyl-tariffs",
    ]
    docs = [
        (i, fingerprint(rows[k]["title"], rows[k]["summary"], rows[k]["lang"]), T0)
        for i, k in enumerate(same + others)
    ]
    assigned = cluster(docs)
    assert {assigned[i] for i in range(3)} == {0}
    assert len({assigned[i] for i in range(3, len(docs))}) == len(others)
    assert all(assigned[i] != 0 for i in range(3, len(docs)))


def test_short_headlines_need_several_shared_words():
    a = fingerprint("Trump tariffs", "", "en")
    b = fingerprint("Trump tariffs talk", "", "en")
    assert similarity(a, b) >= DEFAULT_THRESHOLD  # similar by the numbers...
    assert cluster([(1, a, T0), (2, b, T0)]) == {1: 1, 2: 2}  # ...but two words are not enough


@pytest.mark.parametrize(
    ("word", "not_token"),
    [
        ("methamphetamine", "meeting"),  # a drug is not a meeting ("met")
        ("metanfetamina", "meeting"),
        ("farmacia", "farm"),  # a pharmacy is not a farm
        ("forces", "in_force"),  # armed forces are not a law coming into force
        ("statement", "state"),
        ("mayo", "m_05"),  # "El Mayo" Zambada is not the month of May
    ],
)
def test_glossary_never_maps_an_unrelated_word_by_prefix(word, not_token):
    from briefings.stories.words import _canonical

    assert _canonical(word) != not_token
