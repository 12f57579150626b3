"""The fast path of ingest and check: prove an EES data file clean with whole-column work, or give up.

Why: the reader (csvread.py) and the screener rules (check.py) visit every row in Python, which costs far
more than reading the bytes. Most published files are clean, and for a clean file nothing needs locating.
So this module parses the bytes with Arrow's CSV reader and runs each rule once per *distinct* value (or
distinct area, or distinct period) rather than once per row, reusing check.py's own rule code, so the
rules cannot drift apart.

The fast path never reports a finding of its own. Whenever a rule could fire, or the bytes hold anything
the two readers might treat differently (quotes that are not plain quoted fields, line breaks in values,
lone carriage returns, blank lines, odd headers), `screen` returns None and the caller takes the slow path,
which gives the exact located findings. Its pre-checks may therefore be stricter than the rules (a false
alarm only costs time) but never looser. The only findings it can return are the two that describe a whole
file and that the slow reader would give the same way: ENC-CP1252 and NO-FINAL-NEWLINE warnings.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from carestats.ingest import neighbours
from carestats.check.rules import GEO_COLUMNS, PAIR_WORDS, PERCENT_HINT, REQUIRED, SYMBOLS, GeoIndex, _Checker
from carestats.ingest.csvfile import DIALECT, CsvFile, decode, sniff_type

BOM = b"\xef\xbb\xbf"
# Measure values the rules pass whatever the column (no sign, no spaces, ASCII digits): no need to look again.
PLAIN_NUMBER = r"^([0-9]+(\.[0-9]*)?|\.[0-9]+)$"
# Empty, or starting or ending with a separator or control character: a superset of what Python's strip()
# removes (its whitespace is all in Unicode categories Z and Cc), so other labels pass the label rules.
MAYBE_UNTRIMMED = r"^$|^[\pZ\pC]|[\pZ\pC]$"
TIME_COLUMNS = ("time_period", "time_identifier")
DUP_GEO = ("time_period", "time_identifier", "geographic_level", "country_code", "region_code", "old_la_code",
           "new_la_code")


class Dirty(Exception):
    """Something the fast path cannot vouch for: the caller reads the file the slow way."""


def screen(path: Path, name: str, sha256: str, data: bytes, measures: set[str],
           geo: GeoIndex) -> tuple[CsvFile, pa.Table] | None:
    """A clean EES data file's CsvFile (header, encoding, file-level warnings; no rows) and its cells.

    None when the file is not an EES data file or anything in it may give a finding: then nothing was
    changed (the GeoIndex included) and the slow path must read it. On success the file's geography
    pairs are added to `geo`, as check_ees does for a passing file.
    """
    f = CsvFile(path=path, name=name, sha256=sha256)
    try:
        body, ends_with_newline = _body(data, f)
        header = _header(body)
        cells = _parse(body, header)
        local = _rules(f, header, cells, measures, geo)
    except Dirty:
        return None
    geo.commit(local)
    f.header = header
    if not ends_with_newline:
        f.warn(cells.num_rows + 1, "", "NO-FINAL-NEWLINE", "the file does not end with a line break",
               "check that the last row is complete (the file may have been cut short)")
    return f, cells


def _body(data: bytes, f: CsvFile) -> tuple[bytes, bool]:
    """The file as UTF-8 bytes without a BOM, if its bytes are plain enough for both readers to agree."""
    if not sniff_type(data, f):
        raise Dirty
    text = decode(data, f)
    if text is None or not text or text.isspace():
        raise Dirty
    if f.encoding == "cp1252":
        body = text.encode("utf-8")
    else:
        body = data[len(BOM):] if data.startswith(BOM) else data
    returns = body.count(b"\r")
    if returns and returns != body.count(b"\r\n"):
        raise Dirty  # a lone carriage return
    if body.startswith((b"\n", b"\r")):
        raise Dirty  # a blank line above the header
    # A blank line further down reads as a row of empty cells, which the geographic level rule rejects.
    _plain_quotes(body)
    return body, body.endswith(b"\n")


def _plain_quotes(body: bytes) -> None:
    """Every double quote belongs to a whole quoted field on one line (so no value spans lines, and no
    stray quote is read differently by the two readers). Quotes are rare: walk from one to the next."""
    pos = body.find(b'"')
    while pos >= 0:
        if pos and body[pos - 1] not in b",\n":
            raise Dirty  # a quote inside an unquoted value
        end = _closing_quote(body, pos)
        if end < len(body) and body[end] not in b",\r\n":
            raise Dirty  # text after the closing quote
        pos = body.find(b'"', end)


def _closing_quote(body: bytes, start: int) -> int:
    """The offset just after the quote closing the field opened at `start` (doubled quotes are text)."""
    pos = start + 1
    while True:
        close = body.find(b'"', pos)
        if close < 0 or body.find(b"\n", start, close) >= 0 or body.find(b"\r", start, close) >= 0:
            raise Dirty  # never closed, or closed on a later line
        if body[close + 1:close + 2] != b'"':
            return close + 1
        pos = close + 2


def _header(body: bytes) -> list[str]:
    """The column names, if they are distinct, trimmed, non-empty and name an EES data file."""
    end = body.find(b"\n")
    first = (body if end < 0 else body[:end]).rstrip(b"\r").decode("utf-8")
    try:
        header = next(csv.reader([first], **DIALECT))
    except (csv.Error, StopIteration):
        raise Dirty from None
    if len(header) < 2 or len(set(header)) != len(header) or any(not h or h != h.strip() for h in header):
        raise Dirty
    if not all(c in header for c in REQUIRED) or neighbours.is_neighbour_file(header):
        raise Dirty
    return header


def _parse(body: bytes, header: list[str]) -> pa.Table:
    """Every cell as text, one row per line after the header (the pre-checks make that exact)."""
    names = [f"c{i}" for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=len(body) + 1,
                                           use_threads=False),
            parse_options=pacsv.ParseOptions(delimiter=",", quote_char='"', double_quote=True, escape_char=False,
                                             newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, null_values=[],
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        raise Dirty from None
    lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    if table.num_rows == 0 or table.num_rows != lines - 1:
        raise Dirty
    return table.rename_columns(header).combine_chunks()


def _rules(f: CsvFile, header: list[str], cells: pa.Table, measures: set[str],
           geo: GeoIndex) -> dict[tuple[str, str], tuple[str, str, int]]:
    """Run check.py's rules on the distinct values; the file's new geography pairs if none fires."""
    scratch = CsvFile(path=f.path, name=f.name, sha256=f.sha256, header=header)
    checker = _Checker(scratch, measures, geo)
    if not checker.columns():
        raise Dirty
    _time_and_area_rules(checker, cells)
    _old_codes(cells)
    for col in checker.measures:
        for v in _unusual_values(col, cells[col]):
            checker.value(col, v, 0)
    keys = {c: cells[c] for c in header if c in DUP_GEO}
    for col in checker.filters:
        keys[f"filter:{col}"] = _labels(checker, col, cells[col])
    if scratch.findings or checker.counts:
        raise Dirty
    if pa.table(keys).group_by(list(keys), use_threads=False).aggregate([]).num_rows != cells.num_rows:
        raise Dirty  # a duplicate observation
    return {k: v for k, v in checker.local.items() if k[0] in PAIR_WORDS}


def _time_and_area_rules(checker: _Checker, cells: pa.Table) -> None:
    """The row rules on time and geography, once per distinct period and once per distinct area.

    A file has a few periods and a few hundred areas, against thousands of rows. The old-code-per-period
    rule, which needs both, is left to _old_codes.
    """
    header = checker.f.header
    index = {c: i for i, c in enumerate(header)}
    families: dict[str, int] = {}
    for line, values in _distinct(cells, [c for c in header if c in TIME_COLUMNS]):
        row = _row(len(header), index, values)
        checker.geo_labels(row, line)
        checker.time(row, line, families)
    for line, values in _distinct(cells, [c for c in header if c in GEO_COLUMNS and c not in TIME_COLUMNS]):
        checker.area(_row(len(header), index, values), line)


def _labels(checker: _Checker, col: str, column: pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """Run the label rules on each distinct label that may need them; the column as DUP-OBS compares it.

    DUP-OBS compares labels lower-cased by Python: the column itself when that tells no two labels apart
    that were different, else its lower-cased copy. Cells here are trimmed, or the label rules fire.
    """
    encoded = pc.dictionary_encode(column.combine_chunks())
    labels = encoded.dictionary
    for v in labels.filter(pc.match_substring_regex(labels, MAYBE_UNTRIMMED)).to_pylist():
        checker.label(col, v, 0)
    lowered = _lower(labels)
    if len(pc.unique(lowered)) == len(labels):
        return column
    return pc.take(lowered, encoded.indices)


def _lower(labels: pa.Array) -> pa.Array:
    """Python's str.lower of each label: Arrow's for ASCII ones (the same there), Python's for the rest."""
    lowered = pc.ascii_lower(labels)
    other = pc.invert(pc.string_is_ascii(labels))
    if not pc.any(other).as_py():
        return lowered
    return pc.replace_with_mask(lowered, other, pa.array([v.lower() for v in labels.filter(other).to_pylist()],
                                                         pa.string()))


def _row(width: int, index: dict[str, int], values: dict[str, str]) -> list[str]:
    """A row as the checker sees it, with only the given cells filled in."""
    row = [""] * width
    for col, v in values.items():
        row[index[col]] = v
    return row


def _distinct(cells: pa.Table, cols: list[str]) -> list[tuple[int, dict[str, str]]]:
    """Each distinct combination of `cols` with the line it first appears on, in order of appearance.

    Rules that keep state across rows (first line of a code, first time family) then see the same first
    lines as when they run row by row.
    """
    if not cols:
        return []
    numbered = cells.select(cols).append_column("_i", row_numbers(cells.num_rows))
    groups = numbered.group_by(cols, use_threads=False).aggregate([("_i", "min")]).sort_by("_i_min")
    firsts = groups["_i_min"].to_pylist()
    columns = {c: groups[c].to_pylist() for c in cols}
    return [(first + 2, {c: columns[c][k] for c in cols}) for k, first in enumerate(firsts)]


_NUMBERS = pa.array([], pa.int64())


def row_numbers(n: int, start: int = 0) -> pa.Array:
    """start, start + 1, … (n of them), sliced from one array kept between files: building a fresh one
    from a Python range costs more than the screening it serves."""
    global _NUMBERS
    if len(_NUMBERS) < n:
        _NUMBERS = pa.array(range(max(n, 2 * len(_NUMBERS))), pa.int64())
    numbers = _NUMBERS.slice(0, n)
    return pc.add(numbers, start) if start else numbers


def _old_codes(cells: pa.Table) -> None:
    """Within one period an old LA code stands for one new code (the rule of check.py's period_pair).

    Cells here have no surrounding spaces: the label rules for geography columns have passed.
    """
    if "old_la_code" not in cells.column_names or "new_la_code" not in cells.column_names:
        return
    period = cells["time_period"]
    old, new = cells["old_la_code"], cells["new_la_code"]
    keep = pc.and_(pc.and_(pc.not_equal(old, ""), pc.not_equal(new, "")), pc.not_equal(old, "x"))
    pairs = pa.table({"p": period, "o": old, "n": new}).filter(keep)
    distinct = pairs.group_by(["p", "o", "n"], use_threads=False).aggregate([])
    if distinct.group_by(["p", "o"], use_threads=False).aggregate([]).num_rows != distinct.num_rows:
        raise Dirty


def _unusual_values(col: str, column: pa.ChunkedArray) -> list[str]:
    """The distinct values of a measure column that are not a symbol or an unsigned plain number.

    Those two kinds pass the value rules in any column except a percentage one (0–100), so the rules need
    only see the rest; for a percentage column they see every distinct value.
    """
    distinct = pc.unique(column)
    if PERCENT_HINT.search(col) and "change" not in col.lower():
        return distinct.to_pylist()
    usual = pc.or_(pc.is_in(distinct, value_set=pa.array(sorted(SYMBOLS))),
                   pc.match_substring_regex(distinct, PLAIN_NUMBER))
    return distinct.filter(pc.invert(usual)).to_pylist()
