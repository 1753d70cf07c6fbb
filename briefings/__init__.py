"""borderbrief's domain: sources, fetching, parsing, themes, stories, briefs, rendering, storage.

This package is a library. It never imports ``telegram`` or ``bot``: the outer faces
(Telegram, the command line) call into it, never the other way round.
"""

__version__ = "0.1.0"
