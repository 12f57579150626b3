"""A charity's own report from carestats.toml: its name, colours and logo, its own indicator, its own
template on top of the built-ins, and the sections it chose — end to end through `carestats build`."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pypdf
import pytest
from typer.testing import CliRunner

from carestats.cli.commands import app

HEADER = ("time_period,time_identifier,geographic_level,country_code,country_name,population_type,children_count,"
          "population_estimate,rate_per_10000\n")
ROWS = [
    "2024,Reporting year,National,E92000001,England,Children starting to be looked after each year,32000,12100000,26",
    "2024,Reporting year,National,E92000001,England,Children looked after on 31 March each year,83530,12100000,69",
    "2025,Reporting year,National,E92000001,England,Children starting to be looked after each year,33000,12183016,27",
    "2025,Reporting year,National,E92000001,England,Children looked after on 31 March each year,81770,12183016,67",
]
OVERRIDE = """{% extends "builtin/england.html.j2" %}
{% block body %}<p class="board-note">Prepared for the board of the Example Trust</p>{{ super() }}{% endblock %}
"""


def png(width: int = 4, height: int = 2) -> bytes:
    """A tiny solid-colour PNG, written by hand so the test needs no imaging library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xd5\x5e\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def project(tmp_path: Path, sections: str = "children_in_care = false", logo: bool = True) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "cla_number_and_rate_per_10k_children.csv").write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["indicators", "new", "trust_starters", "--dir", str(tmp_path / "mine")]).exit_code == 0
    templates = tmp_path / "my-templates"
    templates.mkdir()
    (templates / "england.html.j2").write_text(OVERRIDE, encoding="utf-8")
    if logo:
        (tmp_path / "logo.png").write_bytes(png())
    (tmp_path / "carestats.toml").write_text(f"""
[report]
sections = {{ {sections} }}

[branding]
organisation = "Example Trust"
{'logo = "logo.png"' if logo else ''}
primary_colour = "#5a1e6e"
accent_colour = "#b34700"

[paths]
raw = "raw"
out = "out"
indicators = ["mine"]
templates = ["my-templates"]
""", encoding="utf-8")
    return tmp_path / "carestats.toml"


def build(config: Path) -> Path:
    res = CliRunner().invoke(app, ["-q", "--config", str(config), "build"])
    assert res.exit_code == 0, res.output
    return config.parent / "out"


def text_and_images(pdf: Path) -> tuple[str, int]:
    """The text, and how many distinct raster images the PDF holds (pages share one resource dictionary)."""
    reader = pypdf.PdfReader(pdf)
    sizes = {(im.name, im.image.size) for p in reader.pages for im in p.images}
    return "\n".join(p.extract_text() for p in reader.pages), len(sizes)


@pytest.fixture(scope="module")
def branded(tmp_path_factory) -> Path:
    return build(project(tmp_path_factory.mktemp("branded")))


def test_the_report_carries_the_organisation_its_logo_and_colours(branded: Path) -> None:
    text, images = text_and_images(branded / "reports" / "england-2025.pdf")
    assert "EXAMPLE TRUST ANNUAL REPORT" in text.upper()
    assert images == 1  # the logo (4×2 pixels), embedded from the file named in carestats.toml
    reader = pypdf.PdfReader(branded / "reports" / "england-2025.pdf")
    assert reader.metadata.author == "Example Trust"
    drawn = "".join(p.get_contents().get_data().decode("latin-1") for p in reader.pages)
    assert "0.352941 0.117647 0.431373 rg" in drawn  # headings in the primary colour #5a1e6e


def test_a_users_template_extends_the_builtin_one(branded: Path) -> None:
    text, _ = text_and_images(branded / "reports" / "england-2025.pdf")
    assert "Prepared for the board of the Example Trust" in text
    assert "Method and sources" in text  # the rest of the built-in report is still there


def test_own_indicator_is_in_values_exports_and_report(branded: Path) -> None:
    text, _ = text_and_images(branded / "reports" / "england-2025.pdf")
    assert "Additional indicators" in text and "Trust starters" in text
    assert "33,000" in text
    assert "trust_starters" in (branded / "exports" / "indicator_values.csv").read_text(encoding="utf-8")
    from openpyxl import load_workbook

    wb = load_workbook(branded / "exports" / "carestats_indicators.xlsx", read_only=True)
    cells = {str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c}
    assert "trust_starters" in cells


def test_a_section_switched_off_is_not_in_the_report(branded: Path, tmp_path: Path) -> None:
    text, _ = text_and_images(branded / "reports" / "england-2025.pdf")
    assert "Children in care" not in text.split("Additional indicators")[0].split("Contents")[-1]
    both = build(project(tmp_path, sections="children_in_care = true", logo=False))
    text_on, images = text_and_images(both / "reports" / "england-2025.pdf")
    assert "Children in care" in text_on and "81,770" in text_on and images == 0


def test_the_logo_is_the_only_file_outside_the_templates_it_may_read(tmp_path: Path) -> None:
    config = project(tmp_path)
    templates = tmp_path / "my-templates"
    secret = tmp_path / "secret.png"
    secret.write_bytes(png(3, 3))
    (templates / "england.html.j2").write_text(
        OVERRIDE.replace("<p class", f'<img src="{secret.as_uri()}" alt="x"><p class'), encoding="utf-8")
    res = CliRunner().invoke(app, ["-q", "--config", str(config), "build"])
    assert res.exit_code != 0 and "blocked fetch" in str(res.exception)
    assert not (tmp_path / "out").exists()
