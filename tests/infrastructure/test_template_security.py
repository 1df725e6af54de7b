"""The template's security promises. checkov and cfn-lint check them too (`make lint-template`,
which .ci/run runs); these tests keep the reasons: every checkov suppression is explained in the
template, data at rest is encrypted with the stack's key, no secret sits in a plain environment
value, and each function may do only what it needs."""
import re

import pytest

from companion.config import SECRET_KEYS

from .cfn import REPO_ROOT, load_template

APP_KEY = {"Ref": "AppKey"}
APP_KEY_ARN = {"Fn::GetAtt": ["AppKey", "Arn"]}


@pytest.fixture(scope="module")
def template():
    return load_template()


def functions(template):
    return {n: r for n, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}


def test_ci_runs_the_template_checks():
    ci = (REPO_ROOT / ".ci/run").read_text()
    assert "make test" in ci and "make lint-template" in ci
    makefile = (REPO_ROOT / "Makefile").read_text()
    lint = makefile[makefile.index("lint-template:"):].split("\n\n")[0]
    assert "cfn-lint template.yaml" in lint and "checkov" in lint and "--skip-download" in lint
    tools = (REPO_ROOT / "requirements-tools.txt").read_text()
    assert re.search(r"^checkov==", tools, re.M) and re.search(r"^cfn-lint==", tools, re.M)


def test_every_checkov_suppression_is_justified(template):
    skips = [(name, skip) for name, r in template["Resources"].items()
             for skip in r.get("Metadata", {}).get("checkov", {}).get("skip", [])]
    assert skips
    for name, skip in skips:
        assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), (name, skip)
        assert len(skip.get("comment", "")) >= 60, f"{name}: {skip['id']} needs a reason"
    # Data-at-rest and network checks are never suppressed: they are fixed.
    assert not {"CKV_AWS_27", "CKV_AWS_26", "CKV_AWS_149", "CKV_AWS_158"} & {s["id"] for _, s in skips}


def test_data_at_rest_is_encrypted_with_the_stacks_rotated_key(template):
    resources = template["Resources"]
    key = resources["AppKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    assert resources["AppSecret"]["Properties"]["KmsKeyId"] == APP_KEY
    for queue in ("TurnQueue", "TurnDeadLetterQueue"):
        assert resources[queue]["Properties"]["KmsMasterKeyId"] == APP_KEY, queue
    assert resources["AlarmTopic"]["Properties"]["KmsMasterKeyId"] == APP_KEY
    for name, r in resources.items():
        if r["Type"] == "AWS::Logs::LogGroup":
            assert r["Properties"]["KmsKeyId"] == APP_KEY_ARN, name
    cluster = resources["AuroraCluster"]["Properties"]
    assert cluster["StorageEncrypted"] is True and cluster["MasterUserSecret"]["KmsKeyId"] == APP_KEY


def test_no_secret_in_a_plain_environment_value(template):
    shared = template["Globals"]["Function"]["Environment"]["Variables"]
    secret_names = set(SECRET_KEYS) - {"DISCORD_PUBLIC_KEY"}  # a public key is not a secret
    for name, function in functions(template).items():
        env = {**shared, **function["Properties"].get("Environment", {}).get("Variables", {})}
        assert not secret_names & set(env), name
        assert not {"DATABASE_URL", "DB_PASSWORD"} & set(env), name
        for value in env.values():
            assert not (isinstance(value, str) and re.search(r"(sk|gsk|cpk|AIza)[-_][A-Za-z0-9]{8,}", value)), name


def statements(function):
    for policy in function["Properties"].get("Policies", []):
        for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
            yield statement


def test_each_function_may_do_only_what_it_needs(template):
    allowed = {
        "InteractionsFunction": {"SQSSendMessagePolicy", "AWSSecretsManagerGetSecretValuePolicy", "Statement"},
        "TurnWorkerFunction": {"AWSSecretsManagerGetSecretValuePolicy", "KMSDecryptPolicy", "Statement"},
        "MigrateFunction": {"AWSSecretsManagerGetSecretValuePolicy", "KMSDecryptPolicy", "Statement"},
    }
    for name, function in functions(template).items():
        policies = function["Properties"].get("Policies", [])
        kinds = {next(iter(p)) for p in policies if isinstance(p, dict)}
        assert kinds <= allowed.get(name, kinds), (name, kinds)
        assert not any(isinstance(p, str) for p in policies), f"{name}: managed policies are too broad"
        for statement in statements(function):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert "*" not in actions and not any(a.endswith(":*") for a in actions), (name, statement)
            assert statement["Resource"] != "*", (name, statement)
    interactions = functions(template)["InteractionsFunction"]["Properties"]["Policies"]
    assert "MasterUserSecret" not in str(interactions)  # the internet-facing function never sees the database


def test_only_the_migrate_function_logs_in_as_the_database_owner(template):
    """The application's functions connect as companion_app_login with IAM tokens (rds-db:connect
    on that one database user); only migrate can read Aurora's master secret."""
    login = "companion_app_login"
    owner_readers = set()
    for name, function in functions(template).items():
        props = function["Properties"]
        env = props.get("Environment", {}).get("Variables", {})
        if "MasterUserSecret" in str(props.get("Policies", [])):
            owner_readers.add(name)
        if "DB_HOST" not in env:
            continue
        if name == "MigrateFunction":
            assert "DB_SECRET_ARN" in env and "DB_IAM_USER" not in env
            continue
        assert env["DB_IAM_USER"] == login and "DB_SECRET_ARN" not in env, name
        connects = [st for st in statements(function) if st["Action"] == "rds-db:connect"]
        assert len(connects) == 1, name
        resource = connects[0]["Resource"]["Fn::Sub"]
        assert resource.endswith(f":dbuser:${{AuroraCluster.DBClusterResourceId}}/{login}"), name
        assert function.get("DependsOn") == "Migrations", name  # the role exists before the code runs
    assert owner_readers == {"MigrateFunction"}
    assert template["Resources"]["AuroraCluster"]["Properties"]["EnableIAMDatabaseAuthentication"] is True
    migration = (REPO_ROOT / "migrations/061_app_login_role.sql").read_text()
    assert f"CREATE ROLE {login} LOGIN" in migration and f"GRANT rds_iam TO {login}" in migration


CHECKOV_FUNCTION_CHECKS = {"CKV_AWS_116": "DeadLetterQueue", "CKV_AWS_115": "ReservedConcurrentExecutions",
                           "CKV_AWS_173": "KmsKeyArn"}


def test_what_checkov_asks_of_each_resource_is_met_or_explained(template):
    """checkov itself runs in .ci/run (`make lint-template`), not in `make test`: this mirrors
    the checks a new function, queue, topic, secret or log group trips, so `make test` says so
    first. Meet each one, or add a justified skip like the existing functions' Metadata."""
    for name, r in template["Resources"].items():
        props = r.get("Properties", {})
        skipped = {s["id"] for s in r.get("Metadata", {}).get("checkov", {}).get("skip", [])}
        kind = r["Type"]
        if kind == "AWS::Serverless::Function":
            for check, prop in CHECKOV_FUNCTION_CHECKS.items():
                assert prop in props or check in skipped, (
                    f"{name}: set {prop} or add a justified checkov skip for {check} (see InteractionsFunction's Metadata)")
            assert "VpcConfig" in props or "CKV_AWS_117" in skipped, f"{name}: in the VPC, or a justified skip for CKV_AWS_117"
        required = {"AWS::SQS::Queue": ("KmsMasterKeyId", "CKV_AWS_27"), "AWS::SNS::Topic": ("KmsMasterKeyId", "CKV_AWS_26"),
                    "AWS::Logs::LogGroup": ("KmsKeyId", "CKV_AWS_158"), "AWS::SecretsManager::Secret": ("KmsKeyId", "CKV_AWS_149")}
        if kind in required:
            prop, check = required[kind]
            assert prop in props, f"{name}: encrypt it with the stack's key ({prop}: AppKey), as checkov's {check} requires"
