"""The content hash: a second dedupe key for items whose GUID and URL both changed."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACES = re.compile(r"\s+")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return _SPACES.sub(" ", text).strip()


def content_hash(title: str, summary: str) -> str:
    """A stable hash of normalised title and summary (case, spacing and width ignored)."""
    material = _normalise(title) + "\n" + _normalise(summary)
    return hashlib.blake2b(material.encode("utf-8"), digest_size=16).hexdigest()
