"""build/manifest.json: what went in (paths, sha256, rows), with which software, and what came out."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from carestats.core.fingerprint import sha256_file, system_versions, versions

MANIFEST = "manifest.json"


def write_manifest(out: Path, inputs: list[dict], extra: dict, kept: dict[str, dict] | None = None) -> Path:
    """The manifest of the build in `out`; `kept` records outputs of an earlier build left in place
    (the reports a --no-reports build keeps), by their path in the output folder."""
    files = [p for p in sorted(out.rglob("*")) if p.is_file() and p.name != MANIFEST]
    # hashed two at a time (hashlib lets go of Python's lock while it hashes): the warehouse and the exports
    # are a hundred megabytes or more
    with ThreadPoolExecutor(2, thread_name_prefix="carestats-manifest") as pool:
        digests = list(pool.map(sha256_file, files))
    outputs: dict[str, dict] = {p.relative_to(out).as_posix(): {"sha256": digest, "bytes": p.stat().st_size}
                                for p, digest in zip(files, digests)}
    doc = {"tool": "carestats", "versions": versions(), "system": system_versions(), "inputs": inputs, **extra,
           "outputs": dict(sorted({**kept, **outputs}.items())) if kept else outputs}
    target = out / MANIFEST
    target.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return target
