"""Disclosure control of the council's own figures (indicators.local.disclose): the links it follows hold
on the figures themselves, and a small band of a distribution cannot be worked out from its total and the
other bands in what leaves the warehouse."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from test_ssda903 import compute, ep, hd, write_table

from carestats.core.errors import DataError
from carestats.indicators import local
from carestats.indicators.disclosure import check_suppressed
from carestats.indicators.registry import load_local_indicators

UNITS = {i.id: i.unit for i in load_local_indicators()}


def _ceasing_return(root: Path) -> None:
    """30 children who ceased in 2024-25: 20 at 16, 7 at 17 and 3 at 12 (a small band)."""
    y = root / "2024-25"
    ages = [16] * 20 + [17] * 7 + [12] * 3
    ids = [f"C{i:03d}" for i in range(len(ages))]
    write_table(y, "header", [hd(c, f"01/01/{2024 - a}") for c, a in zip(ids, ages, strict=True)])
    rec = ["E11", "E4A", "E41"]
    write_table(y, "episodes", [ep(c, "01/02/2024", dec="15/06/2024", rec=rec[i % 3]) for i, c in enumerate(ids)])


def _frame(got: dict) -> pl.DataFrame:
    return pl.DataFrame(list(got.values()))


def test_the_links_disclosure_follows_hold_on_the_figures(tmp_path: Path) -> None:
    _ceasing_return(tmp_path)
    got, _, _ = compute(tmp_path)
    total = got[("cla_ceasing", 2025, "Total")]["value"]
    assert total == 30
    for ind, other in local.LINKS.items():
        assert other == "cla_ceasing"
        row = got[(ind, 2025, "Total")]
        assert (row["value"] if UNITS[ind] == "count" else row["denominator"]) == total, ind


def test_a_small_band_is_not_recoverable_from_the_total_and_its_siblings(tmp_path: Path) -> None:
    _ceasing_return(tmp_path)
    got, _, _ = compute(tmp_path)
    shown = local.disclose(_frame(got), UNITS, threshold=5)
    ages = shown.filter(pl.col("indicator_id") == "cla_ceasing_by_age")
    hidden = ages.filter(pl.col("status") == "c")
    assert "12" in " ".join(hidden["breakdown"]) or hidden.height >= 2
    total = ages.filter(pl.col("breakdown") == "Total").row(0, named=True)
    parts = ages.filter(pl.col("breakdown") != "Total")
    if total["status"] != "c":  # with the total shown, one hidden band alone would be total minus the rest
        assert parts.filter(pl.col("status") == "c").height >= 2
    assert ages.filter(pl.col("breakdown") == "17 years")["status"].to_list() == ["c"]  # the next smallest
    assert ages.filter(pl.col("breakdown") == "16 years")["value"].to_list() == [20]


def test_a_hidden_total_hides_what_is_built_on_it(tmp_path: Path) -> None:
    y = tmp_path / "2024-25"
    write_table(y, "header", [hd(c, "01/01/2008") for c in ("A1", "A2", "A3")])
    write_table(y, "episodes", [ep(c, "01/02/2024", dec="15/06/2024", rec="E11") for c in ("A1", "A2", "A3")])
    got, _, _ = compute(tmp_path)
    shown = local.disclose(_frame(got), UNITS, threshold=5)
    by = {(r["indicator_id"], r["breakdown"]): r for r in shown.iter_rows(named=True)}
    for ind in ("cla_ceasing", "ceased_adopted_pct", "ceased_sgo_pct"):
        assert (by[(ind, "Total")]["status"], by[(ind, "Total")]["value"]) == ("c", None), ind
    assert by[("cla_ceasing_by_age", "Total")]["status"] == "c"


def test_the_threshold_setting_is_used(tmp_path: Path) -> None:
    _ceasing_return(tmp_path)
    got, _, _ = compute(tmp_path)
    shown = local.disclose(_frame(got), UNITS, threshold=10)
    by = {(r["indicator_id"], r["breakdown"]): r for r in shown.iter_rows(named=True)}
    assert by[("cla_ceasing_by_age", "17 years")]["status"] == "c"  # 7 is small under a threshold of 10
    with pytest.raises(DataError, match="shows a figure from 1 to 10 children"):
        check_suppressed(_frame(got), 10, units=UNITS, where="test")
