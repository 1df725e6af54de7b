"""The interactions function answers Discord within 3 s, cold starts included: it must not load
the database driver, the vector client, numpy or any model SDK just to verify and enqueue."""
import json
import subprocess
import sys
import textwrap

HEAVY = ["numpy", "psycopg", "qdrant_client", "onnxruntime", "tokenizers", "openai", "groq", "google.genai", "vaderSentiment",
         "fastapi", "starlette", "mangum", "pydantic"]


def test_interactions_function_loads_nothing_heavy():
    script = textwrap.dedent(f"""
        import json, sys, time
        from nacl.signing import SigningKey
        from companion.config import Settings
        from companion.local.lambda_context import LocalLambdaContext
        from companion.local.functions import load_handler
        from companion.wiring import Container, set_container

        class Queue:
            sent = []
            def send(self, body, *, group_id, dedup_id):
                self.sent.append(body)

        key = SigningKey.generate()
        set_container(Container(Settings(discord_public_key=key.verify_key.encode().hex()), queue=Queue()))
        handler = load_handler("interactions").handler
        for payload in ({{"type": 1}}, {{"type": 2, "id": "1", "application_id": "2", "token": "t",
                         "user": {{"id": "3"}}, "data": {{"name": "companion",
                         "options": [{{"name": "message", "value": "hi"}}]}}}}):
            body = json.dumps(payload)
            now = str(int(time.time()))
            sig = key.sign(now.encode() + body.encode()).signature.hex()
            handler({{"headers": {{"x-signature-ed25519": sig, "x-signature-timestamp": now}}, "body": body}}, LocalLambdaContext())
        assert len(Queue.sent) == 1
        print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


WORKER_SDKS = ["qdrant_client", "openai", "groq", "google.genai", "numpy", "psycopg"]


def _import_worker_in_lambda(extra_env: dict, function: str = "turn_worker") -> dict:
    """Imports the worker as Lambda's init phase does, configured with every provider (nothing
    listens at the addresses: warming up must not connect), and reports what it built."""
    import os

    script = textwrap.dedent(f"""
        import json, sys
        from companion.local.functions import load_handler
        from companion.wiring import get_container
        load_handler({function!r})
        container = get_container()
        print(json.dumps({{"built": "turns" in container.__dict__,
                          "connected": "database" in container.__dict__ and container.database._conn is not None,
                          "sdks": sorted(m for m in {WORKER_SDKS!r} if m in sys.modules)}}))
    """)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "APP_SECRET_ARN")}
    env |= {"AWS_LAMBDA_FUNCTION_NAME": "companion-turn-worker", "POWERTOOLS_TRACE_DISABLED": "true",
            "DATABASE_URL": "postgresql://companion@127.0.0.1:9/companion?connect_timeout=1",
            "QDRANT_URL": "http://127.0.0.1:9", "EMBEDDINGS": "gemini", "GEMINI_API_KEY": "AIza-test",
            "CHUTES_API_KEY": "cpk_test", "GROQ_API_KEY": "gsk_test", "DISCORD_APPLICATION_ID": "1"} | extra_env
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_worker_builds_what_a_turn_needs_in_lambdas_init_phase():
    """The first turn's deadline is not spent importing SDKs: in Lambda (AWS_LAMBDA_FUNCTION_NAME)
    importing the handler builds the container's turn service, without connecting to anything."""
    report = _import_worker_in_lambda({})
    assert report == {"built": True, "connected": False, "sdks": sorted(WORKER_SDKS)}


def test_the_api_builds_the_turn_in_lambdas_init_phase_too():
    """POST /chat/message runs a turn synchronously behind API Gateway's 30 s."""
    report = _import_worker_in_lambda({}, function="api")
    assert report == {"built": True, "connected": False, "sdks": sorted(WORKER_SDKS)}


def test_a_failed_warm_up_does_not_fail_the_init_phase():
    report = _import_worker_in_lambda({"MEMORY_INDEX": "nonsense"})  # building the turn raises
    assert report["built"] is False and report["connected"] is False
