"""Chart geometry and the SVG it becomes: honest axes, gaps for unpublished values, alt text, no colour alone."""

from __future__ import annotations

import re

from carestats.reports import charts
from carestats.reports.render import environment


def test_value_axis_includes_zero_and_percentages_run_to_100() -> None:
    assert charts.value_range([81770.0, 83530.0], "count")[0] == 0.0
    assert charts.value_range([62.0, 70.0], "%") == (0.0, 100.0)
    assert charts.value_range([10.0, 12.0], "%") == (0.0, 15.0)  # a round top tick, not 12.6
    assert charts.value_range([1806.0, 1956.0], "count") == (0.0, 2000.0)
    assert charts.value_range([0.4], "%") == (0.0, 0.6)
    lo, hi = charts.value_range([-5.0, 3.0], "count")
    assert lo <= -5 and hi >= 3 and (lo, hi) == (-5.0, 5.0)


def test_suppressed_value_is_a_gap_with_its_symbol_not_a_zero() -> None:
    c = charts.line_chart([charts.Series("Rutland", [(2023, 7.0, None), (2024, None, "c"), (2025, 9.0, None)])],
                          "t", "count", 0)
    s = c.series[0]
    assert [m["label"] for m in s["markers"]] == ["7", "9"]
    assert c.gaps == [{"x": c.gaps[0]["x"], "y": c.zero_y, "symbol": "c", "series": 0, "label": "Rutland"}]
    assert s["path"] == ""  # no line drawn across the gap (each run has one point)
    assert s["gap_d"]  # a hollow marker stands where the value would be
    assert "not published for 2024" in c.desc and "c in 2024" not in c.desc.split("(")[0]


def test_time_axis_is_spaced_by_year_and_a_missing_year_breaks_the_line() -> None:
    c = charts.line_chart([charts.Series("A", [(2019, 1.0, None), (2020, 2.0, None), (2023, 3.0, None)])],
                          "t", "count", 0)
    xs = [m["x"] for m in c.series[0]["markers"]]
    assert abs((xs[2] - xs[1]) - 3 * (xs[1] - xs[0])) < 0.2
    assert c.series[0]["path"].count("M") == 1 and c.series[0]["path"].count("L") == 1


def test_academic_years_label_the_axis() -> None:
    c = charts.line_chart([charts.Series("A", [(202324, 40.0, None), (202425, 41.0, None)])], "t", "%", 1)
    assert [label for _, label in c.x_ticks] == ["2023/24", "2024/25"]


def test_each_series_differs_by_more_than_colour() -> None:
    series = [charts.Series(str(i), [(2024, 1.0, None), (2025, 2.0, None)]) for i in range(4)]
    c = charts.line_chart(series, "t", "count", 0)
    styles = {(s["dash"], s["marker"]) for s in c.series}
    assert len(styles) == 4


def test_bar_chart_shows_symbols_without_bars() -> None:
    b = charts.bar_chart([("Good", 80.0, None), ("Inadequate", None, "c")], "t", "count", 0)
    assert b.bars[1]["gap"] and b.bars[1]["text"] == "c" and b.bars[1]["w"] == 0
    assert "Inadequate: c" in b.desc


def _row(polarity: str, value: float | None = 30.0, status: str | None = None) -> charts.SpineRow:
    return charts.SpineRow("Measure", value, status, 10.0, 20.0, 40.0, 50.0, 25.0, None, 35.0, polarity, "%", 0)


def test_spine_puts_better_on_the_right() -> None:
    low = charts.spine_chart([_row("lower_is_better", 12.0)], "t", "Kent").rows[0]
    high = charts.spine_chart([_row("higher_is_better", 12.0)], "t", "Kent").rows[0]
    area_low = next(m["x"] for m in low["marks"] if m["kind"] == "area")
    area_high = next(m["x"] for m in high["marks"] if m["kind"] == "area")
    assert area_low > area_high  # 12 is near the best end when lower is better
    assert low["ends"] == ("50%", "10%") and high["ends"] == ("10%", "50%")


def test_spine_marks_suppressed_area_by_symbol_only() -> None:
    c = charts.spine_chart([_row("higher_is_better", None, "c")], "t", "Rutland")
    row = c.rows[0]
    assert row["gap"] and row["text"] == "c"
    assert {m["kind"] for m in row["marks"]} == {"england", "neighbours"}
    assert "Rutland c" in c.desc and "from 10% to 50%" in c.desc


def test_rendered_svg_has_alt_text_and_selectable_text() -> None:
    env = environment()
    macros = env.get_template("_charts.html.j2").module
    line = charts.line_chart([charts.Series("England", [(2024, 83530.0, None), (2025, 81770.0, None)]),
                              charts.Series("Region", [(2024, None, "c"), (2025, 5.0, None)])],
                             "Children in care", "count", 0)
    html = str(macros.line_chart(line, "cla"))  # type: ignore[attr-defined]
    assert 'role="img"' in html and 'aria-labelledby="cla-t cla-d"' in html
    assert '<title id="cla-t">Children in care</title>' in html
    desc = re.search(r'<desc id="cla-d">(.*?)</desc>', html)
    assert desc and "81,770 in 2025" in desc.group(1)
    assert ">c</text>" in html  # the symbol is text, not a shape
    assert "Region</span>" in html  # a key names each line
    spine = charts.spine_chart([_row("higher_is_better")], "Children in care: where Kent sits", "Kent")
    html = str(macros.spine_chart(spine, "sp"))  # type: ignore[attr-defined]
    assert "<title id=\"sp-t\">" in html and "<desc id=\"sp-d\">Spine chart." in html


def test_multiples_share_one_key() -> None:
    a = charts.line_chart([charts.Series("Kent", [(2025, 1.0, None)], style=0),
                           charts.Series("England", [(2025, 2.0, None)], style=3)], "a", "count", 0, width=160)
    b = charts.line_chart([charts.Series("Kent", [(2025, 1.0, None)], style=0)], "b", "count", 0, width=160)
    m = charts.multiples([("A", a), ("B", b)], "both")
    assert [s["label"] for s in m.legend] == ["Kent", "England"]
    assert m.panels[1]["x"] > m.panels[0]["x"] and "A. Line chart." in m.desc


def test_dot_plot_puts_each_council_on_its_regions_row_and_names_the_extremes() -> None:
    groups = [("North East", [("Hartlepool", 120.0), ("Durham", 90.0)]),
              ("London", [("Camden", 40.0), ("Harrow", 29.0), ("Brent", 50.0)])]
    plot = charts.dot_plot(groups, "Rate in care", "rate per 10,000", 0, reference=("England", 67.0))
    assert [r["label"] for r in plot.rows] == ["North East", "London"] and plot.rows[1]["y"] > plot.rows[0]["y"]
    assert plot.rows[0]["d"].count("M") == 2 and plot.rows[1]["d"].count("M") == 3  # a dot per council
    assert [lab["text"] for lab in plot.labels] == ["Harrow 29", "Hartlepool 120"]
    assert plot.x_ticks[0][1] == "0"  # the value axis starts at zero
    assert plot.reference and plot.reference["label"] == "England 67"
    assert "from Harrow (29) to Hartlepool (120)" in plot.desc and "England 67 is marked" in plot.desc
    env = environment()
    html = str(env.get_template("_england_charts.html.j2").module.dot_plot(plot, "dp"))  # type: ignore[attr-defined]
    assert '<title id="dp-t">Rate in care</title>' in html and '<desc id="dp-d">Dot plot of 5 councils' in html
    assert ">Hartlepool 120</text>" in html and ">London</text>" in html
