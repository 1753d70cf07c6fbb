"""A store that fails on demand: every statement (or every write) of an engine raises
``OperationalError`` while ``down`` says so — a stopped PostgreSQL, a locked SQLite file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def failing_store(engine: AsyncEngine, down: Callable[[], bool], *,
                  writes_only: bool = False) -> Iterator[None]:
    """While the block runs, statements fail whenever ``down()`` is true."""

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if writes_only and not statement.lstrip().upper().startswith(WRITES):
            return
        if down():
            raise OperationalError(statement, None, Exception("database is locked"))

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)
