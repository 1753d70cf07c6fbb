"""The schema: every table borderbrief keeps. Alembic migrations are written from this file.

Times are stored as UTC and always come back timezone-aware (``UTCDateTime``), on SQLite too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend (SQLite keeps no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC time")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        when: datetime = value  # the DateTime column gives a datetime, naive on SQLite
        if when.tzinfo is None:
            return when.replace(tzinfo=UTC)
        return when.astimezone(UTC)


# An auto-incrementing 64-bit key (SQLite only auto-increments INTEGER PRIMARY KEY).
Id = BigInteger().with_variant(Integer(), "sqlite")
# Telegram chat ids need 64 bits and are given, not generated.
ChatId = BigInteger()

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

sources = Table(
    "sources",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("url", Text, nullable=False, unique=True),
    Column("language", String(8), nullable=False),
    Column("country", String(8)),
    Column("weight", Float, nullable=False, default=1.0),
    Column("interval", Integer),  # seconds; NULL = the global poll interval
    Column("enabled", Boolean, nullable=False, default=True),
    # Conditional GET validators from the last 200 response.
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_status", Integer),
    Column("last_fetched_at", UTCDateTime),
    Column("next_fetch_at", UTCDateTime, index=True),
    Column("error_count", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("disabled_reason", Text),  # set when polling stopped by itself (410, too many errors)
    # False until the first successful poll: that poll stores items without alerting anyone.
    Column("seeded", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
)

stories = Table(
    "stories",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("headline", Text, nullable=False),
    Column("url", Text, nullable=False, default=""),
    Column("summary", Text, nullable=False, default=""),
    Column("first_seen_at", UTCDateTime, nullable=False, index=True),
    Column("last_seen_at", UTCDateTime, nullable=False, index=True),
    Column("source_count", Integer, nullable=False, default=1),
    Column("languages", String(32), nullable=False, default=""),  # e.g. "en,es"
    Column("signature", JSON),  # the clustering stage's fingerprint of the story
)

story_themes = Table(
    "story_themes",
    metadata,
    Column("story_id", ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
    Column("theme", String(64), primary_key=True, index=True),
    Column("score", Float, nullable=False),
)

items = Table(
    "items",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source_id", ForeignKey("sources.id", ondelete="CASCADE"), nullable=False),
    Column("guid", Text, nullable=False),
    Column("url", Text, nullable=False, default=""),
    Column("title", Text, nullable=False, default=""),
    Column("summary", Text, nullable=False, default=""),
    Column("language", String(8), nullable=False),
    Column("published_at", UTCDateTime, nullable=False, index=True),
    Column("fetched_at", UTCDateTime, nullable=False),
    Column("content_hash", String(64), nullable=False, default=""),
    Column("story_id", ForeignKey("stories.id", ondelete="SET NULL"), index=True),
    UniqueConstraint("source_id", "guid"),
    Index("ix_items_source_id_content_hash", "source_id", "content_hash"),
)

item_themes = Table(
    "item_themes",
    metadata,
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("theme", String(64), primary_key=True, index=True),
    Column("score", Float, nullable=False),
    Column("hits", JSON, nullable=False),  # [[term, "title"|"summary"], ...]
)

chats = Table(
    "chats",
    metadata,
    Column("id", ChatId, primary_key=True, autoincrement=False),
    Column("type", String(16), nullable=False),  # private | group | supergroup | channel
    Column("title", Text),
    Column("username", Text),
    Column("language", String(2), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("brief_time", String(5), nullable=False),  # HH:MM local
    Column("next_brief_at", UTCDateTime, index=True),
    Column("last_brief_at", UTCDateTime),
    Column("paused", Boolean, nullable=False, default=False),
    Column("alerts", Boolean, nullable=False, default=False),
    Column("quiet_start", String(5)),  # HH:MM local; alerts then arrive silently
    Column("quiet_end", String(5)),
    Column("thread_id", BigInteger),  # forum topic the chat's messages go to
    # Headlines in: "reader" (the chat's language), a language code, or "both" (EN / ES).
    Column("headlines", String(8), nullable=False, default="reader", server_default="reader"),
    Column("active", Boolean, nullable=False, default=True),
    Column("deactivated_reason", Text),
    Column("created_at", UTCDateTime, nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column(
        "chat_id",
        ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"),
        primary_key=True,
    ),
    Column("theme", String(64), primary_key=True, index=True),
)

# A chat's own themes (/track): the definition is in the same term language as themes.toml.
chat_themes = Table(
    "chat_themes",
    metadata,
    Column(
        "chat_id",
        ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"),
        primary_key=True,
    ),
    Column("name", String(64), primary_key=True),
    Column("terms", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Alerts a poll owes: written in the transaction that files the stories, taken (deleted) in the
# transaction that queues their alerts, so a failure or a crash between the two loses none.
owed_alerts = Table(
    "owed_alerts",
    metadata,
    Column("story_id", ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True),
    Column("owed_at", UTCDateTime, nullable=False),
)

# What each chat has been sent, so no story reaches a chat twice. The busiest table: a brief
# writes a row per chat and story (a million for 100,000 chats). It has no foreign keys: on
# PostgreSQL each would check every row inserted (the two took 15 of 21 s to insert a million
# rows), and a row of a chat or story that is gone is never read. What they cascaded is done
# outright: a chat forgotten (``forget_chat``) or moved to a new id (``migrate_chat``) takes its
# rows along. Old rows go by age (``store.retention``): a row left for a story deleted as old
# news is never read, as no story id is given twice (a sequence on PostgreSQL; on SQLite the
# newest story is never deleted). Whatever else deletes stories must keep that true, or delete
# their rows here, or a reused id would read as sent.
sent_stories = Table(
    "sent_stories",
    metadata,
    Column("chat_id", ChatId, primary_key=True, autoincrement=False),
    Column("story_id", Id, primary_key=True, autoincrement=False),
    Column("sent_at", UTCDateTime, nullable=False),
)

# A rendered message body, stored once and shared by every chat that receives it.
bodies = Table(
    "bodies",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("text", Text, nullable=False),
    Column("parse_mode", String(16), nullable=False, default="HTML"),
    Column("created_at", UTCDateTime, nullable=False),
    # The face that rendered the body and sends it: only that face's sender claims its rows.
    Column("face", String(16), nullable=False, default="telegram", server_default="telegram"),
    # The face's buttons under the message (Telegram: an inline keyboard as JSON), if any.
    Column("markup", Text),
)

# Messages waiting to go out. A row is marked sent the moment Telegram accepts it.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "chat_id",
        ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("body_id", ForeignKey("bodies.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),  # brief | alert | broadcast | notice
    Column("part", Integer, nullable=False, default=0),  # order of a split message's parts
    Column("thread_id", BigInteger),
    Column("silent", Boolean, nullable=False, default=False),
    # Unique per logical message, e.g. "brief:<chat>:<local date>:<part>": never enqueued twice.
    Column("dedupe_key", String(200), unique=True),
    Column("status", String(8), nullable=False, default="pending"),  # pending | sent | failed
    Column("not_before", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("claimed_by", String(64)),
    Column("claimed_until", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime),
    Index("ix_outbox_status_not_before", "status", "not_before"),
)

# Small facts the process keeps between runs (last poll time, ...).
state = Table(
    "state",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
