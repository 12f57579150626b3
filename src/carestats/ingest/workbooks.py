"""Read the publishers' ODS/XLSX workbooks (Ofsted, MHCLG) into raw tables, every cell as published text.

queries/workbooks.yaml describes each source once: the sheet and header cells that recognise it, where its
release year is written, an optional row of variable codes that names its columns, and a note that must be
present (a unit). Titles above a header are skipped; a sheet may stack several tables separated by blank
rows. Every row loaded keeps its spreadsheet row number, so a figure can be traced to its cell.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import fastexcel
import pyarrow as pa

from carestats.core import arrays, paths
from carestats.core import safe_yaml
from carestats.core.errors import ConfigError, DataError, Finding

if TYPE_CHECKING:
    from carestats.ingest.files import InputFile

SUFFIXES = {".ods", ".xlsx", ".xls"}
HEADER_WITHIN = 40  # a header row is looked for in the first rows of a sheet
IDENT = re.compile(r"^[a-z][a-z0-9_]*$")

Row = tuple  # one spreadsheet row: text cells, None when empty


@dataclass(frozen=True)
class Source:
    id: str
    publication: str
    sheet: re.Pattern
    header: tuple[str, ...]
    vintage: re.Pattern
    key: str = ""
    codes: re.Pattern | None = None
    note: re.Pattern | None = None
    description: str = ""


@dataclass(frozen=True)
class Unused:
    reason: str
    sheet: re.Pattern | None = None
    header: tuple[str, ...] = ()


@dataclass
class SheetTable:
    """The rows of one source read from one sheet."""

    source: Source
    sheet: str
    vintage: int = 0
    columns: list[str] = field(default_factory=list)
    records: list[dict[str, str | None]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def release(self) -> str:
        return f"{self.source.publication}-{self.vintage}"


def _pattern(name: str, key: str, value: object) -> re.Pattern:
    try:
        return re.compile(str(value), re.I)
    except re.error as exc:
        raise ConfigError(f"queries/workbooks.yaml: {name}: {key} is not a valid pattern ({exc})",
                          "fix the regular expression") from exc


def load_spec(path: Path | None = None) -> tuple[list[Source], list[Unused]]:
    path = path or paths.QUERIES_DIR / "workbooks.yaml"
    spec = safe_yaml.load(path.read_text(encoding="utf-8")) or {}
    sources = []
    for entry in spec.get("sources", []):
        name = str(entry.get("id", "?"))
        missing = {"id", "publication", "sheet", "header", "vintage"} - set(entry)
        if missing:
            raise ConfigError(f"queries/workbooks.yaml: source {name} lacks {', '.join(sorted(missing))}",
                              "give every source an id, publication, sheet, header and vintage")
        if not IDENT.match(name):
            raise ConfigError(f"queries/workbooks.yaml: source id {name!r} is not a valid table name",
                              "use lower case letters, digits and underscores")
        sources.append(Source(
            id=name, publication=str(entry["publication"]), sheet=_pattern(name, "sheet", entry["sheet"]),
            header=tuple(str(h) for h in entry["header"]), vintage=_pattern(name, "vintage", entry["vintage"]),
            key=str(entry.get("key") or ""), description=str(entry.get("description") or "").strip(),
            codes=_pattern(name, "codes", entry["codes"]) if entry.get("codes") else None,
            note=_pattern(name, "note", entry["note"]) if entry.get("note") else None,
        ))
    unused = [Unused(reason=" ".join(str(u["reason"]).split()),
                     sheet=_pattern("unused", "sheet", u["sheet"]) if u.get("sheet") else None,
                     header=tuple(str(h) for h in u.get("header") or ()))
              for u in spec.get("unused", [])]
    return sources, unused


def norm(cell: object) -> str:
    """A header cell as a column name: whitespace (including line breaks) collapsed, trimmed."""
    return " ".join(str(cell).split()) if cell is not None else ""


def is_blank(row: Row) -> bool:
    return all(c is None or not str(c).strip() for c in row)


def filled(row: Row) -> int:
    return sum(1 for c in row if c is not None and str(c).strip())


def cell_keys(row: Row) -> frozenset[str]:
    """A row's filled cells, normalised and case-folded, to look for header cells in."""
    return frozenset(norm(c).casefold() for c in row if c is not None)


def has_header(keys: frozenset[str], header: tuple[str, ...]) -> bool:
    return all(h.casefold() in keys for h in header)


class RowKeys:
    """cell_keys of each row of a sheet, worked out only for the rows that need them.

    Normalising every cell of a large sheet costs more than the rest of reading it. Most rows are ruled
    out as a header row by a cheap test on their raw text: for a cell to match a header name, every word
    of the case-folded name must appear in the row's case-folded text (folding neither makes nor removes
    whitespace, so it keeps the words of a cell).
    """

    def __init__(self, rows: list[Row]) -> None:
        self.rows = rows
        self.known: dict[int, frozenset[str]] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> frozenset[str]:
        if i not in self.known:
            self.known[i] = cell_keys(self.rows[i])
        return self.known[i]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return (self[i] for i in range(len(self.rows)))

    def has_header(self, i: int, header: tuple[str, ...]) -> bool:
        text = "\n".join(str(c) for c in self.rows[i] if c is not None).casefold()
        if not all(word in text for h in header for word in h.casefold().split()):
            return False
        return has_header(self[i], header)


def find_header(rows: list[Row], header: tuple[str, ...], within: int = HEADER_WITHIN) -> int | None:
    for i, row in enumerate(rows[:within]):
        if has_header(cell_keys(row), header):
            return i
    return None


def find_codes(keys: list[frozenset[str]], pattern: re.Pattern) -> int | None:
    """The row of variable codes: most of its filled cells are codes."""
    for i, cells in enumerate(keys):
        hits = sum(1 for c in cells if c and pattern.match(c))
        if hits and hits * 2 >= sum(1 for c in cells if c):
            return i
    return None


def year_from(texts: list[str], pattern: re.Pattern) -> int | None:
    """The last year of the data from a title: 2025, or 2025 for the financial year 2024-25."""
    for text in texts:
        m = pattern.search(text)
        if not m:
            continue
        if len(m.groups()) == 2:
            start, end = int(m.group(1)), int(m.group(2))
            return start + 1 if (start + 1) % 100 == end else None
        return int(m.group(1))
    return None


def column_names(header: Row, codes: Row | None) -> list[str]:
    names = []
    for j, cell in enumerate(header):
        code = norm(codes[j]) if codes is not None and j < len(codes) else ""
        names.append(code or norm(cell))
    return names


def parse_sheet(rows: list[Row], source: Source, file_name: str, sheet: str) -> SheetTable | None:
    """Every table of `source` in one sheet, or None when the sheet does not hold the source."""
    start = find_header(rows, source.header)
    if start is None:
        return None
    out = SheetTable(source=source, sheet=sheet)
    where = f"{file_name}[{sheet}]"

    def finding(line: int, column: str, rule: str, message: str, hint: str, severity: str = "error") -> None:
        out.findings.append(Finding(where, line, column, rule, message, hint, severity))

    titles = [norm(c) for row in rows[:start] for c in row if norm(c)]
    vintage = year_from(titles, source.vintage)
    if vintage is None:
        finding(start + 1, "", "WORKBOOK-VINTAGE", "the titles above the header do not say which year the data "
                f"are for (looked for /{source.vintage.pattern}/)",
                f"check the sheet, then update the vintage pattern of {source.id} in queries/workbooks.yaml")
    out.vintage = vintage or 0
    if source.note and not any(source.note.search(t) for t in titles):
        finding(start + 1, "", "WORKBOOK-NOTE", f"the sheet does not say /{source.note.pattern}/ above the "
                "header; its figures may be in another unit",
                f"check the unit in the sheet, then update the note of {source.id} in queries/workbooks.yaml")
    keys = RowKeys(rows)
    codes_at = find_codes(keys, source.codes) if source.codes else None
    if source.codes and codes_at is None:
        finding(start + 1, "", "WORKBOOK-CODES", "no row of variable codes found in the sheet",
                f"check the sheet, then update the codes pattern of {source.id} in queries/workbooks.yaml")
    codes = rows[codes_at] if codes_at is not None else None

    names: list[str] = []
    for i in range(start, len(rows)):
        row = rows[i]
        if i == codes_at:
            continue
        if keys.has_header(i, source.header):
            names = _block_names(rows, keys, i, source.header, codes, codes_at, finding)
            for name in names:
                if name and name not in out.columns:
                    out.columns.append(name)
            continue
        if is_blank(row):
            names = []  # a blank row ends a table
            continue
        if not names:
            if filled(row) > 1:
                finding(i + 1, "", "WORKBOOK-STRAY", "row holds values outside any table; not loaded",
                        "check whether a table's header row is missing", "warning")
            continue  # a title or note between tables
        record = {n: (None if c is None else str(c)) for n, c in zip(names, row) if n}
        if source.key and not (record.get(source.key) or "").strip():
            finding(i + 1, source.key, "WORKBOOK-ROW", f"row has no {source.key}; not loaded",
                    "check for a note or a second table without a blank row above it", "warning")
            continue
        out.records.append(record)
        out.lines.append(i + 1)
    return out


def _block_names(rows: list[Row], keys: RowKeys, at: int, header: tuple[str, ...], codes: Row | None,
                 codes_at: int | None, finding) -> list[str]:  # type: ignore[no-untyped-def]
    """The column names of the table whose header is at row `at`; unnamed empty columns are dropped."""
    names = column_names(rows[at], codes)
    end = at + 1
    while end < len(rows) and not is_blank(rows[end]) and not keys.has_header(end, header):
        end += 1
    body = [r for k, r in enumerate(rows[at + 1:end], at + 1) if k != codes_at]
    seen: dict[str, int] = {}
    for j, name in enumerate(names):
        if not name:
            if any(j < len(r) and r[j] is not None and str(r[j]).strip() for r in body):
                finding(at + 1, f"#{j + 1}", "WORKBOOK-HEADER", f"column {j + 1} of the table has values but no name",
                        "check the header row of the sheet")
            continue
        key = name.casefold()
        if key in seen:
            finding(at + 1, name, "WORKBOOK-HEADER", f"column name {name!r} appears twice (columns {seen[key] + 1} "
                    f"and {j + 1})", "name the columns from the row of variable codes, or fix the header")
        seen[key] = j
    return names


def read_sheet(book: fastexcel.ExcelReader, sheet: str) -> list[Row]:
    """Every row of a sheet from row 1 (leading blank rows kept, so row numbers match the spreadsheet)."""
    frame = book.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string").to_polars()
    return list(frame.iter_rows())


def to_arrow(t: SheetTable, file_name: str) -> pa.Table:
    n = len(t.records)
    if t.columns:  # each column's cells, a record without the column giving a null (as from_pylist does)
        table = pa.table({c: arrays.strings([r.get(c) for r in t.records]) for c in t.columns})
    else:
        table = pa.Table.from_pylist(t.records, schema=pa.schema([]))
    lineage = {"_release": arrays.repeat(t.release, n, pa.string()), "_vintage": arrays.repeat(t.vintage, n, pa.int32()),
               "_file": arrays.repeat(file_name, n, pa.string()), "_line": arrays.ints(t.lines, pa.int32()),
               "_sheet": arrays.repeat(t.sheet, n, pa.string())}
    for name, column in lineage.items():
        table = table.append_column(name, column)
    return table


@dataclass
class WorkbookRead:
    """What a workbook gave: its findings, and a raw table for each source it holds (table id, rows)."""
    findings: list[Finding] = field(default_factory=list)
    tables: list[tuple[str, pa.Table]] = field(default_factory=list)


def _open_file(path: Path) -> tuple[bytes, fastexcel.ExcelReader]:
    data = path.read_bytes()
    return data, fastexcel.read_excel(data)


class Prefetch:
    """Opens the workbooks among a build's input files on a worker thread, ahead of the files before them.

    fastexcel parses a workbook without holding the GIL, so the workbooks open while the CSV files before
    them are read and checked (the machine has more than one core). No more than `ahead` workbooks are
    opened before they are asked for (memory stays bounded), in the order of `paths`. `open(path, data)`
    is what fastexcel.read_excel(data) gives, an error included: the workbook opened ahead is used only
    when its bytes are `data`, otherwise `data` is opened there and then.
    """

    def __init__(self, paths: Iterable[Path], ahead: int = 1) -> None:
        self.paths = [p for p in paths if p.suffix.lower() in SUFFIXES]
        self.ahead = ahead
        self.pending: dict[Path, Future] = {}
        self.pool: ThreadPoolExecutor | None = None
        if self.paths:
            self.pool = ThreadPoolExecutor(1, thread_name_prefix="carestats-workbooks")
            weakref.finalize(self, self.pool.shutdown, wait=False, cancel_futures=True)
            self._ahead_of(-1)

    def _ahead_of(self, i: int) -> None:
        if self.pool is None:
            return
        for path in self.paths[i + 1:i + 1 + self.ahead]:
            if path not in self.pending:
                self.pending[path] = self.pool.submit(_open_file, path)

    def open(self, path: Path, data: bytes) -> fastexcel.ExcelReader:
        future = self.pending.pop(path, None)
        if path in self.paths:
            self._ahead_of(self.paths.index(path))
        if future is not None:
            try:
                read, book = future.result()
            except Exception:  # noqa: BLE001 - opened again below, where the error is reported as usual
                read, book = None, None
            if read == data:
                return book
        return fastexcel.read_excel(data)

    def opener(self, path: Path) -> Callable[[bytes], fastexcel.ExcelReader]:
        return lambda data: self.open(path, data)


def read_workbook(data: bytes, info: InputFile, seen: dict[tuple[str, int], InputFile],
                  quarantined: bool = False,
                  open_book: Callable[[bytes], fastexcel.ExcelReader] = fastexcel.read_excel) -> WorkbookRead:
    """Recognise a workbook by its sheets and read every source it holds as raw tables (or say why not).

    `info` is filled in with what the file is; `seen` (source and year → file) catches a second copy of
    a release. `open_book` opens the bytes (Prefetch.opener: a workbook opened ahead)."""
    result = WorkbookRead()
    info.kind = "workbook"
    sources, unused = load_spec()
    try:
        book = open_book(data)
        sheets = list(book.sheet_names)
    except (fastexcel.FastExcelError, OSError, ValueError) as exc:
        _unreadable(info, result, 0, "", exc)
        return result
    cache: dict[str, list[Row]] = {}
    found: list[SheetTable] = []
    for sheet in sheets:
        for source in sources:
            if not source.sheet.search(sheet):
                continue
            try:
                rows = cache[sheet] if sheet in cache else cache.setdefault(sheet, read_sheet(book, sheet))
            except (fastexcel.FastExcelError, OSError, ValueError) as exc:
                _unreadable(info, result, 0, sheet, exc)
                return result
            table = parse_sheet(rows, source, info.name, sheet)
            if table is not None:
                found.append(table)
                break
    if not found:
        info.reason = _unused_reason(book, sheets, unused)
        return result
    findings = [f for t in found for f in t.findings]
    result.findings.extend(findings)
    if any(f.severity == "error" for f in findings):
        info.status, info.reason = "invalid", "failed the input checks"
        return result
    if quarantined:
        info.status, info.reason = "invalid", "quarantined: failed the input checks"
        return result
    for t in found:
        key = (t.source.id, t.vintage)
        if key in seen:
            raise DataError(f"{info.name} and {seen[key].name} both hold the {t.release} release of {t.source.id}",
                            "keep only one copy of each release file in the input folder")
        seen[key] = info
        result.tables.append((t.source.id, to_arrow(t, info.name)))
    read = {t.sheet for t in found}
    info.status = "loaded"
    info.table = found[0].source.id
    info.release = ", ".join(sorted({t.release for t in found}))
    info.vintage = max(t.vintage for t in found)
    info.rows = sum(len(t.records) for t in found)
    info.reason = "; ".join(f"sheet {t.sheet}: {len(t.records)} rows → raw.{t.source.id}" for t in found)
    skipped = [s for s in sheets if s not in read]
    if skipped:
        info.reason += f" (not read: {', '.join(skipped)})"
    return result


def _unreadable(info: InputFile, result: WorkbookRead, line: int, sheet: str, exc: Exception) -> None:
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    where = f"{info.name}[{sheet}]" if sheet else info.name
    result.findings.append(Finding(where, line, "", "WORKBOOK-UNREADABLE", f"cannot be read as a workbook ({detail})",
                                   "download the file again from the publisher"))
    info.status, info.reason = "invalid", "cannot be read as a workbook"


def _unused_reason(book: fastexcel.ExcelReader, sheets: list[str], unused: list[Unused]) -> str:
    for rule in unused:
        for sheet in sheets:
            if rule.sheet is not None and not rule.sheet.search(sheet):
                continue
            if rule.header:
                try:
                    rows = read_sheet(book, sheet)
                except (fastexcel.FastExcelError, OSError, ValueError):
                    continue
                if find_header(rows, rule.header) is None:
                    continue
            return f"workbook not used: {rule.reason}"
    return (f"workbook: no source in queries/workbooks.yaml recognises its sheets ({', '.join(sheets)})")
