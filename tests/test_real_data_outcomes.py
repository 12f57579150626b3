"""Leaving care, care leavers, education and wellbeing: every area and year equals the publisher's figure.

The expected figures are read straight from the release files with Python's csv module (tests/published.py),
the filters written out by hand for each shape of file, and the latest release winning for each period,
area and breakdown — independently of the staging views.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from published import LEVEL_CODE, SYMBOLS, read

pytestmark = pytest.mark.slow

# One source: (file name, {column (or alternatives a|b): allowed labels, trimmed and lower-case},
#              value columns, count columns, breakdown column or None for 'Total').
Source = tuple[str, dict[str, set[str]], list[str], list[str], str | None]

CEASED = "la_children_who_ceased_during_the_year.csv"
REASON = "reason episode ceased"
RETURNED_HOME = ("returned home to live with parents or other person with parental responsibility which was "
                 "part of the care planning process")
CONVICTED = "convicted or subject to youth cautions, or youth conditional cautions during the year"
LA_OUTCOMES = "la_conviction_health_outcome_cla.csv"
NAT_OUTCOMES = "national_conviction_health_outcomes_for_cla.csv"
LA_PCT, LA_COUNT = ["children_percent", "percentage"], ["children_count", "number"]
# 2022: cla_group (topic) / characteristic (item); 2025: characteristic (topic) / breakdown (item).
TOPIC, ITEM = "cla_group|characteristic", "breakdown|characteristic"


def outcome(topic: str, item: str, national_age: str, national_item: str) -> list[Source]:
    return [
        (LA_OUTCOMES, {TOPIC: {topic}, ITEM: {item}}, LA_PCT, LA_COUNT, None),
        (NAT_OUTCOMES, {"gender": {"total"}, "age_group": {national_age}, "characteristic": {national_item}},
         ["percentage"], ["number"], None),
    ]


CASES: dict[str, list[Source]] = {
    "cla_ceasing_by_age": [
        (CEASED, {"cla_group": {"age on ceasing"}}, ["number"], ["number"], "characteristic")],
    "ceased_returned_home_planned_pct": [
        (CEASED, {"cla_group": {REASON}, "characteristic": {RETURNED_HOME}}, ["percentage"], ["number"],
         None)],
    "ceased_adopted_pct": [
        (CEASED, {"cla_group": {REASON}, "characteristic": {"adopted"}}, ["percentage"], ["number"], None)],
    "ceased_sgo_pct": [
        (CEASED, {"cla_group": {REASON}, "characteristic": {"special guardianship orders"}}, ["percentage"],
         ["number"], None)],
    "care_leavers_17_18_eet_pct": [
        ("la_care_leavers_activity.csv",
         {"care_leaver_age|age": {"17 to 18 years", "aged 17 to 18"},
          "breakdown|activity": {"total in education, employment or training"}},
         ["care_leaver_percent", "percentage"], ["care_leaver_count", "number"], None)],
    "care_leavers_19_21_suitable_accommodation_pct": [
        ("la_care_leavers_accommodation_suitability.csv",
         {"care_leaver_age": {"19 to 21 years"}, "breakdown": {"accommodation considered suitable"}},
         ["care_leaver_percent"], ["care_leaver_count"], None),
        ("national_care_leavers_by_whether_their_accommodation_is_suitable.csv",
         {"care_leaver_age": {"19 to 21 years"},
          "accommodation_suitability": {"accommodation considered suitable"}},
         ["percentage"], ["number"], None)],
    "staying_put_18_pct": [
        ("la_care_leavers_stayput.csv",
         {"age": {"aged 18"}, "stay_put": {"total living with former foster carers in the current year"}},
         ["percentage"], ["number"], None)],
    "care_leavers_not_in_touch_pct": [
        ("la_care_leavers_intouch.csv",
         {"age": {"aged 19 to 21"}, "in_touch": {"local authority not in touch with care leaver"}},
         ["percentage"], ["number"], None)],
    "cla_ks4_basics_94_pct": [
        ("ks4_la.csv", {"social_care_group": {"cla 12 months at 31 march"}}, ["pt_l2basics_94"],
         ["t_l2basics_94"], None)],
    "cla_ks4_attainment8": [
        ("ks4_la.csv", {"social_care_group": {"cla 12 months at 31 march"}}, ["avg_att8"], ["t_att8"], None)],
    "cino_ks4_basics_94_pct": [
        ("ks4_la.csv", {"social_care_group": {"cino at 31 march"}}, ["pt_l2basics_94"], ["t_l2basics_94"],
         None)],
    "cla_ks2_rwm_expected_pct": [
        ("ks2_la.csv", {"social_care_group": {"cla 12 months at 31 march"}}, ["pt_rwm_met_expected_standard"],
         ["t_rwm_met_expected_standard"], None)],
    "cla_sdq_concern_pct": outcome("ages 5 to 16 years with sdq score", "sdq score is a cause for concern",
                                   "total 5 to 16 years", "4.1.3 sdq score is a cause for concern"),
    "cla_convicted_pct": outcome("convictions: children looked after ages 10 to 17 years", CONVICTED,
                                 "total 10 to 17 years", f"1.1 {CONVICTED}"),
    "cla_substance_misuse_pct": outcome("substance misuse: children looked after all ages",
                                        "identified as having a substance misuse problem", "total all ages",
                                        "2a.1 identified as having a substance misuse problem"),
}


def cell(text: str) -> tuple[float | None, str | None]:
    s = text.strip()
    return (None, s) if s in SYMBOLS else (float(s), None)


def published(raw: Path, sources: list[Source]) -> dict[tuple, tuple]:
    """{(period, level, area_code, breakdown): ((value, status), numerator, vintage)}, latest wins."""
    best: dict[tuple, tuple[int, tuple]] = {}
    for name, filters, value_cols, count_cols, breakdown_col in sources:
        for path in raw.rglob(name):
            rows = read(path)
            vintage = max(int(r["time_period"][:4]) + (len(r["time_period"]) == 6) for r in rows)
            for r in rows:
                if not all(_matches(r, cols, allowed) for cols, allowed in filters.items()):
                    continue
                level = r["geographic_level"]
                breakdown = r[breakdown_col].strip() if breakdown_col else "Total"
                key = (int(r["time_period"]), level, r[LEVEL_CODE[level]].strip(), breakdown)
                value = cell(r[next(c for c in value_cols if c in r)])
                count = cell(r[next(c for c in count_cols if c in r)])[0]
                if key not in best or best[key][0] < vintage:
                    best[key] = (vintage, (value, count, vintage))
    return {k: v for k, (_, v) in best.items()}


def _matches(row: dict, cols: str, allowed: set[str]) -> bool:
    col = next((c for c in cols.split("|") if c in row), None)
    return col is not None and row[col].strip().lower() in allowed


def rows_of(values: pl.DataFrame, indicator_id: str) -> dict[tuple, dict]:
    df = values.filter(pl.col("indicator_id") == indicator_id)
    return {(r["time_period"], r["geographic_level"], r["area_code"], r["breakdown"]): r
            for r in df.iter_rows(named=True)}


@pytest.mark.parametrize("indicator_id", sorted(CASES))
def test_every_area_and_year_matches_the_publisher(indicator_id: str, raw_dir: Path,
                                                  real_values: pl.DataFrame) -> None:
    want = published(raw_dir, CASES[indicator_id])
    assert len(want) > 700
    got = rows_of(real_values, indicator_id)
    missing = sorted(set(want) - set(got))[:5]
    extra = sorted(set(got) - set(want))[:5]
    wrong = [(k, want[k][0], (got[k]["value"], got[k]["status"])) for k in sorted(want)
             if k in got and (got[k]["value"], got[k]["status"]) != want[k][0]][:5]
    counts = [(k, want[k][1], got[k]["numerator"]) for k in sorted(want)
              if k in got and got[k]["numerator"] != want[k][1]][:5]
    releases = [(k, want[k][2], got[k]["release"]) for k in sorted(want)
                if k in got and not got[k]["release"].endswith(f"-{want[k][2]}")][:5]
    assert not missing, f"published but not in indicator_values: {missing}"
    assert not extra, f"in indicator_values but not published: {extra}"
    assert not wrong, f"differs from the publisher: {wrong}"
    assert not counts, f"numerator differs from the published count: {counts}"
    assert not releases, f"not from the latest release that has it: {releases}"


def test_every_level_is_present(real_values: pl.DataFrame) -> None:
    for indicator_id in CASES:
        levels = set(real_values.filter(pl.col("indicator_id") == indicator_id)["geographic_level"].to_list())
        assert levels == {"National", "Regional", "Local authority"}, indicator_id


def test_staying_put_agrees_with_the_national_file(raw_dir: Path, real_values: pl.DataFrame) -> None:
    """The national staying-put file prints the same share as '62%' text: the two presentations agree."""
    got = {k[0]: r for k, r in rows_of(real_values, "staying_put_18_pct").items() if k[2] == "E92000001"}
    (path,) = raw_dir.rglob("national_care_leavers_staying_put.csv")
    seen = 0
    for r in read(path):
        if r["care_leaver_age"].strip().lower() != "18 years":
            continue
        row = got[int(r["time_period"])]
        label, number = r["characteristic"].strip().lower(), r["number"].strip()
        if label.startswith("3. percentage living with former foster carers"):
            assert number.endswith("%") and row["value"] == float(number.rstrip("%"))
            seen += 1
        elif label.startswith("2. total living with former foster carers"):
            assert row["numerator"] == float(number)
        elif label.startswith("1. young people who ceased to be looked after in a foster placement"):
            assert row["denominator"] == float(number)
    assert seen == 5


def test_reasons_for_ceasing_agree_with_the_national_file(raw_dir: Path, real_values: pl.DataFrame) -> None:
    """The national-only file of the same release (not read by the pipeline) prints the same shares."""
    labels = {RETURNED_HOME: "ceased_returned_home_planned_pct", "adopted": "ceased_adopted_pct",
              "special guardianship order": "ceased_sgo_pct"}
    (path,) = raw_dir.rglob("national_children_who_ceased_to_be_looked_after_during_the_year.csv")
    checked = 0
    for r in read(path):
        ind = labels.get(r["characteristic"].strip().lower())
        if r["cla_group"].strip().lower() != REASON or ind is None:
            continue
        row = rows_of(real_values, ind)[(int(r["time_period"]), "National", "E92000001", "Total")]
        assert (row["value"], row["status"]) == cell(r["percentage"])
        assert row["numerator"] == float(r["number"])
        checked += 1
    assert checked == 15


def test_ks4_latest_release_wins_whatever_its_version(real_values: pl.DataFrame, real_build: Path) -> None:
    """2021/22 was 'Revised' in the 2022 release and 'Final' in 2025; 2016/17 is only in the 2022 release."""
    from carestats.warehouse import db as warehouse

    eng = {k[0]: r for k, r in rows_of(real_values, "cla_ks4_basics_94_pct").items() if k[2] == "E92000001"}
    assert eng[201617]["release"] == "outcomes-2022"
    assert eng[202122]["release"] == "outcomes-2025" and eng[202122]["numerator"] == 1330  # 1320 in 2022
    assert eng[202425]["release"] == "outcomes-2025" and eng[202425]["value"] == 17.4  # a 'Revised' year
    con = warehouse.connect(real_build / "carestats.duckdb", read_only=True)
    rows = con.execute("select release, numerator from indicator_vintages where indicator_id = $id "
                       "and area_code = 'E92000001' and time_period = 202122 order by release",
                       {"id": "cla_ks4_basics_94_pct"}).fetchall()
    con.close()
    assert rows == [("outcomes-2022", 1320.0), ("outcomes-2025", 1330.0)]
