"""Keep the Dockerfile and compose file honest without a Docker engine.

The Dockerfile's own build and install steps run here, in a temporary root standing in for the
image's file system (``/src``, ``/wheels``, ``/opt``, ``/data`` are mapped into it): the wheel is
built from exactly the files the Dockerfile copies, installed into a clean virtualenv (its
dependencies come from the package index, through pip's cache), and the image's start commands
run against it.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot.http import start_http_server
from briefings.settings import Settings, setting_names
from briefings.store.db import open_engine, upgrade
from tests.ops import dockerfile
from tests.ops.helpers import set_last_poll

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"
COMPOSE = REPO / "docker-compose.yml"
IMAGE_DIRS = ("src", "wheels", "opt", "data")
# Steps that set up the image's user; nothing to run outside a container.
SYSTEM_ONLY = ("useradd", "chown")


@dataclass
class Image:
    root: Path
    env: dict[str, str]
    workdir: Path
    wheel: Path


def to_host(text: str, root: Path) -> str:
    """Rewrite the image's absolute paths (``/wheels``, ``////data/x.db``) into ``root``."""
    pattern = r"(?<![\w.])/(" + "|".join(IMAGE_DIRS) + r")(?=/|\b)"
    return re.sub(pattern, lambda m: f"{root}/{m.group(1)}", text)


def clean_env() -> dict[str, str]:
    """This process's environment without any borderbrief setting or virtualenv."""
    drop = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
    return {k: v for k, v in os.environ.items()
            if not k.startswith("BORDERBRIEF_") and k not in drop}


def run_step(command: str, *, root: Path, cwd: Path, env: dict[str, str]) -> None:
    """Run one RUN line's commands (joined by &&) as the image would, minus user set-up."""
    for part in command.split("&&"):
        part = part.strip()
        if part.split()[0] in SYSTEM_ONLY:
            continue
        host = to_host(part, root)
        # The base image's ``python`` is a plain interpreter; ours builds with this one.
        host = re.sub(r"^python(?= )", shlex.quote(sys.executable), host)
        done = subprocess.run(host, shell=True, cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, f"{part!r} failed:\n{done.stdout}\n{done.stderr}"


def apply_env(args: str, env: dict[str, str], root: Path) -> None:
    for key, value in dockerfile.env_pairs(args).items():
        value = value.replace("$PATH", env.get("PATH", ""))
        env[key] = to_host(value, root)


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Image:
    """Both stages of the Dockerfile, run step by step into a temporary root."""
    root = tmp_path_factory.mktemp("image")
    for name in IMAGE_DIRS:
        (root / name).mkdir()
    env = clean_env()
    workdir = root
    build, final = dockerfile.parse(DOCKERFILE)
    for stage in (build, final):
        for step in stage.steps:
            if step.keyword == "WORKDIR":
                workdir = Path(to_host(step.args, root))
                workdir.mkdir(parents=True, exist_ok=True)
            elif step.keyword == "ENV":
                apply_env(step.args, env, root)
            elif step.keyword == "COPY" and step.args.startswith("--from="):
                continue  # the build stage wrote to the same mapped folder
            elif step.keyword == "COPY":
                *sources, dest = step.args.split()
                target = workdir / dest
                for source in sources:
                    path = REPO / source
                    if path.is_dir():
                        shutil.copytree(path, target, dirs_exist_ok=True,
                                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
                    else:
                        target.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(path, target / path.name)
            elif step.keyword == "RUN":
                run_step(step.args, root=root, cwd=workdir, env=env)
        if stage is build:  # keep the wheel aside: the final stage deletes it after install
            wheels = list((root / "wheels").glob("borderbrief-*.whl"))
            assert len(wheels) == 1, wheels
            kept = shutil.copy2(wheels[0], root / wheels[0].name)
    assert not list((root / "wheels").glob("*.whl")), "the image should not keep the wheel"
    return Image(root=root, env=env, workdir=workdir, wheel=Path(kept))


def image_run(image: Image, *argv: str, env: dict[str, str] | None = None
              ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), cwd=image.workdir, env={**image.env, **(env or {})},
                          capture_output=True, text=True, timeout=120)


def test_the_image_runs_as_a_non_root_user_with_data_volume_and_port() -> None:
    _build, final = dockerfile.parse(DOCKERFILE)
    user = final.all("USER")[-1].args
    assert user not in ("root", "0")
    assert final.all("VOLUME") and "/data" in final.all("VOLUME")[0].args
    env: dict[str, str] = {}
    for step in final.all("ENV"):
        env.update(dockerfile.env_pairs(step.args))
    assert env["BORDERBRIEF_DATABASE_URL"] == "sqlite+aiosqlite:////data/borderbrief.db"
    assert final.all("EXPOSE")[0].args == env["BORDERBRIEF_HTTP_PORT"]
    # Inside the container the endpoint listens on every interface; the port mapping decides.
    assert env["BORDERBRIEF_HTTP_HOST"] == "0.0.0.0"
    assert env["BORDERBRIEF_CONTAINER"] == "1"
    # The command is the entrypoint, so `docker run IMAGE poll --once` runs `borderbrief poll ...`.
    assert entrypoint() == ["borderbrief"]
    assert dockerfile.exec_form(final.all("CMD")[-1].args) == ["run"]
    # Configuration only through the environment: every name is a real setting.
    for name in env:
        if name.startswith("BORDERBRIEF_"):
            assert name.removeprefix("BORDERBRIEF_").lower() in setting_names(), name


def entrypoint() -> list[str]:
    return dockerfile.exec_form(dockerfile.parse(DOCKERFILE)[1].all("ENTRYPOINT")[-1].args)


def default_command() -> list[str]:
    """What ``docker run IMAGE`` runs: the entrypoint with the CMD as its arguments."""
    return entrypoint() + dockerfile.exec_form(dockerfile.parse(DOCKERFILE)[1].all("CMD")[-1].args)


def test_the_installed_command_starts(image: Image) -> None:
    assert Path(image.env["PATH"].split(":")[0], "borderbrief").exists()
    done = image_run(image, *entrypoint(), "--help")
    assert done.returncode == 0, done.stderr
    assert "db" in done.stdout
    done = image_run(image, *default_command(), "--help")
    assert done.returncode == 0, done.stderr
    # `docker run IMAGE poll --once`: the arguments reach the command.
    done = image_run(image, *entrypoint(), "poll", "--help")
    assert done.returncode == 0 and "--once" in done.stdout, done.stderr


def test_run_without_a_token_in_the_container_stops_with_one_line(image: Image) -> None:
    done = image_run(image, *default_command())
    assert done.returncode != 0
    err = done.stderr.strip()
    assert err.startswith("borderbrief: ") and "\n" not in err, err
    assert "BORDERBRIEF_TELEGRAM_TOKEN is not set" in err
    assert not done.stdout.strip()  # no brief preview nobody reads


def test_the_wheel_carries_the_license_and_project_metadata(image: Image) -> None:
    wheel = zipfile.ZipFile(image.wheel)
    [metadata] = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    text = wheel.read(metadata).decode()
    assert "License-Expression: MIT" in text
    assert "Project-URL: Homepage, https://github.com/borderbrief/borderbrief" in text
    assert "Classifier: Programming Language :: Python :: 3.11" in text
    [license_file] = [n for n in wheel.namelist() if n.endswith("licenses/LICENSE")]
    assert wheel.read(license_file).decode() == (REPO / "LICENSE").read_text()


def test_the_installed_package_finds_its_shipped_config(image: Image) -> None:
    probe = ("from briefings.paths import defaults_dir; d = defaults_dir(); "
             "print(d); print(sorted(p.name for p in d.iterdir()))")
    done = image_run(image, "python", "-c", probe)
    assert done.returncode == 0, done.stderr
    folder, names = done.stdout.splitlines()
    assert folder.startswith(str(image.root / "opt")), folder
    assert "site-packages" in folder
    assert "sources.toml" in names and "themes.toml" in names


def test_the_wheel_carries_the_defaults(image: Image) -> None:
    names = zipfile.ZipFile(image.wheel).namelist()
    assert "briefings/_defaults/sources.toml" in names
    assert "briefings/_defaults/themes.toml" in names
    assert not any(name.startswith("tests/") for name in names)


def test_db_upgrade_creates_the_sqlite_file_on_the_data_volume(image: Image) -> None:
    done = image_run(image, *entrypoint(), "db", "upgrade")
    assert done.returncode == 0, done.stderr
    assert "schema at revision" in done.stdout
    assert (image.root / "data" / "borderbrief.db").is_file()


async def test_the_healthcheck_command_follows_healthz(image: Image, tmp_path: Path) -> None:
    final = dockerfile.parse(DOCKERFILE)[1]
    check = dockerfile.exec_form(final.all("HEALTHCHECK")[0].args)
    assert check[:2] == ["python", "-c"]
    compile(check[2], "<healthcheck>", "exec")
    engine = open_engine(f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")
    await upgrade(engine)
    settings = Settings(poll_interval=60)
    endpoint = await start_http_server(settings, engine, port=0, host="127.0.0.1")

    async def probe() -> int:
        proc = await asyncio.create_subprocess_exec(
            *check, cwd=image.workdir,
            env={**image.env, "BORDERBRIEF_HTTP_PORT": str(endpoint.port)},
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )
        return await proc.wait()

    try:
        async with engine.begin() as conn:
            await set_last_poll(conn, datetime.now(UTC) - timedelta(seconds=10))
        assert await probe() == 0
        async with engine.begin() as conn:
            from sqlalchemy import delete

            from briefings.store.tables import state

            await conn.execute(delete(state))
            await set_last_poll(conn, datetime.now(UTC) - timedelta(hours=1))
        assert await probe() != 0
    finally:
        await endpoint.aclose()
        await engine.dispose()


def test_compose_runs_the_bot_beside_a_healthy_postgres() -> None:
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    db, bot = compose["services"]["db"], compose["services"]["bot"]
    assert db["image"].startswith("postgres:16")
    assert "healthcheck" in db
    volume = db["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]  # a named volume, not a host folder
    assert bot["build"] == "."
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    env = bot["environment"]
    assert env["BORDERBRIEF_TELEGRAM_TOKEN"].startswith("${BORDERBRIEF_TELEGRAM_TOKEN")
    assert env["BORDERBRIEF_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert "@db:5432/" in env["BORDERBRIEF_DATABASE_URL"]
    for name in env:
        assert name.startswith("BORDERBRIEF_"), name
        assert name.removeprefix("BORDERBRIEF_").lower() in setting_names(), name
    port = str(env["BORDERBRIEF_HTTP_PORT"])
    assert any(str(p).endswith(f":{port}") for p in bot["ports"])


def test_compose_has_no_default_database_password() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    uses = re.findall(r"\$\{POSTGRES_PASSWORD([^}]*)\}", text)
    assert len(uses) == 2, uses  # the server's password and the bot's database URL
    for rest in uses:
        assert rest.startswith(":?"), rest  # compose refuses to start without it


def test_the_license_matches_the_metadata() -> None:
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert (REPO / "LICENSE").read_text().startswith("MIT License\n")
    assert project["urls"]["Homepage"] == "https://github.com/borderbrief/borderbrief"
    assert "example" not in str(project["urls"]).lower()
    assert "Programming Language :: Python :: 3.11" in project["classifiers"]


def test_dockerignore_keeps_what_the_build_copies_and_drops_secrets() -> None:
    import fnmatch

    patterns = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    build = dockerfile.parse(DOCKERFILE)[0]
    copied = [src for step in build.all("COPY") for src in step.args.split()[:-1]]
    assert copied
    for source in copied:
        assert not any(fnmatch.fnmatch(source, p) for p in patterns), source
    for secret in (".env", ".git", ".venv", "data"):
        assert secret in patterns, secret
