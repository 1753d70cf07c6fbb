"""Text out of feeds: clean text from HTML, one canonical spelling per URL, a content hash."""

from briefings.text.clean import html_to_text, shorten
from briefings.text.digest import content_hash
from briefings.text.urls import canonical_url

__all__ = ["canonical_url", "content_hash", "html_to_text", "shorten"]
