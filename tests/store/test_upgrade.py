"""``upgrade``: Alembic runs only when the schema is behind; an up-to-date store skips it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.store.db import alembic_config, current_revision, head_revisions, upgrade

REPO = Path(__file__).resolve().parents[2]


def test_head_revisions_read_from_the_files_are_alembics() -> None:
    from alembic.script import ScriptDirectory

    assert head_revisions() == frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def test_head_revisions_follow_the_chain(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("revision = 'a1'\ndown_revision = None\n")
    (tmp_path / "b.py").write_text('revision: str = "b2"\ndown_revision: str | None = "a1"\n')
    (tmp_path / "c.py").write_text("revision = 'c3'\ndown_revision = ('a1', 'b2')\n")
    assert head_revisions(tmp_path) == {"c3"}


async def test_a_store_behind_the_head_is_upgraded(engine: AsyncEngine) -> None:
    def downgrade(connection: Connection) -> None:
        from alembic import command

        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0001")

    async with engine.begin() as conn:
        await conn.run_sync(downgrade)
    assert await current_revision(engine) == "0001"
    await upgrade(engine)
    assert {await current_revision(engine)} == head_revisions()


def test_an_up_to_date_store_does_not_import_alembic(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/bb.db"
    script = (
        "import asyncio, sys\n"
        "from briefings.store.db import current_revision, open_engine, upgrade\n"
        "async def main():\n"
        f"    engine = open_engine({url!r})\n"
        "    await upgrade(engine)\n"
        "    print(await current_revision(engine) if sys.argv[1] == 'check' else '')\n"
        "    await engine.dispose()\n"
        "asyncio.run(main())\n"
        "print('alembic' in sys.modules)\n"
    )

    def run(mode: str) -> list[str]:
        done = subprocess.run([sys.executable, "-c", script, mode], cwd=REPO, text=True,
                              capture_output=True, check=True)  # fmt: skip
        return done.stdout.split()

    assert run("first") == ["True"]  # a new file: Alembic makes the schema
    assert run("again") == ["False"]  # already at the head: no Alembic at all
    assert {run("check")[0]} == head_revisions()
