"""build/manifest.json: what went in (paths, sha256, rows), with which software, and what came out."""

from __future__ import annotations

import hashlib
import json
import platform
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


def write_manifest(out: Path, inputs: list[dict], extra: dict) -> Path:
    outputs = {}
    for p in sorted(out.rglob("*")):
        if p.is_file() and p.name != "manifest.json":
            outputs[p.relative_to(out).as_posix()] = {"sha256": sha256_file(p), "bytes": p.stat().st_size}
    doc = {"tool": "carestats", "versions": versions(), "inputs": inputs, **extra, "outputs": outputs}
    target = out / "manifest.json"
    target.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return target
