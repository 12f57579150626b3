"""CPU time of reading the reference workbooks, as a build reads them (`ingest/workbooks.read_workbook`).

    python benchmarks/workbooks_cpu.py [--raw RAW] [--reps 5]
    PYTHONPATH=OTHER/src python benchmarks/workbooks_cpu.py     # another checkout's reader

Every ODS/XLSX file under RAW (default /work/shared/data/raw) is read `--reps` times in this one process,
each time from its bytes, as `pipeline/inputs.py` reads it: fastexcel opens the workbook (in a build, on
the thread that opens workbooks a file ahead, `Prefetch`), then `read_workbook` recognises it and parses its
sheets into arrow tables on the build's main thread. For each workbook the table shows the least CPU time
(`time.process_time`, every thread of the process) over the repetitions of: opening it; `read_workbook`
given the opened workbook (the main thread's work: the figure to bring down); and, within that,
fastexcel's own part (loading each sheet a source's name matches as a frame, through the arrow C
interface). Then the least CPU time of a whole pass. The machine is shared: CPU time, not wall.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import fastexcel

from carestats.ingest import workbooks
from carestats.ingest.files import InputFile


def cpu(work) -> float:  # type: ignore[no-untyped-def]
    start = time.process_time()
    work()
    return time.process_time() - start


def read(name: str, data: bytes, book: fastexcel.ExcelReader) -> workbooks.WorkbookRead:
    info = InputFile(name=name, sha256="", size=len(data), kind="other")
    return workbooks.read_workbook(data, info, {}, open_book=lambda _: book)


def load_sheets(book: fastexcel.ExcelReader) -> None:
    """fastexcel's part of a read: each sheet whose name a source matches, loaded as a polars frame."""
    sources, _ = workbooks.load_spec()
    for sheet in book.sheet_names:
        if any(s.sheet.search(sheet) for s in sources):
            book.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string").to_polars()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", type=Path, default=Path("/work/shared/data/raw"))
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    files = sorted(p for p in args.raw.rglob("*") if p.is_file() and p.suffix.lower() in workbooks.SUFFIXES)
    if not files:
        raise SystemExit(f"no workbooks under {args.raw}")
    blobs = {p.relative_to(args.raw).as_posix(): p.read_bytes() for p in files}
    for name, data in blobs.items():  # warm up: imports, the spec's patterns, first-call costs
        read(name, data, fastexcel.read_excel(data))
    opening: dict[str, float] = {}
    best: dict[str, float] = {}
    loading: dict[str, float] = {}
    passes: list[float] = []
    for _ in range(args.reps):
        total = 0.0
        for name, data in blobs.items():
            books: list[fastexcel.ExcelReader] = []
            spent = cpu(lambda: books.append(fastexcel.read_excel(data)))  # noqa: B023 - called at once
            opening[name] = min(opening.get(name, spent), spent)
            spent = cpu(lambda: read(name, data, books[0]))  # noqa: B023 - called at once
            total += spent
            best[name] = min(best.get(name, spent), spent)
            spent = cpu(lambda: load_sheets(fastexcel.read_excel(data))) - opening[name]  # noqa: B023
            loading[name] = max(0.0, min(loading.get(name, spent), spent))
        passes.append(total)
    print(f"{'workbook (rows loaded)':<80} {'open':>7} {'read_workbook':>13} {'of which fastexcel':>18}")
    for name, data in blobs.items():
        rows = sum(t.num_rows for _, t in read(name, data, fastexcel.read_excel(data)).tables)
        print(f"{name + f' ({rows})':<80} {opening[name]:>5.3f} s {best[name]:>11.3f} s {loading[name]:>16.3f} s")
    print(f"{'every workbook: sums of the least':<80} {sum(opening.values()):>5.3f} s {sum(best.values()):>11.3f} s "
          f"{sum(loading.values()):>16.3f} s")
    print(f"read_workbook, one pass over every workbook (least of {args.reps}): {min(passes):.3f} s CPU")


if __name__ == "__main__":
    main()
