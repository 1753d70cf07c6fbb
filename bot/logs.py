"""Logging set-up shared by every face: one event per line, and secrets never reach a log line.

Output is JSON lines when stderr is not a terminal (or ``BORDERBRIEF_LOG_FORMAT=json``) and a
readable console line otherwise. ``briefings/`` cannot import this module, so the domain logs
through plain stdlib loggers and passes its fields as ``extra={...}``; both formatters render
those fields. Redaction happens on the formatted output, so messages, fields and exception
tracebacks (which carry request URLs with the bot token) are all covered.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import IO, Any

# Bot tokens appear in request URLs (httpx logs them) and in exception texts.
_TOKEN = re.compile(r"(bot)?\d{5,}:[A-Za-z0-9_-]{20,}|(bot)\d+:[A-Za-z0-9_-]+")
# The password part of a URL such as postgresql+asyncpg://user:secret@host/db (or ://:secret@).
_URL_PASSWORD = re.compile(r"([a-z][a-z0-9+.-]*://[^\s:/@]*:)([^\s@/]+)(@)", re.IGNORECASE)
REDACTED = "<redacted>"

# Literal secret values registered at start-up (the configured token, webhook secret, ...).
_secrets: set[str] = set()

# Attributes every LogRecord has; anything else on a record came in through ``extra``.
_RECORD_ATTRS = frozenset(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {
    "message",
    "asctime",
    "taskName",
}
# httpx logs request URLs (with the token) at INFO; alembic narrates every start-up.
NOISY_LOGGERS = ("httpx", "httpcore", "apscheduler", "hpack", "tornado.access", "alembic")


def add_secret(value: str | None) -> None:
    """Redact this literal value from every log line from now on (ignored if short or empty)."""
    if value and len(value) >= 6:
        _secrets.add(value)


def redact(text: str) -> str:
    """``text`` with bot tokens, registered secrets and URL passwords replaced."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    text = _TOKEN.sub(lambda m: (m.group(1) or m.group(2) or "") + REDACTED, text)
    return _URL_PASSWORD.sub(lambda m: m.group(1) + REDACTED + m.group(3), text)


def extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The fields a caller attached with ``extra={...}`` (or ``log_event``)."""
    return {k: v for k, v in vars(record).items() if k not in _RECORD_ATTRS and k[:1] != "_"}


def _plain(value: Any) -> Any:
    """A JSON-friendly version of a field value."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return str(value)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, event, the extra fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in extra_fields(record).items():
            payload.setdefault(key, _plain(value))
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            payload["exc"] = record.exc_text
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        return redact(json.dumps(payload, ensure_ascii=False, default=str))


class ConsoleFormatter(logging.Formatter):
    """A readable line with the extra fields as ``key=value`` pairs."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = extra_fields(record)
        if fields:
            pairs = " ".join(f"{k}={_plain(v)!r}" if isinstance(v, str) and " " in v
                             else f"{k}={_plain(v)}" for k, v in fields.items())
            head, sep, tail = line.partition("\n")
            line = f"{head} {pairs}{sep}{tail}"
        return redact(line)


def log_event(logger: logging.Logger, event: str, *, level: int = logging.INFO,
              **fields: Any) -> None:
    """Log one event with structured fields (names clashing with LogRecord get a ``_`` suffix)."""
    extra = {(f"{k}_" if k in _RECORD_ATTRS else k): v for k, v in fields.items()}
    logger.log(level, event, extra=extra)


def resolve_format(fmt: str = "auto", stream: IO[str] | None = None) -> str:
    """``json`` or ``console``: ``auto`` means JSON unless the stream is a terminal."""
    if fmt == "auto":
        fmt = os.environ.get("BORDERBRIEF_LOG_FORMAT", "auto").lower()
    if fmt in ("json", "console"):
        return fmt
    stream = stream or sys.stderr
    isatty = getattr(stream, "isatty", None)
    return "console" if isatty is not None and isatty() else "json"


def setup_logging(
    level: int | str = logging.INFO,
    *,
    fmt: str = "auto",
    secrets: Iterable[str | None] = (),
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Install the one root handler (JSON or console), redacting; quieten chatty libraries.

    ``level`` is a number or a name (``BORDERBRIEF_LOG_LEVEL``: DEBUG, INFO, WARNING, ...).
    """
    for secret in secrets:
        add_secret(secret)
    handler = logging.StreamHandler(stream or sys.stderr)
    chosen = resolve_format(fmt, handler.stream)
    handler.setFormatter(JsonFormatter() if chosen == "json" else ConsoleFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL, with the token in it, at INFO.
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler


def settings_secrets(settings: Any) -> list[str]:
    """The secret values in a Settings object: the token, the webhook secret, the DB password."""
    from sqlalchemy.engine import make_url

    found = [settings.token]
    if getattr(settings, "webhook_secret", None):
        found.append(settings.webhook_secret.get_secret_value())
    password = make_url(settings.database_url).password
    if password:
        found.append(str(password))
    return [s for s in found if s]
