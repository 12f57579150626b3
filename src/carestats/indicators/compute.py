"""Stage 4, compute: run every indicator query, check its shape, and keep the latest release's figure.

Each query returns every release's rows, which go to `indicator_vintages`. For each indicator, period,
area and breakdown, the row from the latest release that has it wins and goes to `indicator_values`: the
rows are picked (latest_of) from the rows just computed, still in memory.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import polars as pl

from carestats.core import paths
from carestats.core.errors import QueryError
from carestats.core.vocabulary import FORMULA_START
from carestats.indicators.registry import Indicator
from carestats.warehouse.db import in_parallel, load_frame, query_pl

OUTPUT_COLUMNS = ["time_period", "geographic_level", "area_code", "area_name", "breakdown", "value", "status",
                  "numerator", "denominator", "release"]
VALUE_COLUMNS = ["indicator_id", *OUTPUT_COLUMNS]
KEY = ["indicator_id", "time_period", "geographic_level", "area_code", "breakdown"]
LEVELS = ["National", "Regional", "Local authority"]
STATUSES = ["c", "k", "u", "x", "z", "low"]
SCHEMA = {
    "indicator_id": pl.String, "time_period": pl.Int64, "geographic_level": pl.String, "area_code": pl.String,
    "area_name": pl.String, "breakdown": pl.String, "value": pl.Float64, "status": pl.String,
    "numerator": pl.Float64, "denominator": pl.Float64, "release": pl.String,
}


def run_indicator(con: duckdb.DuckDBPyConnection, ind: Indicator, params: dict | None = None) -> pl.DataFrame:
    name = paths.display(ind.path, paths.RESOURCE_ROOT)
    try:
        df = query_pl(con, ind.sql, params)
    except duckdb.Error as exc:
        raise QueryError(f"{name}: {str(exc).splitlines()[0]}", "fix the indicator query") from exc
    return validate(ind, df)


def validate(ind: Indicator, df: pl.DataFrame) -> pl.DataFrame:
    name = paths.display(ind.path, paths.RESOURCE_ROOT)
    if df.columns != OUTPUT_COLUMNS:
        raise QueryError(f"{name}: the query returns columns {', '.join(df.columns)}",
                         f"return exactly {', '.join(OUTPUT_COLUMNS)}, in that order")
    try:
        df = df.with_columns(pl.lit(ind.id).alias("indicator_id")).select(
            [pl.col(c).cast(t) for c, t in SCHEMA.items()])
    except pl.exceptions.PolarsError as exc:
        raise QueryError(f"{name}: a column has the wrong type ({str(exc).splitlines()[0]})",
                         "time_period must be an integer and value, numerator, denominator numbers") from exc
    df = df.with_columns(pl.col("breakdown").str.strip_chars(), pl.col("area_name").str.strip_chars())
    problems = [
        (pl.col("value").is_null() & pl.col("status").is_null(),
         "rows with neither a value nor a status symbol", "set status to the publisher's symbol"),
        (pl.col("value").is_not_null() & pl.col("status").is_not_null(),
         "rows with both a value and a status", "status is only for values that are not published"),
        (pl.col("status").is_not_null() & ~pl.col("status").is_in(STATUSES),
         "unknown status symbols", f"use one of {', '.join(STATUSES)}"),
        (~pl.col("geographic_level").is_in(LEVELS),
         "unknown geographic levels", f"use one of {', '.join(LEVELS)}"),
        (pl.col("area_code").is_null() | pl.col("breakdown").is_null() | pl.col("release").is_null()
         | pl.col("time_period").is_null(),
         "rows without an area code, breakdown, release or period", "every row needs all four"),
        (pl.struct(KEY + ["release"]).is_duplicated(),
         "duplicate rows for one area, period, breakdown and release", "the query must return one row per key"),
    ]
    # every rule counted in one pass; the rows of the first that fails are picked out only then
    counts = df.select(rule.fill_null(False).sum().alias(str(i)) for i, (rule, _, _) in enumerate(problems)).row(0)
    for n, (rule, what, hint) in zip(counts, problems):
        if n:
            first = df.filter(rule).row(0, named=True)
            example = f"{first['geographic_level']} {first['area_code']} {first['time_period']} {first['release']}"
            raise QueryError(f"{name}: {n} {what} (first: {example})", hint)
    return df


# The latest release wins: the release year is the 4 digits that end its name (cla-2025); a release without
# one counts as the latest, and between releases of one year the name that sorts last wins. The rows come
# in the order `order` gives.
RELEASE_YEAR = r"(\d{4})$"


def latest_of(vintages: pl.DataFrame) -> pl.DataFrame:
    """For each key (indicator, period, level, area, breakdown), the row of the latest release, in the order
    `order` gives. Worked out in Polars on the rows already in memory (no copy into the warehouse and back)."""
    year = pl.col("release").str.extract(RELEASE_YEAR, 1).cast(pl.Int64, strict=False).alias("_year")
    ranked = vintages.with_columns(year).sort(["_year", "release"], descending=True, nulls_last=False,
                                              maintain_order=True)
    return order(ranked.unique(subset=KEY, keep="first", maintain_order=True).drop("_year"))


def keep_latest(con: duckdb.DuckDBPyConnection, vintages: pl.DataFrame,
                target: str = "main.indicator_values") -> pl.DataFrame:
    """Make `target` from every release's rows: for each key, the row of the latest release (latest_of).
    Returns the new table."""
    latest = latest_of(vintages).cast(SCHEMA)  # type: ignore[arg-type]
    schema, name = target.split(".")
    load_frame(con, schema, name, latest)
    return latest


def order(df: pl.DataFrame) -> pl.DataFrame:
    level = pl.col("geographic_level").replace_strict(LEVELS, [0, 1, 2], default=3)
    return df.with_columns(level.alias("_lvl")).sort(
        ["indicator_id", "time_period", "_lvl", "area_code", "breakdown", "release"]).drop("_lvl")


IN_MEMORY_ROWS = 1_000_000  # up to this many rows, the indicators' rows are ordered all at once
def run_indicators(con: duckdb.DuckDBPyConnection, indicators: list[Indicator]) -> Iterator[pl.DataFrame]:
    """run_indicator for each indicator, yielded in the order given, the queries running two at a time
    (warehouse.db.in_parallel): a query that fails raises its error when its turn comes."""
    return in_parallel(con, [functools.partial(_run_on, ind=ind) for ind in indicators])


def _run_on(cursor: duckdb.DuckDBPyConnection, ind: Indicator) -> pl.DataFrame:
    return run_indicator(cursor, ind)


def compute_all(con: duckdb.DuckDBPyConnection, indicators: list[Indicator],
                progress=None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every indicator's rows (`indicator_vintages`) and the latest release's (`indicator_values`).

    Beyond IN_MEMORY_ROWS rows, each indicator is ordered on its own: indicator_id leads the order, so the
    table is the indicators' parts in the order of their ids, and no step sorts or copies the whole table.
    Both ways give the same table. The latest release's figures are then picked in the warehouse.
    """
    frames: list[tuple[str, pl.DataFrame]] = []
    for ind, df in zip(indicators, run_indicators(con, indicators)):
        frames.append((ind.id, df))
        if progress:
            progress(ind.id)
    ids = [f[0] for f in frames]
    if not frames:
        vintages = pl.DataFrame(schema=SCHEMA)
    elif sum(f[1].height for f in frames) > IN_MEMORY_ROWS and len(set(ids)) == len(ids):
        frames.sort(key=lambda f: f[0])
        parts = []
        while frames:  # each indicator's rows give way to their ordered copy
            parts.append(order(frames.pop(0)[1]))
        vintages = pl.concat(parts, how="vertical")
        parts.clear()
    else:
        vintages = order(pl.concat([f[1] for f in frames], how="vertical"))
        frames.clear()
    # loaded a slice at a time (never a second, arrow copy of a whole table), on a connection and thread of
    # its own while the latest release's rows are picked and stored: DuckDB writes the two tables side by side
    cursor = con.cursor()
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="carestats-vintages") as side:
            stored = side.submit(load_frame, cursor, "main", "indicator_vintages", vintages)
            latest = keep_latest(con, vintages)
            stored.result()
    finally:
        cursor.close()
    return latest, vintages


def write_exports(df: pl.DataFrame, folder: Path, stem: str) -> list[Path]:
    """Parquet as is; CSV made safe to open in Excel (text cells cannot start a formula)."""
    folder.mkdir(parents=True, exist_ok=True)
    pq, csv = folder / f"{stem}.parquet", folder / f"{stem}.csv"
    df.write_parquet(pq, statistics=False, compression="zstd")
    write_csv_chunks(df, csv)
    return [pq, csv]


CSV_ROWS = 100_000


def write_csv_chunks(df: pl.DataFrame, target: Path, rows: int = CSV_ROWS) -> None:
    """The CSV export, made safe and plain `rows` at a time (the same bytes as in one go, without a
    second copy of the whole table as text)."""
    with target.open("wb") as fh:
        for start in range(0, max(df.height, 1), rows):
            # numbers become text after the guard, so -5 stays -5
            plain_numbers(excel_safe(df.slice(start, rows))).write_csv(fh, include_header=start == 0)


def plain_numbers(df: pl.DataFrame) -> pl.DataFrame:
    """Floats as the publisher prints them: 81770 rather than 81770.0, 12.5 as 12.5."""
    exprs = []
    for col, dtype in df.schema.items():
        if dtype == pl.Float64:
            c = pl.col(col)
            whole = c.is_finite() & (c == c.round(0)) & (c.abs() < 1e15)
            exprs.append(pl.when(whole).then(c.cast(pl.Int64).cast(pl.String)).otherwise(c.cast(pl.String))
                         .alias(col))
    return df.with_columns(exprs) if exprs else df


def excel_safe(df: pl.DataFrame) -> pl.DataFrame:
    """Prefix a quote to text cells that Excel would read as a formula; numbers stay numbers."""
    exprs = []
    for col, dtype in df.schema.items():
        if dtype == pl.String:
            c = pl.col(col)
            risky = pl.any_horizontal([c.str.starts_with(s) for s in FORMULA_START])
            exprs.append(pl.when(risky).then(pl.lit("'") + c).otherwise(c).alias(col))
    return df.with_columns(exprs) if exprs else df
