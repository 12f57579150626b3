"""The indicators equal the publisher's own figures, for every area and year in the real files."""

from __future__ import annotations

import polars as pl
import pytest
from published import expected

pytestmark = pytest.mark.slow

CASES = {
    "cla_count": (["cla_number_and_rate_per_10k_children.csv"],
                  {"population_count|population_type": {"children looked after at 31 march each year",
                                                        "children looked after on 31 march each year"}},
                  ["children_count", "number"]),
    "cla_rate_per_10k": (["cla_number_and_rate_per_10k_children.csv"],
                         {"population_count|population_type": {"children looked after at 31 march each year",
                                                               "children looked after on 31 march each year"}},
                         ["rate_per_10000"]),
    "cla_3plus_placements_pct": (
        ["la_cla_placement_stability.csv", "la_cla_at_31_march_placement_stability_indicator.csv"],
        {"cla_group": {"cla on 31 march", "children looked after at 31 march"},
         "placement_stability|characteristic": {"with 3 or more placements during the year"}},
        ["children_percent", "percentage"]),
    "care_leavers_19_21_eet_pct": (
        ["la_care_leavers_activity.csv"],
        {"care_leaver_age|age": {"19 to 21 years", "aged 19 to 21"},
         "breakdown|activity": {"total in education, employment or training"}},
        ["care_leaver_percent", "percentage"]),
}


def test_england_children_in_care_headlines(real_values: pl.DataFrame) -> None:
    eng = real_values.filter((pl.col("indicator_id") == "cla_count") & (pl.col("area_code") == "E92000001"))
    by_year = {r["time_period"]: r for r in eng.iter_rows(named=True)}
    assert by_year[2025]["value"] == 81770 and by_year[2025]["release"] == "cla-2025"
    assert by_year[2024]["value"] == 83530 and by_year[2024]["release"] == "cla-2025"  # revised from 83,630
    assert by_year[1994]["value"] is not None  # the national time series reaches back to 1994


def test_earlier_vintage_stays_queryable(real_build) -> None:
    from carestats.warehouse import db as warehouse

    con = warehouse.connect(real_build / "carestats.duckdb", read_only=True)
    rows = con.execute("select release, value from indicator_vintages where indicator_id = 'cla_count' "
                       "and area_code = 'E92000001' and time_period = 2024 order by release").fetchall()
    con.close()
    assert rows == [("cla-2024", 83630.0), ("cla-2025", 83530.0)]


@pytest.mark.parametrize("indicator_id", sorted(CASES))
def test_every_area_and_year_matches_the_publisher(indicator_id: str, raw_dir, real_values) -> None:
    files, filters, cols = CASES[indicator_id]
    want = expected(raw_dir, files, filters, cols)
    assert len(want) > 1000
    got_df = real_values.filter(pl.col("indicator_id") == indicator_id)
    if indicator_id == "cla_count":  # England's long series from the time series is checked above
        got_df = got_df.filter(~((pl.col("geographic_level") == "National") & (pl.col("time_period") < 2019)))
    got = {(r["time_period"], r["geographic_level"], r["area_code"]): (r["value"], r["status"])
           for r in got_df.iter_rows(named=True)}
    missing = sorted(set(want) - set(got))[:5]
    extra = sorted(set(got) - set(want))[:5]
    wrong = [(k, want[k], got[k]) for k in sorted(want) if k in got and got[k] != want[k]][:5]
    assert not missing, f"published but not in indicator_values: {missing}"
    assert not extra, f"in indicator_values but not published: {extra}"
    assert not wrong, f"differs from the publisher: {wrong}"
