"""Users' own indicators: a folder of .sql files is validated, computed and exported with no code change."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from carestats.cli.commands import app
from carestats.core.errors import CarestatsError
from carestats.indicators.registry import load_indicators, parse_indicator
from carestats.pipeline.build import BuildOptions, run

HEADER = ("time_period,time_identifier,geographic_level,country_code,country_name,population_type,children_count,"
          "population_estimate,rate_per_10000\n")


def raw_folder(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "cla_number_and_rate_per_10k_children.csv").write_text(
        HEADER + "2025,Reporting year,National,E92000001,England,Children starting to be looked after each year,33000,12183016,27\n"
        "2025,Reporting year,National,E92000001,England,Children looked after on 31 March each year,81770,12183016,67\n",
        encoding="utf-8")
    return raw


def test_new_writes_a_starting_file_that_builds(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    res = CliRunner().invoke(app, ["indicators", "new", "my_starters", "--dir", str(mine)])
    assert res.exit_code == 0, res.output
    ind = parse_indicator(mine / "my_starters.sql")
    assert ind.theme == "additional"
    out = tmp_path / "out"
    run(BuildOptions(raw=raw_folder(tmp_path), out=out, reports=False, indicator_dirs=[mine]))
    values = pl.read_parquet(out / "indicators" / "indicator_values.parquet")
    row = values.filter(pl.col("indicator_id") == "my_starters").row(0, named=True)
    assert row["value"] == 33000
    assert "my_starters" in (out / "indicators" / "indicator_values.csv").read_text()


def test_a_new_file_may_not_overwrite(tmp_path: Path) -> None:
    runner = CliRunner()
    runner.invoke(app, ["indicators", "new", "x1", "--dir", str(tmp_path)])
    res = runner.invoke(app, ["indicators", "new", "x1", "--dir", str(tmp_path)])
    assert res.exit_code != 0


@pytest.mark.parametrize("body, message", [
    ("/*\nid: bad\n*/\nselect 1", "missing header key"),
    ("/*\nid: [unclosed\n*/\nselect 1", "not valid YAML"),
    ("select 1", "no metadata header"),
])
def test_a_broken_header_names_the_file(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "bad.sql").write_text(body, encoding="utf-8")
    with pytest.raises(CarestatsError, match=message) as info:
        load_indicators([tmp_path])
    assert "bad.sql" in str(info.value)


def test_a_query_with_the_wrong_columns_names_the_file(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    CliRunner().invoke(app, ["indicators", "new", "wrong_cols", "--dir", str(mine)])
    path = mine / "wrong_cols.sql"
    text = path.read_text()
    path.write_text(text[: text.index("*/") + 2] + "\nselect time_period, area_code from staging.stg_cla_number_and_rate\n")
    with pytest.raises(CarestatsError, match="wrong_cols.sql: the query returns columns") as info:
        run(BuildOptions(raw=raw_folder(tmp_path), out=tmp_path / "out", reports=False, indicator_dirs=[mine]))
    assert "\n" not in str(info.value)
    assert not (tmp_path / "out").exists()  # nothing half-written
