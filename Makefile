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

## Benchmarks (slow; not part of the test suite).
bench: install
	$(BIN)/python bench/poll.py

lint: install
	$(BIN)/ruff check bot briefings tests bench

clean:
	rm -rf $(VENV) .pytest_cache
