"""`carestats diff --area CODE` keeps only that area's revisions; summary.md names every revised indicator."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from test_atomic import write_release
from typer.testing import CliRunner

from carestats.cli.commands import app
from carestats.core.errors import DataError
from carestats.indicators.compute import SCHEMA
from carestats.pipeline import diff


def row(ind: str, release: str, value: float, area: str = "E92000001", name: str = "England",
        level: str = "National") -> dict:
    return {"indicator_id": ind, "time_period": 2024, "geographic_level": level, "area_code": area,
            "area_name": name, "breakdown": "Total", "value": value, "status": None, "numerator": value,
            "denominator": None, "release": release}


def test_summary_md_covers_every_revised_indicator_not_only_fifteen_rows() -> None:
    ids = [f"ind_{i:02d}" for i in range(25)]
    old = pl.DataFrame([row(i, "cla-2024", 100 + n) for n, i in enumerate(ids)], schema=SCHEMA)
    new = pl.DataFrame([row(i, "cla-2025", 90 + n) for n, i in enumerate(ids)], schema=SCHEMA)
    revised = diff.revisions(old, new)
    text = diff.markdown(revised, diff.areas_changed(old, new), [], {i: f"Title {i}" for i in ids})
    assert "## Every revised indicator (25)" in text
    for i in ids:
        assert f"Title {i} ({i}): 1 value(s) revised in 1 area(s)" in text
    assert len(diff.summary(revised, diff.areas_changed(old, new), [], {})) == 16  # the terminal stays short


def test_resolve_area_by_code_or_part_of_a_name() -> None:
    frame = pl.DataFrame([row("a", "r", 1, "E06000001", "Hartlepool", "Local authority"),
                          row("a", "r", 1, "E06000002", "Middlesbrough", "Local authority"),
                          row("a", "r", 1, "E06000003", "Redcar and Cleveland", "Local authority")], schema=SCHEMA)
    assert diff.resolve_area("e06000001", frame) == ("E06000001", "Hartlepool")
    assert diff.resolve_area("middles", frame) == ("E06000002", "Middlesbrough")
    with pytest.raises(DataError, match="no area 'york'"):
        diff.resolve_area("york", frame)
    with pytest.raises(DataError, match="matches 2 areas"):
        diff.resolve_area("e", frame.filter(pl.col("area_code") != "E06000001"))


def test_diff_area_keeps_only_that_areas_revisions(tmp_path: Path) -> None:
    write_release(tmp_path / "old")
    write_release(tmp_path / "new", bump=3)
    runner = CliRunner()
    whole = runner.invoke(app, ["diff", str(tmp_path / "old"), str(tmp_path / "new"), "--out", str(tmp_path / "all")])
    assert whole.exit_code == 0, whole.output
    res = runner.invoke(app, ["diff", str(tmp_path / "old"), str(tmp_path / "new"), "--area", "hartlepool",
                              "--out", str(tmp_path / "one")])
    assert res.exit_code == 0, res.output
    every = pl.read_csv(tmp_path / "all" / "revisions.csv")
    one = pl.read_csv(tmp_path / "one" / "revisions.csv")
    assert every["area_code"].n_unique() > 1
    assert one.height and set(one["area_code"]) == {"E06000001"}
    assert one.height == every.filter(pl.col("area_code") == "E06000001").height
    summary = (tmp_path / "one" / "summary.md").read_text(encoding="utf-8")
    assert summary.startswith("# What changed for Hartlepool (E06000001)")
    assert "## Every revised indicator" in summary
