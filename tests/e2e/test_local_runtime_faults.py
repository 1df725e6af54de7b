"""`make run` under faults: two runs racing on one fresh data folder, a run killed with SIGKILL,
a data folder that cannot be used. Every fault ends in a one-line explanation, never a traceback."""
import json
import os
import signal
import subprocess
import sys
import threading

import psutil
import pytest

from companion.local.runtime import create_database_once

pytestmark = pytest.mark.slow


def start_cli(data_dir, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "COMPANION_DATA_DIR": str(data_dir)}
    return subprocess.Popen([sys.executable, "-m", "companion.local.cli"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, **kwargs)


def say(run: subprocess.Popen, line: str) -> str:
    """Send one line and wait for the companion's reply (handler logs may come first)."""
    run.stdin.write(line + "\n")
    run.stdin.flush()
    for out in run.stdout:
        if out.startswith("companion> "):
            return out
    raise AssertionError(f"no reply; stderr: {run.stderr.read()}")


def explanation(stderr: str) -> list[str]:
    """stderr without the start-up banner."""
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith("Starting the companion")]


def postmaster_pid(data_dir) -> int:
    return int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0])


def test_two_runs_started_at_once_on_a_fresh_folder_one_serves_the_other_explains(tmp_path):
    runs = [start_cli(tmp_path) for _ in range(2)]
    outputs = [run.communicate("I got a new puppy today!\n", timeout=600) for run in runs]
    served = [out for run, out in zip(runs, outputs) if run.returncode == 0]
    refused = [out for run, out in zip(runs, outputs) if run.returncode != 0]
    for stdout, stderr in outputs:
        assert "Traceback" not in stderr, stderr
    assert served, outputs
    assert all("companion> " in stdout for stdout, _ in served)
    for _, stderr in refused:
        [line] = explanation(stderr)
        assert "in use by another `make run`" in line and "COMPANION_DATA_DIR" in line
    # Whoever served last stopped the server: nothing is left running on the folder.
    assert not (tmp_path / "postgres" / "postmaster.pid").exists()


def test_a_server_left_by_a_killed_run_is_adopted_and_sigterm_stops_it(tmp_path):
    killed = start_cli(tmp_path)
    say(killed, "My favourite colour is teal")
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=120)
    orphan = postmaster_pid(tmp_path)
    assert psutil.pid_exists(orphan)  # what a SIGKILL leaves behind

    adopter = start_cli(tmp_path)
    say(adopter, "/memories favourite colour")
    assert "teal" in adopter.stdout.readline()  # the state the killed run saved is there
    adopter.send_signal(signal.SIGTERM)  # stopped like a service manager stops it
    _, stderr = adopter.communicate(timeout=600)
    assert "Traceback" not in stderr, stderr
    assert f"adopted the PostgreSQL server a previous run left running, pid {orphan}" in stderr
    assert not (tmp_path / "postgres" / "postmaster.pid").exists()
    assert not psutil.pid_exists(orphan) or psutil.Process(orphan).status() == psutil.STATUS_ZOMBIE


def test_a_data_folder_that_is_a_file_is_explained_in_one_line(tmp_path):
    data = tmp_path / "data"
    data.write_text("not a folder")
    stdout, stderr = start_cli(data).communicate("hello\n", timeout=60)
    [line] = explanation(stderr)
    assert "is a file, not a data folder" in line and "Traceback" not in stderr


def test_racing_database_creation_creates_it_once(pg_server):
    errors = []

    def create():
        try:
            create_database_once(pg_server.get_uri(), "raced_db")
        except Exception as exc:  # pragma: no cover - the failure being tested for
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    import psycopg

    with psycopg.connect(pg_server.get_uri("raced_db")) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("raced_db",)
