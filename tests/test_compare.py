"""The comparisons table: ranks, bands, neighbours, trends, intervals and verdicts, on small frames; and the
acceptance checks of issue 4 on the real files."""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carestats.indicators import compare, compute
from carestats.indicators.intervals import Z95, Z998, funnel, gamma_quantile, poisson_exact, wilson
from carestats.indicators.registry import Indicator
from carestats.ingest import neighbours
from carestats.warehouse import areas
from carestats.warehouse import db as warehouse

# ---- intervals against published reference values ------------------------------------------------------


def test_wilson_matches_known_intervals() -> None:
    assert wilson(0.5, 100) == pytest.approx((0.40383, 0.59617), abs=1e-5)
    assert wilson(0.0, 10) == pytest.approx((0.0, 0.27753), abs=1e-5)
    assert wilson(0.0, 10)[0] == 0.0
    assert wilson(0.1, 10) == pytest.approx((0.01788, 0.40415), abs=1e-5)
    assert wilson(1.0, 20) == pytest.approx((0.83887, 1.0), abs=1e-5)
    with pytest.raises(ValueError):
        wilson(0.5, 0)


def test_exact_poisson_matches_the_chi_square_tables() -> None:
    assert poisson_exact(0) == pytest.approx((0.0, 3.68888), abs=1e-5)
    assert poisson_exact(1) == pytest.approx((0.02532, 5.57164), abs=1e-5)
    assert poisson_exact(5) == pytest.approx((1.62349, 11.66833), abs=1e-5)
    assert poisson_exact(10) == pytest.approx((4.79539, 18.39036), abs=1e-5)
    assert poisson_exact(100) == pytest.approx((81.36399, 121.62679), abs=1e-4)
    assert gamma_quantile(0.5, 1.0) == pytest.approx(math.log(2), rel=1e-12)  # exponential median


@given(st.floats(min_value=0, max_value=200_000, allow_nan=False))
def test_an_exact_poisson_interval_holds_its_count(count: float) -> None:
    low, high = poisson_exact(count)
    assert 0 <= low <= count < high


@given(st.floats(min_value=0.001, max_value=0.999), st.floats(min_value=0.001, max_value=0.999),
       st.integers(min_value=1, max_value=100_000))
def test_outside_the_funnel_exactly_when_the_wilson_interval_excludes_the_target(p: float, p0: float,
                                                                                  n: int) -> None:
    low, high = wilson(p, n)
    f_low, f_high = funnel(p0, n, Z95)
    margin = 1e-9
    if p0 < low - margin or p0 > high + margin:
        assert p < f_low + margin or p > f_high - margin
    if low + margin < p0 < high - margin:
        assert f_low - margin <= p <= f_high + margin


def test_an_exact_poisson_interval_of_a_tiny_count_starts_at_the_smallest_doubles() -> None:
    low, high = poisson_exact(0.005)  # the density at the lower end is beyond the largest double
    assert 0 <= low < 1e-300 and high == pytest.approx(3.69939, abs=1e-4)


def test_funnel_limits_widen_with_the_confidence_level() -> None:
    assert funnel(0.4, 1000, Z95) == pytest.approx((0.369636, 0.430364), abs=1e-6)
    assert funnel(0.4, 1000, Z998) == pytest.approx((0.352127, 0.447873), abs=1e-6)


# ---- the column forms give the scalar forms' doubles ---------------------------------------------------


def _bits(values: list) -> list[str]:  # type: ignore[type-arg]
    """Each double as its shortest repr: equal only when the bits are (0.0 and -0.0 differ)."""
    return [repr(v) for v in values]


@settings(deadline=None)  # timed by the machine's load, not by the code
@given(st.lists(st.tuples(st.floats(min_value=0, max_value=100), st.floats(min_value=1e-3, max_value=1e7)),
                min_size=1, max_size=60))
def test_the_column_forms_of_wilson_and_funnel_give_the_same_doubles(rows: list[tuple[float, float]]) -> None:
    from carestats.indicators.intervals import divided, funnel_exprs, wilson_exprs

    df = pl.DataFrame({"v": [r[0] for r in rows], "n": [r[1] for r in rows]})
    share = divided(pl.col("v"), 100, df.height)
    w_low, w_high = wilson_exprs(share, pl.col("n"))
    f_low, f_high = funnel_exprs(share, pl.col("n"), Z998)
    got = df.select(share.alias("p"), w_low.alias("wl"), w_high.alias("wh"), f_low.alias("fl"), f_high.alias("fh"))
    assert _bits(got["p"].to_list()) == _bits([v / 100 for v, _ in rows])
    assert _bits(got["wl"].to_list()) == _bits([wilson(v / 100, n)[0] for v, n in rows])
    assert _bits(got["wh"].to_list()) == _bits([wilson(v / 100, n)[1] for v, n in rows])
    assert _bits(got["fl"].to_list()) == _bits([funnel(v / 100, n, Z998)[0] for v, n in rows])
    assert _bits(got["fh"].to_list()) == _bits([funnel(v / 100, n, Z998)[1] for v, n in rows])


def _judged_one_by_one(r: dict) -> dict:  # type: ignore[type-arg]
    """The rules of compare.judge written out for one row, with the scalar interval functions."""
    unit, value, num, den, england = r["unit"], r["value"], r["numerator"], r["denominator"], r["england_value"]
    national = r["geographic_level"] == "National"
    ci = None
    if value is not None and num is not None and den is not None and den > 0:
        if unit == compare.PROPORTION and 0 <= value <= 100:
            low, high = wilson(value / 100, den)
            ci = (100 * low, 100 * high, "wilson")
        elif unit == compare.RATE and value >= 0:
            per = den / 10_000
            low, high = poisson_exact(value * per)
            ci = (low / per, high / per, "poisson exact")
    difference, verdict = None, "not compared"
    if ci is not None and england is not None and not national:
        difference = "higher" if england < ci[0] else "lower" if england > ci[1] else "similar"
        if r["polarity"] != "none":
            verdict = "similar" if difference == "similar" else \
                "better" if (difference == "higher") == (r["polarity"] == "higher_is_better") else "worse"
    limits: tuple = (None,) * 4  # type: ignore[type-arg]
    if unit == compare.PROPORTION and england is not None and 0 <= england <= 100 and den is not None and den > 0 \
            and not national:
        limits = tuple(100 * x for z in (Z95, Z998) for x in funnel(england / 100, den, z))
    return dict(zip(compare.JUDGED, (*(ci or (None,) * 3), difference, verdict,
                                     verdict == "worse" and r["trend"] == "worsening", *limits)))


maybe = st.none() | st.floats(min_value=-5, max_value=120_000)
# A denominator is a count: none, zero or below (kept out by the rules), or from 1e-3 up as in the interval test
# above. Below about 1e-154 its square is 0.0: the next test holds the two forms equal there too.
denominators = st.none() | st.floats(min_value=-5, max_value=0) | st.floats(min_value=1e-3, max_value=120_000)
judge_rows = st.fixed_dictionaries({
    "unit": st.sampled_from(["%", "rate per 10,000", "count", None]),
    "polarity": st.sampled_from(["higher_is_better", "lower_is_better", "none", None]),
    "geographic_level": st.sampled_from(["National", "Regional", "Local authority", None]),
    "value": maybe | st.sampled_from([0.0, -0.0, 100.0, 50.0]), "numerator": maybe,
    "denominator": denominators | st.sampled_from([0.0, 1.0, 38.0]), "england_value": maybe | st.sampled_from([0.0, 64.0]),
    "trend": st.sampled_from(["worsening", "improving", "no change", None])})


@settings(deadline=None)
@given(st.lists(judge_rows, min_size=1, max_size=40))
def test_judging_whole_columns_gives_what_the_rules_give_row_by_row(rows: list[dict]) -> None:  # type: ignore[type-arg]
    schema = {k: compare.SCHEMA[k] for k in ("unit", "polarity", "geographic_level", "value", "numerator",
                                             "denominator", "england_value", "trend")}
    got = compare.judge(pl.DataFrame(rows, schema=schema), rows=7).select(compare.JUDGED).to_dicts()
    for g, r in zip(got, rows):
        want = _judged_one_by_one(r)
        assert {k: repr(v) for k, v in g.items()} == {k: repr(v) for k, v in want.items()}, r


def test_the_scalar_wilson_of_a_denominator_whose_square_is_zero_is_its_column_form() -> None:
    from carestats.indicators.intervals import divided, wilson_exprs

    n = 1.9016719024333375e-179
    df = pl.DataFrame({"v": [0.0], "n": [n]})
    low, high = wilson_exprs(divided(pl.col("v"), 100, 1), pl.col("n"))
    assert df.select(low.alias("low"), high.alias("high")).row(0) == (0.0, 1.0)
    assert wilson(0.0, n) == (0.0, 1.0)


def test_a_figure_that_is_not_a_number_counts_as_missing() -> None:
    nan = float("nan")
    base = pl.DataFrame({"unit": ["%", "%", "rate per 10,000"], "polarity": ["higher_is_better"] * 3,
                         "geographic_level": ["Local authority"] * 3, "value": [50.0, nan, nan],
                         "numerator": [5.0, 5.0, 5.0], "denominator": [10.0, 10.0, 10.0],
                         "england_value": [nan, 40.0, 40.0], "trend": ["worsening"] * 3})
    got = compare.judge(base).to_dicts()
    assert got[0]["ci_method"] == "wilson" and got[0]["vs_england"] == "not compared"
    assert got[0]["funnel_95_low"] is None
    assert [g["ci_method"] for g in got[1:]] == [None, None]
    assert got[1]["funnel_95_low"] is not None


# ---- the comparisons query on a small warehouse --------------------------------------------------------


def ind(id_: str, unit: str = "%", polarity: str = "higher_is_better") -> Indicator:
    return Indicator(id=id_, title=id_, theme="children_in_care", unit=unit, polarity=polarity, decimals=0,
                     definition="", numerator="", denominator="", sources=(), source_files=(), method="published",
                     method_note="", headline=False, order=1, path=Path(f"{id_}.sql"), sql="select 1")


def row(indicator: str, period: int, code: str, value: float | None, status: str | None = None,
        num: float | None = None, den: float | None = None, level: str = "Local authority",
        release: str = "cla-2025", breakdown: str = "Total") -> dict:
    return {"indicator_id": indicator, "time_period": period, "geographic_level": level, "area_code": code,
            "area_name": code, "breakdown": breakdown, "value": value, "status": status, "numerator": num,
            "denominator": den, "release": release}


def la(code: str, number: str, region: str = "E12000001") -> dict:
    return {"code": code, "name": code, "level": "Local authority", "region_code": region, "old_la_code": number,
            "valid_from": None, "valid_to": None, "predecessor_codes": [], "successor_codes": [], "note": None}


def groups(sn_set: str, first: int | None, last: int | None, members: dict[str, list[str]]) -> list[dict]:
    return [{"sn_set": sn_set, "set_year": int(sn_set), "applies_from_year": first, "applies_to_year": last,
             "area_old_code": a, "area_code": None, "area_name": None, "neighbour_rank": k,
             "neighbour_old_code": n, "neighbour_code": None, "neighbour_name": None, "closeness": None}
            for a, ns in members.items() for k, n in enumerate(ns, start=1)]


def run(values: list[dict], area_rows: list[dict], sn_rows: list[dict], indicators: list[Indicator],  # type: ignore[no-untyped-def]
        neighbour_set: str = "auto"):
    con = warehouse.connect(None)
    try:
        warehouse.load_table(con, "main", "indicator_values", pl.DataFrame(values, schema=compute.SCHEMA).to_arrow())
        warehouse.load_table(con, "main", "areas", pl.DataFrame(area_rows, schema=areas.SCHEMA).to_arrow())
        warehouse.load_table(con, "ref", "statistical_neighbours",
                             pl.DataFrame(sn_rows, schema=neighbours.SCHEMA).to_arrow())
        df = compare.build_comparisons(con, indicators, neighbour_set)
        assert con.execute("select count(*) from comparisons").fetchone() == (df.height,)
    finally:
        con.close()
    return df


def by_area(df: pl.DataFrame, indicator: str, period: int) -> dict[str, dict]:
    return {r["area_code"]: r for r in df.filter((pl.col("indicator_id") == indicator)
                                                 & (pl.col("time_period") == period)).iter_rows(named=True)}


def test_ranks_follow_polarity_ties_share_the_lowest_rank_and_suppressed_values_are_not_ranked() -> None:
    codes = ["A", "B", "C", "D", "E"]
    values = [10, 20, 20, 30, None]
    rows = [row(i, 2025, c, v, None if v is not None else "c")
            for i in ("hi", "lo", "none") for c, v in zip(codes, values)]
    df = run(rows, [la(c, str(100 + k)) for k, c in enumerate(codes)], [],
             [ind("hi"), ind("lo", polarity="lower_is_better"), ind("none", polarity="none")])
    ranks = {i: {c: r["rank"] for c, r in by_area(df, i, 2025).items()} for i in ("hi", "lo", "none")}
    assert ranks["hi"] == {"A": 4, "B": 2, "C": 2, "D": 1, "E": None}
    assert ranks["lo"] == {"A": 1, "B": 2, "C": 2, "D": 4, "E": None}
    assert set(ranks["none"].values()) == {None}
    assert set(df["rank_of"]) == {4}
    assert df.height == len(rows)


def test_quartile_bands_put_the_best_quarter_in_a_and_need_a_spread() -> None:
    codes = [f"L{k}" for k in range(1, 9)]
    rows = [row(i, 2025, c, float(k)) for i in ("hi", "lo", "none") for k, c in enumerate(codes, start=1)]
    flat = [5, 5, 5, 5, 9]
    rows += [row("hi", 2024, c, float(v)) for c, v in zip(codes, flat)]  # middle half all 5: too small
    rows += [row("hi", 2023, c, float(v)) for c, v in zip(codes, [1, 2, 3])]  # too few councils
    df = run(rows, [la(c, str(200 + k)) for k, c in enumerate(codes)], [],
             [ind("hi"), ind("lo", polarity="lower_is_better"), ind("none", polarity="none")])
    bands = {i: [by_area(df, i, 2025)[c]["quartile_band"] for c in codes] for i in ("hi", "lo", "none")}
    assert bands["lo"] == ["A", "A", "B", "B", "C", "C", "D", "D"]
    assert bands["hi"] == ["D", "D", "C", "C", "B", "B", "A", "A"]
    assert bands["none"] == [None] * 8
    first = by_area(df, "hi", 2025)["L1"]
    assert (first["la_q1"], first["la_median"], first["la_q3"]) == (2.75, 4.5, 6.25)
    assert {r["quartile_band"] for r in by_area(df, "hi", 2024).values()} == {None}
    assert {r["quartile_band"] for r in by_area(df, "hi", 2023).values()} == {None}


def test_neighbour_mean_and_median_use_the_neighbours_with_a_value_in_the_newest_set() -> None:
    area_rows = [la("A", "101"), la("B", "102"), la("C", "103"), la("D", "104"), la("F", "106"),
                 la("N", "107")]
    sn = (groups("2021", None, 2024, {"101": ["102", "103"], "102": ["101"]})
          + groups("2025", 2025, None, {"101": ["102", "103", "106", "104", "999"], "107": ["101", "102"]}))
    rows = []
    for period in (2024, 2025, 202425):
        rows += [row("hi", period, "A", 1.0), row("hi", period, "B", 10.0), row("hi", period, "C", 30.0),
                 row("hi", period, "F", 35.0), row("hi", period, "D", None, "c"), row("hi", period, "N", 2.0)]
    df = run(rows, area_rows, sn, [ind("hi")])
    a25 = by_area(df, "hi", 2025)["A"]
    assert (a25["sn_set"], a25["sn_count"], a25["sn_mean"], a25["sn_median"]) == ("2025", 3, 25.0, 30.0)
    assert by_area(df, "hi", 202425)["A"]["sn_set"] == "2025"  # academic 2024/25 ends in 2025
    # issue 13: every period is set beside the newest set that has the council (the one its report names),
    # so its 2024 figure is not set beside the 2021 set's neighbours while its 2025 figure is beside 2025's
    a24 = by_area(df, "hi", 2024)["A"]
    assert (a24["sn_set"], a24["sn_count"], a24["sn_mean"], a24["sn_median"]) == ("2025", 3, 25.0, 30.0)
    # a council only in the 2021 set keeps it for every period
    b25 = by_area(df, "hi", 2025)["B"]
    assert (b25["sn_set"], b25["sn_count"], b25["sn_mean"]) == ("2021", 1, 1.0)
    # a council created after the 2021 set was drawn up takes its 2025 neighbours for 2024
    n24 = by_area(df, "hi", 2024)["N"]
    assert (n24["sn_set"], n24["sn_count"], n24["sn_mean"]) == ("2025", 2, 5.5)
    # a council in no set has no neighbour figures
    assert by_area(df, "hi", 2025)["F"]["sn_set"] is None


def test_a_chosen_neighbour_set_applies_to_every_period() -> None:
    area_rows = [la("A", "101"), la("B", "102"), la("C", "103"), la("N", "107")]
    sn = (groups("2021", None, 2024, {"101": ["102"]})
          + groups("2025", 2025, None, {"101": ["102", "103"], "107": ["101"]}))
    rows = [row("hi", p, c, v) for p in (2024, 2025) for c, v in (("A", 1.0), ("B", 10.0), ("C", 30.0), ("N", 2.0))]
    auto = run(rows, area_rows, sn, [ind("hi")])
    assert by_area(auto, "hi", 2025)["A"]["sn_set"] == "2025"
    old = run(rows, area_rows, sn, [ind("hi")], neighbour_set="2021")
    a25 = by_area(old, "hi", 2025)["A"]
    assert (a25["sn_set"], a25["sn_count"], a25["sn_mean"]) == ("2021", 1, 10.0)
    assert by_area(old, "hi", 2025)["N"]["sn_set"] == "2025"  # not in the 2021 set: the nearest that has it
    new = run(rows, area_rows, sn, [ind("hi")], neighbour_set="2025")
    a24 = by_area(new, "hi", 2024)["A"]
    assert (a24["sn_set"], a24["sn_count"], a24["sn_mean"]) == ("2025", 2, 20.0)


def test_a_series_continues_through_a_code_change_but_not_a_reorganisation() -> None:
    area_rows = [la("E10000023", "815"), la("E06000065", "815"), la("E10000006", "909"), la("E06000063", "942")]
    rows = [row("hi", 2023, "E10000023", 50.0, release="cla-2024"),
            row("hi", 2023, "E06000065", 51.0, release="cla-2025"),  # the later release's restated figure
            row("hi", 2024, "E06000065", 55.0),
            row("hi", 2023, "E10000006", 40.0), row("hi", 2024, "E06000063", 42.0),
            row("lo", 202324, "E06000065", 50.0), row("lo", 202425, "E06000065", 53.0)]
    df = run(rows, area_rows, [], [ind("hi"), ind("lo", polarity="lower_is_better")])
    ny = by_area(df, "hi", 2024)["E06000065"]
    assert (ny["change_1y"], ny["trend"]) == (4.0, "improving")
    assert by_area(df, "hi", 2024)["E06000063"]["change_1y"] is None  # Cumberland's series starts in 2024
    y2023 = by_area(df, "hi", 2023)
    assert y2023["E06000065"]["rank_of"] == 2 and y2023["E10000023"]["rank"] is None  # one figure per council
    lo = by_area(df, "lo", 202425)["E06000065"]
    assert (lo["change_1y"], lo["trend"]) == (3.0, "worsening")


def test_verdicts_against_england_intervals_funnels_and_the_worse_and_worsening_flag() -> None:
    rows = [row("pct", p, "E92000001", 40.0, num=4000, den=10000, level="National") for p in (2024, 2025)]
    rows += [row("pct", 2025, "E12000001", 45.0, level="Regional"),
             row("pct", 2024, "P", 50.0, num=500, den=1000), row("pct", 2025, "P", 60.0, num=600, den=1000),
             row("pct", 2025, "Q", 41.0, num=41, den=100), row("pct", 2025, "S", None, "c", den=8),
             row("pct", 2025, "T", 20.0, num=200, den=1000)]
    area_rows = [la(c, str(300 + k)) for k, c in enumerate("PQST")]
    df = run(rows, area_rows, [], [ind("pct", polarity="lower_is_better")])
    got = by_area(df, "pct", 2025)
    p = got["P"]
    assert (p["england_value"], p["region_code"], p["region_value"]) == (40.0, "E12000001", 45.0)
    assert (p["ci_low"], p["ci_high"]) == pytest.approx((56.9309, 62.9925), abs=1e-4)
    assert (p["ci_method"], p["england_difference"], p["vs_england"], p["trend"]) == (
        "wilson", "higher", "worse", "worsening")
    assert p["worse_and_worsening"] is True
    assert (p["funnel_95_low"], p["funnel_95_high"]) == pytest.approx((36.9636, 43.0364), abs=1e-4)
    assert (p["funnel_998_low"], p["funnel_998_high"]) == pytest.approx((35.2127, 44.7873), abs=1e-4)
    assert (got["Q"]["vs_england"], got["Q"]["worse_and_worsening"]) == ("similar", False)
    assert (got["T"]["vs_england"], got["T"]["england_difference"]) == ("better", "lower")
    s = got["S"]  # suppressed: no interval at all (not a zero-width one), no verdict, but funnel limits
    assert (s["ci_low"], s["ci_high"], s["ci_method"], s["vs_england"]) == (None, None, None, "not compared")
    assert s["funnel_95_low"] is not None
    assert got["E92000001"]["vs_england"] == "not compared"
    region = got["E12000001"]  # 45% of an unknown number: no interval, so no verdict
    assert (region["ci_low"], region["vs_england"]) == (None, "not compared")
    assert {got[c]["rank_of"] for c in "PQST"} == {3}


def test_rates_get_an_exact_poisson_interval_and_no_polarity_means_no_verdict() -> None:
    rows = [row("rate", 2025, "E92000001", 67.0, num=81770, den=12183016, level="National"),
            row("rate", 2025, "A", 100.0, num=500, den=50000), row("rate", 2025, "B", 0.0, num=0, den=20000),
            row("cnt", 2025, "A", 500.0, num=500)]
    df = run(rows, [la("A", "101"), la("B", "102")], [],
             [ind("rate", unit="rate per 10,000", polarity="none"), ind("cnt", unit="count", polarity="none")])
    a = by_area(df, "rate", 2025)["A"]
    low, high = poisson_exact(500)
    assert (a["ci_low"], a["ci_high"]) == pytest.approx((low / 5, high / 5))
    assert (a["ci_method"], a["england_difference"], a["vs_england"]) == ("poisson exact", "higher", "not compared")
    b = by_area(df, "rate", 2025)["B"]
    assert b["ci_low"] == 0 and b["ci_high"] == pytest.approx(3.68888 / 2, abs=1e-5)
    assert a["funnel_95_low"] is None  # funnel limits are for proportions
    assert by_area(df, "cnt", 2025)["A"]["ci_low"] is None  # no interval for a count


def two_councils(con, values: pl.DataFrame) -> None:  # type: ignore[no-untyped-def]
    """indicator_values from `values`, councils A (101) and B (102), and no neighbour sets."""
    warehouse.load_table(con, "main", "indicator_values", values.to_arrow())
    warehouse.load_table(con, "main", "areas", pl.DataFrame([la("A", "101"), la("B", "102")],
                                                            schema=areas.SCHEMA).to_arrow())
    warehouse.load_table(con, "ref", "statistical_neighbours", pl.DataFrame(schema=neighbours.SCHEMA).to_arrow())


def test_the_exact_intervals_are_worked_out_while_the_query_runs_for_every_rate_figure(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import threading

    from carestats.indicators import intervals

    rows = [row("rate", 2025, "E92000001", 67.0, num=81770, den=12183016, level="National"),
            row("rate", 2025, "A", 103.7, num=519, den=50046), row("rate", 2025, "B", 0.0, num=0, den=20000),
            row("rate", 2024, "B", None, "c", den=20000), row("pct", 2025, "A", 41.0, num=41, den=100)]
    indicators = [ind("rate", unit="rate per 10,000"), ind("pct")]
    values = pl.DataFrame(rows, schema=compute.SCHEMA)
    counts = compare.exact_counts(values, indicators)
    assert sorted(counts) == sorted([67.0 * (12183016 / 10_000), 103.7 * (50046 / 10_000), 0.0])
    workers: list[str] = []
    work_out = compare._work_out
    monkeypatch.setattr(compare, "_work_out", lambda c: (workers.append(threading.current_thread().name),
                                                         work_out(c)))
    intervals.gamma_quantile.cache_clear()
    con = warehouse.connect(None)
    try:
        two_councils(con, values)
        compare.write_comparisons(con, indicators, values=values)
        ahead = intervals.gamma_quantile.cache_info().misses
        assert workers == ["carestats-poisson"] and ahead == 5  # the low end of a count of 0 is 0
        judged = warehouse.read_frame(con, "main", "comparisons")
    finally:
        con.close()
    assert intervals.gamma_quantile.cache_info().misses == ahead  # judging found every one worked out
    a = judged.filter(pl.col("area_code") == "A", pl.col("indicator_id") == "rate").row(0, named=True)
    low, high = poisson_exact(103.7 * (50046 / 10_000))
    assert (a["ci_low"], a["ci_high"]) == (low / (50046 / 10_000), high / (50046 / 10_000))


def test_london_boroughs_fall_back_to_london_when_the_sub_region_has_no_figure() -> None:
    area_rows = [la("E09000001", "201", region="E13000001"),
                 {**la("E13000001", ""), "level": "Regional", "region_code": "E12000007", "old_la_code": None}]
    rows = [row("hi", 2025, "E12000007", 70.0, level="Regional"), row("hi", 2025, "E09000001", 60.0),
            row("lo", 2025, "E12000007", 70.0, level="Regional"), row("lo", 2025, "E13000001", 65.0,
                                                                      level="Regional"),
            row("lo", 2025, "E09000001", 60.0)]
    df = run(rows, area_rows, [], [ind("hi"), ind("lo", polarity="lower_is_better")])
    hi, lo = by_area(df, "hi", 2025)["E09000001"], by_area(df, "lo", 2025)["E09000001"]
    assert (hi["region_code"], hi["region_value"]) == ("E12000007", 70.0)
    assert (lo["region_code"], lo["region_value"]) == ("E13000001", 65.0)


# ---- acceptance on the real published files ------------------------------------------------------------


@pytest.fixture(scope="module")
def real(real_build: Path) -> dict[str, pl.DataFrame]:
    con = warehouse.connect(real_build / "carestats.duckdb", read_only=True)
    try:
        return {t: warehouse.query_pl(con, f"select * from {t}") for t in
                ("comparisons", "indicator_values", "areas", "ref.statistical_neighbours")}
    finally:
        con.close()


@pytest.mark.slow
def test_real_comparisons_are_exported_with_one_row_per_value(real_build: Path, real) -> None:  # type: ignore[no-untyped-def]
    cmp = pl.read_parquet(real_build / "indicators" / "comparisons.parquet")
    assert (real_build / "indicators" / "comparisons.csv").stat().st_size > 0
    assert cmp.height == real["indicator_values"].height == real["comparisons"].height
    assert cmp.select(compute.KEY).is_duplicated().sum() == 0
    for col in ("indicator_id", "time_period", "area_code", "breakdown", "value", "status", "england_value",
                "region_code", "region_value", "sn_set", "sn_mean", "sn_median", "sn_count", "rank", "rank_of",
                "quartile_band", "change_1y", "trend", "ci_low", "ci_high", "vs_england", "worse_and_worsening"):
        assert col in cmp.columns


@pytest.mark.slow
def test_real_neighbour_mean_and_median_in_the_latest_year(real) -> None:  # type: ignore[no-untyped-def]
    cmp, values = real["comparisons"], real["indicator_values"]
    number = dict(real["areas"].select("code", "old_la_code").iter_rows())
    groups_ = {}
    for s, area, nb in real["ref.statistical_neighbours"].select(
            "sn_set", "area_old_code", "neighbour_old_code").iter_rows():
        groups_.setdefault((s, area), []).append(nb)
    la_values = values.filter((pl.col("geographic_level") == "Local authority") & pl.col("value").is_not_null())
    published: dict[tuple, dict[str, float]] = {}
    for i, t, b, code, v in la_values.select("indicator_id", "time_period", "breakdown", "area_code",
                                             "value").iter_rows():
        published.setdefault((i, t, b), {})[number[code]] = v
    checked = 0
    for ind_id, latest in values.group_by("indicator_id").agg(pl.col("time_period").max()).iter_rows():
        rows = cmp.filter((pl.col("indicator_id") == ind_id) & (pl.col("time_period") == latest)
                          & (pl.col("geographic_level") == "Local authority") & pl.col("sn_set").is_not_null())
        for r in rows.iter_rows(named=True):
            primary = "2025"  # issue 13: the newest set that has the council, for every period
            if (primary, number[r["area_code"]]) in groups_:
                assert r["sn_set"] == primary, (ind_id, r["area_code"])
            pool = published.get((ind_id, latest, r["breakdown"]), {})
            got = [pool[n] for n in groups_[(r["sn_set"], number[r["area_code"]])] if n in pool]
            assert r["sn_count"] == len(got), (ind_id, r["area_code"])
            if got:
                assert r["sn_mean"] == pytest.approx(statistics.fmean(got), rel=1e-12)
                assert r["sn_median"] == pytest.approx(statistics.median(got), rel=1e-12)
            else:
                assert r["sn_mean"] is None and r["sn_median"] is None
            checked += 1
    assert checked > 5000


@pytest.mark.slow
def test_real_ranks_follow_polarity(real) -> None:  # type: ignore[no-untyped-def]
    ranked = real["comparisons"].filter(pl.col("rank").is_not_null())
    assert set(ranked["polarity"]) == {"higher_is_better", "lower_is_better"}
    for (_i, _t, _b, polarity), g in ranked.group_by("indicator_id", "time_period", "breakdown", "polarity"):
        vals = g["value"].to_list()
        for v, r in zip(vals, g["rank"].to_list()):
            better = sum(1 for u in vals if (u > v if polarity == "higher_is_better" else u < v))
            assert r == better + 1
        assert (g["rank_of"] == g.height).all()


@pytest.mark.slow
def test_real_intervals_contain_the_value_are_never_negative_and_empty_when_suppressed(real) -> None:  # type: ignore[no-untyped-def]
    cmp = real["comparisons"]
    with_ci = cmp.filter(pl.col("ci_low").is_not_null())
    assert with_ci.height > 10000
    assert with_ci.filter((pl.col("ci_low") > pl.col("value")) | (pl.col("ci_high") < pl.col("value"))).height == 0
    assert with_ci.filter(pl.col("ci_low") < 0).height == 0
    assert with_ci.filter(pl.col("ci_low") >= pl.col("ci_high")).height == 0  # never zero-width
    assert cmp.filter(pl.col("status").is_not_null() & (pl.col("ci_low").is_not_null()
                                                         | pl.col("ci_high").is_not_null())).height == 0
    assert cmp.filter(pl.col("ci_high").is_null() != pl.col("ci_low").is_null()).height == 0


@pytest.mark.slow
def test_real_no_local_authority_in_the_inputs_is_missing(real) -> None:  # type: ignore[no-untyped-def]
    in_files = set(real["areas"].filter(pl.col("level") == "Local authority")["code"])
    assert len(in_files) > 150
    assert in_files - set(real["comparisons"]["area_code"]) == set()
    latest = real["comparisons"].filter((pl.col("indicator_id") == "cla_rate_per_10k") & (pl.col("time_period") == 2025)
                                        & (pl.col("geographic_level") == "Local authority"))
    # the councils created in 2021 and 2023 are compared with their own 2025 neighbours
    for code in ("E06000061", "E06000062", "E06000063", "E06000064"):
        r = latest.filter(pl.col("area_code") == code).row(0, named=True)
        assert r["sn_set"] == "2025" and r["sn_count"] == 10


@pytest.mark.parametrize("in_memory", [True, False])
def test_the_table_is_handed_beside_while_stored_when_made_in_memory(monkeypatch, in_memory: bool) -> None:  # type: ignore[no-untyped-def]
    """The build writes the comparisons' CSV and Parquet files from the table it is handed: the table ordered
    in memory, on a thread of its own while the warehouse stores it, or, when the rows went through the
    temporary table, the stored table read back."""
    import threading

    rows = [row("hi", 2025, "A", 50.0), row("hi", 2025, "B", 60.0), row("hi", 2024, "A", 40.0)]
    values = pl.DataFrame(rows, schema=compute.SCHEMA)
    if not in_memory:
        monkeypatch.setattr(compare, "IN_MEMORY_ROWS", 0)
    handed: list[tuple[str, pl.DataFrame]] = []
    con = warehouse.connect(None)
    try:
        two_councils(con, values)
        n = compare.write_comparisons(con, [ind("hi")], values=values,
                                      beside=lambda t: handed.append((threading.current_thread().name, t)))
        stored = warehouse.read_frame(con, "main", "comparisons")
    finally:
        con.close()
    assert n == stored.height == 3
    assert [name for name, _ in handed] == (["carestats-comparisons_0"] if in_memory
                                            else [threading.current_thread().name])
    assert handed[0][1].equals(stored)
