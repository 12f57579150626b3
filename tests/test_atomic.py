"""Nothing half-written: a build that fails, is interrupted or is killed leaves the previous outputs exactly
as they were, and the next run completes; re-running on unchanged inputs gives the same outputs.

The inputs are a tiny synthetic release (one CLA file, England, one region, two LAs, five years); the
kill tests run the real CLI in a subprocess and stop it at every named point of the build
(CARESTATS_TEST_STOP_AT, core/checkpoints.py): never after a delay, so a loaded machine changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from buildcompare import same_build, snapshot, tables

from carestats.core import checkpoints
from carestats.core.errors import CheckFailed, DataError
from carestats.core.settings import Settings
from carestats.pipeline import build
from carestats.pipeline.build import BuildOptions, run

HEADER = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
          "old_la_code,la_name,new_la_code,population_type,children_count,population_estimate,rate_per_10000")
AREAS = [("National", "", "", "", "", ""), ("Regional", "E12000001", "North East", "", "", ""),
         ("Local authority", "E12000001", "North East", "805", "Hartlepool", "E06000001"),
         ("Local authority", "E12000001", "North East", "806", "Middlesbrough", "E06000002")]
MEASURES = ["Children looked after on 31 March each year", "Children starting to be looked after each year",
            "Children ceasing to be looked after each year"]


def write_release(raw: Path, bump: int = 0, names: dict[str, str] | None = None) -> Path:
    """A small, valid cla_number_and_rate_per_10k_children.csv; `bump` changes every count."""
    rows = [HEADER]
    for year in range(2021, 2026):
        for i, (level, rcode, rname, old, name, new) in enumerate(AREAS):
            name = (names or {}).get(new or rcode, name) if new else name
            rname = (names or {}).get(rcode, rname) if rcode else rname
            for j, measure in enumerate(MEASURES):
                base = {"National": 80000, "Regional": 5000}.get(level, 300 + 10 * i)
                n = base + year % 7 * 10 + j + bump
                pop = {"National": 12_000_000, "Regional": 500_000}.get(level, 20_000 + i)
                rows.append(f"{year},Reporting year,{level},E92000001,England,{rcode},{_csv(rname)},{old},{_csv(name)},"
                            f"{new},{measure},{n},{pop},{round(n / pop * 10000)}")
    target = raw / "cla" / "cla_number_and_rate_per_10k_children.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return target


def _csv(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def options(raw: Path, out: Path, reports: bool = False, **kw) -> BuildOptions:  # type: ignore[no-untyped-def]
    """England report only (no LA reports), rendered in this process."""
    return BuildOptions(raw=raw, out=out, reports=reports, settings=Settings(jobs=1, areas=[]), **kw)


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A finished build of release v1, and a clean build of release v2 to compare recoveries with."""
    root = tmp_path_factory.mktemp("atomic")
    raw1, raw2 = root / "raw1", root / "raw2"
    write_release(raw1)
    write_release(raw2, bump=3)
    run(options(raw1, root / "v1"))
    run(options(raw2, root / "v2"))
    run(options(raw2, root / "v2-reports", reports=True))
    return {"raw1": raw1, "raw2": raw2, "v1": root / "v1", "v2": root / "v2", "v2-reports": root / "v2-reports"}


@pytest.fixture
def previous(base: dict[str, Path], tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """An output folder holding the v1 build, a raw folder holding v2, and the v1 snapshot."""
    out = tmp_path / "out"
    shutil.copytree(base["v1"], out)
    raw = tmp_path / "raw"
    shutil.copytree(base["raw2"], raw)
    return out, raw, snapshot(out)


def test_rerun_on_unchanged_inputs_is_idempotent(base: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(base["v1"], out)
    run(options(base["raw1"], out))
    same_build(out, base["v1"])
    assert leftovers(out) == []
    assert snapshot(base["v1"]) != snapshot(base["v2"])  # the v2 inputs do change the outputs


def _boom(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise RuntimeError("injected failure")


def _interrupt(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise KeyboardInterrupt


# Every stage after the checks, from loading the warehouse to the final exchange of folders.
FAULTS = {
    "load": ("carestats.warehouse.db.load_table", _boom),
    "stage": ("carestats.warehouse.staging.build_staging", _boom),
    "compute": ("carestats.indicators.compute.compute_all", _boom),
    "compute-ctrl-c": ("carestats.indicators.compute.compute_all", _interrupt),
    "exports": ("carestats.indicators.compute.write_exports", _boom),
    "analyst-exports": ("carestats.pipeline.build.write_analyst_exports", _boom),
    "manifest": ("carestats.pipeline.build.write_manifest", _boom),
    "swap": ("carestats.pipeline.build._exchange", _boom),
}

RECOVER_AFTER = {"compute-ctrl-c", "swap"}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_failure_in_any_stage_leaves_the_previous_outputs(fault: str, previous, base, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    out, raw, before = previous
    target, fail = FAULTS[fault]
    monkeypatch.setattr(target, fail)
    with pytest.raises((RuntimeError, KeyboardInterrupt)):
        run(options(raw, out))
    assert snapshot(out) == before
    assert leftovers(out) == []
    if fault in RECOVER_AFTER:  # the state is the same after every fault, so a few re-runs prove it
        monkeypatch.undo()
        run(options(raw, out))
        same_build(out, base["v2"])


def test_a_failure_while_rendering_leaves_the_previous_outputs(previous, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    out, raw, before = previous
    monkeypatch.setattr("carestats.reports.render.html_to_pdf", _boom)
    with pytest.raises(RuntimeError):
        run(options(raw, out, reports=True))
    assert snapshot(out) == before and leftovers(out) == []


def test_failed_checks_write_nothing(previous) -> None:  # type: ignore[no-untyped-def]
    out, raw, before = previous
    (raw / "broken.csv").write_bytes(b"time_period,time_identifier,geographic_level,country_code,country_name\n"
                                     b'2025,Reporting year,National,E92000001,"England\n')
    with pytest.raises(CheckFailed) as exc:
        run(options(raw, out))
    assert [f.rule for f in exc.value.findings if f.severity == "error"] == ["UNTERMINATED-QUOTE"]
    assert snapshot(out) == before and leftovers(out) == []


def test_skip_invalid_quarantines_and_lists_the_file(previous, base) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    out, raw, _ = previous
    shutil.copy(Path(__file__).parent / "data" / "invalid" / "RAGGED-ROW.csv", raw / "la_cla_placement_stability.csv")
    with pytest.raises(CheckFailed):
        run(options(raw, out))
    run(options(raw, out, skip_invalid=True, reports=True))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["quarantined"] == [{"name": "la_cla_placement_stability.csv", "reason": "failed the input checks"}]
    assert tables(out / "carestats.duckdb") == tables(base["v2"] / "carestats.duckdb") | {
        "meta.input_files": tables(out / "carestats.duckdb")["meta.input_files"]}
    text = " ".join(p.extract_text() for p in PdfReader(out / "reports" / "england-2025.pdf").pages)
    assert "Files left out" in text and "la_cla_placement_stability.csv: failed the input checks" in text


def test_a_folder_carestats_did_not_write_is_never_replaced(base: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "home"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"years of work")
    with pytest.raises(DataError, match="did not write"):
        run(options(base["raw1"], out))
    assert snapshot(out) == {"thesis.docx": hashlib.sha256(b"years of work").hexdigest()}
    assert leftovers(out) == []


def test_recover_restores_a_build_moved_aside_by_a_killed_run(base: dict[str, Path], tmp_path: Path) -> None:
    """Where folders cannot be exchanged atomically (two renames), a kill between them is undone."""
    out = tmp_path / "out"
    shutil.copytree(base["v1"], tmp_path / ".out.old-999999999")
    shutil.copytree(base["v2"], tmp_path / ".out.new-999999998")
    build.recover(out)
    assert snapshot(out) == snapshot(base["v1"]) and leftovers(out) == []


def test_swap_without_atomic_exchange_still_replaces_the_build(base, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    shutil.copytree(base["v1"], out)
    monkeypatch.setattr(build, "_exchange", lambda a, b: False)
    run(options(base["raw2"], out))
    same_build(out, base["v2"])
    assert leftovers(out) == []


# --- Killed at any moment: SIGKILL at every named point of a build (core/checkpoints.py) ------------------------

RUNNER = """
import sys
from carestats.pipeline import build
if sys.argv[1] == "no-exchange":  # a file system without an atomic exchange of two folders: two renames
    build._exchange = lambda a, b: False
from carestats.cli.commands import main
sys.argv = ["carestats", "-q", *sys.argv[2:]]
main()
"""


def named_points() -> list[str]:
    """Every checkpoint("...") the build and the renderer call: a point added there is killed here too."""
    from carestats.reports import render

    sources = Path(build.__file__).read_text(encoding="utf-8") + Path(render.__file__).read_text(encoding="utf-8")
    return sorted(set(re.findall(r'checkpoint\("([a-z0-9-]+)"\)', sources)))


# Where a point is reached: a build of new data without reports replacing v1 (the default); the same with
# two renames instead of the exchange; a build with the England report on v2's data, replacing v2 without
# reports (the data stage is reused and the report rendered in this process).
NO_EXCHANGE = {"half-swapped"}  # the file-by-file swap half done, by renames (no exchange)
WITH_REPORTS = {"after-data-reused", "after-pdf-part"}


def stop_at(point: str, raw: Path, out: Path, signame: str = "SIGKILL") -> subprocess.CompletedProcess:
    """The real command line, stopped by CARESTATS_TEST_STOP_AT at `point`."""
    if point in WITH_REPORTS:
        config = out.parent / "carestats.toml"
        config.write_text("[report]\nareas = []\njobs = 1\n", encoding="utf-8")
        args = ["--config", str(config), "build", "--raw", str(raw), "--out", str(out)]
    else:
        args = ["build", "--no-reports", "--raw", str(raw), "--out", str(out)]
    env = {**os.environ, checkpoints.ENV: f"{point}:{signame}"}
    return subprocess.run([sys.executable, "-c", RUNNER, "no-exchange" if point in NO_EXCHANGE else "-", *args],
                          cwd=out.parent, env=env, capture_output=True, text=True, timeout=300)


def test_every_named_point_is_killed_in_a_build_that_reaches_it() -> None:
    points = named_points()
    assert {"after-load", "after-compute", "before-swap", "after-journal", "half-swapped", "after-commit",
            "after-pdf-part"} <= set(points)
    assert NO_EXCHANGE | WITH_REPORTS <= set(points)


@pytest.mark.parametrize("point", named_points())
def test_kill_9_at_every_named_point(point: str, base, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Wherever the kill lands, the folder holds the whole old build or the whole new one, or (while the files
    are being swapped one by one) a state that recover() puts back to the whole old build; the next run gives a
    clean build."""
    reports = point in WITH_REPORTS
    old, new = (base["v2"], base["v2-reports"]) if reports else (base["v1"], base["v2"])
    out, raw = tmp_path / "out", base["raw2"]
    shutil.copytree(old, out)
    before = snapshot(out)
    proc = stop_at(point, raw, out)
    assert proc.returncode == -signal.SIGKILL, f"{point} was not reached: {proc.returncode} {proc.stderr[-2000:]}"
    if point in ("after-journal", "half-swapped"):  # the swap begun, not committed: the journal undoes it
        assert any(".old-" in name for name in leftovers(out))
        build.recover(out)
        assert snapshot(out) == before and leftovers(out) == []
    elif point == "after-commit":  # the new build is in place; the previous files are left over
        same_build(out, new)
        assert leftovers(out) != []
    else:
        assert snapshot(out) == before
        assert [name for name in leftovers(out) if ".new-" not in name] == []
    run(options(raw, out, reports=reports))
    same_build(out, new)
    assert leftovers(out) == []


@pytest.mark.parametrize("point", ["after-checks", "after-compute", "after-pdf-part", "half-swapped",
                                   "after-commit"])
def test_sigterm_at_a_named_point_stops_cleanly(point: str, base, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """SIGTERM (a CI job cancelled) stops the build with status 130 and removes its work folder at once."""
    reports = point in WITH_REPORTS
    old, new = (base["v2"], base["v2-reports"]) if reports else (base["v1"], base["v2"])
    out = tmp_path / "out"
    shutil.copytree(old, out)
    before = snapshot(out)
    proc = stop_at(point, base["raw2"], out, "SIGTERM")
    assert proc.returncode == 130, proc.stderr[-2000:]
    assert leftovers(out) == []
    if point == "after-commit":
        same_build(out, new)
    else:
        assert snapshot(out) == before


def test_a_checkpoint_does_nothing_unless_named(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv(checkpoints.ENV, raising=False)
    checkpoints.checkpoint("after-load")
    monkeypatch.setenv(checkpoints.ENV, "after-stage:raise")
    checkpoints.checkpoint("after-load")
    with pytest.raises(checkpoints.Stopped, match="after-stage"):
        checkpoints.checkpoint("after-stage")
    monkeypatch.setenv(checkpoints.ENV, "after-stage:SIGNOTHING")
    with pytest.raises(ValueError, match="not a signal name"):
        checkpoints.checkpoint("after-stage")


@pytest.mark.parametrize("point", ["after-load", "after-compare", "after-render", "before-swap"])
def test_a_failure_at_a_named_point_leaves_the_previous_outputs(point: str, previous, base, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    out, raw, before = previous
    monkeypatch.setenv(checkpoints.ENV, f"{point}:raise")
    with pytest.raises(checkpoints.Stopped):
        run(options(raw, out))
    assert snapshot(out) == before and leftovers(out) == []
    monkeypatch.delenv(checkpoints.ENV)
    run(options(raw, out))
    same_build(out, base["v2"])


@pytest.mark.slow
@pytest.mark.parametrize("subset", ["cla/2025_release", "cin/2025_release"])
def test_any_subset_of_the_releases_builds(subset: str, raw_dir: Path, tmp_path: Path) -> None:
    """A charity may hold one release only: the build makes what that subset allows, report included."""
    import polars as pl

    raw = tmp_path / "raw"
    shutil.copytree(raw_dir / subset, raw / subset)
    out = tmp_path / "out"
    res = run(options(raw, out, reports=True))
    assert {f.status for f in res.files} == {"loaded"}
    assert (out / "reports" / "england-2025.pdf").is_file()
    values = pl.read_parquet(out / "indicators" / "indicator_values.parquet")
    publications = {r.split("-")[0] for r in values["release"].unique().to_list()}
    assert publications == {subset.split("/")[0]}
    if subset.startswith("cla"):
        eng = values.filter((pl.col("indicator_id") == "cla_count") & (pl.col("area_code") == "E92000001")
                            & (pl.col("time_period") == 2025) & (pl.col("breakdown") == "Total"))
        assert eng["value"].to_list() == [81770]
