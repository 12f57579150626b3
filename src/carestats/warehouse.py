"""The DuckDB warehouse: opened locked down, so SQL can reach no file, network or extension.

Data reaches DuckDB only from Python (arrow tables registered by ingest), and outputs leave only through
Python writers, so the SQL in queries/ (and a user's own indicator files) never needs file access.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from carestats import paths
from carestats.errors import QueryError

WAREHOUSE_NAME = paths.WAREHOUSE_NAME

LOCKED = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "threads": 2,
}


def connect(path: Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    config = dict(LOCKED)
    target = ":memory:" if path is None else str(path)
    con = duckdb.connect(target, read_only=read_only, config=config)  # type: ignore[arg-type]
    if not read_only:
        run_script(con, paths.QUERIES_DIR / "macros.sql")
    con.execute("set lock_configuration = true")
    return con


def run_script(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    try:
        con.execute(path.read_text(encoding="utf-8"))
    except duckdb.Error as exc:
        raise QueryError(f"{paths.display(path, paths.PROJECT_ROOT)}: {exc}".splitlines()[0],
                         "fix the SQL in that file") from exc


def load_table(con: duckdb.DuckDBPyConnection, schema: str, name: str, table: pa.Table) -> None:
    """Create schema.name from an arrow table (the name comes from a validated identifier)."""
    con.execute(f"create schema if not exists {schema}")
    con.register("_incoming", table)
    try:
        con.execute(f'create or replace table {schema}."{name}" as select * from _incoming')
    finally:
        con.unregister("_incoming")


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = $s and table_name = $t "
        "order by ordinal_position",
        {"s": schema, "t": name},
    ).fetchall()
    return [r[0] for r in rows]


def query_pl(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None):  # type: ignore[no-untyped-def]
    """Run one bound query and hand the result to Polars through Arrow."""
    import polars as pl

    return pl.from_arrow(con.sql(sql, params=params or None).to_arrow_table())
