"""`make bench`: how fast carestats is on this machine, measured against the targets of issue 7.

    python benchmarks/run.py --raw ../shared/data/raw --out build [--work /tmp/carestats-bench]

In one run, each through the command line as a user would run it (a fresh process every time):
- the cold full build: `carestats build` into an empty folder (inputs → warehouse → indicators and
  comparisons → every report);
- ingest + compute alone: `carestats build --no-reports`;
- the web edition: `carestats build --format html` into an empty folder (the data stages and the site, no
  PDF); the site's own time is this less ingest + compute;
- the floor: a bare DuckDB scan of the same input files (every cell as text, rows counted);
- the pandas baseline (benchmarks/pandas_baseline.py) on the same inputs;
- the no-op rebuild: `carestats build` again into the same folder, inputs unchanged;
- one LA report: `carestats report --area E06000001`, when that command exists;
- the floor for rendering: WeasyPrint alone on the HTML of every report (benchmarks/render_floor.py);
- ingest + compute on synthetic data (benchmarks/synth.py) at 1×, 10× and 100×;
- a build of one council's generated SSDA903 returns (validation + local indicators): one year and five
  years of about --ssda903-children children (0: not measured).

A run that takes less than --cheap seconds is repeated (--reps times in all) and the median is quoted.
Every run is limited in time and memory (--timeout, --mem-limit-mb); a scaled run is also stopped once
it has taken twice the linear time, as it can no longer meet its target. The table is printed and
OUT/bench.json holds every run, the ratios and whether each target is met. Nothing here is a test:
timings on a shared 2-core machine vary, so bench.json records the load and the CPU times beside them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synth  # noqa: E402
from measure import Measurement, run_command  # noqa: E402
from targets import table, verdicts  # noqa: E402

LA_CODE = "E06000001"
SSDA903_LA = "E10000016"
SCAN_SQL = HERE / "bare_scan.sql"


def carestats(*args: str) -> list[str]:
    return [sys.executable, "-m", "carestats", "-q", *args]


def help_of(command: str) -> str | None:
    """The --help text of a carestats command, or None when there is no such command."""
    res = subprocess.run(carestats(command, "--help"), capture_output=True, text=True)
    return res.stdout if res.returncode == 0 else None


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.raw: Path = args.raw.resolve()
        self.work: Path = args.work.resolve()
        self.reps, self.cheap = args.reps, args.cheap
        self.timeout, self.mem = args.timeout, args.mem_limit_mb
        self.ssda903_children: int = getattr(args, "ssda903_children", 1000)
        self.results: dict[str, Measurement] = {}
        self.work.mkdir(parents=True, exist_ok=True)

    def measure(self, name: str, what: str, cmd: list[str], prepare=None, timeout: float | None = None
                ) -> Measurement:
        m = Measurement(name, what)
        for i in range(self.reps):
            if prepare:
                prepare()
            log = self.work / "logs" / f"{name}-{i + 1}.log"
            run = run_command(cmd, log, timeout or self.timeout, self.mem, cwd=self.work)
            m.runs.append(run)
            print(f"  {name} #{i + 1}: {run.wall_s:.2f} s wall, {run.cpu_s:.2f} s cpu, "
                  f"{run.peak_rss_mb:,.0f} MB{'' if run.ok else ' — ' + run.error}", flush=True)
            if not run.ok or run.wall_s > self.cheap:
                break
        self.results[name] = m
        return m

    def skipped(self, name: str, what: str, note: str) -> None:
        self.results[name] = Measurement(name, what, note=note)
        print(f"  {name}: {note}", flush=True)


def fresh(folder: Path):
    """Remove a build folder and what a build leaves beside it, so that the next build starts cold."""
    def prepare() -> None:
        shutil.rmtree(folder, ignore_errors=True)
        for sibling in folder.parent.glob(f".{folder.name}.*"):
            shutil.rmtree(sibling, ignore_errors=True)
    return prepare


def manifest_inputs(build: Path) -> list[dict]:
    manifest = build / "manifest.json"
    return json.loads(manifest.read_text(encoding="utf-8"))["inputs"] if manifest.is_file() else []


def loaded_csvs(build: Path, raw: Path) -> list[tuple[str, str]]:
    """(path, encoding) of every CSV the build loaded, from its manifest; else every EES CSV under raw."""
    found = [(str(raw / i["name"]), i.get("encoding", "utf-8")) for i in manifest_inputs(build)
             if i.get("status") == "loaded" and i["name"].lower().endswith(".csv")]
    return found or [(str(p), "utf-8") for p, rel in synth.ees_files(raw) if synth.read_table(p, rel)]


def scan(list_file: Path) -> int:
    """The bare scan itself (run in its own process by the benchmark): rows of every listed file."""
    import duckdb

    con = duckdb.connect()
    sql = SCAN_SQL.read_text(encoding="utf-8")
    total = 0
    for path, encoding in json.loads(list_file.read_text(encoding="utf-8")):
        enc = "latin-1" if encoding == "cp1252" else "utf-8"
        total += con.execute(sql, {"path": path, "encoding": enc}).fetchone()[0]
    return total


def baseline_coverage() -> dict:
    """Which of carestats' indicators the pandas baseline computes (those from EES CSV files)."""
    from carestats.indicators.registry import load_indicators

    try:
        import pandas_baseline
    except ImportError:  # pandas is not installed: the baseline's own run says so
        return {"covered": 0, "registry": 0, "not_covered": []}
    registry = {i.id for i in load_indicators()}
    covered = set(pandas_baseline.INDICATORS) & registry
    return {"covered": len(covered), "registry": len(registry), "not_covered": sorted(registry - covered)}


ONLY = ("ingest_compute", "bare_scan", "site_html")  # what --only may pick: the measurements that need no full build


def run_ingest_vs_scan(b: Bench, only: list[str]) -> dict:
    """Only ingest_compute and/or bare_scan (`--only`): the ingest target, without a full build. The scan
    reads the CSV files the ingest build loaded (every EES CSV under raw when it was not measured)."""
    nr = b.work / "no-reports"
    fresh(nr)()
    if "ingest_compute" in only:
        print("ingest + compute", flush=True)
        b.measure("ingest_compute", "carestats build --no-reports into an empty folder",
                  carestats("build", "--raw", str(b.raw), "--no-reports", "--out", str(nr)), prepare=fresh(nr))
    if "site_html" in only:
        print("web edition", flush=True)
        measure_site(b)
    files = loaded_csvs(nr, b.raw)
    if "bare_scan" in only:
        print("bare DuckDB scan", flush=True)
        listing = b.work / "scan-files.json"
        listing.write_text(json.dumps(files), encoding="utf-8")
        b.measure("bare_scan", f"DuckDB read_csv(all_varchar) of the {len(files)} CSV files carestats loads",
                  [sys.executable, __file__, "--scan-list", str(listing)])
    fresh(nr)()
    return {"inputs": {"raw": str(b.raw), "csv_files_loaded": len(files)}, "only": only, "scales": []}


def run_all(b: Bench, scales: list[int], seed: int) -> dict:
    full, nr = b.work / "full", b.work / "no-reports"
    build = ["build", "--raw", str(b.raw)]
    print("cold full build", flush=True)
    cold = b.measure("full_cold_build", "carestats build into an empty folder",
                     carestats(*build, "--out", str(full)), prepare=fresh(full))
    print("no-op rebuild", flush=True)
    noop = "carestats build again, inputs unchanged"
    if cold.ok:
        b.measure("noop_rebuild", noop, carestats(*build, "--out", str(full)))
    else:
        b.skipped("noop_rebuild", noop, "not measured: the cold build failed")
    print("one LA report", flush=True)
    measure_la_report(b, full, cold.ok)
    print("render floor (WeasyPrint alone)", flush=True)
    measure_render_floor(b, full, cold.ok)
    print("WeasyPrint CPU per report (LA sample, England)", flush=True)
    render_cpu = measure_render_cpu(b, full, cold.ok)
    print("ingest + compute", flush=True)
    b.measure("ingest_compute", "carestats build --no-reports into an empty folder",
              carestats(*build, "--no-reports", "--out", str(nr)), prepare=fresh(nr))
    print("web edition", flush=True)
    measure_site(b)
    print("bare DuckDB scan", flush=True)
    built = full if cold.ok else nr
    files = loaded_csvs(built, b.raw)
    listing = b.work / "scan-files.json"
    listing.write_text(json.dumps(files), encoding="utf-8")
    b.measure("bare_scan", f"DuckDB read_csv(all_varchar) of the {len(files)} CSV files carestats loads",
              [sys.executable, __file__, "--scan-list", str(listing)])
    print("pandas baseline", flush=True)
    coverage = baseline_coverage()
    b.measure("pandas_baseline", f"benchmarks/pandas_baseline.py ({coverage['covered']} indicators)",
              [sys.executable, str(HERE / "pandas_baseline.py"), "--raw", str(b.raw),
               "--out", str(b.work / "pandas_values.csv")])
    loaded = [i for i in manifest_inputs(built) if i.get("status") == "loaded"]
    inputs = {"raw": str(b.raw), "files": sum(1 for p in b.raw.rglob("*") if p.is_file()),
              "csv_files_loaded": len(files),
              "csv_bytes_loaded": sum(Path(p).stat().st_size for p, _ in files),
              "csv_rows_scanned": scanned_rows(b.work / "logs" / "bare_scan-1.log"),
              "csv_rows_loaded_by_carestats": sum(i.get("rows", 0) for i in loaded
                                                  if i["name"].lower().endswith(".csv")),
              "rows_loaded_by_carestats": sum(i.get("rows", 0) for i in loaded)}
    for folder in (full, nr):
        fresh(folder)()
    print("SSDA903 validation", flush=True)
    measure_ssda903(b, seed)
    scaled = measure_scales(b, scales, seed) if scales else []
    return {"inputs": inputs, "pandas_baseline": coverage, "render_cpu": render_cpu, "scales": scaled}


def scanned_rows(log: Path) -> int | None:
    try:
        return int(log.read_text(encoding="utf-8").strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        return None


def measure_site(b: Bench) -> None:
    """`carestats build --format html` into an empty folder: the data stages and the web edition, no PDF."""
    html = b.work / "site-html"
    b.measure("site_html", "carestats build --format html into an empty folder (data stages + the site)",
              carestats("build", "--raw", str(b.raw), "--format", "html", "--out", str(html)), prepare=fresh(html))
    fresh(html)()


SSDA903_YEARS = [2021, 2022, 2023, 2024, 2025]


def measure_ssda903(b: Bench, seed: int) -> None:
    """A council's own returns as a user builds them: `carestats build --ssda903 DIR --la CODE --no-reports`
    (returns only: reading, the DfE's validation rules in their own environment, the pseudonymised tables,
    the local indicators and their disclosed exports) on one year, and on five years, of generated returns."""
    names = {"ssda903_one_year": [SSDA903_YEARS[-1]], "ssda903_five_years": SSDA903_YEARS}
    if b.ssda903_children <= 0:
        for name in names:
            b.skipped(name, "a build of one council's generated SSDA903 returns", "not measured: --ssda903-children 0")
        return
    from carestats.core.ssda903 import year_folder
    from carestats.synthetic.ssda903 import generate

    returns = b.work / "ssda903-returns"
    shutil.rmtree(returns, ignore_errors=True)
    generate(returns / "five", SSDA903_LA, SSDA903_YEARS, children=b.ssda903_children, seed=seed)
    last = year_folder(SSDA903_YEARS[-1])
    shutil.copytree(returns / "five" / last, returns / "one" / last)
    for name, years in names.items():
        folder, out = returns / ("one" if len(years) == 1 else "five"), returns / f"out-{name}"
        b.measure(name, f"carestats build --ssda903 (validated, computed, exported): {len(years)} year(s) of "
                        f"{b.ssda903_children} children",
                  carestats("build", "--ssda903", str(folder), "--la", SSDA903_LA, "--no-reports", "--out", str(out)),
                  prepare=fresh(out))
    shutil.rmtree(returns, ignore_errors=True)


def measure_la_report(b: Bench, full: Path, built: bool) -> None:
    what = f"carestats report --area {LA_CODE} (after the full build)"
    help_text = help_of("report")
    if help_text is None:
        b.skipped("one_la_report", what, "not available: carestats has no report command")
    elif not built:
        b.skipped("one_la_report", what, "not measured: the cold build failed")
    else:
        out = ["--out", str(full)] if "--out" in help_text else []
        b.measure("one_la_report", what, carestats("report", "--area", LA_CODE, *out))


def measure_render_floor(b: Bench, full: Path, built: bool) -> None:
    """WeasyPrint alone on the HTML of every report of the full build (benchmarks/render_floor.py)."""
    what = "WeasyPrint alone on every report's HTML, as many processes as the build (render_floor.py)"
    if not built:
        b.skipped("render_floor", what, "not measured: the cold build failed")
        return
    html, pdfs = b.work / "floor-html", b.work / "floor-pdf"
    fresh(html)()
    script = [sys.executable, str(HERE / "render_floor.py")]
    made = subprocess.run([*script, "html", "--build", str(full), "--to", str(html)], capture_output=True,
                          text=True, cwd=b.work)
    if made.returncode != 0:
        last = (made.stderr.strip().splitlines() or ["no output"])[-1]
        b.skipped("render_floor", what, f"not measured: making the HTML failed: {last}")
    else:
        b.measure("render_floor", what, [*script, "pdf", "--html", str(html), "--to", str(pdfs)],
                  prepare=fresh(pdfs))
    for folder in (html, pdfs):
        fresh(folder)()


def measure_render_cpu(b: Bench, full: Path, built: bool) -> dict:
    """WeasyPrint's CPU time per report (parse, layout, write; least of the runs), in one warm process, on the
    full build's HTML: the median of a sample of LA reports (la_render_cpu.py) and the England report
    (england_render_cpu.py). CPU, not wall: the figure the render targets of issue 16 are set in."""
    out: dict = {"la_report_s": None, "england_report_s": None, "notes": {}}
    if not built:
        out["notes"] = dict.fromkeys(("la_report_s", "england_report_s"), "not measured: the cold build failed")
        return out
    reps = str(max(1, min(b.reps, 3)))
    codes = sorted(p.name.split("-", 1)[0] for p in (full / "reports" / "la").glob("*.pdf"))
    sample = codes[::max(1, len(codes) // 10)][:10]  # ten councils spread over those the build reported on
    for key, script, args, pick in (
            ("la_report_s", "la_render_cpu.py", ["--areas", *sample],
             lambda d: d["checkouts"][0]["median"]["total"]),
            ("england_report_s", "england_render_cpu.py", [], lambda d: d["rows"][0]["total"])):
        result = b.work / f"{script.removesuffix('.py')}.json"
        result.unlink(missing_ok=True)
        ran = subprocess.run([sys.executable, str(HERE / script), "--build", str(full), "--reps", reps,
                              "--json", str(result), *args], capture_output=True, text=True, cwd=b.work)
        if ran.returncode != 0 or not result.exists():
            last = (ran.stderr.strip().splitlines() or ["no output"])[-1]
            out["notes"][key] = f"not measured: {script} failed: {last}"
            continue
        out[key] = round(pick(json.loads(result.read_text(encoding="utf-8"))), 3)
        result.unlink()
        print(f"  {key}: {out[key]:.3f} s of WeasyPrint CPU", flush=True)
    return out


def measure_scales(b: Bench, scales: list[int], seed: int) -> list[dict]:
    """ingest + compute at 1× and each scale, on synthetic data (made once, then kept in the work folder)."""
    out: list[dict] = []
    for n in [1, *[s for s in scales if s != 1]]:
        name, what = f"ingest_compute_x{n}", f"carestats build --no-reports on synthetic data at {n}×"
        print(f"synthetic data ×{n}", flush=True)
        start = time.perf_counter()
        try:
            made = synth.generate(b.raw, b.work / f"synth-{n}", n, seed)
        except synth.SynthError as exc:
            b.skipped(name, what, f"not measured: {exc}")
            continue
        made_s = time.perf_counter() - start
        base = out[0] if out and out[0]["scale"] == 1 else None
        limit = b.timeout
        if base and base["ok"]:
            limit = min(b.timeout, max(120.0, 2 * base["wall_s"] * made["rows_out"] / base["rows"]))
        target = b.work / f"synth-{n}-build"
        m = b.measure(name, what, carestats("build", "--raw", str(b.work / f"synth-{n}"), "--no-reports",
                                            "--out", str(target)), prepare=fresh(target), timeout=limit)
        fresh(target)()
        error = "" if m.ok else m.runs[-1].error if m.runs else m.note
        out.append({"scale": n, "rows": made["rows_out"], "bytes": made["bytes_out"],
                    "year_copies": made["years"], "area_copies": made["areas"],
                    "generate_s": round(made_s, 2), "wall_s": m.wall_s, "cpu_s": m.cpu_s,
                    "peak_rss_mb": m.peak_rss_mb, "ok": m.ok, "time_limit_s": round(limit, 1),
                    "error": error})
    return out


def machine() -> dict:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=HERE.parent, capture_output=True, text=True).stdout.strip()

    return {"cores": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(), "platform": platform.platform(),
            "commit": git("rev-parse", "--short", "HEAD"),
            "uncommitted_changes": bool(git("status", "--porcelain", "--untracked-files=no"))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", type=Path, help="folder of the release files")
    ap.add_argument("--out", type=Path, help="where bench.json is written")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "carestats-bench",
                    help="scratch folder for builds and synthetic data (kept between runs as a cache)")
    ap.add_argument("--reps", type=int, default=3, help="runs of a cheap measurement (the median is quoted)")
    ap.add_argument("--cheap", type=float, default=30.0, help="a run shorter than this (s) is repeated")
    ap.add_argument("--scales", default="10,100", help="synthetic scales, comma-separated ('' for none)")
    ap.add_argument("--seed", type=int, default=7, help="seed of the synthetic data")
    ap.add_argument("--timeout", type=float, default=3600.0, help="time limit of one run (s)")
    ap.add_argument("--mem-limit-mb", type=float, default=12000.0, help="memory limit of one run (MB)")
    ap.add_argument("--only", default="", help=f"measure only these, comma-separated (of {', '.join(ONLY)}): "
                    "the ingest target without the full build; no synthetic scales")
    ap.add_argument("--ssda903-children", type=int, default=1000,
                    help="children a year in the generated SSDA903 returns validated (0: not measured)")
    ap.add_argument("--scan-list", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    if any(s not in ONLY for s in only):
        ap.error(f"--only takes {', '.join(ONLY)}, not {', '.join(s for s in only if s not in ONLY)}")
    if args.scan_list:
        print(scan(args.scan_list))
        return 0
    if not args.raw or not args.out:
        ap.error("--raw and --out are required")
    b = Bench(args)
    before, started = machine(), time.perf_counter()
    extra = run_ingest_vs_scan(b, only) if only else \
        run_all(b, [int(s) for s in args.scales.split(",") if s.strip()], args.seed)
    targets = verdicts(b.results, extra["scales"], extra.get("render_cpu"))
    doc = {"generated": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
           "duration_s": round(time.perf_counter() - started, 1), "machine": before,
           "load_average_after": [round(x, 2) for x in os.getloadavg()], **extra,
           "measurements": [m.as_dict() for m in b.results.values()], "targets": targets}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bench.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print("\n" + table(b.results, extra["scales"], targets))
    print(f"\nload average before {before['load_average']}, after {doc['load_average_after']} "
          f"({before['cores']} cores) → {args.out / 'bench.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
