# The two commands: `make run` (the companion on embedded engines) and `make test` (the suite).
# Each sets itself up: a venv with pinned installs, rebuilt when a requirements file changes.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test unit bench register-commands clean

$(STAMP): requirements-dev.txt layers/common/requirements.txt layers/common/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e layers/common
	touch $@

run: $(STAMP)
	$(PY) -m companion.local.cli

test: $(STAMP)
	$(PY) -m pytest

unit: $(STAMP)
	$(PY) -m pytest tests/unit

bench: $(STAMP)
	$(PY) benchmarks/bench_turns.py

# Registers the slash commands with Discord (needs DISCORD_APPLICATION_ID and DISCORD_BOT_TOKEN).
register-commands: $(STAMP)
	$(PY) -m companion.local.register_commands

clean:
	rm -rf $(VENV) .local .pytest_cache
