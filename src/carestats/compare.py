"""Stage 4b, compare: every indicator value beside England, its region and its statistical neighbours,
ranked and banded among councils, with its change on the year, a 95% interval and a verdict against
England. The methods are written down in docs/methods.md ("Comparisons").

queries/comparisons/comparisons.sql does the joins, ranks, bands and trends in the warehouse; the
intervals, funnel limits and verdicts are computed here, row by row, from the published figures.
"""

from __future__ import annotations

import duckdb
import polars as pl

from carestats import compute, paths, warehouse
from carestats.errors import QueryError
from carestats.intervals import Z95, Z998, funnel, poisson_exact, wilson
from carestats.registry import Indicator

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
    "change_1y": pl.Float64, "trend": pl.String,
    "ci_low": pl.Float64, "ci_high": pl.Float64, "ci_method": pl.String,
    "england_difference": pl.String, "vs_england": pl.String, "worse_and_worsening": pl.Boolean,
    "funnel_95_low": pl.Float64, "funnel_95_high": pl.Float64,
    "funnel_998_low": pl.Float64, "funnel_998_high": pl.Float64,
    "area_note": pl.String, "release": pl.String,
}


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


def judge(base: pl.DataFrame) -> pl.DataFrame:
    """Add the intervals, the verdict against England, the flag and the funnel limits to each row."""
    cols = ["unit", "polarity", "geographic_level", "value", "numerator", "denominator", "england_value", "trend"]
    out: dict[str, list] = {k: [] for k in ("ci_low", "ci_high", "ci_method", "england_difference", "vs_england",
                                            "worse_and_worsening", "funnel_95_low", "funnel_95_high",
                                            "funnel_998_low", "funnel_998_high")}
    for unit, polarity, level, value, num, den, england, trend in base.select(cols).iter_rows():
        ci = interval(unit, value, num, den)
        difference, verdict = versus(england, ci, polarity, level)
        limits = funnel_limits(unit, england, den, level)
        for key, item in zip(out, (*(ci or (None,) * 3), difference, verdict,
                                   verdict == "worse" and trend == "worsening", *limits)):
            out[key].append(item)
    return base.with_columns(pl.Series(k, v, dtype=SCHEMA[k]) for k, v in out.items())


def ensure_reference(con: duckdb.DuckDBPyConnection) -> None:
    """Empty `areas` and ref.statistical_neighbours when the build has none (no reference inputs)."""
    from carestats import areas, neighbours

    if not warehouse.table_columns(con, "main", "areas"):
        warehouse.load_table(con, "main", "areas", pl.DataFrame(schema=areas.SCHEMA).to_arrow())
    if not warehouse.table_columns(con, "ref", "statistical_neighbours"):
        warehouse.load_table(con, "ref", "statistical_neighbours",
                             pl.DataFrame(schema=neighbours.SCHEMA).to_arrow())


def build_comparisons(con: duckdb.DuckDBPyConnection, indicators: list[Indicator],
                      neighbour_set: str = "auto") -> pl.DataFrame:
    """Create the `comparisons` table from indicator_values and return it.

    `neighbour_set` is "auto" (each period takes the set drawn up for it) or the year of one set ("2021",
    "2025") to apply to every period, as [report] neighbour_set in carestats.toml.
    """
    sn_year = None if neighbour_set in ("", "auto") else int(neighbour_set)
    ensure_reference(con)
    meta = pl.DataFrame({"indicator_id": [i.id for i in indicators], "unit": [i.unit for i in indicators],
                         "polarity": [i.polarity for i in indicators]},
                        schema={"indicator_id": pl.String, "unit": pl.String, "polarity": pl.String})
    con.register("cs_indicator_meta", meta.to_arrow())
    try:
        base = warehouse.query_pl(con, SQL.read_text(encoding="utf-8"), {"sn_year": sn_year})
    except duckdb.Error as exc:
        name = paths.display(SQL, paths.PROJECT_ROOT)
        raise QueryError(f"{name}: {str(exc).splitlines()[0]}", "fix the comparisons query") from exc
    finally:
        con.unregister("cs_indicator_meta")
    base = base.cast({k: v for k, v in SCHEMA.items() if k in base.columns})  # type: ignore[arg-type]
    df = compute.order(judge(base).select(list(SCHEMA)))
    warehouse.load_table(con, "main", "comparisons", df.to_arrow())
    return df
