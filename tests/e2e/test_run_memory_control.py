"""`make run` as a user runs it: /memories ids, /forget, /export to a file, /forget-me."""
import json
import re

import pytest

from tests.e2e.test_run_command import run_cli

pytestmark = pytest.mark.slow


def test_forget_export_and_forget_me_from_the_command_line(tmp_path):
    done = run_cli(tmp_path, "I love coffee\nMy sister lives in Porto\n/memories my sister\n")
    assert done.returncode == 0, done.stderr
    sister = re.search(r"`([0-9a-f]{8})` My sister lives in Porto", done.stdout)[1]

    done = run_cli(tmp_path, f"/forget {sister}\n/export\n/forget-me\n/forget-me confirm:yes\n")
    assert done.returncode == 0, done.stderr
    assert "I forgot 1 memory" in done.stdout
    path = re.search(r"\[attached file saved to (.+\.json)\]", done.stdout)[1]
    exported = json.loads(open(path).read())
    assert [m["content"] for m in exported["memories"]] == ["I love coffee"]
    assert "cannot be undone" in done.stdout and "erased everything" in done.stdout
