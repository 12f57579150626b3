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
    quarantined = [f.name for f in result.files if f.status == "invalid"]
    if quarantined:  # --skip-invalid: listed here, in the manifest and in the reports' method section
        rep.step(f"check: {len(quarantined)} file(s) left out: {', '.join(quarantined)}")
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
        comparisons = compare.build_comparisons(con, indicators, getattr(opts.settings, "neighbour_set", "auto"))
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
        reports = render_all(values, indicators, year, inputs, work, opts.template_dirs, rep, opts.settings)
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
               template_dirs: list[Path], rep: Reporter, settings=None, areas: list[str] | None = None,
               england: bool = True) -> list[Path]:
    """The England report and one report per local authority in the report year, by a process pool.

    `out` holds the finished warehouse; reports go to out/reports and out/reports/la. `settings` (from
    carestats.toml) may fix the year, the areas, the sections, the branding and the number of workers.
    """
    from carestats import render, reportdata
    from carestats.reports import Options

    year = getattr(settings, "year", None) or year
    source_date_epoch(year)
    data = reportdata.load(out / warehouse.WAREHOUSE_NAME, indicators, year)
    las = reportdata.local_authorities(data.values, year, data.areas)
    wanted = areas if areas is not None else getattr(settings, "areas", None)
    if wanted is not None:
        known = dict(las)
        unknown = [c for c in wanted if c not in known]
        if unknown:
            raise DataError(f"no local authority {unknown[0]} in the {year} figures",
                            "use a code such as E10000016; the LA reports list the codes of the report year")
        las = [(c, known[c]) for c in wanted]
    tasks = ([("england", "", "")] if england else []) + [("la", code, name) for code, name in las]
    job = render.RenderJob(data=data, indicators=indicators, out=out / "reports", template_dirs=template_dirs,
                           inputs=[i for i in inputs if i.get("status", "loaded") in ("loaded", "invalid")],
                           options=Options.from_settings(settings), epoch=os.environ.get("SOURCE_DATE_EPOCH", ""))
    jobs = int(getattr(settings, "jobs", 0) or 0)
    rep.step(f"render: {'England and ' if england else ''}{len(las)} local authority report(s) for {year}, "
             f"{jobs or os.cpu_count()} worker(s)")

    def progress(done: int, total: int) -> None:
        if done % 20 == 0 or done == total:
            rep.step(f"render: {done}/{total} reports")

    return render.render_reports(job, tasks, jobs, progress)


def render_only(out: Path, rep: Reporter, settings=None, areas: list[str] | None = None,  # type: ignore[no-untyped-def]
                england: bool = True) -> list[Path]:
    """Re-render reports from an existing warehouse (templates changed, data did not), or only some LAs."""
    from carestats import reportdata

    db = out / warehouse.WAREHOUSE_NAME
    if not db.exists():
        raise DataError(f"no warehouse at {db}", "run `carestats build` (or `carestats compute`) first")
    con = warehouse.connect(db, read_only=True)
    try:
        files = warehouse.query_pl(con, (reportdata.QUERIES / "input_files.sql").read_text(encoding="utf-8"))
    finally:
        con.close()
    inputs = [r for r in files.iter_rows(named=True)]
    indicators = load_indicators(getattr(settings, "indicator_dirs", None) or [])
    values = reportdata.load(db, indicators).values
    year = reportdata.report_year(values)
    if not year:
        raise DataError(f"no national figures in {db}", "run `carestats build` first")
    return render_all(values, indicators, year, inputs, out, getattr(settings, "template_dirs", None) or [], rep,
                      settings, areas, england)
