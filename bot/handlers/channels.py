"""/channel add|list|themes|time|remove: a channel's brief, set up in a private chat with the bot.

The subcommands are also spelled in each language (``/canal añadir``): message words.channel_*.

Adding checks with getChatMember that the user administers the channel and that the bot is an
administrator there too (so it can post). Every later change checks again that the user is still
an administrator: a former administrator loses control of the channel's brief.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import ChatFullInfo, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden

from bot.handlers.args import (
    ArgError,
    join_half_of_day,
    parse_brief_time,
    parse_channel_ref,
    parse_tz,
    resolve_themes,
)
from bot.handlers.common import ADMIN_STATUSES, Context, Turn
from briefings import chats as chat_settings
from briefings import i18n
from briefings.store import channels as channel_store
from briefings.store import chats as store
from briefings.store.chats import Chat


async def channel_command(update: Update, context: Context) -> None:
    turn = await Turn.load(update, context)
    if not turn.is_private:
        await turn.say("channel_private_only")
        return
    action, rest = (turn.args[0].lower(), turn.args[1:]) if turn.args else ("", [])
    handler = _action(action)
    try:
        if handler is None:
            raise ArgError("err_channel_usage", "channel")
        await handler(turn, rest)
    except ArgError as error:
        await turn.bad(error)


async def _add(turn: Turn, rest: list[str]) -> None:
    if len(rest) != 1:
        raise ArgError("err_channel_ref", "channel")
    found = await _verified_channel(turn, rest[0])
    if found is None:
        return
    tg_chat, ref = found
    settings = turn.state.settings
    # The channel starts with the private chat's time, zone and language.
    source = turn.chat
    async with turn.state.engine.begin() as conn:
        chat, _ = await chat_settings.register_chat(
            conn,
            chat_id=tg_chat.id,
            chat_type=ChatType.CHANNEL,
            language=turn.lang,
            timezone=source.timezone if source else settings.default_timezone,
            brief_time=source.brief_time if source else settings.default_brief_time,
            themes=turn.state.themes.names(),
            now=turn.now,
            title=tg_chat.title,
            username=tg_chat.username,
        )
        await channel_store.set_channel_owner(conn, chat.id, _user_id(turn), now=turn.now)
        themes = await store.subscribed_themes(conn, chat.id)
    await turn.say("channel_added", title=_title(chat), time=chat.brief_time, tz=chat.timezone,
                   themes=turn.theme_list(themes), ref=ref)


async def _themes(turn: Turn, rest: list[str]) -> None:
    if not rest:
        raise ArgError("err_channel_ref", "channel_themes")
    keys = resolve_themes(rest[1:], turn.state.catalogue(), "channel_themes", turn.lang)
    chat = await _own_channel(turn, rest[0])
    if chat is None:
        return
    async with turn.state.engine.begin() as conn:
        await store.set_subscriptions(conn, chat.id, keys)
    await turn.say("channel_themes_set", title=_title(chat), themes=turn.theme_list(keys))


async def _time(turn: Turn, rest: list[str]) -> None:
    """``/channel time @name HH:MM [Area/City|UTC±N]``: when the channel's brief arrives."""
    if len(rest) < 2:
        raise ArgError("err_channel_time", "channel_time")
    parse_channel_ref(rest[0])
    when = join_half_of_day(rest[1:])  # "7 pm" is one time
    try:
        brief_time = parse_brief_time(when[:1], "")
        timezone = parse_tz(when[1:], "") if when[1:] else None
    except ArgError as error:  # show the /channel time example, not /time's
        raise ArgError(error.problem, "channel_time", **error.values) from None
    chat = await _own_channel(turn, rest[0])
    if chat is None:
        return
    async with turn.state.engine.begin() as conn:
        chat = await chat_settings.set_schedule(conn, chat.id, now=turn.now,
                                                brief_time=brief_time, timezone=timezone)
    await turn.say("channel_time_set", title=_title(chat), time=chat.brief_time,
                   tz=chat.timezone, next=await turn.when(chat))


async def _remove(turn: Turn, rest: list[str]) -> None:
    if len(rest) != 1:
        raise ArgError("err_channel_ref", "channel")
    chat = await _own_channel(turn, rest[0])
    if chat is None:
        return
    async with turn.state.engine.begin() as conn:
        await store.forget_chat(conn, chat.id)
    await turn.say("channel_removed", title=_title(chat))


async def _list(turn: Turn, rest: list[str]) -> None:
    async with turn.state.engine.connect() as conn:
        mine = await channel_store.channels_of(conn, _user_id(turn))
        lines = []
        for chat in mine:
            themes = turn.theme_list(await store.subscribed_themes(conn, chat.id))
            lines.append(f"• {_title(chat)} — {chat.brief_time} ({chat.timezone}): {themes}")
    if not mine:
        await turn.say("channel_list_empty")
        return
    await turn.say("channel_list", lines="\n".join(lines))


_ACTIONS = {"add": _add, "list": _list, "themes": _themes, "time": _time, "remove": _remove}


def _action(word: str) -> Callable[[Turn, list[str]], Awaitable[None]] | None:
    """The subcommand ``word`` names, in any language (``lista`` is ``list``)."""
    for name, action in _ACTIONS.items():
        if word == name or word in i18n.words(f"words.channel_{name}"):
            return action
    return None


def _user_id(turn: Turn) -> int:
    assert turn.update.effective_user is not None
    return turn.update.effective_user.id


def _title(chat: Chat) -> str:
    return chat.title or (f"@{chat.username}" if chat.username else str(chat.id))


async def _lookup(turn: Turn, text: str) -> tuple[ChatFullInfo, str] | None:
    ref = parse_channel_ref(text)
    try:
        tg_chat = await turn.context.bot.get_chat(ref)
    except (BadRequest, Forbidden):
        await turn.say("channel_not_found", ref=text)
        return None
    if tg_chat.type != ChatType.CHANNEL:
        await turn.say("channel_not_channel", ref=text)
        return None
    return tg_chat, text


async def _is_admin(turn: Turn, chat_id: int, user_id: int) -> bool:
    try:
        member = await turn.context.bot.get_chat_member(chat_id, user_id)
    except (BadRequest, Forbidden):
        return False
    return member.status in ADMIN_STATUSES


async def _verified_channel(turn: Turn, text: str) -> tuple[ChatFullInfo, str] | None:
    """The channel, if the user and the bot both administer it (else the user is told why)."""
    found = await _lookup(turn, text)
    if found is None:
        return None
    tg_chat, ref = found
    if not await _is_admin(turn, tg_chat.id, _user_id(turn)):
        await turn.say("channel_user_not_admin", ref=ref)
        return None
    if not await _is_admin(turn, tg_chat.id, turn.context.bot.id):
        await turn.say("channel_bot_not_admin", ref=ref)
        return None
    return found


async def _own_channel(turn: Turn, text: str) -> Chat | None:
    """A registered channel the user administers now (asked of Telegram every time).

    Having registered the channel is not enough: an administrator who was demoted or left
    must not keep changing, or removing, its brief.
    """
    ref = parse_channel_ref(text)
    async with turn.state.engine.connect() as conn:
        mine = await channel_store.channels_of(conn, _user_id(turn))
    wanted = ref.lstrip("@").lower() if isinstance(ref, str) else ref
    registered = next((chat for chat in mine
                       if chat.id == wanted or (chat.username or "").lower() == wanted), None)
    if registered is None:  # another administrator of the channel may manage it too
        found = await _lookup(turn, text)
        if found is None:
            return None
        async with turn.state.engine.connect() as conn:
            registered = await store.get_chat(conn, found[0].id)
        if registered is None or registered.type != ChatType.CHANNEL:
            await turn.say("channel_unknown", ref=text)
            return None
    if not await _is_admin(turn, registered.id, _user_id(turn)):
        await turn.say("channel_user_not_admin", ref=text)
        return None
    return registered
