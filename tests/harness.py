"""Given/expect tests for indicators: tests/indicators/<id>.yaml.

    given:                      # raw tables, as the publisher's files would fill them (all text)
      - table: cla_number_and_rate_per_10k_children
        release: cla-2025
        rows:
          - {time_period: 2025, geographic_level: National, population_type: ..., children_count: "81770"}
    expect:                     # rows of indicator_values (latest release wins); only the keys given are compared
      - {time_period: 2025, area_code: E92000001, value: 81770, status: null}

Geography columns not given are filled with a default area for the row's level. The expected rows must
match the indicator's output exactly as a set (no missing and no extra rows).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow as pa
import yaml

from carestats.indicators import compute
from carestats.indicators.registry import Indicator
from carestats.warehouse import db as warehouse
from carestats.warehouse import staging as stage

DEFAULTS = {
    "National": {"country_code": "E92000001", "country_name": "England"},
    "Regional": {"country_code": "E92000001", "country_name": "England", "region_code": "E12000001",
                 "region_name": "North East"},
    "Local authority": {"country_code": "E92000001", "country_name": "England", "region_code": "E12000001",
                        "region_name": "North East", "old_la_code": "805", "new_la_code": "E06000001",
                        "la_name": "Hartlepool"},
}


def load_case(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def given_tables(case: dict) -> dict[str, pa.Table]:
    tables: dict[str, list[dict]] = {}
    for block in case["given"]:
        release = block["release"]
        vintage = int(release.rsplit("-", 1)[1])
        for i, row in enumerate(block["rows"]):
            level = row.get("geographic_level", "National")
            full = {"time_identifier": "Reporting year", "geographic_level": level, **DEFAULTS[level]}
            full.update({k: None if v is None else str(v) for k, v in row.items()})
            full.update({"_release": release, "_vintage": vintage, "_file": f"{block['table']}.csv", "_line": i + 2})
            tables.setdefault(block["table"], []).append(full)
    out = {}
    for name, rows in tables.items():
        cols = sorted({k for r in rows for k in r})
        data = {c: [r.get(c) for r in rows] for c in cols}
        schema = pa.schema([(c, pa.int32() if c in ("_vintage", "_line") else pa.string()) for c in cols])
        out[name] = pa.table(data, schema=schema)
    return out


def run_case(ind: Indicator, case: dict) -> pl.DataFrame:
    con = warehouse.connect(None)
    try:
        for name, table in given_tables(case).items():
            warehouse.load_table(con, "raw", name, table)
        stage.build_staging(con)
        values, _ = compute.compute_all(con, [ind])
    finally:
        con.close()
    return values


def compare(values: pl.DataFrame, expect: list[dict]) -> list[str]:
    """Differences between the indicator's rows and the expected ones (empty list = pass)."""
    keys = sorted({k for e in expect for k in e})
    got = [{k: r[k] for k in keys} for r in values.iter_rows(named=True)]

    def norm(row: dict) -> tuple:
        return tuple((k, float(v) if isinstance(v, (int, float)) and k not in ("time_period",) else v)
                     for k, v in sorted(row.items()))

    got_set = sorted(map(norm, got), key=repr)
    exp_set = sorted(map(norm, expect), key=repr)
    problems = []
    for e in exp_set:
        if e not in got_set:
            problems.append(f"expected but missing: {dict(e)}")
    for g in got_set:
        if g not in exp_set:
            problems.append(f"unexpected row: {dict(g)}")
    return problems
