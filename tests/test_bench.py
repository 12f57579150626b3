"""The benchmark harness (benchmarks/): its pandas baseline computes carestats' figures, its timings and
verdicts are what they say. No speed is asserted here: timings on a shared machine are not tests."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import run as bench  # noqa: E402
from measure import Measurement, Run, run_command  # noqa: E402
from targets import table, verdicts  # noqa: E402

PY = sys.executable


# --- the pandas baseline computes the same figures as carestats ----------------------------------------


def pandas_baseline():
    pytest.importorskip(
        "pandas", reason="the pandas baseline needs the bench extra: pip install -e '.[bench]'"
    )
    import pandas_baseline as module

    return module


@pytest.fixture(scope="module")
def baseline(raw_dir: Path):
    module = pandas_baseline()
    return module, module.compute(raw_dir)


def test_baseline_covers_registry_indicators_from_ees_csv_files() -> None:
    from carestats.indicators.registry import load_indicators

    module = pandas_baseline()
    from_csv = {i.id for i in load_indicators() if all(f.lower().endswith(".csv") for f in i.source_files)}
    assert len(module.INDICATORS) >= 15
    assert set(module.INDICATORS) <= from_csv, set(module.INDICATORS) - from_csv


@pytest.mark.slow
def test_baseline_figures_equal_carestats(baseline, real_values) -> None:
    """Every figure (value or symbol) and its release, for every period, area and breakdown."""
    import polars as pl

    module, values = baseline
    assert set(values["indicator_id"]) == set(module.INDICATORS)  # each one has figures
    key = ("time_period", "geographic_level", "area_code", "breakdown")
    problems = []
    for indicator_id in module.INDICATORS:
        mine = {
            tuple(r[k] for k in key): r
            for r in values[values["indicator_id"] == indicator_id].to_dict("records")
        }
        theirs = {
            tuple(r[k] for k in key): r
            for r in real_values.filter(pl.col("indicator_id") == indicator_id).iter_rows(named=True)
        }
        if not theirs or set(mine) != set(theirs):
            problems.append((indicator_id, "keys", sorted(set(theirs) ^ set(mine))[:3]))
            continue
        for k, want in theirs.items():
            got = mine[k]
            value = None if got["value"] != got["value"] else got["value"]  # NaN: no figure
            status = got["status"] if isinstance(got["status"], str) else None
            if (value, status, got["release"]) != (want["value"], want["status"], want["release"]):
                problems.append((indicator_id, k, (value, status, got["release"]), want))
                break
    assert not problems, problems


# --- measuring a command ----------------------------------------------------------------------------------


def test_a_run_is_timed_with_its_cpu_and_memory(tmp_path: Path) -> None:
    code = ("import time; b = bytearray(200_000_000); t = time.process_time()\n"
            "while time.process_time() - t < 0.4: pass")
    run = run_command([PY, "-c", code], tmp_path / "log", timeout_s=60, mem_limit_mb=4000)
    assert run.ok and run.error == ""
    assert run.wall_s >= 0.4 and run.cpu_s >= 0.4
    assert run.peak_rss_mb >= 200


def test_the_wall_time_ends_when_the_process_does_not_at_the_next_memory_sample(tmp_path: Path) -> None:
    # memory sampled every 30 s: a run timed by polling for its exit at each sample would read 30 s or more
    run = run_command([PY, "-c", "pass"], tmp_path / "log", timeout_s=60, mem_limit_mb=4000, sample_s=30)
    assert run.ok and 0 < run.wall_s < 20
    assert run.peak_rss_mb > 0  # sampled once at the start, and the kernel's own figure at the end


def test_a_run_over_its_memory_limit_is_stopped(tmp_path: Path) -> None:
    code = "import time; b = bytearray(400_000_000); time.sleep(30)"
    run = run_command([PY, "-c", code], tmp_path / "log", timeout_s=60, mem_limit_mb=150)
    assert not run.ok and "memory above the 150 MB limit" in run.error
    assert run.wall_s < 20


def test_a_run_over_its_time_limit_is_stopped(tmp_path: Path) -> None:
    run = run_command(
        [PY, "-c", "import time; time.sleep(30)"], tmp_path / "log", timeout_s=0.5, mem_limit_mb=4000
    )
    assert not run.ok and run.error.startswith("stopped: still running after")
    assert run.wall_s < 20


def test_a_failing_command_reports_its_last_line(tmp_path: Path) -> None:
    run = run_command(
        [PY, "-c", "import sys; print('first'); sys.exit('Error: the input is missing')"],
        tmp_path / "log",
        timeout_s=60,
        mem_limit_mb=4000,
    )
    assert not run.ok and run.error == "exit 1: Error: the input is missing"


def test_bare_scan_counts_every_row(tmp_path: Path) -> None:
    a = tmp_path / "a.csv"
    a.write_bytes(
        b'\xef\xbb\xbftime_period,la_name,number\r\n2025,"Bristol, City of",c\r\n2024,"two\r\nlines",5\r\n'
    )
    b = tmp_path / "b.csv"
    b.write_bytes("time_period,label\n2025,Cafés\n".encode("cp1252"))  # read as Latin-1 by DuckDB
    listing = tmp_path / "files.json"
    listing.write_text(json.dumps([[str(a), "utf-8-sig"], [str(b), "cp1252"]]), encoding="utf-8")
    assert bench.scan(listing) == 3


# --- the verdicts against the targets of issue 7 -----------------------------------------------------------


def timed(name: str, *walls: float) -> Measurement:
    return Measurement(name, name, [Run(w, w, 100.0, True) for w in walls])


def test_verdicts_judge_the_medians_against_the_targets() -> None:
    results = {
        m.name: m
        for m in [
            timed("full_cold_build", 59.0),
            timed("render_floor", 50.0),
            timed("ingest_compute", 3.0, 2.0, 30.0),
            timed("bare_scan", 1.0, 2.0, 2.5),
            timed("pandas_baseline", 9.0, 11.0, 10.0),
            timed("noop_rebuild", 1.5, 0.5, 0.9),
            timed("site_html", 12.0, 13.0, 40.0),
            Measurement("one_la_report", "report", note="not available: carestats has no report command"),
        ]
    }
    scales = [
        {"scale": 1, "rows": 100, "ok": True, "wall_s": 10.0, "error": "", "time_limit_s": 3600},
        {"scale": 10, "rows": 1000, "ok": True, "wall_s": 114.0, "error": "", "time_limit_s": 200},
        {"scale": 100, "rows": 10000, "ok": True, "wall_s": 1160.0, "error": "", "time_limit_s": 2000},
    ]
    got = {(t["target"], t["what"]): t for t in verdicts(results, scales, {"la_report_s": 0.81,
                                                                          "england_report_s": 3.9})}
    cold = got[("full_cold_build", "full cold build ≤ 60 s")]
    assert cold["met"] is True
    assert got[("cold_build_90", "full cold build ≤ 90 s (issue 16)")]["met"] is True
    assert got[("la_render_cpu", "WeasyPrint CPU per LA report ≤ 0.8 s")]["met"] is False  # 0.81 s
    assert got[("england_render_cpu", "WeasyPrint CPU for the England report ≤ 4 s")]["met"] is True
    assert cold["note"] == "rendering about 56 s of it; WeasyPrint alone on the same HTML 50 s, so carestats adds 6 s"
    ratio = got[("ingest_vs_scan", "ingest + compute ≤ 3 × the bare DuckDB scan")]
    assert ratio["figure"] == 1.5 and ratio["met"] is True  # medians 3.0 / 2.0
    speed = got[("pandas_speedup", "≥ 5 × faster than the pandas baseline")]
    assert speed["figure"] == pytest.approx(10 / 3, abs=1e-3) and speed["met"] is False
    assert got[("noop_rebuild", "no-op rebuild ≤ 1 s")]["met"] is True  # median 0.9
    la = got[("one_la_report", "one LA report ≤ 2 s")]
    assert la["met"] is None and "no report command" in la["note"]
    site = got[("site", "web edition ≤ 15 s on top of the data stages")]
    assert site["figure"] == 10.0 and site["met"] is True  # medians 13.0 less 3.0
    ten = got[("linear", "cost at 10× within 15 % of linear")]
    assert ten["figure"] == pytest.approx(14.0) and ten["met"] is True
    hundred = got[("linear", "cost at 100× within 15 % of linear")]
    assert hundred["figure"] == pytest.approx(16.0) and hundred["met"] is False


def test_a_scaled_run_stopped_at_its_time_limit_is_a_miss_with_a_lower_bound() -> None:
    scales = [
        {"scale": 1, "rows": 100, "ok": True, "wall_s": 10.0, "error": "", "time_limit_s": 3600},
        {
            "scale": 10,
            "rows": 1000,
            "ok": False,
            "wall_s": None,
            "time_limit_s": 200.0,
            "error": "stopped: still running after the 200 s limit",
        },
        {
            "scale": 100,
            "rows": 10000,
            "ok": False,
            "wall_s": None,
            "time_limit_s": 2000.0,
            "error": "stopped: memory above the 12,000 MB limit",
        },
    ]
    rows = [t for t in verdicts({}, scales) if t["target"] == "linear"]
    assert rows[0]["met"] is False and "at least 100 % over linear" in rows[0]["note"]
    assert rows[1]["met"] is False and "memory" in rows[1]["note"]
    assert all(t["met"] is None for t in verdicts({}, scales) if t["target"] != "linear")


def test_the_table_shows_each_figure_and_verdict() -> None:
    results = {"full_cold_build": timed("full_cold_build", 75.0),
               "one_la_report": Measurement("one_la_report", "report", note="not available: no command")}
    scales = [{"scale": 1, "rows": 100, "bytes": 2e6, "ok": True, "wall_s": 10.0, "cpu_s": 9.0,
               "peak_rss_mb": 300.0, "generate_s": 1.0, "error": "", "time_limit_s": 3600},
              {"scale": 10, "rows": 1000, "bytes": 2e7, "ok": False, "wall_s": None, "cpu_s": None,
               "peak_rss_mb": 12001.0, "generate_s": 9.0, "time_limit_s": 200,
               "error": "stopped: memory above the 12,000 MB limit"}]
    text = table(results, scales, verdicts(results, scales))
    lines = text.splitlines()
    assert any(line.startswith("full_cold_build") and "75.00 s" in line for line in lines)
    assert any(line.startswith("full cold build ≤ 60 s") and line.rstrip().endswith("NO") for line in lines)
    assert any(line.startswith("one LA report ≤ 2 s") and "not measured" in line for line in lines)
    assert any(line.startswith("10×") and "12,001" in line and "memory above" in line for line in lines)


def few_reports(csv_file: Path, keep: list[str]) -> None:
    """Leave the report year's figures of only the `keep` local authorities (the earlier years of all of
    them stay), so that a build of the file makes three reports, not 154: the run's one full set of
    reports is made by the real-data tests (conftest.full_build)."""
    import csv

    data = csv_file.read_bytes()
    lines = data.splitlines(keepends=True)
    header = next(csv.reader([lines[0].decode("utf-8-sig")]))
    at = {name: header.index(name) for name in ("time_period", "geographic_level", "new_la_code")}
    latest = max(next(csv.reader([line.decode("utf-8")]))[at["time_period"]] for line in lines[1:])

    def kept(line: bytes) -> bool:
        row = next(csv.reader([line.decode("utf-8")]))
        return not (row[at["time_period"]] == latest and row[at["geographic_level"]] == "Local authority"
                    and row[at["new_la_code"]] not in keep)

    csv_file.write_bytes(b"".join([lines[0], *filter(kept, lines[1:])]))


@pytest.mark.slow
def test_a_whole_run_writes_bench_json(tmp_path: Path, raw_dir: Path) -> None:
    """End to end on a small input: every measurement and target is recorded (no speed is asserted)."""
    import synth

    raw = tmp_path / "raw"
    synth.generate(raw_dir, raw, 1, only=["cla/2025_release/cla_number_and_rate_per_10k_children.csv",
                                          "ons_mid-year_population_estimates_*.csv"])
    few_reports(raw / "cla/2025_release/cla_number_and_rate_per_10k_children.csv", [bench.LA_CODE, "E10000016"])
    code = bench.main(["--raw", str(raw), "--out", str(tmp_path / "out"), "--work", str(tmp_path / "work"),
                       "--reps", "2", "--cheap", "0", "--scales", "2", "--ssda903-children", "0"])
    assert code == 0
    doc = json.loads((tmp_path / "out" / "bench.json").read_text(encoding="utf-8"))
    names = [m["name"] for m in doc["measurements"]]
    assert names == ["full_cold_build", "noop_rebuild", "one_la_report", "render_floor", "ingest_compute", "site_html",
                     "bare_scan", "pandas_baseline", "ssda903_one_year", "ssda903_five_years", "ingest_compute_x1",
                     "ingest_compute_x2"]
    by_name = {m["name"]: m for m in doc["measurements"]}
    for name in ("render_floor", "ingest_compute", "site_html", "bare_scan", "pandas_baseline", "ingest_compute_x1",
                 "ingest_compute_x2"):
        assert by_name[name]["ok"], by_name[name]
        assert len(by_name[name]["runs"]) == 1  # --cheap 0: nothing is cheap, nothing repeated
    assert doc["inputs"]["csv_files_loaded"] == 2
    assert doc["inputs"]["csv_rows_scanned"] == doc["inputs"]["csv_rows_loaded_by_carestats"] > 4000
    assert [s["scale"] for s in doc["scales"]] == [1, 2]
    assert doc["scales"][1]["rows"] > doc["scales"][0]["rows"]
    assert [t["target"] for t in doc["targets"]] == ["full_cold_build", "ingest_vs_scan", "pandas_speedup",
                                                    "noop_rebuild", "one_la_report", "site", "ssda903_one_year",
                                                    "ssda903_five_years", "cold_build_90", "la_render_cpu",
                                                    "england_render_cpu", "linear"]
    assert doc["render_cpu"]["la_report_s"] > 0 and doc["render_cpu"]["england_report_s"] > 0, doc["render_cpu"]
    assert doc["pandas_baseline"]["covered"] >= 15
    assert not list((tmp_path / "work").glob("*build*")) and not (tmp_path / "work" / "full").exists()
    assert not list((tmp_path / "work").glob("floor-*"))


@pytest.mark.slow
def test_the_render_floor_gives_the_builds_own_pdfs(tmp_path: Path, raw_dir: Path) -> None:
    """The floor times WeasyPrint on exactly what a build gives it: its PDFs are the build's, byte for byte."""
    import render_floor
    import synth

    from carestats.core.settings import Settings
    from carestats.pipeline.build import BuildOptions, run
    from carestats.reports import render

    raw = tmp_path / "raw"
    synth.generate(raw_dir, raw, 1, only=["cla/2025_release/cla_number_and_rate_per_10k_children.csv",
                                          "ons_mid-year_population_estimates_*.csv"])
    out = tmp_path / "build"
    run(BuildOptions(raw=raw, out=out, settings=Settings(jobs=1, areas=["E06000001", "E10000016"])))
    pdf_step = render.html_to_pdf
    assert render_floor.write_html(out, tmp_path / "html", ["E06000001", "E10000016"]) == 3
    assert render.html_to_pdf is pdf_step  # the HTML step leaves the renderer as it was
    assert render_floor.write_pdfs(tmp_path / "html", tmp_path / "pdf", jobs=1) == 3
    built = {p.name: p.read_bytes() for p in (out / "reports").rglob("*.pdf")}
    floor = {p.name: p.read_bytes() for p in (tmp_path / "pdf").glob("*.pdf")}
    assert sorted(floor) == sorted(built) and len(floor) == 3
    assert all(floor[name] == built[name] for name in built)
