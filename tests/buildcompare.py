"""Comparing two build folders: what 'identical to a clean build' means in the atomic and incremental tests."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb


def snapshot(out: Path) -> dict[str, str]:
    """Every output file's sha256, by its path inside the build folder."""
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}


def tables(db: Path) -> dict[str, list]:
    """Every base table of a warehouse, its rows sorted, by schema-qualified name."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = con.execute("select table_schema, table_name from information_schema.tables "
                            "where table_type = 'BASE TABLE' order by 1, 2").fetchall()
        return {f"{s}.{t}": sorted(map(repr, con.execute(f'select * from "{s}"."{t}"').fetchall())) for s, t in names}
    finally:
        con.close()


def same_build(a: Path, b: Path) -> None:
    """Two builds of the same inputs: every file byte-identical, except that DuckDB stamps each database
    file with its own random id (so the warehouse is compared table by table, and its hash in the manifest
    is left out)."""
    sa, sb = snapshot(a), snapshot(b)
    assert sa.keys() == sb.keys()
    for name in sa.keys() - {"carestats.duckdb", "manifest.json"}:
        assert sa[name] == sb[name], name
    ma, mb = (json.loads((x / "manifest.json").read_text()) for x in (a, b))
    for m in (ma, mb):
        m["outputs"].pop("carestats.duckdb")
    assert ma == mb
    assert tables(a / "carestats.duckdb") == tables(b / "carestats.duckdb")
