"""Groups (admins vs members, join/leave, forum topics) and channels set up from a private chat."""

from briefings.store import chats as store
from tests.bot.helpers import running_bot
from tests.botapi import ANONYMOUS_ADMIN_ID, BOT_ID

GROUP = -100200
ADMIN, MEMBER = 11, 12


async def test_group_admin_may_change_settings_member_may_only_read(botapi, engine, tmp_path):
    botapi.set_member(GROUP, ADMIN, "administrator")
    botapi.set_member(GROUP, MEMBER, "member")
    kw = {"chat_type": "supergroup", "title": "Frontera"}
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(GROUP, "/start@borderbrief_test_bot", user_id=ADMIN, **kw)
        [refused] = await bot.say(GROUP, "/time 09:00", user_id=MEMBER, **kw)
        async with engine.connect() as conn:
            unchanged = await store.get_chat(conn, GROUP)
        [allowed] = await bot.say(GROUP, "/time@borderbrief_test_bot 09:00", user_id=ADMIN, **kw)
        [settings] = await bot.say(GROUP, "/settings", user_id=MEMBER, **kw)
        anonymous = {"id": GROUP, "type": "supergroup", "title": "Frontera"}
        [anon] = await bot.say(GROUP, "/alerts on", user_id=ANONYMOUS_ADMIN_ID,
                               sender_chat=anonymous, **kw)
        async with engine.connect() as conn:
            chat = await store.get_chat(conn, GROUP)
    assert "administrators" in refused
    assert unchanged.brief_time == "08:00"
    assert "09:00" in allowed and "09:00" in settings
    assert "alerts are on" in anon and chat.alerts
    assert chat.type == "supergroup" and chat.brief_time == "09:00"
    checked = {(c.params["chat_id"], c.params["user_id"])
               for c in botapi.calls_of("getChatMember")}
    assert (GROUP, MEMBER) in checked and (GROUP, ADMIN) in checked


async def test_member_cannot_toggle_group_themes(botapi, engine, tmp_path):
    botapi.set_member(GROUP, ADMIN, "creator")
    kw = {"chat_type": "supergroup"}
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(GROUP, "/start", user_id=ADMIN, **kw)
        calls = await bot.press(GROUP, "tg:tariffs", message_id=2, user_id=MEMBER, **kw)
        async with engine.connect() as conn:
            themes = await store.subscribed_themes(conn, GROUP)
    [answer] = [c for c in calls if c.method == "answerCallbackQuery"]
    assert "administrators" in answer.params["text"] and answer.params.get("show_alert")
    assert not [c for c in calls if c.method.startswith("editMessage")]
    assert "tariffs" in themes


async def test_bot_added_greets_and_removed_forgets(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        botapi.push_update(botapi.my_chat_member(GROUP, "group", "member", user_id=ADMIN,
                                                 language_code="es", title="Sur"))
        await botapi.wait_for(lambda: botapi.sent(GROUP))
        async with engine.connect() as conn:
            joined = await store.get_chat(conn, GROUP)
            themes = await store.subscribed_themes(conn, GROUP)
        botapi.push_update(botapi.my_chat_member(GROUP, "group", "left", old_status="member"))

        async def gone():
            async with engine.connect() as conn:
                return await store.get_chat(conn, GROUP) is None

        for _ in range(100):
            if await gone():
                break
            await bot.settle(0.05)
    [hello] = botapi.sent(GROUP)
    assert "¡Hola, Sur!" in hello.params["text"]
    assert joined is not None and joined.language == "es" and joined.type == "group"
    assert themes
    assert await gone()


async def test_forum_group_brief_goes_to_the_topic_of_start(botapi, engine, tmp_path):
    botapi.set_member(GROUP, ADMIN, "administrator")
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(GROUP, "/start", user_id=ADMIN, chat_type="supergroup", is_forum=True,
                      message_thread_id=77)
        async with engine.connect() as conn:
            chat = await store.get_chat(conn, GROUP)
    assert chat.thread_id == 77
    assert all(c.params.get("message_thread_id") == 77 for c in botapi.sent(GROUP))


CHANNEL = -100900


def _channel(botapi, *, user_status="administrator", bot_status="administrator"):
    botapi.register_chat({"id": CHANNEL, "type": "channel", "title": "Noticias Norte",
                          "username": "noticiasnorte"})
    botapi.set_member(CHANNEL, ADMIN, user_status)
    botapi.set_member(CHANNEL, BOT_ID, bot_status)


async def test_channel_add_themes_list_remove(botapi, engine, tmp_path):
    _channel(botapi)
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(ADMIN, "/start")
        await bot.say(ADMIN, "/time 06:45")
        [added] = await bot.say(ADMIN, "/channel add @noticiasnorte")
        [themes] = await bot.say(ADMIN, "/channel themes @noticiasnorte aranceles")
        async with engine.connect() as conn:
            chat = await store.get_chat(conn, CHANNEL)
            subscribed = await store.subscribed_themes(conn, CHANNEL)
        [listed] = await bot.say(ADMIN, "/channel list")
        [removed] = await bot.say(ADMIN, f"/channel remove {CHANNEL}")
        [empty] = await bot.say(ADMIN, "/channel list")
        async with engine.connect() as conn:
            after = await store.get_chat(conn, CHANNEL)
    assert "Noticias Norte" in added and "06:45" in added
    assert chat.type == "channel" and chat.brief_time == "06:45" and chat.language == "en"
    assert subscribed == ["tariffs"] and "Tariffs" in themes
    assert "Noticias Norte" in listed and "Tariffs" in listed
    assert "removed" in removed and after is None
    assert "no channels" in empty


async def test_channel_refused_unless_both_are_admins(botapi, engine, tmp_path):
    _channel(botapi, user_status="member")
    async with running_bot(botapi, engine, tmp_path) as bot:
        [user_not_admin] = await bot.say(ADMIN, "/channel add @noticiasnorte")
        botapi.set_member(CHANNEL, ADMIN, "creator")
        botapi.set_member(CHANNEL, BOT_ID, "left")
        [bot_not_admin] = await bot.say(ADMIN, "/channel add @noticiasnorte")
        [missing] = await bot.say(ADMIN, "/channel add @nosuchchannel")
        [in_group] = await bot.say(GROUP, "/channel add @noticiasnorte", user_id=ADMIN,
                                   chat_type="supergroup")
        async with engine.connect() as conn:
            chat = await store.get_chat(conn, CHANNEL)
    assert "you aren't one" in user_not_admin
    assert "I'm not an administrator" in bot_not_admin
    assert "can't see @nosuchchannel" in missing
    assert "private chat" in in_group
    assert chat is None


async def test_group_upgraded_to_supergroup_keeps_its_settings(botapi, engine, tmp_path):
    old, new = -4001, -1004001
    botapi.set_member(old, ADMIN, "creator")
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(old, "/start", user_id=ADMIN, chat_type="group")
        await bot.say(old, "/time 10:15", user_id=ADMIN, chat_type="group")
        update = botapi.message(old, "x", user_id=ADMIN, chat_type="group")
        del update["message"]["text"]
        update["message"]["migrate_to_chat_id"] = new
        botapi.push_update(update)

        async def moved():
            async with engine.connect() as conn:
                return await store.get_chat(conn, new)

        for _ in range(100):
            if await moved():
                break
            await bot.settle(0.05)
        chat = await moved()
        async with engine.connect() as conn:
            gone = await store.get_chat(conn, old)
    assert chat is not None and chat.brief_time == "10:15" and chat.type == "supergroup"
    assert gone is None


async def test_private_block_deactivates_and_unblock_reactivates(botapi, engine, tmp_path):
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(ADMIN, "/start")

        async def active():
            async with engine.connect() as conn:
                return (await store.get_chat(conn, ADMIN)).active

        botapi.push_update(botapi.my_chat_member(ADMIN, "private", "kicked",
                                                 old_status="member", user_id=ADMIN))
        for _ in range(100):
            if not await active():
                break
            await bot.settle(0.05)
        blocked = await active()
        botapi.push_update(botapi.my_chat_member(ADMIN, "private", "member",
                                                 old_status="kicked", user_id=ADMIN))
        for _ in range(100):
            if await active():
                break
            await bot.settle(0.05)
        unblocked = await active()
        async with engine.connect() as conn:
            themes = await store.subscribed_themes(conn, ADMIN)
    assert (blocked, unblocked) == (False, True)
    assert themes  # the settings were kept while blocked


async def test_channel_managed_by_another_admin_but_not_by_strangers(botapi, engine, tmp_path):
    _channel(botapi)
    other_admin, stranger = 13, 14
    botapi.set_member(CHANNEL, other_admin, "administrator")
    async with running_bot(botapi, engine, tmp_path) as bot:
        await bot.say(ADMIN, "/channel add @noticiasnorte")
        [refused] = await bot.say(stranger, "/channel remove @noticiasnorte")
        [changed] = await bot.say(other_admin, "/channel themes @noticiasnorte fentanyl")
        [unknown] = await bot.say(other_admin, "/channel themes @nosuch fentanyl")
        async with engine.connect() as conn:
            themes = await store.subscribed_themes(conn, CHANNEL)
            still = await store.get_chat(conn, CHANNEL)
    assert "you aren't one" in refused and still is not None
    assert "Fentanyl" in changed and themes == ["fentanyl"]
    assert "can't see @nosuch" in unknown
