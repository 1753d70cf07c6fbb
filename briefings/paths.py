"""Where the shipped defaults live: a checkout, an installed wheel, or the container."""

from __future__ import annotations

from pathlib import Path

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
