"""Timed commands run as on an installed copy: from bytecode."""

from __future__ import annotations

import compileall
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def as_installed(env: Mapping[str, str]) -> dict[str, str]:
    """``env`` for the timed commands, once the project's modules are compiled to bytecode, as
    pip compiles an installed copy: no timed run pays for compiling them, nor compiles them on
    every run where the shell sets PYTHONDONTWRITEBYTECODE (which is left out of ``env``)."""
    for package in ("briefings", "bot"):
        compileall.compile_dir(ROOT / package, quiet=1)
    return {name: value for name, value in env.items() if name != "PYTHONDONTWRITEBYTECODE"}
