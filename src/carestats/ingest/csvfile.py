"""Read one CSV file exactly as published: pinned dialect, every row located by its line number.

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


@dataclass
class CsvFile:
    path: Path
    name: str  # shown in messages: the path relative to the input folder
    sha256: str
    encoding: str = "utf-8"
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # 1-based line of each row; the header is line 1
    ends: list[int] = field(default_factory=list)  # last physical line of each row
    first: list[tuple[int, list[str]]] = field(default_factory=list)  # the first records, any width
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

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
        mixed = UTF8_SEQUENCE.search(data)
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
    reader = csv.reader(io.StringIO(text, newline=""), **DIALECT)
    try:
        header = next(reader)
    except csv.Error as exc:
        f.error(1, "", "CSV-SYNTAX", f"header cannot be read: {exc}", "check the first line of the file")
        return f
    if len(header) == 1 and (";" in header[0] or "\t" in header[0] or "|" in header[0]):
        sep = {";": "semicolon", "\t": "tab", "|": "pipe"}[next(c for c in ";\t|" if c in header[0])]
        f.error(1, "", "DELIMITER", f"columns are separated by {sep}s, not commas",
                "re-save the file as comma-separated CSV")
        return f
    _read_header(f, header)
    _read_rows(f, reader, len(header))
    if f.ok and f.rows and not text.endswith(("\n", "\r")):
        f.warn(f.ends[-1], "", "NO-FINAL-NEWLINE", "the file does not end with a line break",
               "check that the last row is complete (the file may have been cut short)")
    return f


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
    rows, lines, ends = f.rows, f.lines, f.ends  # bound once: this loop runs for every row of a file
    try:
        for row in reader:
            start, prev_end = prev_end + 1, reader.line_num
            if not "".join(row).strip():  # no cell holds more than whitespace
                blank.append(start)  # a blank line (or a row of empty cells) carries no observation
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
        f.rows.clear()
        f.lines.clear()
        f.ends.clear()
        return
    if len(ragged) > MAX_RAGGED:
        rest = ragged[MAX_RAGGED:]
        f.error(rest[0], "", "RAGGED-ROW", f"{len(rest)} more row(s) with the wrong number of fields "
                f"(lines {rest[0]}–{rest[-1]})", "check the delimiter and quoting of the file")
    if blank:
        shown = ", ".join(map(str, blank[:10])) + (" …" if len(blank) > 10 else "")
        f.warn(blank[0], "", "BLANK-LINE", f"{len(blank)} blank line(s) skipped (lines {shown})",
               "nothing to do; delete the empty rows to silence this")
