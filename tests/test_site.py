"""The web edition (issue 15): build/site/, made from the same report model as the PDFs.

The real-data tests read one shared build of the site (`site_build`: the real files' data, reused from
`real_build`, with `--format html`); the format and serve tests use a tiny synthetic release. The browser
and axe-core checks are in test_site_browser.py.
"""

from __future__ import annotations

import html
import html.parser
import json
import re
import shutil
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from conftest import shared
from test_incremental import write_release

from carestats.core import paths
from carestats.core.settings import Settings
from carestats.pipeline.build import BuildOptions, run
from carestats.reports import site as website

SAMPLE = ("E10000016", "E06000001", "E09000007", "E08000035", "E06000052", "E10000030", "E08000025")


@pytest.fixture(scope="session")
def site_build(tmp_path_factory: pytest.TempPathFactory, raw_dir: Path, real_build: Path) -> Path:
    """`real_build` with the web edition only (`build --format html`): the data stage is reused."""
    def make(folder: Path) -> None:
        shutil.copytree(real_build, folder / "build")
        run(BuildOptions(raw=raw_dir, out=folder / "build", reports=False, site=True))

    return shared(tmp_path_factory, "site", make) / "build"


class Tables(html.parser.HTMLParser):
    """Every table of a page as (caption, [row header, column header, cell text, cell attributes]) and the
    page's other facts the tests read: links, sources, the symbol key."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self.urls: list[str] = []
        self.key: list[str] = []
        self._stack: list[str] = []
        self._text: list[str] | None = None
        self._cell: dict | None = None
        self._in_key = False

    def handle_starttag(self, tag: str, attrs: list) -> None:  # type: ignore[type-arg]
        a = dict(attrs)
        for name in ("href", "src"):
            if a.get(name):
                self.urls.append(a[name])
        if tag == "table":
            self.tables.append({"id": a.get("id"), "caption": "", "columns": [], "rows": []})
        elif tag == "caption" or tag in ("th", "td") and self.tables:
            self._text = []
            self._cell = {"tag": tag, "attrs": a}
        elif tag == "tr" and self.tables:
            self._row: list[dict] = []
        elif tag == "section" and a.get("class") == "symbols":
            self._in_key = True
        elif tag == "dt" and self._in_key:
            self._text, self._cell = [], {"tag": "dt", "attrs": a}

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._cell is None or tag != self._cell["tag"]:
            if tag == "tr" and self.tables and hasattr(self, "_row") and self._row:
                t = self.tables[-1]
                if all(c["tag"] == "th" and c["attrs"].get("scope") == "col" for c in self._row):
                    t["columns"] = [c["text"] for c in self._row]
                else:
                    t["rows"].append(self._row)
                self._row = []
            if tag == "section":
                self._in_key = False
            return
        text = " ".join("".join(self._text or []).split())
        if tag == "caption":
            self.tables[-1]["caption"] = text
        elif tag == "dt":
            self.key.append(text)
        else:
            self._row.append({"tag": tag, "attrs": self._cell["attrs"], "text": text})
        self._text, self._cell = None, None


def parse(page: Path) -> Tables:
    p = Tables()
    p.feed(page.read_text(encoding="utf-8"))
    return p


def shown_records(p: Tables) -> list[tuple[str, str, str, str]]:
    """(table, row, column, figure) for every figure the page's tables show (chart cells are drawings)."""
    out = []
    for t in p.tables:
        for row in t["rows"]:
            head, cells = row[0]["text"], row[1:]
            for col, c in zip(t["columns"][1:], cells):
                if "data-chart" not in c["attrs"]:
                    out.append((t["caption"], head, col, c["text"]))
    return out


def csv_records(path: Path) -> list[tuple[str, str, str, str]]:
    import csv

    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["table", "row", "column", "value"]
    return [tuple(r) for r in rows[1:]]  # type: ignore[misc]


# ---------------------------------------------------------------------------------------- the real site

@pytest.mark.slow
def test_the_site_has_every_page_the_issue_names(site_build: Path, real_values) -> None:  # type: ignore[no-untyped-def]
    import polars as pl

    from carestats.reports.data import local_authorities
    from carestats.reports.render import slugify

    root = site_build / "site"
    for name in ("index.html", "england.html", "accessibility.html", "assets/site.css", "assets/site.js"):
        assert (root / name).is_file(), name
    from carestats.indicators.registry import load_indicators
    from carestats.reports.data import load
    from carestats.warehouse.db import WAREHOUSE_NAME

    data = load(site_build / WAREHOUSE_NAME, load_indicators())
    councils = local_authorities(data.values, data.year, data.areas)  # as the PDFs: codes after 31 March
    assert len(councils) >= 150
    for code, name in councils:
        assert (root / "la" / f"{code}-{slugify(name)}.html").is_file(), (code, name)
    ids = sorted(real_values["indicator_id"].unique().to_list())
    for ind in ids:
        assert (root / "indicators" / f"{ind}.html").is_file(), ind
    assert len(list((root / "la").glob("*.html"))) == len(councils)
    assert len(list((root / "indicators").glob("*.html"))) == len(ids)
    manifest = json.loads((site_build / "manifest.json").read_text())
    listed = {rel for rel in manifest["outputs"] if rel.startswith("site/")}
    on_disk = {p.relative_to(site_build).as_posix() for p in root.rglob("*") if p.is_file()}
    assert listed == on_disk  # through the build's manifest (and so its swap), every file of it
    assert not (site_build / "reports").exists()  # --format html renders no PDF
    assert real_values.filter(pl.col("geographic_level") == "Local authority").height


def _lookup(real_values):  # type: ignore[no-untyped-def]
    import polars as pl

    rows = real_values.select("indicator_id", "breakdown", "time_period", "geographic_level", "area_code", "value",
                              "status")
    out = {}
    for r in rows.filter(pl.col("area_code").is_not_null()).iter_rows(named=True):
        key = (r["indicator_id"], r["breakdown"], str(r["time_period"]))
        out[(*key, r["area_code"])] = (r["value"], r["status"])
        if r["geographic_level"] == "National":  # the council pages name England's figure by its level
            out[(*key, "National")] = (r["value"], r["status"])
    return out


@pytest.mark.slow
def test_every_figure_on_a_council_page_equals_indicator_values(site_build: Path, real_values) -> None:  # type: ignore[no-untyped-def]
    from carestats.indicators.registry import load_indicators
    from carestats.reports.formatting import fmt_value

    by_id = {i.id: i for i in load_indicators()}
    known = _lookup(real_values)
    pages = sorted((site_build / "site" / "la").glob("*.html"))
    sample = [p for p in pages if p.name.split("-")[0] in SAMPLE] + pages[::25]
    assert len(sample) >= 10
    checked = 0
    for page in sample:
        p = parse(page)
        value_cols = 0
        for t in p.tables:
            for row in t["rows"]:
                for c in row[1:]:
                    ref = c["attrs"].get("data-ref")
                    if not ref:
                        continue
                    ind_id, breakdown, period, area = ref.split("|")
                    assert (ind_id, breakdown, period, area) in known, (page.name, ref)
                    value, status = known[(ind_id, breakdown, period, area)]
                    ind = by_id[ind_id]
                    assert c["text"] == fmt_value(value, ind.unit, ind.decimals, status), (page.name, ref)
                    checked += 1
            # in each comparison table, every row's council figure is one of those checked
            if t["id"] and t["id"].startswith("t-s-"):
                assert all(row[1]["attrs"].get("data-ref") for row in t["rows"]), (page.name, t["id"])
                value_cols += 1
        assert value_cols >= 3, page.name
    assert checked > 500


@pytest.mark.slow
def test_indicator_pages_rank_every_council_with_figures_from_indicator_values(site_build: Path, real_values) -> None:  # type: ignore[no-untyped-def]
    from carestats.indicators.registry import load_indicators
    from carestats.reports.formatting import fmt_value

    by_id = {i.id: i for i in load_indicators()}
    known = _lookup(real_values)
    councils = len(list((site_build / "site" / "la").glob("*.html")))
    funnels = 0
    for ind_id in ("cla_rate_per_10k", "care_leavers_17_18_eet_pct", "cin_rereferral_pct", "cla_count"):
        page = site_build / "site" / "indicators" / f"{ind_id}.html"
        text = page.read_text(encoding="utf-8")
        p = parse(page)
        ranked = next(t for t in p.tables if t["id"] == "t-ranked")
        assert len(ranked["rows"]) >= councils - 5  # every council with a figure (a few have none)
        for row in ranked["rows"]:
            assert row[0]["text"] and row[1]["text"]
            cell = next(c for c in row[1:] if c["attrs"].get("data-ref"))
            value, status = known[tuple(cell["attrs"]["data-ref"].split("|"))]  # type: ignore[index]
            assert cell["text"] == fmt_value(value, by_id[ind_id].unit, by_id[ind_id].decimals, status)
        series = next(t for t in p.tables if t["id"] == "t-series")
        assert series["rows"][0][0]["text"] == "England"
        funnels += 'id="funnel-t"' in text
        if by_id[ind_id].polarity != "none":
            ranks = [int(r[1]["text"].replace(",", "")) for r in ranked["rows"] if r[1]["text"][0].isdigit()]
            assert ranks == sorted(ranks) and ranks[0] == 1
    assert funnels >= 2  # the rates with a denominator have their funnel plot


@pytest.mark.slow
def test_each_csv_holds_exactly_the_figures_its_page_shows(site_build: Path) -> None:
    root = site_build / "site"
    pages = [root / "index.html", root / "england.html", *sorted((root / "la").glob("*.html"))[:3],
             *sorted((root / "indicators").glob("*.html"))[:3]]
    for page in pages:
        csv_path = page.with_suffix(".csv")
        assert csv_path.is_file(), page
        assert f'href="{csv_path.name}"' in page.read_text(encoding="utf-8") or \
            f'{csv_path.parent.name}/{csv_path.name}"' in page.read_text(encoding="utf-8")
        shown = shown_records(parse(page))
        assert shown and csv_records(csv_path) == [tuple(website.safe_text(x) for x in r) for r in shown], page


@pytest.mark.slow
def test_symbols_are_explained_on_every_page_where_they_appear(site_build: Path) -> None:
    from carestats.core.vocabulary import NO_DATA, SYMBOLS

    seen = set()
    for page in sorted((site_build / "site").rglob("*.html")):
        p = parse(page)
        used = {c["text"] for t in p.tables for row in t["rows"] for c in row[1:]
                if "sym" in (c["attrs"].get("class") or "").split()}
        shows_dash = any(c["text"] == NO_DATA for t in p.tables for row in t["rows"] for c in row[1:])
        assert used <= set(SYMBOLS), (page.name, used)
        assert used <= set(p.key), (page.name, used, p.key)
        if shows_dash:
            assert NO_DATA in p.key, page.name
        seen |= used
    assert seen  # the real files have suppressed figures: the test saw some


@pytest.mark.slow
def test_the_site_is_self_contained(site_build: Path) -> None:
    """Relative links only (it works from file:// and any server), nothing from another host, and every
    link inside the site leads to a file that is there (the PDFs are the build's reports/)."""
    root = site_build / "site"
    for page in sorted(root.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in text
        urls = parse(page).urls
        assert "//" not in "".join(u for u in urls if not u.startswith("#"))
        for url in urls:
            target = url.split("#")[0]
            if not target:
                continue
            resolved = (page.parent / target).resolve()
            if "/reports/" in resolved.as_posix():
                assert resolved.suffix == ".pdf"
                continue
            assert resolved.is_file(), (page.name, url)
    css = (root / "assets" / "site.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css and "@font-face" not in css
    js = (root / "assets" / "site.js").read_text(encoding="utf-8")
    assert "fetch(" not in js and "XMLHttpRequest" not in js and "http" not in js
    assert "@media print" in css


@pytest.mark.slow
def test_readable_without_javascript(site_build: Path) -> None:
    """The filter form only appears when the script runs; every council is listed in the page itself."""
    index = (site_build / "site" / "index.html").read_text(encoding="utf-8")
    assert '<form class="filter" role="search" aria-label="Filter councils" hidden>' in index
    councils = next(t for t in parse(site_build / "site" / "index.html").tables if t["id"] == "t-councils")
    assert len(councils["rows"]) == len(list((site_build / "site" / "la").glob("*.html")))


@pytest.mark.slow
def test_the_site_is_byte_identical_across_builds(site_build: Path, tmp_path: Path) -> None:
    from carestats.indicators.registry import load_indicators
    from carestats.reports import data as reportdata
    from carestats.warehouse import db as warehouse

    indicators = load_indicators()
    con = warehouse.connect(site_build / warehouse.WAREHOUSE_NAME, read_only=True)
    try:
        files = warehouse.query_pl(con, (reportdata.QUERIES / "input_files.sql").read_text(encoding="utf-8"))
    finally:
        con.close()
    data = reportdata.load(site_build / warehouse.WAREHOUSE_NAME, indicators)
    website.write_site(data, indicators, list(files.iter_rows(named=True)), tmp_path / "site")
    ours = {p.relative_to(tmp_path / "site").as_posix(): p.read_bytes() for p in (tmp_path / "site").rglob("*") if p.is_file()}
    built = {p.relative_to(site_build / "site").as_posix(): p.read_bytes()
             for p in (site_build / "site").rglob("*") if p.is_file()}
    assert ours.keys() == built.keys()
    assert [k for k in ours if ours[k] != built[k]] == []


# ---------------------------------------------------------------------------------------- formats, serving

def _options(raw: Path, out: Path, **kw) -> BuildOptions:  # type: ignore[no-untyped-def]
    return BuildOptions(raw=raw, out=out, settings=Settings(jobs=1), **kw)


def test_format_html_then_pdf_each_leaves_the_other_as_it_was(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_release(raw)
    out = tmp_path / "build"
    res = run(_options(raw, out, reports=False, site=True))  # --format html
    assert (out / "site" / "index.html").is_file() and (out / "site" / "la").is_dir()
    assert not (out / "reports").exists() and res.reports == []
    assert len(list((out / "site" / "la").glob("*.html"))) == 3
    assert run(_options(raw, out, reports=False, site=True)).up_to_date  # nothing to do the second time
    site_files = {p: p.read_bytes() for p in (out / "site").rglob("*") if p.is_file()}
    res = run(_options(raw, out, reports=True, site=False))  # --format pdf
    assert len(res.reports) == 4
    assert {p: p.read_bytes() for p in (out / "site").rglob("*") if p.is_file()} == site_files
    manifest = json.loads((out / "manifest.json").read_text())
    assert "site/index.html" in manifest["outputs"] and "reports/england-2025.pdf" in manifest["outputs"]
    res = run(_options(raw, out))  # both: the site is made again, the same bytes
    assert {p: p.read_bytes() for p in (out / "site").rglob("*") if p.is_file()} == site_files


def test_no_reports_makes_no_site(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_release(raw)
    run(_options(raw, tmp_path / "build", reports=False))
    assert not (tmp_path / "build" / "site").exists()


def test_cli_format_option(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from carestats.cli.commands import app

    raw = tmp_path / "raw"
    write_release(raw)
    out = tmp_path / "build"
    result = CliRunner().invoke(app, ["-q", "build", "--raw", str(raw), "--out", str(out), "--format", "html"])
    assert result.exit_code == 0, result.output
    assert (out / "site" / "england.html").is_file() and not (out / "reports").exists()
    result = CliRunner().invoke(app, ["build", "--raw", str(raw), "--out", str(out), "--format", "docx"])
    assert result.exit_code != 0 and "--format 'docx' is not a format" in str(result.exception)


def test_serve_listens_on_loopback_only(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>t</title>", encoding="utf-8")
    server = website.serve(tmp_path, 0)
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1" and port > 0
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=10) as resp:
            assert resp.read().startswith(b"<!DOCTYPE html>")
    finally:
        server.shutdown()
        server.server_close()


def test_serve_command_prints_a_loopback_address_and_serves_the_site(tmp_path: Path) -> None:
    site_dir = tmp_path / "build" / "site"
    site_dir.mkdir(parents=True)
    (site_dir / "index.html").write_text("<!DOCTYPE html><title>the site</title>", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "carestats", "serve", "--out", str(tmp_path / "build")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**__import__("os").environ, "PYTHONPATH": str(paths.PACKAGE_DIR.parent)})
    try:
        line = proc.stdout.readline()  # type: ignore[union-attr]
        assert "http://127.0.0.1:" in line, line + proc.stderr.read()  # type: ignore[union-attr]
        url = line.split(" at ")[1].split()[0]
        with urllib.request.urlopen(url + "index.html", timeout=10) as resp:
            assert b"the site" in resp.read()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_without_a_site_says_what_to_do(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from carestats.cli.commands import app

    result = CliRunner().invoke(app, ["serve", "--out", str(tmp_path / "nothing")])
    assert result.exit_code != 0
    assert "no web edition" in str(result.exception) and "carestats build" in str(result.exception)


def test_csv_cells_are_formula_safe() -> None:
    t = website.Table("t", "=caption", "Area", [website.Column("2025", num=True)],
                      [website.Row("+cmd", [website.SiteCell("@sum")]), website.Row("Kent", [website.SiteCell("\u221212")])])
    text = website.csv_bytes([t]).decode("utf-8").splitlines()
    assert text[1] == "'=caption,'+cmd,2025,'@sum"
    assert text[2] == "'=caption,Kent,2025,\u221212"  # the report's minus sign is no formula


def test_page_names_come_from_codes_not_free_text() -> None:
    assert website.la_page("E10000016", "Kent") == "la/E10000016-kent.html"
    assert website.la_page("E06000052", "Cornwall / Isles of Scilly") == "la/E06000052-cornwall-isles-of-scilly.html"
    with pytest.raises(ValueError):
        website.la_page("../../etc", "x")
    assert website.indicator_page("cla_rate") == "indicators/cla_rate.html"


@pytest.mark.slow
def test_the_england_page_shows_the_chapters_charts_as_the_pdf_does(site_build: Path) -> None:
    """The web edition's chapters carry what the PDF's carry: the councils' spread (a funnel plot where the measure
    has a denominator, else the dot plot by region), the hex map, leaving care by age (chart and table, which the
    page's CSV then holds) and the GCSE gap with what the files lack."""
    from carestats.reports.england import GCSE_GAP_MISSING

    page = (site_build / "site" / "england.html").read_text(encoding="utf-8")
    funnels = re.findall(r'<title id="ch-([a-z-]+)-funnel-t">', page)
    dots = re.findall(r'<title id="ch-([a-z-]+)-spread-t">', page)
    assert len(funnels) == 5 and len(dots) == 2 and not set(funnels) & set(dots), (funnels, dots)
    assert len(re.findall(r'<title id="ch-[a-z-]+-hexmap-t">', page)) == 1
    assert "Leaving care at 16 and 17, and at 18" in page and re.search(r'<title id="ch-[a-z-]+-ages-t">', page)
    parsed = Tables()
    parsed.feed(page)
    ages = [t for t in parsed.tables if t["caption"] == "Children who left care, England, by age on leaving"]
    assert len(ages) == 1 and {r[0]["text"] for r in ages[0]["rows"]} == {"16", "17", "18 or over"}, ages
    assert all(len(r) == 1 + len(ages[0]["columns"]) - 1 for r in ages[0]["rows"])
    assert html.escape(GCSE_GAP_MISSING, quote=False).split(".")[0] in page


KEY_LINE = re.compile(r'<text [^>]*font-size="6" fill="#[0-9a-f]+"(?: font-weight="bold")?>([^<]*)</text>')


@pytest.mark.slow
def test_an_indicator_pages_funnel_is_the_england_reports_and_its_table_places_every_council(site_build: Path) -> None:
    """One funnel plot in the whole web edition: an indicator page draws the England chapter's, naming the
    same councils outside the 99.8% limits, and its table places every council against both limits as the
    comparisons table's own limits do (the indicator pages once marked the councils outside the 95% limits,
    with a geometry of their own)."""
    import polars as pl

    from carestats.reports import charts
    from carestats.reports.formatting import NO_DATA, fmt_period

    site = site_build / "site"
    england = (site / "england.html").read_text(encoding="utf-8")
    comp = pl.read_parquet(site_build / "indicators" / "comparisons.parquet")
    checked = 0
    for chapter in england.split("<h3>How far apart the councils are: ")[1:]:
        if "-funnel-t" not in chapter.split("</figure>")[0]:
            continue
        href = re.search(r'href="(indicators/[a-z0-9_]+)\.html"', chapter).group(1)  # type: ignore[union-attr]
        page = (site / f"{href}.html").read_text(encoding="utf-8")
        drawn = page.split('<section aria-labelledby="funnel-h">')[1].split("</section>")[0]
        key = KEY_LINE.findall(chapter.split("</figure>")[0])
        assert key and KEY_LINE.findall(drawn) == key, href
        assert 'id="funnel-t"' in drawn and "hollow" not in drawn
        p = parse(site / f"{href}.html")
        ranked = next(t for t in p.tables if t["id"] == "t-ranked")
        assert ranked["columns"][-1] == "Against the funnel limits"
        period_text = re.search(r"<h2 id=\"funnel-h\">Funnel plot, ([^<]+)</h2>", page).group(1)  # type: ignore[union-attr]
        ind_id = href.split("/")[1]
        now = comp.filter((pl.col("indicator_id") == ind_id) & (pl.col("geographic_level") == "Local authority"))
        now = now.filter(pl.col("time_period").map_elements(fmt_period, return_dtype=pl.String) == period_text)
        breakdowns = now["breakdown"].unique().to_list()
        now = now.filter(pl.col("breakdown") == ("Total" if "Total" in breakdowns else breakdowns[0]))
        by_code = {r["area_code"]: r for r in now.iter_rows(named=True)}
        for row in ranked["rows"]:
            code, said = row[2]["text"], row[-1]["text"]
            assert said == (charts.funnel_position(by_code[code]) or NO_DATA), (ind_id, code)
            checked += 1
    assert checked > 500  # five chapters' funnels, about 150 councils each
