"""The ``borderbrief`` command line: one sub-command module per area, wired here."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence

from briefings import __version__
from briefings.settings import SettingsError
from briefings.sources import SourcesError
from briefings.themes import ThemesError

# Each module has ``register(subparsers)``; the sub-commands it adds set ``func(args) -> int``.
COMMAND_MODULES = (
    "bot.cli_run",  # run
    "bot.cli_poll",  # poll, sources
    "bot.cli_match",  # match, explain
    "bot.cli_brief",  # brief
    "bot.cli_db",  # db
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except SettingsError as exc:
        print(f"borderbrief: configuration error: {exc}", file=sys.stderr)
        return 2
    except (SourcesError, ThemesError) as exc:  # a bad data file: its name, line and reason
        print(f"borderbrief: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
