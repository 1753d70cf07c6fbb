"""A group or channel deactivated by delivery comes back once the bot may post there again."""

from datetime import timedelta

from briefings import chats as chat_settings
from briefings.store import chats as store
from briefings.store.chat_moves import deactivate_chat
from tests.bot.helpers import running_bot

GROUP = -100300
ADMIN = 21
KW = {"chat_type": "supergroup", "title": "Frontera"}


async def _chat(engine):
    async with engine.connect() as conn:
        return await store.get_chat(conn, GROUP)


async def _deactivate(engine, reason: str) -> None:
    async with engine.begin() as conn:
        await deactivate_chat(conn, GROUP, reason)


async def test_admin_command_reactivates_a_group_deactivated_by_delivery(
        botapi, engine, tmp_path):
    botapi.set_member(GROUP, ADMIN, "administrator")
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(GROUP, "/start", user_id=ADMIN, **KW)
        await _deactivate(engine, "Bad Request: not enough rights to send text messages")
        inactive = await _chat(engine)
        bot.clock.advance(days=3)  # the brief time passed while the group was inactive
        await bot.say(GROUP, "/start", user_id=ADMIN, **KW)
        after_start = await _chat(engine)
        await _deactivate(engine, "Forbidden: bot was blocked")
        await bot.say(GROUP, "/time 09:30", user_id=ADMIN, **KW)
        after_time = await _chat(engine)
    assert inactive.active is False
    assert after_start.active is True
    # The schedule restarts from now: no brief owed for the days it could not post.
    assert bot.clock() < after_start.next_brief_at <= bot.clock() + timedelta(days=1)
    assert after_time.active is True and after_time.brief_time == "09:30"


async def test_bot_made_member_or_admin_again_reactivates_the_group(botapi, engine, tmp_path):
    botapi.set_member(GROUP, ADMIN, "administrator")
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(GROUP, "/start", user_id=ADMIN, **KW)
        await _deactivate(engine, "Bad Request: not enough rights to send text messages")
        # An admin promotes the bot (it stays in the group throughout): it may post again.
        botapi.push_update(botapi.my_chat_member(GROUP, "supergroup", "administrator",
                                                 old_status="member", user_id=ADMIN,
                                                 title="Frontera"))
        for _ in range(100):
            if (await _chat(engine)).active:
                break
            await bot.settle(0.05)
        promoted = await _chat(engine)
    assert promoted.active is True and promoted.title == "Frontera"
    async with engine.connect() as conn:
        assert await store.subscribed_themes(conn, GROUP)  # its settings were kept


async def test_reactivate_leaves_active_and_unknown_chats_alone(engine):
    from tests.bot.helpers import START

    async with engine.begin() as conn:
        assert await chat_settings.reactivate(conn, 424242, now=START) is None
        chat, _ = await chat_settings.register_chat(
            conn, chat_id=GROUP, chat_type="supergroup", language="en", timezone="UTC",
            brief_time="08:00", themes=["tariffs"], now=START)
        same = await chat_settings.reactivate(conn, GROUP, now=START + timedelta(days=2))
    assert same == chat
