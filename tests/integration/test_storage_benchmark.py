"""benchmarks/storage.py's contract: memories through the real write path into PostgreSQL and
Qdrant's own engine (Qdrant Edge), sizes as the engines report them, one JSON line."""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import storage  # noqa: E402


def test_the_storage_benchmark_reports_bytes_per_memory_of_both_engines(capsys):
    storage.main(["--memories", "300", "--dims", "768", "--users", "2"])
    out = capsys.readouterr().out.strip().splitlines()
    figures = json.loads(out[-1])
    assert list(figures)[:5] == ["memories", "dims", "pg_bytes_per_memory", "qdrant_bytes_per_memory",
                                 "total_bytes_per_memory"]
    assert figures["memories"] == 300 and figures["dims"] == 768
    parts = figures["pg_bytes_per_memory"] + figures["qdrant_bytes_per_memory"]
    assert abs(figures["total_bytes_per_memory"] - parts) <= 1  # each figure rounded on its own
    # The vectors are there in their stored forms: at least half precision in each engine.
    assert figures["qdrant_bytes_per_memory"] >= 768 * 2
    assert figures["pg_bytes_per_memory"] >= 768 * 2
    table = "\n".join(out)
    assert "memories (TOAST)" in table and "memory_postings (heap)" in table and "vector_storage-dense" in table
