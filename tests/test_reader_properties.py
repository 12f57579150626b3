"""Property-based tests of the reader (hypothesis).

1. Any valid CSV (any text in the cells: commas, quotes, line breaks, spaces, non-ASCII; LF or CRLF; with
   or without BOM; UTF-8 or Windows-1252) reads back exactly: the same header, rows and line numbers.
2. Any corruption of a valid EES file yields a located finding (the right rule on the right line), never
   a crash, and never a silent drop: every published row is either read or named in a finding.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from carestats.check.ees_rules import check_ees, not_ees
from carestats.check.geography_pairs import GeoIndex
from carestats.ingest.csvfile import read_csv
from carestats.pipeline.inputs import is_ees_header

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BREAK = re.compile(r"\r\n|\r|\n")

# --- 1. valid files round-trip -----------------------------------------------------------------------------

name_text = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=";|\ufeff"),
                    min_size=1, max_size=10).map(str.strip).filter(bool)
cell_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)


@st.composite
def csv_files(draw):  # type: ignore[no-untyped-def]
    header = draw(st.lists(name_text, min_size=1, max_size=6, unique=True))
    row = st.lists(cell_text, min_size=len(header), max_size=len(header)).filter(lambda r: any(c.strip() for c in r))
    rows = draw(st.lists(row, min_size=1, max_size=15))
    terminator = draw(st.sampled_from(["\n", "\r\n"]))
    return header, rows, terminator


def field(value: str, quote_all: bool) -> str:
    """RFC 4180: quote a value holding a comma, a quote or any line break (Python's writer leaves a lone CR)."""
    if quote_all or re.search(r'[,"\r\n]', value) or value == "":
        return '"' + value.replace('"', '""') + '"'
    return value


def write(header: list[str], rows: list[list[str]], terminator: str,
          quote_all: bool = False) -> tuple[str, list[int]]:
    """The CSV text, and the line each row starts on (header = line 1, every kind of line break counted)."""
    records = [",".join(field(v, quote_all) for v in r) + terminator for r in [header, *rows]]
    lines, line = [], 1 + len(BREAK.findall(records[0]))
    for rec in records[1:]:
        lines.append(line)
        line += len(BREAK.findall(rec))
    return "".join(records), lines


def read(data: bytes):  # type: ignore[no-untyped-def]
    return read_csv(Path("f.csv"), "f.csv", "", data)


@SETTINGS
@given(csv_files(), st.booleans(), st.booleans(), st.booleans())
def test_any_valid_utf8_csv_round_trips(file, bom: bool, final_newline: bool, quote_all: bool) -> None:  # type: ignore[no-untyped-def]
    header, rows, terminator = file
    text, lines = write(header, rows, terminator, quote_all)
    if not final_newline:
        last = rows[-1][-1]
        assume(not BREAK.search(last[-1:] or "x"))  # a cell ending in a line break needs its terminator
        text = text[: -len(terminator)]
    f = read((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    assert (f.header, f.rows, f.lines) == (header, rows, lines)
    assert f.encoding == ("utf-8-sig" if bom else "utf-8")
    expected = [] if final_newline else ["NO-FINAL-NEWLINE"]
    assert [x.rule for x in f.findings] == expected


cp1252_chars = st.sampled_from(list("abcXYZ019 ,\"\n\r-.£€’–é"))


@SETTINGS
@given(st.lists(st.lists(st.text(cp1252_chars, max_size=8), min_size=3, max_size=3)
                .filter(lambda r: any(c.strip() for c in r)), min_size=1, max_size=10),
       st.sampled_from(["\n", "\r\n"]))
def test_any_windows_1252_csv_round_trips_with_a_warning(rows: list[list[str]], terminator: str) -> None:
    text, lines = write(["area", "label", "value"], rows, terminator)
    data = text.encode("cp1252")
    assume(not re.search(rb"[\xc2-\xf4][\x80-\xbf]", data))  # such pairs read as UTF-8 and are refused as mixed
    f = read(data)
    assert (f.rows, f.lines) == (rows, lines)
    if data.isascii():
        assert f.encoding == "utf-8" and f.findings == []
    else:
        assert f.encoding == "cp1252" and [x.rule for x in f.findings] == ["ENC-CP1252"]
        first = min(i for i, b in enumerate(data) if b > 127)
        assert f.findings[0].line == data.count(b"\n", 0, first) + 1


# --- 2. corrupted EES files give located findings ----------------------------------------------------------

HEADER = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
          "region_name", "old_la_code", "new_la_code", "la_name", "breakdown", "children_count"]
AREAS = [("National", "", "", "", "", ""), ("Regional", "E12000001", "North East", "", "", ""),
         ("Regional", "E12000007", "London", "", "", ""),
         ("Local authority", "E12000001", "North East", "805", "E06000001", "Hartlepool"),
         ("Local authority", "E12000007", "London", "202", "E09000007", "Camden")]
LABELS = ["Total", "Boys", "Girls", "Aged 10 to 15 years"]
MEASURES = {"children_count"}


@st.composite
def ees_files(draw):  # type: ignore[no-untyped-def]
    keys = draw(st.lists(st.tuples(st.integers(2015, 2025), st.integers(0, len(AREAS) - 1), st.sampled_from(LABELS)),
                         min_size=2, max_size=25, unique=True))
    rows = []
    for year, area, label in keys:
        level, rcode, rname, old, new, name = AREAS[area]
        value = draw(st.one_of(st.integers(0, 200_000).map(str), st.sampled_from(["c", "k", "x", "z", "u", "low"]),
                               st.decimals(0, 100, places=1).map(str)))
        rows.append([str(year), "Reporting year", level, "E92000001", "England", rcode, rname, old, new, name, label,
                     value])
    terminator = draw(st.sampled_from(["\n", "\r\n"]))
    return rows, terminator


def ees_bytes(rows: list[list[str]], terminator: str) -> bytes:
    return terminator.join(",".join(r) for r in [HEADER, *rows]).encode() + terminator.encode()


def screen(data: bytes):  # type: ignore[no-untyped-def]
    f = read(data)
    if f.header and is_ees_header(f.header):
        if f.ok:
            check_ees(f, MEASURES, GeoIndex())
    else:
        f.findings.extend(not_ees(f))
    return f


def errors(f) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    return [(x.rule, x.line) for x in f.findings if x.severity == "error"]


def line_spans(data: bytes, terminator: str) -> list[tuple[int, int]]:
    """(start, end) byte offsets of each physical line's content, excluding its terminator."""
    spans, pos, t = [], 0, terminator.encode()
    while pos < len(data):
        end = data.index(t, pos)
        spans.append((pos, end))
        pos = end + len(t)
    return spans


@SETTINGS
@given(ees_files())
def test_valid_ees_files_pass(file) -> None:  # type: ignore[no-untyped-def]
    rows, terminator = file
    f = screen(ees_bytes(rows, terminator))
    assert f.findings == [] and f.rows == rows and f.lines == list(range(2, len(rows) + 2))


CORRUPTIONS = ["nul", "drop-comma", "add-comma", "join-lines", "split-line", "bad-byte", "bad-value", "duplicate",
               "bad-level", "blank-line", "truncate", "quote", "semicolons"]


@SETTINGS
@given(ees_files(), st.sampled_from(CORRUPTIONS), st.data())
def test_any_corruption_gives_a_located_finding_and_loses_no_row(file, kind: str, data) -> None:  # type: ignore[no-untyped-def]
    rows, terminator = file
    raw = ees_bytes(rows, terminator)
    spans = line_spans(raw, terminator)
    n = len(rows)
    i = data.draw(st.integers(0, n - 1), label="row")  # the data row hit (its line is i + 2)
    start, end = spans[i + 1]
    line = i + 2
    pos = data.draw(st.integers(start, end - 1), label="offset")
    out = bytearray(raw)
    if kind == "nul":
        out[pos:pos] = b"\x00"
        assert errors(screen(bytes(out))) == [("NUL-BYTE", line)]
        return
    if kind == "drop-comma":
        commas = [k for k in range(start, end) if raw[k:k + 1] == b","]
        k = data.draw(st.sampled_from(commas), label="comma")
        del out[k]
        f = screen(bytes(out))
        assert errors(f) == [("RAGGED-ROW", line)]
        assert len(f.rows) == n - 1  # every other row read; the broken one named
        return
    if kind == "add-comma":
        out[pos:pos] = b","
        f = screen(bytes(out))
        assert errors(f) == [("RAGGED-ROW", line)] and len(f.rows) == n - 1
        return
    if kind == "join-lines":
        assume(i < n - 1)
        del out[end:end + len(terminator)]
        f = screen(bytes(out))
        assert errors(f) == [("RAGGED-ROW", line)] and len(f.rows) == n - 2
        return
    if kind == "split-line":
        assume(pos > start)
        out[pos:pos] = terminator.encode()
        f = screen(bytes(out))
        # the halves are ragged, except a half that happens to keep the full width (a cut at a comma, or
        # inside the first value); the file fails either way, and every piece is read or named
        assert errors(f) in ([("RAGGED-ROW", line), ("RAGGED-ROW", line + 1)], [("RAGGED-ROW", line + 1)],
                             [("RAGGED-ROW", line)])
        assert len(f.rows) + len(errors(f)) == n + 1
        return
    if kind == "bad-byte":
        out[pos:pos + 1] = b"\x81"  # neither UTF-8 nor Windows-1252
        assert errors(screen(bytes(out))) == [("ENC-UNKNOWN", line)]
        return
    if kind == "bad-value":
        junk = data.draw(st.sampled_from(["N/A", "#DIV/0!", '"1,234"', "62%", "", "NULL", ":", "1e3", "-5", "~"]))
        bad = [*rows[i][:-1], junk]
        f = screen(ees_bytes([*rows[:i], bad, *rows[i + 1:]], terminator))
        rule = "NEGATIVE-COUNT" if junk == "-5" else "VALUE"
        assert errors(f) == [(rule, line)]
        assert next(x for x in f.findings if x.severity == "error").column == "children_count"
        return
    if kind == "duplicate":
        f = screen(ees_bytes([*rows[:i + 1], rows[i], *rows[i + 1:]], terminator))
        assert errors(f) == [("DUP-OBS", line + 1)]
        return
    if kind == "bad-level":
        level = data.draw(st.text(max_size=20).filter(lambda t: t not in {"National", "Regional", "Local authority"}
                                                      and not re.search(r'[,"\r\n\x00]', t)))
        bad = [*rows[i][:2], level, *rows[i][3:]]
        f = screen(ees_bytes([*rows[:i], bad, *rows[i + 1:]], terminator))
        assert ("GEO-LEVEL", line) in errors(f) or ("GEO-OVERCOMPLETE", line) in errors(f) or \
            ("GEO-CODE", line) in errors(f)
        return
    if kind == "blank-line":
        out[start:start] = terminator.encode()
        f = screen(bytes(out))
        assert errors(f) == [] and f.rows == rows
        assert [(x.rule, x.line) for x in f.findings] == [("BLANK-LINE", line)]
        return
    if kind == "truncate":
        assume(pos > start)
        f = screen(bytes(out[:pos]))
        rules = [(x.rule, x.line) for x in f.findings]
        # cut inside the row: the row is ragged (an error) or, cut inside its last value, flagged as cut short
        # (findings on one line come in the order of their rules, so the cut's flag need not be the last)
        assert rules in ([("RAGGED-ROW", line)], [("NO-FINAL-NEWLINE", line)]) or \
            (("NO-FINAL-NEWLINE", line) in rules and errors(f))
        assert len(f.rows) + len(errors(f)) >= i + 1 - (1 if errors(f) else 0)
        return
    if kind == "quote":
        out[pos:pos] = b'"'
        f = screen(bytes(out))
        if not errors(f):
            # a quote inside a value is kept as a character: the same rows, one cell showing the quote
            assert len(f.rows) == n
            changed = [(a, b) for r1, r2 in zip(f.rows, rows) for a, b in zip(r1, r2) if a != b]
            assert len(changed) == 1 and changed[0][0].replace('"', "", 1) == changed[0][1]
        else:
            assert all(1 <= ln <= len(spans) + 1 for _, ln in errors(f))
            assert len(f.rows) <= n
        return
    if kind == "semicolons":
        f = screen(bytes(raw).replace(b",", b";"))
        assert errors(f) == [("DELIMITER", 1)]
        return
    raise AssertionError(kind)
