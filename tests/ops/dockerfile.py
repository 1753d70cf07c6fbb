"""A small reader for our Dockerfile, so a test can run its steps outside Docker."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Instruction:
    keyword: str  # upper-case: FROM, RUN, COPY, ENV, ...
    args: str


@dataclass
class Stage:
    base: str
    name: str | None
    steps: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [step for step in self.steps if step.keyword == keyword]


def instructions(text: str) -> list[Instruction]:
    """Each instruction with its continuation lines joined and comments dropped."""
    found: list[Instruction] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or (line.startswith("#") and not pending):
            continue
        if line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        whole = pending + line
        pending = ""
        keyword, _, args = whole.partition(" ")
        found.append(Instruction(keyword.upper(), args.strip()))
    return found


def stages(text: str) -> list[Stage]:
    result: list[Stage] = []
    for step in instructions(text):
        if step.keyword == "FROM":
            parts = step.args.split()
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            result.append(Stage(parts[0], name))
        elif result:
            result[-1].steps.append(step)
    return result


def env_pairs(args: str) -> dict[str, str]:
    """``ENV A=1 B="two"`` as a mapping (only the key=value form)."""
    return dict(part.split("=", 1) for part in shlex.split(args))


def exec_form(args: str) -> list[str]:
    """The JSON array of an exec-form CMD (or HEALTHCHECK's CMD)."""
    match = re.search(r"\[.*\]\s*$", args)
    if not match:
        raise ValueError(f"not an exec form: {args}")
    return list(json.loads(match.group(0)))


def parse(path: Path) -> list[Stage]:
    return stages(path.read_text(encoding="utf-8"))
