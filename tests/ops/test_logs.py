"""Structured logs: JSON lines with the caller's fields, and no secret ever in the output."""

from __future__ import annotations

import io
import json
import logging
import socket
from collections.abc import Iterator

import httpx
import pytest

from bot import logs

TOKEN = "7012345678:AAH3kx9_Zq-ExampleTokenValue0123456789"
DB_PASSWORD = "s3cr3t-Pa55"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The real root handler writing to a real stream; the previous handlers come back after."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    logs.setup_logging(fmt="json", secrets=[TOKEN, DB_PASSWORD], stream=stream)
    yield stream
    root.handlers[:], level = saved
    root.setLevel(level)


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_json_line_carries_extra_fields(captured: io.StringIO) -> None:
    logging.getLogger("briefings.pipeline").info(
        "poll cycle", extra={"feeds": 12, "new_items": 3, "duration_s": 1.5}
    )
    logs.log_event(logging.getLogger("bot.delivery"), "delivery_failed", chat=42, name="x")
    first, second = _lines(captured)
    assert first["event"] == "poll cycle"
    assert first["logger"] == "briefings.pipeline"
    assert (first["feeds"], first["new_items"], first["duration_s"]) == (12, 3, 1.5)
    assert first["level"] == "info" and first["ts"].endswith("+00:00")
    # "name" clashes with LogRecord.name: it survives under another key instead of raising.
    assert second["event"] == "delivery_failed" and second["chat"] == 42
    assert second["name_"] == "x"


def test_token_in_message_and_args_is_redacted(captured: io.StringIO) -> None:
    log = logging.getLogger("somewhere")
    log.warning("token is %s", TOKEN)
    log.warning("HTTP Request: POST https://api.telegram.org/bot%s/sendMessage", TOKEN)
    log.info("other bot: https://api.telegram.org/bot999:short-one/getMe")
    out = captured.getvalue()
    assert TOKEN not in out
    assert TOKEN.split(":")[1] not in out
    assert "short-one" not in out
    assert out.count(logs.REDACTED) == 3
    assert "/sendMessage" in out  # only the secret goes, the rest of the URL stays


def test_token_in_a_real_httpx_exception_traceback_is_redacted(captured: io.StringIO) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/bot{TOKEN}/getMe"
    try:
        httpx.get(url, timeout=2)
    except httpx.HTTPError as exc:
        # The request URL (with the token) is in the exception's request and our message.
        logging.getLogger("telegram.ext").exception("request to %s failed", exc.request.url)
    else:  # pragma: no cover - nothing listens on a just-closed port
        pytest.fail("expected a connection error")
    record = _lines(captured)[0]
    assert "Traceback" in record["exc"]
    assert TOKEN not in captured.getvalue()
    assert "ConnectError" in record["exc"]


def test_exception_message_with_token_is_redacted(captured: io.StringIO) -> None:
    try:
        raise RuntimeError(f"boom at https://api.telegram.org/bot{TOKEN}/getUpdates")
    except RuntimeError:
        logging.getLogger("x").exception("failed")
    out = captured.getvalue()
    assert "boom at https://api.telegram.org/bot" + logs.REDACTED in _lines(captured)[0]["exc"]
    assert TOKEN not in out


def test_database_password_is_redacted_in_fields_and_text(captured: io.StringIO) -> None:
    url = f"postgresql+asyncpg://bb:{DB_PASSWORD}@db.internal:5432/borderbrief"
    logging.getLogger("x").error("cannot reach %s", url, extra={"database_url": url})
    logging.getLogger("x").error("other url redis://user:hunter22@cache/0")
    logging.getLogger("x").error("feed https://:feedtoken9@news.example/rss failed")
    out = captured.getvalue()
    assert DB_PASSWORD not in out and "hunter22" not in out and "feedtoken9" not in out
    assert "bb:<redacted>@db.internal" in _lines(captured)[0]["event"]


def test_httpx_info_logs_are_silenced(captured: io.StringIO) -> None:
    logging.getLogger("httpx").info("HTTP Request: GET http://example/")
    logging.getLogger("httpx").warning("kept")
    events = [line["event"] for line in _lines(captured)]
    assert events == ["kept"]


def test_console_format_has_fields_and_redacts() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logs.setup_logging(fmt="console", stream=stream)
        logging.getLogger("c").info("sent %s", TOKEN, extra={"chat": 7})
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    line = stream.getvalue()
    assert "chat=7" in line and "sent " in line
    assert TOKEN not in line


@pytest.mark.parametrize(
    ("tty", "env", "expected"),
    [(True, None, "console"), (False, None, "json"), (True, "json", "json"),
     (False, "console", "console")],
)
def test_auto_format_follows_the_terminal(
    tty: bool, env: str | None, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return tty

    if env is None:
        monkeypatch.delenv("BORDERBRIEF_LOG_FORMAT", raising=False)
    else:
        monkeypatch.setenv("BORDERBRIEF_LOG_FORMAT", env)
    assert logs.resolve_format("auto", Stream()) == expected
