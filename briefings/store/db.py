"""Opening the store: one async engine, SQLite (WAL) or PostgreSQL, upgraded by Alembic.

Alembic is imported only when the schema needs upgrading: importing it costs about 0.3 s, more
than a warm `borderbrief poll --once` of a thousand feeds spends on anything else.
"""

from __future__ import annotations

import math
import re
import socket
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Table, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DatabaseError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql.dml import Insert

from briefings.store.writer_turn import one_writer_at_a_time

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# PostgreSQL error classes that mean "cannot use this database at all": connection (08),
# authentication (28), no such database (3D), out of resources (53), shutting down (57P).
_UNAVAILABLE_SQLSTATES = ("08", "28", "3D", "53", "57P")


class StoreUnavailable(Exception):
    """The store cannot be opened (its folder cannot be made, ...): the message says why."""


def store_problem(exc: BaseException) -> str | None:
    """Why the store cannot be used, in one line, if ``exc`` says so; None for any other error."""
    if isinstance(exc, BaseExceptionGroup):
        found = (store_problem(inner) for inner in exc.exceptions)
        return next((problem for problem in found if problem), None)
    if isinstance(exc, StoreUnavailable):
        return str(exc)
    if isinstance(exc, TypeError) and "unexpected keyword argument" in str(exc):
        # An option in the URL's query that asyncpg's connect() does not take.
        option = str(exc).rsplit("argument", 1)[-1].strip()
        return f"the URL's option {option} is not one asyncpg takes"
    # SQLite: unable to open, read-only, locked, not a database; any DBAPI connection failure.
    unusable = isinstance(exc, OperationalError | InterfaceError) or type(exc) is DatabaseError
    sqlstate = str(getattr(getattr(exc, "orig", None), "sqlstate", "") or "")
    if unusable or (isinstance(exc, DBAPIError) and sqlstate.startswith(_UNAVAILABLE_SQLSTATES)):
        reason = str(getattr(exc, "orig", None) or exc)
    elif isinstance(exc, TimeoutError):
        reason = "cannot connect: timed out"
    elif isinstance(exc, ConnectionError | socket.gaierror):
        # asyncpg raises the socket's own error when the server cannot be reached.
        reason = f"cannot connect: {exc.strerror or exc}"
    else:
        return None
    return reason.strip().splitlines()[0] if reason.strip() else type(exc).__name__


def open_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the engine; for SQLite, make the file's folder and set the pragmas we rely on."""
    try:
        parsed = make_url(url)
    except ValueError as exc:  # a port that is no number, an unclosed [
        raise StoreUnavailable(f"the URL cannot be read: {exc}") from None
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise StoreUnavailable(f"the URL's port must be from 1 to 65535, not {parsed.port}")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _check_sqlite_file(Path(parsed.database).expanduser())
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        one_writer_at_a_time(engine)  # writers wait in line: never "database is locked"
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(_connect_options(parsed, kwargs), **kwargs)


def _connect_options(url: URL, kwargs: dict[str, Any]) -> URL:
    """The URL's options in asyncpg's terms. libpq's ``sslmode`` and ``connect_timeout``, as
    managed PostgreSQL services write them, become asyncpg's ``ssl`` and ``timeout``; asyncpg's
    own seconds (``timeout``, ``command_timeout``) are numbers, not the URL's text."""
    query = dict(url.query)
    seconds = {name: query.pop(name) for name in ("connect_timeout", "timeout", "command_timeout")
               if name in query}  # fmt: skip
    if "sslmode" not in query and not seconds:
        return url
    connect_args = kwargs.setdefault("connect_args", {})
    if "sslmode" in query:
        connect_args["ssl"] = str(query.pop("sslmode"))  # disable, prefer, require, verify-full
    for name, given in seconds.items():
        try:
            value = float(str(given))
        except ValueError:
            value = -1.0
        if not 0 <= value < math.inf:  # nan too
            raise StoreUnavailable(f"{name} must be seconds, not {str(given)!r}")
        if value > 0:  # 0 is libpq's "wait as long as it takes": asyncpg's default, then
            connect_args["timeout" if name == "connect_timeout" else name] = value
    return url.set(query=query)


def _check_sqlite_file(path: Path) -> None:
    """Make the file's folder and open it once: a clear error instead of aiosqlite's.

    aiosqlite's failed connect leaves its worker thread to report on a closed event loop, which
    prints a traceback at exit; opening the file here first fails cleanly instead.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreUnavailable(f"cannot create the folder {path.parent}: {exc.strerror}") from exc
    try:
        sqlite3.connect(path).close()
    except sqlite3.Error as exc:
        raise StoreUnavailable(f"cannot open {path}: {exc}") from exc


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the one writer; foreign keys make chat migration cascade.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def alembic_config(url: str | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic, on the engine's own connection."""
    if revision == "head" and await _stored_revisions(engine) == head_revisions():
        return  # already there: no need to import Alembic

    def _run(connection: Connection) -> None:
        from alembic import command

        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    async with engine.begin() as conn:
        await conn.run_sync(_run)


# ``revision = '0002'`` and ``down_revision = '0001'`` (or a tuple, or None) in a migration.
_ASSIGNED = re.compile(r"^(revision|down_revision)\b[^=\n]*=(.*)$", re.MULTILINE)
_QUOTED = re.compile(r"['\"]([^'\"]+)['\"]")


def head_revisions(folder: Path = MIGRATIONS / "versions") -> frozenset[str]:
    """The newest revisions, read from the migration files as Alembic would find them."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in folder.glob("*.py"):
        for name, value in _ASSIGNED.findall(path.read_text(encoding="utf-8")):
            (revisions if name == "revision" else parents).update(_QUOTED.findall(value))
    return frozenset(revisions - parents)


async def _stored_revisions(engine: AsyncEngine) -> frozenset[str] | None:
    """What ``alembic_version`` holds; None before the first upgrade (no such table)."""
    async with engine.connect() as conn:
        try:
            rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
        except DBAPIError:
            return None
        return frozenset(str(row[0]) for row in rows)


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def _rev(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(_rev)


def is_postgres(conn: AsyncConnection | AsyncEngine) -> bool:
    return conn.dialect.name == "postgresql"


# Each dialect's INSERT is imported when used: PostgreSQL's costs a SQLite store 30 ms a start.
def insert_ignore(conn: AsyncConnection, table: Table, index_elements: Iterable[str]) -> Insert:
    """``INSERT ... ON CONFLICT (keys) DO NOTHING`` in the connection's dialect."""
    if is_postgres(conn):
        from sqlalchemy.dialects import postgresql

        return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(index_elements))
    from sqlalchemy.dialects import sqlite

    return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(index_elements))


def upsert(
    conn: AsyncConnection, table: Table, index_elements: Iterable[str], update: Iterable[str]
) -> Insert:
    """``INSERT ... ON CONFLICT (keys) DO UPDATE SET col = excluded.col`` for ``update``."""
    keys = list(index_elements)
    if is_postgres(conn):
        from sqlalchemy.dialects import postgresql

        pg = postgresql.insert(table)
        return pg.on_conflict_do_update(
            index_elements=keys, set_={name: pg.excluded[name] for name in update}
        )
    from sqlalchemy.dialects import sqlite

    lite = sqlite.insert(table)
    return lite.on_conflict_do_update(
        index_elements=keys, set_={name: lite.excluded[name] for name in update}
    )
