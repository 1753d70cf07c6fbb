"""/broadcast: an announcement from the owners to the bot's chats, sent after a confirmation.

``/broadcast [--all|--chats|--channels] TEXT`` reaches every active chat (the default), private
chats and groups only, or channels only. The bot first says who would get it (private chats,
groups — those whose brief goes to a forum topic get it in that topic — and channels) with a Send
button; nothing is queued before the owner presses it. The text waits in the owner's
``user_data`` meanwhile: after a restart the owner sends /broadcast again.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.handlers.common import NO_PREVIEW, in_place
from bot.logs import log_event
from bot.state import BotState, bot_state
from briefings.store import outbox
from briefings.store.audience import Recipient, active_recipients

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
BROADCAST_MAX = 3500  # characters; long enough for an announcement, short enough for one part
AUDIENCES: dict[str, Callable[[Recipient], bool]] = {
    "all": lambda chat: True,
    "chats": lambda chat: chat.kind != "channel",
    "channels": lambda chat: chat.kind == "channel",
}
SEND, CANCEL = "bc", "bx"  # callback data bc:<audience>:<token> and bx:<token>
PATTERN = rf"^({SEND}:\w+|{CANCEL}):\d+$"
_PENDING = "broadcasts"  # user_data key: token → text
USAGE = ("Usage: /broadcast [--all|--chats|--channels] TEXT — --all (the default) reaches "
         "every active chat, --chats private chats and groups, --channels channels only.")
GONE = "Sent or cancelled already, or the bot restarted since: send /broadcast again."


def parse_broadcast(text: str) -> tuple[str, str]:
    """``[--audience] TEXT`` → (audience, text); ValueError for an unknown audience."""
    first, _, rest = text.strip().partition(" ")
    if not first.startswith("--"):
        return "all", text.strip()
    audience = first.removeprefix("--").lower()
    if audience not in AUDIENCES:
        raise ValueError(first)
    return audience, rest.strip()


def describe(recipients: list[Recipient], audience: str) -> str:
    """Who the broadcast reaches (and who it leaves out), for the owner to confirm."""
    chosen = [chat for chat in recipients if AUDIENCES[audience](chat)]
    groups = [chat for chat in chosen if chat.kind in ("group", "supergroup")]
    topics = sum(chat.thread_id is not None for chat in groups)
    channels = sum(chat.kind == "channel" for chat in chosen)
    private = len(chosen) - len(groups) - channels
    lines = [f"📣 <b>To {len(chosen)} chats</b> (--{audience}): {private} private, "
             f"{len(groups)} groups ({topics} of them in the forum topic their brief goes to), "
             f"{channels} channels."]
    left_out = len(recipients) - len(chosen)
    if left_out:
        lines.append(f"Left out: {left_out} (--all reaches every active chat).")
    else:
        lines.append("--chats leaves the channels out; --channels sends to channels only.")
    return "\n".join(lines)


async def broadcast(update: Update, context: Context, state: BotState, args: list[str]) -> str:
    """Show who would get the text, with Send and Cancel; an empty reply: answered here."""
    message = update.effective_message
    raw = message.text if message and message.text else ""
    text = raw.partition(" ")[2] if raw.startswith("/") else " ".join(args)
    try:
        audience, text = parse_broadcast(text.replace("\x00", ""))
    except ValueError as exc:
        return f"Unknown audience {html.escape(str(exc))}. {USAGE}"
    if not text:
        return USAGE
    if len(text) > BROADCAST_MAX:
        return f"Too long: {len(text)} characters (at most {BROADCAST_MAX})."
    async with state.engine.connect() as conn:
        recipients = await active_recipients(conn)
    token = str(update.update_id)
    pending: dict[str, str] = context.user_data.setdefault(_PENDING, {})  # type: ignore[union-attr]
    pending[token] = text
    count = sum(AUDIENCES[audience](chat) for chat in recipients)
    keyboard = InlineKeyboardMarkup([[
        InlineKeyboardButton(f"📣 Send to {count}", callback_data=f"{SEND}:{audience}:{token}"),
        InlineKeyboardButton("Cancel", callback_data=f"{CANCEL}:{token}"),
    ]])
    if message is not None:
        await message.reply_text(
            f"{describe(recipients, audience)}\n\n{html.escape(text, quote=False)}",
            parse_mode=ParseMode.HTML, reply_markup=keyboard, do_quote=False,
            link_preview_options=NO_PREVIEW)
    return ""


async def broadcast_button(update: Update, context: Context) -> None:
    """Send or Cancel under a /broadcast confirmation (owners only)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    state = bot_state(context)
    user = update.effective_user
    if user is None or user.id not in state.settings.owner_ids:
        await query.answer()
        return
    action, _, rest = query.data.partition(":")
    audience, _, token = rest.rpartition(":")
    pending: dict[str, str] = (context.user_data or {}).get(_PENDING, {})
    text = pending.pop(token, None)
    if text is None or (action == SEND and audience not in AUDIENCES):
        await query.answer(GONE, show_alert=True)
        return
    await query.answer()
    if action == CANCEL:
        await in_place(query.edit_message_text("Cancelled: nothing was sent."))
        return
    queued = await _queue(state, text, audience, token)
    log_event(log, "broadcast_queued", chats=queued, audience=audience)
    await in_place(query.edit_message_text(f"📣 Queued for {queued} chats."))


async def _queue(state: BotState, text: str, audience: str, token: str) -> int:
    async with state.engine.begin() as conn:
        chosen = [c for c in await active_recipients(conn) if AUDIENCES[audience](c)]
        # The token makes a repeated press (or delivery of the update) add nothing.
        return await outbox.enqueue(
            conn, chat_ids=[chat.id for chat in chosen], parts=[html.escape(text, quote=False)],
            kind="broadcast", now=state.now(), dedupe_prefix=f"broadcast:{token}",
            thread_ids={chat.id: chat.thread_id for chat in chosen},
        )
