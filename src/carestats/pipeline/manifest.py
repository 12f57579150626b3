"""build/manifest.json: what went in (paths, sha256, rows), with which software, and what came out."""

from __future__ import annotations

import json
from pathlib import Path

from carestats.core.fingerprint import sha256_file, system_versions, versions

MANIFEST = "manifest.json"


def write_manifest(out: Path, inputs: list[dict], extra: dict, kept: dict[str, dict] | None = None) -> Path:
    """The manifest of the build in `out`; `kept` records outputs of an earlier build left in place
    (the reports a --no-reports build keeps), by their path in the output folder."""
    outputs: dict[str, dict] = {}
    for p in sorted(out.rglob("*")):
        if p.is_file() and p.name != MANIFEST:
            outputs[p.relative_to(out).as_posix()] = {"sha256": sha256_file(p), "bytes": p.stat().st_size}
    doc = {"tool": "carestats", "versions": versions(), "system": system_versions(), "inputs": inputs, **extra,
           "outputs": dict(sorted({**kept, **outputs}.items())) if kept else outputs}
    target = out / MANIFEST
    target.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return target
