"""Choosing themes: the /themes picker and its buttons, /subscribe, /unsubscribe, /track."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from bot.handlers.args import (
    ArgError,
    button_theme,
    parse_track,
    parse_untrack,
    resolve_themes,
)
from bot.handlers.common import Context, Turn, changing, in_place
from bot.handlers.track_hints import track_hints
from bot.keyboards import DONE, TOGGLE, theme_picker
from bot.texts import N_
from briefings import chats as chat_settings
from briefings.store import chats as store
from briefings.themes import ThemesError, parse_custom_theme

BACKFILL_WINDOW = timedelta(days=7)  # how far back a new /track theme is matched at once


async def themes_command(update: Update, context: Context) -> None:
    turn = await Turn.load(update, context)
    if turn.chat is None:  # its buttons would register the chat: /start does that
        await turn.say("not_registered")
        return
    async with turn.state.engine.connect() as conn:
        subscribed = await store.subscribed_themes(conn, turn.chat_id)
    await turn.say("picker_title",
                   keyboard=theme_picker(turn.state.catalogue(), subscribed, turn.lang))


async def picker_button(update: Update, context: Context) -> None:
    """A press on the theme picker: toggle the theme and redraw the keyboard in place."""
    query = update.callback_query
    assert query is not None and query.data is not None
    turn = await Turn.load(update, context)
    if not await turn.may_change():
        return
    if turn.chat is None:  # forgotten (/stop) since the keyboard was sent: a tap never registers
        await query.answer(turn.text("not_registered"), show_alert=True)
        return
    if query.data == DONE:
        async with turn.state.engine.connect() as conn:
            subscribed = await store.subscribed_themes(conn, turn.chat_id)
        await query.answer()
        await in_place(query.edit_message_text(turn.text("picker_closed",
                                                         themes=turn.theme_list(subscribed))))
        return
    ref = button_theme(query.data, TOGGLE, turn.state.catalogue())
    if ref is None:  # a stale keyboard after a reload, or forged data
        await query.answer()
        return
    key = ref.key
    async with turn.state.engine.begin() as conn:
        await turn.ensure_chat(conn)
        now_on = await store.toggle_theme(conn, turn.chat_id, key)
        subscribed = await store.subscribed_themes(conn, turn.chat_id)
    await query.answer(turn.text("toggled_on" if now_on else "toggled_off",
                                 theme=turn.theme_label(key)))
    await in_place(query.edit_message_reply_markup(
        theme_picker(turn.state.catalogue(), subscribed, turn.lang)))


async def subscribe(update: Update, context: Context) -> None:
    await _change_subscriptions(update, context, subscribe=True)


async def unsubscribe(update: Update, context: Context) -> None:
    await _change_subscriptions(update, context, subscribe=False)


async def _change_subscriptions(update: Update, context: Context, *, subscribe: bool) -> None:
    turn = await Turn.load(update, context)
    if not await turn.may_change():
        return
    command = "subscribe" if subscribe else "unsubscribe"
    try:
        keys = resolve_themes(turn.args, turn.state.catalogue(), command, turn.lang)
    except ArgError as error:
        await turn.bad(error)
        return
    async with turn.state.engine.begin() as conn:
        await turn.ensure_chat(conn)
        change = store.subscribe if subscribe else store.unsubscribe
        changed = await change(conn, turn.chat_id, keys)
        now_subscribed = await store.subscribed_themes(conn, turn.chat_id)
    if changed:
        key = N_("subscribed") if subscribe else N_("unsubscribed")
        await turn.say(key, themes=turn.theme_list(changed), all=turn.theme_list(now_subscribed))
    else:
        key = N_("already_subscribed") if subscribe else N_("not_subscribed")
        await turn.say(key, themes=turn.theme_list(keys))


async def track(update: Update, context: Context) -> None:
    """``/track NAME TERM…`` saves the chat's own theme; ``/track`` alone lists them."""
    turn = await Turn.load(update, context)
    if not turn.args:
        await _list_own(turn)
        return
    if not await turn.may_change():
        return
    try:
        name, terms = parse_track(turn.args, turn.state.catalogue())
        theme = parse_custom_theme(name, terms)
    except ArgError as error:
        await turn.bad(error)
        return
    except ThemesError as exc:
        await turn.bad(ArgError("err_track_terms", "track", reason=str(exc)))
        return
    async with turn.state.engine.begin() as conn:
        await turn.ensure_chat(conn)
        try:
            new = await store.track(conn, turn.chat_id, name, terms, now=turn.now,
                                    cap=turn.state.max_own_themes)
        except store.TooManyThemes:
            new = None
        else:  # so /latest finds the recent stories at once, not after the next poll
            await chat_settings.backfill_own_theme(conn, turn.chat_id, theme,
                                           since=turn.now - BACKFILL_WINDOW)
    if new is None:
        await turn.bad(ArgError("err_track_cap", "untrack", cap=turn.state.max_own_themes))
        return
    lines = [turn.text("tracked" if new else "track_updated", name=name, terms=terms)]
    await turn.send("\n".join(lines + _hint_lines(turn, name, terms)))


def _hint_lines(turn: Turn, name: str, terms: str) -> list[str]:
    """Warnings about terms that would flood the chat or split a phrase, with a better form."""
    hints = track_hints(name, terms)
    if not hints:
        return []
    lines = []
    if hints.common:
        lines.append(turn.text("track_common", words=", ".join(hints.common)))
    if hints.phrases:
        lines.append(turn.text("track_phrase", words=", ".join(hints.phrases)))
    return [*lines, turn.text("track_better", command=hints.better)]


async def _list_own(turn: Turn) -> None:
    async with turn.state.engine.connect() as conn:
        own = await store.list_chat_themes(conn, turn.chat_id)
    if not own:
        await turn.say("track_none")
        return
    lines = "\n".join(f"• {theme.name}: {theme.terms}" for theme in own)
    await turn.say("track_list", count=len(own), cap=turn.state.max_own_themes, lines=lines)


async def untrack(update: Update, context: Context) -> None:
    if (got := await changing(update, context, lambda turn: parse_untrack(turn.args))) is None:
        return
    turn, name = got
    async with turn.state.engine.begin() as conn:
        removed = await store.untrack(conn, turn.chat_id, name)
    if not removed:
        await turn.bad(ArgError("err_untrack_unknown", "untrack", value=name))
        return
    await turn.say("untracked", name=name)
