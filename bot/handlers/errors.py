"""The one error handler: log (the log handlers redact the token), tell the user briefly."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, TimedOut

from bot.handlers.common import Context, Turn

log = logging.getLogger("borderbrief.bot")


async def on_error(update: object, context: Context) -> None:
    error = context.error
    if isinstance(error, NetworkError | TimedOut) and not isinstance(update, Update):
        # getUpdates hiccups: PTB retries by itself.
        log.warning("network error while polling: %s", error)
        return
    log.error("error while handling an update", exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(error, Forbidden):
        return  # we cannot write there anyway
    try:
        turn = await Turn.load(update, context)
        if update.callback_query is not None:
            await update.callback_query.answer(turn.text("error"), show_alert=True)
        else:
            await turn.say("error")
    except Exception:  # noqa: BLE001 - the error handler must not raise
        log.warning("could not tell the user about the error", exc_info=True)
