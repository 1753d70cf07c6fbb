"""What a clone may lack skips with a reason naming it; CI (.ci/run) requires every such thing.

PostgreSQL, the labelled data folder ../shared/data beside the checkout and Chromium are each
skipped when missing, and each has a BORDERBRIEF_REQUIRE_* switch that .ci/run sets.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import chromium_executable, shared_data_folder

REPO = Path(__file__).resolve().parents[2]
SWITCHES = ("BORDERBRIEF_REQUIRE_POSTGRES", "BORDERBRIEF_REQUIRE_DATA",
            "BORDERBRIEF_REQUIRE_BROWSER")

CASES: list[tuple[str, Callable[[Path], Path], str, str]] = [
    ("data", shared_data_folder, "BORDERBRIEF_REQUIRE_DATA", "labelled data folder"),
    ("browser", chromium_executable, "BORDERBRIEF_REQUIRE_BROWSER", "chromium"),
]


@pytest.mark.parametrize(("what", "check", "switch", "says"), CASES, ids=[c[0] for c in CASES])
def test_missing_skips_naming_it_and_fails_when_required(
    what: str, check: Callable[[Path], Path], switch: str, says: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    absent = tmp_path / "not-here"
    monkeypatch.delenv(switch, raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        check(absent)
    assert str(absent) in str(skipped.value) and says in str(skipped.value)
    monkeypatch.setenv(switch, "1")
    with pytest.raises(pytest.fail.Exception) as failed:
        check(absent)
    assert str(absent) in str(failed.value) and switch in str(failed.value)


def test_ci_requires_everything_a_clone_may_lack() -> None:
    script = (REPO / ".ci" / "run").read_text()
    for switch in SWITCHES:
        assert re.search(rf"^export {switch}=1$", script, re.MULTILINE), switch
    assert re.search(r"^make test$", script, re.MULTILINE)


def test_make_test_installs_chromium_the_debian_way() -> None:
    makefile = (REPO / "Makefile").read_text()
    assert re.search(r"^test: .*\bbrowser\b", makefile, re.MULTILINE)
    recipe = makefile.split("\nbrowser:", 1)[1].split("\n\n", 1)[0]
    assert "[ -x /usr/bin/chromium ]" in recipe  # apt only when it is missing
    assert "apt-get update" in recipe and "apt-get install -y -qq chromium" in recipe
    assert "browser tests will be skipped" in recipe  # not root, or no apt-get: one line


def test_installs_name_no_registry_host_and_never_download_browsers() -> None:
    for name in ("Makefile", ".ci/run", "pyproject.toml", "Dockerfile"):
        text = (REPO / name).read_text()
        commands = "\n".join(line for line in text.splitlines()
                             if not line.lstrip().startswith("#"))
        assert "playwright install" not in commands, name
        assert not re.search(r"index-url|find-links|pypi\.org|pythonhosted", text), name


def test_only_the_fixture_finds_the_shared_data_folder() -> None:
    """A test reading ../shared/data directly would error in a clone instead of skipping."""
    direct = re.compile(r"""/\s*["']shared["']|["']shared["']\s*/|["'][^"']*shared/data""")
    offenders = [
        str(path.relative_to(REPO)) for path in (REPO / "tests").rglob("*.py")
        if path.name not in ("conftest.py", Path(__file__).name)
        and any(direct.search(line) and not line.lstrip().startswith(("#", '"""'))
                for line in path.read_text(encoding="utf-8").splitlines())
    ]
    assert offenders == []


def test_make_bench_runs_every_benchmark_with_options_it_takes() -> None:
    """A bench renamed, added or given new options must not leave `make bench` failing."""
    makefile = (REPO / "Makefile").read_text()
    recipe = makefile.split("\nbench:", 1)[1].split("\n\n", 1)[0]
    lines = [line.split("$(BIN)/python ", 1)[1] for line in recipe.splitlines()
             if "$(BIN)/python bench/" in line]
    scripts = {line.split()[0] for line in lines}
    # Every script in bench/ that is a benchmark: helpers are imported, never run.
    benches = {f"bench/{path.name}" for path in (REPO / "bench").glob("*.py")
               if "argparse" in path.read_text(encoding="utf-8")}
    assert scripts == benches
    for line in lines:
        script, *options = line.split()
        done = subprocess.run([sys.executable, script, "--help"], cwd=REPO, capture_output=True,
                              text=True, timeout=60)  # fmt: skip
        assert done.returncode == 0, f"{script}: {done.stderr[-500:]}"
        # argparse's --help exits before it would refuse an unknown option: look them up.
        known = set(re.findall(r"--[a-z][a-z0-9-]*", done.stdout))
        assert {o.split("=")[0] for o in options if o.startswith("--")} <= known, line
