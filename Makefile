# The two commands: `make run` (the companion on embedded engines) and `make test` (the suite).
# Each sets itself up: a venv with pinned installs, rebuilt when a requirements file changes.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test unit bench calibrate reindex bench-personality bench-outreach register-commands lint-template sam-build clean api api-key api-docs incidents train-injection

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

# Reviews the injection screen's security incidents: ARGS="list [--user ID] [--unreviewed]",
# ARGS="show ID", ARGS="false-positive ID [--notes TEXT]", ARGS="confirm ID". Uses DATABASE_URL
# when set (a deployment's database), else the embedded one of `make run`.
incidents: $(STAMP)
	$(PY) -m companion.local.incidents $(ARGS)

# Regenerates docs/API.md from the app's OpenAPI schema (a test fails when it is stale).
api-docs: $(STAMP)
	$(PY) -m companion.api.docs > docs/API.md

bench: $(STAMP)
	$(PY) benchmarks/bench_turns.py

# Measures the similarity thresholds (conflict candidates, consolidation, merge, "related at all")
# on the configured embedder and fast model (keys from the environment; offline: the local models)
# and prints the values to put in the deployment's configuration. Run it once after deploying.
calibrate: $(STAMP)
	$(PY) -m companion.local.calibrate $(ARGS)

# Rebuilds memories' indexed text and vectors after the recipe or the embedding model changed
# (every user whose memories are older than the recipe; ARGS="--user-id ID" for one user).
reindex: $(STAMP)
	$(PY) -m companion.local.reindex $(ARGS)

# The schedules' set-based statements (need growth, baseline drift) over 100k users, with plans.
bench-personality: $(STAMP)
	$(PY) benchmarks/bench_personality.py

# The schedules over 100,000 users (need growth, sweep candidate query, nightly selection, scoring).
bench-outreach: $(STAMP)
	$(PY) benchmarks/bench_outreach.py

# Registers the slash commands with Discord (needs DISCORD_APPLICATION_ID and DISCORD_BOT_TOKEN).
register-commands: $(STAMP)
	$(PY) -m companion.local.register_commands

# Template checks (`make lint-template`, which .ci/run runs): cfn-lint (it also runs SAM's
# transform) and checkov, from requirements-tools.txt. Offline once installed; no Docker, no AWS
# credentials.
TOOLS_VENV ?= .venv-tools
TOOLS_STAMP := $(TOOLS_VENV)/.installed

$(TOOLS_STAMP): requirements-tools.txt
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(TOOLS_VENV)/bin/python -m pip install --quiet -r requirements-tools.txt
	touch $@

lint-template: $(TOOLS_STAMP)
	$(TOOLS_VENV)/bin/cfn-lint template.yaml
	BC_SKIP_MAPPING=TRUE CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false $(TOOLS_VENV)/bin/checkov --quiet --compact \
		--skip-download --framework cloudformation --file template.yaml

# Retrains the injection screen's learned stage (tools/train_injection_classifier.py says where
# the data comes from); scikit-learn lives in a venv of its own, never in the Lambda layer.
TRAIN_VENV ?= .venv-train
TRAIN_STAMP := $(TRAIN_VENV)/.installed
TENSOR_TRUST ?=
DEEPSET ?=
PALLMS ?=

$(TRAIN_STAMP): requirements-train.txt
	$(PYTHON) -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/python -m pip install --quiet -r requirements-train.txt
	touch $@

train-injection: $(TRAIN_STAMP)
	$(TRAIN_VENV)/bin/python tools/train_injection_classifier.py \
		$(if $(TENSOR_TRUST),--tensor-trust $(TENSOR_TRUST)) $(if $(DEEPSET),--deepset $(DEEPSET)) \
		$(if $(PALLMS),--pallms $(PALLMS))

# The SAM CLI has a venv of its own: it pins boto3 and pydantic versions that checkov's conflict with.
SAM_VENV ?= .venv-sam
SAM_STAMP := $(SAM_VENV)/.installed
SAM_ENV := SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1}
# `sam build` and the makefile builds need a Python 3.12 (Lambda's): python3.12 on PATH, or the
# newest 3.12 pyenv has installed (selected or not).
PY312_BIN := $(shell python3.12 -c 'import sys; print(sys.prefix + "/bin")' 2>/dev/null || \
	ls -d $$(pyenv root 2>/dev/null || echo $$HOME/.pyenv)/versions/3.12*/bin 2>/dev/null | sort -V | tail -1)

$(SAM_STAMP): requirements-sam.txt
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet -r requirements-sam.txt
	touch $@

# Builds .aws-sam/ (no Docker), then prints each function's unzipped size (code + layers).
sam-build: $(SAM_STAMP) $(STAMP)
	@test -n "$(PY312_BIN)" || { echo "sam build needs Python 3.12: install it (e.g. pyenv install 3.12) and retry"; exit 1; }
	PATH="$(PY312_BIN):$$PATH" PY312="$(PY312_BIN)/python3.12" $(SAM_ENV) $(SAM_VENV)/bin/sam build --template template.yaml
	$(PY) tools/package_sizes.py .aws-sam/build

clean:
	rm -rf $(VENV) $(TOOLS_VENV) $(SAM_VENV) $(TRAIN_VENV) .local .pytest_cache .aws-sam
