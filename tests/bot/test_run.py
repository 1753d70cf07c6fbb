"""``borderbrief run`` as a user runs it: without a token, with long polling, with a webhook."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from bot.app import file_url_for
from tests.feedserver import RSS, FeedServer

REPO = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BORDERBRIEF_")}
    sources = tmp_path / "sources.toml"
    if not sources.exists():
        sources.write_text("")
    env.update(
        BORDERBRIEF_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bb.db'}",
        BORDERBRIEF_SOURCES=str(sources),
        BORDERBRIEF_LOG_FORMAT="json",
        BORDERBRIEF_POLL_INTERVAL="3600",
    )
    env.update(extra)
    return env


def _rss(now: datetime) -> bytes:
    items = [
        ("Mexico rejects U.S. tariffs on steel and autos", "Sheinbaum said Mexico will answer "
         "new tariffs on Mexican exports with its own duties.", 2),
        ("Fentanyl seizure at Nogales port of entry", "Officers seized fentanyl pills hidden "
         "in a truck crossing the border at Nogales.", 3),
    ]
    body = "".join(
        f"<item><title>{title}</title><link>https://news.example/{n}</link>"
        f"<guid>https://news.example/{n}</guid><description>{summary}</description>"
        f"<pubDate>{format_datetime(now - timedelta(hours=hours))}</pubDate></item>"
        for n, (title, summary, hours) in enumerate(items)
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
            f"<link>https://news.example/</link><description>d</description>{body}"
            f"</channel></rss>").encode()


def test_file_url_follows_the_api_url():
    assert file_url_for("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url_for("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"


def test_run_without_token_prints_the_brief_and_the_token_hint(tmp_path):
    with FeedServer() as feeds:
        url = feeds.add("/wire.xml", _rss(datetime.now(UTC)), {"Content-Type": RSS})
        (tmp_path / "sources.toml").write_text(
            f'[[sources]]\nname = "Wire"\nurl = "{url}"\nlanguage = "en"\n')
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "run"], cwd=REPO, capture_output=True, text=True,
            timeout=60, env=_env(tmp_path, BORDERBRIEF_ALLOW_PRIVATE_SOURCES="1"),
        )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Mexico rejects U.S. tariffs on steel and autos" in out
    assert "Fentanyl seizure at Nogales port of entry" in out
    assert "<b>" not in out  # the terminal gets text, not Telegram HTML
    hint = out.strip().splitlines()[-1]
    assert "@BotFather" in hint and "BORDERBRIEF_TELEGRAM_TOKEN" in hint


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _wait(predicate, within: float = 20.0):
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """The CLI in a child process; its stderr (the logs) goes to ``log``."""
    with log.open("w") as err:
        return subprocess.Popen([sys.executable, "-m", "bot.cli", *args], cwd=REPO, env=env,
                                stdout=subprocess.DEVNULL, stderr=err, text=True)


def _stop(proc: subprocess.Popen, log: Path) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"bot did not stop on SIGTERM: {log.read_text()[-2000:]}")
    return proc.returncode, log.read_text()


async def test_run_polls_answers_and_stops_cleanly_on_sigterm(botapi, tmp_path):
    env = _env(tmp_path, BORDERBRIEF_TELEGRAM_TOKEN=botapi.token,
               BORDERBRIEF_TELEGRAM_API_URL=botapi.base_url)
    log = tmp_path / "bot.log"
    proc = _spawn(["run"], env, log)
    try:
        await _wait(lambda: botapi.calls_of("setMyCommands") or proc.poll() is not None)
        botapi.push_update(botapi.message(77, "/start"))
        await _wait(lambda: len(botapi.sent(77)) >= 2 or proc.poll() is not None)
    finally:
        code, err = _stop(proc, log)
    assert code == 0, err[-3000:]
    assert "Hello" in botapi.sent(77)[0].params["text"]
    assert {c.params.get("language_code") for c in botapi.calls_of("setMyCommands")} == {
        None, "es"}
    assert botapi.token.split(":")[1] not in err  # the token never reaches the logs


async def test_run_webhook_checks_the_secret_token(botapi, tmp_path):
    port = _free_port()
    hook = f"http://127.0.0.1:{port}/tg-hook"
    env = _env(tmp_path, BORDERBRIEF_TELEGRAM_TOKEN=botapi.token,
               BORDERBRIEF_TELEGRAM_API_URL=botapi.base_url)
    log = tmp_path / "bot.log"
    proc = _spawn(["run", "--webhook", hook, "--listen", "127.0.0.1", "--port", str(port)],
                  env, log)
    try:
        await _wait(lambda: botapi.calls_of("setWebhook") or proc.poll() is not None)
        [set_webhook] = botapi.calls_of("setWebhook")
        secret = set_webhook.params["secret_token"]
        update = {"update_id": 1, **botapi.message(78, "/help")}
        async with httpx.AsyncClient() as client:
            await _wait_port(port)
            forged = await client.post(hook, json=update)
            forged_wrong = await client.post(
                hook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
            real = await client.post(
                hook, json={**update, "update_id": 2},
                headers={"X-Telegram-Bot-Api-Secret-Token": secret})
        await _wait(lambda: botapi.sent(78) or proc.poll() is not None)
    finally:
        code, err = _stop(proc, log)
    assert set_webhook.params["url"] == hook and len(secret) >= 32
    assert forged.status_code == 403 and forged_wrong.status_code == 403
    assert real.status_code == 200
    assert len(botapi.sent(78)) == 1 and "/latest" in botapi.sent(78)[0].params["text"]
    assert "generated a random one" in err and secret not in err
    assert code == 0, err[-3000:]


async def _wait_port(port: int) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


def test_run_with_a_refused_token_says_so_in_one_line(botapi, tmp_path):
    env = _env(tmp_path, BORDERBRIEF_TELEGRAM_TOKEN="123456789:AAWrongTokenWrongTokenWrongToken00",
               BORDERBRIEF_TELEGRAM_API_URL=botapi.base_url)
    done = subprocess.run([sys.executable, "-m", "bot.cli", "run"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("borderbrief: Telegram refused the token") and "@BotFather" in last
    assert "AAWrongToken" not in done.stderr


def test_run_with_an_unreachable_api_says_so_in_one_line(tmp_path):
    env = _env(tmp_path, BORDERBRIEF_TELEGRAM_TOKEN="123456789:AAFakeTokenFakeTokenFakeToken000",
               BORDERBRIEF_TELEGRAM_API_URL=f"http://127.0.0.1:{_free_port()}/bot")
    done = subprocess.run([sys.executable, "-m", "bot.cli", "run"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("borderbrief: cannot reach the Bot API at http://127.0.0.1:")
    assert "AAFakeToken" not in done.stderr
