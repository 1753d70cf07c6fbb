"""A chat's settings: /time, /timezone, /alerts, /quiet, /pause, /resume, /language, /settings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from babel import Locale, UnknownLocaleError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.handlers import args as parse
from bot.handlers import headlines
from bot.handlers.common import Context, Turn, changing, in_place, no_args
from bot.texts import N_, Html, OneOf
from briefings import chats as chat_settings
from briefings import i18n
from briefings.store import chats as store
from briefings.store.chats import Chat

LANGUAGE = "ln:"  # ln:<code>  a button of the /language keyboard
LANGUAGE_BUTTONS = rf"^{LANGUAGE}"


async def _changing(update: Update, context: Context) -> Turn | None:
    """The turn, if the sender may change this chat's settings."""
    turn = await Turn.load(update, context)
    return turn if await turn.may_change() else None


async def _apply(turn: Turn, change: Callable[..., Awaitable[Chat]], **kwargs: object) -> Chat:
    """Register the chat if needed, then apply one store change, in one transaction."""
    async with turn.state.engine.begin() as conn:
        await turn.ensure_chat(conn)
        chat = await change(conn, turn.chat_id, **kwargs)
    turn.chat = chat
    return chat


def _current(turn: Turn, attribute: str, default: str) -> str:
    return str(getattr(turn.chat, attribute)) if turn.chat else default


def _brief_time(turn: Turn) -> str:
    return parse.parse_brief_time(
        turn.args, _current(turn, "brief_time", turn.state.settings.default_brief_time))


def _timezone(turn: Turn) -> str:
    return parse.parse_tz(turn.args,
                          _current(turn, "timezone", turn.state.settings.default_timezone))


async def _set_schedule(turn: Turn, said: str, **change: str) -> None:
    """Change the brief's time or zone, then say so with the next brief's time."""
    chat = await _apply(turn, chat_settings.set_schedule, now=turn.now, **change)
    await turn.say(said, time=chat.brief_time, tz=chat.timezone, next=await turn.when(chat))


async def time_command(update: Update, context: Context) -> None:
    if (got := await changing(update, context, _brief_time)) is not None:
        turn, brief_time = got
        await _set_schedule(turn, N_("time_set"), brief_time=brief_time)


async def timezone_command(update: Update, context: Context) -> None:
    if (got := await changing(update, context, _timezone)) is not None:
        turn, tz = got
        await _set_schedule(turn, N_("timezone_set"), timezone=tz)


async def alerts_command(update: Update, context: Context) -> None:
    got = await changing(update, context, lambda turn: parse.parse_on_off(turn.args, "alerts"))
    if got is None:
        return
    turn, on = got
    chat = await _apply(turn, store.update_chat, alerts=on)
    if on and chat.paused:  # paused chats get no alerts either
        await turn.say("alerts_on_paused")
    elif on:
        await turn.say("alerts_on", per_hour=turn.state.settings.alerts_per_hour)
    else:
        await turn.say("alerts_off")


async def quiet_command(update: Update, context: Context) -> None:
    if (got := await changing(update, context, lambda turn: parse.parse_quiet(turn.args))) is None:
        return
    turn, quiet = got
    chat = await _apply(turn, store.set_quiet, quiet=quiet)
    if quiet is None:
        await turn.say("quiet_off")
    else:
        await turn.say("quiet_set", start=quiet[0], end=quiet[1], tz=chat.timezone)


async def pause_command(update: Update, context: Context) -> None:
    if (got := await changing(update, context, no_args("pause"))) is None:
        return
    turn, _ = got
    was_paused = bool(turn.chat and turn.chat.paused)
    await _apply(turn, chat_settings.set_paused, paused=True, now=turn.now)
    await turn.say("already_paused" if was_paused else "paused")


async def resume_command(update: Update, context: Context) -> None:
    if (got := await changing(update, context, no_args("resume"))) is None:
        return
    turn, _ = got
    chat = await _apply(turn, chat_settings.set_paused, paused=False, now=turn.now)
    await turn.say("resumed", next=await turn.when(chat))


def _language(turn: Turn) -> str | None:
    return parse.parse_language(turn.args) if turn.args else None  # None: the keyboard


async def language_command(update: Update, context: Context) -> None:
    if (got := await changing(update, context, _language)) is None:
        return
    turn, language = got
    if language is None:
        await turn.say("language_choices", choices=OneOf(i18n.languages()),
                       keyboard=_language_keyboard())
        return
    await _apply(turn, store.update_chat, language=language)
    turn.lang = language
    await turn.say("language_set")


def _language_keyboard() -> InlineKeyboardMarkup:
    """One button per language, named in that language."""
    buttons = [InlineKeyboardButton(_own_name(lang), callback_data=LANGUAGE + lang)
               for lang in i18n.languages()]
    return InlineKeyboardMarkup([buttons[i:i + 3] for i in range(0, len(buttons), 3)])


def _own_name(lang: str) -> str:
    try:
        name = Locale.parse(lang).get_display_name(lang) or lang
    except (UnknownLocaleError, ValueError):
        return lang
    return name[:1].upper() + name[1:]


async def language_button(update: Update, context: Context) -> None:
    """A press on the /language keyboard: speak that language here."""
    query = update.callback_query
    assert query is not None and query.data is not None
    turn = await _changing(update, context)
    if turn is None:
        return
    language = query.data.removeprefix(LANGUAGE)
    if language not in i18n.languages():  # a stale keyboard, or forged data
        await query.answer()
        return
    if turn.chat is None:  # forgotten (/stop) since the keyboard was sent: a tap never registers
        await query.answer(turn.text("not_registered"), show_alert=True)
        return
    async with turn.state.engine.begin() as conn:
        await store.update_chat(conn, turn.chat_id, language=language)
    turn.lang = language
    await query.answer()
    await in_place(query.edit_message_text(turn.text("language_set")))


async def settings_command(update: Update, context: Context) -> None:
    """Everything about this chat at a glance (anyone may look)."""
    turn = await Turn.load(update, context)
    if turn.chat is None:
        await turn.say("not_registered")
        return
    chat = turn.chat
    async with turn.state.engine.connect() as conn:
        subscribed = await store.subscribed_themes(conn, chat.id)
        own = await store.list_chat_themes(conn, chat.id)
    brief_key = N_("settings_brief_paused") if chat.paused else N_("settings_brief_on")
    brief = turn.text(brief_key, time=chat.brief_time, next=await turn.when(chat))
    quiet = f"{chat.quiet[0]}–{chat.quiet[1]}" if chat.quiet else turn.text("none")
    await turn.say(
        "settings",
        themes=turn.theme_list(subscribed),
        own=", ".join(theme.name for theme in own) or turn.text("none"),
        brief=Html(brief),
        tz=chat.timezone,
        alerts=turn.text(_alerts_key(chat)),
        quiet=quiet,
        headlines=headlines.describe(turn.lang, chat.headlines),
    )


def _alerts_key(chat: Chat) -> str:
    if not chat.alerts:
        return N_("off")
    return N_("alerts_paused") if chat.paused else N_("on")
