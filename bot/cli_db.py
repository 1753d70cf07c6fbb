"""``borderbrief db upgrade|current``: the schema, managed by Alembic migrations."""

from __future__ import annotations

import argparse
import asyncio
import sys

from alembic.script import ScriptDirectory
from alembic.util import CommandError

from briefings.settings import load_settings
from briefings.store.db import alembic_config, current_revision, open_engine, upgrade


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = sub.add_parser("db", help="manage the database schema")
    actions = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = actions.add_parser("upgrade", help="create or upgrade the schema (also done at start)")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=_upgrade)
    cur = actions.add_parser("current", help="print the schema revision")
    cur.set_defaults(func=_current)


def known_revisions() -> list[str]:
    """Every migration's revision id, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def _upgrade(args: argparse.Namespace) -> int:
    settings = load_settings()

    async def go() -> str | None:
        engine = open_engine(settings.database_url)
        try:
            await upgrade(engine, args.revision)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    try:
        revision = asyncio.run(go())
    except CommandError as exc:  # an unknown or ambiguous revision: Alembic says which
        known = ", ".join(["head", *known_revisions()])
        print(f"borderbrief: db upgrade {args.revision}: {exc} (known: {known})", file=sys.stderr)
        return 2
    print(f"schema at revision {revision}")
    return 0


def _current(args: argparse.Namespace) -> int:
    settings = load_settings()

    async def go() -> str | None:
        engine = open_engine(settings.database_url)
        try:
            return await current_revision(engine)
        finally:
            await engine.dispose()

    print(asyncio.run(go()) or "empty (run: borderbrief db upgrade)")
    return 0
