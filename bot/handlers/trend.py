"""/trend [theme]: a theme's stories per day over the last 14 days, as a chart (a photo).

Without a theme, one chart for each of the chat's first few themes. Days are the chat's own;
the words are its language's. With too little history the bot says so instead of drawing noise.
"""

from __future__ import annotations

import asyncio
import html

from telegram import InputFile, Update
from telegram.constants import ParseMode

from bot.handlers.args import ArgError
from bot.handlers.common import Context, Turn
from briefings import i18n
from briefings.render.charts import chart_png, split_has_history, theme_split, too_little_text
from briefings.render.countries import flag
from briefings.render.links import PageLinks, page_links
from briefings.store import chats as store

MAX_CHARTS = 3  # a bare /trend in a chat of many themes must not flood it with pictures


async def trend_command(update: Update, context: Context) -> None:
    turn = await Turn.load(update, context)
    async with turn.state.engine.connect() as conn:
        own = await store.list_chat_themes(conn, turn.chat_id)
        keys = (await store.theme_keys(conn, turn.chat_id) if turn.chat is not None
                else turn.state.themes.names())
    catalogue = turn.state.catalogue(t.ref for t in own)
    if turn.args:
        asked = " ".join(turn.args)
        ref = catalogue.resolve(asked, turn.lang)
        if ref is None:
            await turn.bad(ArgError("err_unknown_theme", "trend", value=asked,
                                    valid=", ".join(catalogue.valid(turn.lang))))
            return
        keys = [ref.key]
    if not keys:
        await turn.say("no_themes_chosen")
        return
    links = await page_links(turn.state.engine, turn.state.settings, now=turn.now)
    for key in keys[:MAX_CHARTS]:
        await _send_chart(turn, key, catalogue.label(key, turn.lang), links)


async def _send_chart(turn: Turn, key: str, name: str, links: PageLinks | None) -> None:
    async with turn.state.engine.connect() as conn:
        split = await theme_split(conn, key, now=turn.now, tz=turn.zone)
    if not split_has_history(split):
        await turn.send(html.escape(too_little_text(name, split, turn.lang), quote=False))
        return
    png = await asyncio.to_thread(chart_png, split, name, turn.lang)
    lines = [i18n.plural(turn.lang, "trend.caption", split.total,
                         theme=html.escape(name, quote=False), days=len(split.days)),
             " · ".join(f"{flag(bucket) if bucket in ('mx', 'us') else ''} "
                        f"{html.escape(i18n.text(turn.lang, f'chart.{bucket}'))} {count}".strip()
                        for bucket, count in split.bucket_totals().items() if count)]
    url = links.theme(key) if links else None
    if url:
        page = turn.text("trend.page")
        lines.append(f'<a href="{html.escape(url)}">{page}</a>')
    message = turn.update.effective_message
    if message is not None:
        await message.reply_photo(InputFile(png, filename="trend.png"), caption="\n".join(lines),
                                  parse_mode=ParseMode.HTML, do_quote=False)
