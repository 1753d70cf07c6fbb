"""Fixtures for the Telegram face: the Bot API stand-in."""

from tests.botapi import botapi  # noqa: F401 - a fixture, re-exported for this folder
