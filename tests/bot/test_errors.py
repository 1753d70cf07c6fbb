"""The error handler: a failed handler is logged (token redacted) and the user hears about it."""

import io
import logging

from bot.logs import setup_logging
from tests.bot.helpers import running_bot


async def test_handler_failure_is_logged_and_the_user_told(botapi, engine, tmp_path):
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    out = io.StringIO()
    setup_logging(fmt="json", stream=out, secrets=[botapi.token])
    try:
        async with running_bot(botapi, engine, tmp_path) as bot:
            botapi.fail_next("sendMessage", error_code=500, chat_id=88)
            texts = await bot.say(88, "/help")
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    logged = out.getvalue()
    assert texts[0].startswith("<b>borderbrief</b>")  # the reply Telegram refused
    assert texts[-1] == "Sorry, something went wrong on my side. Please try again in a moment."
    assert "error while handling an update" in logged
    assert botapi.token not in logged and botapi.token.split(":")[1] not in logged
