"""`make api`: the REST API (the app functions/api serves in AWS) on this machine, with uvicorn,
over the same embedded engines and state as `make run` (COMPANION_DATA_DIR, default .local/).
Interactive docs at http://127.0.0.1:8000/docs; keys from `make api-key`. Stop `make run`
first: Qdrant's local mode lets one process at a time open its folder."""
from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from pathlib import Path


def with_queued_work(app, runtime):
    """What a request queues (a chat turn's conflict check) goes to the real worker handler after
    the response, as the SQS trigger delivers it in AWS."""
    import anyio

    @app.middleware("http")
    async def run_queued_work(request, call_next):
        response = await call_next(request)
        await anyio.to_thread.run_sync(runtime.run_queued)
        return response

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", default=os.environ.get("COMPANION_DATA_DIR", ".local"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    args = parser.parse_args(argv)

    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    import uvicorn

    from ..api.app import create_app
    from .runtime import LocalRuntime

    print(f"Starting the companion's REST API on embedded engines in {args.data_dir}/ ...", file=sys.stderr)
    # DATABASE_URL: serve over that PostgreSQL (migrated here) instead of the embedded one.
    runtime = LocalRuntime(Path(args.data_dir), database_url=os.environ.get("DATABASE_URL") or None)
    try:
        if not runtime.container.api_keys.list():
            print('No API keys yet: create one with  make api-key ARGS="create --admin"', file=sys.stderr)
        print(f"Docs: http://{args.host}:{args.port}/docs", file=sys.stderr)
        uvicorn.run(with_queued_work(create_app(), runtime), host=args.host, port=args.port, log_level="warning")
    finally:
        runtime.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
