"""Where the time of `carestats build --no-reports` goes: the wall time of each stage, for one or more
checkouts, their runs alternated so that a machine whose speed drifts treats them alike.

    python benchmarks/stages.py --raw ../shared/data/raw --src ../main/src --src src --reps 5

Each run is a fresh process (`python benchmarks/stages.py --one ...` with PYTHONPATH set to that
checkout's sources) that times the stage functions of pipeline/build.py and the modules it calls, then
the build itself; the table gives each stage's median over the runs, and the process's CPU time. Stages
that overlap (work on the second thread) are timed on the thread that waits for them, so the stages can
add up to more than the whole. A measurement, never a test.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# (module, function, stage): the functions each stage's time is taken from (a stage may sum several)
STAGES = [
    ("carestats.pipeline.inputs", "read_inputs", "ingest + checks"),
    ("carestats.pipeline.build", "open_warehouse", "raw store commit, warehouse opened"),
    ("carestats.pipeline.build", "load_raw", "load (raw, areas, neighbours)"),
    ("carestats.ingest.neighbours", "load_reference", "load (raw, areas, neighbours)"),
    ("carestats.warehouse.staging", "build_staging", "staging views"),
    ("carestats.indicators.compute", "compute_all", "compute (indicator queries, latest release)"),
    ("carestats.indicators.compare", "write_comparisons", "compare"),
    ("carestats.pipeline.build", "write_analyst_exports", "XLSX + EES files"),
    ("carestats.pipeline.build", "make_data", "all of load → exports"),
    ("carestats.pipeline.build", "write_manifest", "manifest"),
]


def one(raw: Path, out: Path, record: Path) -> None:
    """One build in this process, its stage times appended to `record` as a line of JSON."""
    t0, c0 = time.perf_counter(), time.process_time()
    times: dict[str, float] = {}
    import carestats.pipeline.build  # the imports a build needs, timed as start-up
    import carestats.pipeline.inputs  # noqa: F401

    times["startup (imports)"] = time.perf_counter() - t0
    for module, name, stage in STAGES:
        m = importlib.import_module(module)
        setattr(m, name, _timed(getattr(m, name), stage, times))
    from carestats.cli.commands import main

    sys.argv = ["carestats", "-q", "build", "--no-reports", "--raw", str(raw), "--out", str(out)]
    try:
        main()
    except SystemExit as exc:
        if exc.code:
            raise
    times["whole build (in process)"] = time.perf_counter() - t0
    times["cpu (process, all threads)"] = time.process_time() - c0
    with record.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(times) + "\n")


def _timed(fn, stage: str, times: dict[str, float]):  # type: ignore[no-untyped-def]
    @functools.wraps(fn)
    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            times[stage] = times.get(stage, 0.0) + time.perf_counter() - start
    return timed


def table(records: dict[str, list[dict[str, float]]]) -> str:
    names = list(records)
    stages = list(dict.fromkeys(["startup (imports)", *(s for _, _, s in STAGES), "whole build (in process)",
                                 "cpu (process, all threads)"]))
    width = max(len(s) for s in stages)
    lines = [f"| {'stage (median s)':{width}} | " + " | ".join(names) + " |",
             f"|{'-' * (width + 2)}|" + "|".join("-" * (len(n) + 2) for n in names) + "|"]
    for stage in stages:
        cells = [f"{statistics.median(r.get(stage, 0.0) for r in records[n]):.2f}".rjust(len(n)) for n in names]
        lines.append(f"| {stage:{width}} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", type=Path, required=True, help="folder of the release files")
    ap.add_argument("--src", type=Path, action="append", default=[],
                    help="a checkout's src folder (give it again for each checkout to compare)")
    ap.add_argument("--reps", type=int, default=5, help="runs of each checkout")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "carestats-stages")
    ap.add_argument("--one", type=Path, help=argparse.SUPPRESS)  # the record file of one run
    args = ap.parse_args(argv)
    if args.one:
        one(args.raw.resolve(), args.work / "out", args.one)
        return 0
    sources = [s.resolve() for s in args.src] or [Path(__file__).resolve().parents[1] / "src"]
    records: dict[str, list[dict[str, float]]] = {}
    args.work.mkdir(parents=True, exist_ok=True)
    for rep in range(args.reps):
        for k, src in enumerate(sources):
            name = f"{k + 1}: {src.parent.name}"
            work = args.work / f"src{k + 1}"
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            record = work / "times.jsonl"
            env = {**os.environ, "PYTHONPATH": str(src)}
            subprocess.run([sys.executable, __file__, "--raw", str(args.raw), "--work", str(work), "--one",
                            str(record)], env=env, check=True)
            records.setdefault(name, []).append(json.loads(record.read_text(encoding="utf-8")))
            shutil.rmtree(work, ignore_errors=True)
        print(f"run {rep + 1}/{args.reps} done", file=sys.stderr, flush=True)
    print(table(records))
    print(f"\nload average {[round(x, 2) for x in os.getloadavg()]} ({os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
