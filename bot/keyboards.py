"""Inline keyboards: the theme picker (toggles in place) and the topic chooser.

Callback data stays within Telegram's 64 bytes: a two-letter action and a theme key.
"""

from __future__ import annotations

from collections.abc import Iterable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.texts import t
from briefings.themes import ThemeSet

TOGGLE = "tg:"  # tg:<theme key>  switch one theme on/off
DONE = "td"  # close the picker
TOPIC = "tp:"  # tp:<theme key>  latest stories of one theme
MAX_CALLBACK_BYTES = 64
ON, OFF = "✅", "▫️"


def _fits(data: str) -> bool:
    return len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES


def theme_picker(themes: ThemeSet, subscribed: Iterable[str], lang: str) -> InlineKeyboardMarkup:
    """One button per theme, marked on or off, and a Done button."""
    chosen = set(subscribed)
    rows = [
        [InlineKeyboardButton(f"{ON if theme.name in chosen else OFF} {theme.display(lang)}",
                              callback_data=TOGGLE + theme.name)]
        for theme in themes
        if _fits(TOGGLE + theme.name)
    ]
    rows.append([InlineKeyboardButton(t(lang, "picker_done"), callback_data=DONE)])
    return InlineKeyboardMarkup(rows)


def topic_picker(
    themes: ThemeSet, lang: str, own: Iterable[tuple[str, str]] = ()
) -> InlineKeyboardMarkup:
    """Every theme (and the chat's own, as ``(key, name)``), two to a row."""
    buttons = [
        InlineKeyboardButton(theme.display(lang), callback_data=TOPIC + theme.name)
        for theme in themes
        if _fits(TOPIC + theme.name)
    ]
    buttons += [
        InlineKeyboardButton(f"🔎 {name}", callback_data=TOPIC + key)
        for key, name in own
        if _fits(TOPIC + key)
    ]
    return InlineKeyboardMarkup([buttons[i:i + 2] for i in range(0, len(buttons), 2)])
