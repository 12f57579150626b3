"""What the reports read from the warehouse, gathered once per build and shared by every report.

The comparisons table (issue 4) is used when the build made it; without it, the parts a report shows
(England's value, rank, quartile band, one-year change and trend) are derived here from indicator_values,
and the neighbour and region columns stay empty. SQL lives in queries/reports/.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from carestats.core import paths
from carestats.warehouse import db as warehouse
from carestats.core import periods
from carestats.indicators.registry import Indicator

QUERIES = paths.QUERIES_DIR / "reports"
LA = "Local authority"
COMPARISON_COLUMNS = ["indicator_id", "time_period", "area_code", "breakdown", "value", "status", "england_value",
                      "region_code", "region_value", "sn_set", "sn_mean", "sn_median", "sn_count", "rank",
                      "rank_of", "quartile_band", "change_1y", "trend", "vs_england"]


@dataclass
class ReportData:
    values: pl.DataFrame
    comparisons: pl.DataFrame
    year: int
    derived: bool = True  # comparisons derived here (no comparisons table in the warehouse)
    revisions: pl.DataFrame = field(default_factory=pl.DataFrame)
    areas: pl.DataFrame | None = None
    neighbours: pl.DataFrame | None = None


def report_year(values: pl.DataFrame) -> int:
    """The latest year with a national figure (core.periods.report_year_of)."""
    return periods.report_year_of(values)


def _sql(name: str) -> str:
    return (QUERIES / f"{name}.sql").read_text(encoding="utf-8")


def _has(con, schema: str, table: str) -> bool:  # type: ignore[no-untyped-def]
    return bool(warehouse.table_columns(con, schema, table))


def load(db: Path, indicators: list[Indicator], year: int | None = None) -> ReportData:
    """Read what the reports need from a finished warehouse (read-only)."""
    con = warehouse.connect(db, read_only=True)
    try:
        values = warehouse.query_pl(con, _sql("values"))
        revisions = warehouse.query_pl(con, _sql("revisions")) if _has(con, "main", "indicator_vintages") \
            else pl.DataFrame()
        comparisons = warehouse.query_pl(con, _sql("comparisons")) if _has(con, "main", "comparisons") else None
        areas = warehouse.query_pl(con, _sql("areas")) if _has(con, "main", "areas") else None
        neighbours = None
        if _has(con, "ref", "statistical_neighbours"):
            neighbours = warehouse.query_pl(con, _sql("neighbours"))
    finally:
        con.close()
    known = {i.id for i in indicators}
    values = values.filter(pl.col("indicator_id").is_in(list(known)))
    derived = comparisons is None
    if comparisons is None:
        comparisons = derive_comparisons(values, indicators)
    return ReportData(values=values, comparisons=comparisons, year=year or report_year(values), derived=derived,
                      revisions=revisions, areas=areas, neighbours=neighbours)


def derive_comparisons(values: pl.DataFrame, indicators: list[Indicator]) -> pl.DataFrame:
    """England's value, polarity-aware rank (ties share the lowest), quartile band, one-year change, trend."""
    polarity = {i.id: i.polarity for i in indicators}
    frames = []
    for ind_id, df in values.group_by("indicator_id", maintain_order=True):
        pol = polarity.get(str(ind_id[0]), "none")
        frames.append(_derive_one(df, pol))
    if not frames:
        return pl.DataFrame(schema={c: pl.String for c in COMPARISON_COLUMNS})
    return pl.concat(frames, how="diagonal_relaxed")


def _derive_one(df: pl.DataFrame, pol: str) -> pl.DataFrame:
    key = ["indicator_id", "time_period", "breakdown"]
    eng = (df.filter(pl.col("geographic_level") == "National")
           .select(*key, pl.col("value").alias("england_value")).unique(subset=key, keep="first"))
    la = df.filter(pl.col("geographic_level") == LA)
    prev = la.select("indicator_id", "area_code", "breakdown",
                     periods.next_period_expr(pl.col("time_period")).alias("time_period"),
                     pl.col("value").alias("_prev"))
    out = la.join(eng, on=key, how="left").join(prev, on=["indicator_id", "area_code", "breakdown", "time_period"],
                                                 how="left")
    out = out.with_columns((pl.col("value") - pl.col("_prev")).alias("change_1y"))
    if pol == "none":
        out = out.with_columns(pl.lit(None, pl.Int64).alias("rank"), pl.lit(None, pl.Int64).alias("rank_of"),
                               pl.lit(None, pl.String).alias("quartile_band"),
                               pl.lit(None, pl.String).alias("trend"))
    else:
        desc = pol == "higher_is_better"
        group = ["time_period", "breakdown"]
        rank = pl.col("value").rank(method="min", descending=desc).over(group).cast(pl.Int64)
        count = pl.col("value").count().over(group).cast(pl.Int64)
        out = out.with_columns(rank.alias("rank"), count.alias("rank_of"))
        band_no = ((pl.col("rank") * 4 - 1) // pl.col("rank_of")).clip(0, 3)
        better = pl.col("change_1y") > 0 if desc else pl.col("change_1y") < 0
        out = out.with_columns(
            pl.when(pl.col("rank_of") >= 8).then(band_no.replace_strict([0, 1, 2, 3], ["A", "B", "C", "D"],
                                                                        return_dtype=pl.String))
            .otherwise(None).alias("quartile_band"),
            pl.when(pl.col("change_1y").is_null()).then(None)
            .when(pl.col("change_1y") == 0).then(pl.lit("no change"))
            .when(better).then(pl.lit("improving")).otherwise(pl.lit("worsening")).alias("trend"),
        )
    return out.select("indicator_id", "time_period", "area_code", "breakdown", "value", "status", "england_value",
                      pl.lit(None, pl.String).alias("region_code"), pl.lit(None, pl.Float64).alias("region_value"),
                      pl.lit(None, pl.String).alias("sn_set"), pl.lit(None, pl.Float64).alias("sn_mean"),
                      pl.lit(None, pl.Float64).alias("sn_median"), pl.lit(None, pl.Int64).alias("sn_count"),
                      "rank", "rank_of", "quartile_band", "change_1y", "trend")


def local_authorities(values: pl.DataFrame, year: int, areas: pl.DataFrame | None = None) -> list[tuple[str, str]]:
    """Every LA with a figure or a symbol other than 'not applicable' in the report year: (code, name).

    With the areas table (issue 4), only councils that still exist after 31 March of the report year count,
    so a code that changed during the year is reported once, under its new code. Figures published jointly
    for two councils (codes joined by ' / ') are not a council of their own.
    """
    la = values.filter((pl.col("geographic_level") == LA) & ~pl.col("area_code").str.contains("/", literal=True))
    if la.is_empty():
        return []
    la = la.filter(periods.end_year_expr(pl.col("time_period")) == year)
    live = la.filter(pl.col("value").is_not_null() | (pl.col("status") != "z"))
    names = (live.sort(["time_period", "indicator_id"], descending=[True, False])
             .unique(subset=["area_code"], keep="first", maintain_order=True))
    found = {r["area_code"]: r["area_name"] for r in names.iter_rows(named=True)}
    if areas is not None and {"code", "valid_to"} <= set(areas.columns):
        import datetime as dt

        snapshot = dt.date(year, 3, 31)
        gone = {r["code"] for r in areas.iter_rows(named=True)
                if r["valid_to"] is not None and r["valid_to"] <= snapshot}
        by_code = {r["code"]: r for r in areas.iter_rows(named=True)}
        for code in sorted(gone & set(found)):
            name = found.pop(code)
            for new in by_code[code].get("successor_codes") or []:
                if by_code.get(new, {}).get("name") == name:  # a new code for the same council
                    found.setdefault(new, name)
    return sorted(found.items())
