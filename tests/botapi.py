"""A real HTTP stand-in of the Telegram Bot API, on 127.0.0.1, for the real PTB client.

The server runs in its own threads, so the bot under test may live in this process (any event
loop) or in a subprocess. It speaks the Bot API wire format: every call is a POST to
``/bot<token>/<method>`` with form-encoded parameters (multipart with a file: sendPhoto),
non-string values JSON-encoded; answers are
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": ..., "description": ...,
"parameters": {...}}``.

What tests get:
- ``calls`` / ``calls_of(method)`` / ``sent(chat_id)``: everything the bot asked for, decoded;
- ``push_update(update)`` and the ``message`` / ``callback`` / ``my_chat_member`` builders: updates
  served to the bot's ``getUpdates`` long poll, as a user's client would cause them;
- ``fail_next(...)``: answer the next matching call(s) with an error (429 with ``retry_after``,
  403, 400, a group-to-supergroup migration, 5xx);
- ``limits(...)``: enforce Telegram's flood limits and answer 429 when they are exceeded,
  counting ``refused``;
- ``set_member(chat, user, status)``: what ``getChatMember`` reports.
"""

from __future__ import annotations

import asyncio
import email.policy
import html
import itertools
import json
import re
import sys
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

BOT_ID = 7_000_000_001
BOT_USERNAME = "borderbrief_test_bot"
ANONYMOUS_ADMIN_ID = 1087968824

# Parameters PTB sends as plain strings even when they look like JSON numbers.
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "description",
        "short_description",
        "callback_query_id",
        "url",
        "secret_token",
        "language_code",
        "inline_message_id",
        "name",
    }
)

_ADMIN_RIGHTS = dict.fromkeys(
    (
        "can_be_edited",
        "can_manage_chat",
        "can_delete_messages",
        "can_manage_video_chats",
        "can_restrict_members",
        "can_promote_members",
        "can_change_info",
        "can_invite_users",
        "can_post_stories",
        "can_edit_stories",
        "can_delete_stories",
        "can_post_messages",
        "can_edit_messages",
        "can_pin_messages",
    ),
    True,
) | {"is_anonymous": False}


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    at: float
    ok: bool = True
    error_code: int | None = None

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")


@dataclass
class _Failure:
    method: str
    error_code: int
    description: str
    chat_id: Any = None
    retry_after: int | None = None
    migrate_to_chat_id: int | None = None
    times: int = 1


@dataclass
class _Limits:
    per_second: float | None = None
    per_chat_per_second: float | None = None
    per_group_per_minute: float | None = None
    recent: deque[float] = field(default_factory=deque)
    per_chat: dict[Any, deque[float]] = field(default_factory=lambda: defaultdict(deque))


def _decode(raw: dict[str, list[str]]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, values in raw.items():
        value = values[-1]
        if key in _STRING_PARAMS:
            params[key] = value
            continue
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params


def _decode_multipart(raw: bytes, content_type: str) -> dict[str, Any]:
    """A multipart/form-data body (a file upload, e.g. sendPhoto): fields decoded as ``_decode``
    does; each file as {"filename", "content_type", "data"}."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    fields: dict[str, list[str]] = {}
    files: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        if part.get_filename() is not None:
            files[str(name)] = {"filename": part.get_filename(),
                                "content_type": part.get_content_type(), "data": data}
        else:
            fields[str(name)] = [data.decode("utf-8")]
    return _decode(fields) | files


def user(user_id: int, *, first_name: str = "Ana", language_code: str | None = "en") -> dict:
    data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        data["language_code"] = language_code
    return data


def bot_user() -> dict:
    return {
        "id": BOT_ID,
        "is_bot": True,
        "first_name": "borderbrief",
        "username": BOT_USERNAME,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


def chat(chat_id: int | str, chat_type: str = "private", *, title: str | None = None,
         is_forum: bool = False) -> dict:
    data: dict[str, Any] = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        data["first_name"] = "Ana"
    else:
        data["title"] = title or f"Chat {chat_id}"
    if is_forum:
        data["is_forum"] = True
    return data


def member(user_data: dict, status: str) -> dict:
    """A ChatMember object of the given status, with every field PTB requires."""
    data: dict[str, Any] = {"user": user_data, "status": status}
    if status == "administrator":
        data |= _ADMIN_RIGHTS
    elif status == "creator":
        data["is_anonymous"] = False
    elif status == "kicked":
        data["until_date"] = 0
    elif status == "restricted":
        data |= {
            "is_member": True,
            "until_date": 0,
            **dict.fromkeys(
                (
                    "can_send_messages",
                    "can_send_audios",
                    "can_send_documents",
                    "can_send_photos",
                    "can_send_videos",
                    "can_send_video_notes",
                    "can_send_voice_notes",
                    "can_send_polls",
                    "can_send_other_messages",
                    "can_add_web_page_previews",
                    "can_change_info",
                    "can_invite_users",
                    "can_pin_messages",
                    "can_manage_topics",
                ),
                False,
            ),
        }
    return data


class BotApiStandIn:
    """The Bot API on 127.0.0.1; start() it, point PTB at ``base_url``, stop() it."""

    token = "123456789:AAFakeTokenForTheLocalStandIn_0123456789"

    def __init__(self, *, response_delay: float = 0.0) -> None:
        self.calls: list[Call] = []
        self.refused = 0
        self._lock = threading.Condition()
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[Any, Iterator[int]] = defaultdict(lambda: itertools.count(1))
        self._failures: list[_Failure] = []
        self._limits = _Limits()
        self._members: dict[tuple[Any, int], str] = {}
        self._chats: dict[Any, dict] = {}
        self._closing = False
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        # Seconds before every answer but getUpdates': real Telegram takes ~0.05 s a round trip.
        self.response_delay = response_delay

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> BotApiStandIn:
        handler = type("Handler", (_Handler,), {"standin": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            self._closing = True
            self._lock.notify_all()
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> BotApiStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the stand-in first"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``: PTB appends the token and method."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # --- what tests arrange ----------------------------------------------------------------
    def push_update(self, update: dict) -> int:
        """Queue an update for getUpdates; returns its update_id."""
        with self._lock:
            update = {**update, "update_id": next(self._update_ids)}
            self._updates.append(update)
            self._lock.notify_all()
            return int(update["update_id"])

    def fail_next(self, method: str, *, error_code: int, description: str = "",
                  retry_after: int | None = None, migrate_to_chat_id: int | None = None,
                  chat_id: Any = None, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` (to ``chat_id``, if given) with errors."""
        if not description:
            description = {
                429: f"Too Many Requests: retry after {retry_after or 1}",
                403: "Forbidden: bot was blocked by the user",
                400: "Bad Request: chat not found",
                500: "Internal Server Error",
                502: "Bad Gateway",
            }.get(error_code, "Error")
        with self._lock:
            self._failures.append(
                _Failure(method, error_code, description, chat_id, retry_after,
                         migrate_to_chat_id, times)
            )

    def limits(self, *, per_second: float | None = None,
               per_chat_per_second: float | None = None,
               per_group_per_minute: float | None = None) -> None:
        """Enforce flood limits on sendMessage: over them a call gets 429 and counts as refused."""
        with self._lock:
            self._limits = _Limits(per_second, per_chat_per_second, per_group_per_minute)

    def set_member(self, chat_id: Any, user_id: int, status: str) -> None:
        """What getChatMember(chat_id, user_id) answers (default: member)."""
        with self._lock:
            self._members[(chat_id, user_id)] = status

    def register_chat(self, chat_data: dict) -> None:
        """Make a chat known (its type shows in sent messages; getChat answers it)."""
        with self._lock:
            self._chats[chat_data["id"]] = chat_data
            if chat_data.get("username"):
                self._chats["@" + chat_data["username"]] = chat_data

    # --- update builders -------------------------------------------------------------------
    def message(self, chat_id: int, text: str, *, user_id: int | None = None,
                chat_type: str = "private", language_code: str | None = "en",
                message_thread_id: int | None = None, sender_chat: dict | None = None,
                title: str | None = None, is_forum: bool = False) -> dict:
        """An update carrying a text message (commands get their bot_command entity)."""
        chat_data = chat(chat_id, chat_type, title=title, is_forum=is_forum)
        self.register_chat(chat_data)
        uid = user_id if user_id is not None else (chat_id if chat_type == "private" else 1)
        msg: dict[str, Any] = {
            "message_id": next(self._message_ids[chat_id]),
            "date": int(time.time()),
            "chat": chat_data,
            "from": user(uid, language_code=language_code),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if message_thread_id is not None:
            msg["message_thread_id"] = message_thread_id
            msg["is_topic_message"] = True
        if sender_chat is not None:
            msg["sender_chat"] = sender_chat
        return {"message": msg}

    def callback(self, chat_id: int, data: str, *, message_id: int, user_id: int | None = None,
                 chat_type: str = "private", language_code: str | None = "en",
                 message_text: str = "…") -> dict:
        """An update for a press on an inline keyboard button of message ``message_id``."""
        chat_data = self._chats.get(chat_id) or chat(chat_id, chat_type)
        uid = user_id if user_id is not None else (chat_id if chat_type == "private" else 1)
        return {
            "callback_query": {
                "id": f"cb{next(self._update_ids)}",
                "from": user(uid, language_code=language_code),
                "chat_instance": f"ci{chat_id}",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": chat_data,
                    "from": bot_user(),
                    "text": message_text,
                },
            }
        }

    def my_chat_member(self, chat_id: int, chat_type: str, new_status: str, *,
                       old_status: str = "left", user_id: int = 1,
                       language_code: str | None = "en", title: str | None = None) -> dict:
        """An update telling the bot its own status in a chat changed (added, removed...)."""
        chat_data = chat(chat_id, chat_type, title=title)
        self.register_chat(chat_data)
        return {
            "my_chat_member": {
                "chat": chat_data,
                "from": user(user_id, language_code=language_code),
                "date": int(time.time()),
                "old_chat_member": member(bot_user(), old_status),
                "new_chat_member": member(bot_user(), new_status),
            }
        }

    # --- what tests read -------------------------------------------------------------------
    def calls_of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def sent(self, chat_id: Any = None) -> list[Call]:
        """Accepted sendMessage calls, to ``chat_id`` if given."""
        with self._lock:
            return [
                c for c in self.calls
                if c.method == "sendMessage" and c.ok and (chat_id is None or c.chat_id == chat_id)
            ]

    def photos(self, chat_id: Any = None) -> list[Call]:
        """Accepted sendPhoto calls (``params["photo"]["data"]`` is the uploaded file)."""
        with self._lock:
            return [c for c in self.calls if c.method == "sendPhoto" and c.ok
                    and (chat_id is None or c.chat_id == chat_id)]

    def texts(self, chat_id: Any = None) -> list[str]:
        return [c.params.get("text", "") for c in self.sent(chat_id)]

    async def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 5.0  # noqa: ASYNC109 - not I/O
    ) -> Any:
        """Poll ``predicate`` until it is truthy; fail the test after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met within {timeout} s; last calls: "
                                     f"{[(c.method, c.params) for c in self.calls[-5:]]}")
            await asyncio.sleep(0.02)

    # --- the protocol ------------------------------------------------------------------------
    def handle(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, dict]:
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if method == "getUpdates":  # not recorded: it repeats all the time
            return 200, {"ok": True, "result": self._get_updates(params)}
        if self.response_delay:
            time.sleep(self.response_delay)
        with self._lock:
            call = Call(method, params, time.monotonic())
            self.calls.append(call)
            failure = self._take_failure(method, params) or self._over_limit(method, params)
            if failure is not None:
                call.ok, call.error_code = False, failure["error_code"]
                # Telegram answers with the error code as the HTTP status, and PTB reads it.
                return int(failure["error_code"]), failure
            result = self._answer(method, params)
        return 200, {"ok": True, "result": result}

    def _take_failure(self, method: str, params: dict[str, Any]) -> dict | None:
        for failure in self._failures:
            if failure.method != method:
                continue
            if failure.chat_id is not None and failure.chat_id != params.get("chat_id"):
                continue
            failure.times -= 1
            if failure.times <= 0:
                self._failures.remove(failure)
            body: dict[str, Any] = {
                "ok": False,
                "error_code": failure.error_code,
                "description": failure.description,
            }
            parameters = {}
            if failure.retry_after is not None:
                parameters["retry_after"] = failure.retry_after
            if failure.migrate_to_chat_id is not None:
                parameters["migrate_to_chat_id"] = failure.migrate_to_chat_id
            if parameters:
                body["parameters"] = parameters
            return body
        return None

    def _over_limit(self, method: str, params: dict[str, Any]) -> dict | None:
        if method != "sendMessage":
            return None
        limits, now = self._limits, time.monotonic()
        chat_id = params.get("chat_id")
        checks = []
        if limits.per_second:
            checks.append((limits.recent, 1.0, limits.per_second))
        is_group = isinstance(chat_id, int) and chat_id < 0
        if is_group and limits.per_group_per_minute:
            checks.append((limits.per_chat[chat_id], 60.0, limits.per_group_per_minute))
        elif limits.per_chat_per_second:
            checks.append((limits.per_chat[chat_id], 1.0, limits.per_chat_per_second))
        for window, span, allowed in checks:
            while window and now - window[0] >= span:
                window.popleft()
            if len(window) >= allowed:
                self.refused += 1
                retry = max(1, int(span - (now - window[0]) + 0.999))
                return {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {retry}",
                    "parameters": {"retry_after": retry},
                }
        for window, _span, _allowed in checks:
            window.append(now)
        return None

    def _get_updates(self, params: dict[str, Any]) -> list[dict]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + min(timeout, 2.0)
        with self._lock:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._closing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._lock.wait(remaining)
            limit = int(params.get("limit") or 100)
            return self._updates[:limit]

    def _answer(self, method: str, params: dict[str, Any]) -> Any:
        chat_id = params.get("chat_id")
        if method == "getMe":
            return bot_user()
        if method in ("sendMessage", "editMessageText"):
            if _visible_length(params.get("text", ""), params.get("parse_mode")) > 4096:
                raise _ApiError(400, "Bad Request: message is too long")
            chat_data = self._chats.get(chat_id) or chat(
                chat_id, "private" if isinstance(chat_id, int) and chat_id > 0 else "supergroup"
            )
            message_id = params.get("message_id") or next(self._message_ids[chat_id])
            message: dict[str, Any] = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": chat_data,
                "from": bot_user(),
                "text": params.get("text", ""),
            }
            if "reply_markup" in params:
                message["reply_markup"] = params["reply_markup"]
            return message
        if method == "sendPhoto":  # the photo as Telegram stores it: one size, our bytes' length
            upload = params.get("photo")
            size = len(upload["data"]) if isinstance(upload, dict) else 0
            return {
                "message_id": next(self._message_ids[chat_id]),
                "date": int(time.time()),
                "chat": self._chats.get(chat_id) or chat(chat_id),
                "from": bot_user(),
                "photo": [{"file_id": f"photo-{size}", "file_unique_id": f"p{size}",
                           "width": 800, "height": 420, "file_size": size}],
                "caption": params.get("caption", ""),
            }
        if method == "editMessageReplyMarkup":
            return {
                "message_id": params.get("message_id"),
                "date": int(time.time()),
                "chat": self._chats.get(chat_id) or chat(chat_id),
                "from": bot_user(),
                "text": "…",
                "reply_markup": params.get("reply_markup"),
            }
        if method == "getChatMember":
            user_id = int(params["user_id"])
            status = self._members.get((chat_id, user_id), "member")
            who = bot_user() if user_id == BOT_ID else user(user_id)
            return member(who, status)
        if method == "getChat":
            known = self._chats.get(chat_id)
            if known is None:
                raise _ApiError(400, "Bad Request: chat not found")
            return {**known, "accent_color_id": 0, "max_reaction_count": 11}
        if method == "getChatAdministrators":
            return [
                member(user(uid), status)
                for (cid, uid), status in self._members.items()
                if cid == chat_id and status in ("administrator", "creator")
            ]
        if method in ("getMyCommands",):
            return []
        # setMyCommands, deleteWebhook, setWebhook, answerCallbackQuery, setMyDescription, ...
        return True


def _visible_length(text: str, parse_mode: str | None) -> int:
    """What Telegram's 4096 counts: UTF-16 units of the text once its HTML tags are parsed."""
    if parse_mode == "HTML":
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return len(text.encode("utf-16-le")) // 2


class _ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client gone mid-answer (a bot stopped or killed while it long-polls) is how
        clients go: not worth a traceback. Anything else still prints one."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    standin: BotApiStandIn
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes: without this, Nagle + delayed ACK add ~40 ms each.
    disable_nagle_algorithm = True

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        self._dispatch()

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch()

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if len(raw) < length:  # the client died mid-request (a kill -9): Telegram never saw it
            self.close_connection = True
            return
        path = self.path.split("?", 1)[0]
        parts = path.strip("/").split("/")
        if len(parts) != 2 or not parts[0].startswith("bot"):
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        token, method = parts[0][3:], parts[1]
        ctype = self.headers.get("Content-Type", "")
        if "json" in ctype and raw:
            params = json.loads(raw)
        elif "multipart/form-data" in ctype:
            params = _decode_multipart(raw, ctype)
        else:
            params = _decode(parse_qs(raw.decode("utf-8"), keep_blank_values=True))
        try:
            status, body = self.standin.handle(token, method, params)
        except _ApiError as exc:
            status, body = exc.code, {"ok": False, "error_code": exc.code,
                                 "description": exc.description}
            with self.standin._lock:
                if self.standin.calls:
                    self.standin.calls[-1].ok = False
                    self.standin.calls[-1].error_code = exc.code
        self._reply(status, body)

    def _reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # quiet: tests read ``calls`` instead


@pytest.fixture
def botapi() -> Iterator[BotApiStandIn]:
    """A running Bot API stand-in, stopped after the test."""
    standin = BotApiStandIn().start()
    yield standin
    standin.stop()
