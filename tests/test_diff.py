from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from carestats.pipeline import diff
from carestats.indicators.compute import SCHEMA
from carestats.indicators.registry import load_indicators


def row(release: str, value: float | None, status: str | None = None, area: str = "E92000001") -> dict:
    return {"indicator_id": "cla_count", "time_period": 2024, "geographic_level": "National", "area_code": area,
            "area_name": "England", "breakdown": "Total", "value": value, "status": status, "numerator": value,
            "denominator": None, "release": release}


def test_revisions_find_changed_values_and_symbols() -> None:
    old = pl.DataFrame([row("cla-2024", 83630), row("cla-2024", 5, area="E1")], schema=SCHEMA)
    new = pl.DataFrame([row("cla-2025", 83530), row("cla-2025", None, "c", area="E1")], schema=SCHEMA)
    got = diff.revisions(old, new).sort("area_code")
    assert got["area_code"].to_list() == ["E1", "E92000001"]
    assert got.row(1, named=True)["change"] == -100
    assert got.row(0, named=True)["new_status"] == "c"


def test_within_one_folder_each_release_is_compared_with_the_previous() -> None:
    v = pl.DataFrame([row("cla-2023", 83000), row("cla-2024", 83630), row("cla-2025", 83530)], schema=SCHEMA)
    got = diff.within_folder(v).row(0, named=True)
    assert (got["old_value"], got["new_value"], got["old_release"], got["new_release"]) == \
        (83630, 83530, "cla-2024", "cla-2025")


def test_renamed_columns_pair_by_position() -> None:
    got = diff.renamed_columns({"t": ["a", "number", "x"]}, {"t": ["a", "children_count", "x", "extra"]})
    assert {"table": "t", "old_column": "number", "new_column": "children_count"} in got
    assert {"table": "t", "old_column": "", "new_column": "extra"} in got


@pytest.mark.slow
def test_diff_between_the_2024_and_2025_cla_releases(raw_dir: Path, tmp_path: Path) -> None:
    inds = load_indicators()
    a = diff.snapshot(raw_dir / "cla" / "2024_release", inds)
    b = diff.snapshot(raw_dir / "cla" / "2025_release", inds)
    revised = diff.revisions(a.values, b.values)
    eng = revised.filter((pl.col("indicator_id") == "cla_count") & (pl.col("area_code") == "E92000001")
                         & (pl.col("time_period") == 2024)).row(0, named=True)
    assert (eng["old_value"], eng["new_value"]) == (83630, 83530)
    renamed = diff.renamed_columns(a.columns, b.columns)
    assert {"table": "cla_number_and_rate_per_10k_children", "old_column": "number",
            "new_column": "children_count"} in renamed
    files = diff.write(tmp_path, revised, diff.areas_changed(a.values, b.values), renamed)
    assert all(f.exists() for f in files)
    lines = diff.summary(revised, diff.areas_changed(a.values, b.values), renamed, {i.id: i.title for i in inds})
    assert any("England, 2024: 83,630 → 83,530" in x for x in lines)
