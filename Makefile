# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: install run test bench lint clean

$(BIN)/borderbrief: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/borderbrief

## Install, then run the bot (with no BORDERBRIEF_TELEGRAM_TOKEN: poll once and print a brief).
run: install
	$(BIN)/borderbrief run

## Install, then run the whole test suite (SQLite and PostgreSQL).
test: install
	$(BIN)/python -m pytest

## Benchmarks (minutes; not part of the test suite). Each prints its figures and a baseline.
bench: install
	$(BIN)/python bench/poll.py
	$(BIN)/python bench/match_quality.py
	$(BIN)/python bench/match_speed.py
	$(BIN)/python bench/story_filing.py
	$(BIN)/python bench/fanout.py --chats 1000 --rate 30 --max-in-flight 1
	$(BIN)/python bench/fanout.py
	$(BIN)/python bench/scale.py

lint: install
	$(BIN)/ruff check bot briefings tests bench

clean:
	rm -rf $(VENV) .pytest_cache
