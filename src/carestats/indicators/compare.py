"""Stage 4b, compare: every indicator value beside England, its region and its statistical neighbours,
ranked and banded among councils, with its change on the year, a 95% interval and a verdict against
England. The methods are written down in docs/methods.md ("Comparisons").

queries/comparisons/comparisons.sql does the joins, ranks, bands and trends in the warehouse; the
intervals, funnel limits and verdicts are computed here, row by row, from the published figures.
"""

from __future__ import annotations

import duckdb
import polars as pl

from carestats.indicators import compute
from carestats.core import paths
from carestats.core import periods
from carestats.warehouse import db as warehouse
from carestats.core.errors import QueryError
from carestats.indicators.intervals import Z95, Z998, funnel, poisson_exact, wilson
from carestats.indicators.registry import Indicator

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


def interval(unit: str, value: float | None, numerator: float | None,
             denominator: float | None) -> tuple[float, float, str] | None:
    """95% interval around a published figure, or None where the method does not apply."""
    if value is None or numerator is None or denominator is None or denominator <= 0:
        return None
    if unit == PROPORTION and 0 <= value <= 100:
        low, high = wilson(value / 100, denominator)
        return 100 * low, 100 * high, "wilson"
    if unit == RATE and value >= 0:
        per = denominator / 10_000
        low, high = poisson_exact(value * per)
        return low / per, high / per, "poisson exact"
    return None


def versus(england: float | None, ci: tuple[float, float, str] | None, polarity: str,
           level: str) -> tuple[str | None, str]:
    """(higher / lower / similar, better / worse / similar / not compared) against England's figure."""
    if ci is None or england is None or level == "National":
        return None, "not compared"
    low, high = ci[0], ci[1]
    difference = "higher" if england < low else "lower" if england > high else "similar"
    if polarity == "none":
        return difference, "not compared"
    if difference == "similar":
        return difference, "similar"
    return difference, "better" if (difference == "higher") == (polarity == "higher_is_better") else "worse"


def funnel_limits(unit: str, england: float | None, denominator: float | None,
                  level: str) -> tuple[float | None, ...]:
    """95% and 99.8% limits around England's proportion for an area of this denominator."""
    if unit != PROPORTION or england is None or not 0 <= england <= 100 or denominator is None \
            or denominator <= 0 or level == "National":
        return (None,) * 4
    l95, h95 = funnel(england / 100, denominator, Z95)
    l998, h998 = funnel(england / 100, denominator, Z998)
    return 100 * l95, 100 * h95, 100 * l998, 100 * h998


JUDGED = ("ci_low", "ci_high", "ci_method", "england_difference", "vs_england", "worse_and_worsening",
          "funnel_95_low", "funnel_95_high", "funnel_998_low", "funnel_998_high")
JUDGE_ROWS = 100_000  # rows judged at a time: the Python objects of one slice only
BATCH_ROWS = 100_000  # rows of the comparisons query fetched at a time
JUDGED_TABLE = "cs_judged_comparisons"  # temporary: the judged rows before they are ordered
IN_MEMORY_ROWS = 1_000_000  # more judged rows than this are set aside in JUDGED_TABLE, not kept in memory


def judge(base: pl.DataFrame, rows: int = JUDGE_ROWS) -> pl.DataFrame:
    """Add the intervals, the verdict against England, the flag and the funnel limits to each row."""
    cols = ["unit", "polarity", "geographic_level", "value", "numerator", "denominator", "england_value", "trend"]
    parts: dict[str, list[pl.Series]] = {k: [] for k in JUDGED}
    for start in range(0, max(base.height, 1), rows):
        out: dict[str, list] = {k: [] for k in JUDGED}
        for unit, polarity, level, value, num, den, england, trend in base.slice(start, rows).select(cols).iter_rows():
            ci = interval(unit, value, num, den)
            difference, verdict = versus(england, ci, polarity, level)
            limits = funnel_limits(unit, england, den, level)
            for key, item in zip(out, (*(ci or (None,) * 3), difference, verdict,
                                       verdict == "worse" and trend == "worsening", *limits)):
                out[key].append(item)
        for k, v in out.items():
            parts[k].append(pl.Series(k, v, dtype=SCHEMA[k]))
    return base.with_columns(pl.concat(v) for v in parts.values())


def ensure_reference(con: duckdb.DuckDBPyConnection) -> None:
    """Empty `areas` and ref.statistical_neighbours when the build has none (no reference inputs)."""
    from carestats.warehouse import areas
    from carestats.ingest import neighbours

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
                      neighbour_set: str = "auto") -> int:
    """Create the `comparisons` table from indicator_values; returns its number of rows.

    `neighbour_set` is "auto" (every period takes the newest set that has the council) or the year of one
    set ("2021", "2025") to apply to every period, as [report] neighbour_set in carestats.toml.

    The query's rows are judged a batch at a time as they arrive. Up to IN_MEMORY_ROWS of them are ordered
    in memory; beyond that they are set aside in a temporary table, and then each indicator's rows are
    ordered and appended, in the order of the indicator ids (indicator_id leads the order), so memory holds
    a batch, or one indicator's rows, never the whole table. Both ways give the same table.
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
    try:
        for batch in reading.sql(SQL.read_text(encoding="utf-8"), params={"sn_year": sn_year}).to_arrow_reader(
                BATCH_ROWS):
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
    if not stored:  # few rows: ordered in memory at once
        df = compute.order(pl.concat(held)) if held else pl.DataFrame(schema=SCHEMA)
        warehouse.load_frame(con, "main", "comparisons", df)
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
    return rows
