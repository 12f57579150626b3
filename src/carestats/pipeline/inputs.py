"""Stage 1, ingest: find the release files, read them as published, and load them into raw.* tables.

Every file found is accounted for: loaded (with its row count checked), listed as not recognised, or
reported as unreadable. A CSV is recognised as a DfE "Explore education statistics" data file by its
header, wherever it sits in the input folder.

Every CSV is read into columns of text cells (ingest/csvfile.py) and an EES data file is checked on
those columns (check/ees_rules.py), which locates every finding; the same columns are then loaded.

Each file's rows go to a DuckDB store (warehouse.RawStore) as soon as the file is read and checked, and
its arrow table is dropped: memory holds one file's rows at a time, whatever the number of files. The
build takes the store's file over as its warehouse; `IngestResult.tables` reads a table back on demand.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from carestats.check.ees_rules import check_ees, looks_like_ees, not_ees
from carestats.check.geography_pairs import GeoIndex
from carestats.core import paths, safe_yaml
from carestats.core.errors import DataError, Finding
from carestats.ingest import archives, neighbours, workbooks
from carestats.ingest.csvfile import UNREADABLE, CsvFile, read_csv
from carestats.ingest.files import InputFile
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


def period_end_year(period: str) -> int | None:
    """2025 -> 2025; academic 202425 -> 2025; anything else -> None."""
    p = period.strip()
    if re.fullmatch(r"\d{4}", p):
        return int(p)
    if re.fullmatch(r"\d{6}", p) and (int(p[:4]) + 1) % 100 == int(p[4:]):
        return int(p[:4]) + 1
    return None


def discover(raw: Path) -> list[Path]:
    if not raw.is_dir():
        raise DataError(f"input folder {raw} does not exist",
                        "pass --raw with the folder that holds the release files")
    files = sorted(p for p in raw.rglob("*") if p.is_file() and not p.name.startswith("."))
    return [p for p in files if p.name not in {"README.md", "SOURCES.md"}]


def is_ees_header(header: list[str]) -> bool:
    return all(col in header for col in EES_REQUIRED)


def measures_by_table() -> dict[str, set[str]]:
    """The value columns each raw table must hold as numbers or symbols, from the staging headers."""
    out: dict[str, set[str]] = {}
    for view in load_staging():
        for table in view.raw:
            out.setdefault(table, set()).update(view.measures)
    return out


def read_inputs(raw: Path, skip: set[str] | None = None) -> IngestResult:
    """Read, check and classify every file under `raw`; EES CSVs become arrow tables by raw table name."""
    result = IngestResult()
    measures = measures_by_table()
    seen: dict[tuple[str, int], InputFile] = {}
    by_hash: dict[str, InputFile] = {}
    geo = GeoIndex()
    found = discover(raw)
    books = workbooks.Prefetch(found)  # opened on a worker thread while the CSV files are checked
    for src in archives.expand(found, raw, result.findings):
        path, name, data = src.path, src.name, src.data
        digest = hashlib.sha256(data).hexdigest()
        info = InputFile(name=name, sha256=digest, size=len(data), kind="other")
        result.files.append(info)
        suffix = Path(name).suffix.lower()
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
        if suffix in workbooks.SUFFIXES:
            read = workbooks.read_workbook(data, info, seen, quarantined=bool(skip and name in skip),
                                           open_book=books.opener(path))
            result.findings.extend(read.findings)
            for table_id, table in read.tables:
                result.tables.add(table_id, table)
            continue
        is_meta = path.name.lower().endswith(".meta.csv")
        f = read_csv(path, name, digest, data)
        info.encoding = f.encoding
        if is_meta:
            _check_metadata(f, path, raw, info, result)
            continue
        if neighbours.is_neighbour_file(f.header):
            known = {t["sn_set"][0].as_py() for t in result.tables.get(neighbours.RAW_TABLE, [])}
            findings, table = neighbours.accept(f, info, known)
            result.findings.extend(findings)
            if table is not None:
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
        if f.ok:
            check_ees(f, measures.get(table_name(Path(name)), set()), geo)
        _accept(f, info, seen, result, skip)
    return result


def _accept(f: CsvFile, info: InputFile, seen: dict[tuple[str, int], InputFile], result: IngestResult,
            skip: set[str] | None) -> None:
    """A checked EES data file: its findings kept, and its rows loaded unless it failed or is quarantined."""
    info.encoding = f.encoding
    info.kind = "ees-csv"
    info.table = table_name(Path(f.name))
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
    years = [y for y in map(period_end_year, periods) if y is not None]
    info.vintage = max(years) if years else 0
    info.release = f"{publication_of(info.table)}-{info.vintage}"
    key = (info.table, info.vintage)
    if key in seen:
        other = seen[key]
        raise DataError(
            f"{f.name} and {other.name} are both the {info.release} release of {info.table} but differ",
            "keep only one copy of each release file in the input folder",
        )
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
    origin = {"_release": pa.repeat(pa.scalar(info.release, pa.string()), n),
              "_vintage": pa.repeat(pa.scalar(info.vintage, pa.int64()), n),
              "_file": pa.repeat(pa.scalar(name, pa.string()), n), "_line": lines}
    for col, values in origin.items():
        cells = cells.append_column(col, values)
    return cells


def _check_metadata(meta: CsvFile, path: Path, raw: Path, info: InputFile, result: IngestResult) -> None:
    """An EES metadata file is checked against its data file (<name>.meta.csv beside <name>.csv)."""
    from carestats.check.meta import check_meta

    info.kind = "ees-meta"
    data_path = path.with_name(path.name[: -len(".meta.csv")] + ".csv")
    if not data_path.is_file():
        meta.warn(1, "", "META-ORPHAN", f"no data file {data_path.name} beside this metadata file",
                  "keep <name>.csv and <name>.meta.csv together")
    elif meta.ok:
        raw_bytes = data_path.read_bytes()
        data = read_csv(data_path, paths.display(data_path, raw), hashlib.sha256(raw_bytes).hexdigest(), raw_bytes)
        if data.ok:
            check_meta(meta, data)
    result.findings.extend(meta.findings)
    failed = not meta.ok
    info.status = "invalid" if failed else "metadata"
    info.reason = "metadata file failed the checks" if failed else f"metadata for {data_path.name}"
