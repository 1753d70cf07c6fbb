"""The universal reader: feedparser, for RDF, odd encodings, DOCTYPEs, broken XML, odd dates.

feedparser never fetches external entities and does not expand nested entity declarations,
so "billion laughs" and XXE bodies come back unexpanded (entries.py drops the leftovers).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import feedparser


def read(body: bytes, content_type: str | None) -> feedparser.FeedParserDict | str:
    """feedparser's reading of ``body``, or the reason it failed (it must not stop a cycle)."""
    try:
        return _parse(body, content_type)
    except Exception as exc:  # noqa: BLE001 - feedparser bugs must not stop a poll cycle
        failure: Exception = exc
    # feedparser raises on a character reference no character has (&#99999999;, &#xD800;):
    # one such reference must not cost the feed all its items.
    fixed = _NUMERIC_REFERENCE.sub(_valid_reference, body)
    if fixed != body:
        try:
            return _parse(fixed, content_type)
        except Exception as exc:  # noqa: BLE001 - as above
            failure = exc
    return f"parser failed: {type(failure).__name__}: {str(failure)[:200]}"


_NUMERIC_REFERENCE = re.compile(rb"&(?:amp;)?#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")


def _valid_reference(found: re.Match[bytes]) -> bytes:
    digits = (found.group(1) or found.group(2)).lstrip(b"0")
    if len(digits) > 8:  # past U+10FFFF either way (and int() refuses 4,300 digits)
        return b"&#xFFFD;"
    code = int(digits or b"0", 16 if found.group(1) else 10)
    no_character = code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF
    return b"&#xFFFD;" if no_character else found.group(0)


def _parse(body: bytes, content_type: str | None) -> feedparser.FeedParserDict:
    # Imported on the first feed the fast reader declines: a poll where every feed answers 304,
    # or is plain RSS/Atom, never pays for it (~20 ms).
    import feedparser

    # No content-location: feedparser would resolve plain RSS GUIDs ("abc-123") against it as
    # if they were links. We resolve item links against the base ourselves (xml:base still
    # applies inside the document).
    headers = {"content-type": content_type} if content_type else {}
    # We strip HTML ourselves, so feedparser's HTML sanitiser and relative-URI rewriting
    # inside content would be wasted work (they dominate its run time on big feeds).
    return feedparser.parse(
        body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
