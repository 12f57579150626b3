"""Local authority reports (and the England report) on a small made-up warehouse: every case a report meets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from pypdf import PdfReader

from carestats.core import periods
from carestats.core.settings import Settings
from carestats.indicators.compute import SCHEMA
from carestats.indicators.registry import Indicator
from carestats.reports.data import ReportData, local_authorities
from carestats.reports.england import england_context
from carestats.reports.local_authority import LAIndex, la_context
from carestats.reports.render import RenderJob, render_reports

REGION = ("E12000008", "South East")
LAS = [(f"E06000{100 + i}", f"Town {i}") for i in range(10)]
SMALL, NEW, OLD = ("E06000901", "Smallton"), ("E06000999", "Newshire"), ("E10000999", "Oldshire")


def ind(id: str, theme: str, unit: str, polarity: str = "lower_is_better", decimals: int = 0,
        headline: bool = False, title: str | None = None) -> Indicator:
    return Indicator(id=id, title=title or id.replace("_", " ").capitalize(), theme=theme, unit=unit,
                     polarity=polarity, decimals=decimals, definition=f"Definition of {id}.", numerator="n",
                     denominator="d", sources=(), source_files=(f"{id}.csv",), method="published", method_note="",
                     headline=headline, order=1, path=Path(f"{id}.sql"), sql="", short_title=title or id)


INDICATORS = [
    ind("rate", "children_in_care", "rate per 10,000", headline=True, title="Rate in care"),
    ind("cnt", "children_in_care", "count", polarity="none", title="Children in care"),
    ind("ks", "education", "%", polarity="higher_is_better", title="Attainment"),
    ind("natonly", "workforce", "count", polarity="none", title="Social workers"),
    ind("ilacs_overall_effectiveness", "inspection", "grade", title="Ofsted overall effectiveness"),
]


def rows() -> list[dict]:
    out = []

    def add(i: str, p: int, level: str, code: str, name: str, v: float | None, st: str | None = None) -> None:
        out.append({"indicator_id": i, "time_period": p, "geographic_level": level, "area_code": code,
                    "area_name": name, "breakdown": "Total", "value": v, "status": st, "numerator": None,
                    "denominator": None, "release": f"demo-{2025 if p in (2025, 202425) else 2024}"})

    for p in (2022, 2023, 2024, 2025):
        add("rate", p, "National", "E92000001", "England", 70.0 - (p - 2022))
        add("rate", p, "Regional", REGION[0], REGION[1], 60.0)
        add("cnt", p, "National", "E92000001", "England", 80000.0 + p)
        add("natonly", p, "National", "E92000001", "England", 30000.0 + 10 * (p - 2022))
        for k, (code, name) in enumerate(LAS):
            add("rate", p, "Local authority", code, name, 40.0 + 5 * k + (p - 2022))
            add("cnt", p, "Local authority", code, name, 100.0 * (k + 1))
        add("rate", p, "Local authority", *SMALL, None, "c")
        add("cnt", p, "Local authority", *SMALL, None, "c")
        old = (75.0, None) if p < 2024 else (None, "z")
        add("rate", p, "Local authority", *OLD, *old)
    add("rate", 2025, "Local authority", *NEW, 61.0)
    for p in (202324, 202425):
        add("ks", p, "National", "E92000001", "England", 20.0 if p == 202324 else 22.0)
        for k, (code, name) in enumerate(LAS):
            add("ks", p, "Local authority", code, name, 10.0 + k)
    for p, grade in ((2023, 3.0), (2024, 2.0), (2025, 2.0)):
        for k, (code, name) in enumerate(LAS):
            add("ilacs_overall_effectiveness", p, "Local authority", code, name, grade if k == 0 else 1.0 + k % 4)
    return out


def compared(values: pl.DataFrame, areas: pl.DataFrame | None = None) -> pl.DataFrame:
    """The comparisons table as the compute stage writes it from these values (and areas): what the reports read."""
    from carestats.indicators import compare
    from carestats.warehouse import areas as area_table
    from carestats.warehouse import db as warehouse

    con = warehouse.connect(None)
    try:
        warehouse.load_frame(con, "main", "indicator_values", values)
        if areas is not None:
            full = pl.concat([pl.DataFrame(schema=area_table.SCHEMA), areas], how="diagonal_relaxed")
            warehouse.load_frame(con, "main", "areas", full.select(list(area_table.SCHEMA)).cast(area_table.SCHEMA))
        return compare.build_comparisons(con, INDICATORS)
    finally:
        con.close()


@pytest.fixture(scope="module")
def data() -> ReportData:
    values = pl.DataFrame(rows(), schema=SCHEMA)
    areas = pl.DataFrame([
        {"code": c, "region_code": REGION[0], "predecessor_codes": [], "valid_from": None, "note": None}
        for c, _ in [*LAS, SMALL]] + [
        {"code": NEW[0], "region_code": REGION[0], "predecessor_codes": [OLD[0]], "valid_from": dt.date(2024, 4, 1),
         "note": "Newshire replaced Oldshire on 1 April 2024."}])
    revisions = pl.DataFrame([{"indicator_id": "rate", "time_period": 2024, "geographic_level": "Local authority",
                               "area_code": LAS[0][0], "breakdown": "Total", "earlier_release": "demo-2023",
                               "earlier_value": 41.0, "earlier_status": None, "release": "demo-2025", "value": 42.0,
                               "status": None}])
    return ReportData(values=values, comparisons=compared(values, areas), year=2025, revisions=revisions,
                      areas=areas)


@pytest.fixture(scope="module")
def index(data: ReportData) -> LAIndex:
    return LAIndex(data, INDICATORS)


def section(ctx: dict, theme: str) -> dict:
    return next(s for s in ctx["sections"] if s["id"] == f"s-{theme}")


def test_every_la_of_the_report_year_except_abolished_ones(data: ReportData) -> None:
    codes = [c for c, _ in local_authorities(data.values, 2025)]
    assert OLD[0] not in codes  # only 'not applicable' in 2025: abolished
    assert SMALL[0] in codes and NEW[0] in codes and len(codes) == 12


def test_an_la_beside_england_region_rank_band_and_trend(index: LAIndex) -> None:
    ctx = la_context(index, LAS[0][0], LAS[0][1], [])
    assert ctx["region"] == "South East"
    row = section(ctx, "children_in_care")["rows"][0]
    assert row["value"].text == "43" and row["england"] == "67" and row["region"] == "60"
    assert row["rank"] == "1 of 11" and row["band"] == "A" and row["trend"] == "worsening"
    assert row["change"] == "+1"
    text = " ".join(section(ctx, "children_in_care")["narrative"])
    assert "Rate in care: 43 in 2025, up from 42 a year earlier" in text
    assert "lower than England (67) and the South East region (60)" in text
    assert "ranks 1st of 11 local authorities" in text
    assert ctx["tiles"][0]["value"] == "43" and ctx["trends"]["groups"][0]["title"] == "Rate in care"


def test_counts_are_not_compared_with_england_totals(index: LAIndex) -> None:
    ctx = la_context(index, LAS[0][0], LAS[0][1], [])
    count_row = next(r["spine"] for r in section(ctx, "children_in_care")["rows"] if r["label"] == "Children in care")
    assert {m["kind"] for m in count_row["marks"]} == {"area"}
    assert "England (80" not in " ".join(section(ctx, "children_in_care")["narrative"])


def test_suppressed_la_shows_symbols_and_says_so(index: LAIndex) -> None:
    ctx = la_context(index, *SMALL, [])
    s = section(ctx, "children_in_care")
    assert [r["value"].text for r in s["rows"]] == ["c", "c"]
    assert all(r["rank"] == "–" for r in s["rows"])
    assert "the 2025 figure for Smallton is suppressed to protect confidentiality (c)" in " ".join(s["narrative"])
    assert s["rows"][0]["spine"]["gap"] and s["rows"][0]["spine"]["desc"].startswith("Rate in care: Smallton c")


def test_a_new_council_says_why_its_series_starts(index: LAIndex) -> None:
    ctx = la_context(index, *NEW, [])
    assert ctx["area_note"] == "Newshire replaced Oldshire on 1 April 2024."
    assert ctx["formed"].predecessors == ("Oldshire",)
    text = " ".join(section(ctx, "children_in_care")["narrative"])
    assert "first year of figures for Newshire, which was formed in 2024 from Oldshire" in text


def test_academic_years_empty_sections_national_only_and_grades(index: LAIndex) -> None:
    ctx = la_context(index, LAS[3][0], LAS[3][1], [])
    edu = section(ctx, "education")["rows"][0]
    assert edu["period"] == "2024/25" and edu["value"].text == "13%" and edu["england"] == "22%"
    assert section(ctx, "spending")["rows"] == [] and section(ctx, "workforce")["rows"] == []
    assert ctx["ofsted"]["rows"][-1]["grade"] == "Inadequate"
    first = la_context(index, LAS[0][0], LAS[0][1], [])["ofsted"]["sentence"]
    assert first == ("Ofsted's judgement of overall effectiveness for Town 0 at 31 March 2025 is Good, up from "
                     "Requires improvement to be good at 31 March 2023.")


def test_revision_notes_name_both_releases(index: LAIndex) -> None:
    ctx = la_context(index, LAS[0][0], LAS[0][1], [])
    assert ctx["method"]["revisions"] == ["Rate in care, 2024: 42 (demo-2025); earlier 41 (demo-2023)."]


def test_england_context_handles_national_only_grades_and_empty_sections(data: ReportData) -> None:
    ctx = england_context(data, INDICATORS, [], Settings())
    by = {s["id"]: s for s in ctx["sections"]}
    assert by["spending"]["blocks"] == [] and by["spending"]["empty"].startswith("There is no data")
    assert by["workforce"]["blocks"][0]["rows"][0]["name"] == "England"
    grade = by["inspection"]["blocks"][0]
    assert grade["kind"] == "grade" and "were judged Good or Outstanding" in grade["sentence"]
    assert by["education"]["blocks"][0]["periods"] == ["2023/24", "2024/25"]
    assert "additional" not in by
    assert Settings(sections={"spending": False}).themes()[-1][0] == "additional"


def text_of(pdf: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(pdf).pages)


def test_pdfs_render_tagged_in_parallel_and_identically(data: ReportData, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1743379200")
    tasks = [("england", "", ""), ("la", *LAS[0]), ("la", *SMALL)]
    serial = render_reports(RenderJob(data, INDICATORS, [], tmp_path / "a", epoch="1743379200"), tasks, jobs=1)
    parallel = render_reports(RenderJob(data, INDICATORS, [], tmp_path / "b", epoch="1743379200"), tasks, jobs=2)
    assert [p.relative_to(tmp_path / "a") for p in serial] == [p.relative_to(tmp_path / "b") for p in parallel]
    for a, b in zip(serial, parallel):
        assert a.read_bytes() == b.read_bytes(), a.name
    la = tmp_path / "a" / "la" / "E06000100-town-0-2025.pdf"
    text = text_of(la)
    for want in ("Town 0", "Rate in care: 43 in 2025", "There is no data in the files for this section.",
                 "Method and sources", "Ofsted judgements", "1 of 11"):
        assert want in text, want
    reader = PdfReader(la)
    assert reader.metadata.title == "Town 0: children's social care 2025"
    assert "/StructTreeRoot" in reader.trailer["/Root"] and reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert "c" in text_of(tmp_path / "a" / "la" / "E06000901-smallton-2025.pdf").split()


def test_unknown_area_is_a_clear_error(tmp_path: Path) -> None:
    from carestats.core.errors import DataError
    from carestats.pipeline.build import render_only

    with pytest.raises(DataError, match="no warehouse"):
        render_only(tmp_path, reporter(), None, ["E10000016"])


def reporter():  # type: ignore[no-untyped-def]
    from carestats.core.progress import Reporter

    return Reporter(quiet=True)


def test_report_year_uses_the_end_of_academic_years() -> None:
    df = pl.DataFrame(rows(), schema=SCHEMA).filter(pl.col("indicator_id") == "ks")
    assert periods.report_year_of(df) == 2025


def test_code_changes_and_joint_figures_give_one_report_per_council() -> None:
    base = [r for r in rows() if r["area_code"] == LAS[0][0] and r["indicator_id"] == "rate"]
    old = [{**r, "area_code": "E08000016", "area_name": "Barnsley"} for r in base]
    new = [{**r, "area_code": "E08000038", "area_name": "Barnsley", "value": 99.0} for r in base
           if r["time_period"] == 2025]
    joint = [{**r, "area_code": "E06000061 / E06000062", "area_name": "North / West"} for r in base]
    values = pl.DataFrame(old + new + joint, schema=SCHEMA)
    areas = pl.DataFrame([
        {"code": "E08000016", "name": "Barnsley", "valid_to": dt.date(2025, 3, 31), "predecessor_codes": [],
         "successor_codes": ["E08000038"], "region_code": REGION[0], "valid_from": None, "note": "Code changed."},
        {"code": "E08000038", "name": "Barnsley", "valid_to": None, "predecessor_codes": ["E08000016"],
         "successor_codes": [], "region_code": REGION[0], "valid_from": dt.date(2025, 4, 1), "note": "Code changed."},
    ])
    assert local_authorities(values, 2025, areas) == [("E08000038", "Barnsley")]
    assert local_authorities(values.filter(pl.col("area_code") != "E08000038"), 2025, areas) == [
        ("E08000038", "Barnsley")]  # published only under the old code: reported under the new one
    data = ReportData(values=values, comparisons=compared(values, areas), year=2025, areas=areas)
    ctx = la_context(LAIndex(data, INDICATORS), "E08000038", "Barnsley", [])
    assert ctx["formed"] is None  # a new code for the same council is not a new council
    trend = ctx["trends"]["groups"][0]["rows"][0]["cells"]
    assert [c.text for c in trend][-4:] == ["40", "41", "42", "99"]  # the earlier years from the old code


def test_every_chart_has_alt_text(data: ReportData, index: LAIndex) -> None:
    import dataclasses
    import re

    import polars as pl

    from carestats.reports.render import environment

    # the England report draws its charts in the chapters, which name their indicators: the same figures
    # under the ids of the chapters' indicators
    ids = {"rate": "cla_rate_per_10k", "cnt": "cla_count", "ks": "cla_ks4_basics_94_pct", "natonly": "sw_caseload"}
    renamed = [dataclasses.replace(i, id=ids.get(i.id, i.id)) for i in INDICATORS]
    chaptered = dataclasses.replace(data, **{name: getattr(data, name).with_columns(
        pl.col("indicator_id").replace(ids)) for name in ("values", "comparisons")})
    env = environment()
    pages = [env.get_template("la.html.j2").render(**la_context(index, LAS[0][0], LAS[0][1], [])),
             env.get_template("england.html.j2").render(**england_context(chaptered, renamed, [], Settings()))]
    for html in pages:
        charts_ = re.findall(r'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="([^ "]+) ([^"]+)"',
                             html)
        # the LA report's small spines are SVG images (render.svg_data_uri): their alt text says what the
        # drawing's title and description say
        images = re.findall(r'<img class="spine-img" src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="([^"]*)"',
                            html)
        assert len(charts_) + len(images) >= 3 and html.count("<img") == len(images)
        for alt in images:
            assert re.fullmatch(r"Where Town 0 sits: [^:]+: Town 0 .{20,}", alt), alt
        for title_id, desc_id in charts_:
            assert re.search(rf'<title id="{re.escape(title_id)}">[^<]+</title>', html), title_id
            assert re.search(rf'<desc id="{re.escape(desc_id)}">[^<]{{20,}}</desc>', html), desc_id
        assert len(set(re.findall(r'id="([^"]+)"', html))) == len(re.findall(r'id="([^"]+)"', html))  # ids unique


def test_a_worker_compiles_each_template_once_and_keeps_the_callers_collector(
        data: ReportData, tmp_path: Path, monkeypatch) -> None:
    import gc

    from carestats.reports import render

    made = []
    real = render.environment

    def counting(template_dirs=None):  # type: ignore[no-untyped-def]
        made.append(template_dirs)
        return real(template_dirs)

    monkeypatch.setattr(render, "environment", counting)
    before = gc.get_threshold()
    tasks = [("la", *LAS[0]), ("la", *LAS[1]), ("la", *LAS[2])]
    render_reports(RenderJob(data, INDICATORS, [], tmp_path / "r"), tasks, jobs=1)
    assert len(made) == 1  # one environment for three reports: templates are compiled once
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    render._setup(__import__("pickle").dumps(RenderJob(data, INDICATORS, [], tmp_path / "w")))
    try:  # a worker process: fewer collections while it lays out reports
        assert gc.get_threshold() == render.GC_THRESHOLD and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_other_work_of_the_build_is_done_while_the_workers_render(data: ReportData, tmp_path: Path) -> None:
    from multiprocessing import active_children

    from carestats.reports.render import render_many

    events: list[tuple[str, int]] = []
    tasks = [("la", *LAS[0]), ("la", *LAS[1])]
    made = render_many(RenderJob(data, INDICATORS, [], tmp_path / "p"), tasks, jobs=2,
                       progress=lambda done, total: events.append(("report", done)),
                       alongside=lambda: events.append(("alongside", len(active_children()))))
    # done in the parent once both workers are started, before any finished report is taken
    assert events == [("alongside", 2), ("report", 1), ("report", 2)] and len(made) == 2
    events.clear()
    render_many(RenderJob(data, INDICATORS, [], tmp_path / "s"), tasks[:1], jobs=1,
                alongside=lambda: events.append(("alongside", 0)))
    assert events == [("alongside", 0)]


def test_an_interrupted_render_stops_at_once_and_leaves_nothing_half_written(data: ReportData,
                                                                           tmp_path: Path) -> None:
    from multiprocessing import active_children

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt  # as Ctrl-C or SIGTERM would, once the first report is done

    tasks = [("la", code, name) for code, name in LAS] * 2
    out = tmp_path / "r"
    with pytest.raises(KeyboardInterrupt):
        render_reports(RenderJob(data, INDICATORS, [], out), tasks, jobs=2, progress=interrupt)
    assert active_children() == []  # no worker left rendering the queued reports
    assert list(out.rglob("*.part")) == []
    assert len(list(out.rglob("*.pdf"))) < len(set(tasks))  # the queued reports were not made


def fonts_of(pdf: Path) -> set[str]:
    """The font faces a PDF embeds, by their base names without the subset prefix."""
    names: set[str] = set()
    for page in PdfReader(pdf).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names


def test_la_tables_are_laid_out_from_their_columns_in_one_font_family(data: ReportData, index: LAIndex,
                                                                        tmp_path: Path, monkeypatch) -> None:
    """WeasyPrint lays a table out once its columns' widths are known: the comparison and trend tables
    give them (fixed table layout, one <col> per column, with and without the neighbours' and region's
    columns), so it need not measure every cell's text first; and the LA report embeds DejaVu Sans alone
    (its code words are not set in the Mono), one face fewer to lay out and subset."""
    import re

    from carestats.reports.render import environment

    css = (Path(__file__).parents[1] / "templates" / "report.css").read_text(encoding="utf-8")
    for selector in ("table.compare", ".trend-table"):
        rule = re.search(rf"^{re.escape(selector)} {{([^}}]*)}}", css, re.MULTILINE)
        assert rule and "table-layout: fixed" in rule.group(1), selector
    env = environment()
    for code, name in (LAS[0], SMALL):
        html = env.get_template("la.html.j2").render(**la_context(index, code, name, []))
        tables = re.findall(r'<table class="(compare|trend-table)">(.*?)</table>', html, re.DOTALL)
        assert any(kind == "compare" for kind, _ in tables) and any(kind == "trend-table" for kind, _ in tables)
        for kind, table in tables:
            cols = re.search(r"<colgroup>(.*?)</colgroup>", table, re.DOTALL)
            head = re.search(r"<thead>(.*?)</thead>", table, re.DOTALL)
            assert cols and head, kind
            assert cols.group(1).count("<col") == head.group(1).count("<th "), (name, kind)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1743379200")
    [la] = render_reports(RenderJob(data, INDICATORS, [], tmp_path, epoch="1743379200"), [("la", *LAS[0])], jobs=1)
    fonts = fonts_of(la)
    assert {"DejaVu-Sans", "DejaVu-Sans-Bold"} <= fonts and not any("Mono" in f for f in fonts), fonts
