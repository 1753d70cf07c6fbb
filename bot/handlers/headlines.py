"""/headlines (/titulares): the language of a chat's headlines — its own, one, or EN and ES."""

from __future__ import annotations

from collections.abc import Sequence

from telegram import Update

from bot.handlers.args import ArgError
from bot.handlers.common import Context, changing
from bot.texts import N_, OneOf
from briefings import i18n
from briefings.briefs.content import BOTH, HEADLINES, READER
from briefings.store import chats as store


def _choices() -> dict[str, str]:
    """Every word a reader may type for a choice (any UI language's) → the stored choice."""
    words = {word: READER for word in i18n.words(N_("words.reader")) | {READER}}
    words.update((word, BOTH) for word in i18n.words(N_("words.both")) | {BOTH})
    for lang in i18n.languages():
        words[lang] = lang
        words.update((name.lower(), lang) for name in i18n.text(lang, N_("language.names")).split())
    return words


def parse_headlines(args: Sequence[str]) -> str:
    """``reader|en|es|both`` (or a language's name, or a Spanish word) → the stored choice."""
    if len(args) > 1:
        raise ArgError("err_too_many_args", "headlines")
    choice = _choices().get(args[0].lower()) if args else None
    if choice is None:
        raise ArgError("err_headlines", "headlines", value=args[0] if args else "",
                       choices=OneOf(HEADLINES))
    return choice


def describe(lang: str, choice: str) -> str:
    """A choice in words ("in English and Spanish side by side")."""
    key = f"headlines.{choice}"
    return i18n.text(lang, key if key in i18n.catalogues().ids else f"headlines.{READER}")


async def headlines_command(update: Update, context: Context) -> None:
    got = await changing(update, context, lambda turn: parse_headlines(turn.args))
    if got is None:
        return
    turn, choice = got
    async with turn.state.engine.begin() as conn:
        await turn.ensure_chat(conn)
        turn.chat = await store.update_chat(conn, turn.chat_id, headlines=choice)
    await turn.say("headlines_set", choice=describe(turn.lang, choice))
