"""The whole private-chat journey on the running bot, with the real poll, brief and sender jobs.

/start → toggle a theme off with the keyboard → /latest → /topic → /time → the clock passes the
brief time → the due-briefs job queues the brief → the sender delivers it — once.
"""

from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path

from briefings.store import chats as store
from tests.bot.helpers import START, FakeClock, running_bot
from tests.botapi import BOT_ID
from tests.feedserver import RSS, FeedServer

USER = 601

STORIES = [
    ("Mexico answers U.S. tariffs on steel with its own duties",
     "Sheinbaum said Mexico will meet new U.S. tariffs on Mexican steel with duties of its own.",
     "tariffs"),
    ("Fentanyl pills seized at Nogales port of entry",
     "Officers seized fentanyl pills hidden in a truck crossing at Nogales.", "fentanyl"),
    ("Sheinbaum rejects U.S. military strikes on Mexican soil",
     "Mexico's president said sovereignty is not negotiable after talk of U.S. strikes on "
     "cartels.", "sovereignty"),
]


def _feed() -> bytes:
    items = "".join(
        f"<item><title>{title}</title><link>https://news.example/{n}</link>"
        f"<guid>https://news.example/{n}</guid><description>{summary}</description>"
        f"<pubDate>{format_datetime(START - timedelta(hours=1 + n))}</pubDate></item>"
        for n, (title, summary, _) in enumerate(STORIES)
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
            f"<link>https://news.example/</link><description>d</description>{items}"
            f"</channel></rss>").encode()


def _sources(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(f'[[sources]]\nname = "Wire"\nurl = "{url}"\nlanguage = "en"\n')
    return path


async def _run_job(bot, name: str) -> None:
    [job] = bot.app.job_queue.get_jobs_by_name(name)
    await job.run(bot.app)


async def test_private_journey_to_the_daily_brief(botapi, engine, tmp_path):
    clock = FakeClock()
    with FeedServer() as feeds:
        url = feeds.add("/wire.xml", _feed(), {"Content-Type": RSS})
        async with running_bot(botapi, engine, tmp_path, clock=clock, jobs=True,
                               sources=_sources(tmp_path, url),
                               allow_private_sources=True) as bot:
            await _run_job(bot, "poll")  # what the poll job does every few minutes

            await bot.say(USER, "/start")
            await bot.press(USER, "tg:sovereignty", message_id=2)  # switch one theme off
            latest = "\n".join(await bot.say(USER, "/latest"))
            topic = "\n".join(await bot.say(USER, "/topic sovereignty 3"))
            on_demand = "\n".join(await bot.say(USER, "/brief"))
            [time_reply] = await bot.say(USER, "/time 07:30")

            before = len(botapi.sent(USER))
            clock.now = START.replace(hour=7, minute=29)
            await _run_job(bot, "due-briefs")
            await _run_job(bot, "sender")
            too_early = len(botapi.sent(USER)) - before

            clock.now = START.replace(hour=7, minute=31)
            await _run_job(bot, "due-briefs")
            await _run_job(bot, "sender")
            await botapi.wait_for(lambda: len(botapi.sent(USER)) > before)
            await _run_job(bot, "due-briefs")  # a second tick must not send it again
            await _run_job(bot, "sender")
            await bot.settle()
            brief = [c.params["text"] for c in botapi.sent(USER)[before:]]
            async with engine.connect() as conn:
                chat = await store.get_chat(conn, USER)

    tariffs, fentanyl, sovereignty = (s[0] for s in STORIES)
    assert tariffs in latest and fentanyl in latest
    assert sovereignty not in latest  # switched off with the keyboard
    assert sovereignty in topic  # /topic reads a theme even when not subscribed
    assert tariffs in on_demand and fentanyl in on_demand and sovereignty not in on_demand
    assert "07:30" in time_reply and "today" in time_reply
    assert too_early == 0
    text = "\n".join(brief)
    assert tariffs in text and fentanyl in text and sovereignty not in text
    assert len(brief) == len(set(brief))  # delivered once
    assert chat.next_brief_at == START.replace(hour=7, minute=30) + timedelta(days=1)


async def test_channel_gets_its_brief_at_its_time(botapi, engine, tmp_path):
    channel, admin = -100777, 71
    botapi.register_chat({"id": channel, "type": "channel", "title": "Canal", "username": "canal"})
    botapi.set_member(channel, admin, "administrator")
    botapi.set_member(channel, BOT_ID, "administrator")
    clock = FakeClock()
    with FeedServer() as feeds:
        url = feeds.add("/wire.xml", _feed(), {"Content-Type": RSS})
        async with running_bot(botapi, engine, tmp_path, clock=clock, jobs=True,
                               sources=_sources(tmp_path, url),
                               allow_private_sources=True) as bot:
            await _run_job(bot, "poll")
            await bot.say(admin, "/time 06:00")
            await bot.say(admin, "/channel add @canal")
            await bot.say(admin, "/channel themes @canal fentanyl")
            clock.now = START.replace(hour=6, minute=1)
            await _run_job(bot, "due-briefs")
            await _run_job(bot, "sender")
            await botapi.wait_for(lambda: botapi.sent(channel))
            await bot.settle()
    text = "\n".join(c.params["text"] for c in botapi.sent(channel))
    assert STORIES[1][0] in text  # fentanyl
    assert STORIES[0][0] not in text and STORIES[2][0] not in text


async def test_a_new_own_theme_finds_recent_stories_at_once(botapi, engine, tmp_path):
    with FeedServer() as feeds:
        url = feeds.add("/wire.xml", _feed(), {"Content-Type": RSS})
        async with running_bot(botapi, engine, tmp_path, jobs=True,
                               sources=_sources(tmp_path, url),
                               allow_private_sources=True) as bot:
            await _run_job(bot, "poll")
            [tracked] = await bot.say(USER, "/track nogales nogales -steel")
            found = "\n".join(await bot.say(USER, "/topic nogales"))
            await bot.say(USER, "/untrack nogales")
            await bot.say(USER, "/track steel steel")
            latest = "\n".join(await bot.say(USER, "/latest"))
            await bot.say(USER, "/unsubscribe all")
            only_own = "\n".join(await bot.say(USER, "/latest"))
    assert "Tracking <b>nogales</b>" in tracked
    assert STORIES[1][0] in found and STORIES[0][0] not in found
    assert STORIES[0][0] in latest
    assert STORIES[0][0] in only_own and STORIES[1][0] not in only_own


async def test_lists_show_times_in_the_chat_time_zone(botapi, engine, tmp_path):
    with FeedServer() as feeds:
        url = feeds.add("/wire.xml", _feed(), {"Content-Type": RSS})
        async with running_bot(botapi, engine, tmp_path, jobs=True,
                               sources=_sources(tmp_path, url),
                               allow_private_sources=True) as bot:
            await _run_job(bot, "poll")
            utc = "\n".join(await bot.say(USER, "/latest 1"))
            await bot.say(USER, "/timezone America/Mexico_City")
            local = "\n".join(await bot.say(USER, "/latest 1"))
    # The newest story was published at 02:00 UTC: 20:00 the day before in Mexico City.
    assert "02:00" in utc and "20:00" not in utc
    assert "20:00" in local and "02:00" not in local


async def test_forum_group_brief_arrives_in_the_topic_of_start(botapi, engine, tmp_path):
    group, admin = -100555, 81
    botapi.set_member(group, admin, "administrator")
    clock = FakeClock()
    with FeedServer() as feeds:
        url = feeds.add("/wire.xml", _feed(), {"Content-Type": RSS})
        async with running_bot(botapi, engine, tmp_path, clock=clock, jobs=True,
                               sources=_sources(tmp_path, url),
                               allow_private_sources=True) as bot:
            await _run_job(bot, "poll")
            kw = {"user_id": admin, "chat_type": "supergroup", "is_forum": True}
            await bot.say(group, "/start@borderbrief_test_bot", message_thread_id=9, **kw)
            await bot.say(group, "/time 05:00", message_thread_id=12, **kw)  # read elsewhere
            before = len(botapi.sent(group))
            clock.now = START.replace(hour=5, minute=2)
            await _run_job(bot, "due-briefs")
            await _run_job(bot, "sender")
            await botapi.wait_for(lambda: len(botapi.sent(group)) > before)
    briefs = botapi.sent(group)[before:]
    assert STORIES[0][0] in "\n".join(c.params["text"] for c in briefs)
    assert {c.params.get("message_thread_id") for c in briefs} == {9}
