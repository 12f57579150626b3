"""The England report from the real files: text, symbols, tagging, and identical bytes on a rebuild."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

pytestmark = pytest.mark.slow


def text_of(pdf: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(pdf).pages)


def test_england_report_shows_the_published_figures(real_build: Path) -> None:
    pdf = real_build / "reports" / "england-2025.pdf"
    text = text_of(pdf)
    assert "81,770" in text and "83,530" in text
    assert "Children looked after at 31 March" in text
    assert "Method, sources and symbols" in text
    for symbol_line in ("suppressed to protect confidentiality", "not applicable"):
        assert symbol_line in text


def test_report_is_tagged_and_titled(real_build: Path) -> None:
    reader = PdfReader(real_build / "reports" / "england-2025.pdf")
    assert reader.metadata.title == "Children's social care in England 2025"
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"


def test_manifest_records_inputs_versions_and_outputs(real_build: Path) -> None:
    doc = json.loads((real_build / "manifest.json").read_text())
    loaded = [i for i in doc["inputs"] if i["status"] == "loaded"]
    assert len(loaded) >= 60 and all(len(i["sha256"]) == 64 and i["rows"] > 0 for i in loaded)
    assert doc["versions"]["duckdb"] and doc["versions"]["weasyprint"]
    pdf = real_build / "reports" / "england-2025.pdf"
    assert doc["outputs"]["reports/england-2025.pdf"]["sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest()


def test_two_builds_give_identical_reports_and_exports(real_build: Path, raw_dir: Path, tmp_path: Path) -> None:
    from carestats.build import BuildOptions, run

    again = tmp_path / "again"
    run(BuildOptions(raw=raw_dir, out=again))
    for rel in ("reports/england-2025.pdf", "indicators/indicator_values.csv",
                "indicators/indicator_values.parquet"):
        assert (again / rel).read_bytes() == (real_build / rel).read_bytes(), rel
