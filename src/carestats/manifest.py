"""build/manifest.json: what went in (paths, sha256, rows), with which software, and what came out."""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

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


def write_manifest(out: Path, inputs: list[dict], extra: dict) -> Path:
    outputs = {}
    for p in sorted(out.rglob("*")):
        if p.is_file() and p.name != "manifest.json":
            outputs[p.relative_to(out).as_posix()] = {"sha256": sha256_file(p), "bytes": p.stat().st_size}
    doc = {"tool": "carestats", "versions": versions(), "system": system_versions(), "inputs": inputs, **extra,
           "outputs": outputs}
    target = out / "manifest.json"
    target.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return target
