"""What a story shows, worked out from its members: pure functions of the filer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from briefings.model import StoryMember, StoryRecord, ThemeMatch


def best_per_theme(found: Iterable[ThemeMatch]) -> dict[str, ThemeMatch]:
    """An item's best match for each theme."""
    best: dict[str, ThemeMatch] = {}
    for match in found:
        if match.theme not in best or match.score > best[match.theme].score:
            best[match.theme] = match
    return best


def story_record(
    members: list[StoryMember], weights: Mapping[int, float], signature: object
) -> StoryRecord:
    """A story's values from its members: the representative is the heaviest, then earliest."""
    ordered = sorted(members, key=lambda m: (-weights.get(m.source_id, 1.0), m.at, m.item_id))
    rep = next((m for m in ordered if m.title.strip()), ordered[0])
    summary = rep.summary or next((m.summary for m in ordered if m.summary), "")
    return StoryRecord(
        headline=rep.title.strip() or summary[:120] or "(untitled)",
        url=rep.url,
        summary=summary,
        first_seen_at=min(m.at for m in members),
        last_seen_at=max(m.at for m in members),
        source_count=len({m.source_id for m in members}),
        languages=",".join(sorted({m.language for m in members if m.language})),
        signature=signature,
    )


def theme_scores(
    members: Mapping[int, list[StoryMember]], best: Mapping[int, Mapping[str, ThemeMatch]]
) -> dict[tuple[int, str], float]:
    """Each story's score per theme: the best score of any of its members."""
    scores: dict[tuple[int, str], float] = {}
    for sid, ms in members.items():
        for m in ms:
            for theme, match in best.get(m.item_id, {}).items():
                key = (sid, theme)
                scores[key] = max(scores.get(key, match.score), match.score)
    return scores
