"""Where feeds come from: the sources files (file.py, layered by layers.py), OPML (opml.py),
the feed URL rules (feed_url.py), owner commands (admin.py, editing the user's file: edit.py)."""

from briefings.sources.errors import SourcesError
from briefings.sources.feed_url import check_feed_url
from briefings.sources.file import (
    append_sources,
    load_sources,
    parse_sources,
    source_to_toml,
    unique_name,
)
from briefings.sources.layers import SourceFiles, configured_sources, source_files
from briefings.sources.opml import OpmlFeeds, export_opml, import_opml, read_opml

__all__ = [
    "OpmlFeeds",
    "SourceFiles",
    "SourcesError",
    "append_sources",
    "check_feed_url",
    "configured_sources",
    "export_opml",
    "import_opml",
    "load_sources",
    "parse_sources",
    "read_opml",
    "source_files",
    "source_to_toml",
    "unique_name",
]
