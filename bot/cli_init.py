"""``borderbrief init``: editable copies of the shipped sources and themes in the data folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from briefings.paths import default_config_file
from briefings.settings import Settings, load_settings
from briefings.sources.layers import WHOLE_LIST_KEY

SOURCES_HEADER = f"""\
# Your copy of the news feeds list, written by `borderbrief init`: edit it freely.
# It is the whole list: the shipped one is not read while this line says so. Delete the line to
# have borderbrief read the shipped list again, with your entries layered over it.
{WHOLE_LIST_KEY} = false

"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = sub.add_parser(
        "init", help="write editable copies of sources.toml and themes.toml to the data folder"
    )
    init.add_argument("--force", action="store_true", help="overwrite copies already there")
    init.set_defaults(func=_init)


def _init(args: argparse.Namespace) -> int:
    settings = load_settings()
    folder = settings.data_dir
    copies = {
        folder / "sources.toml": SOURCES_HEADER
        + default_config_file("sources.toml").read_text(encoding="utf-8"),
        folder / "themes.toml": default_config_file("themes.toml").read_text(encoding="utf-8"),
    }
    there = [path for path in copies if path.exists()]
    if there and not args.force:
        names = " and ".join(str(path) for path in there)
        print(f"borderbrief: {names} already there; nothing written (--force overwrites)",
              file=sys.stderr)  # fmt: skip
        return 1
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path, text in copies.items():
            path.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"borderbrief: cannot write to {folder}: {exc.strerror or exc} "
              "(BORDERBRIEF_DATA_DIR)", file=sys.stderr)  # fmt: skip
        return 1
    for path in copies:
        print(f"wrote {path}")
    _say_what_is_used(settings, folder)
    return 0


def _say_what_is_used(settings: Settings, folder: Path) -> None:
    """Name a BORDERBRIEF_SOURCES/THEMES that still wins over the copies just written."""
    for name, chosen in (("sources", settings.sources), ("themes", settings.themes)):
        default = default_config_file(f"{name}.toml")
        if chosen.resolve() not in (default.resolve(), (folder / f"{name}.toml").resolve()):
            print(f"note: BORDERBRIEF_{name.upper()} names {chosen}; it is used instead of "
                  f"{folder / (name + '.toml')} while it is set")  # fmt: skip
    print("edit them; borderbrief reads them from now on (`borderbrief sources list` to check)")
