"""A chat leaving (blocked, kicked, gone) or moving (group → supergroup): its rows follow.

Every function runs in the caller's transaction.
"""

from __future__ import annotations

from sqlalchemy import delete, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from briefings.model import ThemeRef
from briefings.store.chats import lock_chat
from briefings.store.db import insert_ignore
from briefings.store.tables import (
    chat_themes,
    chats,
    item_themes,
    outbox,
    sent_stories,
    story_themes,
    subscriptions,
)

PENDING, FAILED = "pending", "failed"


async def deactivate_chat(conn: AsyncConnection, chat_id: int, reason: str) -> None:
    """The chat blocked or removed the bot, or is gone: stop sending, drop what was waiting."""
    await conn.execute(
        update(chats).where(chats.c.id == chat_id).values(active=False, deactivated_reason=reason)
    )
    await conn.execute(
        update(outbox)
        .where(outbox.c.chat_id == chat_id, outbox.c.status == PENDING)
        .values(status=FAILED, last_error=f"chat deactivated: {reason}",
                claimed_by=None, claimed_until=None)
    )


async def migrate_chat(conn: AsyncConnection, old_id: int, new_id: int) -> None:
    """A group became a supergroup: everything of ``old_id`` now belongs to ``new_id``."""
    if old_id == new_id:
        return
    await lock_chat(conn, old_id)  # its sent rows move by hand: after every writer of them
    exists = (await conn.execute(select(chats.c.id).where(chats.c.id == new_id))).first()
    if exists is None:
        # The foreign keys cascade the new id to subscriptions, own themes and outbox; what
        # was sent has no keys (tables.py) and is moved here.
        await conn.execute(
            update(chats).where(chats.c.id == old_id).values(id=new_id, type="supergroup")
        )
        await conn.execute(
            update(sent_stories).where(sent_stories.c.chat_id == old_id).values(chat_id=new_id)
        )
    else:
        await _merge_into(conn, old_id, new_id)
    await _rename_own_theme_keys(conn, old_id, new_id)


async def _merge_into(conn: AsyncConnection, old_id: int, new_id: int) -> None:
    """The new chat is already registered: move the old one's rows over, then drop it."""
    for table, keys in (
        (subscriptions, ["chat_id", "theme"]),
        (chat_themes, ["chat_id", "name"]),
        (sent_stories, ["chat_id", "story_id"]),
    ):
        columns = [c for c in table.c if c.name != "chat_id"]
        source = select(literal(new_id, table.c.chat_id.type).label("chat_id"), *columns).where(
            table.c.chat_id == old_id
        )
        stmt = insert_ignore(conn, table, keys).from_select(
            ["chat_id", *[c.name for c in columns]], source
        )
        await conn.execute(stmt)
    await conn.execute(update(outbox).where(outbox.c.chat_id == old_id).values(chat_id=new_id))
    await conn.execute(
        update(chats).where(chats.c.id == new_id).values(active=True, deactivated_reason=None)
    )
    await conn.execute(delete(sent_stories).where(sent_stories.c.chat_id == old_id))
    await conn.execute(delete(chats).where(chats.c.id == old_id))


async def _rename_own_theme_keys(conn: AsyncConnection, old_id: int, new_id: int) -> None:
    # Own theme keys embed the chat id (ThemeRef.key); matches follow the chat.
    prefix = ThemeRef("", old_id).key  # every own theme of the old chat starts so
    for table in (item_themes, story_themes):
        rows = await conn.execute(select(table.c.theme).where(table.c.theme.startswith(prefix))
                                  .distinct())
        for (key,) in rows.all():
            ref = ThemeRef.parse(key)
            if ref.chat != old_id:
                continue
            await conn.execute(
                update(table).where(table.c.theme == key).values(theme=ref.moved_to(new_id).key)
            )
