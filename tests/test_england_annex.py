"""The England report's annex (issue 16): compact tables of England and the regions by year, set two side by
side in rows (or one wide table) with a fixed table layout and no CSS columns, each row followed by its
tables' definitions and sources; and the real report's pages, none left more than a third empty except
the last page of a chapter."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from test_la_reports import REGION, ind
from test_report_meaning import comparisons_of

from carestats.core import paths
from carestats.core.settings import Settings
from carestats.indicators.compute import SCHEMA
from carestats.reports.data import ReportData
from carestats.reports.england import ANNEX_PERIODS, Cell, annex_rows, annex_table, england_context
from carestats.reports.render import environment


def block(name: str, periods: int, figure: str, kind: str = "national", status: str | None = None) -> dict:
    years = [str(2015 + k) for k in range(periods)]
    return {"kind": kind, "ind": name, "periods": years,
            "rows": [{"name": "England", "cells": [Cell(figure, status) for _ in years]}]}


def test_an_annex_table_keeps_the_latest_periods_and_is_wide_only_when_its_figures_need_it() -> None:
    t = annex_table(block("a", 10, "81,770"))
    assert t["periods"] == [str(2015 + k) for k in range(10 - ANNEX_PERIODS, 10)]
    assert [len(r["cells"]) for r in t["rows"]] == [ANNEX_PERIODS] and t["first_col"] == "Area"
    assert not t["wide"]  # six figures of six characters fit half the page
    assert annex_table(block("b", 6, "31,852.3"))["wide"]  # six of eight do not
    assert not annex_table(block("c", 2, "£8,917,040k"))["wide"]  # two long ones do
    assert annex_table(block("d", 6, "x", kind="grade"))["first_col"] == ""
    sym = annex_table(block("e", 6, "c", status="c"))["rows"][0]["cells"][0]
    assert (sym.text, sym.status) == ("c", "c")  # the publisher's symbol stays a symbol


def test_annex_rows_pair_half_width_tables_in_order_and_give_a_wide_table_a_row_of_its_own() -> None:
    blocks = [block("a", 6, "1"), block("wide", 6, "31,852.3"), block("b", 6, "1"), block("c", 6, "1"),
              block("d", 6, "1"), block("e", 6, "1")]
    for b in blocks:
        b["annex"] = annex_table(b)
    assert [[b["ind"] for b in row] for row in annex_rows(blocks)] == [["a", "b"], ["wide"], ["c", "d"], ["e"]]
    assert annex_rows([]) == []


def test_the_england_annex_is_rows_of_fixed_layout_tables_with_their_notes_and_no_css_columns() -> None:
    """Eight indicators of one theme, England and a region each: four rows of two tables, every table's
    title, definition and source in the notes after its row; the layout has no CSS columns."""
    inds = [ind(f"m{k}", "children_in_care", "count", polarity="none", title=f"Measure {k}") for k in range(8)]
    values = [{"indicator_id": i.id, "time_period": p, "geographic_level": level, "area_code": code,
               "area_name": name, "breakdown": "Total", "value": 1000.0 + p, "status": None, "numerator": None,
               "denominator": None, "release": "demo-2025"}
              for i in inds for p in range(2016, 2026)
              for level, code, name in (("National", "E92000001", "England"), ("Regional", *REGION))]
    frame = pl.DataFrame(values, schema=SCHEMA)
    data = ReportData(values=frame, comparisons=comparisons_of(frame, inds), year=2025, revisions=pl.DataFrame(),
                      areas=pl.DataFrame())
    html = environment().get_template("england.html.j2").render(
        **england_context(data, inds, [], Settings()))
    annex = html[html.index('<section class="annex"'):html.index('<section class="method"')]
    rows = re.findall(r'<div class="annex-row">(.*?)</div>\s*<div class="annex-notes">(.*?)</div>', annex, re.S)
    assert len(rows) == 4
    for k, (tables, notes) in enumerate(rows):
        assert tables.count('<table class="values annex-values">') == 2 and "wide" not in tables
        for m in (2 * k, 2 * k + 1):
            assert f"<caption>Measure {m}</caption>" in tables
            assert f"<strong>Measure {m}:</strong> Definition of m{m}." in notes and f"m{m}.csv" in notes
        assert tables.count('<th scope="col" class="num">') == 2 * ANNEX_PERIODS
    css = re.sub(r"/\*.*?\*/", "", (paths.TEMPLATES_DIR / "england.css").read_text(encoding="utf-8"), flags=re.S)
    assert not re.search(r"(^|[;{\s])columns\s*:", css)  # WeasyPrint lays CSS columns out again and again
    assert re.search(r"table\.annex-values \{[^}]*table-layout: fixed", css)


def _lines(page) -> list[tuple[float, str]]:  # type: ignore[no-untyped-def]
    """The page's text pieces with the height of each baseline (points from the bottom of the page)."""
    out: list[tuple[float, str]] = []

    def seen(text, cm, tm, font, size):  # type: ignore[no-untyped-def]
        if text.strip():
            out.append((cm[5] + tm[5] * cm[3], text.strip()))

    page.extract_text(visitor_text=seen)
    return out


@pytest.mark.slow
def test_no_page_of_the_england_report_is_left_more_than_a_third_empty_but_a_chapters_last(full_build: Path) -> None:
    """A page's text reaches at least two thirds of the way down its content area, unless the next page
    starts a chapter (its heading is the first text on it) or it is the last page."""
    from pypdf import PdfReader

    from carestats.reports.england import CHAPTERS

    reader = PdfReader(full_build / "reports" / "england-2025.pdf")
    starts = ("Key messages", *(c.title for c in CHAPTERS), "Annex: tables by region and year",
              "Method and sources")
    height = float(reader.pages[0].mediabox.height)
    top, bottom = height - 16 / 25.4 * 72, 18 / 25.4 * 72  # report.css: @page margins 16 mm and 18 mm
    pages = [[(y, t) for y, t in _lines(p) if y > bottom] for p in reader.pages]  # the footer is below
    assert len(pages) <= 30
    annex = [n for n, p in enumerate(pages) if p and max(p)[1].startswith("Annex:")]
    assert annex, "no annex page"
    for n, page in enumerate(pages[:-1]):
        following = pages[n + 1]
        if following and max(following)[1].startswith(starts):
            continue  # the last page of a chapter
        filled = (top - min(y for y, _ in page)) / (top - bottom)
        assert filled >= 2 / 3 - 0.03, f"page {n + 1} is filled to {filled:.0%}"
