"""Rebuild memories' indexed text, terms and vectors (after the memory-text recipe or the
embedding model changed), then the search index, for every user (or one); and move the search
index to its current layout when Qdrant still holds an earlier one (its float32 collection:
every memory is put into the current collection from PostgreSQL, then the old one is deleted).

    .venv/bin/python -m companion.local.reindex [--user-id ID] [--data-dir .local]

With DATABASE_URL set (and QDRANT_URL, GEMINI_API_KEY, ... as the Lambdas have them) it works on
that deployment; otherwise on the embedded engines of ``make run``'s data folder.
"""
from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--user-id", help="only this user")
    parser.add_argument("--data-dir", default=os.environ.get("COMPANION_DATA_DIR", ".local"))
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")

    from ..adapters.qdrant_store import collection_name
    from ..domain.memory_text import RECIPE_VERSION
    from ..wiring import Container, Settings, utc_now

    runtime = None
    if os.environ.get("DATABASE_URL") or os.environ.get("DB_SECRET_ARN"):
        container = Container(Settings.from_env())
    else:
        from .runtime import LocalRuntime

        runtime = LocalRuntime(Path(args.data_dir))
        container = runtime.container
    try:
        memory = container.memory
        users = [args.user_id] if args.user_id else container.memory_repo.users_to_reindex(RECIPE_VERSION)
        total = 0
        for user_id in users:
            done = memory.reindex(user_id, utc_now())
            total += done
            print(f"{user_id}: {done} memories re-indexed", file=sys.stderr)
        print(f"re-indexed {total} memories of {len(users)} users (recipe {RECIPE_VERSION})")
        if not args.user_id and container.search_index is container.vector_store:
            legacy = container.vector_store.legacy_collections(container.embedder.model_id)
            if legacy:
                progress = container.vector_index_rebuild.run()
                left = container.vector_store.legacy_collections(container.embedder.model_id)
                print(f"moved {progress.memories} memories of {progress.users} users from {', '.join(legacy)} "
                      f"to {collection_name(container.embedder.model_id)}"
                      + (f"; {', '.join(left)} kept: some memories are not indexed yet, run it again" if left else ""))
    finally:
        if runtime is not None:
            runtime.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
