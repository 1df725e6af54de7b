"""dev and prod in samconfig.toml, and the database connection budget each is sized to.

Strategy (docs/OPERATIONS.md, "Database connections"): no RDS Proxy. A worker container runs one
turn at a time and holds one PostgreSQL connection (adapters/postgres/database.py), so the worker
opens at most WorkerMaxConcurrency connections (the SQS event source's MaximumConcurrency), the job
worker at most JobWorkerMaxConcurrency. Aurora
Serverless v2 sets max_connections from its maximum capacity; each environment keeps its workers,
the migrate function and the operators' sessions under half of it.
"""
import shlex
import tomllib

import psycopg
import pytest

from .cfn import REPO_ROOT, load_template

ENVIRONMENTS = ("dev", "prod")
OTHER_CONNECTIONS = 1 + 10  # the migrate function, and operators / scheduled jobs


def aurora_max_connections(max_acu: float) -> int:
    """Aurora PostgreSQL's default: LEAST(DBInstanceClassMemory / 9531392, 5000), 2 GiB per ACU."""
    return min(int(max_acu * 2 * 1024**3 / 9531392), 5000)


@pytest.fixture(scope="module")
def samconfig():
    return tomllib.loads((REPO_ROOT / "samconfig.toml").read_text())


def overrides(samconfig, env) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in shlex.split(samconfig[env]["deploy"]["parameters"]["parameter_overrides"]))


def test_dev_and_prod_are_separate_stacks_with_their_own_settings(samconfig):
    dev, prod = (overrides(samconfig, env) for env in ENVIRONMENTS)
    assert samconfig["dev"]["global"]["parameters"]["stack_name"] != samconfig["prod"]["global"]["parameters"]["stack_name"]
    assert (dev["Environment"], prod["Environment"]) == ("dev", "prod")
    assert int(prod["LogRetentionDays"]) > int(dev["LogRetentionDays"])
    assert dev["AlarmEmail"] == "" and "@" in prod["AlarmEmail"]
    assert samconfig["prod"]["deploy"]["parameters"]["confirm_changeset"] is True
    assert samconfig["default"]["global"]["parameters"]["stack_name"] == samconfig["dev"]["global"]["parameters"]["stack_name"]


def test_overrides_name_real_parameters_with_allowed_values(samconfig):
    parameters = load_template()["Parameters"]
    for env in ENVIRONMENTS:
        for name, value in overrides(samconfig, env).items():
            spec = parameters[name]
            if "AllowedValues" in spec:
                assert value in [str(v) for v in spec["AllowedValues"]], (env, name)
            if spec["Type"] == "Number":
                assert spec.get("MinValue", float("-inf")) <= float(value) <= spec.get("MaxValue", float("inf")), (env, name)


def test_prod_gets_a_failover_reader_and_log_exports():
    resources = load_template()["Resources"]
    reader = resources["AuroraReaderInstance"]
    assert reader["Condition"] == "IsProd" and reader["Properties"]["DBInstanceClass"] == "db.serverless"
    assert reader["Properties"]["PromotionTier"] == 1
    cluster = resources["AuroraCluster"]["Properties"]
    assert cluster["EnableCloudwatchLogsExports"]["Fn::If"][:2] == ["IsProd", ["postgresql"]]
    for instance in ("AuroraInstance", "AuroraReaderInstance"):
        props = resources[instance]["Properties"]
        assert props["EnablePerformanceInsights"] is True and props["MonitoringInterval"] == 60


@pytest.mark.parametrize("env", ENVIRONMENTS + ("template defaults",))
def test_workers_stay_within_half_of_auroras_connections(samconfig, env):
    parameters = load_template()["Parameters"]
    values = {name: spec.get("Default") for name, spec in parameters.items()}
    if env != "template defaults":
        values |= overrides(samconfig, env)
    workers = int(values["WorkerMaxConcurrency"]) + int(values["JobWorkerMaxConcurrency"])  # turns + jobs
    budget = aurora_max_connections(float(values["DatabaseMaxCapacity"])) // 2
    assert workers + OTHER_CONNECTIONS <= budget, (env, workers, budget)


def test_a_worker_container_holds_one_connection_however_many_turns(database_url):
    from companion.adapters.postgres import Database

    database = Database(database_url)
    for user in ("u1", "u2", "u3", "u1"):
        with database.scoped(user) as conn:
            conn.execute("SELECT 1")
    with database.unscoped() as conn:
        conn.execute("SELECT 1")
    with psycopg.connect(database_url) as probe:
        name = probe.execute("SELECT current_database()").fetchone()[0]
        open_here = probe.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (name,)).fetchone()[0]
    database.close()
    assert open_here == 1


def test_deletion_protection_is_on_for_prod_and_off_for_dev(samconfig):
    # Off in dev, so a failed first create rolls back cleanly instead of ROLLBACK_FAILED.
    assert overrides(samconfig, "prod")["DeletionProtection"] == "true"
    assert overrides(samconfig, "dev")["DeletionProtection"] == "false"
    assert overrides(samconfig, "default")["DeletionProtection"] == "false"
