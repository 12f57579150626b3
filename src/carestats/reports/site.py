"""The web edition: build/site/, a static site of every report and every indicator.

One model, two renderers: the England and council pages are made from the same contexts as the PDFs
(england.england_context, local_authority.la_context), laid out by templates/site/ instead of the PDF
templates. Every figure a page shows sits in a table built here (`Table`), which the page template lays
out and which is also written, cell for cell, as the page's CSV download, so the two cannot differ.

The site is plain files: relative links only, the CSS and script copied from the package, nothing fetched
from any other host, readable without the script (which only filters and sorts). Two builds from the same
data give the same bytes: nothing here reads the clock, and every list is sorted.
"""

from __future__ import annotations

import csv
import io
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from carestats.core import paths
from carestats.core import periods as timeline
from carestats.core.settings import Settings
from carestats.indicators.compute import FORMULA_START
from carestats.indicators.registry import Indicator
from carestats.reports import charts, formatting
from carestats.reports.data import LA, ReportData, local_authorities
from carestats.reports.england import (
    NATIONAL,
    REGIONAL,
    council_funnel,
    england_context,
    main_breakdown,
    points,
    region_names,
)
from carestats.reports.formatting import fmt_period, fmt_value
from carestats.reports.local_authority import LAIndex, la_context
from carestats.reports.render import SAFE_CODE, environment, report_name, slugify

SITE = "site"  # the folder under the build
ASSETS = ("site.css", "site.js")  # copied from templates/site/ into site/assets/
SERIES_PERIODS = 10  # periods in an indicator page's time series


# ---------------------------------------------------------------------------------------- tables and CSV

@dataclass
class Column:
    label: str
    num: bool = False
    chart: bool = False  # a chart cell (not a figure): laid out, never in the CSV


@dataclass
class SiteCell:
    text: str
    status: str | None = None
    ref: str = ""  # "indicator|breakdown|period|area": the indicator_values row the figure is (tests check it)
    chart: object = None  # a spine cell's drawing, for chart columns
    href: str = ""


@dataclass
class Row:
    head: str
    cells: list[SiteCell]
    href: str = ""
    attrs: dict[str, str] = field(default_factory=dict)  # data-* attributes for the filter script


@dataclass
class Table:
    id: str
    caption: str
    first: str  # the row headers' column
    columns: list[Column]
    rows: list[Row]
    sortable: bool = False

    def records(self) -> list[tuple[str, str, str, str]]:
        """(table, row, column, figure) for every figure shown: the CSV's rows."""
        out = []
        for r in self.rows:
            for col, c in zip(self.columns, r.cells):
                if not col.chart:
                    out.append((self.caption, r.head, col.label, c.text))
        return out

    def symbols(self) -> set[str]:
        return {c.status for r in self.rows for c in r.cells if c.status}


def safe_text(text: str) -> str:
    """A CSV cell that a spreadsheet will not read as a formula (the exports' rule, indicators.compute)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_bytes(tables: list[Table]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["table", "row", "column", "value"])
    for t in tables:
        for rec in t.records():
            w.writerow([safe_text(x) for x in rec])
    return buf.getvalue().encode("utf-8")


def _cell(c: object) -> SiteCell:
    """A report context's Cell (text, status) as a site cell."""
    return SiteCell(getattr(c, "text"), getattr(c, "status", None))


# ---------------------------------------------------------------------------------------- names and links

def own_return_tables(own: dict | None, name: str) -> list[Table]:
    """The council's own return (reports/own_return.py) as the page's tables: its figures beside the
    published ones, each chart's figures, and its returns year by year."""
    if not own:
        return []
    head = f"Own return {own['year']} (not yet published)"
    tables = [Table("t-own", f"{name}'s own return for {own['year']} beside the latest published figures",
                    "Measure", [Column(head, num=True), Column(f"Published, {name}", num=True),
                                Column("Neighbours' median", num=True), Column("Region", num=True),
                                Column("England", num=True)],
                    [Row(r["label"] + (" (no published table)" if r["new"] else ""),
                         [_cell(r["value"]),
                          SiteCell(r["published"].text + (f" ({r['period']})" if r["period"] else ""),
                                   r["published"].status),
                          _cell(r["neighbours"]), _cell(r["region"]), _cell(r["england"])])
                     for r in own["rows"]])]
    for f in own["figures"]:
        chart = f["chart"]
        tables.append(Table(f"t-{f['id']}", f"The figures in the chart: {chart.title}", "Group",
                            [Column("Figure", num=True)],
                            [Row(b["label"], [SiteCell(b["text"], b["text"] if b["gap"] else None)])
                             for b in chart.bars]))
    if own["over_time"]:
        tables.append(Table("t-own-years", f"{name}'s own returns, year by year", "Measure",
                            [Column(y, num=True) for y in own["years"]],
                            [Row(r["label"], [_cell(c) for c in r["cells"]]) for r in own["over_time"]]))
    return tables


def la_page(code: str, name: str) -> str:
    """A council's page under site/: la/<code>-<slug>.html, from its code and a strict slug of its name."""
    if not SAFE_CODE.fullmatch(code):
        raise ValueError(f"area code {code!r} cannot be used in a file name")
    return f"la/{code.replace(' / ', '_')}-{slugify(name)}.html"


def indicator_page(ind_id: str) -> str:
    return f"indicators/{slugify(ind_id).replace('-', '_')}.html"


def _up(page: str) -> str:
    """The relative way from a page back to the site's root: '' or '../'."""
    return "../" * page.count("/")


# ---------------------------------------------------------------------------------------- the pages

@dataclass
class Page:
    name: str  # path under site/
    template: str
    title: str
    tables: list[Table]
    context: dict
    pdf: str = ""  # the report's PDF under the build folder, if the page has one

    @property
    def csv(self) -> str:
        return self.name[:-5] + ".csv" if self.tables else ""


def _symbols_of(tables: list[Table]) -> list[tuple[str, str]]:
    used = set().union(*(t.symbols() for t in tables)) if tables else set()
    shown = any(c.text == formatting.NO_DATA for t in tables for r in t.rows for c in r.cells)
    out = [(s, m) for s, m in formatting.SYMBOLS.items() if s in used]
    if shown:
        out.append((formatting.NO_DATA, "no figure in the files for this area and year"))
    return out


class Site:
    """Builds every page of one build's site from the shared report data."""

    def __init__(self, data: ReportData, indicators: list[Indicator], inputs: list[dict],
                 settings: Settings | None = None) -> None:
        self.data, self.indicators, self.inputs = data, indicators, inputs
        self.settings = settings or Settings()
        self.year = data.year
        self.index = LAIndex(data, indicators)
        self.regions = region_names(data.values)
        self.councils = local_authorities(data.values, self.year, data.areas)
        self.by_id = {i.id: i for i in indicators}
        with_values = set(data.values["indicator_id"].unique().to_list()) if data.values.height else set()
        self.shown_indicators = [i for i in indicators if i.id in with_values]
        self.pages_of_la = {code: la_page(code, name) for code, name in self.councils}

    # -- England

    def england(self) -> Page:
        ctx = england_context(self.data, self.indicators, self.inputs, self.settings)
        tables = []
        for s in ctx["sections"]:
            for b in s["blocks"]:
                ind = b["ind"]
                tables.append(Table(f"t-{ind.id}", b["caption"], "Area" if b["kind"] == "national" else "",
                                    [Column(p, num=True) for p in b["periods"]],
                                    [Row(r["name"], [_cell(c) for c in r["cells"]]) for r in b["rows"]]))
                b["table"] = tables[-1]
        heads = Table("t-headlines", "Headline figures for England", "Measure", [Column("Figure", num=True),
                      Column("Period")], [Row(b["ind"].short_title, [_cell(b["latest"]), SiteCell(b["latest_period"])])
                                          for b in ctx["headlines"]])
        for t in tables:
            if not t.first:
                t.first = "Breakdown"
        ctx["headline_table"] = heads
        key = Table("t-key", "Key messages: England's latest figure of each", "Measure",
                    [Column("Figure", num=True), Column("Period"), Column("First year in the files")],
                    [Row(k["ind"].short_title, [SiteCell(k["figure"], k["status"]),
                                                SiteCell(formatting.fmt_period(k["period"])),
                                                SiteCell(k["first_period"])]) for k in ctx["key_messages"]])
        ctx["key_table"] = key
        chapter_tables = []
        for c in ctx["chapters"]:
            reg = c["regions"]
            c["table"] = Table(f"t-ch-{c['id']}", f"{c['title']}: {reg['caption']}", "Area",
                               [Column(h, num=True) for h in reg["columns"]],
                               [Row(r["name"], [_cell(x) for x in r["cells"]]) for r in reg["rows"]]) if reg else None
            ages = c.get("ages")
            c["ages_table"] = Table(f"t-ch-{c['id']}-ages", ages["caption"], "Age on leaving",
                                    [Column(p, num=True) for p in ages["periods"]],
                                    [Row(r["name"], [_cell(x) for x in r["cells"]]) for r in ages["rows"]]) \
                if ages else None
            chapter_tables += [t for t in (c["ages_table"], c["table"]) if t]  # in the page's order
        pdf = "reports/" + report_name(("england", "", ""), self.year)
        return Page("england.html", "site/england.html.j2", ctx["title"], [key, *chapter_tables, heads, *tables],
                    ctx, pdf)

    # -- a council

    def council(self, code: str, name: str) -> Page:
        ctx = la_context(self.index, code, name, self.inputs, self.settings)
        page = self.pages_of_la[code]
        tables = []
        if ctx["tiles"]:
            tables.append(Table("t-headlines", f"Headline figures for {name}", "Measure",
                                [Column("Figure", num=True), Column("Period and comparator")],
                                [Row(t["title"], [SiteCell(t["value"]), SiteCell(t["note"])]) for t in ctx["tiles"]]))
        if ctx["trends"]:
            tr = ctx["trends"]
            tables.append(Table("t-trends", "Headline measures over time: the figures in the charts"
                                + (f" ({tr['note']})" if tr["note"] else ""), "Measure and area",
                                [Column(y, num=True) for y in tr["years"]],
                                [Row(f"{g['title']}: {r['name']}", [_cell(c) for c in r["cells"]])
                                 for g in tr["groups"] for r in g["rows"]]))
        compared = ctx["compared"]
        for s in ctx["sections"]:
            if not s["rows"]:
                continue
            cols = [Column(name, num=True), Column("Change on a year", num=True), Column("Trend")]
            if compared["neighbours"]:
                cols.append(Column("Neighbours' median", num=True))
            if compared["region"]:
                cols.append(Column("Region", num=True))
            cols += [Column("England", num=True), Column("Rank", num=True), Column("Band"),
                     Column("Among all local authorities", chart=True)]
            rows = []
            for r in s["rows"]:
                ind_id, breakdown, period = r["ref"]
                head = r["label"] + (f" ({r['period']})" if r["period"] else "") + (
                    f" (note {r['note']})" if r["note"] else "")
                value = _cell(r["value"])
                value.ref = f"{ind_id}|{breakdown}|{period}|{code}"
                cells = [value, SiteCell(r["change"]), SiteCell(r["trend"] or formatting.NO_DATA)]
                if compared["neighbours"]:
                    cells.append(SiteCell(r["neighbours"] + (f" ({r['sn_set']} set)" if r["sn_set"] else "")))
                if compared["region"]:
                    cells.append(SiteCell(r["region"]))
                england = SiteCell(r["england"])
                if r["england"] != formatting.NO_DATA:
                    england.ref = f"{ind_id}|{breakdown}|{period}|{NATIONAL}"
                cells += [england, SiteCell(r["rank"]), SiteCell(r["band"]), SiteCell("", chart=r["spine"])]
                rows.append(Row(head, cells, href=_up(page) + indicator_page(r["ref"][0])))
            t = Table(f"t-{s['id']}", f"{s['title']}: {name} beside its comparators, {self.year} unless stated",
                      "Measure", cols, rows)
            s["table"] = t
            tables.append(t)
        tables += own_return_tables(ctx.get("own_return"), name)
        if ctx["ofsted"] and ctx["ofsted"]["rows"]:
            tables.append(Table("t-ofsted", "Overall effectiveness of children's services, as at each date in "
                                "the files", "As at", [Column("Overall effectiveness")],
                                [Row(r["period"], [SiteCell(r["grade"])]) for r in ctx["ofsted"]["rows"]]))
        pdf = "reports/" + report_name(("la", code, name), self.year)
        return Page(page, "site/la.html.j2", ctx["title"], tables, ctx, pdf)

    # -- an indicator

    def indicator(self, ind: Indicator) -> Page:
        page = indicator_page(ind.id)
        values = self.data.values.filter(pl.col("indicator_id") == ind.id)
        comp = self.data.comparisons.filter(pl.col("indicator_id") == ind.id)
        breakdown = main_breakdown(values)
        note = ""
        if breakdown is None:  # published by breakdown only: the breakdown with the most councils' figures
            la_rows = values.filter(pl.col("geographic_level") == LA).group_by("breakdown").len()
            breakdown = la_rows.sort(["len", "breakdown"], descending=[True, False])["breakdown"][0] \
                if la_rows.height else sorted(values["breakdown"].unique().to_list())[0]
            note = (f"This measure is published by breakdown only; the councils are ranked on "
                    f"\u201c{breakdown}\u201d.")
        values = values.filter(pl.col("breakdown") == breakdown)
        comp = comp.filter((pl.col("breakdown") == breakdown) & (pl.col("geographic_level") == LA))
        la_periods = timeline.up_to(comp["time_period"].unique().to_list(), self.year) if comp.height else []
        period = la_periods[-1] if la_periods else None
        tables: list[Table] = []
        ctx: dict = {"ind": ind, "breakdown": breakdown, "note": note, "period": fmt_period(period) if period else "",
                     "funnel": None, "series": None, "theme": ind.theme_title}
        fmt = lambda v, s=None: fmt_value(v, ind.unit, ind.decimals, s) if v is not None or s else formatting.NO_DATA  # noqa: E731
        if period is not None:
            now = comp.filter(pl.col("time_period") == period)
            ranked = sorted(now.iter_rows(named=True), key=lambda r: (
                r["rank"] is None, r["rank"] or 0, self.index.names.get(r["area_code"], r["area_name"]) or ""))
            # where the comparisons table has limits, with or without a better direction (as in the England report)
            has_funnel = now["funnel_998_low"].drop_nulls().len() > 0 and now["denominator"].drop_nulls().len() > 0
            cols = [Column("Rank", num=True), Column("Code"), Column("Region"), Column(fmt_period(period), num=True),
                    Column("Neighbours' median", num=True), Column("Region's figure", num=True),
                    Column("England", num=True), Column("Band")]
            if has_funnel:
                cols += [Column("Denominator", num=True), Column("Against the funnel limits")]
            rows = []
            for r in ranked:
                code = r["area_code"]
                if code not in self.pages_of_la:
                    continue
                value = SiteCell(fmt(r["value"], r["status"]), r["status"],
                                 ref=f"{ind.id}|{breakdown}|{period}|{code}")
                region = self.regions.get(r["region_code"] or "", r["region_code"] or formatting.NO_DATA)
                cells = [SiteCell(f"{r['rank']:,}" if r["rank"] and ind.polarity != "none" else formatting.NO_DATA),
                         SiteCell(code), SiteCell(region), value, SiteCell(fmt(r["sn_median"])),
                         SiteCell(fmt(r["region_value"])), SiteCell(fmt(r["england_value"])),
                         SiteCell(r["quartile_band"] or formatting.NO_DATA)]
                if has_funnel:
                    cells += [SiteCell(formatting.fmt_number(r["denominator"]) if r["denominator"] is not None
                                       else formatting.NO_DATA),
                              SiteCell(charts.funnel_position(r) or formatting.NO_DATA)]
                rows.append(Row(self.index.names.get(code, r["area_name"]), cells,
                                href=_up(page) + self.pages_of_la[code],
                                attrs={"region": region}))
            tables.append(Table("t-ranked", f"{ind.short_title}: every council, {fmt_period(period)}"
                                + ("" if ind.polarity != "none" else " (no direction: not ranked)"),
                                "Council", cols, rows, sortable=True))
            if has_funnel:
                centre = now["england_value"].drop_nulls()  # the same plot as the England report's chapter
                ctx["funnel"] = council_funnel(ind, now, period, ("England", centre[0]) if centre.len() else None)
        # England and the regions over time
        nat = values.filter(pl.col("geographic_level").is_in([NATIONAL, REGIONAL]))
        shown = timeline.up_to(nat["time_period"].unique().to_list(), self.year)[-SERIES_PERIODS:] if nat.height else []
        if shown:
            index = {(r["area_code"], r["time_period"]): r for r in nat.iter_rows(named=True)}
            areas = sorted({(r["geographic_level"] != NATIONAL, r["area_code"]) for r in nat.iter_rows(named=True)})
            rows = []
            for is_region, code in areas:
                label = self.regions.get(code, code) if is_region else "England"
                rows.append(Row(label, [SiteCell(fmt(index[(code, p)]["value"], index[(code, p)]["status"]),
                                                 index[(code, p)]["status"],
                                                 ref=f"{ind.id}|{breakdown}|{p}|{code}")
                                        if (code, p) in index else SiteCell(formatting.NO_DATA) for p in shown]))
            tables.append(Table("t-series", f"{ind.short_title}: England and regions over time", "Area",
                                [Column(fmt_period(p), num=True) for p in shown], rows))
            eng = nat.filter(pl.col("geographic_level") == NATIONAL)
            if eng.height:
                ctx["series"] = charts.line_chart([charts.Series("England", [p for p in points(eng) if p[0] in shown])],
                                                  f"{ind.title}, England", ind.unit, ind.decimals,
                                                  axis_label=formatting.UNIT_LABELS.get(ind.unit, ""))
        return Page(page, "site/indicator.html.j2", f"{ind.title}: every council", tables, ctx)

    # -- the index and the statement

    def home(self, england: Page) -> Page:
        rows = []
        for code, name in sorted(self.councils, key=lambda c: (c[1], c[0])):
            region_code = self.index.area(code).get("region_code")
            region = self.regions.get(region_code, region_code) if region_code else ""
            if not region:
                got = self.data.comparisons.filter((pl.col("area_code") == code) & pl.col("region_code").is_not_null())
                rc = got["region_code"][0] if got.height else ""
                region = self.regions.get(rc, rc) or formatting.NO_DATA
            rows.append(Row(name, [SiteCell(code), SiteCell(region)], href=self.pages_of_la[code],
                            attrs={"name": name.lower(), "code": code.lower(), "region": region}))
        councils = Table("t-councils", f"Every council with a report for {self.year}", "Council",
                         [Column("Code"), Column("Region")], rows, sortable=True)
        heads = england.context["headline_table"]
        themes = []
        for theme, title in self.settings.themes():
            inds = [i for i in self.shown_indicators if i.theme == theme]
            if inds:
                themes.append({"title": title, "indicators": [(i, indicator_page(i.id)) for i in inds]})
        regions = sorted({r.cells[1].text for r in rows if r.cells[1].text != formatting.NO_DATA})
        ctx = {"year": self.year, "themes": themes, "regions": regions, "councils": councils,
               "headlines": heads, "england_pdf": england.pdf}
        return Page("index.html", "site/index.html.j2", f"Children's social care in England {self.year}",
                    [heads, councils], ctx)

    def statement(self) -> Page:
        return Page("accessibility.html", "site/accessibility.html.j2", "Accessibility statement", [],
                    {"year": self.year})

    def pages(self) -> list[Page]:
        england = self.england()
        out = [self.home(england), england, self.statement()]
        out += [self.council(code, name) for code, name in self.councils]
        out += [self.indicator(i) for i in self.shown_indicators]
        return out


# ---------------------------------------------------------------------------------------- writing

def write_site(data: ReportData, indicators: list[Indicator], inputs: list[dict], folder: Path,
               settings: Settings | None = None) -> list[Path]:
    """Every page, its CSV and the assets into `folder` (build/site in the build being made)."""
    settings = settings or Settings()
    site = Site(data, indicators, inputs, settings)
    env = environment(settings.template_dirs)
    env.globals["zip"] = zip  # the table macro walks columns and cells together
    written = []
    for page in site.pages():
        up = _up(page.name)
        html = env.get_template(page.template).render(
            **{"options": settings, **page.context}, page=page, root=up, build_root=up + "../",
            symbols_used=_symbols_of(page.tables), site_title=f"Children's social care {site.year}",
            indicator_page=indicator_page, la_pages=site.pages_of_la)
        target = folder / page.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8", newline="\n")
        written.append(target)
        if page.tables:
            (folder / page.csv).write_bytes(csv_bytes(page.tables))
            written.append(folder / page.csv)
    assets = folder / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    for name in ASSETS:
        shutil.copyfile(paths.TEMPLATES_DIR / "site" / name, assets / name)
        written.append(assets / name)
    return written


def serve(folder: Path, port: int = 0):  # type: ignore[no-untyped-def]
    """A server for the site on 127.0.0.1 only (port 0: a free one). The caller runs serve_forever()."""
    import functools
    import http.server

    handler = functools.partial(_QuietHandler, directory=str(folder))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def _handler_base():  # type: ignore[no-untyped-def]
    import http.server

    return http.server.SimpleHTTPRequestHandler


class _QuietHandler(_handler_base()):  # type: ignore[misc]
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass
