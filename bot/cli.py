"""The ``borderbrief`` command line: one sub-command module per area, wired here."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence

from briefings import __version__
from briefings.settings import SettingsError, load_settings
from briefings.sources import SourcesError
from briefings.store.db import store_problem
from briefings.themes import ThemesError

# Each module has ``register(subparsers)``; the sub-commands it adds set ``func(args) -> int``.
COMMAND_MODULES = (
    "bot.cli_run",  # run
    "bot.cli_poll",  # poll, sources
    "bot.cli_match",  # match, explain
    "bot.cli_brief",  # brief
    "bot.cli_db",  # db
    "bot.cli_init",  # init
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="borderbrief",
        description="News briefings on the themes you track, in Telegram or the terminal.",
    )
    parser.add_argument("--version", action="version", version=f"borderbrief {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        if importlib.util.find_spec(name) is None:
            continue
        importlib.import_module(name).register(sub)
    return parser


# Exit status of a command whose reader went away (as if killed by SIGPIPE, 128 + 13).
CLOSED_PIPE = 141


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every expected failure ends in one stderr line and a non-zero status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not as a message at interpreter exit
        return status
    except SettingsError as exc:
        print(f"borderbrief: configuration error: {exc}", file=sys.stderr)
        return 2
    except (SourcesError, ThemesError) as exc:  # a bad data file: its name, line and reason
        print(f"borderbrief: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `borderbrief ... | head`: the reader has all it wanted
        _drop_stdout()
        print("borderbrief: output closed early (broken pipe); stopped", file=sys.stderr)
        return CLOSED_PIPE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        problem = store_problem(exc)
        if problem is None:
            raise
        print(f"borderbrief: cannot use the database {_database()}: {problem}", file=sys.stderr)
        return 1


def _drop_stdout() -> None:
    """Point stdout at /dev/null so flushing it again at exit cannot raise."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (a test's capture): nothing is flushed at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _database() -> str:
    """The configured database URL, password hidden, and where to change it."""
    from sqlalchemy.engine import make_url

    try:
        url = make_url(load_settings().database_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - only decorates a message about another error
        return "(BORDERBRIEF_DATABASE_URL)"
    return f"{url} (BORDERBRIEF_DATABASE_URL)"


if __name__ == "__main__":
    sys.exit(main())
