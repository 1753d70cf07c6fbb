"""The errors of this package."""


class SourcesError(Exception):
    """A bad sources file or OPML document: the message says where and what."""


class AdminError(Exception):
    """An owner request that cannot be done; the message says why, for the owner."""
