"""The pipeline: ingest → check → stage → compute → render, built aside and swapped in at the end.

Everything is written to a hidden sibling of the output folder; only a complete build replaces the
previous outputs. It replaces only the files it makes (swap_in, file by file, with a journal in a hidden
sibling so that a failure is undone at once and a kill at any point by the next run's recover()): files
carestats did not write (build/lib, a user's notes, diff/, exports/areas/) are never touched, and a
build without reports leaves reports/ as it is (the manifest marks those reports stale when the data
under them changed). A non-empty folder without a carestats manifest is never written to.

Builds are incremental (cache.py holds the keys): with the same data key as the build already in the
output folder, its warehouse and exports are copied or linked into the new build instead of being made
again, and each report whose key is unchanged is linked instead of rendered. With the same build key and
intact outputs there is nothing to do: the outputs are left exactly as they are. The new build is still
made aside and swapped in, so a failed incremental build leaves the previous outputs as they were.

Before building, the indicators the inputs leave empty or incomplete are listed (completeness.py), and
the build ends with a one-line summary of them; settings.require_complete stops on an empty one.
"""

from __future__ import annotations

import ctypes
import dataclasses
import datetime as dt
import errno
import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from carestats.core import periods
from carestats.core.checkpoints import checkpoint
from carestats.core.errors import CheckFailed, DataError, Finding
from carestats.core.progress import Reporter
from carestats.core.settings import Settings
from carestats.indicators.registry import load_indicators
from carestats.pipeline import cache, completeness
from carestats.pipeline.manifest import MANIFEST, write_manifest

T = TypeVar("T")

if TYPE_CHECKING:  # the pipeline modules load polars, pyarrow and duckdb: imported where used, so a no-op is quick
    from carestats.pipeline import inputs as ingest


@dataclass
class BuildOptions:
    """run()'s arguments as callers wrote them before Settings held them all: not read by any stage.

    run() turns it into the one Settings object (`settings`, or the defaults, with these fields set)."""
    raw: Path
    out: Path
    skip_invalid: bool = False
    reports: bool = True
    indicator_dirs: list[Path] = field(default_factory=list)
    template_dirs: list[Path] = field(default_factory=list)
    until: str = "render"
    settings: Settings | None = None
    force: bool = False
    site: bool | None = None  # the web edition; None: with the reports


    def resolve(self) -> Settings:
        return dataclasses.replace(self.settings or Settings(), raw=self.raw, out=self.out,
                                   skip_invalid=self.skip_invalid, reports=self.reports, until=self.until,
                                   site=self.reports if self.site is None else self.site,
                                   force=self.force, indicator_dirs=list(self.indicator_dirs),
                                   template_dirs=list(self.template_dirs))


def as_settings(opts: Settings | BuildOptions) -> Settings:
    """The run's settings, with the input folder filled in (core.paths.default_raw when not given)."""
    s = opts.resolve() if isinstance(opts, BuildOptions) else opts
    if s.raw is None and s.ssda903 is None:  # with only the council's own returns, no published files
        from carestats.core.paths import default_raw

        s = dataclasses.replace(s, raw=default_raw())
    return s


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
    """Undo what an interrupted run left: roll back a half-done swap, remove half-built builds.

    Siblings of a build that is still running (another process) are left alone.
    """
    olds = [p for p in _siblings(out, "old") if not _alive(p)]
    for p in olds:
        if (p / JOURNAL).is_file():
            _roll_back(p, out)
        elif not out.exists() and not (p / (JOURNAL + ".tmp")).exists() and p == olds[-1]:
            os.rename(p, out)  # a whole build moved aside (as carestats before file-by-file swaps did)
    for p in [*_siblings(out, "old"), *_siblings(out, "done"), *_siblings(out, "new"), *_siblings(out, "render")]:
        if not _alive(p):
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


SETUPTOOLS = re.compile(r"^(lib|lib\..+|bdist\..+|temp\..+|scripts-.+)$")  # what setuptools writes in build/


def check_replaceable(out: Path) -> None:
    """Refuse to write into a folder that holds files but no carestats manifest (a home folder, say).

    The folders setuptools writes into build/ (lib, bdist.*, temp.*) are no reason to refuse: a build
    writes beside them and never touches them."""
    foreign = [p for p in out.iterdir() if not SETUPTOOLS.match(p.name)] if out.is_dir() else []
    if foreign and not (out / "manifest.json").is_file():
        raise DataError(f"{out} holds files that carestats did not write; it will not replace them",
                        "choose an empty or new folder for --out")
    if out.exists() and not out.is_dir():
        raise DataError(f"{out} is a file, not a folder", "choose a folder for --out")


JOURNAL = ".carestats-journal.json"  # in the .old- sibling: what a swap moves, so a killed one can be undone


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink())


def swap_in(work: Path, out: Path, remove: list[str] | None = None) -> None:
    """Put the finished build's files in place, one by one, touching no file the build did not make.

    Each file in `work` replaces its namesake in `out` (one atomic exchange where the system can, two
    renames elsewhere); each of `remove` (outputs of the previous build that this one does not make)
    goes; every other file in `out` (a user's notes, build/lib, diff/, reports a --no-reports build
    keeps) is left alone. The files replaced are moved into a hidden sibling holding a journal of what is
    moving (and the identity of each new file), so a failure is undone at once and a kill at any point by
    the next run's recover(); the manifest moves last, and renaming the sibling to `.done-` commits.
    """
    if not out.exists():
        os.rename(work, out)  # a first build: one rename
        return
    new = _files(work)
    moving = sorted(set(new) - {MANIFEST}) + sorted(set(remove or ()) - set(new) - {MANIFEST}) + [MANIFEST]
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    old.mkdir()
    journal = {"moving": moving, "work": work.name, "existed": [rel for rel in moving if (out / rel).is_file()],
               "new": {rel: _identity(work / rel) for rel in moving if (work / rel).is_file()}}
    tmp = old / (JOURNAL + ".tmp")
    tmp.write_text(json.dumps(journal), encoding="utf-8")
    os.rename(tmp, old / JOURNAL)
    checkpoint("after-journal")
    try:
        for i, rel in enumerate(moving):
            _move(rel, work, out, old / "prev", rel in journal["new"])
            if i == len(moving) // 2:
                checkpoint("half-swapped")
    except BaseException:
        _roll_back(old, out)
        shutil.rmtree(old, ignore_errors=True)
        raise
    done = out.parent / f".{out.name}.done-{os.getpid()}"
    os.rename(old, done)  # committed: from here on the new build stands, whatever happens
    try:
        checkpoint("after-commit")
        for rel in sorted(set(moving) - set(journal["new"])):  # folders the removed outputs leave empty
            _prune(out, (out / rel).parent)
    finally:
        shutil.rmtree(done, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


def _identity(p: Path) -> list[int]:
    st = p.stat()
    return [st.st_dev, st.st_ino]


def _move(rel: str, work: Path, out: Path, prev: Path, made: bool) -> None:
    """One file of the swap: the earlier one (if any) to `prev`, the new one (if any) into `out`."""
    target = out / rel
    if made and target.is_file() and _exchange(work / rel, target):
        (prev / rel).parent.mkdir(parents=True, exist_ok=True)
        os.rename(work / rel, prev / rel)  # the earlier file, which the exchange put in `work`
        return
    if target.is_file():
        (prev / rel).parent.mkdir(parents=True, exist_ok=True)
        os.rename(target, prev / rel)
    if made:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(work / rel, target)


def _prune(out: Path, folder: Path) -> None:
    while folder != out and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _roll_back(old: Path, out: Path) -> None:
    """Undo a swap that stopped before it was committed: every file back as it was.

    A file in `out` is the new one when it has the identity the journal recorded; the earlier one is then
    in the sibling, or still in the work folder when an exchange was all that happened to it."""
    journal = json.loads((old / JOURNAL).read_text(encoding="utf-8"))
    new, work, existed = journal["new"], out.parent / journal["work"], set(journal["existed"])
    for rel in reversed(journal["moving"]):
        target, saved = out / rel, old / "prev" / rel
        placed = target.is_file() and rel in new and _identity(target) == new[rel]
        if placed:
            if saved.is_file():
                os.replace(saved, target)
            elif (work / rel).is_file() and _identity(work / rel) != new[rel]:
                os.replace(work / rel, target)
            elif rel not in existed:  # there was no earlier file (else it is the new one's hard link)
                os.remove(target)
                _prune(out, target.parent)
        elif saved.is_file() and not target.exists():
            os.rename(saved, target)


def source_date_epoch(year: int) -> None:
    """Reports carry a date from the data (31 March of the report year), never the clock."""
    if year:
        stamp = int(dt.datetime(year, 3, 31, tzinfo=dt.timezone.utc).timestamp())
        os.environ["SOURCE_DATE_EPOCH"] = str(stamp)


def load_raw(con, result: ingest.IngestResult) -> None:  # type: ignore[no-untyped-def]
    """raw.* and meta.input_files. The raw tables are copied batch by batch from the ingest store, unless
    make_data has already made the store's file the warehouse (then they are in place)."""
    from carestats.warehouse import db as warehouse

    store = result.tables.store
    if store is not None and store.con is not None:
        store.copy_into(con)
    warehouse.load_table(con, "meta", "input_files", _input_files(result.files))


def _input_files(records: list) -> Any:  # type: ignore[no-untyped-def]
    """meta.input_files as arrow: the table pa.Table.from_pylist makes of the records (text as string, whole
    numbers as int64), made without importing pandas (core/arrays.py)."""
    import pyarrow as pa

    from carestats.core import arrays

    files = [asdict(f) for f in records]
    if not files:
        return pa.table({"name": arrays.strings([])})
    columns = {}
    for name in files[0]:
        values = [f[name] for f in files]
        if all(type(v) is int for v in values):
            columns[name] = arrays.ints(values)
        elif all(v is None or type(v) is str for v in values) and any(v is not None for v in values):
            columns[name] = arrays.strings(values)
        else:  # anything else as from_pylist types it
            return pa.Table.from_pylist(files)
    return pa.table(columns)


@dataclass
class Keys:
    """This build's cache keys (see cache.py), recorded in the manifest for the next build to compare."""
    data: str
    build: str

    @classmethod
    def of(cls, s: Settings) -> Keys:
        data = cache.data_key(s.raw, s.indicator_dirs, s.until, s.skip_invalid, s)  # type: ignore[arg-type]
        return cls(data, cache.build_key(data, s.template_dirs, s, s.reports, s.until, s.site))


@dataclass
class Checked:
    """What the input checks found: from ingest, or from the previous manifest when the inputs are unchanged."""
    files: list
    findings: list[Finding]
    result: Any = None  # ingest.IngestResult when the inputs were read in this run
    recorded_tables: list[str] | None = None  # the raw tables, as the previous manifest recorded them

    @property
    def tables(self) -> set[str]:
        """The raw tables the inputs filled (a workbook fills several)."""
        if self.result is not None:
            return completeness.loaded_tables(self.files, self.result.tables)
        if self.recorded_tables is not None:
            return set(self.recorded_tables)
        return completeness.loaded_tables(self.files)

    @property
    def loaded(self) -> list:
        return [f for f in self.files if f.status == "loaded"]

    @classmethod
    def recorded(cls, prev: cache.Previous) -> Checked:
        tables = prev.doc.get("raw_tables")
        return cls(prev.inputs(), [Finding(**f) for f in prev.doc.get("findings") or []],
                   recorded_tables=list(tables) if isinstance(tables, list) else None)


def report_checks(checked: Checked, opts: Settings, rep: Reporter, note: str = "") -> None:
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
    if not loaded and (opts.raw is not None or opts.ssda903 is None):
        raise DataError(f"no data files found in {opts.raw}",
                        "point --raw at the folder holding the downloaded release files")


def check_completeness(checked: Checked, indicators, opts: Settings,  # type: ignore[no-untyped-def]
                       rep: Reporter) -> completeness.Completeness | None:
    """List the indicators the inputs leave empty or incomplete; --require-complete stops on an empty one.
    None when the run stops before the indicators are computed."""
    if opts.until in ("ingest", "stage") or (opts.raw is None and opts.ssda903 is not None):
        return None  # (with only the council's own returns, no published indicator is expected)
    found = completeness.assess(indicators, checked.tables)
    for line in found.lines():
        rep.step(f"indicators: {line}")
    if opts.require_complete:
        found.require()
    return found


def _previous(out: Path, opts: Settings) -> cache.Previous | None:
    return None if opts.force else cache.Previous.load(out)


def run(settings: Settings | BuildOptions, rep: Reporter | None = None) -> BuildResult:
    """Build, reusing what the previous build in --out made from the same inputs (unless settings.force)."""
    opts = as_settings(settings)
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
    found, books = None, None
    if not same_data and opts.raw is not None and opts.raw.is_dir():
        # the workbooks start opening (on a worker thread: fastexcel works without Python's lock) while the
        # readers and checks are loaded, before the ingest asks for them
        from carestats.ingest import files as input_files
        from carestats.ingest import workbooks

        found = input_files.discover(opts.raw)
        books = workbooks.Prefetch(found)
    indicators = load_indicators(opts.indicator_dirs)
    if same_data:
        checked = Checked.recorded(prev)  # type: ignore[arg-type]
        report_checks(checked, opts, rep, " (inputs unchanged since the last build)")
    else:
        from carestats.pipeline import inputs as ingest

        if opts.raw is not None:
            rep.step(f"ingest: reading {opts.raw}")
            result = ingest.read_inputs(opts.raw, found=found, books=books)
        else:  # only the council's own returns (--ssda903 without published files)
            rep.step("ingest: no published files; the council's own SSDA903 returns only")
            result = ingest.IngestResult()
        checked = Checked(result.files, result.findings, result)
        report_checks(checked, opts, rep)
    found = check_completeness(checked, indicators, opts, rep)

    checkpoint("after-checks")
    owned = cache.Previous.load(out)  # what the build already there made: the only files a build replaces
    kept = Kept.of(owned, opts, keys)
    work = out.parent / f".{out.name}.new-{os.getpid()}"
    work.mkdir()
    try:
        reports = _build_into(work, opts, checked, indicators, keys, prev, same_data, rep, kept)
        checkpoint("before-swap")
        swap_in(work, out, sorted(set(owned.outputs) - set(kept.outputs)) if owned is not None else [])
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    kept.say(rep)
    rep.step(f"done: outputs in {opts.out}")
    if found is not None:
        rep.step(found.summary())
    return BuildResult(out=opts.out, files=checked.files, rows=sum(f.rows for f in checked.loaded),
                       indicators=len(indicators), reports=[out / r.relative_to(work) for r in reports],
                       findings=checked.findings)


def _up_to_date(opts: Settings, prev: cache.Previous, rep: Reporter) -> BuildResult:
    """Nothing changed since the previous build and its outputs are intact: leave them as they are."""
    checked = Checked.recorded(prev)
    report_checks(checked, opts, rep, " (inputs unchanged since the last build)")
    found = check_completeness(checked, load_indicators(opts.indicator_dirs), opts, rep)
    rep.step(f"up to date: nothing changed since the last build in {opts.out} (--force rebuilds)")
    if found is not None:
        rep.step(found.summary())
    return BuildResult(out=opts.out, files=checked.files, rows=sum(f.rows for f in checked.loaded),
                       indicators=len(prev.doc.get("indicators") or []), reports=prev.report_files(),
                       findings=checked.findings, up_to_date=True)


@dataclass
class Kept:
    """The reports (and the site) a build that does not make them leaves in reports/ (site/), and whether the
    data under them changed."""
    outputs: dict[str, dict] = field(default_factory=dict)
    cache: dict[str, dict] = field(default_factory=dict)
    data: str = ""  # the data key the kept reports were made from
    stale: bool = False

    @classmethod
    def of(cls, owned: cache.Previous | None, opts: Settings, keys: Keys) -> Kept:
        made = {cache.REPORTS: opts.reports and opts.until == "render", cache.SITE: opts.site and opts.until == "render"}
        keep = tuple(prefix for prefix, was_made in made.items() if not was_made)
        if owned is None or not keep:
            return cls()
        outputs = {rel: rec for rel, rec in owned.outputs.items()
                   if rel.startswith(keep) and (owned.folder / rel).is_file()}
        if not outputs:
            return cls()
        earlier = owned.doc.get("kept_reports") or {}
        made_from = str(earlier.get("data") or owned.key("data"))
        caches = {name: {rel: v for rel, v in (owned.doc["cache"].get(name) or {}).items() if rel in outputs}
                  for name in ("reports", "report_inputs")}
        return cls(outputs, caches, made_from, made_from != keys.data)

    def record(self) -> dict[str, Any]:
        site = sorted(rel for rel in self.outputs if rel.startswith(cache.SITE))
        return {"data": self.data, "stale": self.stale,
                "reports": sorted(rel for rel in self.outputs if not rel.startswith(cache.SITE)),
                **({"site": site} if site else {})}

    def say(self, rep: Reporter) -> None:
        n = sum(rel.endswith(".pdf") for rel in self.outputs)
        pages = sum(rel.startswith(cache.SITE) and rel.endswith(".html") for rel in self.outputs)
        if pages:
            rep.step(f"site: {pages} page(s) in site/ left as they were"
                     + (", made from earlier data: stale" if self.stale else " (their data is unchanged)"))
        if not n:
            return
        if self.stale:
            rep.step(f"reports: {n} report(s) in reports/ left as they were, made from earlier data: stale "
                     "(the manifest marks them so; `carestats build` without --no-reports remakes them)")
        else:
            rep.step(f"reports: {n} report(s) in reports/ left as they were (their data is unchanged)")


def _inputs(files: list) -> list[dict]:
    return [{"name": f.name, "sha256": f.sha256, "bytes": f.size, "rows": f.rows, "release": f.release,
             "table": f.table, "status": f.status, "reason": f.reason, "encoding": f.encoding} for f in files]


def _build_into(work: Path, opts: Settings, checked: Checked, indicators,  # type: ignore[no-untyped-def]
                keys: Keys, prev: cache.Previous | None, same_data: bool, rep: Reporter,
                kept: Kept | None = None) -> list[Path]:
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
    site = opts.site and opts.until == "render" and year
    if opts.reports and opts.until == "render" and year:
        # the web edition is written from the reports' data while the workers render
        made = render_all(indicators, year, inputs, work, rep, opts, previous=prev, data_key=keys.data,
                          site_alongside=bool(site))
    elif site:
        write_site(indicators, year, inputs, work, rep, opts)
    extra: dict[str, Any] = {"stages": opts.until,
                             "quarantined": [{"name": f.name, "reason": f.reason} for f in checked.files
                                             if f.status == "invalid"],
                             "indicators": [i.id for i in indicators]}
    if year is not None:
        extra["report_year"] = year
    if opts.ssda903 is not None:  # the council's own returns: whose, and whether the exports are suppressed
        extra["ssda903"] = {"la": opts.la, "unsuppressed": opts.unsuppressed}
    extra["findings"] = [asdict(f) for f in checked.findings]
    extra["raw_tables"] = sorted(checked.tables)
    ordered = sorted(made, key=lambda r: r.name)
    extra["cache"] = {"data": keys.data, "build": keys.build,
                      "reports": {f"reports/{r.name}": r.key for r in ordered},
                      "report_inputs": {f"reports/{r.name}": r.inputs for r in ordered}}
    checkpoint("after-render")
    kept = kept or Kept()
    if kept.outputs:
        for name, entries in kept.cache.items():
            extra["cache"][name] = dict(sorted({**entries, **extra["cache"][name]}.items()))
        extra["kept_reports"] = kept.record()
    write_manifest(work, inputs, extra, kept.outputs)
    return [r.path for r in made]


def open_warehouse(work: Path, result: ingest.IngestResult):  # type: ignore[no-untyped-def]
    """The warehouse in `work`, made from the ingest store's file (which already holds the raw tables)."""
    from carestats.warehouse import db as warehouse

    db = work / warehouse.WAREHOUSE_NAME
    if result.tables.store is not None:  # ingest loaded the raw tables file by file: that file is the warehouse
        result.tables.store.hand_over(db)
    return warehouse.connect(db, spill=work / warehouse.SPILL_NAME)


def warehouse_stages(con, opts: Settings, result: ingest.IngestResult, indicators,  # type: ignore[no-untyped-def]
                     rep: Reporter, compare: bool = True, alongside=None, then=None):
    """The stages inside the warehouse, up to opts.until: load (raw tables, `areas`, neighbour sets) →
    stage (the staging views) → compute (indicator_vintages, indicator_values) → compare (`comparisons`,
    unless `compare` is False). Returns indicator_values as a frame, or None when stopped before compute.
    `areas` and the neighbour sets, which no staging view or indicator reads (the comparisons and the
    reports do), are made from the raw tables on a connection and thread of their own while the
    indicators are computed; both are in the warehouse before the comparisons start.
    `alongside(values)`, when given, runs on a second thread while the comparisons are made (it must not
    use `con`); it has finished, and any error it raised is raised, when this returns. `then(comparisons)`,
    when given, gets the comparisons table (write_comparisons' `beside`); `alongside` may still be running.
    `carestats diff` runs these same stages."""
    from carestats.indicators import compare as comparing
    from carestats.indicators import compute
    from carestats.ingest import neighbours
    from carestats.warehouse import staging as stage

    load_raw(con, result)
    checkpoint("after-load")
    if opts.until == "ingest":
        neighbours.load_reference(con, result.tables.store)
        return None
    rep.step("stage: building staging views")
    missing = stage.build_staging(con)
    checkpoint("after-stage")
    for view, tables in missing.items():
        rep.detail(f"{view}: no input for {', '.join(tables)}")
    if opts.until == "stage":
        neighbours.load_reference(con, result.tables.store)
        return None
    rep.step(f"compute: {len(indicators)} indicators")
    values, vintages = _beside_reference(con, result, lambda: compute.compute_all(con, indicators,
                                                                                    progress=rep.detail))
    checkpoint("after-compute")
    rep.step(f"compute: {values.height:,} indicator values ({vintages.height:,} across all releases)")
    del vintages  # in the warehouse; only the latest values are written out
    if compare:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:  # leaving the block waits for `alongside`, whatever happens
            beside = pool.submit(alongside, values) if alongside is not None else None
            rows = comparing.write_comparisons(con, indicators, opts.neighbour_set, values, beside=then)
            checkpoint("after-compare")
            rep.step(f"compare: {rows:,} rows beside England, region and statistical neighbours")
            if beside is not None:
                beside.result()
    return values


def _beside_reference(con, result: ingest.IngestResult, work: Callable[[], T]) -> T:  # type: ignore[no-untyped-def]
    """work(), while `areas` and the neighbour sets are made from the raw tables on a cursor of `con` and
    a thread of their own; both have finished when this returns (an error of either is raised)."""
    from concurrent.futures import ThreadPoolExecutor

    from carestats.ingest import neighbours

    cursor = con.cursor()
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="carestats-reference") as side:
            reference = side.submit(neighbours.load_reference, cursor, result.tables.store)
            try:
                done = work()
            finally:
                made = reference.exception()  # waits for it, whatever work() did
            if made is not None:
                raise made
        return done
    finally:
        cursor.close()


def make_data(work: Path, opts: Settings, result: ingest.IngestResult, indicators,  # type: ignore[no-untyped-def]
              rep: Reporter) -> int | None:
    """Ingest → stage → compute → exports into `work`; the report year, or None when stopped before compute.
    The exports of the values are written on a second thread (the XLSX workbook and the EES files; the
    values' CSV and Parquet tables on a third) while the comparisons are made (and then exported)."""
    from carestats.indicators import compare, compute
    from carestats.warehouse import db as warehouse

    con = open_warehouse(work, result)
    reader = con.cursor()  # a connection of its own, for the thread that writes the exports
    local = None

    def export_values(values) -> None:  # type: ignore[no-untyped-def]
        from concurrent.futures import ThreadPoolExecutor

        # the XLSX workbook takes longest of the exports, and it is the last step of the build: it starts
        # at once, the values' CSV and Parquet files being written on a thread of their own meanwhile
        with ThreadPoolExecutor(1, thread_name_prefix="carestats-values") as side:
            tables = side.submit(compute.write_exports, values, work / "indicators", "indicator_values")
            write_analyst_exports(work, values, indicators, warehouse.read_frame(reader, "main", "areas"))
            tables.result()

    def export_comparisons(comparisons) -> None:  # type: ignore[no-untyped-def]
        compute.write_exports(comparisons.select(compare.EXPORT_COLUMNS), work / "indicators", "comparisons")

    try:
        values = warehouse_stages(con, opts, result, indicators, rep, alongside=export_values,
                                  then=export_comparisons)
        if values is not None and opts.ssda903 is not None:
            from carestats.pipeline import ssda903

            local = ssda903.load_and_compute(con, opts, rep)
    finally:
        reader.close()
        con.close()
        warehouse.remove_tree(work / warehouse.SPILL_NAME)
    if values is None:
        return None
    if local is not None:
        from carestats.pipeline import ssda903

        ssda903.write_outputs(work, local, opts, rep)
    rep.step("exports: XLSX workbook and EES-format files")
    checkpoint("after-exports")
    for table in sorted((work / "indicators").glob("*.*")):
        shutil.copyfile(table, work / "exports" / table.name)
    checkpoint("after-analyst-exports")
    return periods.report_year_of(values)


def write_analyst_exports(work: Path, values, indicators, areas) -> None:  # type: ignore[no-untyped-def]
    """build/exports/: the XLSX workbook and the EES-format files (their geography from the warehouse's
    `areas` table); make_data then copies the CSV/Parquet tables beside them."""
    from carestats.exports import ees
    from carestats.exports import workbook as exports

    folder = work / "exports"
    exports.write_xlsx(values, indicators, folder / "carestats_indicators.xlsx", periods.report_year_of(values))
    ees.write(values, indicators, ees.geography_from_areas(areas), folder / "ees")


def render_all(indicators, year: int, inputs: list[dict], out: Path,  # type: ignore[no-untyped-def]
               rep: Reporter, settings: Settings, areas: list[str] | None = None,
               england: bool = True, previous: cache.Previous | None = None, data_key: str = "",
               into: Path | None = None, every_key: dict[str, str] | None = None,
               site_alongside: bool = False) -> list:
    """The England report and one report per local authority in the report year, by a process pool.

    `out` holds the finished warehouse; reports go to out/reports and out/reports/la. `settings` may fix
    the year, the areas, the sections, the branding, the templates and the number of workers.
    Reuse from the `previous` build, in two steps: a report whose inputs key (data, code, settings, its
    own templates) is unchanged is linked at once, without making its HTML; any other is made as HTML in
    a worker, and linked if its key (cache.report_key) is unchanged, rendered otherwise.
    Returns render.Rendered records (path, name under reports/, keys, whether reused). `into`, when
    given, is the folder the reports are written to instead of out/reports; `every_key`, when given, is
    filled with the inputs key every report of the year would have with these settings. With
    `site_alongside`, the web edition is written into out/site from the same report data by this process
    while the workers render (write_site's pages, the same bytes as written after them).
    """
    from carestats.reports import data as reportdata
    from carestats.reports import render
    from carestats.warehouse import db as warehouse

    year = settings.year or year
    template_dirs = settings.template_dirs
    source_date_epoch(year)
    data = reportdata.load(out / warehouse.WAREHOUSE_NAME, indicators, year)
    las = reportdata.local_authorities(data.values, year, data.areas)
    wanted = areas if areas is not None else settings.areas
    if wanted is not None:
        known = dict(las)
        unknown = [c for c in wanted if c not in known]
        if unknown:
            raise DataError(f"no local authority {unknown[0]} in the {year} figures",
                            "use a code such as E10000016; the LA reports list the codes of the report year")
        las = [(c, known[c]) for c in wanted]
    tasks = ([("england", "", "")] if england else []) + [("la", code, name) for code, name in las]
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    assets = cache.asset_key(template_dirs, settings.logo, render.PDF_OPTIONS, epoch)
    job = render.RenderJob(data=data, indicators=indicators, out=into or out / "reports",
                           inputs=[i for i in inputs if i.get("status", "loaded") in ("loaded", "invalid")],
                           settings=settings, epoch=epoch, asset_key=assets,
                           reusable=previous.reusable_reports() if previous is not None else {})
    known = _html_inputs_keys(tasks, data.year, data_key, settings, assets, template_dirs) if data_key else {}
    if every_key is not None and data_key:
        every = [("england", "", ""), *(("la", code, name) for code, name in
                                         reportdata.local_authorities(data.values, year, data.areas))]
        every_key.update(_html_inputs_keys(every, data.year, data_key, settings, assets, template_dirs))
    ready = _reuse_unchanged(job, tasks, known)
    todo = [t for t in tasks if render.report_name(t, data.year) not in {r.name for r in ready}]
    rep.step(f"render: {'England and ' if england else ''}{len(las)} local authority report(s) for {year}, "
             f"{len(ready)} unchanged; {settings.workers} worker(s) for the rest")

    def progress(done: int, total: int) -> None:
        if done % 20 == 0 or done == total:
            rep.step(f"render: {done}/{total} reports")

    def site() -> None:
        _site_of(data, indicators, inputs, out, rep, settings)

    alongside = site if site_alongside else None
    made = render.render_many(job, todo, settings.workers, progress, alongside) if todo else []
    if alongside is not None and not todo:
        alongside()
    made = sorted((dataclasses.replace(r, inputs=known.get(r.name, "")) for r in [*ready, *made]),
                  key=lambda r: r.path)
    reused = sum(r.reused for r in made)
    rep.step(f"render: {reused} reused, {len(made) - reused} rendered")
    return made


def write_site(indicators, year: int, inputs: list[dict], out: Path,  # type: ignore[no-untyped-def]
               rep: Reporter, settings: Settings) -> list[Path]:
    """The web edition in out/site (reports/site.py), from the warehouse in `out`: every council and
    indicator, whatever settings.areas picks for the PDFs."""
    from carestats.reports import data as reportdata
    from carestats.warehouse import db as warehouse

    data = reportdata.load(out / warehouse.WAREHOUSE_NAME, indicators, settings.year or year)
    return _site_of(data, indicators, inputs, out, rep, settings)


def _site_of(data, indicators, inputs: list[dict], out: Path,  # type: ignore[no-untyped-def]
             rep: Reporter, settings: Settings) -> list[Path]:
    """The web edition in out/site from report data already read (reportdata.load of the report year)."""
    from carestats.reports import site

    rep.step("site: writing the web edition")
    written = site.write_site(data, indicators, [i for i in inputs if i.get("status", "loaded") in ("loaded", "invalid")],
                              out / site.SITE, settings)
    pages = sum(p.suffix == ".html" for p in written)
    rep.step(f"site: {pages} pages in {site.SITE}/")
    return written


def _html_inputs_keys(tasks: list, year: int, data_key: str, settings: Settings, assets: str,
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


def render_only(out: Path, rep: Reporter, settings: Settings | None = None, areas: list[str] | None = None,
                england: bool = True) -> list[Path]:
    """Render reports again from an existing warehouse (templates or settings changed, data did not), or
    only some LAs: render_reports' paths."""
    return [r.path for r in render_reports(out, rep, settings, areas, england)]


def render_reports(out: Path, rep: Reporter, settings: Settings | None = None, areas: list[str] | None = None,
                   england: bool = True, aside: Path | None = None) -> list:
    """Re-render reports from an existing warehouse, reusing each one whose inputs are unchanged.

    A report is reused, as a build reuses it, when the manifest records it with the key these settings,
    templates and data would give (nothing is rendered: `carestats report --area X` twice renders once),
    unless settings.force.
    The others are rendered beside the output folder and each moved into reports/ in one rename. The
    manifest records them under `rendered` (its build records are left as they were, so the next build
    sees a report that no longer matches its hash and renders it again rather than reusing it). Then says
    how many other reports in reports/ were made with other settings, templates or data.
    With `aside`, the reports are made in that folder and left there: reports/ and the manifest are not
    touched (the render benchmark uses this).
    Returns render.Rendered records.
    """
    import polars as pl

    from carestats.reports import data as reportdata
    from carestats.warehouse import db as warehouse

    db = out / warehouse.WAREHOUSE_NAME
    if not db.exists():
        raise DataError(f"no warehouse at {db}", "run `carestats build` (or `carestats compute`) first")
    settings = settings or Settings()
    indicators = load_indicators(settings.indicator_dirs)
    con = warehouse.connect(db, read_only=True)
    try:  # the input list and the report year only: render_all reads the rest once
        files = warehouse.query_pl(con, (reportdata.QUERIES / "input_files.sql").read_text(encoding="utf-8"))
        values = warehouse.query_pl(con, (reportdata.QUERIES / "values.sql").read_text(encoding="utf-8"))
    finally:
        con.close()
    inputs = [r for r in files.iter_rows(named=True)]
    year = periods.report_year_of(values.filter(pl.col("indicator_id").is_in([i.id for i in indicators])))
    if not year:
        raise DataError(f"no national figures in {db}", "run `carestats build` first")
    prev = cache.Previous.load(out)
    every: dict[str, str] = {}
    if aside is not None:
        return render_all(indicators, year, inputs, out, rep, settings, areas, england,
                          previous=None if settings.force else prev,
                          data_key=prev.key("data") if prev is not None else "", into=aside / "reports",
                          every_key=every)
    stage = out.parent / f".{out.name}.render-{os.getpid()}"
    try:
        made = render_all(indicators, year, inputs, out, rep, settings, areas, england,
                          previous=None if settings.force else prev,
                          data_key=prev.key("data") if prev is not None else "", into=stage / "reports",
                          every_key=every)
        for r in made:
            target = out / "reports" / r.name
            target.parent.mkdir(parents=True, exist_ok=True)
            if not (target.exists() and os.path.samefile(r.path, target)):
                os.replace(r.path, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    made = [dataclasses.replace(r, path=out / "reports" / r.name) for r in made]
    if prev is not None:
        prev.record_rendered(made)
        _say_others(out, prev, {r.name for r in made}, every, rep)
    return made


def _say_others(out: Path, prev: cache.Previous, made: set[str], every: dict[str, str], rep: Reporter) -> None:
    """How many other reports in reports/ were made with other settings, templates or data than these."""
    others = [p.relative_to(out / "reports").as_posix() for p in sorted((out / "reports").rglob("*.pdf"))]
    others = [name for name in others if name not in made]
    if not others:
        return
    recorded = prev.report_inputs_keys()
    differ = [name for name in others if not every.get(name) or recorded.get(name) != every[name]]
    where = out / "reports"
    if differ:
        rep.step(f"render: {len(differ)} other report(s) in {where} were made with other settings, templates "
                 f"or data (e.g. {differ[0]}); `carestats render` remakes them with these")
    else:
        rep.step(f"render: the {len(others)} other report(s) in {where} were made with these settings")
