"""A semantic story's signature: what the store keeps so a restarted poller knows the story.

Plain JSON saved with the story: its kept members' vectors (float16, base64: 1.4 KB each)
and the features the same-event decision reads, plus the story's window and member count.
Nothing is re-embedded on a restart, and the decisions after it are the ones before it.
A story saved by another method (MinHash) or an older version has no members here: the filer
rebuilds them from the story's stored items (``SemanticIndex.restore``), once per filer.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from briefings.stories.event import Report
from briefings.stories.open_stories import Story
from briefings.stories.quantities import Quantity
from briefings.stories.when import Span

METHOD = "semantic-use3"
VERSION = 1


def dump_signature(story: Story) -> dict[str, Any]:
    """The story as JSON."""
    return {
        "method": METHOD,
        "v": VERSION,
        "count": story.count,
        "lo": _time(story.earliest_end),
        "hi": _time(story.latest_start),
        "members": [_member(r) for r in story.members],
    }


def load_signature(signature: object, story: Story) -> list[Report] | None:
    """Fill ``story``'s window and count from a signature; its members, to be added.

    ``None`` when the signature is not this method's (a MinHash one, an older version): the
    story's members must then be rebuilt from its items (``SemanticIndex.restore``).
    """
    if not readable(signature):
        return None
    assert isinstance(signature, dict)
    members = [_report(m) for m in signature.get("members", ())]
    story.earliest_end = _parse(signature.get("lo"))
    story.latest_start = _parse(signature.get("hi"))
    story.count = int(signature.get("count", 0)) - len(members)  # ``add`` counts them again
    return members


def readable(signature: object) -> bool:
    """True when the signature keeps this method's members (vectors and features)."""
    return (
        isinstance(signature, dict)
        and signature.get("method") == METHOD
        and signature.get("v") == VERSION
    )


def member_vectors(signature: object) -> dict[int, npt.NDArray[np.float32]]:
    """Item id -> unit vector, for the members a signature keeps (empty for another method)."""
    if not isinstance(signature, dict) or signature.get("method") != METHOD:
        return {}
    members = signature.get("members", ())
    return {int(m["id"]): _vector(m["vec"]).astype(np.float32) for m in members}


def _member(r: Report) -> dict[str, Any]:
    span = r.span
    return {
        "id": r.id,
        "span": [span.start.isoformat(), span.end.isoformat(), span.whole_days, span.stated],
        "q": sorted([q.unit, q.value] for q in r.quantities),
        "p": sorted(r.places),
        "s": sorted(r.speakers),
        "w": r.shingles.tolist(),
        "l": r.language,
        "sj": sorted(r.subject),
        "ws": sorted(r.words),
        "vec": base64.b64encode(r.vector.astype("<f2").tobytes()).decode("ascii"),
    }


def _report(m: dict[str, Any]) -> Report:
    start, end, whole_days, stated = m["span"]
    span = Span(datetime.fromisoformat(start), datetime.fromisoformat(end), whole_days, stated)
    quantities = frozenset(Quantity(str(u), float(v)) for u, v in m.get("q", ()))
    places, speakers = frozenset(m.get("p", ())), frozenset(m.get("s", ()))
    words = np.asarray(sorted(set(m.get("w", ()))), dtype=np.uint32)
    # Signatures saved before the contrast rule lack a subject: such members never contrast.
    subject, tokens = frozenset(m.get("sj", ())), frozenset(m.get("ws", ()))
    return Report(int(m["id"]), span, quantities, places, speakers, words, _vector(m["vec"]),
                  str(m.get("l", "")), subject, tokens)  # fmt: skip


def _vector(text: str) -> npt.NDArray[np.float16]:
    return np.frombuffer(base64.b64decode(text), dtype="<f2").astype(np.float16)


def _time(t: datetime | None) -> str | None:
    return None if t is None else t.isoformat()


def _parse(text: object) -> datetime | None:
    return datetime.fromisoformat(text) if isinstance(text, str) else None
