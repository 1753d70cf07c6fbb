"""Fetching feeds: the guarded client, conditional GET, back-off, and what went wrong.

``Fetcher`` (client.py) never raises for a bad feed: its ``FetchResult`` carries an
``ErrorKind`` (errors.py) and a sentence. The SSRF guard is guard.py; caching headers are
headers.py; when to poll again is delays.py.
"""

from briefings.fetch.client import Fetcher
from briefings.fetch.config import FetchConfig
from briefings.fetch.delays import backoff_delay, next_fetch_delay
from briefings.fetch.errors import ErrorKind
from briefings.fetch.result import FetchResult

__all__ = [
    "ErrorKind",
    "FetchConfig",
    "FetchResult",
    "Fetcher",
    "backoff_delay",
    "next_fetch_delay",
]
