"""Delivery: drains the outbox through python-telegram-bot at Telegram's limits, losing nothing.

One loop (``drain.Drain``) claims whole chats' due rows a couple of seconds of work at a time
(``briefings.store.claims.claim_chats``), sends through the ``Sender`` (``sender.py``), and
marks each row sent the moment Telegram accepts it (``marks.py``). Every send waits in one
pacer (``pacing.SharedPacer``: overall, per chat, per group) that the running bot's replies
share and go first in. Several sends are in flight, never two to one chat: a crash (SIGKILL)
repeats at most ``send_in_flight`` messages, at most one per chat, and a chat's parts keep
their order. Senders on one store share the bot's budget (``share.BudgetShare``).

What each answer from Telegram does:
- 429 ``RetryAfter``: that chat (only) waits ``retry_after``; its rows (this sender's, never
  another's) are rescheduled in order.
- 403 ``Forbidden`` (blocked, kicked) and 400 "chat not found": the chat is deactivated, its
  waiting rows dropped.
- ``ChatMigrated``: the chat moves to ``migrate_to_chat_id`` (subscriptions follow) and the
  message is sent there.
- ``NetworkError``/``TimedOut``/5xx: retried with exponential back-off, failed after
  ``max_attempts`` with the error kept.
- 400 "can't parse entities": logged with the text, sent once as plain text, else failed.

Run it on its own with ``python -m bot.delivery`` (settings from the environment).
"""

from bot.delivery.outcome import Outcome, SendReport
from bot.delivery.sender import Sender, plain_text

__all__ = ["Outcome", "SendReport", "Sender", "plain_text"]
