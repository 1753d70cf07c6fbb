"""The universal reader: feedparser, for RDF, odd encodings, DOCTYPEs, broken XML, odd dates.

feedparser never fetches external entities and does not expand nested entity declarations,
so "billion laughs" and XXE bodies come back unexpanded (entries.py drops the leftovers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import feedparser


def read(body: bytes, content_type: str | None) -> feedparser.FeedParserDict | str:
    """feedparser's reading of ``body``, or the reason it failed (it must not stop a cycle)."""
    # Imported on the first feed the fast reader declines: a poll where every feed answers 304,
    # or is plain RSS/Atom, never pays for it (~20 ms).
    import feedparser

    # No content-location: feedparser would resolve plain RSS GUIDs ("abc-123") against it as
    # if they were links. We resolve item links against the base ourselves (xml:base still
    # applies inside the document).
    headers = {"content-type": content_type} if content_type else {}
    try:
        # We strip HTML ourselves, so feedparser's HTML sanitiser and relative-URI rewriting
        # inside content would be wasted work (they dominate its run time on big feeds).
        return feedparser.parse(
            body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
        )
    except Exception as exc:  # noqa: BLE001 - feedparser bugs must not stop a poll cycle
        return f"parser failed: {type(exc).__name__}: {str(exc)[:200]}"
