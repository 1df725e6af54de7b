# Shared by the makefile builds `sam build` runs (layers/common/Makefile,
# functions/interactions/Makefile). It installs pinned requirements for Lambda's python3.12 on
# arm64 from wheels only, whatever machine builds, then removes what the Lambda runtime already
# provides. PY312 compiles the .pyc files Lambda loads, so it must be a Python 3.12 (`make
# sam-build` finds one, pyenv's included).
PY312 ?= python3.12
LAMBDA_PIP = $(PY312) -m pip install --quiet --disable-pip-version-check --no-warn-conflicts \
	--implementation cp --python-version 3.12 --only-binary=:all: \
	--platform manylinux_2_28_aarch64 --platform manylinux2014_aarch64 --target

# The python3.12 runtime ships boto3, botocore and s3transfer (botocore alone is ~25 MB unzipped):
# a copy in the package would only shadow them.
# Their own dependencies (urllib3, python-dateutil, six, jmespath) come with the runtime too, but
# other packages here may pin newer ones, so only the three are removed.
RUNTIME_PROVIDED := boto3 botocore s3transfer
prune = cd "$(1)" && rm -rf $(foreach p,$(2),$(p) $(p)-*.dist-info) bin
prune_runtime_provided = $(call prune,$(1),$(RUNTIME_PROVIDED)) && $(call strip_unused,$(1))
# Packages' own test suites (numpy's alone are ~10 MB) and type stubs are never imported in Lambda.
# The .pyc files stay: Lambda cannot write them, and compiling at every cold start costs more.
strip_unused = find "$(1)" -type d -name tests -prune -exec rm -rf {} + && find "$(1)" -name "*.pyi" -delete

# The companion package without what only runs on a developer's machine: local/ (the embedded
# runtime) and assets/ (the offline embedder's tokenizer; the offline embedder does not ship),
# compiled by Lambda's Python like the installed packages: /opt is read-only, so without .pyc files
# every cold start compiles the package again. unchecked-hash: a deployed file never changes, so
# Python need not compare timestamps (which zipping may not keep) to trust the .pyc.
copy_companion = cp -R "$(1)" "$(2)/" && rm -rf "$(2)/companion/local" "$(2)/companion/assets" && \
	find "$(2)/companion" -name __pycache__ -prune -exec rm -rf {} + && \
	$(PY312) -m compileall -q -j 0 --invalidation-mode unchecked-hash "$(2)/companion"
