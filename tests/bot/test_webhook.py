"""Webhook mode: our own server checks Telegram's secret token before reading anything,
and no client can hold its connections, fill its log, or make it fail with a strange body."""

import asyncio
import logging
import socket
import time
from contextlib import asynccontextmanager

import httpx
import pytest
from telegram.ext import ApplicationBuilder

from bot.webhook import SECRET_HEADER, WebhookLimits, serve_webhook

SECRET = "s" * 43
JSON = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def serving(botapi, limits=None):
    application = ApplicationBuilder().token(botapi.token).base_url(botapi.base_url).build()
    port = _free_port()
    url = f"http://127.0.0.1:{port}/hook/path"
    stop = asyncio.Event()
    extra = {"limits": limits} if limits is not None else {}
    task = asyncio.create_task(
        serve_webhook(application, url=url, listen="127.0.0.1", port=port, secret=SECRET,
                      stop=stop, **extra)
    )
    await botapi.wait_for(lambda: application.running or task.done())
    try:
        yield application, url
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


@pytest.fixture
async def webhook(botapi):
    async with serving(botapi) as running:
        yield running


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({}, b"{}", 403),  # no secret
        ({SECRET_HEADER: "s" * 42 + "t"}, b"{}", 403),  # same length, last character wrong
        ({SECRET_HEADER: SECRET, "Content-Type": "text/plain"}, b"{}", 415),
        ({SECRET_HEADER: SECRET, "Content-Type": "application/json"}, b"{not json", 400),
    ],
)
async def test_refusals(webhook, headers, body, status):
    application, url = webhook
    async with httpx.AsyncClient() as client:
        answer = await client.post(url, content=body, headers=headers)
    assert answer.status_code == status
    assert application.update_queue.empty()


async def test_an_update_with_the_secret_reaches_the_application(webhook, botapi):
    application, url = webhook
    [registered] = botapi.calls_of("setWebhook")
    assert registered.params["url"] == url and registered.params["secret_token"] == SECRET
    update = {"update_id": 5, **botapi.message(42, "/help")}
    seen = []

    async def record(update, context):
        seen.append(update.update_id)

    from telegram.ext import TypeHandler

    application.add_handler(TypeHandler(object, record))
    async with httpx.AsyncClient() as client:
        answer = await client.post(url, json=update, headers={SECRET_HEADER: SECRET})
    assert answer.status_code == 200
    await botapi.wait_for(lambda: seen)
    assert seen == [5]


async def test_elsewhere_is_not_found(webhook):
    _application, url = webhook
    async with httpx.AsyncClient() as client:
        answer = await client.post(url.replace("/hook/path", "/other"), json={},
                                   headers={SECRET_HEADER: SECRET})
    assert answer.status_code == 404


DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize("body", [
    b"[]",
    b"null",
    b"5",
    b'"an update"',
    b"{}",
    b'{"update_id": "x"}',
    b'{"update_id": 1, "message": 5}',
    b'{"update_id": 1, "message": []}',
    b'{"update_id": 1, "callback_query": {"id": 3}}',
    DEEP,
    b'{"update_id": 1, "x": ' + DEEP + b"}",
    b"\xff\xfe{}",
])
async def test_a_body_that_is_not_an_update_answers_400(webhook, body):
    application, url = webhook
    async with httpx.AsyncClient() as client:
        answer = await client.post(url, content=body, headers=JSON)
    assert answer.status_code == 400
    assert application.update_queue.empty()


async def _open_sockets(port: int, count: int, first_bytes: bytes) -> list[socket.socket]:
    """Raw connections (non-blocking: the server shares this event loop)."""
    loop = asyncio.get_running_loop()
    sockets = []
    for _ in range(count):
        sock = socket.socket()
        sock.setblocking(False)
        sockets.append(sock)
        await loop.sock_connect(sock, ("127.0.0.1", port))
        if first_bytes:
            await loop.sock_sendall(sock, first_bytes)
    return sockets


def _closed_by_server(sock: socket.socket) -> bool:
    try:
        return sock.recv(4096) == b""  # EOF (a 408 or 400 would come before it)
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True


async def _wait_closed(sockets: list[socket.socket], within: float) -> list[bool]:
    closed = [False] * len(sockets)
    deadline = time.monotonic() + within
    while not all(closed) and time.monotonic() < deadline:
        for i, sock in enumerate(sockets):
            closed[i] = closed[i] or _closed_by_server(sock)
        await asyncio.sleep(0.05)
    return closed


@pytest.mark.parametrize("first_bytes", [
    b"",  # connected, silent
    b"POST /hook/path HTTP/1.1\r\nHost: x\r\n",  # headers never finished (slowloris)
    b"POST /hook/path HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
    b"Content-Type: application/json\r\n" + SECRET_HEADER.encode() + b": " + SECRET.encode()
    + b"\r\n\r\n{",  # a body that never comes
])
async def test_half_open_connections_are_closed_after_the_timeout(botapi, first_bytes):
    limits = WebhookLimits(header_timeout=0.5, body_timeout=0.5, max_connections=500)
    async with serving(botapi, limits) as (application, url):
        port = int(url.split(":")[2].split("/")[0])
        sockets = await _open_sockets(port, 200, first_bytes)
        try:
            started = time.monotonic()
            closed = await _wait_closed(sockets, within=10)
            took = time.monotonic() - started
            async with httpx.AsyncClient() as client:  # and the server still answers
                answer = await client.post(url, content=b"[]", headers=JSON)
        finally:
            for sock in sockets:
                sock.close()
    assert all(closed), f"{closed.count(False)} of {len(closed)} connections still open"
    assert took < 5
    assert answer.status_code == 400


async def test_connections_over_the_cap_are_closed_at_once(botapi):
    limits = WebhookLimits(header_timeout=30, max_connections=5)
    async with serving(botapi, limits) as (application, url):
        port = int(url.split(":")[2].split("/")[0])
        sockets = await _open_sockets(port, 12, b"")
        try:
            closed = await _wait_closed(sockets, within=1.5)
        finally:
            for sock in sockets:
                sock.close()
        await asyncio.sleep(0.2)  # the server sees our sockets go and frees their places
        async with httpx.AsyncClient() as client:
            answer = await client.post(url, content=b"[]", headers=JSON)
    assert closed.count(False) == 5, closed  # exactly the cap stays open
    assert answer.status_code == 400


async def test_refused_requests_are_logged_once_per_interval_with_a_count(botapi, caplog):
    caplog.set_level(logging.INFO)
    limits = WebhookLimits(log_interval=60)
    async with serving(botapi, limits) as (application, url):
        async with httpx.AsyncClient() as client:
            for _ in range(20):
                await client.post(url, content=b"{}")  # no secret
            for _ in range(15):
                await client.post(url, content=b"[]", headers=JSON)
            for _ in range(5):
                await client.post(url.replace("/hook/path", "/other"), content=b"{}")
        during = [r for r in caplog.records if r.levelno >= logging.WARNING]
    after = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(during) == 1 and "refused" in during[0].getMessage()
    assert len(after) == 2
    summary = after[1].getMessage()
    assert "39" in summary and "403" in summary and "400" in summary and "404" in summary
