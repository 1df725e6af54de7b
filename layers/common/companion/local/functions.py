"""Loads the Lambda handlers (functions/<name>/app.py) exactly as Lambda does: by file."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parents[4]


def load_handler(function: str, functions_dir: Path | None = None) -> ModuleType:
    """Import functions/<function>/app.py, the same file Lambda runs."""
    root = Path(functions_dir or os.environ.get("COMPANION_FUNCTIONS_DIR") or REPO_ROOT / "functions")
    path = root / function / "app.py"
    spec = importlib.util.spec_from_file_location(f"companion_fn_{function}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
