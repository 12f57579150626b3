"""The pipeline: ingest → check → stage → compute → render, built aside and swapped in at the end.

Everything is written to a hidden sibling of the output folder; only a complete build replaces the
previous outputs, in one atomic exchange of the two folders (Linux renameat2; two renames elsewhere). A
failure, Ctrl-C or kill at any point leaves the previous outputs as they were, and the next run cleans
up what the interrupted one left. A folder that carestats did not write is never replaced.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import errno
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from carestats import compare, compute, ingest, neighbours, stage, warehouse
from carestats.errors import CheckFailed, DataError
from carestats.manifest import write_manifest
from carestats.progress import Reporter
from carestats.registry import load_indicators


@dataclass
class BuildOptions:
    raw: Path
    out: Path
    skip_invalid: bool = False
    reports: bool = True
    indicator_dirs: list[Path] = field(default_factory=list)
    template_dirs: list[Path] = field(default_factory=list)
    until: str = "render"  # the last stage to run: ingest, stage, compute or render
    settings: Any = None  # config.Settings: report year, areas, sections, branding (None: defaults)


@dataclass
class BuildResult:
    out: Path
    files: list[ingest.InputFile]
    rows: int
    indicators: int
    reports: list[Path]
    findings: list


def _siblings(out: Path, tag: str) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}.{tag}-*"))


def _alive(p: Path) -> bool:
    """Whether the build that made this sibling (its pid is the suffix) is still running."""
    try:
        pid = int(p.name.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return False
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(out: Path) -> None:
    """Undo what an interrupted run left: restore a swapped-out build, remove half-built ones.

    Siblings of a build that is still running (another process) are left alone.
    """
    olds = [p for p in _siblings(out, "old") if not _alive(p)]
    if not out.exists() and olds:
        os.rename(olds[-1], out)
        olds = olds[:-1]
    for p in [*olds, *(p for p in _siblings(out, "new") if not _alive(p))]:
        shutil.rmtree(p, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (renameat2 RENAME_EXCHANGE); False where the system cannot."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def check_replaceable(out: Path) -> None:
    """Refuse to replace a folder that holds files but no carestats manifest (a home folder, say)."""
    if out.is_dir() and any(out.iterdir()) and not (out / "manifest.json").is_file():
        raise DataError(f"{out} holds files that carestats did not write; it will not replace them",
                        "choose an empty or new folder for --out")
    if out.exists() and not out.is_dir():
        raise DataError(f"{out} is a file, not a folder", "choose a folder for --out")


def swap_in(work: Path, out: Path) -> None:
    """Put the finished build in place; the previous one (now at `work`) is then deleted."""
    if out.exists() and _exchange(work, out):
        shutil.rmtree(work, ignore_errors=True)
        return
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        os.rename(out, old)
    os.rename(work, out)
    shutil.rmtree(old, ignore_errors=True)


def source_date_epoch(year: int) -> None:
    """Reports carry a date from the data (31 March of the report year), never the clock."""
    if year:
        stamp = int(dt.datetime(year, 3, 31, tzinfo=dt.timezone.utc).timestamp())
        os.environ["SOURCE_DATE_EPOCH"] = str(stamp)


def load_raw(con, result: ingest.IngestResult) -> None:  # type: ignore[no-untyped-def]
    for name, tables in sorted(result.tables.items()):
        table = pa.concat_tables(tables, promote_options="default") if len(tables) > 1 else tables[0]
        warehouse.load_table(con, "raw", name, table)
    files = [asdict(f) for f in result.files]
    inv = pa.Table.from_pylist(files) if files else pa.table({"name": pa.array([], pa.string())})
    warehouse.load_table(con, "meta", "input_files", inv)


def run(opts: BuildOptions, rep: Reporter | None = None) -> BuildResult:
    rep = rep or Reporter(quiet=True)
    out = opts.out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    recover(out)
    check_replaceable(out)
    indicators = load_indicators(opts.indicator_dirs)

    rep.step(f"ingest: reading {opts.raw}")
    result = ingest.read_inputs(opts.raw)
    loaded = [f for f in result.files if f.status == "loaded"]
    rep.step(f"check: {len(result.files)} files, {len(loaded)} data files loaded, "
             f"{sum(f.rows for f in loaded):,} rows; {len(result.errors)} error(s)")
    for f in result.findings:
        if f.severity == "warning":
            rep.detail(f"warning: {f.format()}")
    if result.errors and not opts.skip_invalid:
        raise CheckFailed(result.findings)
    if not loaded:
        raise DataError(f"no data files found in {opts.raw}",
                        "point --raw at the folder holding the downloaded release files")

    work = out.parent / f".{out.name}.new-{os.getpid()}"
    work.mkdir()
    try:
        reports = _build_into(work, opts, result, indicators, rep)
        swap_in(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    rep.step(f"done: outputs in {opts.out}")
    return BuildResult(out=opts.out, files=result.files, rows=sum(f.rows for f in loaded),
                       indicators=len(indicators), reports=[out / r.relative_to(work) for r in reports],
                       findings=result.findings)


def _build_into(work: Path, opts: BuildOptions, result: ingest.IngestResult, indicators, rep: Reporter):  # type: ignore[no-untyped-def]
    inputs = [{"name": f.name, "sha256": f.sha256, "bytes": f.size, "rows": f.rows, "release": f.release,
               "table": f.table, "status": f.status, "reason": f.reason, "encoding": f.encoding}
              for f in result.files]
    skipped = [{"name": f.name, "reason": f.reason} for f in result.files if f.status == "invalid"]
    extra = {"stages": opts.until, "quarantined": skipped, "indicators": [i.id for i in indicators]}
    con = warehouse.connect(work / warehouse.WAREHOUSE_NAME)
    try:
        load_raw(con, result)
        neighbours.load_reference(con, result)
        if opts.until == "ingest":
            con.close()
            write_manifest(work, inputs, extra)
            return []
        rep.step("stage: building staging views")
        missing = stage.build_staging(con)
        for view, tables in missing.items():
            rep.detail(f"{view}: no input for {', '.join(tables)}")
        if opts.until == "stage":
            con.close()
            write_manifest(work, inputs, extra)
            return []
        rep.step(f"compute: {len(indicators)} indicators")
        values, vintages = compute.compute_all(con, indicators, progress=rep.detail)
        rep.step(f"compute: {values.height:,} indicator values ({vintages.height:,} across all releases)")
        comparisons = compare.build_comparisons(con, indicators)
        rep.step(f"compare: {comparisons.height:,} rows beside England, region and statistical neighbours")
    finally:
        con.close()
    compute.write_exports(values, work / "indicators", "indicator_values")
    compute.write_exports(comparisons, work / "indicators", "comparisons")
    write_analyst_exports(work, values, indicators, result, rep)
    from carestats.reports import report_year

    year = report_year(values)
    extra["report_year"] = year
    reports: list[Path] = []
    if opts.reports and opts.until == "render" and year:
        reports = render_all(values, indicators, year, inputs, work, opts.template_dirs, rep)
    write_manifest(work, inputs, extra)
    return reports


def write_analyst_exports(work: Path, values, indicators, result: ingest.IngestResult,  # type: ignore[no-untyped-def]
                          rep: Reporter) -> None:
    """build/exports/: the XLSX workbook, the EES-format files, and copies of the CSV/Parquet tables."""
    from carestats import ees, exports
    from carestats.reports import report_year

    folder = work / "exports"
    rep.step("exports: XLSX workbook and EES-format files")
    exports.write_xlsx(values, indicators, folder / "carestats_indicators.xlsx", report_year(values))
    ees.write(values, indicators, ees.geography_from_tables(result.tables), folder / "ees")
    for table in sorted((work / "indicators").glob("*.*")):
        shutil.copyfile(table, folder / table.name)


def render_all(values, indicators, year: int, inputs: list[dict], out: Path,  # type: ignore[no-untyped-def]
               template_dirs: list[Path], rep: Reporter) -> list[Path]:
    from carestats.reports import render_england

    source_date_epoch(year)
    rep.step(f"render: England report {year}")
    used = [i for i in inputs if i["status"] == "loaded"]
    return [render_england(values, indicators, year, used, out / "reports", template_dirs)]


def render_only(out: Path, rep: Reporter) -> list[Path]:
    """Re-render the reports from an existing warehouse (templates changed, data did not)."""
    import polars as pl

    from carestats.reports import report_year

    db = out / warehouse.WAREHOUSE_NAME
    if not db.exists():
        raise DataError(f"no warehouse at {db}", "run `carestats build` (or `carestats compute`) first")
    con = warehouse.connect(db, read_only=True)
    try:
        values = warehouse.query_pl(con, "select * from indicator_values")
        files = warehouse.query_pl(con, "select * from meta.input_files")
    finally:
        con.close()
    inputs = [r for r in files.iter_rows(named=True)]
    indicators = load_indicators()
    year = report_year(values.filter(pl.col("indicator_id").is_in([i.id for i in indicators])))
    return render_all(values, indicators, year, inputs, out, [], rep)
