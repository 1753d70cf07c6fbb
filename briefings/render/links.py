"""Links to the web pages: a story's page by an opaque token, a shared theme's page by its name.

A story token hides the story's id and cannot be forged: the id goes through a keyed
permutation (a four-round Feistel network over 64 bits, HMAC-SHA256 as its round function), so
tokens neither count up nor say how many stories there are, and a 64-bit HMAC tag follows, so
only the server that holds the key can make a token it accepts. Nobody can walk story pages by
guessing. Chats' own themes (``c<chat>:<name>``) have no page at all.

The key comes from ``page_key``: the ``BORDERBRIEF_PAGES_SECRET`` setting when set, else a secret
the store keeps (``store.pages.stored_secret``), so links in old briefs keep working across
restarts and every process of one store makes the same links.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncEngine

from briefings.model import ThemeRef
from briefings.settings import Settings
from briefings.store.pages import stored_secret

__all__ = ["PageLinks", "load_key", "page_key", "page_links", "story_id_of", "story_token",
           "story_url", "theme_url"]

_ROUNDS = 4
_MASK32 = 0xFFFF_FFFF
_TAG_BYTES = 8
TOKEN_LENGTH = 22  # 16 bytes in unpadded base64url


def page_key(secret: str | bytes) -> bytes:
    """The 32-byte key story links are made with, from a secret of any length."""
    raw = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(raw, b"borderbrief story pages v1", hashlib.sha256).digest()


def _round(key: bytes, number: int, half: int) -> int:
    data = bytes([number]) + half.to_bytes(4, "big")
    return int.from_bytes(hmac.new(key, b"perm" + data, hashlib.sha256).digest()[:4], "big")


def _permute(key: bytes, value: int, *, backwards: bool = False) -> int:
    left, right = value >> 32, value & _MASK32
    if not backwards:
        for number in range(_ROUNDS):
            left, right = right, left ^ _round(key, number, right)
    else:
        for number in reversed(range(_ROUNDS)):
            left, right = right ^ _round(key, number, left), left
    return (left << 32) | right


def _tag(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, b"tag" + body, hashlib.sha256).digest()[:_TAG_BYTES]


def story_token(key: bytes, story_id: int) -> str:
    """The URL-safe token (22 characters) of ``story_id`` under ``key``."""
    if not 0 <= story_id < 1 << 64:
        raise ValueError(f"story id out of range: {story_id}")
    body = _permute(key, story_id).to_bytes(8, "big")
    return base64.urlsafe_b64encode(body + _tag(key, body)).rstrip(b"=").decode()


def story_id_of(key: bytes, token: str) -> int | None:
    """The story id a token stands for; None for anything this key did not make."""
    if len(token) != TOKEN_LENGTH or not token.isascii():
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "==")
    except (binascii.Error, ValueError):
        return None
    body, tag = raw[:8], raw[8:]
    if not hmac.compare_digest(tag, _tag(key, body)):
        return None
    if story_token(key, story_id := _permute(key, int.from_bytes(body, "big"), backwards=True)) \
            != token:  # another spelling of the same bytes (the last character's spare bits)
        return None
    return story_id


def story_url(public_url: str, key: bytes, story_id: int) -> str:
    """The address of a story's page: ``<public_url>/s/<token>``."""
    return f"{public_url.rstrip('/')}/s/{story_token(key, story_id)}"


def theme_url(public_url: str, theme_key: str) -> str | None:
    """The address of a shared theme's page; None for a chat's own theme (it has none)."""
    ref = ThemeRef.parse(theme_key)
    if ref.is_own or not ref.name:
        return None
    return f"{public_url.rstrip('/')}/t/{quote(ref.name, safe='')}"


@dataclass(frozen=True, slots=True)
class PageLinks:
    """The public address and key, for a face that links to pages (briefs, alerts, /trend)."""

    public_url: str
    key: bytes

    def story(self, story_id: int) -> str:
        return story_url(self.public_url, self.key, story_id)

    def theme(self, theme_key: str) -> str | None:
        return theme_url(self.public_url, theme_key)


async def load_key(engine: AsyncEngine, settings: Settings, *, now: datetime) -> bytes:
    """The key of story links: from ``BORDERBRIEF_PAGES_SECRET``, else the store's secret."""
    if settings.pages_secret is not None:
        return page_key(settings.pages_secret.get_secret_value())
    async with engine.begin() as conn:
        return page_key(await stored_secret(conn, now=now))


async def page_links(engine: AsyncEngine, settings: Settings, *, now: datetime
                     ) -> PageLinks | None:
    """How to link to pages, or None when ``BORDERBRIEF_PUBLIC_URL`` is not set (no pages)."""
    if not settings.public_url:
        return None
    return PageLinks(settings.public_url, await load_key(engine, settings, now=now))
