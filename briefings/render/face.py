"""What a face supplies to the jobs: how it turns content into the parts it sends.

A face (Telegram today; a web page or a Discord sender later) is a ``Renderer``. The due-briefs
and alert jobs call it once per distinct brief or alert and store the parts in the outbox,
tagged with ``face`` so only that face's sender claims them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo
from typing import Protocol

from briefings.briefs.content import Alert, Brief, Story
from briefings.render.parts import Button, Part


class Renderer(Protocol):
    """Content → the parts one face sends (a message each)."""

    @property
    def face(self) -> str:
        """The outbox tag of this face's bodies (e.g. ``telegram``)."""
        ...

    @property
    def parse_mode(self) -> str:
        """How the face's sender reads the parts (Telegram: ``HTML``; "" for plain text)."""
        ...

    def brief(self, brief: Brief, *, tz: tzinfo | None = None) -> list[str]:
        """A daily brief; no parts when it has no stories."""
        ...

    def alert(self, alert: Alert) -> list[str]:
        """One story as an alert."""
        ...

    def brief_parts(self, brief: Brief, *, tz: tzinfo | None = None) -> list[Part]:
        """A daily brief's parts with their buttons."""
        ...

    def alert_part(self, alert: Alert) -> Part:
        """An alert with its buttons."""
        ...

    def held(self, *, language: str, count: int, brief_time: str) -> list[str]:
        """The notice that the hourly alert cap held ``count`` stories for the brief."""
        ...

    def markup(self, buttons: Sequence[Button]) -> str | None:
        """How the face's sender stores a part's buttons (None: no buttons)."""
        ...

    def stories(self, stories: Sequence[Story], *, language: str, title: str,
                tz: tzinfo | None = None) -> list[str]:
        """A titled list of stories (/latest, /topic)."""
        ...
