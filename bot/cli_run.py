"""``borderbrief run``: the Telegram bot (long polling, or a webhook) — or, with no token, a
preview of the brief in the terminal and how to get a token."""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import sys
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.logs import add_secret, redact, settings_secrets, setup_logging
from bot.roles import HEADLESS, ROLES, run_headless
from briefings.settings import Settings, load_settings

log = logging.getLogger("borderbrief.run")
PREVIEW_WINDOW = timedelta(hours=24)
TOKEN_HINT = (
    "No Telegram token set: create a bot with @BotFather in Telegram (/newbot) and put its token "
    "in BORDERBRIEF_TELEGRAM_TOKEN (environment or config file), then run `borderbrief run` again."
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser(
        "run", help="start the Telegram bot (without a token: show today's brief here)")
    run.add_argument("--webhook", metavar="URL",
                     help="receive updates at this public https URL instead of long polling")
    run.add_argument("--listen", default="0.0.0.0",
                     help="address the webhook server binds (default 0.0.0.0)")
    run.add_argument("--port", type=int, default=8443,
                     help="port the webhook server listens on (default 8443)")
    run.add_argument("--role", choices=ROLES, default="all",
                     help="all (default): everything in one process; bot: commands only; "
                          "poller, scheduler, sender: one worker role (scale-out on PostgreSQL)")
    run.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    settings = load_settings()
    setup_logging(settings.log_level, fmt=settings.log_format, secrets=settings_secrets(settings))
    role = getattr(args, "role", "all")
    if role in HEADLESS:
        asyncio.run(run_headless(settings, [role]))
        return 0
    settings.require_token_in_container()  # no terminal there to preview in
    if not settings.token:
        return preview(settings)
    from telegram.error import InvalidToken, NetworkError

    try:
        _start(settings, args, role)
    except InvalidToken:
        print("borderbrief: Telegram refused the token in BORDERBRIEF_TELEGRAM_TOKEN; copy it "
              "again from @BotFather (/mybots → API Token).", file=sys.stderr)
        return 2
    except NetworkError as exc:
        print(f"borderbrief: cannot reach the Bot API at {settings.telegram_api_url} "
              f"({redact(str(exc))}); check the network or BORDERBRIEF_TELEGRAM_API_URL.",
              file=sys.stderr)
        return 2
    return 0


def _start(settings: Settings, args: argparse.Namespace, role: str) -> None:
    """Run the bot until SIGINT/SIGTERM (PTB's run_* handle the signals and shut down)."""
    from telegram import Update

    from bot.app import build_application

    application = build_application(settings, jobs=role == "all")
    if args.webhook:
        from bot.webhook import serve_webhook

        secret = webhook_secret(settings)
        log.info("starting the bot with a webhook", extra={"url": args.webhook, "port": args.port})
        # Our own server: the secret token is compared in constant time (PTB's uses !=).
        asyncio.run(serve_webhook(application, url=args.webhook, listen=args.listen,
                                  port=args.port, secret=secret))
    else:
        log.info("starting the bot with long polling")
        application.run_polling(allowed_updates=Update.ALL_TYPES)


def webhook_secret(settings: Settings) -> str:
    """The configured webhook secret, or a fresh one for this run (never logged)."""
    if settings.webhook_secret:
        return settings.webhook_secret.get_secret_value()
    secret = secrets.token_urlsafe(32)  # A-Z a-z 0-9 _ - as Telegram requires
    add_secret(secret)
    log.info("BORDERBRIEF_WEBHOOK_SECRET is not set: generated a random one for this run")
    return secret


def preview(settings: Settings) -> int:
    """Poll the sources once and print the brief a new subscriber would get, then the hint."""
    text = asyncio.run(_preview_text(settings))
    print(text)
    print()
    print(TOKEN_HINT)
    return 0


async def _preview_text(settings: Settings) -> str:
    from bot.cli_poll import poll_once
    from briefings import i18n
    from briefings.briefs.compose import compose_brief, latest
    from briefings.jobs.poll import utcnow
    from briefings.render.telegram import TELEGRAM_LIMIT
    from briefings.render.text import TextRenderer
    from briefings.sources import configured_sources
    from briefings.store.db import open_engine
    from briefings.themes import load_themes

    configured = configured_sources(settings)
    themes = load_themes(settings.themes)
    # The same poll as `borderbrief poll --once`.
    report = await poll_once(settings, configured, themes, force=False,
                             show_progress=sys.stderr.isatty())
    summary = (f"Polled {report.feeds} feeds ({report.failed} failed): "
               f"{report.new_items} new items.")
    language = settings.default_language
    now = utcnow()
    engine = open_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            brief = await compose_brief(conn, themes=themes, since=now - PREVIEW_WINDOW, now=now,
                                        language=language)
            zone = ZoneInfo(settings.default_timezone)
            text = TextRenderer(limit=TELEGRAM_LIMIT)
            parts = text.brief(brief, tz=zone)
            if not parts:  # a quiet day: show the latest stories instead of nothing
                stories = await latest(conn, themes=themes, now=now, limit=10)
                if stories:
                    parts = text.stories(stories, language=language, tz=zone,
                                         title=i18n.text(language, i18n.N_("list.latest")))
    finally:
        await engine.dispose()
    if not parts:
        parts = ["No story matches the themes yet; the feeds may be unreachable from here "
                 "(`borderbrief sources list` shows each feed's health)."]
    return "\n".join([summary, "", *parts])
