"""``build_application``: the Telegram bot wired together — store, themes, handlers, jobs."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeDefault,
)
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder

from bot import handlers, owner
from bot.chat_order import ChatOrderedUpdates
from bot.delivery.pacing import SharedPacer
from bot.jobs import schedule_jobs
from bot.state import BotState, Clock, bot_state, install_state, utc_now
from bot.texts import SOURCE, languages, menu, t
from briefings.settings import Settings, SettingsError
from briefings.store.db import open_engine, upgrade
from briefings.themes import ThemeSet, load_themes

log = logging.getLogger("borderbrief.bot")
CONCURRENT_UPDATES = 32
# Whose menu each scope is (bot.texts.AUDIENCES). The default scope is what private chats see;
# in groups Telegram shows administrators their own scope's menu and everyone else the groups'.
MENU_SCOPES: tuple[tuple[BotCommandScope, str], ...] = (
    (BotCommandScopeDefault(), "private"),
    (BotCommandScopeAllGroupChats(), "group"),
    (BotCommandScopeAllChatAdministrators(), "admin"),
)


def file_url_for(api_url: str) -> str:
    """The file-download base URL beside a Bot API base URL (``…/bot`` → ``…/file/bot``)."""
    if api_url.endswith("/bot"):
        return api_url[: -len("/bot")] + "/file/bot"
    return api_url.rstrip("/") + "/file/bot"


def build_application(
    settings: Settings,
    *,
    engine: AsyncEngine | None = None,
    clock: Clock | None = None,
    themes: ThemeSet | None = None,
    jobs: bool = True,
) -> Application:  # type: ignore[type-arg]
    """The bot, ready for ``run_polling``/``run_webhook`` (or initialize/start in tests).

    A given ``engine`` is borrowed (not migrated nor disposed); otherwise one is opened from
    the settings, migrated in ``post_init`` and disposed in ``post_shutdown``. ``clock`` (aware
    UTC now) drives every time-dependent decision so tests control time.
    """
    token = settings.token
    if not token:
        raise SettingsError("BORDERBRIEF_TELEGRAM_TOKEN: not set (get one from @BotFather)")
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_api_url)
        .base_file_url(file_url_for(settings.telegram_api_url))
        # One user's slow update (a getChatMember, a busy store) must not hold up the others;
        # one chat's updates are answered in the order they came.
        .concurrent_updates(ChatOrderedUpdates(CONCURRENT_UPDATES))
        # Replies and the sender's briefs share Telegram's budget; replies go first.
        .rate_limiter(SharedPacer())
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    state = BotState(
        settings=settings,
        engine=engine or open_engine(settings.database_url),
        themes=themes or load_themes(settings.themes),
        clock=clock or utc_now,
        owns_engine=engine is None,
    )
    install_state(application, state)
    handlers.register(application)
    owner.register(application)
    handlers.register_fallback(application)
    if jobs:
        schedule_jobs(application, settings=state.settings, engine=state.engine,
                      clock=state.clock, parsers=state.parsers)
    return application


async def _post_init(application: Application) -> None:  # type: ignore[type-arg]
    state = bot_state(application)
    if state.owns_engine:  # a real run (tests lend a migrated engine and need no endpoint)
        await upgrade(state.engine)
        from bot.http import maybe_start_http_server

        state.http = await maybe_start_http_server(state.settings, state.engine)
    await set_bot_profile(application)


async def _post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
    state = bot_state(application)
    if state.http is not None:
        await state.http.aclose()
    await asyncio.to_thread(state.parsers.shutdown)  # joins the poll's parse workers
    if state.owns_engine:
        await state.engine.dispose()


async def set_bot_profile(application: Application) -> None:  # type: ignore[type-arg]
    """The command menus (private chats, groups, group administrators) and descriptions in
    every UI language (English is the default)."""
    bot = application.bot
    for lang in languages():
        code = None if lang == SOURCE else lang
        try:
            for scope, audience in MENU_SCOPES:
                commands = [BotCommand(command, about) for command, about in menu(lang, audience)]
                await bot.set_my_commands(commands, scope=scope, language_code=code)
            await bot.set_my_description(t(lang, "bot.description"), language_code=code)
            await bot.set_my_short_description(t(lang, "bot.short_description"),
                                               language_code=code)
        except TelegramError as exc:  # the bot still works without its menu
            log.warning("could not set the bot's commands or description: %s", exc)
