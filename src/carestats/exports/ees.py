"""Indicator values in the publisher's own tidy format (Explore Education Statistics), with .meta.csv.

One data file per time identifier, because the screener does not allow years and academic or financial
years in one file: carestats_indicators.csv (reporting years), carestats_indicators_academic_year.csv and
carestats_indicators_financial_year.csv when such indicators exist. Filters: `indicator` and `breakdown`;
one indicator column, `value`, holding the number or the publisher's symbol.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from carestats.core import periods
from carestats.indicators.compute import plain_numbers
from carestats.indicators.registry import Indicator

BASE = "carestats_indicators"
GEO = ["country_code", "country_name", "region_code", "region_name", "new_la_code", "la_name", "old_la_code"]
EES_UNITS = {"%": "%", "£": "£", "£ thousands": "£"}


def geography_from_areas(areas: pl.DataFrame) -> pl.DataFrame:
    """The export's geography, from the warehouse's `areas` table (warehouse/areas.py derives it once from
    the input files): each LA's LA number, name and region, and each region's name, in the EES columns."""
    level = pl.col("level")
    region_names = areas.filter(level == "Regional").select(pl.col("code").alias("region_code"),
                                                           pl.col("name").alias("region_name"))
    la = (areas.filter(level == "Local authority")
          .select(pl.col("code").alias("new_la_code"), pl.col("name").alias("la_name"), "old_la_code", "region_code")
          .join(region_names, on="region_code", how="left")
          .with_columns(pl.lit("Local authority").alias("geographic_level")))
    regions = region_names.with_columns(pl.lit("Regional").alias("geographic_level"))
    out = pl.concat([la, regions], how="diagonal").with_columns(pl.lit("E92000001").alias("country_code"),
                                                                pl.lit("England").alias("country_name"))
    for c in GEO:
        if c not in out.columns:
            out = out.with_columns(pl.lit(None, pl.String).alias(c))
    return out.select("geographic_level", *(pl.col(c).cast(pl.String) for c in GEO))


def time_identifier(period: int, ind: Indicator) -> str:
    if not periods.is_two_year(period):
        return "Reporting year"
    return "Financial year" if ind.theme == "spending" else "Academic year"


def current_codes(values: pl.DataFrame) -> pl.DataFrame:
    """One code per council and period in the export.

    Publications disagree on the code of a council that only changed its code (the same council and area:
    a `code_change` in queries/reference/reorganisations.yaml): for 31 March 2020 the children looked after
    files give Buckinghamshire E06000060 and the children in need files E10000002. One EES file may give an
    LA number one code per period, so the export shows such a council under its current code for every
    year, as publishers show time series; where two releases gave a figure under both codes, the later
    release's is kept. indicator_values keeps each code as published. Reorganisations into different
    councils are left alone: their LA numbers differ.
    """
    from carestats.warehouse.areas import load_reorganisations

    recode = {c.before[0]: c.after[0] for c in load_reorganisations()
              if c.kind == "code_change" and len(c.before) == 1 and len(c.after) == 1}
    for _ in range(len(recode)):  # follow chains (a code changed twice) to the last code
        recode = {a: recode.get(b, b) for a, b in recode.items()}
    is_la = pl.col("geographic_level") == "Local authority"
    out = values.with_columns(
        pl.when(is_la).then(pl.col("area_code").replace(recode)).otherwise(pl.col("area_code")).alias("area_code"),
        pl.col("release").str.extract(r"(\d+)$").cast(pl.Int64).alias("_vintage"))
    key = ["indicator_id", "time_period", "geographic_level", "area_code", "breakdown"]
    return (out.sort("_vintage", descending=True, maintain_order=True)
            .unique(subset=key, keep="first", maintain_order=True).drop("_vintage"))


SORT = ["indicator", "time_period", "geographic_level", "new_la_code", "region_code", "breakdown"]


def _lookups(geography: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    la = (geography.filter(pl.col("geographic_level") == "Local authority")
          .select("new_la_code", "old_la_code", "la_name", "region_code", "region_name")
          .unique(subset=["new_la_code"], keep="first"))
    reg = (geography.filter(pl.col("geographic_level") == "Regional").select("region_code", "region_name")
           .unique(subset=["region_code"], keep="first"))
    return la, reg


def _time_identifiers(indicators: list[Indicator]) -> pl.Expr:
    """time_identifier() for every row at once."""
    known = [i.id for i in indicators]
    spending = [i.id for i in indicators if i.theme == "spending"]
    ind = pl.col("indicator_id")
    return (pl.when(~ind.is_in(known) | (pl.col("time_period") <= periods.ACADEMIC))
            .then(pl.lit("Reporting year")).when(ind.is_in(spending)).then(pl.lit("Financial year"))
            .otherwise(pl.lit("Academic year")))


def _tidy(values: pl.DataFrame, indicators: list[Indicator], la: pl.DataFrame, reg: pl.DataFrame) -> pl.DataFrame:
    """The rows of the export, with their time identifier, in no particular order."""
    v = plain_numbers(current_codes(values).select("indicator_id", "time_period", "geographic_level", "area_code",
                                                   "area_name", "breakdown", "value", "status"))
    v = v.with_columns(pl.coalesce("value", "status").alias("value"))
    v = v.with_columns(_time_identifiers(indicators).alias("time_identifier"))
    nat = v.filter(pl.col("geographic_level") == "National")
    nat = nat.with_columns(pl.col("area_code").alias("country_code"), pl.col("area_name").alias("country_name"))
    regional = v.filter(pl.col("geographic_level") == "Regional").join(
        reg, left_on="area_code", right_on="region_code", how="left")
    regional = regional.with_columns(pl.col("area_code").alias("region_code"),
                                     pl.coalesce("region_name", "area_name").alias("region_name"))
    las = v.filter(pl.col("geographic_level") == "Local authority").join(
        la, left_on="area_code", right_on="new_la_code", how="left")
    las = las.with_columns(pl.col("area_code").alias("new_la_code"), pl.coalesce("la_name", "area_name").alias("la_name"),
                           pl.col("old_la_code").fill_null("x"))
    out = pl.concat([nat, regional, las], how="diagonal").with_columns(
        pl.lit("E92000001").alias("country_code"), pl.lit("England").alias("country_name"),
        pl.col("indicator_id").alias("indicator"))
    cols = ["time_period", "time_identifier", "geographic_level", *GEO, "indicator", "breakdown", "value"]
    for c in GEO:
        if c not in out.columns:
            out = out.with_columns(pl.lit(None, pl.String).alias(c))
    return out.select(cols).with_columns(pl.col(c).fill_null("") for c in GEO)


def file_name(tid: str) -> str:
    return BASE if tid == "Reporting year" else f"{BASE}_{tid.lower().replace(' ', '_')}"


def to_ees(values: pl.DataFrame, indicators: list[Indicator], geography: pl.DataFrame) -> dict[str, pl.DataFrame]:
    la, reg = _lookups(geography)
    out = _tidy(values, indicators, la, reg)
    files = {}
    for tid, part in out.group_by("time_identifier", maintain_order=True):
        part = part.sort(SORT)
        if part["breakdown"].n_unique() < 2:  # the screener wants every filter to have 2 or more values
            part = part.drop("breakdown")
        files[file_name(str(tid[0]))] = part
    return files


CHUNK_ROWS = 500_000  # rows of the export made at a time


def by_indicator(values: pl.DataFrame, rows: int = CHUNK_ROWS) -> list[pl.DataFrame]:
    """`values` cut into frames of whole indicators, about `rows` rows each, in the order of the indicator
    ids (a frame holds the ids that follow the previous frame's)."""
    counts = values.group_by("indicator_id").len().sort("indicator_id")
    chunks: list[list[str]] = []
    size = rows
    for ind, n in counts.iter_rows():
        if size >= rows:
            chunks.append([])
            size = 0
        chunks[-1].append(ind)
        size += n
    if len(chunks) == 1:
        return [values]
    return [values.filter(pl.col("indicator_id").is_in(ids)) for ids in chunks]


def meta_file(data: pl.DataFrame, indicators: list[Indicator]) -> pl.DataFrame:
    rows = [r for r in _meta_rows() if r["col_name"] in data.columns]
    return pl.DataFrame(rows)


def _meta_rows() -> list[dict]:
    return [
        {"col_name": "indicator", "col_type": "Filter", "label": "Indicator", "indicator_grouping": "",
         "indicator_unit": "", "indicator_dp": "", "filter_hint": "carestats indicator id",
         "filter_grouping_column": ""},
        {"col_name": "breakdown", "col_type": "Filter", "label": "Breakdown", "indicator_grouping": "",
         "indicator_unit": "", "indicator_dp": "", "filter_hint": "Total unless the indicator is broken down",
         "filter_grouping_column": ""},
        {"col_name": "value", "col_type": "Indicator", "label": "Value", "indicator_grouping": "",
         "indicator_unit": "", "indicator_dp": "", "filter_hint": "", "filter_grouping_column": ""},
    ]


def write(values: pl.DataFrame, indicators: list[Indicator], geography: pl.DataFrame, folder: Path) -> list[Path]:
    """The files of to_ees, made a few indicators at a time (the same bytes: indicator is the first sort
    key, so each file is its indicators' rows one after another)."""
    folder.mkdir(parents=True, exist_ok=True)
    la, reg = _lookups(geography)
    parts = by_indicator(values)
    breakdowns: dict[str, set] = {}  # a file's breakdown column is dropped when it would hold one value
    for part in parts:
        tids = part.select(_time_identifiers(indicators).alias("tid"), "breakdown").unique()
        for tid, breakdown in tids.iter_rows():
            breakdowns.setdefault(tid, set()).add(breakdown)
    handles: dict[str, object] = {}
    written: list[Path] = []
    try:
        for part in parts:
            out = _tidy(part, indicators, la, reg)
            for tid, rows in out.group_by("time_identifier", maintain_order=True):
                name = file_name(str(tid[0]))
                rows = rows.sort(SORT)
                if len(breakdowns[str(tid[0])]) < 2:  # the screener wants every filter to have 2 or more values
                    rows = rows.drop("breakdown")
                first = name not in handles
                if first:
                    handles[name] = (folder / f"{name}.csv").open("wb")
                    meta_file(rows, indicators).write_csv(folder / f"{name}.meta.csv")
                    written += [folder / f"{name}.csv", folder / f"{name}.meta.csv"]
                rows.write_csv(handles[name], include_header=first)  # type: ignore[arg-type]
    finally:
        for fh in handles.values():
            fh.close()  # type: ignore[attr-defined]
    return written
