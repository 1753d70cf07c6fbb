"""Inline keyboards: the theme picker (toggles in place) and the topic chooser.

Callback data stays within Telegram's 64 bytes: a two-letter action and a theme key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.texts import t
from briefings.render.parts import Button, telegram_markup
from briefings.themes import ThemeCatalogue

TOGGLE = "tg:"  # tg:<theme key>  switch one theme on/off
DONE = "td"  # close the picker
TOPIC = "tp:"  # tp:<theme key>  latest stories of one theme
MAX_CALLBACK_BYTES = 64
ON, OFF = "✅", "▫️"


def _fits(data: str) -> bool:
    return len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES


def theme_picker(
    catalogue: ThemeCatalogue, subscribed: Iterable[str], lang: str
) -> InlineKeyboardMarkup:
    """One button per shared theme, marked on or off, and a Done button."""
    chosen = set(subscribed)
    rows = [
        [InlineKeyboardButton(f"{ON if ref.key in chosen else OFF} {catalogue.display(ref, lang)}",
                              callback_data=TOGGLE + ref.key)]
        for ref in catalogue.shared
        if _fits(TOGGLE + ref.key)
    ]
    rows.append([InlineKeyboardButton(t(lang, "picker_done"), callback_data=DONE)])
    return InlineKeyboardMarkup(rows)


def topic_picker(catalogue: ThemeCatalogue, lang: str) -> InlineKeyboardMarkup:
    """Every shared theme, then the catalogue's own themes, two to a row."""
    buttons = [
        InlineKeyboardButton(catalogue.display(ref, lang), callback_data=TOPIC + ref.key)
        for ref in catalogue.shared
        if _fits(TOPIC + ref.key)
    ]
    buttons += [
        InlineKeyboardButton(f"🔎 {ref.name}", callback_data=TOPIC + ref.key)
        for ref in catalogue.own
        if _fits(TOPIC + ref.key)
    ]
    return InlineKeyboardMarkup([buttons[i:i + 2] for i in range(0, len(buttons), 2)])


def stored_keyboard(markup: str | None) -> InlineKeyboardMarkup | None:
    """An outbox body's buttons (``reply_markup`` JSON, as the renderer stored it) for PTB."""
    if not markup:
        return None
    return InlineKeyboardMarkup.de_json(json.loads(markup), None)


def part_keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """A rendered part's buttons (a brief's or a list's "all reports") for PTB."""
    return stored_keyboard(telegram_markup(buttons))
