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


# Links between the council's figures that disclosure control follows (indicators.disclosure): a percentage
# whose denominator is another indicator's Total, and a breakdown whose Total is another indicator's. When one
# side's total is hidden, so is the other's copy of it. Each pair is checked by tests/test_ssda903_disclosure.py
# against the figures themselves.
LINKS = {
    "cla_ceasing_by_age": "cla_ceasing",
    "ceased_adopted_pct": "cla_ceasing",
    "ceased_sgo_pct": "cla_ceasing",
    "ceased_returned_home_planned_pct": "cla_ceasing",
}


def disclose(values: pl.DataFrame, units: dict[str, str], threshold: int) -> pl.DataFrame:
    """The values as they may leave the warehouse: primary and secondary suppression
    (indicators.disclosure.suppress), then the last check that no small cell is still shown."""
    from carestats.indicators.disclosure import check_suppressed, suppress

    shown = suppress(values, threshold, units=units, links=LINKS)
    check_suppressed(shown, threshold, units=units, where=TABLE)
    return shown
