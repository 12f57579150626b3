"""The England report's chapters: funnel plots where a proportion has a denominator (the councils outside
the 99.8% limits named), leaving care at 16 and 17 against 18, and the GCSE gap (or a plain statement of
the figure the files lack). The charts from fixed inputs against snapshots; the chapters of the real files
against the warehouse, read here on their own (not from the report's context)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from carestats.indicators.registry import Indicator, load_indicators
from carestats.reports import charts, narrative
from carestats.reports.formatting import fmt_period, fmt_value
from carestats.reports.render import environment
from test_chart_snapshots import assert_snapshot

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
                              x_label="Children looked after at 31 March")


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
    inds = {i.id: i for i in load_indicators()}
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
