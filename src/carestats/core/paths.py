"""Where things are: every path is resolved here, from the installed package or the given options.

`queries/` and `templates/` are package data: an installed wheel carries them inside the package
(carestats/queries, carestats/templates), found through importlib.resources; a checkout (the editable
install the Makefile makes) reads them from the top of the project, where they are edited.
"""

from __future__ import annotations

import importlib.resources
import os
from collections.abc import Iterator
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


def files_in(folder: Path) -> Iterator[Path]:
    """Every file under `folder` but hidden ones (a name starting with "."), in no set order; folders that
    are symbolic links are followed (a folder of links to downloads reads as the downloads), each real
    folder once, so a link back up the tree ends rather than loops. The one walk of an input folder: what
    ingest reads and what the build's cache key hashes are the same files."""
    seen: set[tuple[int, int]] = set()
    for top, dirs, names in os.walk(folder, followlinks=True):
        try:
            st = os.stat(top)
        except OSError:  # gone since it was listed: as a folder that cannot be read, nothing in it
            dirs[:] = []
            continue
        if (st.st_dev, st.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((st.st_dev, st.st_ino))
        for name in names:
            path = Path(top, name)
            if not name.startswith(".") and path.is_file():
                yield path


def _has_release_files(folder: Path) -> bool:
    if not folder.is_dir():
        return False
    return any(p.name != "README.md" for p in files_in(folder))


def default_raw() -> Path:
    """data/raw when it holds files, otherwise the shared reference inputs beside the project."""
    env = os.environ.get("CARESTATS_RAW")
    if env:
        return Path(env)
    return LOCAL_RAW if _has_release_files(LOCAL_RAW) else SHARED_RAW


def folder_names(folder: Path) -> tuple[Path, Path]:
    """A folder as given (made absolute) and as resolved: what name_under needs, worked out once."""
    return Path(os.path.abspath(folder)), folder.resolve()


def name_under(path: Path, folder: tuple[Path, Path]) -> str | None:
    """The name of a file under a folder (folder_names): relative to the folder as given, so a file reached
    through a folder that is a link keeps the link's name (cla/…, not the download's own path), else to the
    resolved folder; None when the file is under neither."""
    given, real = folder
    try:
        return Path(os.path.abspath(path)).relative_to(given).as_posix()
    except ValueError:
        pass
    try:
        return path.resolve().relative_to(real).as_posix()
    except ValueError:
        return None


def display(path: Path, base: Path | None = None) -> str:
    """A short, stable name for a file in messages and the manifest (relative to the input folder)."""
    if base is not None:
        name = name_under(path, folder_names(base))
        if name is not None:
            return name
    return path.as_posix()
