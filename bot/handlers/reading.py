"""Reading: /latest, /topic (and its keyboard), /brief. Anyone in a chat may read."""

from __future__ import annotations

from telegram import Update

from bot.handlers.args import MAX_LATEST, ArgError, button_theme, parse_latest, split_topic
from bot.handlers.common import Context, Turn
from bot.keyboards import TOPIC, part_keyboard, topic_picker
from briefings.briefs.compose import compose_brief, latest
from briefings.briefs.content import READER
from briefings.briefs.plan import BRIEF_WINDOW
from briefings.model import ThemeRef
from briefings.store import chats as store
from briefings.themes.catalogue import ThemeCatalogue


async def _chat_theme_keys(turn: Turn) -> list[str]:
    if turn.chat is None:  # not registered: read as a new chat would
        return turn.state.themes.names()
    async with turn.state.engine.connect() as conn:
        return await store.theme_keys(conn, turn.chat_id)


async def _send_stories(turn: Turn, keys: list[str], count: int, title: str) -> None:
    async with turn.state.engine.connect() as conn:
        stories = await latest(conn, themes=keys, now=turn.now, limit=count,
                               chat_id=turn.chat_id)
    if not stories:
        await turn.say("nothing_yet")
        return
    preference = turn.chat.headlines if turn.chat else READER
    face = await turn.face()
    for part in face.stories_parts(stories, language=turn.lang, title=title, tz=turn.zone,
                                   preference=preference):
        await turn.send(part.text, keyboard=part_keyboard(part.buttons))


async def latest_command(update: Update, context: Context) -> None:
    turn = await Turn.load(update, context)
    try:
        count, capped = parse_latest(turn.args)
    except ArgError as error:
        await turn.bad(error)
        return
    keys = await _chat_theme_keys(turn)
    if not keys:
        await turn.say("no_themes_chosen")
        return
    if capped:
        await turn.say("latest_capped", max=MAX_LATEST)
    await _send_stories(turn, keys, count, turn.text("latest_title"))


async def topic_command(update: Update, context: Context) -> None:
    turn = await Turn.load(update, context)
    async with turn.state.engine.connect() as conn:
        own = await store.list_chat_themes(conn, turn.chat_id)
    if not turn.args:
        await turn.say("topic_pick", keyboard=topic_picker(
            turn.state.catalogue(theme.ref for theme in own), turn.lang))
        return
    try:
        text, count = split_topic(turn.args)
        key = _resolve_topic(turn, text, own)
    except ArgError as error:
        await turn.bad(error)
        return
    await _send_stories(turn, [key], count,
                        turn.text("topic_title", theme=turn.theme_label(key)))


def _resolve_topic(turn: Turn, text: str, own: list[store.ChatTheme]) -> str:
    theme = turn.state.themes.get(text)
    if theme is not None:
        return theme.name
    for mine in own:
        if mine.name == text.lower():
            return mine.key
    valid = ", ".join([t.display(turn.lang) for t in turn.state.themes] + [t.name for t in own])
    raise ArgError("err_unknown_theme", "topic", value=text, valid=valid)


async def topic_button(update: Update, context: Context) -> None:
    """A press on the /topic keyboard: the latest stories of that theme."""
    query = update.callback_query
    assert query is not None and query.data is not None
    turn = await Turn.load(update, context)
    await query.answer()
    own: list[ThemeRef] = []
    if ThemeRef.parse(query.data.removeprefix(TOPIC)).chat == turn.chat_id:
        async with turn.state.engine.connect() as conn:
            own = [theme.ref for theme in await store.list_chat_themes(conn, turn.chat_id)]
    # Another chat's own theme is unknown here: not ours to read.
    ref = button_theme(query.data, TOPIC, turn.state.catalogue(own))
    if ref is None:  # a stale keyboard after a themes reload, or forged data
        return
    await _send_stories(turn, [ref.key], 5,
                        turn.text("topic_title", theme=turn.theme_label(ref.key)))


async def brief_command(update: Update, context: Context) -> None:
    """The brief now, as the daily one would read (it does not count as sent)."""
    turn = await Turn.load(update, context)
    keys = await _chat_theme_keys(turn)
    if not keys:
        await turn.say("no_themes_chosen")
        return
    now = turn.now
    last = turn.chat.last_brief_at if turn.chat else None
    since = last or now - BRIEF_WINDOW  # a chat that never had a brief: the last 24 hours
    async with turn.state.engine.connect() as conn:
        brief = await compose_brief(conn, themes=keys, since=since, now=now,
                                    language=turn.lang, chat_id=turn.chat_id,
                                    catalogue=ThemeCatalogue(turn.state.themes),
                                    headlines=turn.chat.headlines if turn.chat else READER)
    parts = (await turn.face()).brief_parts(brief, tz=turn.zone)
    if not parts:  # a new chat has no "last brief" to count from
        await turn.say("nothing_new" if last else "nothing_new_day")
        return
    for part in parts:
        await turn.send(part.text, keyboard=part_keyboard(part.buttons))
