"""The England report's chapters: funnel plots where a proportion has a denominator (the councils outside
the 99.8% limits named), leaving care at 16 and 17 against 18, and the GCSE gap (or a plain statement of
the figure the files lack). The charts from fixed inputs against snapshots; the chapters of the real files
against the warehouse, read here on their own (not from the report's context)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from test_chart_snapshots import assert_snapshot

from carestats.indicators.registry import Indicator, load_indicators
from carestats.reports import charts, narrative
from carestats.reports.formatting import fmt_period, fmt_value
from carestats.reports.render import environment

SNAPSHOTS = Path(__file__).parent / "snapshots" / "england_charts"


def _ind() -> Indicator:
    return {i.id: i for i in load_indicators()}["cla_3plus_placements_pct"]


def _row(name: str, n: float, value: float, p0: float = 10.0) -> dict:
    """Limits at n around p0 (the comparisons table's formula, worked out here only to make inputs)."""
    import math

    out = {"name": name, "denominator": n, "value": value}
    for key, z in (("95", 1.959964), ("998", 3.090232)):
        half = 100 * z * math.sqrt(p0 / 100 * (1 - p0 / 100) / n)
        out[f"funnel_{key}_low"], out[f"funnel_{key}_high"] = max(0.0, p0 - half), min(100.0, p0 + half)
    return out


ROWS = [_row("Aldport", 40, 30.0), _row("Bexford", 400, 10.5), _row("Carlow", 900, 2.0), _row("Dunmore", 150, 15.5),
        _row("Eastwick", 2000, 13.0), _row("Fenby", 60, 0.0), _row("Garth", 1200, 9.0),
        {"name": "Harrow Vale", "denominator": None, "value": 50.0, "funnel_95_low": None, "funnel_95_high": None,
         "funnel_998_low": None, "funnel_998_high": None}]


def _funnel() -> charts.FunnelPlot:
    return charts.funnel_plot(ROWS, 10.0, "Children with 3 or more placements: each council", "%", 0,
                              x_label="All children looked after at 31 March, including those placed for adoption or with parents")


def _outside_998(rows: list[dict]) -> dict[str, str]:
    out = {}
    for r in rows:
        if r["value"] is None or not r["denominator"]:
            continue
        if r["value"] > r["funnel_998_high"]:
            out[r["name"]] = "above"
        elif r["value"] < r["funnel_998_low"]:
            out[r["name"]] = "below"
    return out


def test_the_named_councils_are_exactly_those_outside_the_998_limits() -> None:
    chart = _funnel()
    named = {o["name"]: o["side"] for o in chart.outliers}
    assert named == _outside_998(ROWS) == {"Aldport": "above", "Carlow": "below", "Eastwick": "above"}
    # Dunmore (15.5% of 150) is outside the 95% limits only: drawn, not named
    assert "Dunmore" not in named and 15.5 > _row("Dunmore", 150, 15.5)["funnel_95_high"]
    key = [k["text"] for k in chart.key]
    assert key == ["▲ Above the 99.8% limits: 2", "Aldport 30%", "Eastwick 13%", "▼ Below the 99.8% limits: 1",
                   "Carlow 2%"]
    # a council without a denominator is not drawn (nowhere to put it), and is never drawn as a zero
    assert "Harrow Vale" not in chart.desc and chart.above_d.count("M") == 2 and chart.below_d.count("M") == 1
    assert chart.within_d.count("M") == 4  # Bexford, Dunmore, Fenby, Garth
    assert "England's 10%" in chart.desc and "7 councils" in chart.desc


def test_the_limits_are_the_comparisons_columns_not_recomputed() -> None:
    """A limit moved in the input moves the curve and which councils are named."""
    moved = [dict(r) for r in ROWS]
    moved[0]["funnel_998_high"] = 35.0  # Aldport's 30% now within its (made-up) limit
    chart = charts.funnel_plot(moved, 10.0, "t", "%", 0)
    assert {o["name"] for o in chart.outliers} == {"Carlow", "Eastwick"}
    assert chart.limits != _funnel().limits
    assert [lim["kind"] for lim in chart.limits] == ["95% limits"] * 2 + ["99.8% limits"] * 2


def test_each_council_is_placed_against_both_limits_as_the_plot_marks_it() -> None:
    """The words the web edition's table gives each council: the plot's triangles are exactly the councils
    said to be above or below the 99.8% limits; Dunmore and Fenby (0%, on its 99.8% floor) lie outside the 95%
    limits only."""
    said = {r["name"]: charts.funnel_position(r) for r in ROWS}
    assert said == {"Aldport": "above the 99.8% limit", "Bexford": "within the limits",
                    "Carlow": "below the 99.8% limit", "Dunmore": "above the 95% limit",
                    "Eastwick": "above the 99.8% limit", "Fenby": "below the 95% limit",
                    "Garth": "within the limits", "Harrow Vale": None}
    marked = {o["name"]: f"{o['side']} the 99.8% limit" for o in _funnel().outliers}
    assert marked == {name: words for name, words in said.items() if words and words.endswith("99.8% limit")}
    on_limit = dict(_row("Edge", 400, 0.0), value=_row("Edge", 400, 0.0)["funnel_95_high"])
    assert charts.funnel_position(on_limit) == "within the limits"  # a figure on a limit is within it
    assert charts.funnel_position(dict(on_limit, value=None)) is None


def test_funnel_plot_matches_its_snapshot_and_is_drawn_the_same_twice() -> None:
    macros = environment().get_template("_england_charts.html.j2").module
    drawn = str(macros.funnel_plot(_funnel(), "snap-funnel"))
    assert drawn == str(macros.funnel_plot(_funnel(), "snap-funnel"))
    assert '<title id="snap-funnel-t">' in drawn and '<desc id="snap-funnel-d">' in drawn
    assert_snapshot("funnel_plot.html", drawn, SNAPSHOTS)


def test_funnel_sentence_names_the_councils_outside_the_limits() -> None:
    ind = _ind()
    assert narrative.funnel_sentence(ind, 2025, [], [], 150, 10.0) == (
        f"{ind.short_title}, 2025: of the 150 councils with a published figure and denominator, none lies "
        "outside the 99.8% limits around England's 10%.")
    few = narrative.funnel_sentence(ind, 2025, [("Eastwick", 12.0), ("Aldport", 30.0)], [("Carlow", 2.0)], 7, 10.0)
    assert few.endswith("2 lie above the 99.8% limits around England's 10% (Aldport 30% and Eastwick 12%) and "
                        "1 below (Carlow 2%).")
    many = narrative.funnel_sentence(ind, 2025, [(f"Council {n}", 20.0 + n) for n in range(5)],
                                     [("Lowtown", 1.0), ("Midtown", 3.0)], 150, 10.0)
    assert ("5 lie above the 99.8% limits around England's 10% (the highest: Council 4 24%, Council 3 23% and "
            "Council 2 22%) and 2 below (Lowtown 1% and Midtown 3%); the funnel plot's key names them all.") in many
    one = narrative.funnel_sentence(ind, 2025, [("Aldport", 30.0)], [], 150, 10.0)
    assert "1 lies above the 99.8% limits around England's 10% (Aldport 30%) and none below." in one


# ------------------------------------------------------------------------------------------ the real files

@pytest.fixture(scope="module")
def chapters(real_build: Path) -> dict[str, dict]:
    from carestats.reports import data as report_data
    from carestats.reports.england import england_context

    inds = load_indicators()
    ctx = england_context(report_data.load(real_build / "carestats.duckdb", inds), inds, [])
    return {c["id"]: c for c in ctx["chapters"]}


@pytest.fixture(scope="module")
def comparisons(real_build: Path) -> pl.DataFrame:
    from carestats.warehouse import db as warehouse

    con = warehouse.connect(real_build / "carestats.duckdb", read_only=True)
    try:
        return warehouse.query_pl(con, "select * from comparisons where geographic_level = 'Local authority' "
                                       "and breakdown = 'Total'")
    finally:
        con.close()


@pytest.mark.slow
def test_every_proportion_with_limits_is_a_funnel_and_names_those_outside_its_998_limits(
        chapters: dict[str, dict], comparisons: pl.DataFrame, real_values: pl.DataFrame) -> None:
    kinds = {cid: c["spread"]["kind"] for cid, c in chapters.items() if c["spread"]}
    # a rate per 10,000 and a caseload have no funnel limits: their councils stay a dot plot by region
    assert kinds["in-care"] == "dots" and kinds["councils"] == "dots"
    assert {k for k, v in kinds.items() if v == "funnel"} >= {"stability", "missing", "leaving", "routes-out"}
    for cid, c in chapters.items():
        spread = c["spread"]
        if not spread or spread["kind"] != "funnel":
            continue
        ind = spread["ind"]
        rows = comparisons.filter(pl.col("indicator_id") == ind.id)
        period = max(rows.filter(pl.col("value").is_not_null())["time_period"].to_list())
        assert fmt_period(period) == spread["period"]
        now = rows.filter((pl.col("time_period") == period) & pl.col("value").is_not_null()
                          & (pl.col("denominator") > 0) & pl.col("funnel_998_low").is_not_null())
        above = {r["area_name"] for r in now.iter_rows(named=True) if r["value"] > r["funnel_998_high"]}
        below = {r["area_name"] for r in now.iter_rows(named=True) if r["value"] < r["funnel_998_low"]}
        chart = spread["chart"]
        assert {o["name"] for o in chart.outliers if o["side"] == "above"} == above, cid
        assert {o["name"] for o in chart.outliers if o["side"] == "below"} == below, cid
        assert {k["text"] for k in chart.key if not k["heading"]} >= {
            f"{r['area_name']} {fmt_value(r['value'], ind.unit, ind.decimals)}"
            for r in now.iter_rows(named=True) if r["area_name"] in above | below}
        # the narrative's sentence: its counts, England's figure from indicator_values, the furthest named
        england = real_values.filter((pl.col("indicator_id") == ind.id) & (pl.col("geographic_level") == "National")
                                     & (pl.col("breakdown") == "Total") & (pl.col("time_period") == period))
        text = next(line for line in c["narrative"] if "99.8% limits" in line)
        assert f"of the {now.height:,} councils with a published figure and denominator" in text, cid
        assert f"England's {fmt_value(england['value'][0], ind.unit, ind.decimals)}" in text, cid
        if above:
            top = now.filter(pl.col("area_name").is_in(list(above))).sort(["value", "area_name"],
                                                                       descending=[True, False]).row(0, named=True)
            assert f"{len(above):,} lie" in text and f"{top['area_name']} {fmt_value(top['value'], '%', ind.decimals)}" \
                in text, cid
        if not above and not below:
            assert "none lies outside the 99.8% limits" in text


def test_leaving_age_sentence_sums_the_published_figures_and_names_a_symbol() -> None:
    text = narrative.leaving_age_sentence(2024, (2080.0, 1940.0, 13080.0), (2020, (1340.0, 1460.0, 10370.0)))
    assert text.startswith("4,020 young people left care aged 16 or 17 in the year to 31 March 2024 (2,080 at 16 "
                           "and 1,940 at 17), 24% of the 17,100 who left aged 16 or over; 13,080 left at 18 or "
                           "over; in the year to 31 March 2020, 2,800 (21%) left at 16 or 17.")
    hidden = narrative.leaving_age_sentence(2024, (None, 1940.0, 13080.0), None, ["c", None, None])
    assert "the figure at 16 is" in hidden and "(c)" in hidden and "no share is given" in hidden
    assert " 0 " not in hidden and "%" not in hidden


def test_gap_sentence_on_the_printed_figures() -> None:
    ind = {i.id: i for i in load_indicators()}["cla_ks4_basics_94_pct"]
    mine = [(201617, 17.26, None), (202324, 18.0, None), (202425, 17.4, None)]
    theirs = [(201617, 19.2, None), (202324, None, "x"), (202425, 18.1, None)]
    assert narrative.gap_sentence(ind, mine, theirs, "children in need") == (
        f"{ind.short_title}, 2024/25: 17.4% of children in care against 18.1% of children in need, 0.7 percentage "
        "points lower; in 2016/17, 17.3% against 19.2%, 1.9 percentage points lower.")
    assert "no year in the files" in narrative.gap_sentence(ind, mine[:1], theirs[1:2], "children in need")


@pytest.mark.slow
def test_leaving_care_at_16_and_17_against_18_equals_indicator_values(chapters: dict[str, dict],
                                                                      real_values: pl.DataFrame) -> None:
    rows = real_values.filter((pl.col("indicator_id") == "cla_ceasing_by_age")
                              & (pl.col("geographic_level") == "National"))
    latest = rows["time_period"].max()
    at = {(r["breakdown"], r["time_period"]): r["value"] for r in rows.iter_rows(named=True)}
    n16, n17, n18 = (at[(b, latest)] for b in ("16 years", "17 years", "18 years and over"))
    leaving = chapters["leaving"]
    assert "at 16 and 17 or at 18" in leaving["question"]
    line = leaving["narrative"][0]
    share = fmt_value(100 * (n16 + n17) / (n16 + n17 + n18), "%", 0)
    assert line.startswith(f"{n16 + n17:,.0f} young people left care aged 16 or 17 in the year to 31 March "
                           f"{latest} ({n16:,.0f} at 16 and {n17:,.0f} at 17), {share} of the "
                           f"{n16 + n17 + n18:,.0f} who left aged 16 or over; {n18:,.0f} left at 18 or over")
    first = rows["time_period"].min()
    f16, f17, f18 = (at[(b, first)] for b in ("16 years", "17 years", "18 years and over"))
    assert f"in the year to 31 March {first}, {f16 + f17:,.0f} (" in line
    ages = leaving["ages"]
    assert ages["periods"][-1] == fmt_period(latest) and [r["name"] for r in ages["rows"]] == ["16", "17", "18 or over"]
    assert [c.text for c in ages["rows"][2]["cells"]] == [
        fmt_value(at.get(("18 years and over", p)), "count", 0) for p in sorted(rows["time_period"].unique())]
    # staying put, work and education, and suitable housing are in the chapter too, from their indicators
    assert {i.id for i in leaving["indicators"]} >= {"staying_put_18_pct", "care_leavers_19_21_eet_pct",
                                                     "care_leavers_19_21_suitable_accommodation_pct"}


@pytest.mark.slow
def test_the_gcse_gap_equals_indicator_values_and_says_what_the_files_lack(
        chapters: dict[str, dict], real_values: pl.DataFrame, real_build: Path) -> None:
    from carestats.reports.england import GCSE_GAP_MISSING
    from carestats.warehouse import db as warehouse

    nat = real_values.filter((pl.col("geographic_level") == "National") & (pl.col("breakdown") == "Total"))
    cla = {r["time_period"]: r["value"] for r in nat.filter(pl.col("indicator_id") == "cla_ks4_basics_94_pct")
           .iter_rows(named=True)}
    cin = {r["time_period"]: r["value"] for r in nat.filter(pl.col("indicator_id") == "cino_ks4_basics_94_pct")
           .iter_rows(named=True)}
    both = sorted(p for p in cla.keys() & cin.keys() if cla[p] is not None and cin[p] is not None)
    p = both[-1]
    gap = round(abs(cla[p] - cin[p]), 1)
    line = next(x for x in chapters["education"]["narrative"] if "of children in need" in x)
    assert (f"{fmt_period(p)}: {cla[p]:.1f}% of children in care against {cin[p]:.1f}% of children in need, "
            f"{gap:.1f} percentage points {'lower' if cla[p] < cin[p] else 'higher'}") in line
    assert chapters["education"]["gap"]["missing"] == GCSE_GAP_MISSING
    assert "no figure for all pupils" in GCSE_GAP_MISSING and "Key stage 4 performance" in GCSE_GAP_MISSING
    # the statement holds only while the KS4 files have no all-pupils group: a file that adds one fails here
    con = warehouse.connect(real_build / "carestats.duckdb", read_only=True)
    try:
        groups = {r[0] for r in con.execute("select distinct cohort_label from staging.stg_ks4").fetchall()}
    finally:
        con.close()
    assert groups == {"CINO at 31 March", "CLA 12 months at 31 March", "CPPO at 31 March"}


def test_a_long_axis_title_wraps_onto_two_lines_within_the_plot() -> None:
    chart = _funnel()
    assert len(chart.x_lines) == 2 and " ".join(chart.x_lines) == (
        "All children looked after at 31 March, including those placed for adoption or with parents")
    assert all(len(line) * 3.3 <= chart.plot_w for line in chart.x_lines)


# ------------------------------------------------------------------------------------ the hex cartogram

def _cells() -> list[dict]:
    """Seven councils: five figures (one of them 0), a suppressed one, one without a row; two share a hexagon."""
    out = []
    for n, (q, r, value, status) in enumerate([(0, 0, 10.0, None), (1, 0, 0.0, None), (0, 1, 30.0, None),
                                               (1, 1, None, "c"), (2, 0, 50.0, None), (2, 1, 20.0, None),
                                               (2, 1, None, None)]):
        shared = (q, r) == (2, 1)
        out.append({"code": f"E0600000{n}", "name": f"Council {n}", "q": q, "r": r,
                    "part": 1 if (shared and value is None) else 0, "parts": 2 if shared else 1,
                    "value": value, "status": status})
    return out


def _hexmap() -> charts.HexMap:
    return charts.hex_map(_cells(), "Rate in care per 10,000: each council", "rate per 10,000", 0,
                          "Hex layout: Open Innovations, github.com/odileeds/hexmaps (MIT)")


def test_a_symbol_is_grey_with_its_letter_and_a_zero_is_a_colour() -> None:
    chart = _hexmap()
    assert [m["text"] for m in chart.unpublished["marks"]] == ["c", "–"]  # row by row, west to east
    assert chart.unpublished["colour"] not in {g["colour"] for g in chart.groups}
    assert sum(g["n"] for g in chart.groups) == 5 and chart.unpublished["n"] == 2
    lightest = chart.groups[0]
    assert lightest["values"][0] == 0.0 and lightest["colour"] == charts.HEX_RAMP[0]  # 0 is a figure, not grey
    marks = {k["mark"]: k["label"] for k in chart.key if k["mark"]}
    assert marks == {"c": "c: suppressed to protect confidentiality (1)", "–": "–: no figure in the files (1)"}
    assert "Council 3 (c)" in chart.desc and "Council 6 (–)" in chart.desc


def test_hex_groups_are_quantiles_of_the_printed_figures() -> None:
    assert charts.hex_breaks([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0) == [2.0, 4.0, 6.0, 8.0]
    # 2.4 and 2.45 both print as 2: never in different groups
    assert charts.hex_breaks([2.4, 2.45, 2.6], 0, groups=2) == [2.0]
    assert charts.hex_breaks([5.0, 5.0, 5.0], 0) == []


def test_a_shared_hexagon_is_split_into_slices_that_make_it_whole() -> None:
    def area(d: str) -> float:
        pts = [tuple(map(float, p.split(","))) for p in d[1:-1].split("L")]
        return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]))) / 2

    whole, cx, _ = charts.hex_cell(3, 2, 10.0, 5)
    west, wx, _ = charts.hex_cell(3, 2, 10.0, 5, 0, 2)
    east, ex, _ = charts.hex_cell(3, 2, 10.0, 5, 1, 2)
    assert area(west) + area(east) == pytest.approx(area(whole), abs=0.5) and wx < cx < ex
    # odd rows are pushed half a hexagon east; rows grow northwards (drawn higher up)
    _, x_even, y_low = charts.hex_cell(3, 2, 10.0, 5)
    _, x_odd, y_high = charts.hex_cell(3, 3, 10.0, 5)
    assert x_odd - x_even == pytest.approx(10.0 * 3 ** 0.5 / 2) and y_high < y_low


def test_hex_map_matches_its_snapshot() -> None:
    macros = environment().get_template("_england_charts.html.j2").module
    drawn = str(macros.hex_map(_hexmap(), "snap-hexmap"))
    assert drawn == str(macros.hex_map(_hexmap(), "snap-hexmap"))
    assert '<title id="snap-hexmap-t">' in drawn and "odileeds/hexmaps (MIT)" in drawn
    assert_snapshot("hex_map.html", drawn, SNAPSHOTS)


def test_the_layout_file_names_its_source_licence_and_attribution() -> None:
    from carestats.reports.england import HEXES, hex_layout

    layout = hex_layout()
    assert layout["licence"] == "MIT" and "odileeds/hexmaps" in layout["attribution"]
    assert "553f97c131d5648fe3f48281539e2e2f39a156aa" in layout["source"] and layout["layout"] == "odd-r"
    text = HEXES.read_text(encoding="utf-8")
    assert "Copyright (c) 2017- Open Innovations" in text and "Permission is hereby granted" in text
    places = list(layout["hexes"].values())
    assert len(places) == len({tuple(p) for p in places}) == 151  # one council a hexagon, as published


@pytest.mark.slow
def test_every_council_of_the_build_has_its_own_hexagon(real_build: Path, chapters: dict[str, dict]) -> None:
    from carestats.reports import data as report_data
    from carestats.reports.england import council_hexes, hex_layout

    data = report_data.load(real_build / "carestats.duckdb", load_indicators())
    councils = report_data.local_authorities(data.values, data.year, data.areas)
    assert len(councils) >= 150
    places = council_hexes(councils, data.areas)
    assert set(places) == {code for code, _ in councils}
    assert len({p[:3] for p in places.values()}) == len(places)  # no two councils on one hexagon or slice
    # a split hexagon is shared by exactly the councils that replaced the one the layout has
    successors = {r["code"]: set(r["successor_codes"] or []) for r in data.areas.iter_rows(named=True)}
    for old, new in hex_layout()["splits"].items():
        assert set(new) == successors[old] and set(new) <= set(places)
        assert sorted(places[c][2] for c in new) == list(range(len(new)))
    # on the map: a council's own symbol in grey; a council whose code changed keeps its figure
    hexmap = chapters["in-care"]["hexmap"]
    assert hexmap["missing"] == [] and hexmap["ind"].id == "cla_rate_per_10k"
    rates = data.values.filter((pl.col("indicator_id") == "cla_rate_per_10k") & (pl.col("geographic_level") ==
                                                                                 "Local authority")
                               & (pl.col("time_period") == 2025) & pl.col("status").is_not_null())
    grey = {m["text"] for m in hexmap["chart"].unpublished["marks"]}
    assert set(rates["status"].to_list()) <= grey and "–" not in grey
    assert hexmap["chart"].unpublished["n"] == sum(1 for code, _ in councils if code in set(rates["area_code"]))
