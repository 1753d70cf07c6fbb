"""Strip feed boilerplate from clean text: CMS footers, read-more links, ellipses, datelines,
credits.

Works on text that is already HTML-stripped, entity-decoded and whitespace-folded. Every rule is
a pattern that a CMS or a wire desk produces in English or Spanish (some also match the
Portuguese spelling for free); none names a site. Tails are removed from the end, heads from the
start, until nothing more matches. The result only ever loses text: it is never cut inside a
word, never gains words, and never comes back empty when the input had words.
"""

from __future__ import annotations

import re

__all__ = ["strip_boilerplate", "strip_title_noise"]

_UP = "A-ZÁÉÍÓÚÑÜÀÂÃÊÔÕÇ"
_END = r"\s*$"
# Arrows, chevrons and dots that decorate a read-more link.
_DECOR = r"[\s.…:»›→>\]\)]*"
_READ_MORE = re.compile(
    r"(?:^|(?<=[\s.!?…\"”»)\]]))[\[(«]?\s*"
    r"(?:read\s+more|continue\s+reading|keep\s+reading|read\s+the\s+(?:full\s+)?(?:story|article)"
    r"|read\s+full\s+(?:story|article)|leer\s+m[aá]s|lee\s+m[aá]s|seguir\s+leyendo"
    r"|sigue\s+leyendo|contin[uú]a\s+leyendo|ver\s+m[aá]s|leia\s+mais|continuar\s+lendo)"
    r"(?P<rest>" + _DECOR + r"(?:[\"“«'‘][^\"”»'’]{1,200}[\"”»'’])?" + _DECOR + r")"
    r"(?:\(\s*[\d/:.\shH-]{4,30}\))?" + _END,
    re.IGNORECASE,
)
# WordPress/Yoast "The post X appeared first on Y." in its English and Spanish wording, and
# Medium's "X was originally published in Y on Medium, where people ..." footer.
_POST_FOOTER = re.compile(
    r"(?:^|(?<=[\s.!?…\]]))"
    r"(?:(?:The\s+(?:post|article)|La\s+entrada|El\s+(?:post|art[ií]culo)|La\s+publicaci[oó]n"
    r"|O\s+post)\s(?:(?!The\s+post\s|La\s+entrada\s).)+?\s"
    r"(?:appeared\s+first\s+on|first\s+appeared\s+on|se\s+public[oó]\s+primero\s+en"
    r"|apareci[oó]\s+primero\s+en|aparece\s+primero\s+en|apareceu\s+primeiro\s+em)"
    r"\s\S.{0,100}?"
    r"|(?<=[.!?…]\s)[^.!?]{1,200}\swas\s+originally\s+published\s+in\s.{1,200}?"
    r"\son\s+Medium\b.{0,200}?)" + _END,
    re.IGNORECASE,
)
_SENTENCE_START = r"(?:^|(?<=[.!?…\"”»)]\s)|(?<=[.!?…]))"
# "Source: Reuters", "Fuente: EFE", "Con información de AP", "(Reporting by ...; Editing by ...)".
_CREDIT = re.compile(
    _SENTENCE_START + r"\s*(?:"
    r"(?:Sources?|Fuentes?|Via|V[ií]a|Photo|Foto|Image|Imagen)\s*:\s*[^.!?:]{1,60}[.]?"
    r"|\(?\s*(?:Con\s+informaci[oó]n\s+de|With\s+information\s+from)\s[^.!?()]{1,80}[.)]*"
    r"|\((?:Additional\s+)?(?:Reporting|Writing|Editing|Compiled)\s+by\s[^()]{1,200}\)\.?"
    r"|(?:Related|Relacionad[oa]s?|Te\s+puede\s+interesar|Lee\s+tambi[eé]n)\s*:\s.{1,160}?"
    r")" + _END,
    re.IGNORECASE,
)
# Podcast hosts' privacy and ad-choices footers ("See omnystudio.com/listener for privacy ...").
_PODCAST_FOOTER = re.compile(
    r"(?:(?:See|Visit)\s+\S+\s+for\s+privacy\s+information|Learn\s+more\s+about\s+your\s+ad"
    r"\s+choices\.?(?:\s+Visit\s+\S+)?|Hosted\s+on\s+Acast\.\s+See\s+\S+\s+for\s+more"
    r"\s+information)[.]?" + _END,
    re.IGNORECASE,
)
_ELLIPSIS = re.compile(
    r"(?P<gap>\s*)(?:\[\s*(?:…|\.{3}|\?)\s*\]|\(\s*(?:…|\.{3})\s*\)|\[\+\d+\s+chars\]|…|\.{3,})"
    + _END
)
# A sentence end, not an abbreviation ("U.S.", "Dec.", "Sr.") and followed by a capital or digit.
_SENTENCE_END = re.compile(
    rf"(?<!\b\w)(?<!\b[{_UP}][a-z])(?<!\b[{_UP}][a-z]{{2}})[.!?][\"”»’')\]]*"
    rf"(?=\s+[\"“«¿¡‘']?[{_UP}0-9])"
)
_MONTH = (
    r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?"
    r"|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
    r"|ene(?:ro)?|febrero|marzo|abr(?:il)?|mayo|junio|julio|ago(?:sto)?|set(?:iembre)?"
    r"|septiembre|octubre|noviembre|dic(?:iembre)?|fev|out|dez)\.?"
)
_DATE = (
    r"(?:a\s+)?(?:\d{1,2}(?:\s+de)?\s+" + _MONTH + r"(?:,?\s+(?:de\s+)?\d{4})?"
    r"|" + _MONTH + r"\s+\d{1,2}(?:,?\s+\d{4})?)"
)
_PLACE_WORD = rf"[{_UP}][\w'’]*(?:[.-][\w'’]+)*\.?"
_LINK_WORD = r"(?i:de|del|la|las|los|el|y|of|the|da|do)"
_PLACE = rf"{_PLACE_WORD}(?:\s+(?:{_LINK_WORD}\s+)?{_PLACE_WORD}){{0,4}}"
_DATELINE = re.compile(
    rf"(?P<place>{_PLACE})(?P<region>(?:,\s*{_PLACE}){{0,2}})"
    rf"(?P<date>,?\s*{_DATE})?"
    r"(?P<agency>\s*\([^()]{1,30}\))?"
    r"(?P<sep>\s*\.\s*[-–—]+|\s*[-–—]{1,2})\s*(?=\S)"
)

# A credit in parentheses before the first sentence: "(Ken Silva, Headline USA) The Times
# reported…", "(Reuters) - Mexico's…", "(Bloomberg) -- The peso…". A few capitalised words,
# no digits or sentence marks (not "(1)", "(Actualizada 14:30)"), then a sentence's start.
_CREDIT_HEAD = re.compile(
    rf"^\(\s*[{_UP}][^()\d.!?:;]{{0,58}}\)(?:\s*[-–—]{{1,2}}|\s*\.\s*[-–—]+)?\s+"
    rf"(?=[\"“«¿¡‘']?[{_UP}0-9])"
)


def _strip_credit_head(text: str) -> str:
    match = _CREDIT_HEAD.match(text)
    if not match or len(match.group(0).split()) > 7:
        return text
    return text[match.end() :]


def _strip_tail(text: str) -> str:
    for pattern in (_POST_FOOTER, _READ_MORE, _PODCAST_FOOTER, _CREDIT):
        match = pattern.search(text)
        if match:
            return text[: match.start()].rstrip(" »›→|·•–—-:")
    return _strip_ellipsis(text)


def _strip_ellipsis(text: str) -> str:
    """A truncated text ends at its last whole sentence, else at its last whole word."""
    match = _ELLIPSIS.search(text)
    if not match:
        return text
    body = text[: match.start()].rstrip()
    if not match.group("gap") and body[-1:].isalnum():
        body = body.rpartition(" ")[0].rstrip()  # glued to a word: that word may be cut short
    if not body or _ends_sentence(body):
        return body
    ends = [m.end() for m in _SENTENCE_END.finditer(body)]
    if ends and ends[-1] * 2 >= len(body):
        return body[: ends[-1]]
    return body.rstrip(" ,;:–—-")


def _ends_sentence(text: str) -> bool:
    return bool(re.search(r"[.!?][\"”»’')\]]*$", text))


def _strip_dateline(text: str) -> str:
    match = _DATELINE.match(text)
    if not match or len(match.group(0)) > 90:
        return text
    place = match.group("place")
    # A place in capitals ("WASHINGTON", not an acronym like "ONU"), the Mexican ".-", or a
    # place with its region or country ("Mexico City, Mexico -") marks a dateline; a lone
    # mixed-case name followed by a dash is just as likely the start of a sentence.
    shouting = not re.search(r"[a-zß-ÿ]", place) and sum(c.isalpha() for c in place) >= 4
    dotted = re.search(r"\.\s*[-–—]", match.group(0)) is not None
    if match.group("agency") or match.group("date") or dotted or shouting or match.group("region"):
        return text[match.end() :]
    return text


def _strip_title(text: str, title: str) -> str:
    words = re.findall(r"\w+", title)
    if len(words) < 3:
        return text
    prefix = r"\W*" + r"\W+".join(map(re.escape, words))
    # The title must stand alone: followed by a sentence or segment break, not by a comma.
    pattern = prefix + (r"\W*?\s+" if _ends_sentence(title) else r"\W*?(?:[.:!?|]|\s[-–—])\s*")
    match = re.match(pattern, text, re.IGNORECASE)
    return text[match.end() :] if match and match.end() < len(text) else text


def _has_words(text: str) -> bool:
    return re.search(r"\w", text) is not None


def strip_boilerplate(text: str, *, title: str = "", empty_ok: bool = False) -> str:
    """Remove CMS footers, read-more links, trailing ellipses, datelines and a repeated title.

    A text that is all boilerplate comes back unchanged, or empty with ``empty_ok``.
    """
    original = text.strip()
    current = original
    while True:
        previous = current
        current = _strip_credit_head(_strip_dateline(current))
        if title:
            current = _strip_title(current, title.strip())
        current = _strip_tail(current).strip()
        if current == previous:
            break
    if _has_words(current):
        return current
    return "" if empty_ok else original


_LABEL = (
    r"(?i:videos?|fotos?|photos?|fotogaler[ií]a|galer[ií]a|gallery|en\s+vivo|live|"
    r"[uú]ltima\s+hora|breaking(?:\s+news)?|watch|mira|podcast|audio|listen|escucha)"
)
_TITLE_HEAD = re.compile(rf"^(?:[\[(]\s*{_LABEL}\s*[\])]|{_LABEL}\s*[:|])\s*")
_TITLE_TAIL = re.compile(rf"\s*(?:[\[(]\s*{_LABEL}\s*[\])]|[|–—-]\s*{_LABEL})\s*$")


def strip_title_noise(title: str) -> str:
    """Drop media and urgency labels ("VIDEO:", "[FOTOS]", "| En vivo") from a headline."""
    original = title.strip()
    cleaned = _TITLE_TAIL.sub("", _TITLE_HEAD.sub("", original)).strip()
    return cleaned if _has_words(cleaned) else original
