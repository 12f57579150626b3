"""Nothing half-written: a build that fails, is interrupted or is killed leaves the previous outputs exactly
as they were, and the next run completes; re-running on unchanged inputs gives the same outputs.

The inputs are a tiny synthetic release (one CLA file, England, one region, two LAs, five years); the
kill tests run the real CLI in a subprocess and SIGKILL it at fixed points and at random moments.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from buildcompare import same_build, snapshot, tables

from carestats.pipeline import build
from carestats.pipeline.build import BuildOptions, run
from carestats.core.settings import Settings
from carestats.core.errors import CheckFailed, DataError

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
    return {"raw1": raw1, "raw2": raw2, "v1": root / "v1", "v2": root / "v2"}


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


KILLER = """
import os, signal, sys
import carestats.pipeline.build as b, carestats.indicators.compute, carestats.warehouse.staging, carestats.warehouse.db
holder = {"build": b, "warehouse": carestats.warehouse.db, "stage": carestats.warehouse.staging, "compute": carestats.indicators.compute,
          "shutil": b.shutil}
where, attr = sys.argv[1].split(".")

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)

if where in holder:
    setattr(holder[where], attr, die)
from carestats.cli.commands import main
sys.argv = ["carestats", "-q", "build", "--no-reports", "--raw", sys.argv[2], "--out", sys.argv[3]]
main()
"""


def _spawn(point: str, raw: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", KILLER, point, str(raw), str(out)], cwd=out.parent,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


KILL_POINTS = ["warehouse.load_table", "stage.build_staging", "compute.compute_all", "compute.write_exports",
               "build.write_manifest", "shutil.rmtree"]


@pytest.mark.parametrize("point", KILL_POINTS)
def test_kill_9_at_fixed_points(point: str, previous, base) -> None:  # type: ignore[no-untyped-def]
    out, raw, before = previous
    proc = _spawn(point, raw, out)
    proc.communicate(timeout=300)
    assert proc.returncode == -signal.SIGKILL
    if point == "shutil.rmtree":
        # killed after the exchange, while deleting the previous build: the new build is complete
        same_build(out, base["v2"])
        assert leftovers(out) != []
    else:
        assert snapshot(out) == before
        assert [name for name in leftovers(out) if ".new-" not in name] == []
    if point in {"compute.compute_all", "shutil.rmtree"}:  # a half-built work folder, a swapped-out build
        run(options(raw, out))
        same_build(out, base["v2"])
        assert leftovers(out) == []


@pytest.mark.parametrize("delay", [1.0, 3.5, 6.0])
def test_kill_9_at_a_random_moment(delay: float, previous, base) -> None:  # type: ignore[no-untyped-def]
    """Whenever the kill lands, the folder holds either the whole old build or the whole new one."""
    out, raw, before = previous
    proc = _spawn("none.none", raw, out)
    time.sleep(delay)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=300)
    if snapshot(out) != before:
        same_build(out, base["v2"])
    run(options(raw, out))
    same_build(out, base["v2"])
    assert leftovers(out) == []


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
