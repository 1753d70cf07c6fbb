"""The stand-in itself, exercised through the real PTB Bot, so other tests can trust it."""

import pytest
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter


@pytest.fixture
async def bot(botapi):
    async with Bot(botapi.token, base_url=botapi.base_url) as b:
        yield b


async def test_get_me_and_send(bot, botapi):
    assert bot.username == "borderbrief_test_bot"
    message = await bot.send_message(42, "hola <b>mundo</b>", parse_mode="HTML")
    assert message.chat.id == 42 and message.text == "hola <b>mundo</b>"
    [call] = botapi.sent(42)
    assert call.params["parse_mode"] == "HTML"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"error_code": 429, "retry_after": 7}, RetryAfter),
        ({"error_code": 403}, Forbidden),
        ({"error_code": 400}, BadRequest),
        ({"error_code": 400, "description": "Bad Request: group chat was upgraded to a "
          "supergroup chat", "migrate_to_chat_id": -1009}, ChatMigrated),
    ],
)
async def test_injected_errors_reach_ptb_as_its_exceptions(bot, botapi, kwargs, error):
    botapi.fail_next("sendMessage", chat_id=-5, **kwargs)
    await bot.send_message(-6, "other chat is not affected")
    with pytest.raises(error) as caught:
        await bot.send_message(-5, "x")
    if error is RetryAfter:
        retry_after = caught.value.retry_after  # an int today, a timedelta with PTB_TIMEDELTA
        assert getattr(retry_after, "total_seconds", lambda: retry_after)() == 7
    if error is ChatMigrated:
        assert caught.value.new_chat_id == -1009
    await bot.send_message(-5, "only the next call fails")
    assert [c.chat_id for c in botapi.sent()] == [-6, -5]


async def test_flood_limit_is_enforced(bot, botapi):
    botapi.limits(per_chat_per_second=1)
    await bot.send_message(1, "a")
    with pytest.raises(RetryAfter):
        await bot.send_message(1, "b")
    await bot.send_message(2, "another chat may still send")
    assert botapi.refused == 1


async def test_updates_and_chat_members(bot, botapi):
    botapi.push_update(botapi.message(-100, "/latest@borderbrief_test_bot 3",
                                      chat_type="supergroup", user_id=9))
    botapi.set_member(-100, 9, "administrator")
    [update] = await bot.get_updates(timeout=1)
    assert update.message.text.startswith("/latest") and update.effective_user.id == 9
    admin = await bot.get_chat_member(-100, 9)
    plain = await bot.get_chat_member(-100, 10)
    assert (admin.status, plain.status) == ("administrator", "member")
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == ()


async def test_a_request_cut_off_mid_body_is_never_delivered(bot, botapi):
    """A sender killed mid-request (kill -9) leaves half a body: Telegram never sees it."""
    import asyncio

    body = b"chat_id=7&text=" + b"x" * 80
    reader, writer = await asyncio.open_connection("127.0.0.1", botapi.port)
    writer.write(f"POST /bot{botapi.token}/sendMessage HTTP/1.1\r\nHost: x\r\n"
                 "Content-Type: application/x-www-form-urlencoded\r\n"
                 f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:12])
    await writer.drain()
    writer.close()
    await writer.wait_closed()
    await bot.send_message(8, "whole")  # served after the cut-off one
    assert [c.chat_id for c in botapi.sent()] == [8]
    assert all(c.chat_id != 7 and c.chat_id is not None for c in botapi.sent())
