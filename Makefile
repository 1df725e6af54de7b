# The two commands: `make run` (the companion on embedded engines) and `make test` (the suite).
# Each sets itself up: a venv with pinned installs, rebuilt when a requirements file changes.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test unit bench reindex bench-personality register-commands lint-template sam-build clean api api-key api-docs

$(STAMP): requirements-dev.txt layers/common/requirements.txt layers/common/pyproject.toml functions/api/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e layers/common
	touch $@

run: $(STAMP)
	$(PY) -m companion.local.cli $(ARGS)

test: $(STAMP)
	$(PY) -m pytest

unit: $(STAMP)
	$(PY) -m pytest tests/unit

# The REST API (functions/api) on this machine, on the same embedded engines as `make run`:
# http://127.0.0.1:8000/docs. Keys: `make api-key ARGS="create --admin"` (see README).
api: $(STAMP)
	$(PY) -m companion.local.api_server $(ARGS)

# Creates, lists and revokes REST API keys: ARGS="create --user ID [--user ID2] [--label L]",
# ARGS="create --admin", ARGS="list", ARGS="revoke KEY_ID". Uses DATABASE_URL when set (a
# deployment's database), else the embedded one of `make run`/`make api`.
api-key: $(STAMP)
	$(PY) -m companion.local.api_keys $(ARGS)

# Regenerates docs/API.md from the app's OpenAPI schema (a test fails when it is stale).
api-docs: $(STAMP)
	$(PY) -m companion.api.docs > docs/API.md

bench: $(STAMP)
	$(PY) benchmarks/bench_turns.py

# Rebuilds memories' indexed text and vectors after the recipe or the embedding model changed.
reindex: $(STAMP)
	$(PY) -m companion.local.reindex

# The schedules' set-based statements (need growth, baseline drift) over 100k users, with plans.
bench-personality: $(STAMP)
	$(PY) benchmarks/bench_personality.py

# Registers the slash commands with Discord (needs DISCORD_APPLICATION_ID and DISCORD_BOT_TOKEN).
register-commands: $(STAMP)
	$(PY) -m companion.local.register_commands

# AWS tooling lives in its own venv: aws-sam-cli pins boto3 and pydantic versions of its own.
TOOLS_VENV ?= .venv-tools
TOOLS_STAMP := $(TOOLS_VENV)/.installed
SAM_ENV := SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1}

$(TOOLS_STAMP): requirements-tools.txt
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(TOOLS_VENV)/bin/python -m pip install --quiet -r requirements-tools.txt
	touch $@

# Validates template.yaml (SAM's own lint and cfn-lint). No Docker, no AWS credentials.
lint-template: $(TOOLS_STAMP)
	$(SAM_ENV) $(TOOLS_VENV)/bin/sam validate --lint --template template.yaml
	$(TOOLS_VENV)/bin/cfn-lint template.yaml

# Builds the deployment artifacts into .aws-sam/ (needs python3.12 on PATH; no Docker).
sam-build: $(TOOLS_STAMP)
	$(SAM_ENV) $(TOOLS_VENV)/bin/sam build --template template.yaml

clean:
	rm -rf $(VENV) $(TOOLS_VENV) .local .pytest_cache .aws-sam
