"""Settings come from the environment and an optional TOML file; a bad value names itself."""

from datetime import timedelta
from pathlib import Path

import pytest

from briefings.paths import default_config_file, defaults_dir
from briefings.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    import os

    for name in list(os.environ):
        if name.startswith("BORDERBRIEF_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # away from any .env a developer keeps in the checkout


def test_defaults_find_the_shipped_config():
    settings = load_settings()
    assert settings.sources == defaults_dir() / "sources.toml"
    assert settings.themes == defaults_dir() / "themes.toml"
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.token is None


def test_environment_values(monkeypatch):
    monkeypatch.setenv("BORDERBRIEF_POLL_INTERVAL", "120")
    monkeypatch.setenv("BORDERBRIEF_OWNER_IDS", "11, 22 33")
    monkeypatch.setenv("BORDERBRIEF_TELEGRAM_TOKEN", "123:abc")
    settings = load_settings()
    assert settings.poll_interval == 120
    assert settings.owner_ids == [11, 22, 33]
    assert settings.token == "123:abc"
    assert "123:abc" not in repr(settings)  # secrets never print


def test_toml_file_and_environment_precedence(monkeypatch, tmp_path):
    config = tmp_path / "borderbrief.toml"
    config.write_text('poll_interval = 900\ndefault_timezone = "America/Mexico_City"\n')
    monkeypatch.setenv("BORDERBRIEF_CONFIG", str(config))
    monkeypatch.setenv("BORDERBRIEF_POLL_INTERVAL", "300")
    settings = load_settings()
    assert settings.poll_interval == 300  # the environment wins
    assert settings.default_timezone == "America/Mexico_City"


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("BORDERBRIEF_POLL_INTERVAL", "soon", "must be a whole number (got 'soon')"),
        ("BORDERBRIEF_POLL_INTERVAL", "5", "must be at least 30 (got"),
        ("BORDERBRIEF_DATABASE_URL", "mysql://x", "sqlite+aiosqlite://"),
        ("BORDERBRIEF_TELEGRAM_API_URL", "api.telegram.org", "http(s) URL"),
        ("BORDERBRIEF_DEFAULT_TIMEZONE", "Mars/Olympus", "IANA time zone"),
        ("BORDERBRIEF_DEFAULT_TIMEZONE", "America", "IANA time zone"),  # a folder of zones
        ("BORDERBRIEF_DEFAULT_BRIEF_TIME", "25:00", "HH:MM"),
        ("BORDERBRIEF_DEFAULT_LANGUAGE", "fr", "en or es"),
        ("BORDERBRIEF_OWNER_IDS", "11, alice", "must be Telegram user ids (whole numbers)"),
        ("BORDERBRIEF_OWNER_IDS", "9" * 5000, "must be Telegram user ids (whole numbers)"),
        ("BORDERBRIEF_LOG_LEVEL", "loud", "DEBUG, INFO, WARNING"),
        ("BORDERBRIEF_KEEP_DAYS", "7", "0 (keep everything) or at least 30 days"),
        ("BORDERBRIEF_KEEP_DAYS", "-1", "must be at least 0 (got"),
        ("BORDERBRIEF_FETCH_TIMEOUT", "0", "must be more than 0 (got '0')"),
        ("BORDERBRIEF_FETCH_TIMEOUT", "fast", "must be a number (got 'fast')"),
        ("BORDERBRIEF_ALLOW_PRIVATE_SOURCES", "maybe", "must be true or false (got 'maybe')"),
        ("BORDERBRIEF_HTTP_PORT", "70000", "must be at most 65535 (got '70000')"),
        ("BORDERBRIEF_HTTP_HOST", "", "must not be empty"),
    ],
)
def test_bad_value_names_the_setting(monkeypatch, name, value, says):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith(f"{name}: ")
    assert says in str(caught.value)


@pytest.mark.parametrize(("value", "kept"), [(None, timedelta(days=90)), ("0", None),
                                             ("30", timedelta(days=30))])  # fmt: skip
def test_keep_days_is_how_long_news_is_kept(monkeypatch, value, kept):
    if value is not None:
        monkeypatch.setenv("BORDERBRIEF_KEEP_DAYS", value)
    assert load_settings().keep_news == kept


def test_a_bad_database_url_does_not_echo_its_password(monkeypatch):
    monkeypatch.setenv("BORDERBRIEF_DATABASE_URL", "mysql://bob:hunter2secret@db/x")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "BORDERBRIEF_DATABASE_URL" in str(caught.value)
    assert "hunter2secret" not in str(caught.value)


def test_cli_reports_a_bad_setting_in_one_line(monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.setenv("BORDERBRIEF_POLL_INTERVAL", "often")
    monkeypatch.setenv("BORDERBRIEF_DATABASE_URL", "sqlite+aiosqlite:///unused.db")
    assert main(["db", "current"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("borderbrief: configuration error: BORDERBRIEF_POLL_INTERVAL")
    assert "\n" not in err


def test_cli_db_upgrade_creates_the_file(monkeypatch, tmp_path, capsys):
    from bot.cli import main

    db = tmp_path / "nested" / "bb.db"
    monkeypatch.setenv("BORDERBRIEF_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    assert main(["db", "upgrade"]) == 0
    assert db.exists()
    assert main(["db", "current"]) == 0
    from alembic.script import ScriptDirectory

    from briefings.store.db import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert capsys.readouterr().out.split()[-1] == head


def test_operations_defaults():
    settings = load_settings()
    assert settings.http_host == "127.0.0.1"  # /metrics stays on loopback unless asked
    assert settings.log_level == "INFO"
    assert settings.container is False


def test_log_level_and_http_host_from_the_environment(monkeypatch):
    monkeypatch.setenv("BORDERBRIEF_LOG_LEVEL", "debug")
    monkeypatch.setenv("BORDERBRIEF_HTTP_HOST", "0.0.0.0")
    settings = load_settings()
    assert (settings.log_level, settings.http_host) == ("DEBUG", "0.0.0.0")


def test_dotenv_in_the_working_directory_sits_between_environment_and_file(
    monkeypatch, tmp_path
):
    config = tmp_path / "borderbrief.toml"
    config.write_text('poll_interval = 900\nlog_level = "ERROR"\ndefault_language = "es"\n')
    (tmp_path / ".env").write_text(
        "# compose reads this file too\nPOSTGRES_PASSWORD=not-ours\n"
        "BORDERBRIEF_POLL_INTERVAL=300\nBORDERBRIEF_LOG_LEVEL=WARNING\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BORDERBRIEF_CONFIG", str(config))
    monkeypatch.setenv("BORDERBRIEF_LOG_LEVEL", "DEBUG")
    settings = load_settings()
    assert settings.log_level == "DEBUG"  # environment over .env
    assert settings.poll_interval == 300  # .env over the file
    assert settings.default_language == "es"  # the file over the default


def test_the_test_switches_are_not_unknown_settings(monkeypatch):
    for name in ("REQUIRE_POSTGRES", "REQUIRE_DATA", "REQUIRE_BROWSER", "TEST_POSTGRES_URL"):
        monkeypatch.setenv(f"BORDERBRIEF_{name}", "1")
    load_settings()


def test_only_the_container_refuses_to_run_without_a_token(monkeypatch):
    load_settings().require_token_in_container()  # outside: the terminal preview
    monkeypatch.setenv("BORDERBRIEF_CONTAINER", "1")
    with pytest.raises(SettingsError, match="BORDERBRIEF_TELEGRAM_TOKEN is not set"):
        load_settings().require_token_in_container()
    monkeypatch.setenv("BORDERBRIEF_TELEGRAM_TOKEN", "123:abc")
    load_settings().require_token_in_container()


@pytest.mark.parametrize(("value", "allowed"), [("yes", True), ("On", True), ("1", True),
                                                ("true", True), ("no", False), ("off", False),
                                                ("0", False), ("FALSE", False)])  # fmt: skip
def test_yes_and_no_are_written_as_people_write_them(monkeypatch, value, allowed):
    monkeypatch.setenv("BORDERBRIEF_ALLOW_PRIVATE_SOURCES", value)
    assert load_settings().allow_private_sources is allowed


def test_an_empty_optional_value_is_unset(monkeypatch, tmp_path):
    # A .env file made from a template often leaves the optional lines empty.
    (tmp_path / ".env").write_text("BORDERBRIEF_TELEGRAM_TOKEN=\nBORDERBRIEF_HTTP_PORT=\n"
                                   "BORDERBRIEF_PUBLIC_URL=\nBORDERBRIEF_SOURCES=\n")  # fmt: skip
    settings = load_settings()
    assert (settings.token, settings.http_port, settings.public_url) == (None, None, None)
    assert settings.sources == default_config_file("sources.toml")  # the default, not "."


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ('poll_interval = "often"', "poll_interval: must be a whole number (got 'often')"),
        ('sources = "feeds\\u0000.toml"', "sources: must be a file's path (this one holds a NUL"),
    ],
)
def test_a_bad_value_in_the_config_file_names_the_file_and_key(monkeypatch, tmp_path, line, says):
    config = tmp_path / "borderbrief.toml"
    config.write_text(line + "\n")
    monkeypatch.setenv("BORDERBRIEF_CONFIG", str(config))
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith(f"{config}: {says}")


def test_values_given_in_code_keep_their_types(tmp_path):
    settings = load_settings(sources=tmp_path / "s.toml", fetch_timeout=1, owner_ids=[5])
    assert settings.sources == tmp_path / "s.toml"
    assert (settings.fetch_timeout, settings.owner_ids) == (1.0, [5])
    assert settings.themes == defaults_dir() / "themes.toml"  # filled in after the data folder


@pytest.mark.parametrize(
    ("where", "line", "says"),
    [
        ("toml", "themes = 5", "themes: must be a path (got 5)"),
        ("toml", 'data_dir = ["a"]', "data_dir: must be a path (got ['a'])"),
        ("toml", "telegram_token = 12345", "telegram_token: must be text"),
        ("env", "BORDERBRIEF_OWNER_IDS=1,x", "must be Telegram user ids (whole numbers)"),
    ],
)
def test_a_value_of_the_wrong_kind_is_one_line_never_a_traceback(monkeypatch, tmp_path, where,
                                                                 line, says):  # fmt: skip
    if where == "toml":
        config = tmp_path / "borderbrief.toml"
        config.write_text(line + "\n")
        monkeypatch.setenv("BORDERBRIEF_CONFIG", str(config))
    else:
        name, value = line.split("=", 1)
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert says in str(caught.value)
    assert "12345" not in str(caught.value)  # a token is never echoed


def test_an_empty_or_bare_line_in_dotenv_leaves_the_layers_below(monkeypatch, tmp_path):
    config = tmp_path / "borderbrief.toml"
    config.write_text('poll_interval = 900\nhttp_port = 8080\ntelegram_token = "1:a"\n')
    monkeypatch.setenv("BORDERBRIEF_CONFIG", str(config))
    (tmp_path / ".env").write_text("BORDERBRIEF_POLL_INTERVAL\nBORDERBRIEF_HTTP_PORT=\n"
                                   "BORDERBRIEF_TELEGRAM_TOKEN\nBORDERBRIEF_THEMES=\n"
                                   "BORDERBRIEF_DATA_DIR\n")  # fmt: skip
    settings = load_settings()
    assert (settings.poll_interval, settings.http_port, settings.token) == (900, 8080, "1:a")
    assert settings.themes == defaults_dir() / "themes.toml"
    assert settings.data_dir == Path("data")


def test_spaces_around_a_value_are_not_part_of_it(monkeypatch):
    monkeypatch.setenv("BORDERBRIEF_POLL_INTERVAL", " 45 ")
    monkeypatch.setenv("BORDERBRIEF_FETCH_TIMEOUT", "15 ")
    monkeypatch.setenv("BORDERBRIEF_LOG_LEVEL", " debug")
    settings = load_settings()
    assert (settings.poll_interval, settings.fetch_timeout, settings.log_level) == (45, 15.0,
                                                                                    "DEBUG")


def test_an_empty_cache_folder_switches_the_cache_off_wherever_it_is_set(monkeypatch, tmp_path):
    from briefings.paths import cache_dir

    (tmp_path / ".env").write_text("BORDERBRIEF_CACHE_DIR=\n")
    assert cache_dir(load_settings().cache_dir) is None


def test_every_bad_value_is_named_in_one_line(monkeypatch):
    monkeypatch.setenv("BORDERBRIEF_POLL_INTERVAL", "5")
    monkeypatch.setenv("BORDERBRIEF_LOG_LEVEL", "loud")
    monkeypatch.setenv("BORDERBRIEF_DATABASE_URL", "mysql://bob:hunter2secret@db/x")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    said = str(caught.value)
    assert said.count("; ") == 2 and "\n" not in said
    for name in ("DATABASE_URL", "POLL_INTERVAL", "LOG_LEVEL"):
        assert f"BORDERBRIEF_{name}: must" in said
    assert "hunter2secret" not in said
