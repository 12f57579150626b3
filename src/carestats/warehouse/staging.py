"""Stage 3, stage: one view per publication in staging.*, whatever release its rows came from.

Schema drift (renamed columns, relabelled filters) is resolved here, once, in queries/staging/. A raw
table that no input provided is created empty with the columns its staging view reads, so a build from
a subset of the releases still runs and the indicators that need the missing files simply have no rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from carestats.core import paths
from carestats.core.errors import ConfigError, QueryError
from carestats.core.sqlfile import IDENT, as_tuple, check_keys, split_header
from carestats.warehouse.db import table_columns

GEOGRAPHY = ("time_period", "time_identifier", "geographic_level", "country_code", "country_name",
             "region_code", "region_name", "old_la_code", "new_la_code", "la_name")
@dataclass(frozen=True)
class StagingView:
    id: str
    description: str
    raw: tuple[str, ...]
    columns: tuple[str, ...]
    measures: tuple[str, ...]
    path: Path
    sql: str
    extra: dict = field(default_factory=dict)


STG_REQUIRED = {"id", "description", "raw"}
STG_OPTIONAL = {"columns", "measures"}


def parse_staging(path: Path) -> StagingView:
    meta, body = split_header(path)
    name = paths.display(path, paths.RESOURCE_ROOT)
    check_keys(name, meta, STG_REQUIRED, STG_OPTIONAL)
    if meta["id"] != path.stem or not IDENT.match(str(meta["id"])):
        raise ConfigError(f"{name}: id must equal the file name", f"set id: {path.stem}")
    raw = as_tuple(meta["raw"])
    for t in raw:
        if not IDENT.match(t):
            raise ConfigError(f"{name}: raw table {t!r} is not a valid name", "use the normalised file name")
    return StagingView(
        id=str(meta["id"]), description=str(meta["description"]).strip(), raw=raw,
        columns=as_tuple(meta.get("columns")), measures=as_tuple(meta.get("measures")), path=path, sql=body,
    )


def load_staging() -> list[StagingView]:
    return [parse_staging(p) for p in sorted((paths.QUERIES_DIR / "staging").glob("*.sql"))]


LINEAGE = {"_release": "varchar", "_vintage": "integer", "_file": "varchar", "_line": "integer"}


def ensure_raw(con: duckdb.DuckDBPyConnection, view: StagingView) -> list[str]:
    """Make every raw table the view reads exist with every column it reads; returns tables made empty."""
    con.execute("create schema if not exists raw")
    made = []
    wanted = [*GEOGRAPHY, *view.columns]
    for table in view.raw:
        have = table_columns(con, "raw", table)
        if not have:
            cols = ", ".join([f'"{c}" varchar' for c in wanted] + [f"{k} {t}" for k, t in LINEAGE.items()])
            con.execute(f'create table raw."{table}" ({cols})')
            made.append(table)
            continue
        for col in wanted:
            if col not in have:
                con.execute(f'alter table raw."{table}" add column "{col}" varchar')
    return made


def build_staging(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Create every staging view; returns, per view, the raw tables that had no input.

    The views and the raw tables or columns they need are made in one transaction: one commit (one write
    to disk), not one per statement; a failing query leaves the warehouse as it was."""
    missing: dict[str, list[str]] = {}
    views = load_staging()
    con.begin()
    try:
        con.execute("create schema if not exists staging")
        for view in views:
            made = ensure_raw(con, view)
            if made:
                missing[view.id] = made
            try:
                con.execute(f"create or replace view staging.{view.id} as {view.sql}")
            except duckdb.Error as exc:
                name = paths.display(view.path, paths.RESOURCE_ROOT)
                raise QueryError(f"{name}: {str(exc).splitlines()[0]}", "fix the staging query") from exc
    except BaseException:
        con.rollback()
        raise
    con.commit()
    return missing
