"""Webhook mode: our own server checks Telegram's secret token before reading anything."""

import asyncio
import socket

import httpx
import pytest
from telegram.ext import ApplicationBuilder

from bot.webhook import SECRET_HEADER, serve_webhook

SECRET = "s" * 43


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def webhook(botapi):
    application = ApplicationBuilder().token(botapi.token).base_url(botapi.base_url).build()
    port = _free_port()
    url = f"http://127.0.0.1:{port}/hook/path"
    stop = asyncio.Event()
    task = asyncio.create_task(
        serve_webhook(application, url=url, listen="127.0.0.1", port=port, secret=SECRET,
                      stop=stop)
    )
    await botapi.wait_for(lambda: application.running or task.done())
    yield application, url
    stop.set()
    await asyncio.wait_for(task, 10)


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
