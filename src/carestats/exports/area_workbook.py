"""One council's workbook, laid out as LAIT lays it out: for every indicator, year and breakdown, the
council's figure beside each of its statistical neighbours, their mean and median, its region and
England, with its rank among councils, its quartile band and its trend.

The neighbours are the ten of the set the council's report names (the latest that covers it), the same
on every row; their mean and median are of those ten. Figures are rounded half up to the indicator's
decimal places; a figure the publisher did not give is its symbol (c, k, u, x, z, low), and "–" marks an
area or year with no row in the files at all. Text is never a formula; the same build gives the same
bytes. The queries are queries/exports/area_*.sql, run with bound parameters.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from carestats.core import paths
from carestats.core.errors import DataError
from carestats.core.periods import label_expr
from carestats.core.rounding import rounded_expr
from carestats.core.vocabulary import NO_DATA, SYMBOLS
from carestats.exports.xlsx import figure
from carestats.exports.xlsx import write_xlsx as write_sheets
from carestats.indicators.registry import Indicator

QUERIES = paths.QUERIES_DIR / "exports"
KEYS = ["indicator_id", "time_period", "breakdown"]


def _sql(name: str) -> str:
    return (QUERIES / f"{name}.sql").read_text(encoding="utf-8")


def _figure(value: str, status: str) -> pl.Expr:
    """The rounded number, else the publisher's symbol, else '–' (no row)."""
    return figure(rounded_expr(value), pl.coalesce(pl.col(status), pl.lit(NO_DATA)))


def area_table(con, area: str, indicators: list[Indicator]) -> tuple[pl.DataFrame, str, str]:  # type: ignore[no-untyped-def]
    """The comparison table of `area`, its name and the neighbour set used."""
    from carestats.warehouse import db

    names = db.query_pl(con, "select code, name from areas where code = $area", {"area": area})
    if names.is_empty():
        raise DataError(f"no area {area} in this build", "`carestats areas` lists the codes it knows")
    name = names["name"][0]
    neighbours = db.query_pl(con, _sql("area_neighbours"), {"area": area})
    sn_set = neighbours["sn_set"][0] if neighbours.height else ""
    long = db.query_pl(con, _sql("area_comparison"), {"area": area, "sn_set": sn_set})
    if long.is_empty():
        raise DataError(f"{area} {name} has no figures in this build", "check the build's inputs")
    meta = pl.DataFrame({"indicator_id": [i.id for i in indicators], "indicator": [i.title for i in indicators],
                         "decimals": [i.decimals for i in indicators], "_order": list(range(len(indicators)))},
                        schema={"indicator_id": pl.String, "indicator": pl.String, "decimals": pl.Int64,
                                "_order": pl.Int64})
    # in the registry's order (theme, then the indicator's place in it), newest year first
    long = long.join(meta, on="indicator_id", how="inner").sort(
        ["_order", "time_period", "breakdown", "neighbour_rank"], descending=[False, True, False, False],
        nulls_last=True, maintain_order=True)
    base = long.unique(KEYS, keep="first", maintain_order=True)
    table = base.select(
        "indicator_id", "indicator", "time_period", label_expr(pl.col("time_period")).alias("time_period_label"),
        "breakdown",
        "unit", _figure("value", "status").alias(name),
    )
    for rank, code, neighbour in neighbours.select("neighbour_rank", "neighbour_code", "neighbour_name").iter_rows():
        one = long.filter(pl.col("neighbour_rank") == rank).select(
            *KEYS, _figure("neighbour_value", "neighbour_status").alias(f"{neighbour} ({code})"))
        table = table.join(one, on=KEYS, how="left", maintain_order="left").with_columns(
            pl.col(f"{neighbour} ({code})").fill_null(pl.struct(number=pl.lit(None, pl.Float64),
                                                                text=pl.lit(NO_DATA))))
    rest = base.select(
        *KEYS,
        figure(rounded_expr("sn_mean"), pl.lit(NO_DATA)).alias("neighbours' mean"),
        figure(rounded_expr("sn_median"), pl.lit(NO_DATA)).alias("neighbours' median"),
        pl.col("sn_count").alias("neighbours with a figure"),
        figure(rounded_expr("region_value"), pl.lit(NO_DATA)).alias("region"),
        figure(rounded_expr("england_value"), pl.lit(NO_DATA)).alias("England"),
        "rank", pl.col("rank_of").alias("of councils"), "quartile_band", "trend",
        rounded_expr("change_1y").alias("change on a year"), "release")
    table = table.join(rest, on=KEYS, how="left", maintain_order="left")
    return table, name, sn_set


def write_area_workbook(db_path: Path, area: str, indicators: list[Indicator], target: Path) -> Path:
    """OUT/exports/areas/<code>.xlsx for one council."""
    from carestats.warehouse import db

    con = db.connect(db_path, read_only=True)
    try:
        table, name, sn_set = area_table(con, area, indicators)
    finally:
        con.close()
    about = pl.DataFrame({f"{name} ({area}) beside its statistical neighbours, region and England": [
        f"One row per indicator, year and breakdown where {name} has a figure, newest year first.",
        (f"Neighbours: the DfE's {sn_set} statistical neighbour set, the same ten councils on every row; their "
         "mean and median are of those ten, where they have a figure." if sn_set else
         "This area has no statistical neighbour set in this build."),
        "Figures are rounded to the indicator's decimal places; the exact values are in indicator_values.parquet.",
        "rank is among all councils with a figure (1 = highest value), of councils gives how many; quartile_band "
        "and trend are given where the indicator has a direction that is better.",
        f"{NO_DATA}: the area or year is not in the published files at all.",
        *[f"{sym}: {meaning}" for sym, meaning in SYMBOLS.items()]]})
    return write_sheets([("About", about), ("Compared", table)], target)
