"""Commands the bot does not know: a hint in private chats, silence in groups."""

from __future__ import annotations

from telegram import Update

from bot.handlers.common import Context, Turn


async def unknown_command(update: Update, context: Context) -> None:
    turn = await Turn.load(update, context)
    if turn.is_private:
        await turn.say("unknown_command")
