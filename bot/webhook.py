"""Webhook mode on our own small tornado server.

PTB's built-in webhook server compares Telegram's ``X-Telegram-Bot-Api-Secret-Token`` header
with ``!=``; we compare it in constant time, refuse anything else before parsing, and cap the
body size. Updates go to the application's own ``update_queue``, exactly where PTB's server
would put them, and the application's lifecycle hooks run as ``run_webhook`` would run them.

The server is open to anyone who finds its address, so no client may hold it: a connection
that does not finish its headers (or body) in time is closed, connections over a cap are
closed at once, a body that is not an update answers 400, and refusals are logged as one line
per interval with counts (``RefusalLog``), never one line each.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import signal
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import urlparse

import tornado.httpserver
import tornado.httputil
import tornado.iostream
import tornado.web
from telegram import Update
from telegram.ext import Application

from bot.webhook_log import RefusalLog

log = logging.getLogger(__name__)
access_log = logging.getLogger("tornado.access")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024  # an update is a few kB; refuse anything absurd unread


@dataclass(frozen=True)
class WebhookLimits:
    """What one client may hold of the server, and how often refusals are logged."""

    # Seconds to send a request's headers; also how long a kept-alive connection may sit idle
    # (tornado uses one value for both).
    header_timeout: float = 10.0
    body_timeout: float = 10.0  # seconds to send the body once the headers are in
    # Telegram opens at most setWebhook's max_connections (40 by default) at a time.
    max_connections: int = 100
    log_interval: float = 60.0  # at most one line about refused requests per interval


class _UpdateHandler(tornado.web.RequestHandler):
    def initialize(self, bot_application: Application, secret: str) -> None:  # type: ignore[type-arg]
        self.bot_application = bot_application
        self.secret = secret.encode()
        self.refusal = ""  # why the request was refused, for the refusal log

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            self._refuse(403, "wrong or no secret")
        content_type = self.request.headers.get("Content-Type", "").split(";")[0].strip()
        if content_type != "application/json":
            self._refuse(415, "not JSON")
        update = _read_update(self.request.body, self.bot_application)
        if update is None:
            self._refuse(400, "not an update")
        await self.bot_application.update_queue.put(update)

    def _refuse(self, status: int, reason: str) -> NoReturn:
        self.refusal = reason
        raise tornado.web.HTTPError(status)

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if not isinstance(value, tornado.web.HTTPError):  # refusals are expected, not errors
            super().log_exception(typ, value, tb)


def _read_update(body: bytes, application: Application) -> Update | None:  # type: ignore[type-arg]
    """The update in ``body``, or None for anything that is not one (never an exception)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested beyond reason
        return None
    if not isinstance(data, dict) or type(data.get("update_id")) is not int:
        return None
    try:
        return Update.de_json(data, application.bot)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None  # the right shape on top, wrong types inside


class _CappedServer(tornado.httpserver.HTTPServer):
    """An HTTPServer that closes a connection at once when ``max_connections`` are open."""

    max_connections: int
    refusals: RefusalLog
    open_connections = 0

    def handle_stream(self, stream: tornado.iostream.IOStream, address: tuple[Any, ...]) -> None:
        if self.open_connections >= self.max_connections:
            self.refusals.note("too many connections")
            stream.close()
            return
        self.open_connections += 1
        super().handle_stream(stream, address)

    def on_close(self, server_conn: object) -> None:
        self.open_connections -= 1
        super().on_close(server_conn)


def webhook_app(
    application: Application,  # type: ignore[type-arg]
    *,
    url: str,
    secret: str,
    refusals: RefusalLog | None = None,
) -> tornado.web.Application:
    """The tornado app answering Telegram's POSTs at ``url``'s path."""
    path = urlparse(url).path or "/"
    refusals = refusals or RefusalLog(WebhookLimits.log_interval)

    def log_request(handler: tornado.web.RequestHandler) -> None:
        status = handler.get_status()
        if status < 400:
            access_log.debug("%d %s %s", status, handler.request.method, handler.request.path)
            return
        reason = getattr(handler, "refusal", "") or tornado.httputil.responses.get(status, "")
        refusals.note(f"{status} {reason}")

    return tornado.web.Application(
        [(re.escape(path), _UpdateHandler, {"bot_application": application, "secret": secret})],
        log_function=log_request,
    )


def webhook_server(
    application: Application,  # type: ignore[type-arg]
    *,
    url: str,
    secret: str,
    limits: WebhookLimits,
    refusals: RefusalLog,
) -> tornado.httpserver.HTTPServer:
    """The server (not yet listening) with ``limits`` on every connection."""
    server = _CappedServer(
        webhook_app(application, url=url, secret=secret, refusals=refusals),
        max_body_size=MAX_UPDATE_BYTES,
        idle_connection_timeout=limits.header_timeout,
        body_timeout=limits.body_timeout,
    )
    server.max_connections = limits.max_connections
    server.refusals = refusals
    return server


async def serve_webhook(
    application: Application,  # type: ignore[type-arg]
    *,
    url: str,
    listen: str,
    port: int,
    secret: str,
    stop: asyncio.Event | None = None,
    limits: WebhookLimits | None = None,
) -> None:
    """Register the webhook with Telegram and serve it until ``stop`` (or SIGINT/SIGTERM)."""
    stop = stop or _stop_on_signals()
    limits = limits or WebhookLimits()
    refusals = RefusalLog(limits.log_interval)
    server = webhook_server(application, url=url, secret=secret, limits=limits,
                            refusals=refusals)
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
        refusals.flush()
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
