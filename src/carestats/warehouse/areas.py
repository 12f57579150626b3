"""The `areas` table: every England, region and local authority code in the input files, with the
council's 3-digit LA number and the reorganisations that created or replaced it.

The codes, names and regions come from the geography columns of the EES files themselves (the latest
period's spelling wins); the reorganisations come from the commented list in
queries/reference/reorganisations.yaml.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa

from carestats.core import paths, periods, safe_yaml
from carestats.core.errors import ConfigError

REORGANISATIONS = paths.QUERIES_DIR / "reference" / "reorganisations.yaml"
SUBREGIONS = paths.QUERIES_DIR / "reference" / "regions.yaml"
KINDS = {"code_change", "reorganisation"}
GEO_COLUMNS = ["time_period", "geographic_level", "country_code", "country_name", "region_code", "region_name",
               "old_la_code", "new_la_code", "la_name"]
SCHEMA = {
    "code": pl.String, "name": pl.String, "level": pl.String, "region_code": pl.String,
    "old_la_code": pl.String, "valid_from": pl.Date, "valid_to": pl.Date,
    "predecessor_codes": pl.List(pl.String), "successor_codes": pl.List(pl.String), "note": pl.String,
}
GEO_SCHEMA = {"level": pl.String, "code": pl.String, "name": pl.String, "region_code": pl.String,
              "old_la_code": pl.String, "period_year": pl.Int64, "vintage": pl.Int64}


@dataclass(frozen=True)
class Change:
    date: dt.date
    kind: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    why: str


def load_reorganisations(path: Path = REORGANISATIONS) -> list[Change]:
    name = paths.display(path, paths.RESOURCE_ROOT)
    entries = safe_yaml.load(path.read_text(encoding="utf-8")) or []
    changes = []
    for i, e in enumerate(entries, start=1):
        if not isinstance(e, dict) or set(e) != {"date", "kind", "from", "to", "why"}:
            raise ConfigError(f"{name}: entry {i} must have exactly date, kind, from, to and why",
                              "see the comment at the top of the file")
        if e["kind"] not in KINDS or not isinstance(e["date"], dt.date):
            raise ConfigError(f"{name}: entry {i} has kind {e['kind']!r} or date {e['date']!r}",
                              f"kind is one of {', '.join(sorted(KINDS))}; date is YYYY-MM-DD")
        changes.append(Change(e["date"], e["kind"], tuple(e["from"]), tuple(e["to"]), " ".join(str(e["why"]).split())))
    return changes


def geography(tables: dict[str, list[pa.Table]]) -> pl.DataFrame:
    """Distinct (level, code, name, region, LA number, period, release year) rows from every EES table.

    The tables' geography columns are put side by side in one frame (a column a table lacks is null
    there), and the rows of each level are picked out of it once, not once per table."""
    frames = []
    for parts in tables.values():
        for table in parts:
            cols = [c for c in GEO_COLUMNS if c in table.column_names]
            if "geographic_level" not in cols or "time_period" not in cols:
                continue
            lineage = ["_vintage"] if "_vintage" in table.column_names else []
            frames.append(pl.DataFrame(pl.from_arrow(table.select([*cols, *lineage]))).with_columns(
                *(pl.col(c).cast(pl.String) for c in cols),
                *(pl.lit(None, pl.String).alias(c) for c in GEO_COLUMNS if c not in cols),
                *([pl.col("_vintage").cast(pl.Int64)] if lineage else [pl.lit(0, pl.Int64).alias("_vintage")]),
            ).select([*GEO_COLUMNS, "_vintage"]))
    if not frames:
        return pl.DataFrame(schema=GEO_SCHEMA)
    return _geo_rows(pl.concat(frames).unique()).unique()


def _geo_rows(df: pl.DataFrame) -> pl.DataFrame:
    s = {c: pl.col(c).str.strip_chars() for c in GEO_COLUMNS}
    level = s["geographic_level"]
    common = [periods.end_year_of_text_expr(pl.col("time_period")).alias("period_year"), pl.col("_vintage").cast(pl.Int64).alias("vintage")]
    national = df.filter(level == "National").select(
        pl.lit("National").alias("level"), s["country_code"].alias("code"), s["country_name"].alias("name"),
        pl.lit(None, pl.String).alias("region_code"), pl.lit(None, pl.String).alias("old_la_code"), *common)
    regional = df.filter(level.is_in(["Regional", "Local authority"])).select(
        pl.lit("Regional").alias("level"), s["region_code"].alias("code"), s["region_name"].alias("name"),
        pl.lit(None, pl.String).alias("region_code"), pl.lit(None, pl.String).alias("old_la_code"), *common)
    local = df.filter(level == "Local authority").select(
        pl.lit("Local authority").alias("level"), s["new_la_code"].alias("code"), s["la_name"].alias("name"),
        s["region_code"].alias("region_code"), s["old_la_code"].alias("old_la_code"), *common)
    out = pl.concat([national, regional, local]).cast(GEO_SCHEMA)  # type: ignore[arg-type]
    return out.filter(pl.col("code").is_not_null() & (pl.col("code") != ""))


def region_of(geo: pl.DataFrame) -> dict[str, str]:
    """Each council's region as its latest release publishes it, and each sub-region's region."""
    la = (geo.filter((pl.col("level") == "Local authority") & pl.col("region_code").is_not_null()
                     & (pl.col("region_code") != ""))
          .sort(["period_year", "vintage", "region_code"], descending=True)
          .unique(subset=["code"], keep="first", maintain_order=True))
    parents = safe_yaml.load(SUBREGIONS.read_text(encoding="utf-8")) or {}
    return {**{str(k): str(v) for k, v in parents.items()}, **dict(zip(la["code"], la["region_code"]))}


def build_areas(geo: pl.DataFrame, changes: list[Change]) -> pl.DataFrame:
    """One row per code: its latest name, region and LA number, and what replaced it or what it replaced."""
    latest = (geo.sort(["period_year", "vintage", "name"], descending=True, nulls_last=True)
              .unique(subset=["code"], keep="first", maintain_order=True))
    regions = region_of(geo)
    rows = []
    for r in latest.iter_rows(named=True):
        code = r["code"]
        before = [c for c in changes if code in c.after]
        after = [c for c in changes if code in c.before]
        notes = [c.why for c in [*before, *after]]
        if " / " in code:
            notes.append(f"One figure published jointly for {r['name']}.")
        rows.append({
            "code": code, "name": r["name"], "level": r["level"], "region_code": regions.get(code),
            "old_la_code": r["old_la_code"] or None,
            "valid_from": max((c.date for c in before), default=None),
            "valid_to": min((c.date - dt.timedelta(days=1) for c in after), default=None),
            "predecessor_codes": sorted({p for c in before for p in c.before}),
            "successor_codes": sorted({s for c in after for s in c.after}),
            "note": " ".join(dict.fromkeys(notes)) or None,
        })
    level_order = {"National": 0, "Regional": 1, "Local authority": 2}
    rows.sort(key=lambda x: (level_order.get(x["level"], 3), x["code"]))
    return pl.DataFrame(rows, schema=SCHEMA)
