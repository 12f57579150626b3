"""Stage 1, ingest: find the release files, read them as published, and load them into raw.* tables.

Every file found is accounted for: loaded (with its row count checked), listed as not recognised, or
reported as unreadable. A CSV is recognised as a DfE "Explore education statistics" data file by its
header, wherever it sits in the input folder, and as one of the raw tables the queries read by its
columns and values (check/recognise.py, queries/recognise.yaml), never by its name. A CSV whose first
lines show it is no data file is set aside unread (hashed as a stream): its size costs nothing.

Every CSV is read into columns of text cells (ingest/csvfile.py) and an EES data file is checked on
those columns (check/ees_rules.py), which locates every finding; the same columns are then loaded.

Each file's rows go to a DuckDB store (warehouse.RawStore) as soon as the file is read and checked, and
its arrow table is dropped once written (warehouse.WRITE_AHEAD_BYTES bounds the rows waiting for the
writer): memory stays bounded, whatever the number of files. The
build takes the store's file over as its warehouse; `IngestResult.tables` reads a table back on demand.
"""

from __future__ import annotations

import functools
import hashlib
import re
import weakref
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from carestats.check.ees_rules import check_ees, looks_like_ees, not_ees
from carestats.check.geography_pairs import GeoIndex
from carestats.check.recognise import known_tables, named, recognise
from carestats.core import arrays, paths, safe_yaml
from carestats.core.errors import DataError, Finding
from carestats.core.periods import end_year_of_text
from carestats.ingest import archives, neighbours, workbooks
from carestats.ingest.csvfile import UNREADABLE, CsvFile, read_csv
from carestats.ingest.files import InputFile, discover
from carestats.warehouse import db as warehouse
from carestats.warehouse.staging import load_staging

EES_REQUIRED = ("time_period", "time_identifier", "geographic_level", "country_code", "country_name")
IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
YEAR_SUFFIX = re.compile(r"(_\d{4}_to_\d{4}|_\d{4}_\d{4}|_\d{4})$")


class _Appender:
    """What `tables.setdefault(name, [])` gives: appending a table adds its rows to the store."""

    def __init__(self, tables: RawTables, name: str) -> None:
        self.tables, self.name = tables, name

    def append(self, table: pa.Table) -> None:
        self.tables.add(self.name, table)


class RawTables(Mapping):
    """The raw tables read so far, by name; each is the list of its inputs' own tables, as read.

    The rows live in a warehouse.RawStore (created with the first table), not in memory: `add` writes a
    table there, and looking a name up reads its inputs' tables back.
    """

    def __init__(self) -> None:
        self.store: warehouse.RawStore | None = None

    def add(self, name: str, table: pa.Table) -> None:
        if self.store is None:
            self.store = warehouse.RawStore()
        self.store.add(name, table)

    def commit_early(self) -> None:
        """Let the store commit the rows written so far (if there are enough) while the next input is read."""
        if self.store is not None:
            self.store.commit_early()

    def flush(self) -> None:
        """Wait until every table added is in the store (each is written while the next input is read)."""
        if self.store is not None:
            self.store.flush()

    def setdefault(self, name: str, default: object = None) -> _Appender:  # type: ignore[override]
        return _Appender(self, name)

    def __getitem__(self, name: str) -> list[pa.Table]:
        if name not in self:
            raise KeyError(name)
        return self.store.tables(name)  # type: ignore[union-attr]

    def __contains__(self, name: object) -> bool:
        return self.store is not None and name in self.store.columns

    def __iter__(self) -> Iterator[str]:
        return iter(self.store.names() if self.store is not None else [])

    def __len__(self) -> int:
        return len(self.store.columns) if self.store is not None else 0


@dataclass
class IngestResult:
    files: list[InputFile] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    tables: RawTables = field(default_factory=RawTables)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


def table_name(path: Path) -> str:
    """raw table for a file: its name in snake case without the year range the publisher appends."""
    stem = re.sub(r"[^a-z0-9]+", "_", path.stem.lower()).strip("_")
    stem = YEAR_SUFFIX.sub("", stem)
    if not stem or not stem[0].isalpha():
        stem = "t_" + stem
    return stem


def publication_of(table: str) -> str:
    path = paths.QUERIES_DIR / "publications.yaml"
    for rule in _publication_rules(path, path.stat().st_mtime_ns):
        if re.search(rule["match"], table):
            return str(rule["publication"])
    return "ees"


@functools.lru_cache(maxsize=4)
def _publication_rules(path: Path, mtime_ns: int) -> list[dict]:
    """publications.yaml, parsed once per version of the file rather than once per input file."""
    return safe_yaml.load(path.read_text(encoding="utf-8"))


def is_ees_header(header: list[str]) -> bool:
    return all(col in header for col in EES_REQUIRED)


def measures_by_table() -> dict[str, set[str]]:
    """The value columns each raw table must hold as numbers or symbols, from the staging headers."""
    out: dict[str, set[str]] = {}
    for view in load_staging():
        for table in view.raw:
            out.setdefault(table, set()).update(view.measures)
    return out


def read_inputs(raw: Path, skip: set[str] | None = None, found: list[Path] | None = None,
                books: workbooks.Prefetch | None = None) -> IngestResult:
    """Read, check and classify every file under `raw`; EES CSVs become arrow tables by raw table name.
    `found`: the files under `raw` (files.discover), and `books`: their workbooks being opened already, when
    the build listed them and started the workbooks while it loaded the readers; made here otherwise."""
    result = IngestResult()
    measures = measures_by_table()
    seen: dict[tuple[str, int], InputFile] = {}
    by_hash: dict[str, InputFile] = {}
    geo = GeoIndex()
    metas: list[tuple[CsvFile, Path, InputFile]] = []
    data_files: list[tuple[Path, list[str]]] = []  # plain EES data files and their headers, to pair metadata
    sn_sets: set[str] = set()  # the statistical neighbour sets read so far
    found = discover(raw) if found is None else found
    if books is None:  # opened on a worker thread while the CSV files are checked
        books = workbooks.Prefetch(found)
    base = paths.folder_names(raw)
    # the plain CSV files, each read on a worker thread while the one before is checked (named as expand names them)
    ahead = CsvAhead(found, lambda p: archives.display(p, base))
    for src in archives.expand(found, raw, result.findings):
        path, name = src.path, src.name
        suffix = Path(name).suffix.lower()
        early = ahead.get(path, name) if src.lazy and suffix == ".csv" else None
        if early is not None:
            digest, size = early.digest, early.size
            data = b""
        elif src.lazy:  # a plain file: hashed as a stream; read whole only if it may be a data file
            digest, size = _sha256_of(path)
            data = b""
        else:
            data = src.data
            digest, size = hashlib.sha256(data).hexdigest(), len(data)
        info = InputFile(name=name, sha256=digest, size=size, kind="other")
        result.files.append(info)
        if src.archive:
            info.kind = "archive"
            info.status, info.reason = ("invalid", f"release zip rejected: {src.problem}") if src.problem \
                else ("unused", "release zip: its files are listed as <zip>/<member>")
            continue
        if suffix != ".csv" and suffix not in workbooks.SUFFIXES:
            info.reason = "not a CSV file or a workbook"
            continue
        if digest in by_hash:
            info.status, info.reason = "duplicate", f"same bytes as {by_hash[digest].name}"
            continue
        by_hash[digest] = info
        named_meta = path.name.lower().endswith(".meta.csv")
        if early is not None and early.unrelated:
            info.reason = "CSV without the standard EES columns (time_period, geographic_level, …)"
            continue
        if src.lazy and early is None:
            data = path.read_bytes()
        if suffix in workbooks.SUFFIXES:
            # parsing a workbook is slow (an ODS file's sheets are one XML): the store commits meanwhile
            result.tables.commit_early()
            read = workbooks.read_workbook(data, info, seen, quarantined=bool(skip and name in skip),
                                           open_book=books.opener(path))
            result.findings.extend(read.findings)
            for table_id, table in read.tables:
                result.tables.add(table_id, table)
            continue
        f = early.csv if early is not None else read_csv(path, name, digest, data)
        info.encoding = f.encoding
        if named_meta or is_meta_header(f.header):
            metas.append((f, path, info))  # checked once every data file has been seen
            continue
        if neighbours.is_neighbour_file(f.header):
            findings, table = neighbours.accept(f, info, sn_sets)
            result.findings.extend(findings)
            if table is not None:
                sn_sets.add(table["sn_set"][0].as_py())  # kept here: reading the store back would commit it
                result.tables.add(neighbours.RAW_TABLE, table)
            continue
        if not f.header or not is_ees_header(f.header):
            # Not an EES data file: only a failure to read it as CSV at all is an error here.
            fatal = [x for x in f.findings if x.rule in UNREADABLE or x.severity == "warning"] + not_ees(f)
            result.findings.extend(fatal)
            if any(x.severity == "error" for x in fatal):
                meant = looks_like_ees(f.header) or any(x.rule == "HEADER-ROW" for x in fatal)
                info.status, info.reason = "invalid", ("an EES data file without its standard columns" if meant
                                                       else "cannot be read as a CSV file")
            else:
                info.reason = "CSV without the standard EES columns (time_period, geographic_level, …)"
            continue
        table = _recognised_table(f)
        if f.ok:
            check_ees(f, measures.get(table, set()), geo)
        _accept(f, info, seen, result, skip, table)
        if src.lazy:
            data_files.append((path, f.header))
    ahead.close()
    for meta, path, info in metas:
        _check_metadata(meta, path, raw, info, result, data_files)
    result.tables.flush()  # a write that failed fails the ingest, as it would have without the writer thread
    return result


PEEK = 64 * 1024  # bytes read to tell an unrelated CSV from a data file


@dataclass
class EarlyCsv:
    """A plain CSV file as read on the worker thread: its digest and size, and either that its first lines
    show it is unrelated (then it is not read further) or the file read (ingest/csvfile.read_csv)."""
    digest: str
    size: int
    unrelated: bool
    csv: CsvFile | None


def read_early(path: Path, name: str) -> EarlyCsv:
    """What read_inputs does first with a plain CSV file, in its order: hash it, look at its first lines,
    then read it whole. It depends on the file alone, so it may run on another thread."""
    digest, size = _sha256_of(path)
    if not path.name.lower().endswith(".meta.csv") and _unrelated(path, name):
        return EarlyCsv(digest, size, True, None)
    return EarlyCsv(digest, size, False, read_csv(path, name, digest, path.read_bytes()))


class CsvAhead:
    """The plain CSV files among the inputs, each read (read_early) on a worker thread while the file before
    it is checked: Arrow parses a CSV without holding Python's lock. No more than one file is read ahead
    of the one asked for (memory holds one more file's cells), in the order of `paths`, each under the
    name `name_of` gives it; a file read ahead but never asked for, or asked for under another name, is
    read again then. An error reading it is raised when it is asked for, as if it had been read then."""

    def __init__(self, paths: list[Path], name_of: Callable[[Path], str]) -> None:
        self.paths = [p for p in paths if p.suffix.lower() == ".csv"]
        self.at = {p: i for i, p in enumerate(self.paths)}
        self.name_of = name_of
        self.pending: dict[Path, tuple[str, Future[EarlyCsv]]] = {}
        self.pool: ThreadPoolExecutor | None = None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None
        self.pending.clear()

    def get(self, path: Path, name: str) -> EarlyCsv:
        if path not in self.at:
            return read_early(path, name)
        if self.pool is None:
            self.pool = ThreadPoolExecutor(1, thread_name_prefix="carestats-csv")
            weakref.finalize(self, self.pool.shutdown, wait=False, cancel_futures=True)
        i = self.at[path]
        for earlier in [p for p in self.pending if self.at[p] < i]:  # (asked for out of order: not needed)
            self.pending.pop(earlier)[1].cancel()
        started = self.pending.pop(path, None)
        if i + 1 < len(self.paths):
            nxt = self.paths[i + 1]
            if nxt not in self.pending:
                nxt_name = self.name_of(nxt)
                self.pending[nxt] = (nxt_name, self.pool.submit(read_early, nxt, nxt_name))
        if started is None or started[0] != name:
            return read_early(path, name)
        return started[1].result()


def _sha256_of(path: Path) -> tuple[str, int]:
    """A file's SHA-256 and size, read in chunks (an unrelated file of any size costs a chunk of memory)."""
    h, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _unrelated(path: Path, name: str) -> bool:
    """True when a CSV's first lines show it is neither an EES data file (nor meant to be one) nor a
    statistical-neighbour set: it is set aside without reading the rest. Anything unclear is read whole."""
    with path.open("rb") as fh:
        head = fh.read(PEEK)
        more = bool(fh.read(1))
    first = head.find(b"\n")
    if first >= 0:  # a data file is known by its first line alone (the usual case): no need to read more of it
        line = read_csv(path, name, "", head[: first + 1])
        if line.header and is_ees_header(line.header):
            return False
    if more:
        end = head.rfind(b"\n")
        if end < 0:
            return False  # no whole line in the first bytes: read it all
        head = head[: end + 1]
    f = read_csv(path, name, "", head)
    if not f.header or any(x.severity == "error" for x in f.findings):
        return False
    if is_ees_header(f.header) or looks_like_ees(f.header) or neighbours.is_neighbour_file(f.header) \
            or is_meta_header(f.header):
        return False
    return not not_ees(f)


def _recognised_table(f: CsvFile) -> str:
    """The raw table of an EES data file, by its content (queries/recognise.yaml), whatever its name.

    A file that is no known publication keeps a table named after the file, which no query reads (made
    distinct from every known table). A known table's column that is missing or misspelt is a finding on
    line 1, naming the column.
    """
    if not f.header:
        return table_name(Path(f.name))
    found = recognise(f.header, f.column)
    if found.ambiguous:
        f.error(1, "", "RECOGNISE", f"the file's columns and values fit {' and '.join(found.ambiguous)} equally",
                "keep the file as published: its filter columns tell the tables apart")
        return table_name(Path(f.name))
    if found.table is None:
        own = table_name(Path(f.name))
        if own not in known_tables():
            return own
        found = named(own, f.header)
        if not found.missing:  # all its columns, but not the values that tell it from its neighbours
            return f"other_{own}"
    for want, near in zip(found.missing, found.found):
        if near:
            f.error(1, near, "COL-MISSING", f"column {want} is missing (the other columns make this "
                    f"{found.table}); {near!r} looks like a misspelling of it", f"rename the column {near} to {want}")
        else:  # absent, as an older or partial file may be: the indicators that read it will be empty
            f.warn(1, want, "COL-MISSING", f"column {want} is missing (the other columns make this "
                   f"{found.table}): the indicators that read it will have no values from this file",
                   f"add the column {want} as published, or download the file again")
    return found.table


def _accept(f: CsvFile, info: InputFile, seen: dict[tuple[str, int], InputFile], result: IngestResult,
            skip: set[str] | None, table: str) -> None:
    """A checked EES data file: its findings kept, and its rows loaded unless it failed or is quarantined."""
    info.encoding = f.encoding
    info.kind = "ees-csv"
    info.table = table
    result.findings.extend(f.findings)
    if skip and f.name in skip:
        info.status, info.reason = "invalid", "quarantined: failed the input checks"
        return
    if not f.ok:
        info.status, info.reason = "invalid", "failed the input checks"
        return
    _load_ees(f, info, seen, result)


def _load_ees(f: CsvFile, info: InputFile, seen: dict[tuple[str, int], InputFile], result: IngestResult) -> None:
    """The file's columns of text cells, as read, plus where each row came from."""
    if not IDENT.match(info.table):
        raise DataError(f"{f.name}: cannot derive a table name from the file name", "rename the file")
    periods = pc.unique(f.column(f.header.index("time_period"))).to_pylist()
    years = [y for y in map(end_year_of_text, periods) if y is not None]
    info.vintage = max(years) if years else 0
    info.release = f"{publication_of(info.table)}-{info.vintage}"
    key = (info.table, info.vintage)
    if key in seen:
        other = seen[key]
        result.findings.append(Finding(
            f.name, 1, "", "RELEASE-TWICE",
            f"this file and {other.name} are both the {info.release} release of {info.table} but differ",
            "keep only one copy of each release file in the input folder"))
        info.status, info.reason = "invalid", f"another copy of {info.release} {info.table} ({other.name})"
        return
    seen[key] = info
    named = {c: i for i, c in enumerate(f.header) if c}
    cells = pa.table({c: f.column(i) for c, i in named.items()}) if named else pa.table({})
    table = _with_origin(cells, info, f.name, f.line_numbers)
    info.rows = table.num_rows
    info.status = "loaded"
    result.tables.add(info.table, table)


def _with_origin(cells: pa.Table, info: InputFile, name: str, lines: pa.Array) -> pa.Table:
    """The cells with the release, vintage, file and line of every row."""
    n = len(lines)
    origin = {"_release": arrays.repeat(info.release, n, pa.string()),
              "_vintage": arrays.repeat(info.vintage, n, pa.int64()),
              "_file": arrays.repeat(name, n, pa.string()), "_line": lines}
    for col, values in origin.items():
        cells = cells.append_column(col, values)
    return cells


def is_meta_header(header: list[str]) -> bool:
    """An EES metadata file, by its columns (whatever its name)."""
    return {"col_name", "col_type"} <= {h.strip().lstrip("\ufeff") for h in header}


def _meta_partner(meta: CsvFile, path: Path, data_files: list[tuple[Path, list[str]]]) -> Path | None:
    """The data file a metadata file describes: <name>.csv beside <name>.meta.csv, or else, by content, the
    one data file whose header holds the most of the columns the metadata names (at least half)."""
    if path.name.lower().endswith(".meta.csv"):
        beside = path.with_name(path.name[: -len(".meta.csv")] + ".csv")
        if beside.is_file():
            return beside
    if not meta.ok or "col_name" not in meta.header:
        return None
    i = meta.header.index("col_name")
    names = {c.strip() for c in meta.column(i).to_pylist() if c.strip()}
    held = [(len(names & set(header)), p) for p, header in data_files]
    best = max((n for n, _ in held), default=0)
    fits = [p for n, p in held if n == best]
    return fits[0] if names and best * 2 >= len(names) and len(fits) == 1 else None


def _check_metadata(meta: CsvFile, path: Path, raw: Path, info: InputFile, result: IngestResult,
                    data_files: list[tuple[Path, list[str]]]) -> None:
    """An EES metadata file is checked against its data file (found by name, else by content)."""
    from carestats.check.meta import check_meta

    info.kind = "ees-meta"
    data_path = _meta_partner(meta, path, data_files)
    if data_path is None:
        beside = path.name[: -len(".meta.csv")] + ".csv" if path.name.lower().endswith(".meta.csv") else "<name>.csv"
        meta.warn(1, "", "META-ORPHAN", f"no data file {beside} beside this metadata file, nor one whose columns "
                  "it describes", "keep <name>.csv and <name>.meta.csv together")
    elif meta.ok:
        raw_bytes = data_path.read_bytes()
        data = read_csv(data_path, paths.display(data_path, raw), hashlib.sha256(raw_bytes).hexdigest(), raw_bytes)
        if data.ok:
            check_meta(meta, data)
    result.findings.extend(meta.findings)
    failed = not meta.ok
    info.status = "invalid" if failed else "metadata"
    info.reason = "metadata file failed the checks" if failed else \
        f"metadata for {data_path.name if data_path else 'no data file found'}"
