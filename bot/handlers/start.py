"""/start, /help, /stop, and the bot being added to or removed from a chat."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType

from bot.handlers.common import Context, Turn, in_place
from bot.keyboards import theme_picker
from bot.state import bot_state
from bot.texts import N_, language_of, t
from briefings import chats as chat_settings
from briefings.store import chats as store

_PRESENT = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER,
            ChatMemberStatus.RESTRICTED)
_GONE = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)
_CAN_POST = (ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR)
STOP_YES, STOP_NO = "st:y", "st:n"  # the answers to /stop's question
STOP_BUTTONS = rf"^({STOP_YES}|{STOP_NO})$"


async def start(update: Update, context: Context) -> None:
    """Register the chat (defaults from settings), greet, and show the theme picker."""
    turn = await Turn.load(update, context)
    message = update.effective_message
    known = turn.chat is not None
    if known and not turn.is_private and not await turn.is_admin():
        # Anyone may say hello; only administrators move the group's brief to their topic.
        await turn.say("help")
        return
    thread_id = message.message_thread_id if message and message.is_topic_message else None
    async with turn.state.engine.begin() as conn:
        chat = await turn.ensure_chat(conn, thread_id=thread_id)
        subscribed = await store.subscribed_themes(conn, chat.id)
    user = update.effective_user
    name = user.first_name if user and turn.is_private else (chat.title or "")
    key = N_("welcome_back") if known else N_("welcome")
    await turn.say(key, name=name, time=chat.brief_time, tz=chat.timezone)
    await turn.say("picker_title",
                   keyboard=theme_picker(turn.state.catalogue(), subscribed, turn.lang))


async def help_command(update: Update, context: Context) -> None:
    turn = await Turn.load(update, context)
    await turn.say("help")


async def stop(update: Update, context: Context) -> None:
    """Ask before forgetting the chat and everything kept for it."""
    turn = await Turn.load(update, context)
    if not await turn.may_change():
        return
    if turn.chat is None:
        await turn.say("stop_unknown")
        return
    keyboard = InlineKeyboardMarkup([[
        InlineKeyboardButton(turn.text("stop_yes"), callback_data=STOP_YES),
        InlineKeyboardButton(turn.text("stop_no"), callback_data=STOP_NO),
    ]])
    await turn.say("stop_confirm", keyboard=keyboard)


async def stop_button(update: Update, context: Context) -> None:
    """The answer to /stop's question: forget the chat, or keep it."""
    query = update.callback_query
    assert query is not None
    turn = await Turn.load(update, context)
    if not await turn.may_change():
        return
    await query.answer()
    if query.data != STOP_YES:
        kept = N_("stop_kept") if turn.chat is not None else N_("stop_unknown")
        await in_place(query.edit_message_text(turn.text(kept)))
        return
    async with turn.state.engine.begin() as conn:
        forgotten = await store.forget_chat(conn, turn.chat_id)
    await in_place(query.edit_message_text(turn.text("stopped" if forgotten else "stop_unknown")))


async def my_chat_member(update: Update, context: Context) -> None:
    """The bot joined or left a chat: greet a group, forget a chat it was removed from."""
    change = update.my_chat_member
    if change is None:
        return
    state = bot_state(context)
    chat = change.chat
    old, new = change.old_chat_member.status, change.new_chat_member.status
    joined = new in _PRESENT and old not in _PRESENT
    left = new in _GONE and old not in _GONE
    if left and chat.type != ChatType.PRIVATE:
        async with state.engine.begin() as conn:
            await store.forget_chat(conn, chat.id)
        return
    if left:  # a user blocked the bot: keep their settings in case they come back
        async with state.engine.begin() as conn:
            if await store.get_chat(conn, chat.id) is not None:
                await store.update_chat(conn, chat.id, active=False,
                                        deactivated_reason="blocked by the user")
        return
    if joined and chat.type == ChatType.PRIVATE:  # unblocked: the brief may resume
        async with state.engine.begin() as conn:
            await chat_settings.reactivate(conn, chat.id, now=state.now())
        return
    if new in _CAN_POST and chat.type != ChatType.PRIVATE:
        # Made a member or administrator again (rights fixed): a chat that delivery deactivated
        # ("not enough rights to send text") receives again.
        async with state.engine.begin() as conn:
            await chat_settings.reactivate(conn, chat.id, now=state.now())
    if joined and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        await _greet_group(update, context)


async def _greet_group(update: Update, context: Context) -> None:
    turn = await Turn.load(update, context)
    if turn.chat is None:
        user = update.effective_user
        turn.lang = language_of(user.language_code if user else None,
                                turn.state.settings.default_language)
    async with turn.state.engine.begin() as conn:
        chat = await turn.ensure_chat(conn)
    title = update.effective_chat.title if update.effective_chat else ""
    await context.bot.send_message(
        chat.id, t(turn.lang, "group_hello", title=title or "", time=chat.brief_time,
                   tz=chat.timezone), parse_mode="HTML",
    )


async def migrated(update: Update, context: Context) -> None:
    """A group became a supergroup (new id): its settings and themes move with it."""
    from briefings.store.chat_moves import migrate_chat

    message = update.effective_message
    if message is None or not message.migrate_to_chat_id:
        return
    async with bot_state(context).engine.begin() as conn:
        if await store.get_chat(conn, message.chat.id) is not None:
            await migrate_chat(conn, message.chat.id, message.migrate_to_chat_id)
