"""Read one CSV file exactly as published: pinned dialect, every row located by its line number.

The reader never guesses silently. Encoding, BOM, line endings, NUL bytes, unterminated quotes, ragged
rows, and empty or duplicated column names all become located findings; a file that cannot be read at
all yields a finding and no rows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from carestats.errors import Finding

DIALECT = {"delimiter": ",", "quotechar": '"', "doublequote": True, "strict": True}
csv.field_size_limit(1 << 20)


@dataclass
class CsvFile:
    path: Path
    name: str  # shown in messages: the path relative to the input folder
    sha256: str
    encoding: str = "utf-8"
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # 1-based line of each row; the header is line 1
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def error(self, line: int, column: str, rule: str, message: str, hint: str) -> None:
        self.findings.append(Finding(self.name, line, column, rule, message, hint))

    def warn(self, line: int, column: str, rule: str, message: str, hint: str = "") -> None:
        self.findings.append(Finding(self.name, line, column, rule, message, hint, "warning"))


def decode(data: bytes, f: CsvFile) -> str | None:
    """UTF-8 (with or without BOM); cp1252 as a stated fallback; anything else is an error."""
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        f.error(1, "", "ENC-UTF16", "file is UTF-16 encoded", "re-save it as UTF-8 CSV")
        return None
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        f.error(line, "", "NUL-BYTE", "file contains a NUL byte (it may be truncated or binary)",
                "download the file again from the publisher")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            line = data.count(b"\n", 0, exc.start) + 1
            f.error(line, "", "ENC-UNKNOWN", f"byte 0x{data[exc.start]:02x} is neither UTF-8 nor cp1252",
                    "re-save the file as UTF-8 CSV")
            return None
        line = data.count(b"\n", 0, exc.start) + 1
        f.encoding = "cp1252"
        f.warn(line, "", "ENC-CP1252", f"not UTF-8 (byte 0x{data[exc.start]:02x}); read as Windows-1252",
               "nothing to do; re-save as UTF-8 to silence this")
    if text.startswith("\ufeff"):
        text = text[1:]
        if f.encoding == "utf-8":
            f.encoding = "utf-8-sig"
    return text


def read_csv(path: Path, name: str, sha256: str, data: bytes) -> CsvFile:
    f = CsvFile(path=path, name=name, sha256=sha256)
    text = decode(data, f)
    if text is None:
        return f
    if not text.strip():
        f.error(1, "", "EMPTY-FILE", "file is empty", "download the file again from the publisher")
        return f
    reader = csv.reader(io.StringIO(text, newline=""), **DIALECT)
    try:
        header = next(reader)
    except csv.Error as exc:
        f.error(1, "", "CSV-SYNTAX", f"header cannot be read: {exc}", "check the first line of the file")
        return f
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        sep = "semicolon" if ";" in header[0] else "tab"
        f.error(1, "", "DELIMITER", f"columns are separated by {sep}s, not commas",
                "re-save the file as comma-separated CSV")
        return f
    f.header = [h.strip() for h in header]
    seen: dict[str, int] = {}
    for i, col in enumerate(f.header):
        if col != header[i]:
            f.warn(1, col, "HEADER-SPACE", f"column name {header[i]!r} has surrounding spaces; trimmed")
        if not col:
            # A trailing empty column is tolerated only when every cell under it is empty (checked below).
            continue
        if col in seen:
            f.error(1, col, "DUP-COLUMN", f"column {col!r} appears more than once (columns {seen[col] + 1} "
                    f"and {i + 1})", "remove or rename the repeated column")
        seen[col] = i
    width = len(header)
    prev_end = 1
    try:
        for row in reader:
            start = prev_end + 1
            prev_end = reader.line_num
            if not row or (len(row) == 1 and row[0] == ""):
                continue  # a blank line carries no observation
            if len(row) != width:
                f.error(start, "", "RAGGED-ROW", f"row has {len(row)} fields, the header has {width}",
                        "check for an unquoted comma or a missing field on that line")
                continue
            f.rows.append(row)
            f.lines.append(start)
    except csv.Error as exc:
        msg = str(exc)
        if "EOF" in msg or "end of data" in msg or "unexpected end" in msg:
            f.error(prev_end + 1, "", "UNTERMINATED-QUOTE", "a quoted field is never closed",
                    "add the closing double quote on that line")
        else:
            f.error(prev_end + 1, "", "CSV-SYNTAX", msg, "check the quoting on that line")
        f.rows.clear()
        f.lines.clear()
    return f
