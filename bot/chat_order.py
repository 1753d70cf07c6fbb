"""Updates of one chat are handled one after another; different chats' side by side.

PTB's concurrent processing answers a user's ``/start``, ``/help`` and ``/latest``, sent
together, in whatever order their handlers happen to finish. Here a chat's first update takes a
processing slot and, once handled, handles the chat's later updates in turn; those wait in line
without holding a slot, so a busy chat never holds up the others.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)


def _chat_id(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return None


class ChatOrderedUpdates(BaseUpdateProcessor):
    """At most ``max_concurrent_updates`` chats at once; each chat's updates in order."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._lines: dict[int, deque[Awaitable[Any]]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = _chat_id(update)
        if chat is None:
            await coroutine
            return
        line = self._lines.get(chat)
        if line is not None:  # the chat is being answered: wait in its line
            line.append(coroutine)
            return
        line = self._lines[chat] = deque([coroutine])
        try:
            while line:
                try:
                    await line.popleft()
                except Exception:  # PTB hands handler errors to the error handlers first
                    log.exception("an update failed; the chat's next update goes on")
        finally:
            del self._lines[chat]
            for left in line:  # shutting down: close what never started
                close = getattr(left, "close", None)
                if close is not None:
                    close()

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close: lines end with the updates being handled."""
