"""Who and where: the specific places a lede names, and who it says spoke.

"At Otay Mesa" vs "in Nogales" are two seizures; "Sheinbaum rejected" vs "NBC reported" are a
reaction and a scoop (same-event rules 3 and 4).
"""

from __future__ import annotations

import re

from briefings.stories.folding import fold, unaccent

_CAP = r"[A-ZÁÉÍÓÚÑÜ][\w'’.-]*"
_PLACE_RE = re.compile(
    r"\b(?:at|in|near|outside|en|cerca de|desde)\s+"
    # an article only before a place word: 'at the port of Nogales', not 'en la Corte'
    r"(?:(?:(?:the|el|la|los|las)\s+)?"
    r"(?:port|border crossing|garita|puerto|city|ciudad)\s+(?:of|de)\s+)?"
    r"(" + _CAP + r"(?:\s+(?:de\s+|del\s+|la\s+)?" + _CAP + r"){0,3})"
)
# 'at the Otay Mesa port of entry', 'en el puente Zaragoza'-style names before a place word
_PLACE_THE_RE = re.compile(
    r"\b(?:at|in|near|en)\s+(?:the|el|la)\s+"
    r"(" + _CAP + r"(?:\s+" + _CAP + r"){0,2})"
    r"\s+(?:port|border crossing|crossing|bridge|checkpoint)\b"
)
# Names too broad to tell two happenings apart, and capitalised words that are not places.
_BROAD_WORDS = (
    "Mexico México U.S. US USA EE.UU. EEUU EU America América United States Estados Unidos "
    "Washington Canada Canadá Latin Latinoamérica Texas California Arizona Congress Congreso "
    "January February March April May June July August September October November December "
    "Enero Febrero Marzo Abril Mayo Junio Julio Agosto Septiembre Octubre Noviembre Diciembre "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday The El La Los Las Truth Social "
    "Palacio Nacional National Palace"
)
_BROAD = frozenset(map(fold, _BROAD_WORDS.split()))


def places(text: str) -> frozenset[str]:
    """Specific places named after a locative ('at Otay Mesa', 'en Nogales'), folded.

    Country-level and other broad names are dropped: they are shared by unrelated
    happenings and say nothing about which one a report tells.
    """
    out: set[str] = set()
    matches = [*_PLACE_RE.finditer(text), *_PLACE_THE_RE.finditer(text)]
    for m in matches:
        words = [w.strip(".,'’") for w in m.group(1).split()]
        words = [w for w in words if w and fold(w) not in {"de", "del", "la"}]
        while words and fold(words[-1]) in _BROAD:
            words.pop()
        while words and fold(words[0]) in _BROAD:
            words.pop(0)
        if not words:
            continue
        name = fold(" ".join(words))
        if name not in _BROAD and len(name) > 2:
            out.add(name)
    return frozenset(out)


def places_conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    """True when both texts name specific places and none overlap (word-wise)."""
    if not a or not b:
        return False
    wa = {w for p in a for w in p.split()}
    wb = {w for p in b for w in p.split()}
    return not (wa & wb)


_SPEECH = (
    "said|says|say|announced|announces|rejected|rejects|denied|denies|confirmed|confirms|"
    "warned|warns|threatened|threatens|reported|reports|told|stated|declared|claimed|"
    "dijo|afirmo|aseguro|declaro|senalo|anuncio|rechazo|descarto|nego|confirmo|advirtio|"
    "amenazo|informo|revelo|reporto|califico|expreso|manifesto|reitero"
)
_NAME = r"((?:[A-Z][\w'.-]+\s+){0,3}[A-Z][\w'-]+)"
_SPEAKER_BEFORE = re.compile(
    _NAME + r"(?:\s+\([^)]{1,12}\))?,?\s+(?:(?:[a-z]+\s+){0,2})?(?:" + _SPEECH + r")\b"
)
_SPEAKER_FROM = re.compile(
    r"\b(?:according to|segun|de acuerdo con|citing)\s+(?:(?:la cadena|el medio|the|la|el)\s+)?"
    r"(?:[a-z]+\s+)?" + _NAME
)
_NOT_SPEAKER_WORDS = (
    "The El La Los Las He She It They Él Ella Este Esta Today Hoy Mexican Mexico México "
    "President Presidenta Presidente Secretary Secretario U.S. US United States Estados Unidos "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday News Mexico's State Attorney "
    "General"
)
_NOT_SPEAKER = frozenset(map(fold, _NOT_SPEAKER_WORDS.split()))


def speakers(text: str) -> frozenset[str]:
    """Who the lede says spoke or reported ('Sheinbaum rejected', 'according to NBC'), folded.

    A reaction is its own event (same-event rules 3 and 4): two ledes led by different
    speakers tell different statements even when the topic is the same. Only the first
    sentence-sized stretch of the text (300 characters) is read.
    """
    head = unaccent(text[:300]).replace("’", "'")
    out: set[str] = set()
    # Each pattern needs a word the text may lack (cheap to check first): a speech verb after
    # a space and before a non-word character, so a whole run of lowercase letters; a cue.
    if not _SPEECH_WORDS.isdisjoint(_LOWER_RUN.findall(head)):
        for m in _SPEAKER_BEFORE.finditer(head):
            out.update(_name_words(m.group(1)))
    folded = head.casefold()
    if any(cue in folded for cue in _FROM_CUES):
        for m in _SPEAKER_FROM.finditer(folded):
            start, end = m.span(1)
            out.update(_name_words(head[start:end]))
    return frozenset(out)


_SPEECH_WORDS = frozenset(_SPEECH.split("|"))
_LOWER_RUN = re.compile(r"[a-z]+")
_FROM_CUES = ("according to", "segun", "de acuerdo con", "citing")


def _name_words(name: str) -> set[str]:
    words = (fold(w.removesuffix("'s")) for w in name.split())
    return {w for w in words if w not in _NOT_SPEAKER and len(w) > 2 and w.isalpha()}


def speakers_conflict(a: frozenset[str], b: frozenset[str]) -> bool:
    """True when both ledes are led by a speaker and the speakers differ."""
    return bool(a) and bool(b) and not (a & b)
