"""Stage 4b, compare: every indicator value beside England, its region and its statistical neighbours,
ranked and banded among councils, with its change on the year, a 95% interval and a verdict against
England. The methods are written down in docs/methods.md ("Comparisons").

queries/comparisons/comparisons.sql does the joins, ranks, bands and trends in the warehouse; the
intervals, funnel limits and verdicts are computed here, row by row, from the published figures.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import duckdb
import polars as pl

from carestats.core import paths, periods
from carestats.core.errors import QueryError
from carestats.indicators import compute
from carestats.indicators.intervals import Z95, Z998, divided, funnel_exprs, poisson_exact, wilson_exprs
from carestats.indicators.registry import Indicator
from carestats.warehouse import db as warehouse

SQL = paths.QUERIES_DIR / "comparisons" / "comparisons.sql"
PROPORTION = "%"
RATE = "rate per 10,000"
SCHEMA = {
    "indicator_id": pl.String, "time_period": pl.Int64, "geographic_level": pl.String, "area_code": pl.String,
    "area_name": pl.String, "breakdown": pl.String, "value": pl.Float64, "status": pl.String,
    "numerator": pl.Float64, "denominator": pl.Float64, "unit": pl.String, "polarity": pl.String,
    "england_value": pl.Float64, "region_code": pl.String, "region_value": pl.Float64,
    "sn_set": pl.String, "sn_mean": pl.Float64, "sn_median": pl.Float64, "sn_count": pl.Int64,
    "rank": pl.Int64, "rank_of": pl.Int64, "quartile_band": pl.String,
    "la_q1": pl.Float64, "la_median": pl.Float64, "la_q3": pl.Float64,
    "spread_low": pl.Float64, "spread_q1": pl.Float64, "spread_median": pl.Float64, "spread_q3": pl.Float64,
    "spread_high": pl.Float64, "spread_count": pl.Int64,
    "change_1y": pl.Float64, "trend": pl.String,
    "ci_low": pl.Float64, "ci_high": pl.Float64, "ci_method": pl.String,
    "england_difference": pl.String, "vs_england": pl.String, "worse_and_worsening": pl.Boolean,
    "funnel_95_low": pl.Float64, "funnel_95_high": pl.Float64,
    "funnel_998_low": pl.Float64, "funnel_998_high": pl.Float64,
    "area_note": pl.String, "release": pl.String,
}
# For the reports only: every published LA figure's spread (their spine charts and LA-only tables)
REPORT_COLUMNS = ("spread_low", "spread_q1", "spread_median", "spread_q3", "spread_high", "spread_count")
EXPORT_COLUMNS = [c for c in SCHEMA if c not in REPORT_COLUMNS]  # the published comparisons files


JUDGED = ("ci_low", "ci_high", "ci_method", "england_difference", "vs_england", "worse_and_worsening",
          "funnel_95_low", "funnel_95_high", "funnel_998_low", "funnel_998_high")
JUDGE_ROWS = 100_000  # rows judged at a time
BATCH_ROWS = 100_000  # rows of the comparisons query fetched at a time
JUDGED_TABLE = "cs_judged_comparisons"  # temporary: the judged rows before they are ordered
IN_MEMORY_ROWS = 1_000_000  # more judged rows than this are set aside in JUDGED_TABLE, not kept in memory


def judge(base: pl.DataFrame, rows: int = JUDGE_ROWS) -> pl.DataFrame:
    """Add the intervals, the verdict against England, the flag and the funnel limits to each row.

    On whole columns (intervals.wilson_exprs, funnel_exprs: the doubles wilson() and funnel() give); only
    the exact Poisson intervals are computed one count at a time. A figure that is NaN counts as missing."""
    parts = [_judge(base.slice(start, rows)) for start in range(0, max(base.height, 1), rows)]
    return pl.concat(parts) if len(parts) > 1 else parts[0]


def _figures() -> tuple[pl.Expr, ...]:
    """value, numerator, denominator and england_value as numbers (a NaN counts as missing)."""
    return tuple(pl.col(c).cast(pl.Float64).fill_nan(None) for c in
                 ("value", "numerator", "denominator", "england_value"))


def _interval_rows(rows: int) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Which rows get a Wilson interval, which an exact Poisson one, and that one's count (in a frame of
    `rows` rows with the columns unit, value, numerator and denominator)."""
    value, numerator, denominator, _ = _figures()
    unit = pl.col("unit")
    published = (value.is_not_null() & numerator.is_not_null() & (denominator > 0)).fill_null(False)
    wilson_row = (published & unit.eq_missing(PROPORTION) & (value >= 0) & (value <= 100)).fill_null(False)
    poisson_row = (published & ~wilson_row & unit.eq_missing(RATE) & (value >= 0)).fill_null(False)
    return wilson_row, poisson_row, value * divided(denominator, 10_000, rows)


def exact_counts(values: pl.DataFrame, indicators: list[Indicator]) -> list[float]:
    """The distinct counts of the figures in `values` (indicator_values) that judge() gives an exact Poisson
    interval: write_comparisons works their intervals out while its query runs."""
    units = {i.id: i.unit for i in indicators}
    rows = values.select("value", "numerator", "denominator", pl.col("indicator_id").replace_strict(
        units, default=None, return_dtype=pl.String).alias("unit"))
    _, poisson_row, count = _interval_rows(rows.height)
    return rows.select(pl.when(poisson_row).then(count).alias("count")).drop_nulls()["count"].unique().to_list()


def _work_out(counts: list[float]) -> None:
    """poisson_exact of each count, to fill intervals.gamma_quantile's cache (an error is judge()'s to raise)."""
    try:
        for c in counts:
            poisson_exact(c)
    except (ValueError, ArithmeticError):
        pass


def _judge(base: pl.DataFrame) -> pl.DataFrame:
    value, _, denominator, england = _figures()
    polarity = pl.col("polarity")
    national = pl.col("geographic_level").eq_missing("National")
    unit = pl.col("unit")
    # 95% interval around the published figure, where the method applies
    wilson_row, poisson_row, count = _interval_rows(base.height)
    per = divided(denominator, 10_000, base.height)
    counts = base.select(pl.when(poisson_row).then(count))[:, 0].to_list()
    exact = [poisson_exact(c) if c is not None else (None, None) for c in counts]
    exact_low = pl.lit(pl.Series([e[0] for e in exact], dtype=pl.Float64))
    exact_high = pl.lit(pl.Series([e[1] for e in exact], dtype=pl.Float64))
    w_low, w_high = wilson_exprs(divided(value, 100, base.height), denominator)
    frame = base.with_columns(
        pl.when(wilson_row).then(100 * w_low).when(poisson_row).then(exact_low / per).alias("ci_low"),
        pl.when(wilson_row).then(100 * w_high).when(poisson_row).then(exact_high / per).alias("ci_high"),
        pl.when(wilson_row).then(pl.lit("wilson")).when(poisson_row).then(pl.lit("poisson exact"))
        .otherwise(pl.lit(None, pl.String)).alias("ci_method"))
    # against England: higher, lower or similar (England outside the interval or not), and what that means
    compared = (pl.col("ci_method").is_not_null() & england.is_not_null() & ~national).fill_null(False)
    difference = (pl.when(england < pl.col("ci_low")).then(pl.lit("higher"))
                  .when(england > pl.col("ci_high")).then(pl.lit("lower")).otherwise(pl.lit("similar")))
    verdict = (pl.when(~compared | polarity.eq_missing("none")).then(pl.lit("not compared"))
               .when(difference == "similar").then(pl.lit("similar"))
               .when((difference == "higher") == polarity.eq_missing("higher_is_better")).then(pl.lit("better"))
               .otherwise(pl.lit("worse")))
    frame = frame.with_columns(pl.when(compared).then(difference).otherwise(pl.lit(None, pl.String))
                               .alias("england_difference"), verdict.alias("vs_england"))
    # limits around England's proportion for an area of this denominator
    funnelled = (unit.eq_missing(PROPORTION) & (england >= 0) & (england <= 100) & (denominator > 0)
                 & ~national).fill_null(False)
    share = divided(england, 100, base.height)
    limits = [*funnel_exprs(share, denominator, Z95), *funnel_exprs(share, denominator, Z998)]
    return frame.with_columns(
        ((pl.col("vs_england") == "worse") & pl.col("trend").eq_missing("worsening")).alias("worse_and_worsening"),
        *(pl.when(funnelled).then(100 * x).otherwise(None).cast(pl.Float64).alias(k)
          for k, x in zip(JUDGED[-4:], limits)))


def ensure_reference(con: duckdb.DuckDBPyConnection) -> None:
    """Empty `areas` and ref.statistical_neighbours when the build has none (no reference inputs)."""
    from carestats.ingest import neighbours
    from carestats.warehouse import areas

    if not warehouse.table_columns(con, "main", "areas"):
        warehouse.load_table(con, "main", "areas", pl.DataFrame(schema=areas.SCHEMA).to_arrow())
    if not warehouse.table_columns(con, "ref", "statistical_neighbours"):
        warehouse.load_table(con, "ref", "statistical_neighbours",
                             pl.DataFrame(schema=neighbours.SCHEMA).to_arrow())


def build_comparisons(con: duckdb.DuckDBPyConnection, indicators: list[Indicator],
                      neighbour_set: str = "auto") -> pl.DataFrame:
    """Create the `comparisons` table from indicator_values and return it (see write_comparisons)."""
    write_comparisons(con, indicators, neighbour_set)
    return warehouse.read_frame(con, "main", "comparisons")


def _store_judged(con: duckdb.DuckDBPyConnection, part: pl.DataFrame, append: bool) -> None:
    con.register("_judged", part.to_arrow())
    try:
        con.execute(f"insert into {JUDGED_TABLE} select * from _judged" if append else
                    f"create temp table {JUDGED_TABLE} as select * from _judged")
    finally:
        con.unregister("_judged")


def write_comparisons(con: duckdb.DuckDBPyConnection, indicators: list[Indicator],
                      neighbour_set: str = "auto", values: pl.DataFrame | None = None,
                      beside: Callable[[pl.DataFrame], None] | None = None) -> int:
    """Create the `comparisons` table from indicator_values; returns its number of rows.

    `neighbour_set` is "auto" (every period takes the newest set that has the council) or the year of one
    set ("2021", "2025") to apply to every period, as [report] neighbour_set in carestats.toml.

    The query's rows are judged a batch at a time as they arrive. Up to IN_MEMORY_ROWS of them are ordered
    in memory; beyond that they are set aside in a temporary table, and then each indicator's rows are
    ordered and appended, in the order of the indicator ids (indicator_id leads the order), so memory holds
    a batch, or one indicator's rows, never the whole table. Both ways give the same table.

    With `values` (indicator_values as a frame), the exact Poisson intervals its rate figures need are
    worked out on a second thread while the query runs (DuckDB works without holding Python's lock).

    `beside(table)`, when given, is called with the whole table (the build writes its CSV and Parquet
    exports so): on a second thread while the table is stored, when it was ordered in memory; read back
    once stored, when the rows went through the temporary table.
    """
    sn_year = None if neighbour_set in ("", "auto") else int(neighbour_set)
    ensure_reference(con)
    meta = pl.DataFrame({"indicator_id": [i.id for i in indicators], "unit": [i.unit for i in indicators],
                         "polarity": [i.polarity for i in indicators]},
                        schema={"indicator_id": pl.String, "unit": pl.String, "polarity": pl.String})
    reading = con.cursor()  # the query streams on its own connection while the judged rows are stored
    reading.register("cs_indicator_meta", meta.to_arrow())
    periods.register_macros(reading)
    con.execute(f"drop table if exists {JUDGED_TABLE}")
    held: list[pl.DataFrame] = []  # judged rows kept in memory until there are more than IN_MEMORY_ROWS
    stored = False
    warming = None
    if values is not None:
        warming = threading.Thread(target=_work_out, args=(exact_counts(values, indicators),),
                                   name="carestats-poisson", daemon=True)
        warming.start()
    try:
        for batch in reading.sql(SQL.read_text(encoding="utf-8"), params={"sn_year": sn_year}).to_arrow_reader(
                BATCH_ROWS):
            if warming is not None:
                warming.join()
                warming = None
            base = pl.DataFrame(pl.from_arrow(batch))
            base = base.cast({k: v for k, v in SCHEMA.items() if k in base.columns})  # type: ignore[arg-type]
            held.append(judge(base).select(list(SCHEMA)))
            if stored or sum(h.height for h in held) > IN_MEMORY_ROWS:
                for part in held:
                    _store_judged(con, part, stored)
                    stored = True
                held.clear()
    except duckdb.Error as exc:
        name = paths.display(SQL, paths.RESOURCE_ROOT)
        raise QueryError(f"{name}: {str(exc).splitlines()[0]}", "fix the comparisons query") from exc
    finally:
        reading.close()
        if warming is not None:
            warming.join()
    if not stored:  # few rows: ordered in memory at once
        df = compute.order(pl.concat(held)) if held else pl.DataFrame(schema=SCHEMA)
        held.clear()
        if beside is None:
            warehouse.load_frame(con, "main", "comparisons", df)
        else:
            with ThreadPoolExecutor(1, thread_name_prefix="carestats-comparisons") as side:
                done = side.submit(beside, df)
                warehouse.load_frame(con, "main", "comparisons", df)
                done.result()
        return df.height
    rows = 0
    ids = sorted(r[0] for r in con.execute(f"select distinct indicator_id from {JUDGED_TABLE}").fetchall())
    con.begin()
    try:
        for i, ind in enumerate(ids):
            part = compute.order(warehouse.query_pl(con, f"select * from {JUDGED_TABLE} where indicator_id = $id",
                                                    {"id": ind}))
            warehouse.load_frame(con, "main", "comparisons", part, append=i > 0, transaction=False)
            rows += part.height
        con.execute(f"drop table {JUDGED_TABLE}")
    except BaseException:
        con.rollback()
        raise
    con.commit()
    if beside is not None:
        beside(warehouse.read_frame(con, "main", "comparisons"))
    return rows
