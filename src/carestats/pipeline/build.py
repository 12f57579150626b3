"""The pipeline: ingest → check → stage → compute → render, built aside and swapped in at the end.

Everything is written to a hidden sibling of the output folder; only a complete build replaces the
previous outputs, in one atomic exchange of the two folders (Linux renameat2; two renames elsewhere). A
failure, Ctrl-C or kill at any point leaves the previous outputs as they were, and the next run cleans
up what the interrupted one left. A folder that carestats did not write is never replaced.

Builds are incremental (cache.py holds the keys): with the same data key as the build already in the
output folder, its warehouse and exports are copied or linked into the new build instead of being made
again, and each report whose key is unchanged is linked instead of rendered. With the same build key and
intact outputs there is nothing to do: the outputs are left exactly as they are. The new build is still
made aside and swapped in, so a failed incremental build leaves the previous outputs as they were.
"""

from __future__ import annotations

import ctypes
import dataclasses
import datetime as dt
import errno
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from carestats.pipeline import cache
from carestats.core.errors import CheckFailed, DataError, Finding
from carestats.core.checkpoints import checkpoint
from carestats.pipeline.manifest import write_manifest
from carestats.core.progress import Reporter
from carestats.indicators.registry import load_indicators

if TYPE_CHECKING:  # the pipeline modules load polars, pyarrow and duckdb: imported where used, so a no-op is quick
    from carestats.pipeline import inputs as ingest


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
    force: bool = False  # redo every stage, reusing nothing from the previous build


@dataclass
class BuildResult:
    out: Path
    files: list  # ingest.InputFile, or cache.Recorded when the checks were not re-run
    rows: int
    indicators: int
    reports: list[Path]
    findings: list
    up_to_date: bool = False  # nothing had changed: the previous outputs were left as they were


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
        checkpoint("after-exchange")
        shutil.rmtree(work, ignore_errors=True)
        return
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        os.rename(out, old)
        checkpoint("after-move-aside")
    os.rename(work, out)
    checkpoint("after-move-in")
    shutil.rmtree(old, ignore_errors=True)


def source_date_epoch(year: int) -> None:
    """Reports carry a date from the data (31 March of the report year), never the clock."""
    if year:
        stamp = int(dt.datetime(year, 3, 31, tzinfo=dt.timezone.utc).timestamp())
        os.environ["SOURCE_DATE_EPOCH"] = str(stamp)


def load_raw(con, result: ingest.IngestResult) -> None:  # type: ignore[no-untyped-def]
    """raw.* and meta.input_files. The raw tables are copied batch by batch from the ingest store, unless
    make_data has already made the store's file the warehouse (then they are in place)."""
    import pyarrow as pa

    from carestats.warehouse import db as warehouse

    store = result.tables.store
    if store is not None and store.con is not None:
        store.copy_into(con)
    files = [asdict(f) for f in result.files]
    inv = pa.Table.from_pylist(files) if files else pa.table({"name": pa.array([], pa.string())})
    warehouse.load_table(con, "meta", "input_files", inv)


@dataclass
class Keys:
    """This build's cache keys (see cache.py), recorded in the manifest for the next build to compare."""
    data: str
    build: str

    @classmethod
    def of(cls, opts: BuildOptions) -> Keys:
        data = cache.data_key(opts.raw, opts.indicator_dirs, opts.until, opts.skip_invalid, opts.settings)
        return cls(data, cache.build_key(data, opts.template_dirs, opts.settings, opts.reports, opts.until))


@dataclass
class Checked:
    """What the input checks found: from ingest, or from the previous manifest when the inputs are unchanged."""
    files: list
    findings: list[Finding]
    result: Any = None  # ingest.IngestResult when the inputs were read in this run

    @property
    def loaded(self) -> list:
        return [f for f in self.files if f.status == "loaded"]

    @classmethod
    def recorded(cls, prev: cache.Previous) -> Checked:
        return cls(prev.inputs(), [Finding(**f) for f in prev.doc.get("findings") or []])


def report_checks(checked: Checked, opts: BuildOptions, rep: Reporter, note: str = "") -> None:
    """Tell what the checks found, and stop on errors (unless --skip-invalid) or when nothing loaded."""
    loaded, errors = checked.loaded, [f for f in checked.findings if f.severity == "error"]
    rep.step(f"check: {len(checked.files)} files, {len(loaded)} data files loaded, "
             f"{sum(f.rows for f in loaded):,} rows; {len(errors)} error(s){note}")
    for f in checked.findings:
        if f.severity == "warning":
            rep.detail(f"warning: {f.format()}")
    if errors and not opts.skip_invalid:
        raise CheckFailed(checked.findings)
    quarantined = [f.name for f in checked.files if f.status == "invalid"]
    if quarantined:  # --skip-invalid: listed here, in the manifest and in the reports' method section
        rep.step(f"check: {len(quarantined)} file(s) left out: {', '.join(quarantined)}")
    if not loaded:
        raise DataError(f"no data files found in {opts.raw}",
                        "point --raw at the folder holding the downloaded release files")


def _previous(out: Path, opts: BuildOptions) -> cache.Previous | None:
    return None if opts.force else cache.Previous.load(out)


def run(opts: BuildOptions, rep: Reporter | None = None) -> BuildResult:
    """Build, reusing what the previous build in --out made from the same inputs (unless opts.force)."""
    rep = rep or Reporter(quiet=True)
    out = opts.out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    recover(out)
    check_replaceable(out)
    keys = Keys.of(opts)
    prev = _previous(out, opts)
    if prev is not None and prev.key("build") == keys.build and prev.all_intact():
        return _up_to_date(opts, prev, rep)
    same_data = prev is not None and prev.key("data") == keys.data and all(map(prev.intact, prev.data_outputs()))
    indicators = load_indicators(opts.indicator_dirs)
    if same_data:
        checked = Checked.recorded(prev)  # type: ignore[arg-type]
        report_checks(checked, opts, rep, " (inputs unchanged since the last build)")
    else:
        from carestats.pipeline import inputs as ingest

        rep.step(f"ingest: reading {opts.raw}")
        result = ingest.read_inputs(opts.raw)
        checked = Checked(result.files, result.findings, result)
        report_checks(checked, opts, rep)

    checkpoint("after-checks")
    work = out.parent / f".{out.name}.new-{os.getpid()}"
    work.mkdir()
    try:
        reports = _build_into(work, opts, checked, indicators, keys, prev, same_data, rep)
        checkpoint("before-swap")
        swap_in(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    rep.step(f"done: outputs in {opts.out}")
    return BuildResult(out=opts.out, files=checked.files, rows=sum(f.rows for f in checked.loaded),
                       indicators=len(indicators), reports=[out / r.relative_to(work) for r in reports],
                       findings=checked.findings)


def _up_to_date(opts: BuildOptions, prev: cache.Previous, rep: Reporter) -> BuildResult:
    """Nothing changed since the previous build and its outputs are intact: leave them as they are."""
    checked = Checked.recorded(prev)
    report_checks(checked, opts, rep, " (inputs unchanged since the last build)")
    rep.step(f"up to date: nothing changed since the last build in {opts.out} (--force rebuilds)")
    return BuildResult(out=opts.out, files=checked.files, rows=sum(f.rows for f in checked.loaded),
                       indicators=len(prev.doc.get("indicators") or []), reports=prev.report_files(),
                       findings=checked.findings, up_to_date=True)


def _inputs(files: list) -> list[dict]:
    return [{"name": f.name, "sha256": f.sha256, "bytes": f.size, "rows": f.rows, "release": f.release,
             "table": f.table, "status": f.status, "reason": f.reason, "encoding": f.encoding} for f in files]


def _build_into(work: Path, opts: BuildOptions, checked: Checked, indicators,  # type: ignore[no-untyped-def]
                keys: Keys, prev: cache.Previous | None, same_data: bool, rep: Reporter) -> list[Path]:
    """Make (or reuse) the data outputs in `work`, then the reports, then the manifest."""
    inputs = _inputs(checked.files)
    if same_data and prev is not None:
        prev.copy_data_into(work)
        checkpoint("after-data-reused")
        year = prev.doc.get("report_year") if opts.until not in ("ingest", "stage") else None
        rep.step("data: inputs, queries and code unchanged; warehouse and exports reused from the last build")
    else:
        year = make_data(work, opts, checked.result, indicators, rep)
    made: list = []
    if opts.reports and opts.until == "render" and year:
        made = render_all(indicators, year, inputs, work, opts.template_dirs, rep, opts.settings, previous=prev,
                          data_key=keys.data)
    extra: dict[str, Any] = {"stages": opts.until,
                             "quarantined": [{"name": f.name, "reason": f.reason} for f in checked.files
                                             if f.status == "invalid"],
                             "indicators": [i.id for i in indicators]}
    if year is not None:
        extra["report_year"] = year
    extra["findings"] = [asdict(f) for f in checked.findings]
    ordered = sorted(made, key=lambda r: r.name)
    extra["cache"] = {"data": keys.data, "build": keys.build,
                      "reports": {f"reports/{r.name}": r.key for r in ordered},
                      "report_inputs": {f"reports/{r.name}": r.inputs for r in ordered}}
    checkpoint("after-render")
    write_manifest(work, inputs, extra)
    return [r.path for r in made]


def make_data(work: Path, opts: BuildOptions, result: ingest.IngestResult, indicators,  # type: ignore[no-untyped-def]
              rep: Reporter) -> int | None:
    """Ingest → stage → compute → exports into `work`; the report year, or None when stopped before compute."""
    from carestats.indicators import compare
    from carestats.indicators import compute
    from carestats.ingest import neighbours
    from carestats.warehouse import staging as stage
    from carestats.warehouse import db as warehouse

    from carestats.exports import ees

    db, spill = work / warehouse.WAREHOUSE_NAME, work / warehouse.SPILL_NAME
    if result.tables.store is not None:  # ingest loaded the raw tables file by file: that file is the warehouse
        result.tables.store.hand_over(db)
    con = warehouse.connect(db, spill=spill)
    try:
        load_raw(con, result)
        checkpoint("after-load")
        neighbours.load_reference(con, result.tables.store)
        if opts.until == "ingest":
            return None
        geography = ees.geography_from_warehouse(con, result.tables.store)
        rep.step("stage: building staging views")
        missing = stage.build_staging(con)
        checkpoint("after-stage")
        for view, tables in missing.items():
            rep.detail(f"{view}: no input for {', '.join(tables)}")
        if opts.until == "stage":
            return None
        rep.step(f"compute: {len(indicators)} indicators")
        values, vintages = compute.compute_all(con, indicators, progress=rep.detail)
        checkpoint("after-compute")
        rep.step(f"compute: {values.height:,} indicator values ({vintages.height:,} across all releases)")
        del vintages  # in the warehouse; only the latest values are written out here
        rows = compare.write_comparisons(con, indicators, getattr(opts.settings, "neighbour_set", "auto"))
        checkpoint("after-compare")
        rep.step(f"compare: {rows:,} rows beside England, region and statistical neighbours")
    finally:
        con.close()
        warehouse.remove_tree(spill)
    compute.write_exports(values, work / "indicators", "indicator_values")
    con = warehouse.connect(db, read_only=True)  # read once DuckDB's working memory has gone with `con`
    try:
        comparisons = warehouse.read_frame(con, "main", "comparisons")
    finally:
        con.close()
    compute.write_exports(comparisons, work / "indicators", "comparisons")
    checkpoint("after-exports")
    del comparisons  # the largest table: gone before the analyst exports are made
    write_analyst_exports(work, values, indicators, result, rep, geography)
    checkpoint("after-analyst-exports")
    from carestats.reports.england import report_year

    return report_year(values)


def write_analyst_exports(work: Path, values, indicators, result: ingest.IngestResult,  # type: ignore[no-untyped-def]
                          rep: Reporter, geography=None) -> None:
    """build/exports/: the XLSX workbook, the EES-format files, and copies of the CSV/Parquet tables.

    `geography` (ees.geography_from_warehouse) is read from the warehouse in `work` when not given."""
    from carestats.exports import ees
    from carestats.exports import workbook as exports
    from carestats.warehouse import db as warehouse
    from carestats.reports.england import report_year

    if geography is None:
        con = warehouse.connect(work / warehouse.WAREHOUSE_NAME, read_only=True)
        try:
            geography = ees.geography_from_warehouse(con, result.tables.store)
        finally:
            con.close()
    folder = work / "exports"
    rep.step("exports: XLSX workbook and EES-format files")
    exports.write_xlsx(values, indicators, folder / "carestats_indicators.xlsx", report_year(values))
    ees.write(values, indicators, geography, folder / "ees")
    for table in sorted((work / "indicators").glob("*.*")):
        shutil.copyfile(table, folder / table.name)


def render_all(indicators, year: int, inputs: list[dict], out: Path,  # type: ignore[no-untyped-def]
               template_dirs: list[Path], rep: Reporter, settings=None, areas: list[str] | None = None,
               england: bool = True, previous: cache.Previous | None = None, data_key: str = "") -> list:
    """The England report and one report per local authority in the report year, by a process pool.

    `out` holds the finished warehouse; reports go to out/reports and out/reports/la. `settings` (from
    carestats.toml) may fix the year, the areas, the sections, the branding and the number of workers.
    Reuse from the `previous` build, in two steps: a report whose inputs key (data, code, settings, its
    own templates) is unchanged is linked at once, without making its HTML; any other is made as HTML in
    a worker, and linked if its key (cache.report_key) is unchanged, rendered otherwise.
    Returns render.Rendered records (path, name under reports/, keys, whether reused).
    """
    from carestats.reports import render
    from carestats.reports import data as reportdata
    from carestats.warehouse import db as warehouse
    from carestats.reports.england import Options

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
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    options = Options.from_settings(settings)
    assets = cache.asset_key(template_dirs, options.logo, render.PDF_OPTIONS, epoch)
    job = render.RenderJob(data=data, indicators=indicators, out=out / "reports", template_dirs=template_dirs,
                           inputs=[i for i in inputs if i.get("status", "loaded") in ("loaded", "invalid")],
                           options=options, epoch=epoch, asset_key=assets,
                           reusable=previous.reusable_reports() if previous is not None else {})
    known = _html_inputs_keys(tasks, data.year, data_key, settings, assets, template_dirs) if data_key else {}
    ready = _reuse_unchanged(job, tasks, known)
    todo = [t for t in tasks if render.report_name(t, data.year) not in {r.name for r in ready}]
    jobs = int(getattr(settings, "jobs", 0) or 0)
    rep.step(f"render: {'England and ' if england else ''}{len(las)} local authority report(s) for {year}, "
             f"{len(ready)} unchanged; {jobs or os.cpu_count()} worker(s) for the rest")

    def progress(done: int, total: int) -> None:
        if done % 20 == 0 or done == total:
            rep.step(f"render: {done}/{total} reports")

    made = render.render_many(job, todo, jobs, progress) if todo else []
    made = sorted((dataclasses.replace(r, inputs=known.get(r.name, "")) for r in [*ready, *made]),
                  key=lambda r: r.path)
    reused = sum(r.reused for r in made)
    rep.step(f"render: {reused} reused, {len(made) - reused} rendered")
    return made


def _html_inputs_keys(tasks: list, year: int, data_key: str, settings, assets: str,  # type: ignore[no-untyped-def]
                      template_dirs: list[Path]) -> dict[str, str]:
    """Each report's inputs key (cache.html_inputs_key), by its name under reports/."""
    from carestats.reports import render

    env = render.environment(template_dirs)
    closures = {kind: cache.template_closure(env, root, template_dirs) for kind, root in render.ROOTS.items()}
    basis = cache.html_basis(data_key, settings, assets)
    return {render.report_name(t, year): cache.html_inputs_key(basis, closures[t[0]], t) for t in tasks}


def _reuse_unchanged(job, tasks: list, known: dict[str, str]) -> list:  # type: ignore[no-untyped-def]
    """Link every earlier report whose inputs key is unchanged into the new build (its HTML would be the same)."""
    from carestats.reports import render

    ready = []
    for task in tasks:
        name = render.report_name(task, job.data.year)
        earlier = job.reusable.get(name)
        if earlier is not None and known.get(name) and earlier[1] == known[name]:
            cache.place(Path(earlier[2]), job.out / name)
            ready.append(render.Rendered(job.out / name, name, earlier[0], True))
    return ready


def render_only(out: Path, rep: Reporter, settings=None, areas: list[str] | None = None,  # type: ignore[no-untyped-def]
                england: bool = True) -> list[Path]:
    """Re-render reports from an existing warehouse (templates changed, data did not), or only some LAs.

    The reports are written in place and the manifest is not rewritten, so the next build sees that they
    no longer match their recorded hashes and renders them again rather than reusing them.
    """
    import polars as pl

    from carestats.reports import data as reportdata
    from carestats.warehouse import db as warehouse

    db = out / warehouse.WAREHOUSE_NAME
    if not db.exists():
        raise DataError(f"no warehouse at {db}", "run `carestats build` (or `carestats compute`) first")
    indicators = load_indicators(getattr(settings, "indicator_dirs", None) or [])
    con = warehouse.connect(db, read_only=True)
    try:  # the input list and the report year only: render_all reads the rest once
        files = warehouse.query_pl(con, (reportdata.QUERIES / "input_files.sql").read_text(encoding="utf-8"))
        values = warehouse.query_pl(con, (reportdata.QUERIES / "values.sql").read_text(encoding="utf-8"))
    finally:
        con.close()
    inputs = [r for r in files.iter_rows(named=True)]
    year = reportdata.report_year(values.filter(pl.col("indicator_id").is_in([i.id for i in indicators])))
    if not year:
        raise DataError(f"no national figures in {db}", "run `carestats build` first")
    made = render_all(indicators, year, inputs, out, getattr(settings, "template_dirs", None) or [], rep,
                      settings, areas, england)
    return [r.path for r in made]
