"""``borderbrief match [FILE.jsonl]`` and ``borderbrief explain TEXT | --url URL``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

# Each command imports what it needs when it runs (`match --help` needs none of it; `match`
# never needs the store or rich; --rules-only never needs the embedder): see bench/startup.py.
if TYPE_CHECKING:
    from briefings.model import ThemeMatch
    from briefings.settings import Settings
    from briefings.stories.embed import Embedder
    from briefings.themes import Matcher, ThemeCatalogue, ThemeExamples, ThemeSet
    from briefings.themes.explain import Verdict
    from briefings.themes.semantic import SemanticModel

Fields = tuple[str, str, str | None]  # title, summary, language
Embed = Callable[[Sequence[Fields]], Any]  # items -> one vector row per item
CHUNK = 64  # lines matched (and embedded) together


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    match = sub.add_parser(
        "match",
        help="match JSON-lines items against the themes",
        description="Read items as JSON lines (id, lang, title, summary or lede) and write one "
        'JSON line per item: {"id": ..., "themes": [...], "why": {...}}.',
    )
    match.add_argument("file", nargs="?", type=Path, help="a .jsonl file (default: stdin)")
    match.add_argument("--themes", type=Path, help="themes file (default: the configured one)")
    match.add_argument("--rules-only", action="store_true",
                       help="match by the rules alone (loads no sentence embedder)")  # fmt: skip
    match.set_defaults(func=_match)

    explain = sub.add_parser("explain", help="show which themes a headline matches, and why")
    explain.add_argument("text", nargs="*", help="a headline (the title)")
    explain.add_argument("--summary", default="", help="the item's summary or lede")
    explain.add_argument("--lang", help="the item's language (en, es)")
    explain.add_argument("--url", help="explain a stored item, found by its URL")
    explain.add_argument("--themes", type=Path, help="themes file (default: the configured one)")
    explain.add_argument("--rules-only", action="store_true", help="leave meaning out")
    explain.add_argument("--all", action="store_true",
                         help="also say why each other theme does not match")  # fmt: skip
    explain.set_defaults(func=_explain)


def _load(path: Path | None) -> tuple[ThemeSet, Settings | None]:
    """The themes, and the settings when they were read to find them (--themes needs none)."""
    from briefings.settings import load_settings
    from briefings.themes import load_themes

    if path is not None:
        return load_themes(path), None
    settings = load_settings()
    return load_themes(settings.themes), settings


def _matcher(
    themes: ThemeSet, rules_only: bool, settings: Settings | None = None
) -> tuple[Matcher, Embed | None]:
    """The matcher, with the semantic model and an embedder when the themes have examples."""
    from briefings.themes import Matcher

    if rules_only or themes.semantic is None:
        return Matcher(themes.themes), None
    lazy = _FitWhenNeeded(themes.semantic, settings)
    return Matcher(themes.themes, cast("SemanticModel", lazy)), lazy.embed


def _cache_dir(settings: Settings | None = None) -> Path | None:
    """Where the fit is cached: the cache_dir setting, so a .env file counts too (settings that
    do not load leave the environment's choice; --themes needs no other setting). Settings
    already read are not read again."""
    from briefings import paths
    from briefings.settings import SettingsError, load_settings

    try:
        setting = (settings or load_settings()).cache_dir
    except SettingsError:
        setting = None
    return paths.cache_dir(setting)


class _FitWhenNeeded:
    """The semantic model, made when the rules first leave an item undecided: input they
    decide alone never loads the embedder (~0.7 s). The fit itself (embedding the examples
    and solving the models, 2-3 CPU-s) is read back from the on-disk cache when the examples
    and encoder are unchanged (briefings.themes.cache). The Matcher reads only ``themes`` and
    ``examples`` before deciding."""

    def __init__(self, examples: ThemeExamples, settings: Settings | None = None) -> None:
        self.themes = examples.themes
        self.examples = examples  # the Matcher reads its anchors (the gate) before deciding
        self._examples = examples
        self._settings = settings
        self._fitted: tuple[SemanticModel, Embedder] | None = None

    def _model(self) -> tuple[SemanticModel, Embedder]:
        if self._fitted is None:
            from briefings.stories.embed import default_embedder
            from briefings.themes.semantic import SemanticModel

            folder, embedder = _cache_dir(self._settings), default_embedder()
            embedder.cache_in(folder)
            self._fitted = (SemanticModel.fit(self._examples, embedder, cache_dir=folder), embedder)
        return self._fitted

    def embed(self, items: Sequence[Fields]) -> Any:
        from briefings.stories.embed import item_text

        return self._model()[1].encode([item_text(title, summary) for title, summary, _ in items])

    def __getattr__(self, name: str) -> Any:  # decide, probabilities...: the fitted model's
        return getattr(self._model()[0], name)


# ── match ────────────────────────────────────────────────────────────────────────────────


def _match(args: argparse.Namespace) -> int:
    from briefings.themes import ThemesError

    try:
        themes, settings = _load(args.themes)
    except ThemesError as exc:
        print(f"borderbrief: {exc}", file=sys.stderr)
        return 2
    matcher, embed = _matcher(themes, args.rules_only, settings)
    if args.file is None:
        stdin = getattr(sys.stdin, "buffer", sys.stdin)  # bytes: decoded line by line
        return match_lines(matcher, stdin, sys.stdout, sys.stderr, embed)
    try:
        with args.file.open("rb") as lines:  # decoded line by line: one bad line is skipped
            return match_lines(matcher, lines, sys.stdout, sys.stderr, embed)
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise  # stdout closed (`| head`), not the input: main says so
        print(f"borderbrief: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2


def match_lines(
    matcher: Matcher, lines: Iterable[str | bytes], out: TextIO, err: TextIO,
    embed: Embed | None = None,
) -> int:  # fmt: skip
    """Match each JSON line; a bad line is reported on ``err`` and skipped (exit code 1).

    With ``embed``, the items some theme's rules leave undecided are embedded (a chunk at a
    time) and decided by meaning too.
    """
    status = 0
    numbered = enumerate(lines, start=1)
    while chunk := list(islice(numbered, CHUNK)):
        read: list[tuple[Any, Fields]] = []
        for number, line in chunk:
            if not line.strip():
                continue
            try:
                read.append(_read_item(line))
            except (ValueError, TypeError) as exc:
                print(f"line {number}: skipped: {exc}", file=err)
                status = 1
        for (key, _), found in zip(read, _match_all(matcher, [f for _, f in read], embed),
                                   strict=True):  # fmt: skip
            out.write(json.dumps(_result(key, found), ensure_ascii=False) + "\n")
    out.flush()
    return status


def _read_item(line: str | bytes) -> tuple[Any, Fields]:
    from bot.jsonlines import json_line

    item = json_line(line)
    if not isinstance(item, dict):
        raise ValueError("expected a JSON object")
    summary = item.get("summary")
    if summary is None:
        summary = item.get("lede")
    lang = item.get("lang") or item.get("language")
    fields = (_text(item.get("title"), "title"), _text(summary, "summary"),
              lang if isinstance(lang, str) else None)  # fmt: skip
    return item.get("id"), fields


def _match_all(
    matcher: Matcher, items: list[Fields], embed: Embed | None
) -> list[list[ThemeMatch]]:
    """Rules for every item; meaning for those a theme's rules leave undecided."""
    if embed is None:
        return matcher.match_many(items)
    return matcher.match_many(items, embed=lambda need: embed([items[k] for k in need]))


def _result(key: Any, found: list[ThemeMatch]) -> dict[str, Any]:
    return {
        "id": key,
        "themes": [m.theme for m in found],
        "why": {
            m.theme: {
                "score": m.score,
                "hits": [{"term": h.term, "field": h.field} for h in m.hits],
            }
            for m in found
        },
    }


def _text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string")
    return value


# ── explain ──────────────────────────────────────────────────────────────────────────────


def _explain(args: argparse.Namespace) -> int:
    from briefings.themes import ThemeCatalogue, ThemesError
    from briefings.themes.explain import explain

    title, summary, lang = " ".join(args.text), args.summary, args.lang
    if args.url:
        import asyncio

        found = asyncio.run(_stored_item(args.url))
        if found is None:
            print(f"borderbrief: no stored item has the URL {args.url}", file=sys.stderr)
            return 1
        title, summary, lang = found
    if not (title.strip() or summary.strip()):
        print("borderbrief: give a headline to explain, or --url URL", file=sys.stderr)
        return 2
    try:
        themes, settings = _load(args.themes)
    except ThemesError as exc:
        print(f"borderbrief: {exc}", file=sys.stderr)
        return 2
    matcher, embed = _matcher(themes, args.rules_only, settings)
    item = (title, summary, lang)
    vector = embed([item])[0] if embed and matcher.needs_vector(*item) else None
    verdicts = explain(matcher, title, summary, lang, vector)
    _print_explanation(ThemeCatalogue(themes, fallback={}), verdicts, lang or "en", args.all)
    return 0


async def _stored_item(url: str) -> tuple[str, str, str] | None:
    from briefings.settings import load_settings
    from briefings.store.db import open_engine
    from briefings.store.items import text_by_url

    engine = open_engine(load_settings().database_url)
    try:
        async with engine.connect() as conn:
            row = await text_by_url(conn, url)
    finally:
        await engine.dispose()
    return None if row is None else (row.title, row.summary, row.language)


def _print_explanation(
    catalogue: ThemeCatalogue, verdicts: list[Verdict], lang: str, every: bool
) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    matched = sorted((v for v in verdicts if v.matched), key=lambda v: -v.score)
    if not matched:
        console.print("No theme matches.")
    else:
        table = Table(title="Themes matched", show_lines=True)
        table.add_column("theme")
        table.add_column("score", justify="right")
        table.add_column("by")
        table.add_column("why")
        for v in matched:
            shown = catalogue.label(v.theme, lang)
            table.add_row(escape(f"{shown} ({v.theme})"), f"{v.score:g}", v.signal,
                          escape("\n".join(v.reasons)))  # fmt: skip
        console.print(table)
    if every and len(matched) < len(verdicts):
        table = Table(title="Not matched", show_lines=True)
        table.add_column("theme")
        table.add_column("by")
        table.add_column("why not")
        for v in verdicts:
            if not v.matched:
                shown = catalogue.label(v.theme, lang)
                table.add_row(escape(f"{shown} ({v.theme})"), v.signal,
                              escape("\n".join(v.reasons)))  # fmt: skip
        console.print(table)
