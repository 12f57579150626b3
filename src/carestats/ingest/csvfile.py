"""Read one CSV file exactly as published: pinned dialect, every row located by its line number.

A file is read into an Arrow table of text cells (one column per header position) with the line each
row starts and ends on; the input checks (carestats.check) work on those columns. Plain bytes (every
quote a whole field on one line, no lone carriage return, no blank line, one width) are tokenised by
Arrow's CSV reader; anything else by Python's csv module, which locates every oddity. Both give the same
table: a file that is not plain for Arrow is simply handed to Python.

The reader never guesses silently. The kind of file (a workbook or web page saved as .csv), encoding,
BOM, NUL bytes, delimiter, unterminated quotes, ragged rows, blank lines and empty or duplicated column
names all become located findings; a file that cannot be read at all yields a finding and no rows.

Lines are 1-based and the header is line 1. A row's line is the physical line it starts on, so rows
after a quoted value holding a line break keep their true line numbers.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from carestats.core import arrays
from carestats.core.errors import Finding

MAX_RAGGED = 20  # beyond this, one summary line
PREVIEW = 10  # records kept whatever their width, to find a header below a title
DIALECT = {"delimiter": ",", "quotechar": '"', "doublequote": True, "strict": True}
csv.field_size_limit(1 << 24)

# Rules after which the file has no usable rows: it is "invalid", whatever its columns.
UNREADABLE = frozenset({"FILE-TYPE", "NUL-BYTE", "ENC-UTF16", "ENC-UNKNOWN", "ENC-MIXED", "EMPTY-FILE",
                        "UNTERMINATED-QUOTE", "CSV-SYNTAX", "DELIMITER", "RAGGED-ROW"})

# Leading bytes of files that are not CSV text, whatever their name says.
MAGIC = (
    (b"PK\x03\x04", "a zip archive or an Excel/OpenDocument workbook"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) workbook"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip-compressed file"),
)
WEB_PAGE = re.compile(rb"^\s*<(!doctype html|html|\?xml)", re.I)
# A multi-byte UTF-8 sequence; in a file that is not valid UTF-8 it means two encodings were mixed.
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


BOM = b"\xef\xbb\xbf"
_NO_LINES = arrays.ints([])


@dataclass
class CsvFile:
    path: Path
    name: str  # shown in messages: the path relative to the input folder
    sha256: str
    encoding: str = "utf-8"
    header: list[str] = field(default_factory=list)
    # the rows: one text column per header position (named "0", "1", …), no nulls
    cells: pa.Table | None = None
    line_numbers: pa.Array = field(default_factory=lambda: _NO_LINES)  # 1-based line each row starts on; the header is line 1
    end_numbers: pa.Array = field(default_factory=lambda: _NO_LINES)  # last physical line of each row
    first: list[tuple[int, list[str]]] = field(default_factory=list)  # the first records, any width
    empty_rows: list[int] = field(default_factory=list)  # lines of records of several fields, all blank (",,,")
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def num_rows(self) -> int:
        return self.cells.num_rows if self.cells is not None else 0

    def column(self, i: int) -> pa.Array:
        """The cells of the i-th column (0-based header position) as one array of strings."""
        assert self.cells is not None
        col = self.cells.column(i)
        return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()

    @property
    def rows(self) -> list[list[str]]:
        """Every row as a list of cells (built on demand: for small files and tests)."""
        if self.cells is None or not self.cells.num_rows:
            return []
        return [list(r) for r in zip(*(c.to_pylist() for c in self.cells.columns))]

    @property
    def lines(self) -> list[int]:
        return self.line_numbers.to_pylist()

    @property
    def ends(self) -> list[int]:
        return self.end_numbers.to_pylist()

    def error(self, line: int, column: str, rule: str, message: str, hint: str) -> None:
        self.findings.append(Finding(self.name, line, column, rule, message, hint))

    def warn(self, line: int, column: str, rule: str, message: str, hint: str = "") -> None:
        self.findings.append(Finding(self.name, line, column, rule, message, hint, "warning"))


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def sniff_type(data: bytes, f: CsvFile) -> bool:
    """False (with a finding) when the bytes are plainly another kind of file."""
    for magic, what in MAGIC:
        if data.startswith(magic):
            f.error(1, "", "FILE-TYPE", f"file is {what}, not CSV text",
                    "export the data as CSV (comma-separated, UTF-8), or put the original file beside it")
            return False
    if WEB_PAGE.match(data[:512].lstrip(b"\xef\xbb\xbf")):
        f.error(1, "", "FILE-TYPE", "file is a web page, not CSV text (a failed download?)",
                "download the file again from the publisher")
        return False
    return True


def decode(data: bytes, f: CsvFile) -> str | None:
    """UTF-8 (with or without BOM); cp1252 as a stated fallback; anything else is an error."""
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        f.error(1, "", "ENC-UTF16", "file is UTF-16 encoded", "re-save it as UTF-8 CSV")
        return None
    if b"\x00" in data:
        first = data.index(b"\x00")
        sample = data[:4096]
        if sample.count(b"\x00") * 3 >= len(sample):  # every other byte NUL: UTF-16 without a BOM
            f.error(1, "", "ENC-UTF16", "file looks UTF-16 encoded (no BOM)", "re-save it as UTF-8 CSV")
        else:
            f.error(_line_of(data, first), "", "NUL-BYTE", "file contains a NUL byte (it may be truncated "
                    "or binary)", "download the file again from the publisher")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.start
        mixed = _utf8_sequence(data)
        if mixed:
            f.error(_line_of(data, bad), "", "ENC-MIXED",
                    f"byte 0x{data[bad]:02x} is not UTF-8, but line {_line_of(data, mixed.start())} holds "
                    "UTF-8 text: the file mixes two encodings", "re-save the whole file as UTF-8 CSV")
            return None
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            f.error(_line_of(data, bad), "", "ENC-UNKNOWN", f"byte 0x{data[bad]:02x} is neither UTF-8 nor "
                    "Windows-1252", "re-save the file as UTF-8 CSV")
            return None
        f.encoding = "cp1252"
        f.warn(_line_of(data, bad), "", "ENC-CP1252", f"not UTF-8 (byte 0x{data[bad]:02x}); read as "
               "Windows-1252", "nothing to do; re-save as UTF-8 to silence this")
    if text.startswith("\ufeff"):
        text = text[1:]
        if f.encoding == "utf-8":
            f.encoding = "utf-8-sig"
    return text


_ASCII = bytes(range(128))
_LEAD_BYTES = frozenset(range(0xC2, 0xF5))


def _utf8_sequence(data: bytes) -> re.Match[bytes] | None:
    """The first multi-byte UTF-8 sequence in the bytes, if any. Most Windows-1252 files hold no byte
    that can start one (0xa0, 0x92, 0x96 cannot): then the regex need not scan the file at all."""
    leads = _LEAD_BYTES.intersection(data.translate(None, _ASCII))
    if not leads:
        return None
    return UTF8_SEQUENCE.search(data, min(data.find(bytes([b])) for b in leads))


def read_csv(path: Path, name: str, sha256: str, data: bytes) -> CsvFile:
    f = CsvFile(path=path, name=name, sha256=sha256)
    if not sniff_type(data, f):
        return f
    text = decode(data, f)
    if text is None:
        return f
    if not text or text.isspace():  # (not text.strip(), without copying the text)
        f.error(1, "", "EMPTY-FILE", "file is empty", "download the file again from the publisher")
        return f
    if not _read_plain(f, data, text):
        _read_any(f, text)
    if f.ok and f.num_rows and not text.endswith(("\n", "\r")):
        f.warn(f.end_numbers[-1].as_py(), "", "NO-FINAL-NEWLINE", "the file does not end with a line break",
               "check that the last row is complete (the file may have been cut short)")
    return f


def _header_ok(f: CsvFile, header: list[str]) -> bool:
    """Read the header (with its findings); False when the columns are not separated by commas."""
    if len(header) == 1 and (";" in header[0] or "\t" in header[0] or "|" in header[0]):
        sep = {";": "semicolon", "\t": "tab", "|": "pipe"}[next(c for c in ";\t|" if c in header[0])]
        f.error(1, "", "DELIMITER", f"columns are separated by {sep}s, not commas",
                "re-save the file as comma-separated CSV")
        return False
    _read_header(f, header)
    return True


def _read_any(f: CsvFile, text: str) -> None:
    """Any text, record by record with Python's csv module: every oddity located."""
    reader = csv.reader(io.StringIO(text, newline=""), **DIALECT)
    try:
        header = next(reader)
    except csv.Error as exc:
        f.error(1, "", "CSV-SYNTAX", f"header cannot be read: {exc}", "check the first line of the file")
        return
    if not _header_ok(f, header):
        return
    _read_rows(f, reader, len(header))


class _NotPlain(Exception):
    """The bytes hold something only Python's csv module reads exactly as published."""


def _read_plain(f: CsvFile, data: bytes, text: str) -> bool:
    """Read plain bytes with Arrow (one row per line after the header); False, with `f` untouched, when
    the bytes are not plain enough for Arrow to read them exactly as the csv module would."""
    body = text.encode("utf-8") if f.encoding == "cp1252" else data.removeprefix(BOM)
    try:
        header = _plain_header(body)
        cells = _plain_rows(body, len(header)) if len(header) > 0 else None
    except _NotPlain:
        return False
    if cells is None:
        return False
    if not _header_ok(f, header):
        return True
    n = cells.num_rows
    f.cells = cells
    f.line_numbers = f.end_numbers = row_numbers(n, start=2)
    preview = cells.slice(0, PREVIEW).to_pylist()
    f.first = [(i + 2, list(r.values())) for i, r in enumerate(preview)]
    return True


def _plain_header(body: bytes) -> list[str]:
    returns = body.count(b"\r")
    if returns and returns != body.count(b"\r\n"):
        raise _NotPlain  # a lone carriage return
    if body.startswith((b"\n", b"\r")):
        raise _NotPlain  # a blank line above the header
    _plain_quotes(body)
    end = body.find(b"\n")
    first = (body if end < 0 else body[:end]).rstrip(b"\r").decode("utf-8")
    try:
        return next(csv.reader([first], **DIALECT))
    except (csv.Error, StopIteration):
        raise _NotPlain from None


def _plain_quotes(body: bytes) -> None:
    """Every double quote belongs to a whole quoted field on one line (so no value spans lines, and no
    stray quote is read differently by the two tokenisers). Quotes are rare: walk from one to the next."""
    pos = body.find(b'"')
    while pos >= 0:
        if pos and body[pos - 1] not in b",\n":
            raise _NotPlain  # a quote inside an unquoted value
        end = _closing_quote(body, pos)
        if end < len(body) and body[end] not in b",\r\n":
            raise _NotPlain  # text after the closing quote
        pos = body.find(b'"', end)


def _closing_quote(body: bytes, start: int) -> int:
    """The offset just after the quote closing the field opened at `start` (doubled quotes are text)."""
    pos = start + 1
    while True:
        close = body.find(b'"', pos)
        if close < 0 or body.find(b"\n", start, close) >= 0 or body.find(b"\r", start, close) >= 0:
            raise _NotPlain  # never closed, or closed on a later line
        if body[close + 1:close + 2] != b'"':
            return close + 1
        pos = close + 2


# Cells that may hold nothing but whitespace: empty, or only separators and control characters (a
# superset of Python's str.isspace, whose characters are all in Unicode categories Z and Cc).
MAYBE_BLANK = r"^[\pZ\pC]*$"


def _plain_rows(body: bytes, width: int) -> pa.Table:
    """Every cell after the header as text, one row per line, if each line is a record of `width` fields
    holding more than whitespace (a blank record is for _read_rows to locate and skip)."""
    import pyarrow.compute as pc

    names = [str(i) for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=max(len(body) + 1, 1 << 20),
                                           use_threads=False),
            parse_options=pacsv.ParseOptions(delimiter=",", quote_char='"', double_quote=True, escape_char=False,
                                             newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, null_values=[],
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        raise _NotPlain from None
    lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    if table.num_rows == 0 or table.num_rows != lines - 1:
        raise _NotPlain
    table = table.combine_chunks()
    blank = None
    for col in table.columns:
        maybe = pc.match_substring_regex(col, MAYBE_BLANK)
        blank = maybe if blank is None else pc.and_(blank, maybe)
        if not pc.any(blank).as_py():
            return table
    suspects = table.filter(blank)
    if any(not "".join(r.values()).strip() for r in suspects.to_pylist()):
        raise _NotPlain
    return table


_NUMBERS = arrays.ints([])


def row_numbers(n: int, start: int = 0) -> pa.Array:
    """start, start + 1, … (n of them): from 0, sliced from one array kept between files (building a fresh
    one from a Python range costs more than the reading it serves); from elsewhere, from numpy's range."""
    global _NUMBERS
    if len(_NUMBERS) < n:
        _NUMBERS = arrays.ints(np.arange(max(n, 2 * len(_NUMBERS))))
    numbers = _NUMBERS.slice(0, n)
    return arrays.ints(np.arange(start, start + n)) if start else numbers


def _read_header(f: CsvFile, header: list[str]) -> None:
    f.header = [h.strip() for h in header]
    seen: dict[str, int] = {}
    for i, col in enumerate(f.header):
        if col != header[i]:
            f.warn(1, col, "HEADER-SPACE", f"column name {header[i]!r} has surrounding spaces; trimmed")
        if not col:
            # An empty column name is tolerated only when every cell under it is empty (checked later).
            continue
        if col in seen:
            f.error(1, col, "DUP-COLUMN", f"column {col!r} appears more than once (columns {seen[col] + 1} "
                    f"and {i + 1})", "remove or rename the repeated column")
        seen[col] = i


def _read_rows(f: CsvFile, reader, width: int) -> None:  # type: ignore[no-untyped-def]
    prev_end = 1
    blank: list[int] = []
    ragged: list[int] = []
    rows: list[list[str]] = []
    lines: list[int] = []
    ends: list[int] = []
    try:
        for row in reader:
            start, prev_end = prev_end + 1, reader.line_num
            if not "".join(row).strip():  # no cell holds more than whitespace
                blank.append(start)  # a blank line (or a row of empty cells) carries no observation
                if len(row) > 1:
                    f.empty_rows.append(start)
                continue
            if len(f.first) < PREVIEW:
                f.first.append((start, row))
            if len(row) != width:
                ragged.append(start)
                if len(ragged) <= MAX_RAGGED:
                    f.error(start, "", "RAGGED-ROW", f"row has {len(row)} fields, the header has {width}",
                            "check for an unquoted comma or a missing field on that line")
                continue
            rows.append(row)
            lines.append(start)
            ends.append(prev_end)
    except csv.Error as exc:
        msg = str(exc)
        if "EOF" in msg or "end of data" in msg or "unexpected end" in msg:
            f.error(prev_end + 1, "", "UNTERMINATED-QUOTE", "a quoted field is never closed",
                    "add the closing double quote on that line")
        else:
            f.error(prev_end + 1, "", "CSV-SYNTAX", msg, "check the quoting on that line")
        rows, lines, ends = [], [], []
    else:
        if len(ragged) > MAX_RAGGED:
            rest = ragged[MAX_RAGGED:]
            f.error(rest[0], "", "RAGGED-ROW", f"{len(rest)} more row(s) with the wrong number of fields "
                    f"(lines {rest[0]}–{rest[-1]})", "check the delimiter and quoting of the file")
        if blank:
            shown = ", ".join(map(str, blank[:10])) + (" …" if len(blank) > 10 else "")
            f.warn(blank[0], "", "BLANK-LINE", f"{len(blank)} blank line(s) skipped (lines {shown})",
                   "nothing to do; delete the empty rows to silence this")
    f.cells = pa.table({str(i): arrays.strings([r[i] for r in rows]) for i in range(width)})
    f.line_numbers = arrays.ints(lines)
    f.end_numbers = arrays.ints(ends)
