"""The files of the input folder, and the record of each: what it is and what became of it.

Readers fill in what they learn of a file (its kind, table, release, rows, status); the ingest stage
keeps one record per file, and the manifest lists them. Light to import: the build lists the files here
to start opening the workbooks before it loads the readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from carestats.core import paths
from carestats.core.errors import DataError

NOT_INPUTS = {"README.md", "SOURCES.md"}


def discover(raw: Path) -> list[Path]:
    """Every file under `raw` (through folders that are links), sorted, but hidden files and the folder's
    README.md and SOURCES.md."""
    if not raw.is_dir():
        raise DataError(f"input folder {raw} does not exist",
                        "pass --raw with the folder that holds the release files")
    return sorted(p for p in paths.files_in(raw) if p.name not in NOT_INPUTS)


@dataclass
class InputFile:
    """One file in the input folder and what became of it."""

    name: str
    sha256: str
    size: int
    kind: str  # "ees-csv", "workbook", "other"
    table: str = ""
    release: str = ""
    vintage: int = 0
    rows: int = 0
    encoding: str = ""
    status: str = "unused"  # "loaded", "unused", "invalid", "duplicate"
    reason: str = ""
