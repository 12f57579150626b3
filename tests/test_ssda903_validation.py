"""The DfE's validation rules in a build and in `carestats check` (pipeline/ssda903.py): findings by file
and line in build/ssda903/validation.csv and the warehouse, counted in the council's report, never stopping
the figures, and never naming a child. Runs the real validator in .venv-903 (made by `make setup`)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pytest
from privacy import identifiers_from_returns, scan_outputs, scan_text
from typer.testing import CliRunner

from carestats.check.ssda903_validator import validator_python
from carestats.cli.commands import app
from carestats.synthetic.ssda903 import generate

LA = "E10000016"
runner = CliRunner()
pytestmark = pytest.mark.validator903


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not validator_python().is_file():
        pytest.fail(f"the SSDA903 validator's environment is missing ({validator_python()}): run `make setup`")
    root = tmp_path_factory.mktemp("messy")
    generate(root / "returns", LA, [2024, 2025], children=200, seed=11, messy=True)
    return root


def test_a_build_records_the_rules_findings_and_still_makes_the_figures(messy: Path, monkeypatch) -> None:
    monkeypatch.setenv("CARESTATS_KEY_FILE", str(messy / "key"))
    out = messy / "out"
    res = runner.invoke(app, ["build", "--ssda903", str(messy / "returns"), "--la", LA, "--out", str(out),
                              "--no-reports"])
    assert res.exit_code == 0, res.output
    listed = pl.read_csv(out / "ssda903" / "validation.csv", infer_schema=False)
    assert listed.columns == ["file", "line", "rule", "message"] and listed.height > 0
    assert listed["file"].drop_nulls().str.contains(r"^2024-25/|^2023-24/").all()
    con = duckdb.connect(str(out / "carestats.duckdb"), read_only=True)
    stored = con.execute("select return_year, outcome, count(*) from ssda903.validation group by all order by all").fetchall()
    assert {r[0] for r in stored} == {2024, 2025} and any(r[1] == "error" and r[2] > 0 for r in stored)
    assert con.execute("select count(*) from local_indicator_values").fetchone()[0] > 0  # figures all the same
    assert "error(s) under" in res.output
    assert not scan_outputs(out, identifiers_from_returns(messy / "returns"))
    assert not scan_text(res.output, identifiers_from_returns(messy / "returns"))


def test_check_prints_the_rules_findings_by_file_and_line(messy: Path) -> None:
    res = runner.invoke(app, ["check", "--ssda903", str(messy / "returns"), "--la", LA])
    assert res.exit_code == 1
    lines = res.stdout.splitlines()
    assert any(":DECOM: 141: " in line or ": 141: " in line for line in lines), lines[:20]
    assert all(line.split(":")[0].startswith(("2023-24/", "2024-25/")) or ": could not run: " in line
               for line in lines)
    assert not scan_text(res.output, identifiers_from_returns(messy / "returns"))
