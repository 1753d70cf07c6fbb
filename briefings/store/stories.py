"""Stories in the store: filing matched items into stories, and reading stories for briefs."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.model import StoredItem, ThemeMatch
from briefings.store.db import insert_ignore, is_postgres, upsert
from briefings.store.tables import (
    item_themes,
    items,
    sent_stories,
    sources,
    stories,
    story_themes,
)
from briefings.stories import (
    DEFAULT_THRESHOLD,
    Fingerprint,
    StoryIndex,
    fingerprint,
    gc_paused,
)

MAX_SIGNATURES = 4  # a story keeps its first members' fingerprints to match later reports
_CHUNK = 500  # ids per IN (...) list


@dataclass(frozen=True, slots=True)
class FileResult:
    """What filing did: the stories it created and the existing stories that grew."""

    new_story_ids: list[int]
    grown_story_ids: list[int]


@dataclass(frozen=True, slots=True)
class StoryView:
    """A story as a brief shows it."""

    id: int
    headline: str
    url: str
    summary: str
    first_seen_at: datetime
    last_seen_at: datetime
    source_count: int
    sources: list[str] = field(default_factory=list)  # outlet names, representative first
    languages: list[str] = field(default_factory=list)
    themes: dict[str, float] = field(default_factory=dict)  # among the themes asked for
    hits: list[str] = field(default_factory=list)  # matched terms, most frequent first


@dataclass(frozen=True, slots=True)
class ThemeCounts:
    """Stories first seen per theme: today, and on each of the seven days before."""

    today: dict[str, int]
    daily: dict[str, list[int]]  # oldest day first
    days_with_data: list[bool]  # per day of ``daily``: was the store collecting then?


@dataclass(slots=True)
class _Member:
    item_id: int
    source_id: int
    at: datetime
    title: str
    url: str
    summary: str
    language: str


def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _best_per_theme(found: Iterable[ThemeMatch]) -> dict[str, ThemeMatch]:
    best: dict[str, ThemeMatch] = {}
    for match in found:
        if match.theme not in best or match.score > best[match.theme].score:
            best[match.theme] = match
    return best


def signature_json(fps: Sequence[Fingerprint]) -> dict[str, Any]:
    return {"v": 1, "fps": [fp.to_json() for fp in fps]}


def _signature_fps(data: Any) -> list[Fingerprint]:
    if not isinstance(data, dict):
        return []
    return [Fingerprint.from_json(fp) for fp in data.get("fps", ()) if isinstance(fp, dict)]


async def file_items(
    conn: AsyncConnection,
    stored: list[StoredItem],
    matches: dict[int, list[ThemeMatch]],
    now: datetime,
    *,
    window: timedelta = timedelta(hours=48),
    threshold: float = DEFAULT_THRESHOLD,
) -> FileResult:
    """Record the matches and file every matched item into a story (an old one or a new one).

    Items are taken in time order, so filing is deterministic and incremental: a report joins
    the story of the most similar recent report within ``window``, else starts its own.
    Loads the index of recent stories afresh; a ``StoryFiler`` keeps it between calls.
    """
    return await StoryFiler(window=window, threshold=threshold)(conn, stored, matches, now)


class StoryFiler:
    """``file_items`` that keeps its index of recent stories between calls: one per poll cycle.

    The index is loaded from the stored signatures on the first call (and widened when a
    later call reaches further back) and then kept up to date with the stories this filer
    creates and grows. Stories that other processes file meanwhile are not seen until the next
    filer; the database stays the truth. After a failed call, or when the caller's
    transaction rolls back, call ``discard()``: the next call reloads.
    """

    def __init__(
        self, *, window: timedelta = timedelta(hours=48), threshold: float = DEFAULT_THRESHOLD
    ) -> None:
        self.window = window
        self.threshold = threshold
        self._index: StoryIndex | None = None
        self._known: set[int] = set()  # stored stories in the index
        self._since: datetime | None = None  # the index holds the stories seen since then

    def discard(self) -> None:
        """Forget the index (its stories may not have been committed): the next call reloads."""
        self._index, self._known, self._since = None, set(), None

    async def __call__(
        self,
        conn: AsyncConnection,
        stored: list[StoredItem],
        matches: dict[int, list[ThemeMatch]],
        now: datetime,
    ) -> FileResult:
        """File matched items into stories; see ``file_items``."""
        try:
            return await self._file(conn, stored, matches, now)
        except BaseException:
            self.discard()
            raise

    async def _load(self, conn: AsyncConnection, since: datetime) -> tuple[StoryIndex, set[int]]:
        if self._index is None or self._since is None:
            self._index, self._known = StoryIndex(), set()
            await _load_index(conn, self._index, self._known, since)
            self._since = since
        elif since < self._since:
            await _load_index(conn, self._index, self._known, since, until=self._since)
            self._since = since
        return self._index, self._known

    async def _file(
        self,
        conn: AsyncConnection,
        stored: list[StoredItem],
        matches: dict[int, list[ThemeMatch]],
        now: datetime,
    ) -> FileResult:
        matched = [s for s in stored if matches.get(s.id)]
        if not matched:
            return FileResult([], [])
        best = {s.id: _best_per_theme(matches[s.id]) for s in matched}
        await _write_item_themes(conn, best)

        window = self.window
        at_of = {s.id: min(s.item.published_at, now) for s in matched}
        matched.sort(key=lambda s: (at_of[s.id], s.id))
        index, known = await self._load(conn, at_of[matched[0].id] - window)

        assigned = _assign(matched, at_of, index, window, self.threshold)

        members: dict[int, list[_Member]] = defaultdict(list)
        for s in matched:
            it = s.item
            members[assigned[s.id]].append(
                _Member(s.id, s.source_id, at_of[s.id], it.title, it.url, it.summary, it.language)
            )
        grown = sorted(sid for sid in members if sid > 0 and sid in known)
        for story_id, member in await _existing_members(conn, grown, exclude=set(assigned)):
            member.at = min(member.at, now)
            members[story_id].append(member)
        weights = await _source_weights(conn, {m.source_id for ms in members.values() for m in ms})

        new_temp = sorted((sid for sid in members if sid < 0), reverse=True)  # -1, -2, ...
        real = await _insert_stories(conn, new_temp, members, weights, index)
        index.relabel(real)  # the new stories' temporary ids become their stored ones
        known.update(real.values())
        real.update({sid: sid for sid in grown})
        await _update_stories(conn, grown, members, weights, index)

        await conn.execute(
            update(items)
            .where(items.c.id == bindparam("b_id"))
            .values(story_id=bindparam("b_sid")),
            [{"b_id": item_id, "b_sid": real[sid]} for item_id, sid in assigned.items()],
        )
        await _merge_story_themes(conn, {real[sid]: ms for sid, ms in members.items()}, best)
        return FileResult(sorted(real[sid] for sid in new_temp), grown)


def _assign(
    matched: list[StoredItem],
    at_of: dict[int, datetime],
    index: StoryIndex,
    window: timedelta,
    threshold: float,
) -> dict[int, int]:
    """Item id -> story id (negative: a new story, numbered -1, -2, ... in filing order)."""
    assigned: dict[int, int] = {}
    next_temp = -1
    with gc_paused():
        for s in matched:
            fp = fingerprint(s.item.title, s.item.summary, s.item.language)
            at = at_of[s.id]
            story = index.best_match(fp, at, window=window, threshold=threshold)
            if story is None:
                story, next_temp = next_temp, next_temp - 1
                index.add(story, fp, at)
            elif index.member_count(story) < MAX_SIGNATURES:
                index.add(story, fp, at)
            else:
                index.touch(story, at)
            assigned[s.id] = story
    return assigned


async def _write_item_themes(conn: AsyncConnection, best: dict[int, dict[str, ThemeMatch]]) -> None:
    rows = [
        {
            "item_id": item_id,
            "theme": theme,
            "score": match.score,
            "hits": [[hit.term, hit.field] for hit in match.hits],
        }
        for item_id, per_theme in best.items()
        for theme, match in sorted(per_theme.items())
    ]
    await conn.execute(insert_ignore(conn, item_themes, ["item_id", "theme"]), rows)


async def _load_index(
    conn: AsyncConnection,
    index: StoryIndex,
    known: set[int],
    since: datetime,
    until: datetime | None = None,
) -> None:
    """Add to ``index`` the stories last seen in [since, until) that ``known`` lacks."""
    query = select(stories.c.id, stories.c.signature, stories.c.last_seen_at).where(
        stories.c.last_seen_at >= since
    )
    if until is not None:
        query = query.where(stories.c.last_seen_at < until)
    result = await conn.execute(query.order_by(stories.c.id))
    for story_id, signature, last_seen in result:
        if story_id in known:
            continue
        known.add(story_id)
        fps = _signature_fps(signature)
        for fp in fps:
            index.add(story_id, fp, last_seen)
        if not fps:
            index.touch(story_id, last_seen)


async def _existing_members(
    conn: AsyncConnection, story_ids: list[int], exclude: set[int]
) -> list[tuple[int, _Member]]:
    out: list[tuple[int, _Member]] = []
    cols = (
        items.c.story_id, items.c.id, items.c.source_id, items.c.published_at, items.c.title,
        items.c.url, items.c.summary, items.c.language,
    )  # fmt: skip
    for chunk in _chunks(story_ids):
        result = await conn.execute(select(*cols).where(items.c.story_id.in_(chunk)))
        for sid, item_id, source_id, at, title, url, summary, language in result:
            if item_id not in exclude:
                out.append((sid, _Member(item_id, source_id, at, title, url, summary, language)))
    return out


async def _source_weights(conn: AsyncConnection, source_ids: set[int]) -> dict[int, float]:
    weights: dict[int, float] = {}
    for chunk in _chunks(sorted(source_ids)):
        result = await conn.execute(
            select(sources.c.id, sources.c.weight).where(sources.c.id.in_(chunk))
        )
        weights.update({sid: float(w if w is not None else 1.0) for sid, w in result})
    return weights


def _story_values(members: list[_Member], weights: dict[int, float]) -> dict[str, Any]:
    """A story's columns from its members: the representative is the heaviest, then earliest."""
    ordered = sorted(members, key=lambda m: (-weights.get(m.source_id, 1.0), m.at, m.item_id))
    rep = next((m for m in ordered if m.title.strip()), ordered[0])
    summary = rep.summary or next((m.summary for m in ordered if m.summary), "")
    headline = rep.title.strip() or summary[:120] or "(untitled)"
    return {
        "headline": headline,
        "url": rep.url,
        "summary": summary,
        "first_seen_at": min(m.at for m in members),
        "last_seen_at": max(m.at for m in members),
        "source_count": len({m.source_id for m in members}),
        "languages": ",".join(sorted({m.language for m in members if m.language})),
    }


async def _insert_stories(
    conn: AsyncConnection,
    temp_ids: list[int],
    members: dict[int, list[_Member]],
    weights: dict[int, float],
    index: StoryIndex,
) -> dict[int, int]:
    if not temp_ids:
        return {}
    rows = [
        {
            **_story_values(members[t], weights),
            "signature": signature_json(index.fingerprints(t)),
        }
        for t in temp_ids
    ]
    ids = await _reserve_story_ids(conn, len(rows))
    for row, story_id in zip(rows, ids, strict=True):
        row["id"] = story_id
    await conn.execute(insert(stories), rows)
    return dict(zip(temp_ids, ids, strict=True))


async def _reserve_story_ids(conn: AsyncConnection, n: int) -> list[int]:
    """Ids for ``n`` new stories, so one plain bulk insert can write them all.

    (A bulk INSERT ... RETURNING that must keep the rows' order runs row by row on SQLite.)
    """
    if is_postgres(conn):
        result = await conn.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence('stories', 'id'))"
                " FROM generate_series(1, :n)"
            ),
            {"n": n},
        )
        return sorted(int(v) for v in result.scalars())
    # SQLite has one writer at a time: once this transaction has begun writing (an UPDATE that
    # changes nothing is enough), no other can insert stories before this one commits.
    await conn.execute(update(stories).where(stories.c.id < 0).values(id=stories.c.id))
    top = (await conn.execute(select(func.max(stories.c.id)))).scalar() or 0
    return list(range(top + 1, top + 1 + n))


async def _update_stories(
    conn: AsyncConnection,
    story_ids: list[int],
    members: dict[int, list[_Member]],
    weights: dict[int, float],
    index: StoryIndex,
) -> None:
    if not story_ids:
        return
    rows = []
    for sid in story_ids:
        values = _story_values(members[sid], weights)
        values["signature"] = signature_json(index.fingerprints(sid))
        rows.append({"b_id": sid, **{f"b_{k}": v for k, v in values.items()}})
    names = [k.removeprefix("b_") for k in rows[0] if k != "b_id"]
    stmt = (
        update(stories)
        .where(stories.c.id == bindparam("b_id"))
        .values({name: bindparam(f"b_{name}") for name in names})
    )
    await conn.execute(stmt, rows)


async def _merge_story_themes(
    conn: AsyncConnection,
    members: dict[int, list[_Member]],
    best: dict[int, dict[str, ThemeMatch]],
) -> None:
    """Each story's score per theme is the best score of any member."""
    scores: dict[tuple[int, str], float] = {}
    for sid, ms in members.items():
        for m in ms:
            for theme, match in best.get(m.item_id, {}).items():
                key = (sid, theme)
                scores[key] = max(scores.get(key, match.score), match.score)
    ids = sorted({sid for sid, _ in scores})
    for chunk in _chunks(ids):
        result = await conn.execute(
            select(story_themes.c.story_id, story_themes.c.theme, story_themes.c.score).where(
                story_themes.c.story_id.in_(chunk)
            )
        )
        for sid, theme, score in result:
            key = (sid, theme)
            if key in scores and score >= scores[key]:
                del scores[key]  # already as good: nothing to write
    if scores:
        rows = [{"story_id": s, "theme": t, "score": v} for (s, t), v in sorted(scores.items())]
        await conn.execute(upsert(conn, story_themes, ["story_id", "theme"], ["score"]), rows)


async def recent_stories(
    conn: AsyncConnection,
    *,
    themes: Sequence[str],
    since: datetime,
    until: datetime | None = None,
    exclude_sent_to: int | None = None,
    limit: int | None = None,
) -> list[StoryView]:
    """Stories on any of ``themes`` last seen in [since, until), newest first."""
    themes = list(themes)
    if not themes:
        return []
    on_theme = exists().where(
        and_(story_themes.c.story_id == stories.c.id, story_themes.c.theme.in_(themes))
    )
    query = select(*stories.c).where(on_theme, stories.c.last_seen_at >= since)
    if until is not None:
        query = query.where(stories.c.last_seen_at < until)
    if exclude_sent_to is not None:
        sent = exists().where(
            and_(sent_stories.c.chat_id == exclude_sent_to, sent_stories.c.story_id == stories.c.id)
        )
        query = query.where(~sent)
    query = query.order_by(stories.c.last_seen_at.desc(), stories.c.id.desc())
    if limit is not None:
        query = query.limit(limit)
    rows = (await conn.execute(query)).mappings().all()
    return await _views(conn, rows, themes)


async def _views(conn: AsyncConnection, rows: Sequence[Any], themes: list[str]) -> list[StoryView]:
    ids = [row["id"] for row in rows]
    theme_scores: dict[int, dict[str, float]] = defaultdict(dict)
    outlets: dict[int, list[tuple[bool, datetime, int, str]]] = defaultdict(list)
    item_story: dict[int, int] = {}
    url_of = {row["id"]: row["url"] for row in rows}
    for chunk in _chunks(ids):
        result = await conn.execute(
            select(story_themes.c.story_id, story_themes.c.theme, story_themes.c.score).where(
                story_themes.c.story_id.in_(chunk), story_themes.c.theme.in_(themes)
            )
        )
        for sid, theme, score in result:
            theme_scores[sid][theme] = score
        members = await conn.execute(
            select(items.c.story_id, items.c.id, items.c.url, items.c.published_at, sources.c.name)
            .join(sources, sources.c.id == items.c.source_id)
            .where(items.c.story_id.in_(chunk))
        )
        for sid, item_id, url, at, name in members:
            item_story[item_id] = sid
            outlets[sid].append((url != url_of[sid], at, item_id, name))
    hits: dict[int, Counter[str]] = defaultdict(Counter)
    item_ids = sorted(item_story)
    for chunk in _chunks(item_ids):
        found_hits = await conn.execute(
            select(item_themes.c.item_id, item_themes.c.hits).where(
                item_themes.c.item_id.in_(chunk), item_themes.c.theme.in_(themes)
            )
        )
        for item_id, found in found_hits:
            for hit in found or ():
                term = hit[0] if isinstance(hit, list | tuple) else str(hit)
                hits[item_story[item_id]][term] += 1
    views = []
    for row in rows:
        sid = row["id"]
        names: list[str] = []
        for _, _, _, name in sorted(outlets[sid]):  # the representative's outlet first
            if name not in names:
                names.append(name)
        terms = sorted(hits[sid].items(), key=lambda kv: (-kv[1], kv[0]))
        views.append(
            StoryView(
                id=sid,
                headline=row["headline"],
                url=row["url"],
                summary=row["summary"],
                first_seen_at=row["first_seen_at"],
                last_seen_at=row["last_seen_at"],
                source_count=row["source_count"],
                sources=names,
                languages=[lang for lang in (row["languages"] or "").split(",") if lang],
                themes=dict(sorted(theme_scores[sid].items())),
                hits=[term for term, _ in terms],
            )
        )
    return views


async def mark_sent(
    conn: AsyncConnection, chat_id: int, story_ids: Iterable[int], now: datetime
) -> None:
    """Remember that ``chat_id`` received these stories (again is harmless)."""
    rows = [{"chat_id": chat_id, "story_id": sid, "sent_at": now} for sid in sorted(set(story_ids))]
    if rows:
        await conn.execute(insert_ignore(conn, sent_stories, ["chat_id", "story_id"]), rows)


async def theme_counts(
    conn: AsyncConnection, themes: Sequence[str], day_start: datetime, now: datetime
) -> ThemeCounts:
    """Stories first seen per theme today (since ``day_start``) and on each of 7 days before."""
    themes = list(themes)
    start = day_start - timedelta(days=7)
    today = dict.fromkeys(themes, 0)
    daily = {theme: [0] * 7 for theme in themes}
    if themes:
        result = await conn.execute(
            select(story_themes.c.theme, stories.c.first_seen_at)
            .join(stories, stories.c.id == story_themes.c.story_id)
            .where(
                story_themes.c.theme.in_(themes),
                stories.c.first_seen_at >= start,
                stories.c.first_seen_at < now,
            )
        )
        for theme, first_seen in result:
            if first_seen >= day_start:
                today[theme] += 1
            else:
                daily[theme][int((first_seen - start) / timedelta(days=1))] += 1
    first_fetch = (await conn.execute(select(func.min(items.c.fetched_at)))).scalar()
    days_with_data = [
        first_fetch is not None and first_fetch < start + timedelta(days=i + 1) for i in range(7)
    ]
    return ThemeCounts(today, daily, days_with_data)
