"""/broadcast says whom it reaches (channels, forum topics), lets the owner choose, asks first."""

from sqlalchemy import select

from bot.broadcast import describe, parse_broadcast
from briefings.store import chats as store
from briefings.store.audience import Recipient
from briefings.store.tables import outbox
from tests.bot.helpers import running_bot
from tests.ops.helpers import add_chat

OWNER = 500
PRIVATE, FORUM, GROUP, CHANNEL, GONE = 11, -1001, -1002, -1003, 14


async def _chats(engine) -> None:
    async with engine.begin() as conn:
        await add_chat(conn, PRIVATE)
        await add_chat(conn, FORUM, type_="supergroup")
        await store.update_chat(conn, FORUM, thread_id=7)  # its brief goes to topic 7
        await add_chat(conn, GROUP, type_="group")
        await add_chat(conn, CHANNEL, type_="channel")
        await add_chat(conn, GONE, active=False)


async def _queued(engine) -> dict[int, int | None]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(outbox.c.chat_id, outbox.c.thread_id)
                                  .where(outbox.c.kind == "broadcast"))
        return {row.chat_id: row.thread_id for row in rows}


async def _reply(bot, text: str) -> str:
    """Send an owner command; its reply (owner commands do not block, so wait for it)."""
    before = len(bot.api.sent(OWNER))
    bot.api.push_update(bot.api.message(OWNER, text))
    await bot.api.wait_for(lambda: len(bot.api.sent(OWNER)) > before)
    return bot.api.sent(OWNER)[-1].params["text"]


async def _ask(bot, text: str) -> tuple[str, list[str]]:
    """The confirmation and its buttons' callback data."""
    question = await _reply(bot, text)
    keyboard = bot.api.sent(OWNER)[-1].params["reply_markup"]["inline_keyboard"]
    return question, [b["callback_data"] for row in keyboard for b in row]


def test_the_audience_is_a_flag_before_the_text() -> None:
    assert parse_broadcast("--channels Hello\nall") == ("channels", "Hello\nall")
    assert parse_broadcast("Hello --chats") == ("all", "Hello --chats")
    assert parse_broadcast("--CHATS  hi ") == ("chats", "hi")


def test_the_confirmation_names_channels_and_forum_topics() -> None:
    chats = [Recipient(1, "private", None), Recipient(-2, "supergroup", 5),
             Recipient(-3, "group", None), Recipient(-4, "channel", None)]
    assert describe(chats, "all").startswith(
        "📣 <b>To 4 chats</b> (--all): 1 private, 2 groups (1 of them in the forum topic their "
        "brief goes to), 1 channels.")
    assert "Left out: 1" in describe(chats, "chats")
    assert describe(chats, "channels").startswith("📣 <b>To 1 chats</b> (--channels): 0 private")


async def test_nothing_is_queued_before_the_owner_confirms(botapi, engine, tmp_path):
    await _chats(engine)
    async with running_bot(botapi, engine, tmp_path, owner_ids=[OWNER]) as bot:
        question, data = await _ask(bot, "/broadcast Back at <b>22:00</b>")
        waiting = await _queued(engine)
        cancel = await bot.press(OWNER, data[1], message_id=2)
        again = await bot.press(OWNER, data[0], message_id=2)  # Send after Cancel: too late
    assert "To 4 chats" in question and "1 channels" in question and "forum topic" in question
    assert "Back at &lt;b&gt;22:00&lt;/b&gt;" in question
    assert waiting == {} and await _queued(engine) == {}
    assert [c.params["text"] for c in cancel if c.method == "editMessageText"] == [
        "Cancelled: nothing was sent."]
    [answer] = [c for c in again if c.method == "answerCallbackQuery"]
    assert "send /broadcast again" in answer.params["text"]


async def test_the_owner_chooses_chats_or_channels_and_forums_get_it_in_the_topic(
    botapi, engine, tmp_path
):
    await _chats(engine)
    async with running_bot(botapi, engine, tmp_path, owner_ids=[OWNER]) as bot:
        question, data = await _ask(bot, "/broadcast --chats Maintenance tonight")
        first = await bot.press(OWNER, data[0], message_id=2)
        second = await bot.press(OWNER, data[0], message_id=2)  # a quick second press
        chats_only = await _queued(engine)
        channels_question, channels = await _ask(bot, "/broadcast --channels For channels")
        await bot.press(OWNER, channels[0], message_id=4)
        unknown = await _reply(bot, "/broadcast --everyone hi")
    assert "To 3 chats</b> (--chats)" in question and "Left out: 1" in question
    assert [c.params["text"] for c in first if c.method == "editMessageText"] == [
        "📣 Queued for 3 chats."]
    assert not [c for c in second if c.method == "editMessageText"]
    assert chats_only == {PRIVATE: None, FORUM: 7, GROUP: None}
    assert "To 1 chats</b> (--channels)" in channels_question
    assert set(await _queued(engine)) == {PRIVATE, FORUM, GROUP, CHANNEL}
    assert "Unknown audience --everyone" in unknown and "--channels" in unknown


async def test_only_owners_may_press_send(botapi, engine, tmp_path):
    await _chats(engine)
    async with running_bot(botapi, engine, tmp_path, owner_ids=[OWNER]) as bot:
        _question, data = await _ask(bot, "/broadcast hi")
        calls = await bot.press(OWNER, data[0], message_id=2, user_id=666)
    [answer] = [c for c in calls if c.method == "answerCallbackQuery"]
    assert "text" not in answer.params  # not even told whether a broadcast waits
    assert not [c for c in calls if c.method == "editMessageText"]
    assert await _queued(engine) == {}
