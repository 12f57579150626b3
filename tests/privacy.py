"""The output scanner: is any child's identifier in a file a build wrote?

`scan_outputs(out_dir, identifiers)` walks every file under a build folder except the warehouse (`*.duckdb`
and its write-ahead log), reads each one the way a person or a program would (CSV, text, logs, HTML with its
entities decoded, JSON with its escapes decoded, Parquet values and metadata, XLSX cell values and the XML
inside the zip, PDF page text and metadata, and anything else as bytes; zip files are opened and their
members read the same way) and reports every child ID, date of birth (as DD/MM/YYYY or YYYY-MM-DD), UPN or
full postcode of `identifiers` that it finds, with the file and where in it.

    ids = identifiers_from_returns(returns_dir)
    leaks = scan_outputs(tmp_path / "build", ids)
    assert not leaks, "\\n".join(map(str, leaks))
    assert not scan_text(result.stderr, ids, "stderr")

Besides the listed identifiers it reports anything shaped like a UPN (a check letter and 12 more
characters) or a full postcode (outward and inward code): outputs have no reason to hold either. A child ID
is matched as a whole token (not inside a longer number or word), so choose test IDs that no figure can
equal (a short number such as 7 would match a count of 7). Dates are matched only for the listed dates of birth: outputs hold other dates.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("child_id", "dob", "upn", "postcode")
SHEET_DATA = re.compile(r"<sheetData\b.*?</sheetData>", re.DOTALL)
WAREHOUSE = (".duckdb", ".duckdb.wal", ".wal")
# A UPN: a check letter (A-Z without I, O, S), then 11 digits, then a digit or a letter (temporary UPNs)
UPN_SHAPE = re.compile(r"(?<![A-Za-z0-9])[A-HJ-NP-RT-Z]\d{11}[0-9A-HJ-NP-RT-Z](?![A-Za-z0-9])")
# A full postcode: outward code, optional space, inward code (digit and two letters)
POSTCODE_SHAPE = re.compile(r"(?<![A-Za-z0-9])([A-Z]{1,2}\d[A-Z\d]?) ?(\d[ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])")


@dataclass
class Identifiers:
    child_ids: set[str] = field(default_factory=set)
    dobs: set[dt.date] = field(default_factory=set)
    upns: set[str] = field(default_factory=set)
    postcodes: set[str] = field(default_factory=set)  # full postcodes, any spacing or case


@dataclass(frozen=True)
class Leak:
    file: str  # relative to the scanned folder; a zip member as archive.zip!member
    where: str  # line N, page N, sheet NAME, metadata, …
    kind: str  # child_id, dob, upn or postcode
    found: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.kind} {self.found!r}"


def identifiers_from_returns(folder: Path) -> Identifiers:
    """Every CHILD, DOB (and MC_DOB), UPN and full HOME_POST/PL_POST in the SSDA903 returns under `folder`:
    the CSV tables and the XML return (elements of those names)."""
    ids = Identifiers()
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as f:
                for row in csv.DictReader(f):
                    for col, value in row.items():
                        if col is not None:
                            _collect(ids, col, value)
        elif path.suffix.lower() == ".xml":
            import xml.etree.ElementTree as ET  # the test's own returns: trusted input

            for _, element in ET.iterparse(path):
                _collect(ids, element.tag.rsplit("}", 1)[-1], element.text)
    return ids


def _collect(ids: Identifiers, column: str, value: str | None) -> None:
    value = (value or "").strip()
    column = column.strip().upper()
    if not value:
        return
    if column == "CHILD":
        ids.child_ids.add(value)
    elif column in ("DOB", "MC_DOB"):
        for form in ("%d/%m/%Y", "%Y-%m-%d"):  # the CSV tables' form, the XML return's form
            try:
                ids.dobs.add(dt.datetime.strptime(value, form).date())
            except ValueError:
                pass  # an unreadable date cannot be written out as that date either
    elif column == "UPN" and not re.fullmatch(r"UN\d", value.upper()):  # UN1..UN7: the reason there is none
        ids.upns.add(value)
    elif column in ("HOME_POST", "PL_POST") and POSTCODE_SHAPE.fullmatch(value.upper()):
        ids.postcodes.add(value)


def _as_identifiers(identifiers: Identifiers | Mapping[str, Iterable]) -> Identifiers:
    if isinstance(identifiers, Identifiers):
        return identifiers
    unknown = set(identifiers) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown identifier kinds {sorted(unknown)}: use {', '.join(KINDS)}")
    return Identifiers({str(v) for v in identifiers.get("child_id", ())},
                       {v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))
                        for v in identifiers.get("dob", ())},
                       {str(v) for v in identifiers.get("upn", ())},
                       {str(v) for v in identifiers.get("postcode", ())})


class _Matcher:
    def __init__(self, ids: Identifiers) -> None:
        self.patterns: list[tuple[str, re.Pattern[str]]] = []

        def token(values: Iterable[str]) -> str:
            return "|".join(sorted((re.escape(v) for v in values), key=lambda v: (-len(v), v)))

        if ids.child_ids:
            self.patterns.append(("child_id", re.compile(rf"(?<![A-Za-z0-9])(?:{token(ids.child_ids)})(?![A-Za-z0-9])")))
        if ids.dobs:
            forms = {f for d in ids.dobs for f in (d.strftime("%d/%m/%Y"), d.isoformat())}
            self.patterns.append(("dob", re.compile(rf"(?<!\d)(?:{token(forms)})(?!\d)")))
        if ids.upns:
            self.patterns.append(("upn", re.compile(rf"(?<![A-Za-z0-9])(?:{token(ids.upns)})(?![A-Za-z0-9])",
                                                    re.IGNORECASE)))
        if ids.postcodes:
            spaced = {re.sub(r"\s+", "", p).upper() for p in ids.postcodes}
            alts = "|".join(sorted(re.escape(p[:-3]) + r"\s*" + re.escape(p[-3:]) for p in spaced))
            self.patterns.append(("postcode", re.compile(rf"(?<![A-Za-z0-9])(?:{alts})(?![A-Za-z0-9])",
                                                         re.IGNORECASE)))
        self.patterns.append(("upn", UPN_SHAPE))
        self.patterns.append(("postcode", POSTCODE_SHAPE))

    def find(self, text: str) -> Iterator[tuple[str, str, int]]:
        """(kind, text found, line number within `text`) of each match."""
        seen: set[tuple[int, int]] = set()
        for kind, pattern in self.patterns:
            for m in pattern.finditer(text):
                if m.span() not in seen:
                    seen.add(m.span())
                    yield kind, m.group(0), text.count("\n", 0, m.start()) + 1


def scan_outputs(out_dir: Path, identifiers: Identifiers | Mapping[str, Iterable]) -> list[Leak]:
    """Every identifier found in the files under `out_dir` (the warehouse excepted), in file order."""
    matcher = _Matcher(_as_identifiers(identifiers))
    leaks: list[Leak] = []
    for path in sorted(p for p in Path(out_dir).rglob("*") if p.is_file()):
        if path.name.endswith(WAREHOUSE):
            continue
        name = path.relative_to(out_dir).as_posix()
        for where, text in _texts(path.name, path.read_bytes()):
            leaks.extend(Leak(name, f"{where}line {n}", kind, found) for kind, found, n in matcher.find(text))
    return leaks


def scan_text(text: str, identifiers: Identifiers | Mapping[str, Iterable], name: str = "output") -> list[Leak]:
    """The same search in text a command printed (its output, its one-line errors, a log record)."""
    matcher = _Matcher(_as_identifiers(identifiers))
    return [Leak(name, f"line {n}", kind, found) for kind, found, n in matcher.find(text)]


def _decode(data: bytes) -> str:
    for bom, enc in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _texts(name: str, data: bytes) -> Iterator[tuple[str, str]]:
    """(where, text) pieces of one file, decoded by what the file is."""
    lower = name.lower()
    if lower.endswith((".xlsx", ".xlsm")):
        yield from _xlsx(data)
    elif data.startswith(b"%PDF"):
        yield from _pdf(data)
    elif lower.endswith(".parquet") or data[:4] == b"PAR1":
        yield from _parquet(data)
    elif zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for member in sorted(z.namelist()):
                for where, text in _texts(member, z.read(member)):
                    yield f"{member}: {where}", text
    else:
        text = _decode(data)
        yield "", text
        if lower.endswith((".html", ".htm", ".xml", ".svg")):
            yield "text, ", html.unescape(re.sub(r"<[^>]+>", " ", text))
        if lower.endswith(".json"):
            try:
                yield "values, ", "\n".join(_json_strings(json.loads(text)))
            except ValueError:
                pass


def _json_strings(doc: object) -> Iterator[str]:
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield str(k)
            yield from _json_strings(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _json_strings(v)
    else:
        yield str(doc)


def _xlsx(data: bytes) -> Iterator[tuple[str, str]]:
    # the XML parts as they are (shared strings, sheet names, properties, comments, headers and footers) …
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for member in sorted(z.namelist()):
            text = _decode(z.read(member))
            if member.startswith("xl/worksheets/"):
                text = SHEET_DATA.sub("", text)  # the cells: read below, as values
            yield f"{member} ", html.unescape(text)
    # … and each cell's value as Excel shows it (a date cell is a number in the XML); calamine, through
    # fastexcel, reads them many times faster than openpyxl
    import fastexcel

    book = fastexcel.read_excel(data)
    for name in book.sheet_names:
        sheet = book.load_sheet(name, header_row=None, dtypes="string").to_polars()
        rows = ("\t".join(v for v in row if v is not None) for row in sheet.iter_rows())
        yield f"sheet {name} row/", "\n".join(rows)


def _pdf(data: bytes) -> Iterator[tuple[str, str]]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    yield "metadata ", "\n".join(f"{key} {value}" for key, value in (reader.metadata or {}).items())
    for n, page in enumerate(reader.pages, 1):
        text = page.extract_text() or ""
        yield f"page {n} ", text
        yield f"page {n} joined, ", re.sub(r"\s+", " ", text)  # an identifier broken over two lines


def _parquet(data: bytes) -> Iterator[tuple[str, str]]:
    import polars as pl
    import pyarrow.parquet as pq

    meta = pq.read_schema(io.BytesIO(data)).metadata or {}
    yield "metadata ", "\n".join(f"{k.decode(errors='replace')} {v.decode(errors='replace')}"
                                  for k, v in meta.items())
    frame = pl.read_parquet(io.BytesIO(data))
    yield "column names ", "\n".join(frame.columns)
    for col in frame.columns:  # each value as text (a date as YYYY-MM-DD), one row a line
        series = frame.get_column(col)
        try:
            text = series.cast(pl.String).fill_null("").str.join("\n").item()
        except pl.exceptions.PolarsError:  # a list or struct column: its values as JSON (dates as YYYY-MM-DD)
            text = "\n".join(json.dumps(v, default=str, ensure_ascii=False) for v in series.to_list())
        yield f"column {col} row/", text
