"""Where things are: every path is resolved here, from the installed package or the given options.

`queries/` and `templates/` are package data: an installed wheel carries them inside the package
(carestats/queries, carestats/templates), found through importlib.resources; a checkout (the editable
install the Makefile makes) reads them from the top of the project, where they are edited.
"""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path

PACKAGE_DIR = Path(str(importlib.resources.files("carestats")))
PROJECT_ROOT = PACKAGE_DIR.parent.parent


def package_data(name: str) -> Path:
    """The folder of package data `name`: inside the installed package, or at the top of a checkout."""
    packaged = PACKAGE_DIR / name
    return packaged if packaged.is_dir() else PROJECT_ROOT / name


QUERIES_DIR = package_data("queries")
TEMPLATES_DIR = package_data("templates")
RESOURCE_ROOT = QUERIES_DIR.parent  # names in messages read "queries/…" either way
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
