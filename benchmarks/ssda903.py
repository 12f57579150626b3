"""How fast a council's own SSDA903 returns go from files to local_indicator_values (issue 14, section 8:
one council-year of about 1,000 children ≤ 30 s with validation, five years ≤ 60 s).

    python benchmarks/ssda903.py [--work /tmp/carestats-bench-903] [--children 1000] [--reps 3]

Times `carestats build --ssda903 DIR --la CODE --no-reports` (returns only, no published files) as a user
runs it, in a fresh process each time, on one year and on five years of returns written by the project's
seeded generator (carestats.synthetic.ssda903). Prints the median wall and CPU time of each and writes
them to WORK/ssda903-bench.json. A measurement, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measure import run_command

LA = "E10000016"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "carestats-bench-903")
    ap.add_argument("--children", type=int, default=1000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    try:
        from carestats.synthetic.ssda903 import generate
    except ImportError:
        print("the SSDA903 generator (carestats.synthetic.ssda903) is not in this checkout: nothing to time")
        return 0
    work = args.work.resolve()
    results = {}
    for name, years in (("one_year", [2025]), ("five_years", [2021, 2022, 2023, 2024, 2025])):
        returns = work / name
        shutil.rmtree(returns, ignore_errors=True)
        generate(returns, LA, years, children=args.children, seed=args.seed)
        runs = []
        for i in range(args.reps):
            out = work / f"out-{name}"
            shutil.rmtree(out, ignore_errors=True)
            cmd = [sys.executable, "-m", "carestats", "-q", "build", "--ssda903", str(returns), "--la", LA,
                   "--out", str(out), "--no-reports"]
            run = run_command(cmd, work / "logs" / f"{name}-{i + 1}.log", 600, 8000, cwd=work,
                              env={**os.environ, "CARESTATS_KEY_FILE": str(work / "key" / "ssda903.key")})
            runs.append(run)
            print(f"  {name} #{i + 1}: {run.wall_s:.2f} s wall, {run.cpu_s:.2f} s cpu"
                  + ("" if run.ok else f" — {run.error}"), flush=True)
        ok = [r for r in runs if r.ok]
        results[name] = {"years": len(years), "children": args.children,
                         "wall_s": statistics.median(r.wall_s for r in ok) if ok else None,
                         "cpu_s": statistics.median(r.cpu_s for r in ok) if ok else None}
    (work / "ssda903-bench.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    for name, r in results.items():
        print(f"{name}: median {r['wall_s']:.2f} s wall, {r['cpu_s']:.2f} s cpu ({r['years']} year(s), "
              f"{r['children']} children)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
