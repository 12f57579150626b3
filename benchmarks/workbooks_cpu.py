"""CPU time of reading the reference workbooks, as a build reads them (`ingest/workbooks.read_workbook`).

    python benchmarks/workbooks_cpu.py [--raw RAW] [--reps 5]
    PYTHONPATH=OTHER/src python benchmarks/workbooks_cpu.py     # another checkout's reader

Every ODS/XLSX file under RAW (default: data/raw, else the shared reference inputs beside the project) is read `--reps` times in this one process,
each time from its bytes, as `pipeline/inputs.py` reads it: fastexcel opens the workbook (in a build, on
the thread that opens workbooks a file ahead, `Prefetch`), then `read_workbook` recognises it and parses its
sheets into arrow tables on the build's main thread. For each workbook the table shows the least CPU time
(`time.process_time`, every thread of the process) over the repetitions of: opening it; `read_workbook`
given the opened workbook (the main thread's work: the figure to bring down); and, within that read,
fastexcel's own part (every sheet it loads and converts to arrow or polars, timed through a wrapper of the
opened workbook, so that any version of the reader is measured alike). Then the least CPU time of a whole
pass, and the reader's own part of it. The machine is shared: CPU time, not wall.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import fastexcel

from carestats.core.paths import default_raw
from carestats.ingest import workbooks
from carestats.ingest.files import InputFile


def cpu(work) -> float:  # type: ignore[no-untyped-def]
    start = time.process_time()
    work()
    return time.process_time() - start


class Timed:
    """An opened workbook that adds the CPU time of fastexcel's own work (loading a sheet, converting it to
    arrow or polars) to `spent`, whichever of its calls a version of the reader makes."""

    def __init__(self, book: fastexcel.ExcelReader) -> None:
        self.book = book
        self.spent = 0.0

    @property
    def sheet_names(self) -> list[str]:
        return self.book.sheet_names

    def timed(self, work):  # type: ignore[no-untyped-def]
        start = time.process_time()
        try:
            return work()
        finally:
            self.spent += time.process_time() - start

    def load_sheet(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return TimedSheet(self, self.timed(lambda: self.book.load_sheet(*args, **kwargs)))


class TimedSheet:
    def __init__(self, owner: Timed, sheet) -> None:  # type: ignore[no-untyped-def]
        self.owner, self.sheet = owner, sheet

    def to_arrow(self):  # type: ignore[no-untyped-def]
        return self.owner.timed(self.sheet.to_arrow)

    def to_polars(self):  # type: ignore[no-untyped-def]
        return self.owner.timed(self.sheet.to_polars)


def read(name: str, data: bytes, book: Timed) -> workbooks.WorkbookRead:
    info = InputFile(name=name, sha256="", size=len(data), kind="other")
    return workbooks.read_workbook(data, info, {}, open_book=lambda _: book)  # type: ignore[arg-type,return-value]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", type=Path, default=default_raw(),
                    help="folder of the release files (default: data/raw, else the shared reference inputs)")
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    files = sorted(p for p in args.raw.rglob("*") if p.is_file() and p.suffix.lower() in workbooks.SUFFIXES)
    if not files:
        raise SystemExit(f"no workbooks under {args.raw}")
    blobs = {p.relative_to(args.raw).as_posix(): p.read_bytes() for p in files}
    for name, data in blobs.items():  # warm up: imports, the spec's patterns, first-call costs
        read(name, data, Timed(fastexcel.read_excel(data)))
    opening: dict[str, float] = {}
    best: dict[str, float] = {}
    loading: dict[str, float] = {}
    passes: list[float] = []
    for _ in range(args.reps):
        total = 0.0
        for name, data in blobs.items():
            start = time.process_time()
            book = Timed(fastexcel.read_excel(data))
            opened = time.process_time() - start
            opening[name] = min(opening.get(name, opened), opened)
            start = time.process_time()
            read(name, data, book)
            spent = time.process_time() - start
            total += spent
            if spent < best.get(name, spent + 1):
                best[name], loading[name] = spent, book.spent
        passes.append(total)
    print(f"{'workbook (rows loaded)':<88} {'open':>7} {'read_workbook':>13} {'of which fastexcel':>18}")
    for name, data in blobs.items():
        rows = sum(t.num_rows for _, t in read(name, data, Timed(fastexcel.read_excel(data))).tables)
        print(f"{name + f' ({rows})':<88} {opening[name]:>5.3f} s {best[name]:>11.3f} s {loading[name]:>16.3f} s")
    print(f"{'every workbook: sums of the least':<88} {sum(opening.values()):>5.3f} s {sum(best.values()):>11.3f} s "
          f"{sum(loading.values()):>16.3f} s")
    print(f"read_workbook, one pass over every workbook (least of {args.reps}): {min(passes):.3f} s CPU; "
          f"less fastexcel's part: {sum(best.values()) - sum(loading.values()):.3f} s")


if __name__ == "__main__":
    main()
