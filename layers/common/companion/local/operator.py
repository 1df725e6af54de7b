"""The container operators' command-line tools (`make api-key`, `make incidents`) work through:
the deployment's database when DATABASE_URL (or the AWS variables config.py reads) is set,
otherwise the embedded database of `make run`/`make api` (COMPANION_DATA_DIR, default .local/),
started and migrated on demand."""
from __future__ import annotations

from pathlib import Path


def operator_container(data_dir: str):
    from ..config import Settings
    from ..wiring import Container

    settings = Settings.from_env()
    if not settings.database_url:
        from ..adapters.migrations import apply_migrations
        from .functions import REPO_ROOT
        from .runtime import start_postgres

        Path(data_dir).mkdir(parents=True, exist_ok=True)
        _server, url, _adopted = start_postgres(Path(data_dir) / "postgres")
        apply_migrations(url, REPO_ROOT / "migrations")
        settings = Settings(database_url=url)
    return Container(settings)
