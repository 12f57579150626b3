"""Missing data said out loud: `check` and `build` list each indicator that will be empty or incomplete,
with the publication it needs; the build ends with a one-line summary; --require-complete fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_atomic import write_release
from typer.testing import CliRunner

from carestats.cli.commands import app
from carestats.core.errors import DataError
from carestats.core.progress import Reporter
from carestats.core.settings import Settings
from carestats.indicators.registry import load_indicators
from carestats.pipeline import completeness
from carestats.pipeline.build import BuildOptions, run

runner = CliRunner()


@pytest.fixture(scope="module")
def cla_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    raw = tmp_path_factory.mktemp("completeness") / "raw"
    write_release(raw)
    return raw


def test_an_indicator_without_its_publication_is_empty_and_names_it() -> None:
    indicators = load_indicators([])
    result = completeness.assess(indicators, {"cla_number_and_rate_per_10k_children"})
    gaps = {g.indicator: g for g in result.gaps}
    assert gaps["cin_count"].state == "empty"
    assert gaps["cin_count"].needs.startswith("no CIN release: needs b1_children_in_need")
    assert "cla_count" not in gaps or gaps["cla_count"].state == "incomplete"
    assert result.summary().startswith(f"{len(indicators)} indicators: {len(indicators) - len(result.empty)} "
                                       f"with values, {len(result.empty)} empty (")
    assert "(no CIN, " in result.summary() and "files missing from CLA" in result.summary()


def test_a_missing_second_source_makes_an_indicator_incomplete() -> None:
    """cla_count's England series before the number-and-rate file comes from the time series."""
    result = completeness.assess(load_indicators([]), {"cla_number_and_rate_per_10k_children"})
    gap = {g.indicator: g for g in result.gaps}["cla_count"]
    assert gap.state == "incomplete" and "cla_time_series" in gap.needs


def test_every_table_loaded_means_nothing_missing() -> None:
    views = completeness.staging_tables()
    every = {t for raw in views.values() for t in raw}
    result = completeness.assess(load_indicators([]), every)
    assert result.gaps == [] and result.summary() == f"{result.total} indicators: {result.total} with values"


def test_check_lists_the_gaps_and_require_complete_fails(cla_only: Path) -> None:
    res = runner.invoke(app, ["check", "--raw", str(cla_only)])
    assert res.exit_code == 0, res.output
    assert "cin_count: empty: no CIN release: needs b1_children_in_need" in res.stderr
    assert "cin_count" not in res.stdout  # stdout keeps the findings and their summary, for scripts
    assert " indicators: " in res.output and "empty (" in res.output
    res = runner.invoke(app, ["check", "--raw", str(cla_only), "--require-complete"])
    assert res.exit_code == 1
    assert "would be empty" in res.output


def test_build_ends_with_the_summary(cla_only: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    run(BuildOptions(raw=cla_only, out=tmp_path / "out", reports=False, settings=Settings(jobs=1, areas=[])),
        Reporter())
    err = capsys.readouterr().err.strip().splitlines()
    assert "cin_count: empty: no CIN release" in "\n".join(err)
    assert any("indicators:" in line and "with values" in line and "empty (" in line for line in err[-3:])


def test_require_complete_stops_the_build_before_anything_is_written(cla_only: Path, tmp_path: Path) -> None:
    import dataclasses

    settings = dataclasses.replace(Settings(jobs=1, areas=[]), raw=cla_only, out=tmp_path / "out",
                                   reports=False, require_complete=True)
    with pytest.raises(DataError, match="would be empty"):
        run(settings)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_the_build_command_takes_require_complete(cla_only: Path, tmp_path: Path) -> None:
    res = runner.invoke(app, ["build", "--no-reports", "--require-complete", "--raw", str(cla_only),
                              "--out", str(tmp_path / "out")])
    assert res.exit_code != 0 and "would be empty" in res.output + str(res.exception)
