"""Bytes stored per memory, in PostgreSQL and in Qdrant, as the engines report them.

    .venv/bin/python benchmarks/storage.py --memories N [--dims 1536] [--users U]

Writes N memories through MemoryService's write path (prepare -> one insert transaction ->
index -> mark indexed, in batches of 500 spread over U users, default one per 1,000 memories):
the texts are LoCoMo dev turns (../shared/benchmarks; generated sentences without it), each with
the turn before it as context, one hour apart. The vectors are the production shape (Gemini
``gemini-embedding-001`` at ``--dims``, L2-normalised): seeded random unit vectors stand in for
Gemini's, which cannot be had here. What is stored does not depend on what the vectors mean:
dense floats do not compress either way, and both HNSW graphs bound each node's links by m.

PostgreSQL (embedded, pgvector): ``pg_relation_size`` of every relation a memory adds to,
after minus before the load (``VACUUM`` runs every tenth of the load, as autovacuum would):
``memories`` (heap, TOAST where the vectors live, every index including the HNSW ones),
``memory_postings`` (BM25 postings, one row per memory and term) and the per-user counts
``memory_lexicon`` / ``memory_lexicon_size``.

Qdrant: the same points the production adapter sends (``adapters/qdrant_store.py``:
``collection_params``, ``point``, ``TENANT_INDEX``), written to **Qdrant Edge**
(``qdrant-edge-py``, Qdrant's own storage engine in-process: the segment formats, HNSW and
quantisation of the server), flushed and optimised as the server's optimiser would; its size is
the disk space allocated to the shard's segment files. The write-ahead log is left out of the
per-memory figure (a fixed preallocation per shard, printed apart). qdrant-client's local mode
is not used: it pickles points into SQLite and says nothing about the server's storage.

Prints a breakdown per relation and per Qdrant component, and ends with one JSON line:
{"memories", "dims", "pg_bytes_per_memory", "qdrant_bytes_per_memory", "total_bytes_per_memory", ...}
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
import uuid
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import texts  # noqa: E402  the same LoCoMo dev turns the scale benchmark writes

# Every relation a memory adds rows to (migrations 006, 030-033).
TABLES = ("memories", "memory_postings", "memory_lexicon", "memory_lexicon_size")
BATCH = 500
PRODUCTION_MODEL = "gemini-embedding-001"


class StandInEmbedder:
    """Seeded random unit vectors under the production model's id (``gemini-embedding-001-<dims>``,
    as adapters/gemini.py names it), so the stored form is the production one."""

    def __init__(self, dim: int):
        self.dim = dim
        self.model_id = f"{PRODUCTION_MODEL}-{dim}"

    def embed(self, texts, kind: str = "document") -> np.ndarray:
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.blake2b(f"{kind}:{text}".encode(), digest_size=8).digest(), "little")
            rows.append(unit_vector(np.random.default_rng(seed), self.dim))
        return np.asarray(rows, dtype=np.float32).reshape(len(rows), self.dim)


def unit_vector(rng: np.random.Generator, dim: int) -> np.ndarray:
    vector = rng.standard_normal(dim).astype(np.float32)
    return vector / np.linalg.norm(vector)


# --- Qdrant Edge: the production collection layout and points, in Qdrant's own engine ---------------

class EdgeIndex:
    """The memory search index's write side (ensure_collection, upsert) on a Qdrant Edge shard
    per collection, translated from the qdrant-client models the production adapter builds."""

    def __init__(self, root: Path):
        import qdrant_edge

        self.edge = qdrant_edge
        self.root = root
        self.shards: dict[str, object] = {}

    def ensure_collection(self, model_id: str, dim: int) -> None:
        from companion.adapters.qdrant_store import TENANT_INDEX, collection_name, collection_params

        name = collection_name(model_id)
        if name in self.shards:
            return
        e = self.edge
        params = collection_params(dim)
        config = e.EdgeConfig(
            vectors={n: self._dense(v) for n, v in params["vectors_config"].items()},
            sparse_vectors={n: e.EdgeSparseVectorParams(modifier=e.Modifier.Idf if v.modifier else None)
                            for n, v in params["sparse_vectors_config"].items()},
            quantization_config=self._quantization(params.get("quantization_config")),
        )
        shard = e.EdgeShard.create(str(self.root / name), config)
        shard.update(e.UpdateOperation.create_field_index(
            "user_id", e.KeywordIndexParams(is_tenant=bool(TENANT_INDEX.is_tenant))))
        self.shards[name] = shard

    def _dense(self, params):
        e = self.edge
        datatype = getattr(params, "datatype", None)
        return e.EdgeVectorParams(
            size=params.size, distance=getattr(e.Distance, params.distance.value.capitalize()),
            datatype=getattr(e.VectorStorageDatatype, datatype.value.capitalize()) if datatype else None,
            quantization_config=self._quantization(params.quantization_config),
            on_disk=params.on_disk,
        )

    def _quantization(self, config):
        if config is None:
            return None
        e = self.edge
        scalar = getattr(config, "scalar", None)
        if scalar is not None:
            return e.ScalarQuantizationConfig(type=e.ScalarType.Int8, quantile=scalar.quantile,
                                              always_ram=scalar.always_ram)
        binary = getattr(config, "binary", None)
        if binary is not None:
            return e.BinaryQuantizationConfig(always_ram=binary.always_ram)
        raise ValueError(f"no Qdrant Edge translation for {config!r}")

    def upsert(self, model_id: str, user_id: str, points) -> None:
        from companion.adapters.qdrant_store import collection_name, point

        e = self.edge
        edge_points = []
        for pid, vector, payload in points:
            struct = point(pid, user_id, vector, payload)
            vectors = {}
            for name, value in struct.vector.items():
                vectors[name] = (e.SparseVector(list(value.indices), list(value.values))
                                 if hasattr(value, "indices") else list(value))
            edge_points.append(e.Point(struct.id, vectors, struct.payload))
        self.shards[collection_name(model_id)].update(e.UpdateOperation.upsert_points(edge_points))

    def settle(self) -> None:
        """What the server does in the background: flush, then optimise (merge segments, build
        the HNSW graphs and quantised copies) until nothing is left to do."""
        for shard in self.shards.values():
            shard.flush()
            shard.optimize()
            shard.flush()

    def sizes(self) -> dict[str, int]:
        """Allocated bytes per component (segment file kind, or ``wal``), all collections."""
        out: dict[str, int] = {}
        for root, _, files in os.walk(self.root):
            for name in files:
                path = Path(root) / name
                parts = path.relative_to(self.root).parts[1:]  # below the collection's folder
                if parts[0] == "segments" and len(parts) > 2:
                    kind = parts[2]
                else:
                    kind = parts[0]
                out[kind] = out.get(kind, 0) + path.stat().st_blocks * 512
        return out

    def points(self) -> int:
        return sum(shard.info().points_count for shard in self.shards.values())

    def close(self) -> None:
        for shard in self.shards.values():
            shard.close()


# --- PostgreSQL ---------------------------------------------------------------------------------

def relation_sizes(conn) -> dict[str, int]:
    """Bytes of each relation of TABLES: heap, TOAST (with its index) and every index."""
    out = {}
    for table in TABLES:
        row = conn.execute(
            """SELECT pg_relation_size(c.oid) AS heap,
                      coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0) AS toast
               FROM pg_class c WHERE c.oid = %s::regclass""", (table,)).fetchone()
        out[f"{table} (heap)"] = row[0]
        out[f"{table} (TOAST)"] = row[1]
        for name, size in conn.execute(
                """SELECT i.relname, pg_relation_size(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                   WHERE x.indrelid = %s::regclass ORDER BY i.relname""", (table,)).fetchall():
            out[f"{table}: {name}"] = size
    return out


def vacuum(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for table in TABLES:
            conn.execute(f"VACUUM {table}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--memories", type=int, required=True)
    parser.add_argument("--dims", type=int, default=1536, help="the embedding dimension (production: 1536)")
    parser.add_argument("--users", type=int, default=None, help="spread over this many users (default: one per 1,000)")
    args = parser.parse_args(argv)
    users = args.users or max(1, args.memories // 1000)

    import psycopg

    from companion.domain.importance import heuristic_importance
    from companion.local.runtime import LocalRuntime

    pool = texts()
    rng = np.random.default_rng(0)
    start = datetime(2023, 1, 1, tzinfo=timezone.utc)
    load_at_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        index = EdgeIndex(Path(tmp) / "qdrant")
        embedder = StandInEmbedder(args.dims)
        rt = LocalRuntime(Path(tmp) / "data", embedder=embedder, overrides={"search_index": index})
        try:
            url = rt.container.settings.database_url
            with psycopg.connect(url, autocommit=True) as conn:
                before = relation_sizes(conn)
            memory = rt.container.memory
            owners = [f"{900000000000000000 + u}" for u in range(users)]
            for owner in owners:
                rt.container.users.ensure_user(owner, "bench")
            started = time.perf_counter()
            vacuum_every = max(BATCH, args.memories // 10)
            written = 0
            while written < args.memories:
                owner = owners[(written // BATCH) % users]
                batch = range(written, min(written + BATCH, args.memories))
                records = []
                for i in batch:
                    speaker, text = pool[i % len(pool)]
                    context = pool[(i - 1) % len(pool)][1]
                    records.append(memory.prepare(
                        owner, text, memory_id=str(uuid.uuid4()), now=start + timedelta(hours=i),
                        vector=unit_vector(rng, args.dims), author_name=speaker, context=context,
                        importance=heuristic_importance(text)))
                memory.memories.insert_memories(owner, records)
                memory.index(owner, records, start + timedelta(hours=batch.stop))
                written = batch.stop
                if written % vacuum_every < BATCH or written == args.memories:
                    vacuum(url)
                print(f"written {written}", file=sys.stderr, end="\r")
            load_s = time.perf_counter() - started
            settle_started = time.perf_counter()
            index.settle()
            settle_s = time.perf_counter() - settle_started
            with psycopg.connect(url, autocommit=True) as conn:
                after = relation_sizes(conn)
                stored = conn.execute("SELECT count(*) FROM memories").fetchone()[0]
                unindexed = conn.execute("SELECT count(*) FROM memories WHERE indexed_at IS NULL").fetchone()[0]
            qdrant = index.sizes()
            points = index.points()
        finally:
            index.close()
            rt.close()

    if stored != args.memories or points != args.memories or unindexed:
        raise SystemExit(f"stored {stored}, Qdrant points {points}, unindexed {unindexed}: expected {args.memories}")
    n = args.memories
    pg = {name: after[name] - before.get(name, 0) for name in after}
    pg_total = sum(pg.values())
    wal = qdrant.pop("wal", 0)
    qdrant_total = sum(qdrant.values())
    print(f"{n} memories of {users} users, {args.dims} dimensions ({embedder.model_id}); "
          f"written in {load_s:.0f} s, Qdrant optimised in {settle_s:.0f} s (load {load_at_start:.1f} -> "
          f"{os.getloadavg()[0]:.1f})", file=sys.stderr)
    print(f"\n{'PostgreSQL relation':<52}{'bytes':>14}{'per memory':>12}")
    for name, size in sorted(pg.items(), key=lambda item: -item[1]):
        if size:
            print(f"{name:<52}{size:>14,}{size / n:>12.0f}")
    print(f"{'PostgreSQL total':<52}{pg_total:>14,}{pg_total / n:>12.0f}")
    print(f"\n{'Qdrant (Edge) segment files':<52}{'bytes':>14}{'per memory':>12}")
    for name, size in sorted(qdrant.items(), key=lambda item: -item[1]):
        print(f"{name:<52}{size:>14,}{size / n:>12.0f}")
    print(f"{'Qdrant total (write-ahead log apart: ' + format(wal, ',') + ')':<52}{qdrant_total:>14,}"
          f"{qdrant_total / n:>12.0f}")
    print(json.dumps({
        "memories": n, "dims": args.dims,
        "pg_bytes_per_memory": round(pg_total / n),
        "qdrant_bytes_per_memory": round(qdrant_total / n),
        "total_bytes_per_memory": round((pg_total + qdrant_total) / n),
        "users": users, "embedding_model": embedder.model_id, "qdrant": "edge",
    }))


if __name__ == "__main__":
    main()
