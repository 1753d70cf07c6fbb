"""Logging set-up shared by every face: secrets never reach a log line."""

from __future__ import annotations

import logging
import re

# Bot tokens appear in request URLs (httpx logs them) and in exception texts.
_TOKEN = re.compile(r"(bot)?\d{5,}:[A-Za-z0-9_-]{20,}")


def redact(text: str) -> str:
    return _TOKEN.sub(lambda m: (m.group(1) or "") + "<redacted>", text)


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (and exception text) with tokens removed."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def setup_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL, with the token in it, at INFO.
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
