"""``borderbrief db upgrade|current``: the schema, managed by Alembic migrations."""

from __future__ import annotations

import argparse
import asyncio

from briefings.settings import load_settings
from briefings.store.db import current_revision, open_engine, upgrade


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = sub.add_parser("db", help="manage the database schema")
    actions = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = actions.add_parser("upgrade", help="create or upgrade the schema (also done at start)")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=_upgrade)
    cur = actions.add_parser("current", help="print the schema revision")
    cur.set_defaults(func=_current)


def _upgrade(args: argparse.Namespace) -> int:
    settings = load_settings()

    async def go() -> str | None:
        engine = open_engine(settings.database_url)
        try:
            await upgrade(engine, args.revision)
            return await current_revision(engine)
        finally:
            await engine.dispose()

    print(f"schema at revision {asyncio.run(go())}")
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
