"""Moved: the poll's matcher builder is ``briefings.jobs.matching.build_matcher``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.jobs.matching import build_matcher  # shim: remove after the move
from briefings.themes import Theme


# shim: remove after the move
async def build_domain(engine: AsyncEngine, themes: Iterable[Theme]) -> tuple[Any, Any]:
    """``(matcher, filer)``: only tests/themes/test_domain.py still asks for the pair."""
    from briefings.stories import file_items

    return await build_matcher(engine, themes), file_items


__all__ = ["build_domain", "build_matcher"]
