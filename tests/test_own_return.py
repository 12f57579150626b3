"""The council's own SSDA903 return in its report (reports/own_return.py): the section beside the published
figures, under disclosure control unless the internal edition is asked for, whose every page is then
marked; the validation summary; and no child identifier in the report."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from privacy import scan_outputs
from pypdf import PdfReader
from test_site_browser import browser_type_launch_args  # noqa: F401  (Debian's Chromium, no download)
from test_ssda903 import LA, ep, hd, write_table
from typer.testing import CliRunner

from carestats.cli.commands import app
from carestats.core.settings import Settings
from carestats.core.vocabulary import UNSUPPRESSED_MARK
from carestats.indicators.registry import load_indicators
from carestats.reports import data as report_data
from carestats.reports.local_authority import LAIndex, la_context
from carestats.reports.render import environment, html_to_pdf

runner = CliRunner()
IDS = [f"KENT{i:05d}" for i in range(40)]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, raw_dir: Path) -> Path:
    """A build of one published file and two years of Kent's returns: 40 children in care on 31 March 2025,
    3 of whom came in during the year (a small count)."""
    root = tmp_path_factory.mktemp("own")
    mp = pytest.MonkeyPatch()
    mp.setenv("CARESTATS_KEY_FILE", str(root / "key"))
    mp.setenv("CARESTATS_VALIDATOR_PYTHON", str(root / "no-validator"))  # the hand-made return: not validated
    for folder, start in (("2023-24", "01/01/2023"), ("2024-25", "01/01/2023")):
        y = root / "returns" / folder
        write_table(y, "header", [hd(c, "17/08/2011", upn="UPN0000000001") for c in IDS])
        write_table(y, "episodes", [ep(c, "01/06/2024" if i < 3 and folder == "2024-25" else start,
                                       home="M1 1AA", pl="B1 1AA") for i, c in enumerate(IDS)])
    raw = root / "raw"
    raw.mkdir()
    published = raw_dir / "cla" / "2025_release" / "cla_number_and_rate_per_10k_children.csv"
    shutil.copyfile(published, raw / published.name)
    out = root / "out"
    res = runner.invoke(app, ["-q", "build", "--raw", str(raw), "--ssda903", str(root / "returns"), "--la", LA,
                              "--out", str(out), "--format", "html"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["-q", "report", "--area", LA, "--out", str(out)])
    assert res.exit_code == 0, res.output
    mp.undo()
    return out


def _text(pdf: Path) -> list[str]:
    return [p.extract_text() for p in PdfReader(pdf).pages]


def test_the_councils_report_sets_its_own_return_beside_the_published_figures(built: Path) -> None:
    (pdf,) = (built / "reports" / "la").glob(f"{LA}-*.pdf")
    pages = "\n".join(_text(pdf))
    assert "Our own return, 2025: not yet published" in pages
    assert "Own return 2025 (not yet published)" in pages.replace("\n", " ")
    assert UNSUPPRESSED_MARK not in pages
    assert "not checked against the DfE's validation rules" in pages
    assert "Counts from 1 to 5" in pages


def _context(out: Path, unsuppressed: bool) -> dict:
    indicators = load_indicators()
    data = report_data.load(out / "carestats.duckdb", indicators)
    return la_context(LAIndex(data, indicators), LA, "Kent", [], Settings(unsuppressed=unsuppressed))


def test_small_counts_are_c_in_the_report_and_exact_only_in_the_marked_edition(built: Path, tmp_path: Path) -> None:
    shown = {r["label"]: r["value"].text for r in _context(built, False)["own_return"]["rows"]}
    starting = next(k for k in shown if k.lower().startswith("children who started"))
    assert shown[starting] == "c"  # 3 children came into care
    ctx = _context(built, True)
    exact = {r["label"]: r["value"].text for r in ctx["own_return"]["rows"]}
    assert exact[starting] == "3" and exact["Children looked after at 31 March"] == "40"
    html = environment().get_template("la.html.j2").render(**ctx)
    pdf = tmp_path / "internal.pdf"
    html_to_pdf(html, pdf)
    pages = _text(pdf)
    assert len(pages) > 1 and all(UNSUPPRESSED_MARK in p for p in pages)  # on every page


def test_the_validation_summary_counts_the_errors_of_the_return(built: Path) -> None:
    indicators = load_indicators()
    data = report_data.load(built / "carestats.duckdb", indicators)
    data.validation = pl.DataFrame({"return_year": [2025, 2025, 2025, 2024], "rule": ["103", "103", "231", "103"],
                                    "outcome": ["error", "error", "could not run", "error"]})
    v = la_context(LAIndex(data, indicators), LA, "Kent", [], Settings())["own_return"]["validation"]
    assert (v["checked"], v["errors"], v["rules"], v["not_run"]) == (True, 2, 1, ["231"])
    assert v["top"] == [{"rule": "103", "count": 2}]


def test_other_councils_reports_have_no_such_section(built: Path) -> None:
    indicators = load_indicators()
    data = report_data.load(built / "carestats.duckdb", indicators)
    assert la_context(LAIndex(data, indicators), "E06000001", "Hartlepool", [], Settings())["own_return"] is None


def test_the_councils_web_page_has_the_section_and_its_figures_in_the_csv(built: Path) -> None:
    page = (built / "site" / "la" / f"{LA}-kent.html").read_text(encoding="utf-8")
    assert 'id="own-return"' in page and "Own return 2025 (not yet published)" in page
    rows = pl.read_csv(built / "site" / "la" / f"{LA}-kent.csv", infer_schema=False)
    own = rows.filter(pl.col("column") == "Own return 2025 (not yet published)")
    assert dict(zip(own["row"], own["value"]))["Children looked after at 31 March"] == "40"
    other = (built / "site" / "la").glob("E06000001-*.html")
    assert 'id="own-return"' not in next(other).read_text(encoding="utf-8")


def test_no_child_identifier_in_the_report(built: Path, tmp_path: Path) -> None:
    found = scan_outputs(built, {"child_id": IDS, "dob": ["2011-08-17"], "upn": ["UPN0000000001"],
                                 "postcode": ["M1 1AA", "B1 1AA"]})
    assert not found, found


@pytest.mark.browser
def test_the_own_return_section_passes_axe_with_no_violation(page, built: Path) -> None:
    from test_site_browser import AXE, axe_violations

    if not AXE.is_file():
        pytest.fail(f"no axe-core at {AXE}: run `make setup` (it runs `npm ci` for package.json)", pytrace=False)
    page.goto((built / "site" / "la" / f"{LA}-kent.html").resolve().as_uri())
    assert page.locator("#own-return").count() == 1
    violations = axe_violations(page, AXE)
    assert violations == [], [(v["id"], v["help"], v["nodes"][:3]) for v in violations]


def test_the_own_return_tables_give_their_columns_for_fixed_table_layout(built: Path) -> None:
    """report.css lays the comparison and trend tables out from their columns (table-layout: fixed); the
    own return's tables share those classes, so each gives one <col> per column too, else its columns
    would be cut into equal widths."""
    import re

    from carestats.reports.render import environment

    html = environment().get_template("la.html.j2").render(**_context(built, False))
    tables = re.findall(r'<table class="(compare own|trend-table own-years)">(.*?)</table>', html, re.DOTALL)
    assert {kind for kind, _ in tables} == {"compare own", "trend-table own-years"}
    for kind, table in tables:
        cols = re.search(r"<colgroup>(.*?)</colgroup>", table, re.DOTALL)
        head = re.search(r"<thead>(.*?)</thead>", table, re.DOTALL)
        assert cols and head and cols.group(1).count("<col") == head.group(1).count("<th "), kind
