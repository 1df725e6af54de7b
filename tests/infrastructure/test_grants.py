"""Each function's IAM role allows exactly the AWS calls its code makes, and nothing more.

The calls are listed once, in companion/grants.py (its docstring says how to add one). These tests
hold that list to the template as CloudFormation sees it (expanded by samtranslator) and to the
code (every AWS SDK call site in the package and the handlers); tests/integration/test_aws_calls.py
holds it to the calls the handlers really make."""
from __future__ import annotations

import ast

import pytest

from companion.grants import EVENT_SOURCE, FUNCTION_CALLS, AwsCall

from .cfn import REPO_ROOT, load_template
from .sam import ACCOUNT, REGION, Resolver, expand_template

MANAGED = "arn:aws:iam::aws:policy/"
BASIC_EXECUTION = MANAGED + "service-role/AWSLambdaBasicExecutionRole"  # its own log streams
XRAY = MANAGED + "AWSXrayWriteOnlyAccess"  # Tracing: Active
VPC_ACCESS = MANAGED + "service-role/AWSLambdaVPCAccessExecutionRole"  # network interfaces in the VPC
SQS_POLLER = MANAGED + "service-role/AWSLambdaSQSQueueExecutionRole"  # an SQS event source


@pytest.fixture(scope="module")
def expanded():
    return expand_template()


@pytest.fixture(scope="module")
def resolve(expanded):
    return Resolver(expanded)


def lambda_functions(expanded) -> dict[str, dict]:
    return {name: r for name, r in expanded["Resources"].items() if r["Type"] == "AWS::Lambda::Function"}


def role_of(expanded, function: str) -> dict:
    role = expanded["Resources"][function]["Properties"]["Role"]
    assert role == {"Fn::GetAtt": [f"{function}Role", "Arn"]}, f"{function}: a role of its own (SAM's)"
    return expanded["Resources"][f"{function}Role"]["Properties"]


def granted(expanded, resolve, function: str) -> set[tuple[str, str]]:
    """(action, resource ARN) for every Allow in the role's inline policies."""
    pairs = set()
    for policy in role_of(expanded, function).get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow" and set(statement) <= {"Effect", "Action", "Resource", "Sid"}, (
                function, statement)
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for action in actions:
                assert "*" not in action, (
                    f"{function}: name each action ({action} in {policy['PolicyName']}); SAM's policy templates "
                    "such as SQSSendMessagePolicy grant wildcards: write the statement instead")
                for resource in resources:
                    resolved = resolve(resource)
                    assert "*" not in resolved, f"{function}: {action} on {resolved}: name the resource"
                    pairs.add((action, resolved))
    return pairs


def resource_arn(resolve, name: str) -> str:
    if "/" in name:  # a database user: rds-db:connect
        cluster, user = name.split("/")
        return f"arn:aws:rds-db:{REGION}:{ACCOUNT}:dbuser:{resolve.attribute(cluster, 'DBClusterResourceId')}/{user}"
    if name.endswith(".MasterUserSecret"):
        return resolve.attribute(name.split(".")[0], "MasterUserSecret.SecretArn")
    kind = resolve.kind(name)
    if kind == "AWS::SQS::Queue":
        return resolve.attribute(name, "Arn")
    if kind == "AWS::SecretsManager::Secret":
        return resolve.ref(name)
    raise AssertionError(f"companion/grants.py names {name} ({kind}): teach tests/infrastructure/test_grants.py its ARN")


def encryption_key(resolve, name: str) -> str | None:
    """The ARN of the customer-managed key that encrypts a queue or secret (None: an AWS-managed one,
    which needs no grant)."""
    if name.endswith(".MasterUserSecret"):
        key = resolve.resources[name.split(".")[0]]["Properties"].get("MasterUserSecret", {}).get("KmsKeyId")
    elif "/" in name:
        return None
    else:
        props = resolve.resources[name].get("Properties", {})
        key = props.get("KmsMasterKeyId") or props.get("KmsKeyId")
    return resolve.key_arn(key) if key else None


def required(resolve, call: AwsCall) -> set[tuple[str, str]]:
    """What a call needs in the role's inline policies, KMS included."""
    key = encryption_key(resolve, call.resource)
    if call.adapter == EVENT_SOURCE:  # receiving is the managed poller policy's; decrypting is ours
        return {("kms:Decrypt", key)} if key else set()
    pairs = {(call.action, resource_arn(resolve, call.resource))}
    if key and call.action == "sqs:SendMessage":  # SQS asks KMS for a data key for the sender
        pairs |= {("kms:GenerateDataKey", key), ("kms:Decrypt", key)}
    if key and call.action == "secretsmanager:GetSecretValue":
        pairs.add(("kms:Decrypt", key))
    return pairs


def event_source_queues(expanded, resolve, function: str) -> set[str]:
    return {resolve(m["Properties"]["EventSourceArn"]) for m in expanded["Resources"].values()
            if m["Type"] == "AWS::Lambda::EventSourceMapping" and m["Properties"]["FunctionName"] == {"Ref": function}}


def test_the_manifest_lists_every_function_of_the_template(expanded):
    assert set(FUNCTION_CALLS) == set(lambda_functions(expanded))


@pytest.mark.parametrize("function", sorted(FUNCTION_CALLS))
def test_each_role_allows_exactly_the_calls_its_code_makes(expanded, resolve, function):
    calls = FUNCTION_CALLS[function]
    needed = set().union(*(required(resolve, call) for call in calls))
    have = granted(expanded, resolve, function)
    missing, extra = needed - have, have - needed
    assert not missing, f"{function} is denied calls its code makes: {sorted(missing)} (companion/grants.py)"
    assert not extra, (f"{function} may do what its code never does: {sorted(extra)}; remove the grant, or "
                       "list the call in companion/grants.py if the code makes it")


@pytest.mark.parametrize("function", sorted(FUNCTION_CALLS))
def test_managed_policies_are_only_what_lambda_needs_to_run_the_function(expanded, resolve, function):
    props = expanded["Resources"][function]["Properties"]
    expected = {BASIC_EXECUTION}
    if props.get("TracingConfig", {}).get("Mode") == "Active":
        expected.add(XRAY)
    if "VpcConfig" in props:
        expected.add(VPC_ACCESS)
    polled = event_source_queues(expanded, resolve, function)
    if polled:
        expected.add(SQS_POLLER)
    assert set(role_of(expanded, function).get("ManagedPolicyArns", [])) == expected, function
    # An event source is read only by a function that says so (and so gets its queue's key).
    receives = {resource_arn(resolve, c.resource) for c in FUNCTION_CALLS[function] if c.adapter == EVENT_SOURCE}
    assert receives == polled, function


def test_every_sender_of_an_encrypted_queue_may_use_its_key(expanded, resolve):
    """The deploy-blocking finding of issue 19: the sweeps could send to the turn queue but not use
    the key that encrypts it, so every send was AccessDenied."""
    senders = {f for f, calls in FUNCTION_CALLS.items() if any(c.action == "sqs:SendMessage" for c in calls)}
    assert {"InteractionsFunction", "ProactiveSweepFunction", "ReflectionSweepFunction"} <= senders
    for function in senders:
        have = granted(expanded, resolve, function)
        for call in FUNCTION_CALLS[function]:
            key = encryption_key(resolve, call.resource)
            if call.action == "sqs:SendMessage" and key:
                assert {("kms:GenerateDataKey", key), ("kms:Decrypt", key)} <= have, (function, call.resource)


def test_the_interactions_function_can_read_no_secret_and_never_the_database(expanded, resolve):
    have = granted(expanded, resolve, "InteractionsFunction")
    assert not any(action.startswith(("secretsmanager:", "rds-db:")) for action, _ in have)
    assert {action for action, _ in have} == {"sqs:SendMessage", "kms:GenerateDataKey", "kms:Decrypt"}


def test_each_functions_environment_agrees_with_what_its_code_calls():
    """config.py reads the app secret when APP_SECRET_ARN is set, signs an IAM database token when
    DB_IAM_USER is, and reads Aurora's master secret when DB_SECRET_ARN is: a function's grants
    follow from its environment."""
    template = load_template()
    shared = template["Globals"]["Function"]["Environment"]["Variables"]
    for function, calls in FUNCTION_CALLS.items():
        env = {**shared, **template["Resources"][function]["Properties"].get("Environment", {}).get("Variables", {})}
        resources = {(c.action, c.resource) for c in calls}
        assert (("secretsmanager:GetSecretValue", "AppSecret") in resources) == ("APP_SECRET_ARN" in env), function
        assert (("secretsmanager:GetSecretValue", "AuroraCluster.MasterUserSecret") in resources) == (
            "DB_SECRET_ARN" in env), function
        connects = {r for a, r in resources if a == "rds-db:connect"}
        assert connects == ({f"AuroraCluster/{env['DB_IAM_USER']}"} if "DB_IAM_USER" in env else set()), function
        # The code reaches a queue by its URL variable (an event source mapping needs none).
        for queue, variable in (("TurnQueue", "TURN_QUEUE_URL"), ("JobQueue", "JOB_QUEUE_URL")):
            queue_calls = {c for c in calls if c.action.startswith("sqs:") and c.resource == queue
                           and c.adapter != EVENT_SOURCE}
            assert bool(queue_calls) == (env.get(variable) == {"Ref": queue}), (function, queue)


# --- the code side: every AWS SDK call site is listed ------------------------------------------

def _service_operations() -> dict[str, dict[str, str]]:
    """service -> {python method name: IAM action} from botocore's own service models."""
    import botocore.session
    from botocore import xform_name

    session = botocore.session.get_session()
    operations = {}
    for service in session.get_available_services():
        if service not in {"sqs", "secretsmanager", "kms", "scheduler", "cloudwatch", "rds", "lambda", "logs", "s3"}:
            continue
        model = session.get_service_model(service)
        prefix = model.signing_name if service != "cloudwatch" else "cloudwatch"
        actions = {}
        for name in model.operation_names:
            action = name.removesuffix("Batch") if service == "sqs" else name  # SQS batches: the single action
            actions[xform_name(name)] = f"{prefix}:{action}"
        operations[service] = actions
    return operations


def aws_call_sites() -> set[tuple[str, str]]:
    """(module:qualified name, IAM action) for each AWS SDK call in companion/ and functions/."""
    operations = _service_operations()
    sources = {}
    for path in sorted((REPO_ROOT / "layers/common/companion").rglob("*.py")):
        module = ".".join(path.relative_to(REPO_ROOT / "layers/common").with_suffix("").parts)
        sources[module.removesuffix(".__init__")] = path
    for path in sorted((REPO_ROOT / "functions").glob("*/app.py")):
        sources[f"functions.{path.parent.name}.app"] = path
    sites = set()
    for module, path in sources.items():
        tree = ast.parse(path.read_text())
        services = {node.args[0].value for node in ast.walk(tree) if isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute) and node.func.attr == "client"
                    and node.args and isinstance(node.args[0], ast.Constant)}
        unknown = services - set(operations)
        assert not unknown, f"{module} makes a {unknown} client: add the service to _service_operations"
        methods = {m: a for s in services for m, a in operations[s].items()}

        def visit(node, qualname):
            for child in ast.iter_child_nodes(node):
                name = qualname
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    name = f"{qualname}.{child.name}" if qualname else child.name
                if isinstance(child, ast.Call):
                    called = child.func.attr if isinstance(child.func, ast.Attribute) else getattr(child.func, "id", "")
                    if called in methods:
                        sites.add((f"{module}:{qualname}", methods[called]))
                    elif called == "generate_db_auth_token":
                        sites.add((f"{module}:{qualname}", "rds-db:connect"))
                    elif called == "SecretsProvider":  # Powertools: GetSecretValue through its cache
                        sites.add((f"{module}:{qualname}", "secretsmanager:GetSecretValue"))
                visit(child, name)

        visit(tree, "")
    return sites


def test_every_aws_call_in_the_code_is_listed_and_every_listed_call_is_made():
    in_code = aws_call_sites()
    listed = {(c.adapter, c.action) for calls in FUNCTION_CALLS.values() for c in calls if c.adapter != EVENT_SOURCE}
    assert in_code, "the scan found no AWS call at all: it is broken"
    assert not in_code - listed, (f"AWS calls no function lists in companion/grants.py: {sorted(in_code - listed)}")
    assert not listed - in_code, f"companion/grants.py lists calls the code no longer makes: {sorted(listed - in_code)}"


def test_the_scan_sees_the_calls_that_matter():
    """The scan is what keeps the list honest: it must find the queue sends, the secret reads and
    the database tokens where they are."""
    sites = aws_call_sites()
    assert ("companion.adapters.queues:SqsTurnQueue.send", "sqs:SendMessage") in sites
    assert ("companion.adapters.queues:SqsTurnQueue._send_batch", "sqs:SendMessage") in sites  # SendMessageBatch
    assert ("companion.config:_get_secret", "secretsmanager:GetSecretValue") in sites
    assert ("companion.config:_iam_token", "rds-db:connect") in sites

