"""The "all reports" button under a brief's or an alert's story: every report in one message."""

from __future__ import annotations

from telegram import Update

from bot.handlers.common import Context, Turn
from briefings.render.parts import story_of_action
from briefings.render.telegram import TELEGRAM
from briefings.store.stories import stories_by_id
from briefings.stories.facts import with_facts


async def reports_button(update: Update, context: Context) -> None:
    """List every report (outlet, language, time, link) of the button's story.

    Reports are public news: a forged button shows a story's reports and nothing of any chat
    (no theme, no match).
    """
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    story_id = story_of_action(query.data)
    if story_id is None:
        return  # not ours to read: a forged or mangled button
    turn = await Turn.load(update, context)
    async with turn.state.engine.connect() as conn:
        story = (await stories_by_id(conn, [story_id], [])).get(story_id)
    if story is None or not story.reports:
        await turn.say("reports_gone")
        return
    (known,) = with_facts([story])
    await turn.send(TELEGRAM.reports(known, language=turn.lang, tz=turn.zone))
