"""What every handler needs: the chat and its language, replies, admin checks, bad arguments."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection
from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.handlers.args import ArgError, without_nul
from bot.state import BotState, bot_state
from bot.texts import Html, bad_arg, language_of, t
from briefings import chats as chat_settings
from briefings.briefs.when import zone_info
from briefings.render.telegram import TelegramRenderer, telegram_face
from briefings.store import chats as store
from briefings.store.chats import Chat

Context = ContextTypes.DEFAULT_TYPE
ADMIN_STATUSES = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
SHOWN_CHARS = 60  # of a bad argument shown back: a 4,000-character one must not overflow
T = TypeVar("T")


async def in_place(edit: Awaitable[object]) -> None:
    """Edit the message a button is on; a second quick press leaving nothing to change is fine."""
    try:
        await edit
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise


def _shortened(values: dict[str, Any]) -> dict[str, Any]:
    """The ``value`` the user typed, cut to ``SHOWN_CHARS``; the other values are ours."""
    typed = values.get("value")
    if isinstance(typed, str) and len(typed) > SHOWN_CHARS:
        return {**values, "value": typed[:SHOWN_CHARS - 1] + "…"}
    return values


async def reply_text(update: Update, context: Context, key: str, **values: Any) -> None:
    """Reply with text ``key`` in the language of the chat (or of the user)."""
    turn = await Turn.load(update, context)
    await turn.say(key, **values)


@dataclass
class Turn:
    """One update being answered: who, where, in which language, and the chat if registered."""

    update: Update
    context: Context
    state: BotState
    chat: Chat | None
    lang: str

    @classmethod
    async def load(cls, update: Update, context: Context) -> Turn:
        state = bot_state(context)
        chat = None
        if update.effective_chat is not None:
            async with state.engine.connect() as conn:
                chat = await store.get_chat(conn, update.effective_chat.id)
        return cls(update, context, state, chat, cls._language(update, state, chat))

    @staticmethod
    def _language(update: Update, state: BotState, chat: Chat | None) -> str:
        if chat is not None:
            return chat.language
        user = update.effective_user
        return language_of(user.language_code if user else None, state.settings.default_language)

    @property
    def chat_id(self) -> int:
        assert self.update.effective_chat is not None
        return self.update.effective_chat.id

    @property
    def is_private(self) -> bool:
        chat = self.update.effective_chat
        return chat is not None and chat.type == ChatType.PRIVATE

    @property
    def now(self) -> datetime:
        return self.state.now()

    @property
    def zone(self) -> tzinfo:
        """The chat's time zone (the configured default for a chat not registered)."""
        return zone_info(self.chat.timezone if self.chat else self.state.settings.default_timezone)

    @property
    def args(self) -> list[str]:
        return without_nul(self.context.args or [])

    def text(self, key: str, **values: Any) -> str:
        return t(self.lang, key, **values)

    async def face(self) -> TelegramRenderer:
        """The face stories are shown through, as in briefs and alerts: each story links to its
        full-coverage page when ``BORDERBRIEF_PUBLIC_URL`` is set, else has a reports button."""
        return await telegram_face(self.state.engine, self.state.settings, now=self.now)

    async def send(self, text: str, *, keyboard: InlineKeyboardMarkup | None = None,
                   preview: bool = False) -> Message | None:
        """Answer in the chat (and forum topic) the update came from."""
        message = self.update.effective_message
        options = None if preview else NO_PREVIEW
        if message is not None and self.update.callback_query is None:
            return await message.reply_text(
                text, parse_mode=ParseMode.HTML, reply_markup=keyboard,
                link_preview_options=options, do_quote=False,
            )
        if self.update.effective_chat is None:
            return None
        return await self.context.bot.send_message(
            self.chat_id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard,
            link_preview_options=options,
            message_thread_id=self.chat.thread_id if self.chat else None,
        )

    async def say(self, key: str, *, keyboard: InlineKeyboardMarkup | None = None,
                  **values: Any) -> Message | None:
        return await self.send(self.text(key, **values), keyboard=keyboard)

    async def send_parts(self, parts: list[str]) -> None:
        for part in parts:
            await self.send(part)

    async def bad(self, error: ArgError) -> None:
        """The one-line reply to a bad argument (what the user typed shown shortened)."""
        values = _shortened(error.values)
        await self.send(bad_arg(self.lang, error.problem, error.command, **values))

    async def is_admin(self) -> bool:
        """Whether the sender may change this chat's settings (always, in a private chat)."""
        chat = self.update.effective_chat
        if chat is None or chat.type == ChatType.PRIVATE:
            return True
        message = self.update.message
        # Anonymous administrators post as the group itself (user GroupAnonymousBot).
        if message is not None and message.sender_chat is not None:
            return message.sender_chat.id == chat.id
        user = self.update.effective_user
        if user is None:
            return False
        member = await self.context.bot.get_chat_member(chat.id, user.id)
        return member.status in ADMIN_STATUSES

    async def may_change(self) -> bool:
        """True if the sender may change settings; otherwise tells them politely."""
        if await self.is_admin():
            return True
        query = self.update.callback_query
        if query is not None:
            await query.answer(self.text("admins_only"), show_alert=True)
        else:
            await self.say("admins_only")
        return False

    async def ensure_chat(self, conn: AsyncConnection, *, thread_id: int | None = None) -> Chat:
        """The registered chat, registering it with the configured defaults if it is new.

        A chat that delivery deactivated (blocked, no rights to post, not found) is reactivated:
        a command from it shows the bot can talk there again.
        """
        if self.chat is not None and thread_id is None:
            found = await store.get_chat(conn, self.chat_id)
            if found is not None and found.active:
                return found
        tg_chat = self.update.effective_chat
        assert tg_chat is not None
        settings = self.state.settings
        chat, _ = await chat_settings.register_chat(
            conn,
            chat_id=tg_chat.id,
            chat_type=tg_chat.type,
            language=self.lang,
            timezone=settings.default_timezone,
            brief_time=settings.default_brief_time,
            themes=self.state.themes.names(),
            now=self.now,
            title=tg_chat.title or tg_chat.full_name,
            username=tg_chat.username,
            thread_id=thread_id,
        )
        self.chat = chat
        return chat

    def theme_label(self, key: str) -> str:
        """A theme's display name in this chat's language (own themes by their name)."""
        return self.state.catalogue().label(key, self.lang)

    def theme_list(self, keys: list[str]) -> str:
        return ", ".join(self.theme_label(k) for k in keys) or self.text("none")

    async def when(self, chat: Chat) -> Html:
        """The next brief in words ("the next one tomorrow at 08:00"), or why none will come."""
        if chat.paused:
            return Html(self.text("next_paused"))
        async with self.state.engine.connect() as conn:
            themes = await store.theme_keys(conn, chat.id)
        if not themes:
            return Html(self.text("next_no_themes"))
        if not chat.active or chat.next_brief_at is None:
            return Html(self.text("next_inactive"))
        return Html(self.text("next_brief", when=Html(
            next_brief_words(self.lang, chat.next_brief_at, self.now, chat.timezone))))


async def changing(update: Update, context: Context, parse: Callable[[Turn], T]
                   ) -> tuple[Turn, T] | None:
    """The turn and what ``parse`` makes of its arguments, when the sender may change this
    chat's settings and the arguments are good; else None, the sender told why."""
    turn = await Turn.load(update, context)
    if not await turn.may_change():
        return None
    try:
        return turn, parse(turn)
    except ArgError as error:
        await turn.bad(error)
        return None


def no_args(command: str) -> Callable[[Turn], None]:
    """A ``parse`` for a command that takes no arguments."""
    def parse(turn: Turn) -> None:
        if turn.args:
            raise ArgError("err_too_many_args", command)
    return parse


def next_brief_words(lang: str, next_at: datetime, now: datetime, tz: str) -> str:
    """``today at 08:00`` / ``tomorrow at 08:00`` / ``on 2026-11-27 at 08:00`` in ``tz``."""
    zone = zone_info(tz)
    local, today = next_at.astimezone(zone), now.astimezone(zone).date()
    hhmm = local.strftime("%H:%M")
    if local.date() == today:
        return t(lang, "next_today", time=hhmm)
    if local.date() == today + timedelta(days=1):
        return t(lang, "next_tomorrow", time=hhmm)
    return t(lang, "next_on", date=local.date().isoformat(), time=hhmm)
