"""Where things are: every path is resolved here, from the installed package or the given options."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent.parent
QUERIES_DIR = PROJECT_ROOT / "queries"
TEMPLATES_DIR = PROJECT_ROOT / "templates"
DOCS_DIR = PROJECT_ROOT / "docs"

WAREHOUSE_NAME = "carestats.duckdb"
SHARED_RAW = PROJECT_ROOT.parent / "shared" / "data" / "raw"
LOCAL_RAW = PROJECT_ROOT / "data" / "raw"


def _has_release_files(folder: Path) -> bool:
    if not folder.is_dir():
        return False
    return any(p.is_file() and p.name != "README.md" for p in folder.rglob("*"))


def default_raw() -> Path:
    """data/raw when it holds files, otherwise the shared reference inputs beside the project."""
    env = os.environ.get("CARESTATS_RAW")
    if env:
        return Path(env)
    return LOCAL_RAW if _has_release_files(LOCAL_RAW) else SHARED_RAW


def display(path: Path, base: Path | None = None) -> str:
    """A short, stable name for a file in messages and the manifest (relative to the input folder)."""
    if base is not None:
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()
