"""build/manifest.json: what went in (paths, sha256, rows), with which software, and what came out."""

from __future__ import annotations

import json
from pathlib import Path

from carestats.core.fingerprint import sha256_file, system_versions, versions


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
