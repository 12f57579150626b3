"""What the reports read from the warehouse, gathered once per build and shared by every report.

Every comparison a report shows (England's and the region's figure, the neighbours' median, rank, quartile
band, change, trend and the spread of all LAs' figures) is read from the `comparisons` table that the
compute stage wrote (queries/comparisons/comparisons.sql): the reports compute none of their own. SQL lives
in queries/reports/.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from carestats.core import paths, periods
from carestats.core.errors import DataError
from carestats.indicators.registry import Indicator
from carestats.warehouse import db as warehouse

QUERIES = paths.QUERIES_DIR / "reports"
LA = "Local authority"


@dataclass
class ReportData:
    values: pl.DataFrame
    comparisons: pl.DataFrame
    year: int
    revisions: pl.DataFrame = field(default_factory=pl.DataFrame)
    areas: pl.DataFrame | None = None
    neighbours: pl.DataFrame | None = None
    # the council's own SSDA903 returns (`--ssda903`): its exact figures, each year's return, the findings
    # of the DfE's validation rules; None when the build read no returns (or did not validate them)
    local: pl.DataFrame | None = None
    returns: pl.DataFrame | None = None
    validation: pl.DataFrame | None = None


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
        if not _has(con, "main", "comparisons"):
            raise DataError(f"no comparisons table in {db}", "run `carestats build` (or `carestats compute`) again")
        comparisons = warehouse.query_pl(con, _sql("comparisons"))
        areas = warehouse.query_pl(con, _sql("areas")) if _has(con, "main", "areas") else None
        neighbours = None
        if _has(con, "ref", "statistical_neighbours"):
            neighbours = warehouse.query_pl(con, _sql("neighbours"))
        local = warehouse.query_pl(con, _sql("local_values")) if _has(con, "main", "local_indicator_values") \
            else None
        returns = warehouse.query_pl(con, _sql("ssda903_returns")) if _has(con, "ssda903", "returns") else None
        validation = warehouse.query_pl(con, _sql("ssda903_validation")) if _has(con, "ssda903", "validation") \
            else None
    finally:
        con.close()
    known = {i.id for i in indicators}
    values = values.filter(pl.col("indicator_id").is_in(list(known)))
    comparisons = comparisons.filter(pl.col("indicator_id").is_in(list(known)))
    return ReportData(values=values, comparisons=comparisons, year=year or periods.report_year_of(values),
                      revisions=revisions, areas=areas, neighbours=neighbours, local=local, returns=returns,
                      validation=validation)


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
