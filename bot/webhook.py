"""Webhook mode on our own small tornado server.

PTB's built-in webhook server compares Telegram's ``X-Telegram-Bot-Api-Secret-Token`` header
with ``!=``; we compare it in constant time, refuse anything else before parsing, and cap the
body size. Updates go to the application's own ``update_queue``, exactly where PTB's server
would put them, and the application's lifecycle hooks run as ``run_webhook`` would run them.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import signal
from typing import Any
from urllib.parse import urlparse

import tornado.httpserver
import tornado.web
from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024  # an update is a few kB; refuse anything absurd unread


class _UpdateHandler(tornado.web.RequestHandler):
    def initialize(self, bot_application: Application, secret: str) -> None:  # type: ignore[type-arg]
        self.bot_application = bot_application
        self.secret = secret.encode()

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            raise tornado.web.HTTPError(403)
        content_type = self.request.headers.get("Content-Type", "").split(";")[0].strip()
        if content_type != "application/json":
            raise tornado.web.HTTPError(415)
        try:
            update = Update.de_json(json.loads(self.request.body), self.bot_application.bot)
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("webhook: an update that could not be read: %s", exc)
            raise tornado.web.HTTPError(400) from None
        await self.bot_application.update_queue.put(update)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if not isinstance(value, tornado.web.HTTPError):  # refusals are expected, not errors
            super().log_exception(typ, value, tb)


def webhook_app(application: Application, *, url: str, secret: str) -> tornado.web.Application:  # type: ignore[type-arg]
    """The tornado app answering Telegram's POSTs at ``url``'s path."""
    path = urlparse(url).path or "/"
    return tornado.web.Application(
        [(re.escape(path), _UpdateHandler, {"bot_application": application, "secret": secret})]
    )


async def serve_webhook(
    application: Application,  # type: ignore[type-arg]
    *,
    url: str,
    listen: str,
    port: int,
    secret: str,
    stop: asyncio.Event | None = None,
) -> None:
    """Register the webhook with Telegram and serve it until ``stop`` (or SIGINT/SIGTERM)."""
    stop = stop or _stop_on_signals()
    server = tornado.httpserver.HTTPServer(
        webhook_app(application, url=url, secret=secret), max_body_size=MAX_UPDATE_BYTES
    )
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        await application.bot.set_webhook(
            url, secret_token=secret, allowed_updates=Update.ALL_TYPES
        )
        server.listen(port, address=listen)
        await application.start()
        log.info("webhook ready", extra={"url": url, "port": port})
        await stop.wait()
    finally:
        server.stop()
        if application.running:
            await application.stop()
        if application.post_stop:
            await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop
