"""The bot's command handlers, one module per group of commands, wired by ``register``."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.handlers import (
    channels,
    headlines,
    reading,
    reports,
    settings,
    start,
    themes,
    trend,
    unknown,
    why,
)
from bot.handlers.errors import on_error
from bot.handlers.flood import flood_guard
from bot.keyboards import DONE, TOGGLE, TOPIC
from bot.texts import aliases  # each language's own spellings of the commands

# New messages only: an edited "/stop" must not run again.
_NEW = filters.UpdateType.MESSAGE

COMMANDS = {
    "start": start.start,
    "help": start.help_command,
    "stop": start.stop,
    "themes": themes.themes_command,
    "subscribe": themes.subscribe,
    "unsubscribe": themes.unsubscribe,
    "track": themes.track,
    "untrack": themes.untrack,
    "latest": reading.latest_command,
    "topic": reading.topic_command,
    "brief": reading.brief_command,
    "trend": trend.trend_command,
    "time": settings.time_command,
    "timezone": settings.timezone_command,
    "alerts": settings.alerts_command,
    "quiet": settings.quiet_command,
    "pause": settings.pause_command,
    "resume": settings.resume_command,
    "language": settings.language_command,
    "settings": settings.settings_command,
    "headlines": headlines.headlines_command,
    "why": why.why_command,
    "channel": channels.channel_command,
}
__all__ = ["COMMANDS", "register", "register_fallback"]


def register(application: Application) -> None:  # type: ignore[type-arg]
    """Add every handler to ``application`` (flood control first, unknown commands last)."""
    application.add_handler(TypeHandler(Update, flood_guard), group=-1)
    for name, callback in COMMANDS.items():
        names = [name, *aliases(name)]
        application.add_handler(CommandHandler(names, callback, filters=_NEW))
    application.add_handler(
        CallbackQueryHandler(themes.picker_button, pattern=f"^({TOGGLE}|{DONE}$)"))
    application.add_handler(CallbackQueryHandler(reading.topic_button, pattern=f"^{TOPIC}"))
    application.add_handler(CallbackQueryHandler(start.stop_button, pattern=start.STOP_BUTTONS))
    application.add_handler(
        CallbackQueryHandler(settings.language_button, pattern=settings.LANGUAGE_BUTTONS))
    application.add_handler(CallbackQueryHandler(reports.reports_button, pattern=r"^rp:"))
    application.add_handler(
        ChatMemberHandler(start.my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, start.migrated))
    application.add_error_handler(on_error)


def register_fallback(application: Application) -> None:  # type: ignore[type-arg]
    """Answer unknown commands; call it after every other module registered its commands."""
    # Same group as the commands: it runs only when none of them matched.
    application.add_handler(MessageHandler(filters.COMMAND & _NEW, unknown.unknown_command))
