"""Where the shipped defaults live (a checkout, an installed wheel, or the container), and
where computed files are cached."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

CACHE_ENV = "BORDERBRIEF_CACHE_DIR"
_PACKAGE = Path(__file__).resolve().parent


def defaults_dir() -> Path:
    """The folder holding the shipped ``sources.toml`` and ``themes.toml``."""
    wheel = _PACKAGE / "_defaults"  # force-included by the wheel build
    if wheel.is_dir():
        return wheel
    return _PACKAGE.parent / "config"  # a checkout or an editable install


def default_config_file(name: str) -> Path:
    return defaults_dir() / name


def user_or_default(data_dir: Path, name: str) -> Path:
    """The user's copy in ``data_dir`` (``borderbrief init`` writes it), else the default."""
    mine = data_dir / name
    return mine if mine.is_file() else default_config_file(name)


class Default:
    """The type of ``DEFAULT``: "the user's cache folder", as a parameter's default."""


DEFAULT = Default()


def cache_dir(setting: str | None = None) -> Path | None:
    """The cache folder: ``setting`` (``Settings.cache_dir``) when given, else the environment's;
    None when caching is switched off."""
    chosen = setting if setting is not None else os.environ.get(CACHE_ENV)
    if chosen is not None:
        chosen = chosen.strip()
        return None if chosen.lower() in ("", "off", "none", "0") else Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "borderbrief"


def chosen_cache_dir(folder: Path | None | Default) -> Path | None:
    """A cache-folder parameter as given, or ``cache_dir()`` for ``DEFAULT``."""
    return cache_dir() if isinstance(folder, Default) else folder


def beyond_newest(entries: Iterable[Path], keep: int) -> list[Path]:
    """The entries of a cache folder older than its ``keep`` newest (by modification time),
    to remove; one that vanished meanwhile is left out."""
    found = []
    for entry in entries:
        try:
            found.append((entry.stat().st_mtime_ns, entry))
        except OSError:
            continue
    return [entry for _, entry in sorted(found, reverse=True)[keep:]]
