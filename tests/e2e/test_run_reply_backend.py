"""`make run` talking through a local model server (REPLY_BASE_URL), as the README shows."""
import os
import subprocess
import sys

import pytest

from tests.fakes import FakeChatServer

pytestmark = pytest.mark.slow


def test_make_run_talks_through_the_model_server_it_is_given(tmp_path):
    server = FakeChatServer(models={"llama3.2"})
    env = {**os.environ, "COMPANION_DATA_DIR": str(tmp_path), "REPLY_BASE_URL": server.base_url,
           "PRIMARY_LLM_MODEL": "llama3.2", "FALLBACK_LLM_MODEL": ""}
    try:
        done = subprocess.run([sys.executable, "-m", "companion.local.cli"], input="I got a new puppy today!\n",
                              capture_output=True, text=True, env=env, timeout=180)
    finally:
        server.close()
    assert done.returncode == 0, done.stderr
    assert f"[replies from llama3.2 at {server.base_url}]" in done.stderr
    assert "companion> I hear you: I got a new puppy today!" in done.stdout
    assert [r["model"] for r in server.requests] == ["llama3.2"]
