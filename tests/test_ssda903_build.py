"""SSDA903 in the build: `carestats build --ssda903 DIR --la CODE`, with or without the published files,
carestats.toml's [ssda903], local_indicator_values in the warehouse (exact) and in build/indicators (under
disclosure control), --unsuppressed, and no child identifier in any output."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest
from test_ssda903 import LA, ep, hd, write_table
from typer.testing import CliRunner

from carestats.cli.commands import app
from carestats.core.errors import ConfigError
from carestats.core.settings import load
from carestats.indicators.compute import VALUE_COLUMNS
from carestats.indicators.registry import load_indicators, load_local_indicators, local_only

runner = CliRunner()
CHILD_IDS = [f"KENT{i:05d}" for i in range(12)]
SECRETS = [*CHILD_IDS, "17/08/2011", "2011-08-17", "UPN0000000001", "M1 1AA", "M11AA", "B1 1AA", "B11AA"]
NEW_MEASURES = {"placement_moves_mean", "placement_moves", "returned_home_reentry_pct",
                "returned_home_reentry_days_median", "ceased_aged_16_plus_by_age_pct",
                "time_to_permanence_days_median"}


@pytest.fixture(autouse=True)
def _without_the_validator(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """These hand-made returns test carestats' own reading and figures; the DfE's rules on a whole return are
    tested in test_ssda903_validation.py. Without the validator a build warns and goes on."""
    monkeypatch.setenv("CARESTATS_VALIDATOR_PYTHON", str(tmp_path / "no-validator" / "python"))


@pytest.fixture()
def returns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CARESTATS_KEY_FILE", str(tmp_path / "key" / "ssda903.key"))
    root = tmp_path / "returns"
    y = root / "2024-25"
    write_table(y, "header", [hd(c, "17/08/2011", upn="UPN0000000001") for c in CHILD_IDS])
    # 10 children looked after on 31 March (a count above the threshold), 2 who ceased (a small count)
    eps = [ep(c, "01/01/2024", home="M1 1AA", pl="B1 1AA") for c in CHILD_IDS[:10]]
    eps += [ep(c, "01/01/2024", dec="01/06/2024", rec="E4A", home="M1 1AA", pl="M1 1AD") for c in CHILD_IDS[10:]]
    write_table(y, "episodes", eps)
    return root


def _scan(out: Path) -> None:
    """No child ID, date of birth, UPN or postcode in any file the build wrote, except the warehouse."""
    for path in out.rglob("*"):
        if not path.is_file() or path.name.endswith(".duckdb"):
            continue
        data = path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in data, (path, secret)


def test_build_with_only_the_councils_returns(returns: Path, tmp_path: Path) -> None:
    with (returns / "2024-25" / "episodes.csv").open("a", encoding="utf-8") as fh:
        fh.write("KENT00000,32/01/2024,S,C2,N1,U1,PR1,,,,,,\n")  # a date that cannot be read
    out = tmp_path / "out"
    res = runner.invoke(app, ["build", "--ssda903", str(returns), "--la", LA, "--out", str(out), "--no-reports"])
    assert res.exit_code == 0, res.output
    assert "1 row(s) left out of every count" in res.output
    assert res.output.strip().splitlines()[-1] == f"{LA}'s own SSDA903 returns, no published files → {out}"
    listed = pl.read_csv(out / "ssda903" / "unreadable_rows.csv", infer_schema=False)
    message = "DECOM is not a date in the form DD/MM/YYYY; the episodes row is left out of every count"
    assert listed.rows() == [("2024-25/episodes.csv", "14", "DECOM", "SSDA903-DATE", message)]
    con = duckdb.connect(str(out / "carestats.duckdb"), read_only=True)
    exact = pl.from_arrow(con.sql("select * from local_indicator_values").to_arrow_table())
    published = [r[0] for r in con.execute("describe indicator_values").fetchall()]
    assert exact.columns == VALUE_COLUMNS == published
    assert set(exact["area_code"]) == {LA} and set(exact["geographic_level"]) == {"Local authority"}
    assert set(exact["release"]) == {"ssda903-2025"} and set(exact["time_period"]) == {2025}
    assert exact.schema["time_period"] == pl.Int64
    by = {(r["indicator_id"], r["breakdown"]): r for r in exact.iter_rows(named=True)}
    assert by[("cla_count", "Total")]["value"] == 10
    assert by[("cla_ceasing", "Total")]["value"] == 2
    assert by[("cla_over_20_miles_pct", "Total")]["value"] == 100

    shown = pl.read_csv(out / "indicators" / "local_indicator_values.csv", infer_schema=False)
    row = {(r["indicator_id"], r["breakdown"]): r for r in shown.iter_rows(named=True)}
    assert row[("cla_count", "Total")]["value"] == "10"
    assert (row[("cla_ceasing", "Total")]["value"], row[("cla_ceasing", "Total")]["status"]) == (None, "c")
    assert row[("cla_ceasing_by_age", "Under 1 year")]["value"] == "0"  # 0 stays 0
    assert row[("ceased_returned_home_planned_pct", "Total")]["status"] == "c"  # denominator 2
    assert row[("cla_over_20_miles_pct", "Total")]["value"] == "100"
    assert pl.read_parquet(out / "indicators" / "local_indicator_values.parquet").height == shown.height
    assert (out / "exports" / "local_indicator_values.csv").is_file()
    _scan(out)


def test_unsuppressed_edition_is_exact_and_marked_by_its_name(returns: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = runner.invoke(app, ["build", "--ssda903", str(returns), "--la", LA, "--out", str(out), "--no-reports",
                              "--unsuppressed"])
    assert res.exit_code == 0, res.output
    assert "Contains unsuppressed figures: not for publication" in res.output
    assert not (out / "indicators" / "local_indicator_values.csv").exists()
    exact = pl.read_csv(out / "indicators" / "local_indicator_values_unsuppressed.csv", infer_schema=False)
    assert exact.filter(pl.col("indicator_id") == "cla_ceasing")["value"].to_list() == ["2"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["ssda903"] == {"la": LA, "unsuppressed": True}
    _scan(out)


def test_check_lists_the_rows_a_build_would_leave_out(returns: Path) -> None:
    res = runner.invoke(app, ["check", "--ssda903", str(returns), "--la", LA])
    assert res.exit_code == 0, res.output
    with (returns / "2024-25" / "header.csv").open("a", encoding="utf-8") as fh:
        fh.write("KENT00099,1,29/02/2011,WBRI,,,\n")  # no 29 February in 2011
    res = runner.invoke(app, ["check", "--ssda903", str(returns), "--la", LA])
    assert res.exit_code == 1
    line = ("2024-25/header.csv:14:DOB: SSDA903-DATE: DOB is not a date in the form DD/MM/YYYY; the header row "
            "is left out of every count — correct the date in the return")
    assert res.stdout.splitlines() == [line]
    assert "KENT00099" not in res.output and "29/02" not in res.output


def test_settings_from_carestats_toml(tmp_path: Path) -> None:
    (tmp_path / "returns").mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / "carestats.toml").write_text('[ssda903]\ndir = "returns"\nla = "E10000016"\n', encoding="utf-8")
    s = load(tmp_path / "carestats.toml")
    assert s.ssda903 == tmp_path / "returns" and s.la == LA
    flag = load(tmp_path / "carestats.toml", ssda903=tmp_path / "other", la="E06000001")
    assert flag.ssda903 == tmp_path / "other" and flag.la == "E06000001"  # flags win
    assert "ssda903" in s.data_choices() and s.data_choices()["la"] == LA


def test_ssda903_settings_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--ssda903 needs the council's code"):
        load(None, ssda903=tmp_path)
    with pytest.raises(ConfigError, match="is not a local authority code"):
        load(None, ssda903=tmp_path, la="Kent")
    with pytest.raises(ConfigError, match="--la is for a council's own SSDA903 returns"):
        load(None, la=LA)
    with pytest.raises(ConfigError, match="nowhere: the SSDA903 folder does not exist"):
        load(None, ssda903=tmp_path / "nowhere", la=LA)
    # from the command line: one line, no traceback, before anything is read
    code = ("import sys; from carestats.cli.commands import main; "
            f"sys.argv = ['carestats', 'build', '--ssda903', {str(tmp_path / 'nowhere')!r}, '--la', {LA!r}, "
            f"'--out', {str(tmp_path / 'out')!r}, '--no-reports']; main()")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 1
    assert res.stderr.strip().splitlines() == [(f"Error: {tmp_path / 'nowhere'}: the SSDA903 folder does not exist "
                                                "— give --ssda903 the folder holding the year folders (2024-25/ …)")]
    assert not (tmp_path / "out").exists()


def test_local_indicators_use_the_published_ids_or_register_new_ones() -> None:
    published = {i.id: i for i in load_indicators()}
    local = load_local_indicators()
    assert {i.id for i in local_only(list(published.values()), local)} == NEW_MEASURES
    for ind in local:
        if ind.id in published:
            assert ind.unit == published[ind.id].unit, ind.id
        assert ind.title and ind.definition and ind.method_note, ind.id
        assert "Source:" in ind.method_note or ind.id in NEW_MEASURES, ind.id


def test_build_alongside_the_published_files(returns: Path, tmp_path: Path, raw_dir: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    published = raw_dir / "cla" / "2025_release" / "cla_number_and_rate_per_10k_children.csv"
    shutil.copyfile(published, raw / published.name)  # one release file is enough: it names the council
    outs = {}
    for name, extra in (("with", ["--ssda903", str(returns), "--la", LA]), ("without", [])):
        outs[name] = tmp_path / name
        res = runner.invoke(app, ["-q", "build", "--raw", str(raw), *extra, "--out", str(outs[name]),
                                  "--no-reports"])
        assert res.exit_code == 0, res.output
    con = duckdb.connect(str(outs["with"] / "carestats.duckdb"), read_only=True)
    assert con.execute("select distinct area_name from local_indicator_values").fetchall() == [("Kent",)]
    mine = pl.read_parquet(outs["with"] / "indicators" / "indicator_values.parquet")
    assert mine.height and mine.equals(pl.read_parquet(outs["without"] / "indicators" / "indicator_values.parquet"))
    assert not (outs["without"] / "indicators" / "local_indicator_values.csv").exists()
    _scan(outs["with"])
