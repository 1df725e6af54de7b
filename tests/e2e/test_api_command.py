"""`make api` and `make api-key`'s programs as an operator runs them: a key created on the
command line, the server on embedded engines answering it over HTTP."""
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_key_from_the_cli_opens_the_local_api(tmp_path, database_url):
    # The test's own database stands in for the embedded one (`make api` starts that itself).
    env = {**os.environ, "COMPANION_DATA_DIR": str(tmp_path), "DATABASE_URL": database_url}
    created = subprocess.run([sys.executable, "-m", "companion.local.api_keys", "create", "--user", "4242"],
                             capture_output=True, text=True, env=env, timeout=180)
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "companion.local.api_server", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert server.poll() is None, server.stderr.read()
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "make api did not come up"
            time.sleep(0.2)
        auth = {"Authorization": f"Bearer {key}"}
        reply = httpx.post(f"{base}/chat/message", json={"user_id": "4242", "message": "I got a new puppy today!"},
                           headers=auth, timeout=60)
        assert reply.status_code == 200 and "(offline companion" in reply.json()["reply"]
        found = httpx.post(f"{base}/memory/search", json={"user_id": "4242", "query": "dog"}, headers=auth, timeout=60)
        assert [m["content"] for m in found.json()["items"]] == ["I got a new puppy today!"]
        assert httpx.get(f"{base}/admin/stats", headers=auth, timeout=10).status_code == 403
        assert httpx.get(f"{base}/openapi.json", timeout=10).json()["info"]["title"] == "companion API"
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
