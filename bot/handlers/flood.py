"""Per-user command flood control: the group -1 handler around ``bot.flood.FloodLimiter``."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.handlers.common import reply_text
from bot.state import bot_state


async def flood_guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every handler (group -1); stops the update when its user floods."""
    user = update.effective_user
    if user is None or update.my_chat_member is not None:
        return
    state = bot_state(context)
    verdict = state.flood.check(user.id, state.now().timestamp())
    if verdict == "ok":
        return
    if verdict == "warn":
        if update.callback_query is not None:
            await update.callback_query.answer()
        await reply_text(update, context, "flood")
    raise ApplicationHandlerStop
