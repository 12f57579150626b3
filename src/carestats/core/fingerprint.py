"""Content fingerprints: sha256 of files and of labelled parts, the software's versions, the fonts.

The pipeline's cache keys (pipeline/cache.py), the manifest and the renderer's report keys are built
from these. Keys hash content, never times or absolute paths.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

from carestats.core import paths

PACKAGES = ["carestats", "duckdb", "polars", "pyarrow", "jinja2", "weasyprint", "pydyf", "fonttools", "typer",
            "fastexcel", "pyyaml"]


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


# The system libraries between a report's HTML and its PDF bytes (text layout, shaping, font subsetting, fonts)
RENDERER_LIBRARIES = ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "libharfbuzz-subset0",
                      "libfontconfig1", "libfreetype6", "fonts-dejavu-core")


FONT_FOLDERS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))


@functools.lru_cache(maxsize=1)
def system_versions() -> dict[str, str]:
    """The Debian versions of RENDERER_LIBRARIES, by dpkg-query; {} where there is no dpkg."""
    query = shutil.which("dpkg-query")
    if not query:
        return {}
    res = subprocess.run([query, "-W", "-f", "${Package} ${Version}\n", *RENDERER_LIBRARIES],
                         capture_output=True, text=True, timeout=30, check=False)
    found = dict(line.split(" ", 1) for line in res.stdout.splitlines() if " " in line)
    return {name: found.get(name, "not installed") for name in RENDERER_LIBRARIES}


def font_files() -> list[Path]:
    """Every font file the renderer may choose from: fontconfig's list, else the usual font folders."""
    lister = shutil.which("fc-list")
    if lister:
        res = subprocess.run([lister, "--format", "%{file}\n"], capture_output=True, text=True, timeout=30,
                             check=False)
        files = {Path(line) for line in res.stdout.splitlines() if line.strip()}
    else:
        files = {p for folder in FONT_FOLDERS if folder.is_dir() for p in folder.rglob("*") if p.is_file()}
    return sorted(p for p in files if p.is_file())


FORMAT = "carestats-cache-1"  # change when a key's meaning changes, so old manifests never match


class Key:
    """A sha256 fed with labelled, length-prefixed parts, so no two different inputs run together."""

    def __init__(self, label: str) -> None:
        self._h = hashlib.sha256()
        self.add("format", FORMAT).add("key", label)

    def add(self, label: str, value: str | bytes) -> Key:
        data = value.encode("utf-8") if isinstance(value, str) else value
        for part in (label.encode("utf-8"), data):
            self._h.update(len(part).to_bytes(8, "big") + part)
        return self

    def add_json(self, label: str, value: object) -> Key:
        return self.add(label, json.dumps(value, sort_keys=True, default=str))

    def add_files(self, label: str, folder: Path, keep=lambda p: True) -> Key:  # type: ignore[no-untyped-def]
        """Every file under `folder` by its relative name and content hash; a missing folder adds nothing."""
        for path in files_under(folder):
            if keep(path):
                self.add(f"{label}:{path.relative_to(folder).as_posix()}", sha256_file(path))
        return self

    def hexdigest(self) -> str:
        return self._h.hexdigest()


def files_under(folder: Path) -> list[Path]:
    """The files a stage may read from a folder: the same choice as ingest.discover (no hidden files)."""
    if not folder.is_dir():
        return []
    return sorted(paths.files_in(folder))


def report_key(assets: str, html: str) -> str:
    return Key("report").add("assets", assets).add("html", html).hexdigest()


def place(src: Path, dst: Path) -> None:
    """Put an earlier output into the new build: a hard link where possible (no bytes copied), else a copy.

    Earlier outputs are never written to, so sharing their inode leaves the previous build as it was.
    """
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)
