"""The screener's rules alone: CPU time of check_ees over every reference CSV, per pass.

    python benchmarks/checks_cpu.py [--raw ../shared/data/raw] [--passes 7] [--profile OUT]
    PYTHONPATH=OTHER/src python benchmarks/checks_cpu.py      # another checkout's rules

Every plain CSV file under --raw is read once, as a build reads it (ingest/csvfile.read_csv, then the
table it is recognised as and that table's measures, as pipeline/inputs.read_inputs does); the EES data
files among them are kept. Then check_ees runs on all of them, in the build's order with one GeoIndex
per pass, --passes times in this one process; each pass starts from the findings the reader left. The
figure is the least CPU time of a pass (`time.process_time()`: this process only, so other jobs on a
shared machine count for little), with the median beside it, and the findings of the last pass are
counted so that two checkouts can be seen to agree.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import statistics
import time
from pathlib import Path

import carestats
from carestats.check.ees_rules import check_ees
from carestats.check.geography_pairs import GeoIndex
from carestats.core.paths import default_raw
from carestats.ingest.csvfile import read_csv
from carestats.pipeline import inputs


def load(raw: Path) -> list[tuple[object, set[str], list]]:
    """(file as read, its measures, the reader's findings) for each EES data file under `raw`, in order."""
    measures = inputs.measures_by_table()
    out = []
    for path in inputs.discover(raw):
        if path.suffix.lower() != ".csv" or path.name.lower().endswith(".meta.csv"):
            continue
        data = path.read_bytes()
        f = read_csv(path, path.relative_to(raw).as_posix(), hashlib.sha256(data).hexdigest(), data)
        if not f.header or not inputs.is_ees_header(f.header):
            continue
        table = inputs._recognised_table(f)
        if f.ok:
            out.append((f, measures.get(table, set()), list(f.findings)))
    return out


def one_pass(files: list) -> list:
    geo = GeoIndex()
    found = []
    for f, measures, before in files:
        f.findings[:] = before
        check_ees(f, measures, geo)
        found.extend(f.findings)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--raw", type=Path, default=default_raw(),
                        help="folder of the release files (default: data/raw, else the shared reference inputs)")
    parser.add_argument("--passes", type=int, default=7)
    parser.add_argument("--profile", type=Path, help="write a cProfile of one more pass here")
    args = parser.parse_args()
    files = load(args.raw)
    rows = sum(f.num_rows for f, _, _ in files)
    one_pass(files)  # warm: imports, compiled patterns
    cpu = []
    for _ in range(args.passes):
        start = time.process_time()
        found = one_pass(files)
        cpu.append(time.process_time() - start)
    digest = hashlib.sha256(repr(found).encode()).hexdigest()[:16]
    print(f"carestats from {Path(carestats.__file__).parent}")
    print(f"{len(files)} EES data files, {rows:,} rows; {args.passes} passes of check_ees")
    print(f"CPU per pass: least {min(cpu):.3f} s, median {statistics.median(cpu):.3f} s")
    print(f"findings: {len(found)} (digest {digest})")
    if args.profile:
        cProfile.runctx("one_pass(files)", globals(), {"files": files}, str(args.profile))


if __name__ == "__main__":
    main()
