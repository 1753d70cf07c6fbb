"""Owner commands: /stats, /sources, /addsource, /removesource, /reload, /broadcast (whose
confirmation step is in ``bot.broadcast``).

Owners are the user ids in ``BORDERBRIEF_OWNER_IDS``, and only in a private chat with the bot:
in a group, an owner's /stats would show the numbers to everyone there. Anyone else gets the
same polite refusal, which says nothing about the bot's other chats.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.constants import ChatType, ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.broadcast import PATTERN as BROADCAST_BUTTONS
from bot.broadcast import broadcast, broadcast_button
from bot.handlers.args import without_nul
from bot.logs import log_event
from bot.state import BotState, bot_state
from bot.texts import language_of, t
from briefings.sources import admin, source_files
from briefings.store import stats as store_stats

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
Handler = Callable[[Update, Context, BotState, list[str]], Awaitable[str]]
LIMIT = 4000  # characters per reply part, under Telegram's 4096

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
PRIVATE_ONLY = "Owner commands work only in a private chat with the bot."


def is_owner(state: BotState, update: Update) -> bool:
    user = update.effective_user
    return user is not None and user.id in state.settings.owner_ids


def _owner_command(handler: Handler) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
    """Wrap a handler: refuse non-owners and groups, log the use, reply in parts."""

    async def run(update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None:
            return
        state = bot_state(context)
        user = update.effective_user
        if not is_owner(state, update):
            lang = language_of(user.language_code if user else None)
            await message.reply_text(t(lang, "owner_only"), do_quote=False)
            return
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            await message.reply_text(PRIVATE_ONLY, do_quote=False)
            return
        log_event(log, "owner_command", command=handler.__name__.lstrip("_"),
                  user=user.id if user else None)
        try:
            reply = await handler(update, context, state, without_nul(context.args or []))
        except admin.AdminError as exc:
            reply = f"⚠️ {html.escape(str(exc), quote=False)}"
        for part in split_lines(reply) if reply else []:  # "": the handler answered itself
            await message.reply_text(part, parse_mode=ParseMode.HTML, do_quote=False,
                                     link_preview_options=NO_PREVIEW)

    run.__name__ = handler.__name__
    return run


def split_lines(text: str, limit: int = LIMIT) -> list[str]:
    """Split at line ends so each part fits; a single long line is cut (it has no tags)."""
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        if len(current) + len(line) > limit:
            parts.append(current)
            current = ""
        current += line
    if current.strip():
        parts.append(current)
    return parts or [text]


def _ago(now: datetime, then: datetime | None) -> str:
    if then is None:
        return "never"
    seconds = int((now - then).total_seconds())
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


async def _stats(update: Update, context: Context, state: BotState, args: list[str]) -> str:
    async with state.engine.connect() as conn:
        found = await store_stats.collect_stats(conn)
    now = state.now()
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(found.chats_by_type.items())) or "none"
    themes = ", ".join(
        f"{html.escape(theme)} {n}" for theme, n in sorted(found.subscriptions_by_theme.items())
    ) or "none"
    return "\n".join([
        "<b>borderbrief stats</b>",
        f"Chats: {sum(found.chats_by_type.values())} active ({kinds}); "
        f"{found.inactive_chats} inactive",
        f"Subscriptions: {themes}",
        f"Feeds: {found.feeds_healthy} healthy, {found.feeds_failing} failing, "
        f"{found.feeds_disabled} disabled",
        f"Last poll: {_ago(now, found.last_poll_at)}",
        f"Outbox: {found.outbox_pending} waiting",
    ])


async def _sources(update: Update, context: Context, state: BotState, args: list[str]) -> str:
    async with state.engine.connect() as conn:
        rows = await store_stats.source_health(conn)
    if not rows:
        return "No sources."
    now = state.now()
    lines = [f"<b>Sources</b> ({len(rows)})"]
    for row in rows:
        if not row.enabled:
            mark, note = "⏸", html.escape(row.disabled_reason or "disabled")
        elif row.error_count:
            mark = "⚠️"
            note = f"{row.error_count} errors: {html.escape((row.last_error or '?')[:120])}"
        else:
            mark, note = "✅", f"fetched {_ago(now, row.last_fetched_at)}"
        lines.append(f"{mark} <b>{html.escape(row.name)}</b> — {note}")
    return "\n".join(lines)


async def _addsource(update: Update, context: Context, state: BotState, args: list[str]) -> str:
    if not args:
        return ("Usage: /addsource URL [en|es] [name]\n"
                "Example: /addsource https://example.com/rss es")
    url, rest = args[0], args[1:]
    language = rest.pop(0) if rest and rest[0] in ("en", "es") else None
    name = " ".join(rest).strip() or None
    from briefings.fetch import FetchConfig, Fetcher  # the one guarded client for every fetch

    async with Fetcher(FetchConfig.from_settings(state.settings)) as fetcher:
        found = await admin.check_new_source(fetcher, url, now=state.now(), name=name,
                                             language=language)
    added = await admin.add_source(state.engine, source_files(state.settings), found.source,
                                   now=state.now())
    log_event(log, "source_added", source=added.name, url=added.url)
    return (f"✅ Added <b>{html.escape(added.name)}</b> ({added.language}), "
            f"{found.items} items in the feed now. It is polled from the next cycle; "
            "its current items are stored without alerts.")


async def _removesource(update: Update, context: Context, state: BotState,
                        args: list[str]) -> str:
    name = " ".join(args).strip()
    if not name:
        return "Usage: /removesource NAME (as /sources shows it)"
    removed = await admin.remove_source(state.engine, source_files(state.settings), name,
                                        now=state.now())
    log_event(log, "source_removed", source=removed.name)
    return f"🗑 Removed <b>{html.escape(removed.name)}</b>; it is no longer polled."


async def _reload(update: Update, context: Context, state: BotState, args: list[str]) -> str:
    result = await admin.reload_config(state.engine, source_files(state.settings),
                                       state.settings.themes, now=state.now())
    lines = []
    if result.sources is not None:
        lines.append(f"✅ Sources reloaded: {len(result.sources)}.")
    if result.themes is not None:
        state.themes = result.themes
        lines.append(f"✅ Themes reloaded: {', '.join(map(html.escape, result.themes.names()))}.")
    for problem in result.problems:
        lines.append(f"⚠️ {html.escape(problem, quote=False)} — the previous one stays in use.")
    log_event(log, "config_reloaded", problems=result.problems)
    return "\n".join(lines)


COMMANDS: dict[str, Handler] = {
    "stats": _stats,
    "sources": _sources,
    "addsource": _addsource,
    "removesource": _removesource,
    "reload": _reload,
    "broadcast": broadcast,
}


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add the owner commands (before the bot's catch-all fallback)."""
    for name, handler in COMMANDS.items():
        # block=False: a slow /addsource fetch must not hold up everyone else's commands.
        application.add_handler(CommandHandler(name, _owner_command(handler), block=False))
    application.add_handler(CallbackQueryHandler(broadcast_button, pattern=BROADCAST_BUTTONS))
