"""The EES-format export passes carestats' own screener-level checks, metadata included."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from carestats.exports import ees
from carestats.indicators.compute import SCHEMA
from carestats.indicators.registry import load_indicators
from carestats.pipeline.inputs import read_inputs

GEO = pl.DataFrame([
    {"geographic_level": "Local authority", "country_code": "E92000001", "country_name": "England",
     "region_code": "E12000001", "region_name": "North East", "new_la_code": "E06000001", "la_name": "Hartlepool",
     "old_la_code": "805"},
    {"geographic_level": "Regional", "country_code": "E92000001", "country_name": "England",
     "region_code": "E12000001", "region_name": "North East", "new_la_code": "", "la_name": "", "old_la_code": ""},
])


def value_rows() -> pl.DataFrame:
    rows = []
    for level, code, name in [("National", "E92000001", "England"), ("Regional", "E12000001", "North East"),
                              ("Local authority", "E06000001", "Hartlepool")]:
        for ind in ("cla_count", "cla_rate_per_10k"):
            rows.append({"indicator_id": ind, "time_period": 2025, "geographic_level": level, "area_code": code,
                         "area_name": name, "breakdown": "Total", "value": None if level == "Local authority" else 5.0,
                         "status": "c" if level == "Local authority" else None, "numerator": None,
                         "denominator": None, "release": "cla-2025"})
    return pl.DataFrame(rows, schema=SCHEMA)


def test_ees_file_pair_has_the_standard_shape(tmp_path: Path) -> None:
    files = ees.write(value_rows(), load_indicators(), GEO, tmp_path)
    assert [f.name for f in files] == ["carestats_indicators.csv", "carestats_indicators.meta.csv"]
    data = pl.read_csv(files[0], infer_schema=False)
    la = data.filter(pl.col("geographic_level") == "Local authority").row(0, named=True)
    assert (la["old_la_code"], la["region_name"], la["value"]) == ("805", "North East", "c")
    assert "breakdown" not in data.columns  # a filter with a single value is left out, as the screener asks


def test_own_check_passes_the_ees_output(tmp_path: Path) -> None:
    ees.write(value_rows(), load_indicators(), GEO, tmp_path)
    res = read_inputs(tmp_path)
    assert res.errors == []
    kinds = sorted((f.name, f.status) for f in res.files)
    assert kinds == [("carestats_indicators.csv", "loaded"), ("carestats_indicators.meta.csv", "metadata")]


def test_a_council_that_changed_its_code_has_one_code_per_period(tmp_path: Path) -> None:
    """The children looked after files code Buckinghamshire's 31 March 2020 as E06000060, the children in
    need files as E10000002: the export uses the current code for both, so its LA number has one code."""
    geo = pl.concat([GEO, pl.DataFrame([
        {"geographic_level": "Local authority", "country_code": "E92000001", "country_name": "England",
         "region_code": "E12000008", "region_name": "South East", "new_la_code": code,
         "la_name": "Buckinghamshire", "old_la_code": "825"} for code in ("E06000060", "E10000002")])])

    def row(ind: str, code: str, value: float, release: str) -> dict:
        return {"indicator_id": ind, "time_period": 2020, "geographic_level": "Local authority", "area_code": code,
                "area_name": "Buckinghamshire", "breakdown": "Total", "value": value, "status": None,
                "numerator": None, "denominator": None, "release": release}

    values = pl.DataFrame([row("cla_count", "E06000060", 484.0, "cla-2024"), row("cin_count", "E10000002", 3328.0,
                           "cin-2025"), row("cpp_count", "E10000002", 300.0, "cin-2023"),
                           row("cpp_count", "E06000060", 301.0, "cin-2025")], schema=SCHEMA)
    ees.write(values, load_indicators(), geo, tmp_path)
    assert read_inputs(tmp_path).errors == []
    data = pl.read_csv(tmp_path / "carestats_indicators.csv", infer_schema=False)
    assert set(data["new_la_code"]) == {"E06000060"}
    assert dict(zip(data["indicator"], data["value"])) == {"cla_count": "484", "cin_count": "3328",
                                                           "cpp_count": "301"}  # the later release


def test_a_broken_meta_file_is_caught(tmp_path: Path) -> None:
    ees.write(value_rows(), load_indicators(), GEO, tmp_path)
    meta = tmp_path / "carestats_indicators.meta.csv"
    meta.write_text(meta.read_text().replace("Indicator,Value", "Measure,Value"), encoding="utf-8")
    rules = [f.rule for f in read_inputs(tmp_path).errors]
    assert "META-COL-TYPE" in rules


@pytest.mark.slow
def test_real_ees_output_passes_the_check(real_build: Path) -> None:
    folder = real_build / "exports" / "ees"
    assert (folder / "carestats_indicators.csv").exists()
    res = read_inputs(folder)
    assert res.errors == [], [f.format() for f in res.errors[:5]]
