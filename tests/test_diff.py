from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from carestats.indicators.compute import SCHEMA
from carestats.indicators.registry import load_indicators
from carestats.pipeline import diff


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


def test_the_latest_release_is_chosen_as_the_compute_stage_chooses_it() -> None:
    v = pl.DataFrame([row("cla-2025", 2), row("cla-2024", 1), row("cla-2025", 3, area="E1"),
                      row("cla-2023", 4, area="E1"), row("extra", 5, area="E2"), row("cla-2025", 6, area="E2")],
                     schema=SCHEMA)
    got = diff.latest(v)
    assert got.schema == pl.Schema(SCHEMA)
    assert got.select("area_code", "release", "value").rows() == [
        ("E1", "cla-2025", 3.0), ("E2", "extra", 5.0), ("E92000001", "cla-2025", 2.0)]


HEADER = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
          "old_la_code,la_name,new_la_code,population_type,children_count,population_estimate,rate_per_10000")


def release(folder: Path, first: int, last: int, bump: int) -> Path:
    """A small cla_number_and_rate_per_10k_children.csv for England and Hartlepool, years first..last."""
    rows = [HEADER]
    for year in range(first, last + 1):
        for level, rcode, rname, old, name, new in [("National", "", "", "", "", ""), (
                "Local authority", "E12000001", "North East", "805", "Hartlepool", "E06000001")]:
            n = (80000 if level == "National" else 300) + year % 7 + (bump if year == last - 1 else 0)
            rows.append(f"{year},Reporting year,{level},E92000001,England,{rcode},{rname},{old},{name},{new},"
                        f"Children looked after on 31 March each year,{n},1000000,{round(n / 100)}")
    target = folder / "cla" / "cla_number_and_rate_per_10k_children.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def test_a_snapshot_runs_the_pipelines_own_stages(tmp_path: Path) -> None:
    """diff's figures are the figures a build makes: the same indicator_values, row for row."""
    from carestats.core.settings import Settings
    from carestats.pipeline.build import run

    old, new = release(tmp_path / "old", 2021, 2024, 0), release(tmp_path / "new", 2021, 2025, 5)
    inds = load_indicators()
    a, b = diff.snapshot(old, inds), diff.snapshot(new, inds)
    run(Settings(raw=new, out=tmp_path / "build", reports=False))
    built = pl.read_parquet(tmp_path / "build" / "indicators" / "indicator_values.parquet")
    assert b.values.equals(built) and b.vintages.height == b.values.height
    revised = diff.revisions(a.values, b.values)
    eng = revised.filter((pl.col("indicator_id") == "cla_count") & (pl.col("area_code") == "E92000001"))
    assert eng.select("time_period", "old_value", "new_value").rows() == [(2024, 80001.0, 80006.0)]
    assert b.columns["cla_number_and_rate_per_10k_children"][0] == "time_period"


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
