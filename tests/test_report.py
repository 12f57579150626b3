"""The England and local authority reports from the real files: figures, symbols, comparisons, tagging,
and identical bytes on a rebuild."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

pytestmark = pytest.mark.slow


def text_of(pdf: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(pdf).pages)


def test_england_report_shows_the_published_figures(full_build: Path) -> None:
    pdf = full_build / "reports" / "england-2025.pdf"
    text = text_of(pdf)
    assert "81,770" in text and "83,530" in text
    assert "Children looked after at 31 March" in text
    assert "Method and sources" in text
    assert "81,770 children were looked after on 31 March 2025, 2% fewer than a year earlier" in text
    for symbol_line in ("suppressed to protect confidentiality", "not applicable"):
        assert symbol_line in text


def test_report_is_tagged_and_titled(full_build: Path) -> None:
    reader = PdfReader(full_build / "reports" / "england-2025.pdf")
    assert reader.metadata.title == "Children's social care in England 2025"
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"


def test_manifest_records_inputs_versions_and_outputs(full_build: Path) -> None:
    doc = json.loads((full_build / "manifest.json").read_text())
    loaded = [i for i in doc["inputs"] if i["status"] == "loaded"]
    assert len(loaded) >= 60 and all(len(i["sha256"]) == 64 and i["rows"] > 0 for i in loaded)
    assert doc["versions"]["duckdb"] and doc["versions"]["weasyprint"]
    pdf = full_build / "reports" / "england-2025.pdf"
    assert doc["outputs"]["reports/england-2025.pdf"]["sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest()


def test_a_second_build_makes_the_same_data_and_the_same_html_for_every_report(full_build: Path, raw_dir: Path,
                                                                              tmp_path: Path, capsys) -> None:
    """Reproducible, without a second full render: a second build of the same files (plus one file it does
    not load, so that nothing is taken from the first build's data) makes every data output again, byte for
    byte, and every report's HTML again: a report whose HTML (so its PDF key) is unchanged is linked, so all
    154 are, except four PDFs edited after the first build, which are rendered again to the same bytes."""
    from buildcompare import snapshot, tables

    from carestats.core.progress import Reporter
    from carestats.pipeline.build import BuildOptions, run

    raw, again = tmp_path / "raw", tmp_path / "again"
    shutil.copytree(raw_dir, raw)
    (raw / "notes.txt").write_text("where these files came from\n", encoding="utf-8")
    shutil.copytree(full_build, again)
    edited = [again / "reports" / "england-2025.pdf",
              *(la_pdf(again, code) for code in ("E10000016", "E09000001", "E06000063"))]
    for pdf in edited:  # same size, other bytes: not trusted, so rendered again
        original = pdf.read_bytes()
        pdf.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    capsys.readouterr()
    res = run(BuildOptions(raw=raw, out=again), Reporter())
    err = capsys.readouterr().err
    assert "ingest: reading" in err and f"compute: {res.indicators} indicators" in err  # the data stage ran again
    assert f"render: {len(res.reports) - len(edited)} reused, {len(edited)} rendered" in err
    first, second = snapshot(full_build), snapshot(again)
    assert first.keys() == second.keys() and len(res.reports) >= 150
    differ = [name for name in first if first[name] != second[name]]
    assert differ == ["carestats.duckdb", "manifest.json"], differ  # DuckDB stamps its file; notes.txt is listed
    a, b = tables(full_build / "carestats.duckdb"), tables(again / "carestats.duckdb")
    assert a.keys() == b.keys() and all(a[t] == b[t] for t in a if t != "meta.input_files")


def la_pdf(build: Path, code: str) -> Path:
    found = sorted((build / "reports" / "la").glob(f"{code}-*-2025.pdf"))
    assert len(found) == 1, found
    return found[0]


def test_one_report_per_local_authority_of_the_latest_year(full_build: Path) -> None:
    import re

    from carestats.indicators.registry import load_indicators
    from carestats.reports import data as reportdata

    data = reportdata.load(full_build / "carestats.duckdb", load_indicators())
    want = reportdata.local_authorities(data.values, 2025, data.areas)
    got = sorted((full_build / "reports" / "la").glob("*.pdf"))
    assert [p.name.split("-")[0] for p in got] == [c for c, _ in want]
    assert len(got) >= 150 and all(re.fullmatch(r"E\d{8}-[a-z0-9-]+-2025\.pdf", p.name) for p in got)
    reader = PdfReader(la_pdf(full_build, "E10000016"))
    assert reader.metadata.title == "Kent: children's social care 2025"
    assert "/StructTreeRoot" in reader.trailer["/Root"] and reader.trailer["/Root"]["/Lang"] == "en-GB"


def test_la_report_shows_its_own_figures_beside_its_comparators(full_build: Path, real_values) -> None:
    import polars as pl

    from carestats.reports.formatting import fmt_value

    comp = pl.read_parquet(full_build / "indicators" / "comparisons.parquet")
    row = comp.filter((pl.col("indicator_id") == "cla_rate_per_10k") & (pl.col("area_code") == "E10000016")
                      & (pl.col("time_period") == 2025) & (pl.col("breakdown") == "Total")).row(0, named=True)
    text = " ".join(text_of(la_pdf(full_build, "E10000016")).split())
    for figure in (row["value"], row["sn_median"], row["region_value"], row["england_value"]):
        assert fmt_value(figure, "rate per 10,000", 0) in text
    assert row["rank"] is None  # a rate of children in care has no better direction, so no rank
    ranked = comp.filter((pl.col("indicator_id") == "cla_3plus_placements_pct") & (pl.col("area_code") == "E10000016")
                         & (pl.col("time_period") == 2025) & (pl.col("breakdown") == "Total")).row(0, named=True)
    assert ranked["rank"] is not None and f"{ranked['rank']} of {ranked['rank_of']}" in text
    assert "Kent" in text and "South East" in text and "statistical neighbours" in text
    assert "Ofsted" in text and "Method and sources" in text


def test_suppression_and_reorganisation_are_explained(full_build: Path) -> None:
    city = " ".join(text_of(la_pdf(full_build, "E09000001")).split())
    assert "suppressed to protect confidentiality (c)" in city
    cumberland = " ".join(text_of(la_pdf(full_build, "E06000063")).split())
    assert "Cumbria" in cumberland  # why its figures start in 2024



def _flat(pdf: Path) -> str:
    return " ".join(text_of(pdf).split())


def test_england_report_is_a_publication_of_at_most_30_pages_with_its_chapters(full_build: Path) -> None:
    from carestats.reports.england import CHAPTERS

    pdf = full_build / "reports" / "england-2025.pdf"
    reader = PdfReader(pdf)
    assert len(reader.pages) <= 30
    flat = _flat(pdf)
    pos = flat.index("Method and sources")  # the last line of the contents
    for heading in ("Key messages", *(c.question for c in CHAPTERS), "Annex: tables by region and year",
                    "Method and sources"):
        pos = flat.index(heading, pos + 1)  # each in its turn after the contents
    assert "How far apart the councils are: Rate in care per 10,000, 2025" in flat


def test_england_key_messages_and_narrative_equal_the_warehouse(full_build: Path) -> None:
    """Each statement's figure, its change and its first year are those of indicator_values (read here
    from the build's export, not from the report's own context)."""
    import polars as pl

    from carestats.indicators.registry import load_indicators
    from carestats.reports.england import KEY_MESSAGES
    from carestats.reports.formatting import SYMBOLS, fmt_period, fmt_value

    flat = _flat(full_build / "reports" / "england-2025.pdf")
    key_page = flat.split("Key messages", 2)[2].split("How many children are in care")[0]
    values = pl.read_parquet(full_build / "indicators" / "indicator_values.parquet")
    nat = values.filter(pl.col("geographic_level") == "National")
    inds = {i.id: i for i in load_indicators()}
    checked = 0
    for ind_id in KEY_MESSAGES:
        rows = nat.filter(pl.col("indicator_id") == ind_id).sort("time_period")
        if rows["breakdown"].n_unique() > 1:
            rows = rows.filter(pl.col("breakdown") == "Total")
        if rows.is_empty():
            continue
        ind, last, first = inds[ind_id], rows.row(-1, named=True), rows.row(0, named=True)
        figure = fmt_value(last["value"], ind.unit, ind.decimals, last["status"])
        assert f"{figure} {ind.short_title}" in key_page, ind_id
        if rows.height > 2 and first["value"] is not None:
            assert (f"In {fmt_period(first['time_period'])}, the first year in the files, the figure was "
                    f"{fmt_value(first['value'], ind.unit, ind.decimals)}.") in key_page, ind_id
        elif rows.height > 2:  # a symbol, never a 0 or a blank, then the first figure published
            known = rows.filter(pl.col("value").is_not_null()).row(0, named=True)
            assert (f"The first year in the files, {fmt_period(first['time_period'])}, is "
                    f"{SYMBOLS[first['status']]} ({first['status']}); the first published figure is "
                    f"{fmt_value(known['value'], ind.unit, ind.decimals)} in {fmt_period(known['time_period'])}"
                    ) in key_page, ind_id
        checked += 1
    assert checked >= 8
    cla = nat.filter(pl.col("indicator_id") == "cla_count").sort("time_period")
    now, before = cla["value"][-1], cla["value"][-2]
    change = round(abs(now - before) / before * 100)
    assert (f"{now:,.0f} children were looked after on 31 March 2025, {change}% "
            f"{'fewer' if now < before else 'more'} than a year earlier") in key_page
    assert cla["time_period"][0] == 1994 and f"the figure was {cla['value'][0]:,.0f}." in key_page
    # the chapter's councils: the highest and lowest rates in care of 2025 are named with their figures
    rate = values.filter((pl.col("indicator_id") == "cla_rate_per_10k") & (pl.col("time_period") == 2025)
                         & (pl.col("geographic_level") == "Local authority") & pl.col("value").is_not_null())
    top, bottom = rate.sort("value").row(-1, named=True), rate.sort("value").row(0, named=True)
    assert f"the highest are {top['area_name']} ({top['value']:,.0f})" in flat
    assert f"the lowest are {bottom['area_name']} ({bottom['value']:,.0f})" in flat
