"""Fixtures for fetch tests: a real feed server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.feedserver import FeedServer


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A started FeedServer on a random port, stopped after the test."""
    with FeedServer() as server:
        yield server
