"""The record of one file in the input folder: what it is and what became of it.

Readers fill in what they learn of a file (its kind, table, release, rows, status); the ingest stage
keeps one record per file, and the manifest lists them.
"""

from __future__ import annotations

from dataclasses import dataclass


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
