"""The one error of this package."""


class SourcesError(Exception):
    """A bad sources file or OPML document: the message says where and what."""
