"""Near-duplicate clustering: reports of the same event, from many outlets, become one story.

An item's *fingerprint* is the set of its content tokens (title plus the lede's first words):
casefolded, accents stripped, EN/ES stop-words dropped, each word cut to a 6-letter stem and
passed through a small EN<->ES glossary, so ``intervención militar`` and ``military
intervention`` give the same tokens (``interv``, ``milita``). Adjacent token pairs are added
unordered, which rewards shared phrases in either word order. Similarity is the exact Jaccard
index of the two shingle sets (words and pairs). To find candidates without comparing all
pairs, each fingerprint has a one-permutation MinHash sketch of its words (96 bins, densified)
cut into 48 LSH bands of 2 rows; only stories sharing a band are compared. Words alone give
same-event reports a Jaccard of 0.25-0.6, where banding finds them with probability > 0.95.
Two bounds keep a lookup cheap when the news is all about one country: a bucket offers only
its most recent entries, and only the candidates sharing the most bands are compared exactly.

Everything is deterministic: tokens are hashed with BLAKE2b, never Python's salted ``hash``.
"""

from __future__ import annotations

import gc
import hashlib
import operator
import random
import re
import unicodedata
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import chain
from typing import Any

# Tuned on the labelled reports in tests/stories/headlines.py (words + pairs Jaccard): reports
# of one event by other outlets score 0.14-0.47 (English vs Spanish included), different events
# on the same theme at most 0.12. The time window keeps apart what text alone cannot.
DEFAULT_THRESHOLD = 0.13
# Two bare headlines ("Trump, tariffs, Mexico") can be similar by chance: a match also needs
# this many words in common.
MIN_SHARED_WORDS = 3
LEDE_WORDS = 30  # words of the summary that count: a lede, not the whole article
STEM = 6

BINS = 96
ROWS = 2
BANDS = BINS // ROWS

_STOP_EN = """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had
has have having he her here hers him his how i if in into is it its itself just me more most my
no nor not now of off on once only or other our out over own same she should so some such than
that the their them then there these they this those through to too under until up very was we
were what when where which while who whom why will with would you your says said say told tells
new after amid over via could may might must would according report reports reported
claudia donald
"""
_STOP_ES = """
a al algo algunas algunos ante antes como con contra cual cuando de del desde donde durante e el
ella ellas ellos en entre era es esa ese eso esta estaba estado estan este esto estos fue fueron
ha han hasta hay la las le les lo los mas me mi mientras muy ni no nos o otra otro para pero poco
por porque que quien se ser si sin sino sobre su sus tambien tanto te tiene todo tras tu un una
uno unos y ya dijo dice segun afirma asegura senala informa ser sera seria este esta sido
"""
STOP_WORDS = frozenset(_STOP_EN.split()) | frozenset(_STOP_ES.split())

# EN<->ES words of this domain, keyed by word prefix, mapped to one shared token. Words whose
# 6-letter stems already agree (intervención/intervention, militar/military, cártel/cartel,
# fentanilo/fentanyl, terroristas/terrorist) need no entry.
GLOSSARY: dict[str, str] = {
    # trade
    "arancel": "tariff", "tariff": "tariff", "gravamen": "tariff", "duties": "tariff",
    "acero": "steel", "steel": "steel", "aluminio": "alumin", "aluminum": "alumin",
    "aluminium": "alumin", "importac": "import", "importa": "import", "import": "import",
    "exportac": "export", "exporta": "export", "export": "export", "comercio": "trade",
    "comercial": "trade", "trade": "trade", "represali": "retali", "retaliat": "retali",
    "revision": "review", "review": "review", "impuesto": "tax", "tax": "tax",
    "usmca": "usmca", "tmec": "usmca", "t-mec": "usmca", "tlcan": "nafta", "nafta": "nafta",
    "automovil": "car", "autos": "car", "cars": "car", "vehicul": "car", "vehicle": "car",
    "tomate": "tomato", "tomato": "tomato", "maiz": "corn", "corn": "corn", "agua": "water",
    "water": "water",
    # security and sovereignty
    "soberan": "sovereign", "sovereign": "sovereign", "ataque": "strike", "attack": "strike",
    "strike": "strike", "bombarde": "strike", "dron": "drone", "drone": "drone",
    "tropa": "troops", "troop": "troops", "soldado": "troops", "soldier": "troops",
    "elemento": "troops", "guardia": "guard", "guard": "guard", "frontera": "border",
    "fronteriz": "border", "border": "border", "amenaz": "threat", "threat": "threat",
    "rechaz": "reject", "reject": "reject", "descart": "reject",
    "acuerd": "deal", "acord": "deal", "agree": "deal", "pacto": "deal", "deal": "deal",
    "pausa": "pause", "pause": "pause", "suspend": "pause", "pospon": "pause",
    "postpon": "pause", "delay": "pause", "aplaz": "pause", "designa": "design",
    "designat": "design", "gobierno": "govern", "govern": "govern", "negocia": "negoti",
    "negotia": "negoti", "talks": "negoti", "platica": "negoti", "dialogo": "negoti",
    "secretari": "secret", "secretary": "secret", "canciller": "foreign_min",
    "invasion": "invasi", "invadir": "invasi", "invade": "invasi", "narcotrafic": "drug_traf",
    "drogas": "drug", "droga": "drug", "drug": "drug", "narcotic": "drug", "narcotico": "drug",
    "nacion": "nation", "nation": "nation", "mes": "month", "meses": "month",
    "month": "month", "enviar": "send", "envia": "send", "enviara": "send", "send": "send",
    "sends": "send", "sent": "send", "traslad": "send", "transfer": "send",
    "desplieg": "deploy", "desplega": "deploy", "deploy": "deploy", "trafic": "traffic",
    "traffick": "traffic", "traffic": "traffic", "agente": "agent", "agent": "agent",
    "officer": "agent", "oficial": "agent", "propon": "propos", "propus": "propos",
    "propos": "propos", "reduc": "reduce", "rebaj": "reduce", "cut": "reduce", "lower": "reduce",
    "vigor": "in_force", "effect": "in_force", "tratado": "treaty",
    "treaty": "treaty", "sancion": "sanction", "sanction": "sanction", "millon": "million",
    "million": "million", "garita": "port_entry", "camion": "truck", "tractocamion": "truck",
    "truck": "truck", "trailer": "truck", "oculta": "hidden", "hidden": "hidden",
    "grupo": "group", "group": "group", "criminal": "crimin", "extranjer": "foreign",
    "foreign": "foreign", "departamento": "department", "department": "department",
    "estado": "state", "asesinato": "killing", "killing": "killing",
    "murder": "killing", "buscado": "wanted", "wanted": "wanted", "territori": "territ",
    "suelo": "soil", "soil": "soil", "cerca": "near", "reunion": "meeting",
    "meeting": "meeting", "reunirse": "meeting", "anunci": "announ",
    "announc": "announ", "productos": "goods", "goods": "goods", "autopart": "car_part",
    "pais": "country", "paises": "country", "country": "country", "countries": "country",
    "asiatic": "asia", "asia": "asia", "agricol": "farm", "texas": "texas",
    "advert": "warn", "advier": "warn", "warn": "warn", "accion": "action", "action": "action",
    "segurid": "securi", "secur": "securi", "creciente": "rising", "rising": "rising",
    "acusa": "accuse", "accus": "accuse", "incumpl": "violate", "violat": "violate",
    "failing": "violate", "entreg": "deliver", "deliver": "deliver",
    # seizures and harm
    "incauta": "seize", "decomis": "seize", "aseguramient": "seize", "seiz": "seize",
    "confisca": "seize", "pastilla": "pill", "pildora": "pill", "pill": "pill",
    "libras": "pound", "pound": "pound", "sobredosis": "overdos", "overdos": "overdos",
    "muerte": "death", "death": "death", "muerto": "death", "dead": "death",
    "precursor": "precur",
    # places and people
    "eeuu": "usa", "eua": "usa", "estadounidens": "usa", "american": "usa", "america": "usa",
    "washington": "usa", "mexican": "mexico", "mexico": "mexico", "canad": "canada",
    "chin": "china", "panam": "panama", "groenland": "greenland", "greenland": "greenland",
    "presiden": "presid", "mandatari": "presid", "cartel": "cartel",
    # weekdays and months
    "lunes": "d_mon", "monday": "d_mon", "martes": "d_tue", "tuesday": "d_tue",
    "miercoles": "d_wed", "wednesday": "d_wed", "jueves": "d_thu", "thursday": "d_thu",
    "viernes": "d_fri", "friday": "d_fri", "sabado": "d_sat", "saturday": "d_sat",
    "domingo": "d_sun", "sunday": "d_sun", "enero": "m_01", "january": "m_01",
    "febrero": "m_02", "february": "m_02", "marzo": "m_03", "march": "m_03", "abril": "m_04",
    "april": "m_04", "junio": "m_06", "june": "m_06", "julio": "m_07",
    "july": "m_07", "agosto": "m_08", "august": "m_08", "septiembre": "m_09",
    "september": "m_09", "octubre": "m_10", "october": "m_10", "noviembre": "m_11",
    "november": "m_11", "diciembre": "m_12", "december": "m_12",
}  # fmt: skip
_GLOSSARY_LENGTHS = sorted({len(k) for k in GLOSSARY}, reverse=True)
# Whole words only: as prefixes these would swallow unrelated words ("met" → "meth",
# "methamphetamine"; "farm" → "farmacia"; "force" → "forces"; "state" → "statement").
# Spanish "mayo" is left out: in this news it is as often "El Mayo" Zambada as the month.
GLOSSARY_WORDS: dict[str, str] = {
    "met": "meeting", "farm": "farm", "farms": "farm", "force": "in_force",
    "state": "state", "states": "state",
}  # fmt: skip

# Word pairs that different outlets spell apart, joined into one word before stemming.
_JOIN: dict[tuple[str, str], str] = {
    ("estados", "unidos"): "usa", ("united", "states"): "usa", ("ee", "uu"): "usa",
    ("u", "s"): "usa", ("t", "mec"): "usmca", ("casa", "blanca"): "whitehouse",
    ("white", "house"): "whitehouse", ("por", "ciento"): "%", ("per", "cent"): "%",
}  # fmt: skip
_SAME: dict[str, str] = {"percent": "%", "eeuu": "usa", "eua": "usa", "tmec": "usmca"}
_THOUSAND = frozenset({"mil", "thousand"})
_US_UPPER = re.compile(r"\bUS\b")  # "US strikes": the country only when written in capitals
_WORD = re.compile(r"\d+(?:[.,]\d{3})*|[a-z0-9]+|%")
# Accents of Spanish and other Latin scripts, folded without a Unicode round trip per letter.
_FOLD = str.maketrans("áàâäãåéèêëíìîïóòôöõúùûüñçý", "aaaaaaeeeeiiiiooooouuuuncy")


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """An item's shingles as 32-bit hashes: its words, and its unordered adjacent word pairs."""

    words: frozenset[int]
    pairs: frozenset[int] = frozenset()
    language: str = ""
    sketch: tuple[int, ...] = field(default=(), compare=False, repr=False)
    bands: tuple[int, ...] = field(default=(), compare=False, repr=False)  # LSH bucket keys

    def to_json(self) -> dict[str, Any]:
        return {"l": self.language, "w": sorted(self.words), "p": sorted(self.pairs)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fingerprint:
        words = frozenset(int(t) for t in data.get("w", ()))
        pairs = frozenset(int(t) for t in data.get("p", ()))
        sketch = _sketch(words)
        return Fingerprint(words, pairs, str(data.get("l", "")), sketch, _band_keys(sketch))


def normalise(text: str) -> str:
    """Casefold and strip accents; a capitalised ``US`` becomes ``usa``."""
    if "US" in text:
        text = _US_UPPER.sub(" usa ", text)
    text = text.casefold().translate(_FOLD)
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return text


def words(text: str) -> list[str]:
    """The words of a text, with spelled-apart names joined and numbers in one form."""
    raw = _WORD.findall(normalise(text))
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        word = raw[i]
        if i + 1 < n and (word, raw[i + 1]) in _JOIN:
            word = _JOIN[(word, raw[i + 1])]
            i += 1
        word = _SAME.get(word, word)
        if word[0].isdigit():
            word = word.replace(",", "").replace(".", "")  # 10,000 / 10.000 -> 10000
            if i + 1 < n and raw[i + 1] in _THOUSAND:
                word, i = word + "000", i + 1
        if word == "%" and out and out[-1][0].isdigit():
            out[-1] += "pct"
        elif word != "%":
            out.append(word)
        i += 1
    return out


_word_cache: dict[str, str | None] = {}


def _canonical(word: str) -> str | None:
    """A word's shared token: its glossary entry, else its 6-letter stem; None for stop-words."""
    cached = _word_cache.get(word, "")
    if cached != "":
        return cached
    result: str | None
    if word in STOP_WORDS or (len(word) < 3 and not word.isdigit()):
        result = None
    else:
        result = GLOSSARY_WORDS.get(word)
        for n in _GLOSSARY_LENGTHS if result is None else ():
            if len(word) >= n and word[:n] in GLOSSARY:
                result = GLOSSARY[word[:n]]
                break
        if result is None:
            result = word[:STEM] if not word[0].isdigit() else word
    if len(_word_cache) < 200_000:
        _word_cache[word] = result
    return result


def tokens(title: str, summary: str) -> list[str]:
    """The content tokens of a title and the first words of its summary, in reading order."""
    lede = " ".join(summary.split()[:LEDE_WORDS])
    out: list[str] = []
    for word in words(f"{title} . {lede}"):
        token = _canonical(word)
        if token is not None and (not out or out[-1] != token):
            out.append(token)
    return out


_hash_cache: dict[str, int] = {}


def _hash32(token: str) -> int:
    value = _hash_cache.get(token)
    if value is None:
        value = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "big")
        if len(_hash_cache) < 500_000:
            _hash_cache[token] = value
    return value


def fingerprint(title: str, summary: str, language: str) -> Fingerprint:
    """The fingerprint of one item: its tokens and unordered adjacent pairs, hashed."""
    hashed = [_hash32(w) for w in tokens(title, summary)]
    unigrams = frozenset(hashed)
    # A pair's hash is the XOR of its two word hashes: the same pair in either word order
    # (neighbours are never equal: tokens() drops immediate repeats).
    pairs = frozenset(map(operator.xor, hashed, hashed[1:]))
    sketch = _sketch(unigrams)
    return Fingerprint(unigrams, pairs, language, sketch, _band_keys(sketch))


def similarity(a: Fingerprint, b: Fingerprint) -> float:
    """Jaccard index of two fingerprints' token sets (0 when either is empty)."""
    if not a.words or not b.words:
        return 0.0
    common = len(a.words & b.words) + len(a.pairs & b.pairs)
    size_a, size_b = len(a.words) + len(a.pairs), len(b.words) + len(b.pairs)
    return common / (size_a + size_b - common)


# --- the MinHash sketch behind the LSH index -------------------------------------------------

# Each empty bin borrows from the first non-empty bin of its own fixed pseudo-random probe
# order ("optimal densification", Shrivastava 2017), which keeps the sketch a valid MinHash.
_PROBES: tuple[tuple[int, ...], ...] = tuple(
    tuple(random.Random(f"bin-{j}").sample(range(BINS), BINS)) for j in range(BINS)
)


def _sketch(token_set: frozenset[int]) -> tuple[int, ...]:
    if not token_set:
        return ()
    mins: list[int | None] = [None] * BINS
    for token in token_set:  # word hashes are BLAKE2b output: uniform, usable as they are
        b = token % BINS
        current = mins[b]
        if current is None or token < current:
            mins[b] = token
    out: list[int] = []
    for j, value in enumerate(mins):
        if value is None:
            for k in _PROBES[j]:
                donor = mins[k]
                if donor is not None:
                    value = donor
                    break
        out.append(value if value is not None else 0)
    return tuple(out)


assert array("I").itemsize == 4 and array("Q").itemsize == 8  # the band keys' layout
_BAND_SALTS = [(band * 0x9E3779B97F4A7C15) & ((1 << 64) - 1) for band in range(BANDS)]


def _band_keys(sketch: tuple[int, ...]) -> tuple[int, ...]:
    if not sketch:
        return ()
    # Both 32-bit rows of a band read as one 64-bit integer (in C, through a memoryview),
    # salted with the band's number so that equal rows in different bands stay apart.
    rows = memoryview(array("I", sketch).tobytes()).cast("Q").tolist()
    return tuple(map(operator.xor, rows, _BAND_SALTS))


_COUNT = operator.itemgetter(1)


@dataclass(slots=True)
class _Entry:
    story_id: int
    fp: Fingerprint
    at: datetime


class StoryIndex:
    """Recent stories' fingerprints, found by LSH banding instead of comparing every pair."""

    def __init__(self, *, bucket_cap: int = 8, verify: int = 8) -> None:
        # A very common band (say "mexico"+"trump") would make every lookup scan thousands of
        # stories: only the most recent ``bucket_cap`` entries of a bucket are compared.
        self._bucket_cap = bucket_cap
        self._verify = verify
        self._buckets: dict[int, list[int]] = {}
        self._entries: list[_Entry] = []
        self._last_seen: dict[int, datetime] = {}
        self._fps: dict[int, list[Fingerprint]] = defaultdict(list)

    def __len__(self) -> int:
        return len(self._last_seen)

    def fingerprints(self, story_id: int) -> list[Fingerprint]:
        """The fingerprints indexed for a story (its first members), oldest first."""
        return list(self._fps.get(story_id, ()))

    def member_count(self, story_id: int) -> int:
        """How many fingerprints the index holds for a story."""
        return len(self._fps.get(story_id, ()))

    def add(self, story_id: int, fp: Fingerprint, at: datetime) -> None:
        """Index one fingerprint of a story (a story may have several: its first members)."""
        last = self._last_seen.get(story_id)
        if last is None or at > last:
            self._last_seen[story_id] = at
        if not fp.sketch:
            return
        self._fps[story_id].append(fp)
        position = len(self._entries)
        self._entries.append(_Entry(story_id, fp, at))
        buckets, cap = self._buckets, self._bucket_cap
        for key in fp.bands:
            bucket = buckets.get(key)
            if bucket is None:
                buckets[key] = [position]
            else:
                bucket.append(position)
                if len(bucket) > cap:  # only the most recent are ever offered
                    del bucket[0]

    def relabel(self, new_ids: dict[int, int]) -> None:
        """Give stories new ids (a new story's temporary id becomes its stored one)."""
        moves = {old: new for old, new in new_ids.items() if old != new}
        if not moves:
            return
        for old, new in moves.items():
            if old in self._last_seen:
                self._last_seen[new] = self._last_seen.pop(old)
            if old in self._fps:
                self._fps[new] = self._fps.pop(old)
        for entry in self._entries:
            moved_to = moves.get(entry.story_id)
            if moved_to is not None:
                entry.story_id = moved_to

    def touch(self, story_id: int, at: datetime) -> None:
        """Record that a story was seen at ``at`` without indexing another fingerprint."""
        last = self._last_seen.get(story_id)
        if last is None or at > last:
            self._last_seen[story_id] = at

    def best_match(
        self,
        fp: Fingerprint,
        at: datetime,
        *,
        window: timedelta,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> int | None:
        """The most similar story seen within ``window`` of ``at``, if similar enough.

        Ties go to the lower story id, so the result never depends on insertion order.
        """
        if not fp.sketch:
            return None
        # Each bucket holds its most recent entries only; None for the bands nobody shares.
        found = chain.from_iterable(filter(None, map(self._buckets.get, fp.bands)))
        # Shared bands estimate similarity: only the likeliest few get the exact comparison
        # (most shared bands first; ties in the order found, which is deterministic).
        counts = Counter(found)
        if len(counts) > self._verify:
            ranked = sorted(counts.items(), key=_COUNT, reverse=True)  # stable: ties keep order
            likeliest: Iterable[int] = [p for p, _ in ranked[: self._verify]]
        else:
            likeliest = counts  # all of them: the order of comparison does not change the best
        # similarity() inlined, sharing the word intersection with the MIN_SHARED_WORDS test.
        words, pairs = fp.words, fp.pairs
        size = len(words) + len(pairs)
        earliest, latest = at - window, at + window
        last_seen, entries = self._last_seen, self._entries
        best: tuple[float, int] | None = None
        for position in likeliest:
            entry = entries[position]
            if not earliest <= entry.at <= latest and not (
                earliest <= last_seen[entry.story_id] <= latest
            ):
                continue
            other = entry.fp
            shared = len(words & other.words)
            if shared < MIN_SHARED_WORDS:
                continue
            common = shared + len(pairs & other.pairs)
            score = common / (size + len(other.words) + len(other.pairs) - common)
            if score < threshold:
                continue
            if best is None or (score, -entry.story_id) > best:
                best = (score, -entry.story_id)
        return None if best is None else -best[1]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector around a clustering loop.

    The loop makes hundreds of thousands of small objects and no cyclic garbage; the
    collector's repeated passes over them nearly doubled the time of clustering 50,000 items.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def cluster(
    docs: list[tuple[int, Fingerprint, datetime]],
    *,
    window: timedelta = timedelta(hours=48),
    threshold: float = DEFAULT_THRESHOLD,
    max_members: int = 4,
) -> dict[int, int]:
    """Group ``(doc_id, fingerprint, time)`` into stories: doc id -> the id of its first doc.

    A pure helper for tests and tools; the store's ``file_items`` runs the same loop.
    """
    index = StoryIndex()
    assigned: dict[int, int] = {}
    with gc_paused():
        for doc_id, fp, at in sorted(docs, key=lambda d: (d[2], d[0])):
            story = index.best_match(fp, at, window=window, threshold=threshold)
            if story is None:
                story = doc_id
                index.add(story, fp, at)
            elif index.member_count(story) < max_members:
                index.add(story, fp, at)
            else:
                index.touch(story, at)
            assigned[doc_id] = story
    return assigned


__all__ = [
    "DEFAULT_THRESHOLD",
    "Fingerprint",
    "StoryIndex",
    "cluster",
    "fingerprint",
    "similarity",
    "tokens",
]
