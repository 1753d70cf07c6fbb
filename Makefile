# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: install browser run test bench lint clean

$(BIN)/borderbrief: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/borderbrief

## Debian's Chromium for the browser tests (playwright drives /usr/bin/chromium; it cannot
## download browsers of its own here, so `playwright install` is never used).
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's chromium for the browser tests"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq chromium >/dev/null; } \
		|| echo "chromium could not be installed: the browser tests will be skipped"; \
	else echo "chromium is not installed (needs root and apt-get): the browser tests will be skipped"; \
	fi

## Install, then run the bot (with no BORDERBRIEF_TELEGRAM_TOKEN: poll once and print a brief).
run: install
	$(BIN)/borderbrief run

## Install (with Chromium for the browser tests), then run the whole suite (SQLite and PostgreSQL).
## Tests needing what a clone may lack (PostgreSQL, ../shared/data, Chromium) skip with the reason;
## .ci/run makes each of them required.
test: install browser
	$(BIN)/python -m pytest

## Benchmarks (about half an hour; not part of the test suite). Each prints its figures and a
## baseline measured in the same run.
bench: install
	$(BIN)/python bench/startup.py
	$(BIN)/python bench/poll.py
	$(BIN)/python bench/poll_timing.py
	$(BIN)/python bench/brief_timing.py
	$(BIN)/python bench/fanout.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/parse_memory.py
	$(BIN)/python bench/match_quality.py
	$(BIN)/python bench/match_speed.py
	$(BIN)/python bench/story_quality.py
	$(BIN)/python bench/story_filing.py

lint: install
	$(BIN)/ruff check bot briefings tests bench

clean:
	rm -rf $(VENV) .pytest_cache
