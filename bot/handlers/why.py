"""/why (/porque): why a story reached this chat — its themes and the terms they matched.

Alerts carry no matcher detail; a reader who wonders replies ``/why`` to the alert, or writes
``/why`` and words of the headline (a link or a story number works too). Only stories on the
chat's own themes are explained, through those themes alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import timedelta

from telegram import Message, Update

from bot.handlers.common import Context, Turn
from briefings.render.parts import story_of_action
from briefings.render.telegram import TELEGRAM
from briefings.store import chats as store
from briefings.store.stories import StoryView, recent_stories, stories_by_id
from briefings.stories.facts import with_facts

WINDOW = timedelta(days=7)  # how far back /why looks for a story by its words or link
_URL = re.compile(r"https?://\S+")


def _folded(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in plain if not unicodedata.combining(c))


def story_ids_in(message: Message) -> list[int]:
    """The stories a bot message names through its "all reports" buttons."""
    markup = message.reply_markup
    rows = markup.inline_keyboard if markup is not None else ()
    found = [story_of_action(button.callback_data) for row in rows for button in row
             if isinstance(button.callback_data, str)]
    return [story_id for story_id in found if story_id is not None]


def links_in(message: Message) -> list[str]:
    """Every link of a message: its text links (a headline) and the addresses in its text."""
    linked = [entity.url for entity in message.entities or () if entity.url]
    return linked + _URL.findall(message.text or "")


def matching(stories: Sequence[StoryView], *, links: Sequence[str] = (),
             words: str = "") -> StoryView | None:
    """The newest story one of whose reports is at one of ``links``, or whose headlines hold
    every word of ``words`` (accents and case aside)."""
    wanted = set(links)
    needles = _folded(words).split()
    for story in stories:  # newest first
        urls = {story.url, *(report.url for report in story.reports)}
        if wanted & urls:
            return story
        titles = _folded(" ".join([story.headline, *(r.title for r in story.reports)]))
        if needles and all(needle in titles for needle in needles):
            return story
    return None


async def _find(turn: Turn, keys: list[str]) -> StoryView | None:
    message = turn.update.effective_message
    reply = message.reply_to_message if message is not None else None
    ids = story_ids_in(reply) if reply is not None else []
    text = " ".join(turn.args)
    if not ids and text.isascii() and text.isdigit() and len(text) <= 18:  # a story id fits int64
        ids = [int(text)]
    async with turn.state.engine.connect() as conn:
        if ids:
            found = await stories_by_id(conn, ids[:1], keys)
            story = found.get(ids[0])
            return story if story is not None and story.themes else None  # not on its themes
        recent = await recent_stories(conn, themes=keys, since=turn.now - WINDOW)
    links = links_in(reply) if reply is not None else _URL.findall(text)
    return matching(recent, links=links, words="" if links or reply else text)


async def why_command(update: Update, context: Context) -> None:
    turn = await Turn.load(update, context)
    message = turn.update.effective_message
    if not turn.args and (message is None or message.reply_to_message is None):
        await turn.say("why_how")
        return
    if turn.chat is None:
        keys = turn.state.themes.names()
    else:
        async with turn.state.engine.connect() as conn:
            keys = await store.theme_keys(conn, turn.chat_id)
    story = await _find(turn, keys) if keys else None
    if story is None:
        await turn.say("why_not_found")
        return
    (known,) = with_facts([story])
    themes = [turn.theme_label(key) for key in sorted(story.themes, key=lambda k: -story.themes[k])]
    await turn.send(TELEGRAM.why(known, language=turn.lang, themes=themes, terms=story.hits))
