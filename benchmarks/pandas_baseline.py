"""The pandas baseline: carestats' indicators from the EES CSV files, as an analyst would write them.

    python benchmarks/pandas_baseline.py --raw ../shared/data/raw --out /tmp/pandas_values.csv

A plain script, the way the work is done without carestats: read each release file with pandas (all text,
symbols kept), filter the rows by their labels (trimmed, lower case), take the figure the publisher
prints, keep the latest release for each indicator, period, area and breakdown, and write one CSV. It
covers the indicators in queries/indicators/ whose figures come from EES CSV files, with the same
definitions, so `make bench` can time the two on the same work and tests/test_bench.py can check that
both give the same figures.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import NamedTuple

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pandas_frames import (  # noqa: E402
    FIGURES,
    Files,
    Test,
    figures,
    final_first,
    label,
    like,
    matching,
    number,
    one_of,
    published,
    stack,
    symbol,
    text,
)

KEY = ["indicator_id", "time_period", "geographic_level", "area_code", "breakdown"]
COLUMNS = [*KEY[:4], "area_name", "breakdown", "value", "status", "release"]
CLA_RATE = ["cla_number_and_rate_per_10k_children.csv"]
STABILITY = ["la_cla_placement_stability.csv", "la_cla_at_31_march_placement_stability_indicator.csv"]
ACTIVITY = ["la_care_leavers_activity.csv"]
SUITABLE = ["la_care_leavers_accommodation_suitability.csv",
            "national_care_leavers_by_whether_their_accommodation_is_suitable.csv"]
CEASED = ["la_children_who_ceased_during_the_year.csv"]
MISSING = ["la_children_who_were_missing_or_away_from_placement_without_authorisation.csv"]
CHARACTERISTICS = ["national_cla_on_31_march_by_characteristics.csv"]
NEW_PLACEMENTS = ["la_cla_during_year_new_placements.csv"]
WORKFORCE = ["csww_indicators_*.csv", "csww_headline_measures_*.csv"]
REFERRALS = ["c1_children_in_need_referrals_and_rereferrals_*.csv",
             "c5_children_in_need_referrals_by_source_*.csv"]
CPP_AT_31 = ["d1_child_protection_plans_*.csv", "d5_cpps_at31march_by_duration_*.csv"]
AGE_17_18 = one_of("17 to 18 years", "aged 17 to 18")
AGE_19_21 = one_of("19 to 21 years", "aged 19 to 21")
EET = ("breakdown|activity", one_of("total in education, employment or training"))
REASON = ("cla_group", one_of("reason episode ceased"))
HOME = "returned home to live with parents or other person with parental responsibility which was part of " \
       "the care planning process"


class Spec(NamedTuple):
    files: list[str]
    value: str  # the value column, by all its names
    filters: tuple[tuple[str, Test], ...] = ()
    final_first: bool = False


def spec(files: list[str], value: str, *filters: tuple[str, Test], final: bool = False) -> Spec:
    return Spec(files, value, filters, final)


def stability(cohort: Test, measure: Test) -> Spec:
    return spec(STABILITY, "children_percent|percentage", ("cla_group", cohort),
                ("placement_stability|characteristic", measure))


def population(pattern: str) -> tuple[str, Test]:
    return "population_type|population_count", matching(pattern)


SIMPLE = {
    "cla_rate_per_10k": spec(CLA_RATE, "rate_per_10000", population("children looked after%31 march%")),
    "cla_starting_rate_per_10k": spec(CLA_RATE, "rate_per_10000", population("children starting%")),
    "cla_3plus_placements_pct": stability(one_of("cla on 31 march", "children looked after at 31 march"),
                                          one_of("with 3 or more placements during the year")),
    "cla_3plus_placements_2y_pct": stability(
        one_of("cla 2 years on 31 march"), matching("with 3 or more placements during the previous 2 years")),
    "cla_long_term_stability_pct": stability(
        matching("children looked after continuously for at least 2.5 years%"),
        matching("living in the same placement for at least 2 years%",
                 "living with the same carer for at least 2 years%")),
    "care_leavers_17_18_eet_pct": spec(ACTIVITY, "care_leaver_percent|percentage",
                                       ("care_leaver_age|age", AGE_17_18), EET),
    "care_leavers_19_21_eet_pct": spec(ACTIVITY, "care_leaver_percent|percentage",
                                       ("care_leaver_age|age", AGE_19_21), EET),
    "care_leavers_19_21_suitable_accommodation_pct": spec(
        SUITABLE, "care_leaver_percent|percentage", ("care_leaver_age", AGE_19_21),
        ("breakdown|accommodation_suitability", one_of("accommodation considered suitable"))),
    "care_leavers_not_in_touch_pct": spec(
        ["la_care_leavers_intouch.csv"], "percentage", ("age", AGE_19_21),
        ("in_touch", one_of("local authority not in touch with care leaver"))),
    "staying_put_18_pct": spec(["la_care_leavers_stayput.csv"], "percentage", ("age", one_of("aged 18")),
                               ("stay_put", matching("total living with former foster carers%"))),
    "ceased_adopted_pct": spec(CEASED, "percentage", REASON, ("characteristic", one_of("adopted"))),
    "ceased_sgo_pct": spec(CEASED, "percentage", REASON,
                           ("characteristic", matching("special guardianship order%"))),
    "ceased_returned_home_planned_pct": spec(CEASED, "percentage", REASON, ("characteristic", one_of(HOME))),
    "cla_net_placements": spec(["la_cla_on_31_march_la_of_placement_netgain.csv"], "number",
                               ("characteristic", one_of("net gain of children by responsible la"))),
    "cla_new_placements_out_of_area_20_miles_pct": spec(
        NEW_PLACEMENTS, "children_percent", ("characteristic", matching("location of new placements%")),
        ("breakdown", one_of("placed outside la boundary more than 20 miles from home"))),
    "cla_foster_pct": spec(CHARACTERISTICS, "percentage", ("cla_group", one_of("placement")),
                           ("characteristic", one_of("1. total foster placements"))),
    "cla_childrens_homes_pct": spec(CHARACTERISTICS, "percentage", ("cla_group", one_of("placement")),
                                    ("characteristic", one_of("4. total secure homes and children's homes"))),
    "cin_count": spec(["b1_children_in_need_*.csv"], "At31_episodes"),
    "cin_referrals": spec(REFERRALS, "referral_count|Referrals"),
    "cin_rereferral_pct": spec(REFERRALS[:1], "rereferral_percent"),
    "s47_count": spec(["c4_children_in_need_section_47s_and_icpcs_*.csv"], "Section47"),
    "cpp_count": spec(CPP_AT_31, "CPP_At31"),
    "cpp_subsequent_pct": spec(["d3_cpps_subsequent_plan_*.csv"], "CPP_subsequent_percent"),
    "sw_fte": spec(WORKFORCE, "inpost_fte|social_worker_fte"),
    "sw_agency_pct": spec(WORKFORCE, "agency_rate_fte|agency_worker_rate_fte_%"),
    "sw_turnover_pct": spec(WORKFORCE, "turnover_rate_fte|turnover_rate_fte_%"),
    "sw_vacancy_pct": spec(WORKFORCE, "vacancy_rate_fte|vacancy_rate_fte_%"),
    "sw_caseload": spec(WORKFORCE, "caseload_fte"),
    "cla_ks2_rwm_expected_pct": spec(["ks2_la.csv"], "pt_rwm_met_expected_standard",
                                     ("social_care_group", one_of("cla 12 months at 31 march")), final=True),
    "cla_ks4_attainment8": spec(["ks4_la.csv"], "avg_att8",
                                ("social_care_group", one_of("cla 12 months at 31 march")), final=True),
    "cla_ks4_basics_94_pct": spec(["ks4_la.csv"], "pt_l2basics_94",
                                  ("social_care_group", one_of("cla 12 months at 31 march")), final=True),
    "cino_ks4_basics_94_pct": spec(["ks4_la.csv"], "pt_l2basics_94",
                                   ("social_care_group", one_of("cino at 31 march")), final=True),
}
for _id, _group in (
        ("cla_missing_children", "children who had a missing incident during the year"),
        ("cla_missing_incidents", "number of missing incidents during the year"),
        ("cla_missing_pct", "percentage of children who had a missing incident during the year"),
        ("cla_missing_incidents_per_child",
         "average number of missing incidents per looked after child who went missing"),
        ("cla_away_children", "children who were away from placement without authorisation during the year"),
        ("cla_away_pct",
         "percentage of children who were away from placement without authorisation during the year")):
    SIMPLE[_id] = spec(MISSING, "number", ("CLA_group", one_of(_group)))


def with_history(files: Files, by_area: pd.DataFrame, pattern: str, per_release: bool = True) -> pd.DataFrame:
    """A national count before the by-area files begin, from the national time series."""
    series = [df[like(label(df, "population_count"), pattern)] for df in files.get("cla_time_series_*.csv")]
    hist = stack([figures(rows, rows["number"]) for rows in series])
    national = by_area[by_area["geographic_level"] == "National"]
    on = ["time_period", "release"] if per_release else ["time_period"]
    hist = hist[~hist.set_index(on).index.isin(national.set_index(on).index)]
    return stack([by_area, hist])


def cla_count(files: Files) -> pd.DataFrame:
    by_area = published(files.get(*CLA_RATE), "children_count|number",
                        population("children looked after%31 march%"))
    return with_history(files, by_area, "children looked after at 31 march", per_release=False)


def flows(kind: str):
    def run(files: Files) -> pd.DataFrame:
        by_area = published(files.get(*CLA_RATE), "children_count|number", population(f"children {kind}%"))
        return with_history(files, by_area, f"children {kind}%")
    return run


def adopted_count(files: Files) -> pd.DataFrame:
    by_area = published(files.get("la_children_who_ceased_during_the_year_sgo_adoption.csv"), "number",
                        ("cla_group", one_of("adopted")), ("characteristic", one_of("total")))
    return with_history(files, by_area, "%adopted%")


def cla_uasc_count(files: Files) -> pd.DataFrame:
    uasc = published(files.get("national_cla_on_31_march_who_were_unaccompanied_asylum_seeking_children.csv"),
                     "number", ("cla_group", one_of("age group")), ("characteristic", one_of("total")))
    return with_history(files, uasc, "%unaccompanied%")


def cla_ceasing_by_age(files: Files) -> pd.DataFrame:
    out = []
    for df in files.get(*CEASED):
        rows = df[label(df, "cla_group") == "age on ceasing"]
        out.append(figures(rows, rows["number"], breakdown=rows["characteristic"]))
    return stack(out)


def cla_over_20_miles_pct(files: Files) -> pd.DataFrame:
    out = []
    for df in files.get("national_cla_on_31_march_by_placement_distance_and_placement_locality.csv"):
        rows = df[label(df, "characteristic") == "2. over 20 miles"]
        group = rows["cla_group"].str.strip()
        total = group.mask(group.str.lower() == "all children", "Total")
        out.append(figures(rows, rows["percentage"], breakdown=total))
    return stack(out)


def new_placements_over_20_miles_pct(files: Files) -> pd.DataFrame:
    """Derived: new placements over 20 miles from home (inside or outside the LA) as a share of all."""
    parts = {"total new placements": "total",
             "placed inside la boundary more than 20 miles from home": "inside",
             "placed outside la boundary more than 20 miles from home": "outside"}
    geo = ["time_period", "geographic_level", "country_code", "region_code", "new_la_code"]
    out = []
    for df in files.get(*NEW_PLACEMENTS):
        rows = df[like(label(df, "characteristic"), "location of new placements%")]
        rows = rows.assign(_part=label(rows, "breakdown").map(parts)).dropna(subset=["_part"])
        wide = rows.set_index([*geo, "_part"])["children_count"].unstack()
        first = rows.drop_duplicates(geo).set_index(geo).join(wide).reset_index()
        first = first[first["total"].notna()]
        symbols = symbol(first["total"]).fillna(symbol(first["inside"])).fillna(symbol(first["outside"]))
        total = number(first["total"])
        over = number(first["inside"]) + number(first["outside"])
        value = (100.0 * over / total).where(symbols.isna() & (total > 0))
        status = symbols.mask(symbols.isna() & (total == 0), "z")
        out.append(figures(first, first["total"], value=value, status=status))
    return stack(out)


def rate_per_10k(patterns: list[str], count: str, rate: str):
    """The printed rate where a release prints one, else the count over the mid-year population before."""
    def run(files: Files) -> pd.DataFrame:
        counts = stack([figures(df, text(df, count)).assign(_rate=text(df, rate), _n=text(df, count))
                        for df in files.get(*patterns)])
        if counts.empty:
            return counts
        geo = ["time_period", "geographic_level", "area_code"]
        printed_rows = counts["_rate"].str.strip() != ""
        printed = counts[printed_rows].assign(value=lambda d: number(d["_rate"]),
                                              status=lambda d: symbol(d["_rate"]))
        rest = counts[~printed_rows & ~counts.set_index(geo).index.isin(printed.set_index(geo).index)]
        pop = stack([figures(df, df["population_estimate"]).assign(_pop=df["population_estimate"])
                     for df in files.get("ons_mid-year_population_estimates_*.csv")], [*FIGURES, "_pop"])
        pop = pop.sort_values(["vintage", "release"], ascending=False).drop_duplicates(geo)
        rest = rest.merge(pop.assign(time_period=pop["time_period"] + 1)[[*geo, "_pop"]], on=geo, how="left")
        n, p = number(rest["_n"]), number(rest["_pop"].fillna(""))
        value = (10000.0 * n / p).where(n.notna() & (p > 0))
        status = pd.Series(None, index=rest.index, dtype=object)
        status = status.mask(n.isna(), symbol(rest["_n"]).fillna("x"))
        status = status.mask(n.notna() & ~(p > 0), symbol(rest["_pop"].fillna("")).fillna("x"))
        return stack([printed, rest.assign(value=value, status=status)])
    return run


def outcome(topic: str, item: str):
    """CLA outcomes (convictions, SDQ, substance misuse): LA files and the 2024 release's national file."""
    def run(files: Files) -> pd.DataFrame:
        out = []
        for df in files.get("la_conviction_health_outcome_cla.csv"):
            grouped = "cla_group" in df.columns
            topics = label(df, "cla_group" if grouped else "characteristic")
            items = label(df, "characteristic" if grouped else "breakdown")
            rows = df[like(topics, f"%{topic}%") & like(items, item)]
            out.append(figures(rows, text(rows, "children_percent|percentage")))
        for df in files.get("national_conviction_health_outcomes_for_cla.csv"):
            numbered = df["characteristic"].str.strip()
            items = numbered.str.replace(r"^[0-9]+[a-z]*(\.[0-9a-z]+)*\.?\s+", "", regex=True).str.lower()
            totals = (label(df, "gender") == "total") & like(label(df, "age_group"), "total%")
            rows = df[totals & like(items, item)]
            out.append(figures(rows, rows["percentage"]))
        return stack(out)
    return run


SPECIAL = {
    "cla_count": cla_count,
    "cla_starting": flows("starting"),
    "cla_ceasing": flows("ceasing"),
    "adopted_count": adopted_count,
    "cla_uasc_count": cla_uasc_count,
    "cla_ceasing_by_age": cla_ceasing_by_age,
    "cla_over_20_miles_pct": cla_over_20_miles_pct,
    "cla_new_placements_over_20_miles_pct": new_placements_over_20_miles_pct,
    "cin_rate_per_10k": rate_per_10k(["b1_children_in_need_*.csv"], "At31_episodes", "At31_episodes_rate"),
    "cpp_rate_per_10k": rate_per_10k(CPP_AT_31, "CPP_At31", "CPP_At31_rate"),
    "cla_convicted_pct": outcome("convict", "convicted or subject to youth cautions%"),
    "cla_sdq_concern_pct": outcome("sdq", "sdq score is a cause for concern"),
    "cla_substance_misuse_pct": outcome("substance misuse",
                                        "identified as having a substance misuse problem"),
}
INDICATORS = sorted([*SIMPLE, *SPECIAL])


def compute(raw: Path, indicators: list[str] | None = None) -> pd.DataFrame:
    """Every indicator's figures, the latest release winning for each period, area and breakdown."""
    files = Files(raw)
    frames = []
    for ind in indicators or INDICATORS:
        if ind in SPECIAL:
            rows = SPECIAL[ind](files)
        else:
            s = SIMPLE[ind]
            found = files.get(*s.files)
            frames_in = [final_first(df) for df in found] if s.final_first else found
            rows = published(frames_in, s.value, *s.filters)
        frames.append(rows.assign(indicator_id=ind))
    allrows = stack(frames, [*FIGURES, "indicator_id"])
    latest = allrows.sort_values(["vintage", "release"], ascending=False, kind="stable").drop_duplicates(KEY)
    return latest[COLUMNS].sort_values(KEY, kind="stable").reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", type=Path, required=True, help="folder of the release files")
    ap.add_argument("--out", type=Path, required=True, help="CSV file to write")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    values = compute(args.raw)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    values.to_csv(args.out, index=False)
    took = time.perf_counter() - start
    print(f"{len(INDICATORS)} indicators, {len(values):,} values in {took:.1f} s → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
