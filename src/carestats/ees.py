"""Indicator values in the publisher's own tidy format (Explore Education Statistics), with .meta.csv.

One data file per time identifier, because the screener does not allow years and academic or financial
years in one file: carestats_indicators.csv (reporting years), carestats_indicators_academic_year.csv and
carestats_indicators_financial_year.csv when such indicators exist. Filters: `indicator` and `breakdown`;
one indicator column, `value`, holding the number or the publisher's symbol.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow as pa

from carestats.compute import plain_numbers
from carestats.registry import Indicator

BASE = "carestats_indicators"
GEO = ["country_code", "country_name", "region_code", "region_name", "new_la_code", "la_name", "old_la_code"]
EES_UNITS = {"%": "%", "£": "£", "£ thousands": "£"}


def geography_from_tables(tables: dict[str, list[pa.Table]]) -> pl.DataFrame:
    """Each LA's old code, name and region, and each region's name, as the EES files give them."""
    frames = []
    for parts in tables.values():
        for t in parts:
            cols = [c for c in ["geographic_level", *GEO] if c in t.column_names]
            if "new_la_code" not in cols or "region_code" not in cols:
                continue
            frames.append(pl.from_arrow(t.select(cols)).unique())  # type: ignore[arg-type]
    if not frames:
        return pl.DataFrame(schema={"geographic_level": pl.String, **{c: pl.String for c in GEO}})
    df = pl.concat(frames, how="diagonal").unique()
    return df.with_columns(pl.col(c).str.strip_chars() for c in df.columns)


def geography_from_warehouse(con, store) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    """geography_from_tables, read from the warehouse's raw tables (see neighbours.raw_selection)."""
    from carestats.neighbours import RAW_TABLE, raw_selection

    return geography_from_tables(raw_selection(con, store, ["geographic_level", *GEO],
                                               ("new_la_code", "region_code"), exclude=(RAW_TABLE,)))


def time_identifier(period: int, ind: Indicator) -> str:
    if len(str(period)) == 4:
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
    from carestats.areas import load_reorganisations

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


def to_ees(values: pl.DataFrame, indicators: list[Indicator], geography: pl.DataFrame) -> dict[str, pl.DataFrame]:
    meta = {i.id: i for i in indicators}
    la = (geography.filter(pl.col("geographic_level") == "Local authority")
          .select("new_la_code", "old_la_code", "la_name", "region_code", "region_name")
          .unique(subset=["new_la_code"], keep="first"))
    reg = (geography.filter(pl.col("geographic_level") == "Regional").select("region_code", "region_name")
           .unique(subset=["region_code"], keep="first"))
    v = plain_numbers(current_codes(values).select("indicator_id", "time_period", "geographic_level", "area_code",
                                                   "area_name", "breakdown", "value", "status"))
    v = v.with_columns(pl.coalesce("value", "status").alias("value"))
    v = v.with_columns(
        pl.struct("time_period", "indicator_id").map_elements(
            lambda s: time_identifier(s["time_period"], meta[s["indicator_id"]]) if s["indicator_id"] in meta
            else "Reporting year", return_dtype=pl.String).alias("time_identifier"))
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
    out = out.select(cols).with_columns(pl.col(c).fill_null("") for c in GEO)
    files = {}
    for tid, part in out.group_by("time_identifier", maintain_order=True):
        name = BASE if tid[0] == "Reporting year" else f"{BASE}_{str(tid[0]).lower().replace(' ', '_')}"
        part = part.sort(["indicator", "time_period", "geographic_level", "new_la_code", "region_code", "breakdown"])
        if part["breakdown"].n_unique() < 2:  # the screener wants every filter to have 2 or more values
            part = part.drop("breakdown")
        files[name] = part
    return files


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
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in to_ees(values, indicators, geography).items():
        data.write_csv(folder / f"{name}.csv")
        meta_file(data, indicators).write_csv(folder / f"{name}.meta.csv")
        written += [folder / f"{name}.csv", folder / f"{name}.meta.csv"]
    return written
