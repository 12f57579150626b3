"""The council's own figures from its SSDA903 returns: `local_indicator_values`.

Each query in queries/ssda903/ (YAML header + one SELECT, like queries/indicators/) runs once per
collection year supplied, with bound parameters $year (the year ending 31 March), $la and $la_name (the
council) and $release (`ssda903-<year>`), over the pseudonymised tables and the cohort views of
queries/ssda903/common/cohorts.sql. The rows have exactly the columns of `indicator_values`; the values
are exact (unrounded, unsuppressed) and stay in the warehouse. What leaves it goes through `disclose`.
"""

from __future__ import annotations

import duckdb
import polars as pl

from carestats.core import paths
from carestats.indicators.compute import SCHEMA, VALUE_COLUMNS, run_indicator
from carestats.indicators.registry import Indicator, load_local_indicators

TABLE = "local_indicator_values"
COHORTS = paths.QUERIES_DIR / "ssda903" / "common" / "cohorts.sql"


def release_of(year: int) -> str:
    return f"ssda903-{year}"


def compute_local(con: duckdb.DuckDBPyConnection, la_code: str, la_name: str,
                  indicators: list[Indicator] | None = None) -> pl.DataFrame:
    """Every local indicator for every year's return loaded in the warehouse, written to
    main.local_indicator_values and returned."""
    from carestats.warehouse import db

    db.run_script(con, COHORTS)
    indicators = indicators if indicators is not None else load_local_indicators()
    years = [r[0] for r in con.execute("select return_year from ssda903.returns order by 1").fetchall()]
    frames = []
    for year in years:
        params = {"year": year, "la": la_code, "la_name": la_name, "release": release_of(year)}
        for ind in indicators:
            frames.append(run_indicator(con, ind, params))
    values = (pl.concat(frames) if frames else pl.DataFrame(schema=SCHEMA)).select(VALUE_COLUMNS)
    values = values.sort(["indicator_id", "time_period"], maintain_order=True)
    db.load_frame(con, "main", TABLE, values)
    return values


# ---------------------------------------------------------------------------------------------------
# PLACEHOLDER for disclosure control, until the disclosure branch (carestats.indicators.disclosure.
# suppress: primary and secondary suppression, threshold from carestats.toml) is merged: the orchestrator
# swaps the body of `disclose` for a call to it. This placeholder does primary suppression only.
# ---------------------------------------------------------------------------------------------------
DEFAULT_THRESHOLD = 5


def disclose(values: pl.DataFrame, units: dict[str, str], threshold: int = DEFAULT_THRESHOLD) -> pl.DataFrame:
    """The values as they may leave the warehouse: a count from 1 to `threshold`, or a percentage, mean or
    median whose numerator or denominator is from 1 to `threshold`, becomes `c` (value, numerator and
    denominator blank). PLACEHOLDER: primary suppression only (see above)."""
    def small(col: str) -> pl.Expr:
        return pl.col(col).is_not_null() & (pl.col(col) >= 1) & (pl.col(col) <= threshold)

    unit = pl.col("indicator_id").replace_strict(units, default="count")
    hide = pl.when(unit == "count").then(small("value")).otherwise(small("numerator") | small("denominator"))
    return values.with_columns(hide.fill_null(False).alias("_hide")).with_columns(
        *[pl.when(pl.col("_hide")).then(None).otherwise(pl.col(c)).alias(c)
          for c in ("value", "numerator", "denominator")],
        pl.when(pl.col("_hide")).then(pl.lit("c")).otherwise(pl.col("status")).alias("status"),
    ).drop("_hide")
