"""Benchmark: how long `borderbrief` takes to start, command by command (medians of N runs).

    .venv/bin/python bench/startup.py            # 9 runs of each
    .venv/bin/python bench/startup.py --runs 5 --importtime

Each command runs in its own process, timed from outside, in a scratch folder (no .env) with a
fresh SQLite file; CPU is its user + system time, which moves less than wall time when other
programs share the machine. Baselines measured in the same run: ``python -c pass`` (the interpreter
alone) and importing every command module, as `borderbrief --help` did before it imported
only the command being run. ``poll --once`` polls one feed that answers 304 (served from this
process), so it is start-up plus the smallest warm cycle. ``match`` matches by meaning too
(the sentence embedder loads and fits on the themes' examples when the rules leave an item
undecided, as they do this one); ``match --rules-only`` by the rules alone. ``--importtime``
adds, per command, the imports that cost most (``python -X importtime``). Target (issue 12):
``--help`` and ``match`` in <= 0.3 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from installed import as_installed  # noqa: E402 - bench/, beside this script

PYTHON = str(ROOT / ".venv/bin/python")
BORDERBRIEF = str(ROOT / ".venv/bin/borderbrief")
EAGER = ("bot.cli_run", "bot.cli_poll", "bot.cli_match", "bot.cli_brief", "bot.cli_stories",
         "bot.cli_db", "bot.cli_init")  # fmt: skip
ITEMS = '{"id": 1, "lang": "en", "title": "Border crossing closed after floods"}\n'
Run = tuple[float, float]  # wall seconds, CPU seconds
TARGETS = {"borderbrief --help": 0.3, "borderbrief match --help": 0.3,
           "borderbrief match --rules-only": 0.3, "borderbrief match": 0.3}  # fmt: skip


def timed(command: list[str], env: dict[str, str], cwd: Path, runs: int) -> list[Run]:
    """(wall, CPU) seconds of each run; a failing command stops the benchmark with its stderr."""
    seconds = []
    for _ in range(runs):
        with tempfile.TemporaryFile() as err:
            started = time.perf_counter()
            proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                                    stderr=err)  # fmt: skip
            _, status, usage = os.wait4(proc.pid, 0)
            seconds.append((time.perf_counter() - started, usage.ru_utime + usage.ru_stime))
            if os.waitstatus_to_exitcode(status):
                err.seek(0)
                raise SystemExit(f"{command} failed ({status}):\n{err.read().decode()}")
    return seconds


def costliest_imports(command: list[str], env: dict[str, str], cwd: Path, top: int = 6) -> str:
    """The top-level imports that took longest, from ``-X importtime``."""
    script = command[1:] if command[0] == PYTHON else command  # borderbrief is a Python script
    done = subprocess.run([PYTHON, "-X", "importtime", *script], env=env, cwd=cwd,
                          capture_output=True, text=True, check=False)  # fmt: skip
    rows = []
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[1].strip().isdigit() and not parts[2].startswith("   "):
            rows.append((int(parts[1]), parts[2].strip()))
    rows.sort(reverse=True)
    return ", ".join(f"{name} {us / 1000:.0f} ms" for us, name in rows[:top])


def commands(folder: Path, feed_url: str) -> dict[str, list[str]]:
    items = folder / "items.jsonl"
    items.write_text(ITEMS)
    (folder / "sources.toml").write_text(
        f'[[sources]]\nname = "One"\nurl = "{feed_url}"\nlanguage = "en"\n'
    )
    return {
        "python -c pass": [PYTHON, "-c", "pass"],
        "import every command (old --help)": [PYTHON, "-c", "import " + ", ".join(EAGER)],
        "borderbrief --help": [BORDERBRIEF, "--help"],
        "borderbrief match --help": [BORDERBRIEF, "match", "--help"],
        "borderbrief match --rules-only": [BORDERBRIEF, "match", "--rules-only", str(items)],
        "borderbrief match": [BORDERBRIEF, "match", str(items)],
        "borderbrief poll --once (warm)": [BORDERBRIEF, "poll", "--once", "--json"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--importtime", action="store_true", help="show the costliest imports")
    args = parser.parse_args()

    from tests.feedserver import FeedServer

    feed = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'
    with FeedServer() as server, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = server.add("/feed.xml", feed, {"Content-Type": "application/rss+xml"})
        env = {**os.environ, "PYTHONPATH": str(ROOT),
               "BORDERBRIEF_DATABASE_URL": f"sqlite+aiosqlite:///{folder}/bb.db",
               "BORDERBRIEF_SOURCES": str(folder / "sources.toml"),
               "BORDERBRIEF_ALLOW_PRIVATE_SOURCES": "true",
               "BORDERBRIEF_LOG_LEVEL": "WARNING"}  # fmt: skip
        env = as_installed(env)
        todo = commands(folder, url)
        timed(todo["borderbrief poll --once (warm)"], env, folder, 1)  # the cold poll: not timed
        print(f"{args.runs} runs each; {os.cpu_count()} CPUs; load average {os.getloadavg()}")
        verdicts = []
        for label, command in todo.items():
            runs = timed(command, env, folder, args.runs)
            median, walls = statistics.median(w for w, _ in runs), [w for w, _ in runs]
            cpu = statistics.median(c for _, c in runs)
            print(f"{label:<36} median {median:6.3f} s  min {min(walls):6.3f} s"
                  f"  max {max(walls):6.3f} s  CPU {cpu:6.3f} s")  # fmt: skip
            if args.importtime and label.startswith(("borderbrief", "import")):
                print(f"{'':<38}{costliest_imports(command, env, folder)}")
            if label in TARGETS:
                ok = "OK" if median <= TARGETS[label] else "OVER"
                verdicts.append(f"{label.removeprefix('borderbrief ')} {median:.3f} s {ok}")
        print(f"load average after: {os.getloadavg()}")
        print(f"targets (<= {max(TARGETS.values())} s): " + ", ".join(verdicts))


if __name__ == "__main__":
    main()
