"""Issue 13, part C: reports that say what they mean. Sources listed by name, one neighbour set (or the row
says which), one figure per quantity, the revisions `carestats diff` finds, units and one minus sign, and no
comparison claimed that the report cannot make. Small made-up warehouses render one area's HTML; the real
files are built once without reports (`build --no-reports`) and only Kent's report is rendered."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import polars as pl
import pytest
from pypdf import PdfReader
from test_la_reports import INDICATORS, LAS, REGION, ind, rows

from carestats.core.settings import Settings
from carestats.indicators.compute import SCHEMA
from carestats.reports import formatting
from carestats.reports.data import ReportData
from carestats.reports.local_authority import LAIndex, la_context
from carestats.reports.render import environment

KENT = ("E10000016", "Kent")


def html(data: ReportData, indicators: list, code: str, name: str, inputs: list[dict] | None = None) -> str:
    ctx = la_context(LAIndex(data, indicators), code, name, inputs or [], Settings())
    return environment().get_template("la.html.j2").render(**ctx)


AREAS = pl.DataFrame([{"code": c, "region_code": REGION[0], "predecessor_codes": [], "valid_from": None,
                       "note": None} for c, _ in LAS])


def comparisons_of(values: pl.DataFrame, indicators: list) -> pl.DataFrame:
    """The comparisons table the compute stage writes for these values, indicators and AREAS."""
    from carestats.indicators import compare
    from carestats.warehouse import areas as area_table
    from carestats.warehouse import db as warehouse

    con = warehouse.connect(None)
    try:
        warehouse.load_frame(con, "main", "indicator_values", values)
        full = pl.concat([pl.DataFrame(schema=area_table.SCHEMA), AREAS], how="diagonal_relaxed")
        warehouse.load_frame(con, "main", "areas", full.select(list(area_table.SCHEMA)).cast(area_table.SCHEMA))
        return compare.build_comparisons(con, indicators)
    finally:
        con.close()


def small(values: list[dict], revisions: pl.DataFrame | None = None, indicators: list | None = None) -> ReportData:
    frame = pl.DataFrame(values, schema=SCHEMA)
    return ReportData(values=frame, comparisons=comparisons_of(frame, indicators or INDICATORS), year=2025,
                      revisions=revisions if revisions is not None else pl.DataFrame(), areas=AREAS)


# ------------------------------------------------------------------------------------------- 1. sources


def test_the_sources_list_names_each_file_with_its_release_though_the_manifest_names_carry_folders() -> None:
    data = small(rows())
    inputs = [{"name": "demo/2025_release/rate.csv", "release": "demo-2025", "status": "loaded", "table": "x"},
              {"name": "demo\\2024_release\\rate.csv", "release": "demo-2024", "status": "loaded", "table": "x"},
              {"name": "demo/2025_release/unrelated.csv", "release": "demo-2025", "status": "loaded", "table": "y"},
              {"name": "demo/bad/cnt.csv", "release": "demo-2025", "status": "invalid", "table": "z",
               "reason": "bad"}]
    ctx = la_context(LAIndex(data, INDICATORS), *LAS[0], inputs, Settings())
    listed = [(f["file"], f["release"]) for f in ctx["method"]["inputs"]]
    assert ("rate.csv", "demo-2024") in listed and ("rate.csv", "demo-2025") in listed
    assert all(f != "unrelated.csv" for f, _ in listed) and all(f != "cnt.csv" for f, _ in listed)
    page = html(data, INDICATORS, *LAS[0], inputs)
    assert "<li>rate.csv (demo-2025)</li>" in page and "<li>rate.csv (demo-2024)</li>" in page


def test_a_source_file_with_a_year_in_its_name_and_a_staging_view_find_their_files() -> None:
    from carestats.reports.england import sources_of

    cla = ind("cla_count", "children_in_care", "count")
    cla = type(cla)(**{**cla.__dict__, "source_files": ("cla_time_series_1994_<year>.csv",),
                       "sources": ("stg_cla_number_and_rate",)})
    inputs = [{"name": "cla/2025/cla_time_series_1994_2025.csv", "release": "cla-2025", "status": "loaded",
               "table": "cla_time_series"},
              {"name": "cla/2025/cla_number_and_rate_per_10k_children.csv", "release": "cla-2025",
               "status": "loaded", "table": "cla_number_and_rate_per_10k_children"},
              {"name": "cla/2024/cla_number_and_rate_per_10k_children.csv", "release": "cla-2024",
               "status": "loaded", "table": "cla_number_and_rate_per_10k_children"},
              {"name": "cla/2022/cla_time_series_1994_2022.csv", "release": "cla-2022", "status": "loaded",
               "table": "cla_time_series_old"},  # an earlier layout, no figure shown from it
              {"name": "population/ons_mid-year_population_estimates_2012_to_2024.csv", "release": "population-2024",
               "status": "loaded", "table": "ons_mid_year_population_estimates"}]
    got = [(f["file"], f["release"]) for f in sources_of([cla], inputs, {"cla_count": {"cla-2025"}})]
    assert got == [("cla_number_and_rate_per_10k_children.csv", "cla-2025"), ("cla_time_series_1994_2025.csv", "cla-2025")]
    cla = type(cla)(**{**cla.__dict__, "sources": ("stg_cla_number_and_rate", "stg_population")})
    got = [(f["file"], f["release"]) for f in sources_of([cla], inputs, {"cla_count": {"cla-2025"}})]
    assert ("ons_mid-year_population_estimates_2012_to_2024.csv", "population-2024") in got  # reference data
    assert ("cla_time_series_1994_2022.csv", "cla-2022") not in got


# ---------------------------------------------------------------------------------- 2. neighbour sets


def with_neighbours(sets: dict[int, str]) -> ReportData:
    """Town 0's comparisons with a neighbours' median in each period, from the set `sets[period]`."""
    data = small(rows())
    comp = data.comparisons.with_columns(
        pl.when((pl.col("area_code") == LAS[0][0]) & (pl.col("indicator_id") == "rate"))
        .then(pl.col("time_period").replace_strict(sets, default=None)).otherwise(None).alias("sn_set"),
        pl.when((pl.col("area_code") == LAS[0][0]) & (pl.col("indicator_id") == "rate"))
        .then(pl.lit(50.0)).otherwise(None).alias("sn_median"))
    return ReportData(values=data.values, comparisons=comp, year=2025, revisions=data.revisions, areas=AREAS)


def test_a_row_from_another_neighbour_set_says_which_and_a_trend_line_marks_the_change() -> None:
    data = with_neighbours({2022: "2021", 2023: "2021", 2024: "2021", 2025: "2025"})
    ctx = la_context(LAIndex(data, INDICATORS), *LAS[0], [], Settings())
    assert ctx["neighbours"]["set"] == "2025"
    row = next(r for r in ctx["sections"][0]["rows"] if r["label"] == "Rate in care")
    assert row["neighbours"] == "50" and row["sn_set"] is None  # the named set: nothing to say
    group = ctx["trends"]["groups"][0]["rows"]
    by_name = {r["name"]: [c.text for c in r["cells"]] for r in group}
    assert ctx["trends"]["years"] == ["2022", "2023", "2024", "2025"]
    assert by_name["Neighbours' median"] == ["–", "–", "–", "50"]  # the named set's line: 2025 only
    assert by_name["Neighbours' median (2021 set)"] == ["50", "50", "50", "–"]
    legend = [k["label"] for k in ctx["trends"]["figure"].legend]
    assert "Neighbours' median" in legend and "Neighbours' median (2021 set)" in legend
    # a row of the report year from another set says so
    other = with_neighbours({2022: "2021", 2023: "2021", 2024: "2021", 2025: "2021"})
    ctx = la_context(LAIndex(other, INDICATORS), *LAS[0], [], Settings())
    assert ctx["neighbours"]["set"] == "2021"
    names = [r["name"] for r in ctx["trends"]["groups"][0]["rows"]]
    assert "Neighbours' median" in names and not any("set)" in n for n in names)


def test_a_row_whose_set_differs_from_the_named_one_is_labelled_in_the_page() -> None:
    data = small(rows())
    comp = data.comparisons.with_columns(
        pl.when(pl.col("area_code") == LAS[0][0]).then(
            pl.when(pl.col("indicator_id") == "rate").then(pl.lit("2021")).otherwise(pl.lit("2025")))
        .alias("sn_set"),
        pl.when(pl.col("area_code") == LAS[0][0]).then(pl.lit(50.0)).alias("sn_median"))
    data = ReportData(values=data.values, comparisons=comp, year=2025, areas=AREAS)
    page = html(data, INDICATORS, *LAS[0])
    assert '50 <span class="when">(2021 set)</span>' in page
    assert "the 2025 neighbour set unless the row names another" in page


def test_the_comparisons_use_the_set_the_report_names_for_every_period() -> None:
    from test_compare import by_area, groups, la, row, run
    from test_compare import ind as cind

    area_rows = [la("A", "101"), la("B", "102"), la("C", "103")]
    sn = groups("2021", None, 2024, {"101": ["102"]}) + groups("2025", 2025, None, {"101": ["103"]})
    values = [row("hi", p, c, v) for p in (2024, 2025) for c, v in (("A", 1.0), ("B", 0.0), ("C", 7.0))]
    df = run(values, area_rows, sn, [cind("hi")])
    assert [(by_area(df, "hi", p)["A"]["sn_set"], by_area(df, "hi", p)["A"]["sn_median"]) for p in (2024, 2025)] \
        == [("2025", 7.0), ("2025", 7.0)]  # the 2021 set would give 0 for 2024


# ---------------------------------------------------------------------------- 3. one figure a quantity


def test_one_quantity_published_twice_shows_the_latest_release_with_a_footnote() -> None:
    inds = [ind("cla_ceasing", "children_in_care", "count", polarity="none", title="Left care"),
            dataclasses.replace(ind("cla_ceasing_by_age", "leaving_care", "count", polarity="none",
                                    title="Ceased care, by age"), same_quantity_as="cla_ceasing")]
    code, name = LAS[0]
    values = []
    for i, p, v, rel in (("cla_ceasing", 2023, 1635.0, "cla-2024"), ("cla_ceasing", 2024, 2739.0, "cla-2025"),
                         ("cla_ceasing", 2025, 3311.0, "cla-2025"), ("cla_ceasing_by_age", 2023, 1635.0, "cla-2024"),
                         ("cla_ceasing_by_age", 2024, 2735.0, "cla-2024")):
        values.append({"indicator_id": i, "time_period": p, "geographic_level": "Local authority", "area_code": code,
                       "area_name": name, "breakdown": "Total", "value": v, "status": None, "numerator": None,
                       "denominator": None, "release": rel})
        values.append({**values[-1], "geographic_level": "National", "area_code": "E92000001", "area_name": "England",
                       "value": 80000.0})
    data = small(values, indicators=inds)
    ctx = la_context(LAIndex(data, inds), code, name, [], Settings())
    row = next(r for s in ctx["sections"] for r in s["rows"] if r["label"] == "Ceased care, by age")
    assert row["value"].text == "2,739" and row["change"] == "+1,104" and row["note"] == 1
    notes = next(s["notes"] for s in ctx["sections"] if s["id"] == "s-leaving_care")
    assert notes == [("2024: 2,739 as cla-2025 publishes it (Left care); cla-2024 gives 2,735 (Ceased care, by age). "
                      "The latest release's figure is shown.")]
    page = html(data, inds, code, name)
    assert "(note 1)" in page and "Note 1: 2024: 2,739 as cla-2025" in page and "2,735</td>" not in page


# -------------------------------------------------------------------------------------------- 4. revisions


def test_every_revision_of_the_area_is_listed_not_only_those_of_the_last_two_periods() -> None:
    revisions = pl.DataFrame([
        {"indicator_id": "rate", "time_period": p, "geographic_level": "Local authority", "area_code": LAS[0][0],
         "breakdown": "Total", "earlier_release": "demo-2023", "earlier_value": v0, "earlier_status": None,
         "release": "demo-2025", "value": v1, "status": None, "previous": True}
        for p, v0, v1 in ((2022, 41.0, 40.0), (2024, 41.0, 42.0), (2023, 41.04, 41.02))])
    data = small(rows(), revisions=revisions)
    ctx = la_context(LAIndex(data, INDICATORS), *LAS[0], [], Settings())
    assert ctx["method"]["revisions"] == [
        "Rate in care, 2022: 40 (demo-2025); earlier 41 (demo-2023).",
        "Rate in care, 2023: 41.02 (demo-2025); earlier 41.04 (demo-2023).",  # printed alike at 0 decimals
        "Rate in care, 2024: 42 (demo-2025); earlier 41 (demo-2023)."]


def test_the_revisions_query_finds_what_diff_finds() -> None:
    from carestats.pipeline import diff
    from carestats.reports import data as reportdata
    from carestats.warehouse import db as warehouse

    def v(i, p, code, value, release, status=None):  # type: ignore[no-untyped-def]
        return {"indicator_id": i, "time_period": p, "geographic_level": "Local authority", "area_code": code,
                "area_name": code, "breakdown": "Total", "value": value, "status": status, "numerator": None,
                "denominator": None, "release": release}

    vintages = pl.DataFrame([
        v("a", 2023, "X", 57.0, "cla-2023"), v("a", 2023, "X", 56.0, "cla-2024"), v("a", 2023, "X", 56.0, "cla-2025"),
        v("a", 2024, "X", 10.0, "cla-2024"), v("a", 2024, "X", 11.0, "cla-2025"),
        v("a", 2022, "X", 5.0, "cla-2022"), v("a", 2022, "X", 6.0, "cla-2023"), v("a", 2022, "X", 5.0, "cla-2025"),
        v("b", 2024, "X", None, "cla-2024", "c"), v("b", 2024, "X", 3.0, "cla-2025"),
        v("b", 2025, "Y", 4.0, "cla-2025")], schema=SCHEMA)
    expected = diff.within_folder(vintages).filter(pl.col("area_code") == "X")
    con = warehouse.connect(None)
    try:
        warehouse.load_frame(con, "main", "indicator_vintages", vintages)
        warehouse.load_frame(con, "main", "indicator_values", diff.latest(vintages))
        got = warehouse.query_pl(con, (reportdata.QUERIES / "revisions.sql").read_text(encoding="utf-8"))
    finally:
        con.close()
    key = ["indicator_id", "time_period", "area_code", "breakdown"]
    previous = got.filter(pl.col("previous"))
    assert sorted(previous.filter(pl.col("area_code") == "X").select(key).rows()) == sorted(expected.select(key).rows())
    # 2023: the release before the latest (cla-2024) agrees with it, so diff finds no revision
    assert sorted(previous.select("indicator_id", "time_period").rows()) == [("a", 2022), ("a", 2024), ("b", 2024)]
    # the England report still lists every earlier release's different figure: cla-2023's 57 for 2023
    assert sorted(got.select("indicator_id", "time_period", "earlier_release").rows()) == [
        ("a", 2022, "cla-2023"), ("a", 2023, "cla-2023"), ("a", 2024, "cla-2024"), ("b", 2024, "cla-2024")]


# ---------------------------------------------------------------------------------------- 5. form


def test_changes_carry_their_unit_and_the_one_minus_sign() -> None:
    assert formatting.fmt_change(50800, "£ thousands", 0) == "+£50,800k"
    assert formatting.fmt_change(-29693, "£", 0) == "−£29,693"
    assert formatting.fmt_change(-4, "count", 0) == "−4"
    assert formatting.fmt_change(2, "%", 0) == "+2 pp"
    assert formatting.fmt_change(3, "days", 0) == "+3 days"
    assert formatting.fmt_change(0.2, "count", 0) == "±0"
    assert formatting.fmt_value(-220, "count", 0) == "−220" and formatting.fmt_number(-1080.4) == "−1,080"
    assert formatting.fmt_value(-5, "£ thousands", 0) == "−£5k"
    assert "-" not in formatting.fmt_value(-0.4, "count", 0)


def test_short_words_never_wrap_and_no_hyphen_minus_reaches_a_table() -> None:
    values = [{**r, "value": -r["value"]} if r["indicator_id"] == "cnt" and r["value"] else r for r in rows()]
    page = html(small(values), INDICATORS, *LAS[2])
    # the trend word shares the change's cell (one box fewer a row), which never wraps
    assert re.search(r'<td class="num">[^<]*, (improving|worsening|no change)</td>', page)
    css = (Path(__file__).parents[1] / "templates" / "report.css").read_text(encoding="utf-8")
    assert "td.num { white-space: nowrap; }" in css
    assert '<td class="num v">−300</td>' in page and ">-300" not in page


# ------------------------------------------------------------------------------ 6. no claims without data


def test_no_neighbours_no_claim_and_no_region_no_column() -> None:
    data = small([r for r in rows() if r["geographic_level"] != "Regional"])
    data.areas = None
    ctx = la_context(LAIndex(data, INDICATORS), *LAS[0], [], Settings())
    assert ctx["compared"] == {"neighbours": False, "region": False}
    page = html(data, INDICATORS, *LAS[0])
    assert "statistical neighbours" not in page.split('id="method"')[0]
    assert "Neigh&shy;bours' median" not in page and '<th scope="col" class="num">Region</th>' not in page
    assert "beside\n  England." in page
    assert "beside its neighbours or a region." in ctx["neighbours"]["text"]
    with_region = html(small(rows()), INDICATORS, *LAS[0])
    assert '<th scope="col" class="num">Region</th>' in with_region
    assert "its region and England" in with_region and "Neigh&shy;bours' median" not in with_region


def test_with_neighbours_the_claim_and_column_are_there() -> None:
    data = with_neighbours({2022: "2025", 2023: "2025", 2024: "2025", 2025: "2025"})
    page = html(data, INDICATORS, *LAS[0])
    assert "beside\n  its statistical neighbours, its region and England." in page
    assert "Neigh&shy;bours' median" in page


# ------------------------------------------------------------------------------------- the real files


@pytest.mark.slow
def test_kents_report_on_the_real_files(full_build: Path) -> None:
    """Kent's report as the full build of the real files made it (tests/conftest.py), and its warehouse."""
    import duckdb

    from carestats.pipeline import diff

    pdf = next((full_build / "reports" / "la").glob("E10000016-*.pdf"))
    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    flat = " ".join(text.split())
    # 1. sources, by name and release
    assert "cla_number_and_rate_per_10k_children.csv (cla-2025)" in flat
    assert "sn_model_2025_wide.csv (sn-2025)" in flat
    # 2. the 2025 set for the 2024 rows: away without authorisation beside a median of 7, not 0
    assert "2,720 122 of 131 (D)" in flat and "73 +7, worsening 7 470" in flat
    # 3. one figure for children who ceased in 2024, with a footnote
    assert "Ceased care, by age (2024) (note 1) 2,739" in flat and "cla-2024 gives 2,735" in flat
    # 4. the revisions diff finds, Kent's 2023 rate among them
    assert "Rate in care per 10,000, 2023: 56 (cla-2025); earlier 57 (cla-2024)." in flat
    con = duckdb.connect(str(full_build / "carestats.duckdb"), read_only=True)
    try:
        vintages = con.sql("select * from indicator_vintages").pl().cast(SCHEMA)
    finally:
        con.close()
    found = diff.within_folder(vintages).filter(pl.col("area_code") == KENT[0])
    listed = text.split("Revisions", 1)[1].split("Sources", 1)[0]
    more = int(listed.split("… and ")[1].split(" more")[0]) if "… and " in listed else 0
    assert listed.count("(cla-") + listed.count("(outcomes-") + listed.count("(cin-") + listed.count("(workforce-") \
        >= 2 * min(found.height, 12)
    assert min(found.height, 12) + more == found.height
    # 5. units and one minus sign
    assert "+£50,800k" in flat and "−220" in flat and "-220" not in flat


@pytest.mark.slow
def test_a_build_from_one_file_claims_no_neighbours_and_says_how_few_measures_it_has(
        tmp_path: Path, raw_dir: Path) -> None:
    from carestats.core.progress import Reporter
    from carestats.pipeline.build import BuildOptions, render_only, run

    one = tmp_path / "raw" / "cla" / "2025_release"
    one.mkdir(parents=True)
    (one / "cla_number_and_rate_per_10k_children.csv").symlink_to(
        raw_dir / "cla" / "2025_release" / "cla_number_and_rate_per_10k_children.csv")
    out = tmp_path / "build"
    run(BuildOptions(raw=tmp_path / "raw", out=out, reports=False))
    render_only(out, Reporter(quiet=True), None, [KENT[0]], england=False)
    pdf = next((out / "reports" / "la").glob("E10000016-*.pdf"))
    flat = " ".join(" ".join(p.extract_text() for p in PdfReader(pdf).pages).split())
    assert "beside its region and England." in flat and "beside its statistical neighbours" not in flat
    assert "Neigh- bours' median" not in flat and "median of its statistical neighbours" not in flat
    from carestats.indicators.registry import load_indicators

    assert f"This build has figures for 5 of the {len(load_indicators())} measures carestats knows" in flat
    assert "cla_number_and_rate_per_10k_children.csv (cla-2025)" in flat
