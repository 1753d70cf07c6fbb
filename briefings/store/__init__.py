"""Storage: SQLAlchemy 2 async over SQLite (default) or PostgreSQL.

``tables`` is the schema; ``db`` opens and upgrades it. Each area of the domain has a small
module of plain async functions taking an ``AsyncConnection``.
"""

from briefings.store.db import open_engine, upgrade

__all__ = ["open_engine", "upgrade"]
