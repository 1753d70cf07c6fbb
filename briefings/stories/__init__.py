"""Stories: reports of the same event, from many outlets, filed as one story.

``words`` + ``glossary`` turn a report into content tokens (EN/ES alike), ``fingerprint``
hashes them, ``lsh`` finds similar recent fingerprints, and ``minhash`` is the clustering
method built from them: a ``StoryIndex`` (``index``). ``filer`` files matched items through
any ``StoryIndex`` into storage (``storage.StoryStore``, which ``briefings.store.story_rows``
implements). To swap the clustering method, write another ``StoryIndex`` in one module and
give it to ``StoryFiler(index=...)``.
"""

from briefings.stories.filer import FileResult, StoryFiler, file_items
from briefings.stories.fingerprint import (
    DEFAULT_THRESHOLD,
    Fingerprint,
    fingerprint,
    similarity,
)
from briefings.stories.index import Doc, StoryIndex
from briefings.stories.minhash import MinHashIndex
from briefings.stories.storage import StoryStore
from briefings.stories.words import normalise, tokens

__all__ = [
    "DEFAULT_THRESHOLD",
    "Doc",
    "FileResult",
    "Fingerprint",
    "MinHashIndex",
    "StoryFiler",
    "StoryIndex",
    "StoryStore",
    "file_items",
    "fingerprint",
    "normalise",
    "similarity",
    "tokens",
]
