"""Read the publishers' ODS/XLSX workbooks (Ofsted, MHCLG) into raw tables, every cell as published text.

queries/workbooks.yaml describes each source once: the sheet and header cells that recognise it, where its
release year is written, an optional row of variable codes that names its columns, and a note that must be
present (a unit). Titles above a header are skipped; a sheet may stack several tables separated by blank
rows. Every row loaded keeps its spreadsheet row number, so a figure can be traced to its cell.
"""

from __future__ import annotations

import functools
import re
import weakref
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import fastexcel
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carestats.core import arrays, paths, safe_yaml
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


def _pattern(name: str, key: str, value: object) -> re.Pattern:
    try:
        return re.compile(str(value), re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(f"queries/workbooks.yaml: {name}: {key} is not a valid pattern ({exc})",
                          "fix the regular expression") from exc


def load_spec(path: Path | None = None) -> tuple[list[Source], list[Unused]]:
    path = path or paths.QUERIES_DIR / "workbooks.yaml"
    sources, unused = _parse_spec(path.read_text(encoding="utf-8"))
    return list(sources), list(unused)


@functools.lru_cache(maxsize=4)
def _parse_spec(text: str) -> tuple[tuple[Source, ...], tuple[Unused, ...]]:
    """The spec from its text (read once per text: a build reads it for every workbook)."""
    spec = safe_yaml.load(text) or {}
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
    return tuple(sources), tuple(unused)


def norm(cell: object) -> str:
    """A header cell as a column name: whitespace (including line breaks) collapsed, trimmed."""
    return " ".join(str(cell).split()) if cell is not None else ""


def cell_keys(row: Row) -> frozenset[str]:
    """A row's filled cells, normalised and case-folded, to look for header cells in."""
    return frozenset(norm(c).casefold() for c in row if c is not None)


def has_header(keys: frozenset[str], header: tuple[str, ...]) -> bool:
    return all(h.casefold() in keys for h in header)


def is_codes(keys: frozenset[str], pattern: re.Pattern) -> bool:
    """Whether a row is the row of variable codes: most of its filled cells are codes."""
    hits = sum(1 for c in keys if c and pattern.match(c))
    return bool(hits) and hits * 2 >= sum(1 for c in keys if c)


# Python's whitespace (str.isspace: what str.split and str.strip take away), for arrow's regular expressions
# (RE2, whose \s is ASCII-only); tests/test_workbooks_columns.py checks it against every code point.
SPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200b))) + \
    "\u2028\u2029\u202f\u205f\u3000"
NONSPACE = "[^" + "".join(f"\\x{{{ord(c):x}}}" for c in SPACE) + "]"  # a character that is not whitespace

# The syntax a codes pattern may use for the RE2 pre-filter (`_re2_codes`): on ASCII text, Python's `re`
# (IGNORECASE) and RE2 agree on it. Anything else (look-around, \A, \Z, nested classes, other escapes)
# leaves every row to the exact Python test.
_ESCAPE = r"\\[dDwWsS]|\\[.\-+*?()\[\]{}|^$\\/]"
_PLAIN = re.compile("(?:" + "|".join([
    _ESCAPE,
    r"\[\^?(?:" + _ESCAPE + r"|[A-Za-z0-9 _.,:;/+*?(){}|$#@!%'\"=<>]|-(?!-))+\]",  # a class (no &&, --, ~~, [)
    r"\((?!\?)", r"\(\?:", r"\)", r"[*+?]\??", r"\{\d+(?:,\d*)?\}\??", r"[\^$|]",
    r"[A-Za-z0-9 _,:;'\"/<>=!@%#&~-]",
]) + ")*")


def _re2_codes(pattern: re.Pattern) -> str | None:
    """The codes pattern for arrow (RE2), or None when it may not mean there what it means in Python (its
    syntax is not `_PLAIN`, or RE2 refuses it): then the exact Python test decides every row."""
    if _PLAIN.fullmatch(pattern.pattern) and _re2_refusal(pattern.pattern) is None:
        return pattern.pattern
    return None


def _re2_refusal(expression: str) -> str | None:
    """Why arrow's RE2 will not compile `expression` (case-insensitive, multi-line, as the codes pre-filter
    runs it): its error's first line; None when it compiles. Arrow reports a pattern RE2 refuses as
    ArrowInvalid; any Arrow error (a pyarrow built without RE2, say) equally leaves the rows to Python."""
    try:
        pc.match_substring_regex(arrays.repeat("", 1, pa.string()), "(?im)" + expression)
    except pa.ArrowException as refused:
        return str(refused).splitlines()[0] or type(refused).__name__
    return None


def _literal(text: str) -> str:
    """`text` as an RE2 pattern that matches it literally."""
    return re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\1", text)


class Sheet:
    """One sheet as fastexcel gives it: an arrow record batch of text columns (null for an empty cell), row i
    of which is row i + 1 of the spreadsheet. What the reader asks of the rows is worked out by arrow's
    compute functions on whole columns, or on each row's text (its cells joined by line breaks, an empty
    cell as ""), rather than cell by cell in Python; the exact Python tests are made only on the rows that
    these cannot rule out:

    - `blank`: which rows have no cell with more than whitespace (Python's whitespace, what `str.strip`
      removes: `SPACE`);
    - `header_rows`: the rows holding every header cell (`has_header`). A header name's words are in its
      cell, so in the row's case-folded text: only rows whose text holds every word of every header name are
      tested (folded by arrow when the row is ASCII, where lowering is case folding; by `str.casefold`
      otherwise);
    - `codes_row`: the first row of variable codes (`is_codes`), tested on the rows where the codes pattern,
      run by arrow (RE2) on the row's text, finds a match, and on the rows where that pre-filter might not
      see what Python's `re` would;
    - `filled_in`: for a column, whether each row's cell holds more than whitespace.
    """

    def __init__(self, cells: pa.RecordBatch) -> None:
        self.cells = cells
        self.width = cells.num_columns
        self.height = cells.num_rows if self.width else 0
        self._rows: dict[int, Row] = {}
        self._keys: dict[int, frozenset[str]] = {}
        self._text: pa.Array | None = None
        self._ascii: pa.Array | None = None
        self._blank: list[bool] | None = None

    def rows(self, start: int, stop: int) -> list[Row]:
        return list(zip(*(column.to_pylist() for column in self.cells.slice(start, stop - start).columns)))

    def row(self, i: int) -> Row:
        if i not in self._rows:
            self._rows[i] = tuple(column[i].as_py() for column in self.cells.columns)
        return self._rows[i]

    def keys(self, i: int) -> frozenset[str]:
        if i not in self._keys:
            self._keys[i] = cell_keys(self.row(i))
        return self._keys[i]

    def loose_keys(self, i: int) -> frozenset[str]:
        """`keys(i)`, but perhaps with "" among them when the row has an empty cell (neither a code nor a header
        name is ""): read from the row's text, where an empty cell is "", when no cell holds a line break."""
        if i in self._keys:
            return self._keys[i]
        cells = self.text[i].as_py().split("\n")
        return frozenset(norm(c).casefold() for c in cells) if len(cells) == self.width else self.keys(i)

    def count(self, i: int) -> int:
        """How many cells of row i hold more than whitespace."""
        return sum(1 for c in self.row(i) if c is not None and c.strip())

    def filled_in(self, j: int, rows: list[int] | None = None) -> list[bool]:
        """Whether each row's cell in column j (or each of `rows`' cells) holds more than whitespace."""
        column = self.cells.column(j)
        if rows is not None:
            column = column.take(arrays.ints(rows, pa.int32()))
        return [bool(f) for f in pc.match_substring_regex(column, NONSPACE).to_pylist()]

    @property
    def text(self) -> pa.Array:
        if self._text is None:
            separator = arrays.repeat("\n", self.height, pa.string())
            self._text = pc.binary_join_element_wise(*self.cells.columns, separator, null_handling="replace",
                                                     null_replacement="")
        return self._text

    @property
    def ascii(self) -> pa.Array:
        """Whether each row's text is ASCII."""
        if self._ascii is None:
            self._ascii = pc.string_is_ascii(self.text)
        return self._ascii

    @property
    def blank(self) -> list[bool]:
        if self._blank is None:
            self._blank = pc.invert(pc.match_substring_regex(self.text, NONSPACE)).to_pylist()
        return self._blank

    def header_rows(self, header: tuple[str, ...]) -> list[int]:
        """The rows that hold every header cell, in order."""
        if not self.height:
            return []
        words = sorted({w for h in header for w in h.casefold().split()}, key=lambda w: (-len(w), w))
        rows = set(pc.indices_nonzero(pc.invert(self.ascii)).to_pylist())  # folded by Python below
        if words:  # the longest word first (the fewest rows hold it), then each word among the rows left
            lowered = pc.ascii_lower(self.text)
            holding = pc.indices_nonzero(pc.match_substring_regex(lowered, _literal(words[0])))
            for word in words[1:]:
                if not len(holding):
                    break
                holding = holding.filter(pc.match_substring_regex(lowered.take(holding), _literal(word)))
            rows.update(holding.to_pylist())
        else:
            rows = set(range(self.height))
        return [i for i in sorted(rows)
                if (self.ascii[i].as_py() or all(w in self.text[i].as_py().casefold() for w in words))
                and has_header(self.keys(i) if "" in header else self.loose_keys(i), header)]

    def codes_row(self, pattern: re.Pattern) -> int | None:
        """The first row of variable codes (`is_codes`), or None."""
        if not self.height:
            return None
        re2 = _re2_codes(pattern)
        if re2 is None:  # every row with a cell that is not empty
            maybe = pc.greater(pc.binary_length(self.text), arrays.repeat(self.width - 1, self.height, pa.int32()))
        else:
            # On an ASCII row whose cells `norm` leaves as they are, Python's test of a cell (the pattern
            # matched, case-insensitively, at the start of the lowered cell) succeeds only where the same
            # pattern, run case-insensitively in multi-line mode on the row's text, finds a match (the cell's
            # own span, between line breaks). Any other row is left to the exact test: a row with non-ASCII
            # text, or with a cell holding whitespace `norm` would change (a line break inside a cell shows
            # as more line breaks than the row has cells).
            breaks = pc.count_substring(self.text, "\n")
            spaces = r"|[\t\x0b\x0c\r\x1c-\x1f]| [ \n]|\n |\A | \z"  # whitespace `norm` would change
            maybe = pc.or_(pc.or_(pc.match_substring_regex(self.text, "(?im)(?:" + re2 + ")" + spaces),
                                  pc.invert(self.ascii)),
                           pc.greater(breaks, arrays.repeat(self.width - 1, self.height, pa.int32())))
        return next((i for i in pc.indices_nonzero(maybe).to_pylist() if is_codes(self.loose_keys(i), pattern)), None)


class RowKeys:
    """Rows held as Python tuples (cells of any type, read as their text), asked whether each is a header row
    exactly as a sheet's rows are (`Sheet.header_rows`: the pre-filter on the rows' text, then the exact test).
    tests/test_ingest.py puts the pre-filter to generated rows through it."""

    def __init__(self, rows: list[Row]) -> None:
        width = max((len(r) for r in rows), default=0)
        cells = [arrays.strings([None if j >= len(r) or r[j] is None else str(r[j]) for r in rows])
                 for j in range(width)]
        self.sheet = Sheet(pa.RecordBatch.from_arrays(cells, names=[f"c{j}" for j in range(width)]))

    def has_header(self, i: int, header: tuple[str, ...]) -> bool:
        return i in self.sheet.header_rows(header)


def find_header(sheet: Sheet, header: tuple[str, ...], within: int = HEADER_WITHIN) -> int | None:
    return next((i for i in sheet.header_rows(header) if i < within), None)


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


@dataclass
class Block:
    """One table of a sheet: its column names (by the sheet's columns; "" for a column left out) and the rows
    loaded from it (row indices of the sheet)."""

    names: list[str]
    rows: list[int] = field(default_factory=list)


@dataclass
class SheetTable:
    """The rows of one source read from one sheet."""

    source: Source
    sheet: str
    cells: pa.RecordBatch | None = None
    vintage: int = 0
    columns: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def release(self) -> str:
        return f"{self.source.publication}-{self.vintage}"


def parse_sheet(sheet: Sheet, source: Source, file_name: str, sheet_name: str) -> SheetTable | None:
    """Every table of `source` in one sheet, or None when the sheet does not hold the source."""
    headers = sheet.header_rows(source.header)
    start = next((i for i in headers if i < HEADER_WITHIN), None)
    if start is None:
        return None
    out = SheetTable(source=source, sheet=sheet_name, cells=sheet.cells)
    where = f"{file_name}[{sheet_name}]"

    def finding(line: int, column: str, rule: str, message: str, hint: str, severity: str = "error") -> None:
        out.findings.append(Finding(where, line, column, rule, message, hint, severity))

    titles = [t for row in sheet.rows(0, start) for t in (norm(c) for c in row if c is not None) if t]
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
    codes_at = sheet.codes_row(source.codes) if source.codes else None
    if source.codes and codes_at is None:
        finding(start + 1, "", "WORKBOOK-CODES", "no row of variable codes found in the sheet",
                f"check the sheet, then update the codes pattern of {source.id} in queries/workbooks.yaml")
    codes = sheet.row(codes_at) if codes_at is not None else None

    is_header = [False] * sheet.height
    for i in headers:
        is_header[i] = True
    blank = sheet.blank
    block: Block | None = None
    key: list[bool] | None = None  # whether each row's cell of the key column is filled (None: no such column)
    for i in range(start, sheet.height):
        if i == codes_at:
            continue
        if is_header[i]:
            names = _block_names(sheet, is_header, i, codes, codes_at, finding)
            for name in names:
                if name and name not in out.columns:
                    out.columns.append(name)
            block = Block(names) if names else None
            if block is not None:
                out.blocks.append(block)
                at = max((j for j, n in enumerate(names) if n == source.key), default=None) if source.key else None
                key = sheet.filled_in(at) if at is not None else None
            continue
        if blank[i]:
            block = None  # a blank row ends a table
            continue
        if block is None:
            if sheet.count(i) > 1:
                finding(i + 1, "", "WORKBOOK-STRAY", "row holds values outside any table; not loaded",
                        "check whether a table's header row is missing", "warning")
            continue  # a title or note between tables
        if source.key and not (key is not None and key[i]):
            finding(i + 1, source.key, "WORKBOOK-ROW", f"row has no {source.key}; not loaded",
                    "check for a note or a second table without a blank row above it", "warning")
            continue
        block.rows.append(i)
        out.lines.append(i + 1)
    return out


def _block_names(sheet: Sheet, is_header: list[bool], at: int, codes: Row | None, codes_at: int | None,
                 finding) -> list[str]:  # type: ignore[no-untyped-def]
    """The column names of the table whose header is at row `at`; unnamed empty columns are dropped."""
    names = column_names(sheet.row(at), codes)
    end, blank = at + 1, sheet.blank
    while end < sheet.height and not blank[end] and not is_header[end]:
        end += 1
    unnamed = [j for j, name in enumerate(names) if not name]
    body = [k for k in range(at + 1, end) if k != codes_at]
    used = set()
    if unnamed and body:
        used = {j for j in unnamed if any(sheet.filled_in(j, body))}
    seen: dict[str, int] = {}
    for j, name in enumerate(names):
        if not name:
            if j in used:
                finding(at + 1, f"#{j + 1}", "WORKBOOK-HEADER", f"column {j + 1} of the table has values but no name",
                        "check the header row of the sheet")
            continue
        key = name.casefold()
        if key in seen:
            finding(at + 1, name, "WORKBOOK-HEADER", f"column name {name!r} appears twice (columns {seen[key] + 1} "
                    f"and {j + 1})", "name the columns from the row of variable codes, or fix the header")
        seen[key] = j
    return names


def load_sheet(book: fastexcel.ExcelReader, sheet: str, rows: int | None = None) -> Sheet:
    """A sheet from row 1 (leading blank rows kept, so row numbers match the spreadsheet); its first `rows`
    rows only, when given."""
    return Sheet(book.load_sheet(sheet, header_row=None, skip_rows=0, n_rows=rows, dtypes="string").to_arrow())


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Ascending row numbers as runs of consecutive rows: (first, how many)."""
    if not rows:
        return []
    at = np.asarray(rows, dtype=np.int64)
    starts = np.flatnonzero(np.diff(at, prepend=at[0] - 2) != 1)  # where a row does not follow the one before
    ends = np.append(starts[1:], len(at))
    return [(int(at[a]), int(b - a)) for a, b in zip(starts, ends)]


def to_arrow(t: SheetTable, file_name: str) -> pa.Table:
    """The table's rows: each column cut from the sheet's column that the row's table names so (the last such
    column when a name is repeated), null in the rows of a table without the column. Each run of consecutive
    rows is sliced from the sheet, the slices then put together."""
    n = len(t.lines)
    if not t.columns:
        table = pa.Table.from_pylist([{} for _ in range(n)], schema=pa.schema([]))
    else:
        schema = pa.schema([pa.field(c, pa.string()) for c in t.columns])
        batches = []
        for block in t.blocks:
            at = {name: j for j, name in enumerate(block.names) if name}
            where = [at.get(c) for c in t.columns]
            used = sorted({j for j in where if j is not None})
            position = {j: k for k, j in enumerate(used)}
            columns = t.cells.select(used)
            for first, count in _runs(block.rows):
                cut = columns.slice(first, count)
                batches.append(pa.RecordBatch.from_arrays(
                    [cut.column(position[j]) if j is not None else pa.nulls(count, pa.string()) for j in where],
                    schema=schema))
        table = pa.Table.from_batches(batches, schema=schema).combine_chunks()
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


AHEAD = 3  # workbooks opened before they are asked for (see Prefetch)


class Prefetch:
    """Opens the workbooks among a build's input files on a worker thread, ahead of the files before them.

    fastexcel parses a workbook without holding the GIL, so the workbooks open while the CSV files before
    them are read and checked (the machine has more than one core). No more than `ahead` workbooks are
    opened before they are asked for (memory stays bounded), in the order of `paths`: AHEAD, so that
    workbooks that sit side by side (a publisher's several ODS files in one folder) are open by the time
    the first is asked for, the build having started them while it loaded its readers. `open(path, data)`
    is what fastexcel.read_excel(data) gives, an error included: the workbook opened ahead is used only
    when its bytes are `data`, otherwise `data` is opened there and then.
    """

    def __init__(self, paths: Iterable[Path], ahead: int = AHEAD) -> None:
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
    cache: dict[str, Sheet] = {}
    found: list[SheetTable] = []
    for sheet in sheets:
        for source in sources:
            if not source.sheet.search(sheet):
                continue
            try:
                loaded = cache[sheet] if sheet in cache else cache.setdefault(sheet, load_sheet(book, sheet))
            except (fastexcel.FastExcelError, OSError, ValueError) as exc:
                _unreadable(info, result, 0, sheet, exc)
                return result
            table = parse_sheet(loaded, source, info.name, sheet)
            if table is not None:
                found.append(table)
                break
    if not found:
        info.reason = _unused_reason(book, sheets, unused, cache)
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
    info.rows = sum(len(t.lines) for t in found)
    info.reason = "; ".join(f"sheet {t.sheet}: {len(t.lines)} rows → raw.{t.source.id}" for t in found)
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


def _unused_reason(book: fastexcel.ExcelReader, sheets: list[str], unused: list[Unused],
                   cache: dict[str, Sheet]) -> str:
    """Why a workbook no source recognises is left alone. A rule's header is looked for in a sheet's first
    HEADER_WITHIN rows, so only those are loaded when the sheet was not read whole for a source."""
    tops: dict[str, Sheet] = {}
    for rule in unused:
        for sheet in sheets:
            if rule.sheet is not None and not rule.sheet.search(sheet):
                continue
            if rule.header:
                try:
                    if sheet not in cache and sheet not in tops:
                        tops[sheet] = load_sheet(book, sheet, HEADER_WITHIN)
                except (fastexcel.FastExcelError, OSError, ValueError):
                    continue
                if find_header(cache.get(sheet) or tops[sheet], rule.header) is None:
                    continue
            return f"workbook not used: {rule.reason}"
    return (f"workbook: no source in queries/workbooks.yaml recognises its sheets ({', '.join(sheets)})")
