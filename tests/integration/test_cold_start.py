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
