"""The AWS calls each Lambda function's code makes: the one list template.yaml's IAM grants are
checked against. Data only; nothing imports it at run time.

**Adding an AWS call** (a new boto3 client call, a new queue, a secret, a function): add an
``AwsCall`` for it to every function below whose code reaches it, then grant exactly that in
template.yaml (explicit actions, that resource: no ``*``). ``tests/infrastructure/test_grants.py``
fails until the two agree, and says what is missing or extra:

- it expands template.yaml as CloudFormation sees it (samtranslator) and requires each function's
  role to allow exactly the calls listed here and nothing more, plus what follows from them: KMS
  for the key that encrypts a queue its code sends to or its event source reads, or a secret it
  reads; the managed policies Lambda itself needs for the function's configuration (logs, X-Ray,
  VPC network interfaces, polling an SQS event source);
- it scans the package and the handlers for AWS SDK calls (boto3 client operations, Powertools'
  SecretsProvider, RDS IAM tokens) and requires every call site to be listed here under its
  ``adapter`` (``module:qualified name``), and every listed adapter to make that call;
- it checks each function's environment against its list (``APP_SECRET_ARN`` <-> reads the app
  secret, ``DB_IAM_USER`` <-> rds-db:connect, ``DB_SECRET_ARN`` <-> reads Aurora's master secret);
- ``tests/integration/test_aws_calls.py`` runs the handlers through their real paths against moto,
  records every AWS API call they make, and fails on one this list does not name for that function.

``resource`` names a template resource by logical id: a queue (``TurnQueue``), a secret
(``AppSecret``), Aurora's managed secret (``AuroraCluster.MasterUserSecret``), or a database user
(``AuroraCluster/companion_app_login``, for ``rds-db:connect``). ``action`` is the IAM action the
call needs (SQS's batch operations need their single counterpart's: SendMessageBatch ->
sqs:SendMessage).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AwsCall:
    adapter: str  # where the code makes the call: "module:qualified name" (or the platform's doing)
    action: str  # the IAM action it needs
    resource: str  # the template resource it acts on (see the module docstring)


# Lambda's SQS event source mapping polls the queue with the function's role: sqs:ReceiveMessage,
# DeleteMessage and GetQueueAttributes come from SAM's AWSLambdaSQSQueueExecutionRole, and an
# encrypted queue needs kms:Decrypt on its key besides.
EVENT_SOURCE = "lambda:SQS event source mapping"

APP_LOGIN = "AuroraCluster/companion_app_login"  # migration 061's least-privilege login

READ_APP_SECRET = AwsCall("companion.config:_get_secret", "secretsmanager:GetSecretValue", "AppSecret")
READ_MASTER_SECRET = AwsCall("companion.config:_get_secret", "secretsmanager:GetSecretValue",
                             "AuroraCluster.MasterUserSecret")
CONNECT_AS_APP = AwsCall("companion.config:_iam_token", "rds-db:connect", APP_LOGIN)
SEND_TURN = AwsCall("companion.adapters.queues:SqsTurnQueue.send", "sqs:SendMessage", "TurnQueue")
SEND_JOB = AwsCall("companion.adapters.queues:SqsTurnQueue.send", "sqs:SendMessage", "JobQueue")
SEND_JOBS = AwsCall("companion.adapters.queues:SqsTurnQueue._send_batch", "sqs:SendMessage", "JobQueue")
TURN_QUEUE_DEPTH = AwsCall("companion.adapters.queues:SqsTurnQueue.approximate_depth", "sqs:GetQueueAttributes",
                           "TurnQueue")
RECEIVE_TURNS = AwsCall(EVENT_SOURCE, "sqs:ReceiveMessage", "TurnQueue")
RECEIVE_JOBS = AwsCall(EVENT_SOURCE, "sqs:ReceiveMessage", "JobQueue")

FUNCTION_CALLS: dict[str, tuple[AwsCall, ...]] = {
    # Internet-facing: verifies, defers and queues. It reads no secret and never sees the database.
    "InteractionsFunction": (SEND_TURN,),
    # Turns; a turn queues its new memory's job on the job queue (and moves a job it finds on the
    # turn queue there).
    "TurnWorkerFunction": (RECEIVE_TURNS, READ_APP_SECRET, CONNECT_AS_APP, SEND_JOB),
    # Per-user jobs (new memories, proactive checks, reflections), apart from the turns.
    "JobWorkerFunction": (RECEIVE_JOBS, READ_APP_SECRET, CONNECT_AS_APP),
    # The REST API: a chat turn queues its new memory's job; /health reads the turn queue's depth.
    "ApiFunction": (READ_APP_SECRET, CONNECT_AS_APP, SEND_JOB, TURN_QUEUE_DEPTH),
    # Migrations as the owner; {"action": "reindex-vectors"} also needs the Qdrant and Gemini keys.
    "MigrateFunction": (READ_MASTER_SECRET, READ_APP_SECRET),
    "NeedDecayFunction": (CONNECT_AS_APP,),
    "ProactiveSweepFunction": (CONNECT_AS_APP, SEND_JOBS),
    "ReflectionSweepFunction": (CONNECT_AS_APP, SEND_JOBS),
    # Memories past retention leave Qdrant too: its key is in the app secret.
    "RetentionPurgeFunction": (CONNECT_AS_APP, READ_APP_SECRET),
}
