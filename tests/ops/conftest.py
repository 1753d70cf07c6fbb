"""Fixtures for the operations tests: the Bot API stand-in."""

from tests.botapi import botapi  # noqa: F401 - a fixture, re-exported for this folder
