"""What a face sends: parts (a message each) and the buttons under them.

A button either calls the bot back with an ``action`` (Telegram's callback data, at most 64
bytes) or opens a ``url``. ``REPORTS`` is the one action the briefs and alerts use: "show every
report of story N", answered by the Telegram face's handler (``bot.handlers.reports``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

REPORTS = "rp:"  # rp:<story id>
MAX_ACTION_BYTES = 64


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    action: str = ""  # sent back to the bot when pressed
    url: str = ""  # opened when pressed (instead of an action)


@dataclass(frozen=True, slots=True)
class Part:
    """One message: its text in the face's markup, and its buttons (one per row)."""

    text: str
    buttons: tuple[Button, ...] = ()


def reports_action(story_id: int) -> str:
    """The action of a story's "all reports" button."""
    return f"{REPORTS}{int(story_id)}"


def story_of_action(data: str) -> int | None:
    """The story id of a reports action; None for anything else (a forged or stale button)."""
    number = data.removeprefix(REPORTS) if data.startswith(REPORTS) else ""
    return int(number) if number.isascii() and number.isdigit() and len(number) <= 19 else None


def telegram_markup(buttons: Sequence[Button]) -> str | None:
    """The buttons as Telegram's ``reply_markup`` JSON (an inline keyboard); None without any."""
    rows = []
    for button in buttons:
        if button.url:
            rows.append([{"text": button.label, "url": button.url}])
        elif button.action and len(button.action.encode()) <= MAX_ACTION_BYTES:
            rows.append([{"text": button.label, "callback_data": button.action}])
    return json.dumps({"inline_keyboard": rows}, ensure_ascii=False) if rows else None
