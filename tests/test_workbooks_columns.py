"""The workbook reader works on whole columns (arrow compute on each row's text, exact Python tests only on the
rows a pre-filter cannot rule out, tables cut from the sheet's columns). Its results must be those of the
straightforward row-by-row reading it replaced, kept here as the oracle (`Oracle`): the same raw tables (schema,
column order, every cell, nulls), the same findings in the same order, the same inventory entry.

Checked on workbooks with awkward shapes made here, on sheets of random tricky cells (the pre-filters against
the exact tests), and on every real reference workbook (skipped when the published files are absent).
"""

from __future__ import annotations

import os
import random
import re
import sys
from pathlib import Path

import fastexcel
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from test_workbooks import xlsx as make_workbook

from carestats.core import paths
from carestats.core.errors import Finding
from carestats.ingest import workbooks
from carestats.ingest.files import InputFile
from carestats.pipeline.inputs import read_inputs

# ---- the oracle: the reader as it was, row by row over Python tuples ---------------------------------------------

class Oracle:
    """The row-wise reader (carestats before the reader worked on columns), for comparison only."""

    @staticmethod
    def is_blank(row: tuple) -> bool:
        return all(c is None or not str(c).strip() for c in row)

    @staticmethod
    def filled(row: tuple) -> int:
        return sum(1 for c in row if c is not None and str(c).strip())

    @staticmethod
    def find_header(rows: list[tuple], header: tuple[str, ...], within: int = workbooks.HEADER_WITHIN) -> int | None:
        for i, row in enumerate(rows[:within]):
            if workbooks.has_header(workbooks.cell_keys(row), header):
                return i
        return None

    @staticmethod
    def find_codes(rows: list[tuple], pattern: re.Pattern) -> int | None:
        for i, row in enumerate(rows):
            cells = workbooks.cell_keys(row)
            hits = sum(1 for c in cells if c and pattern.match(c))
            if hits and hits * 2 >= sum(1 for c in cells if c):
                return i
        return None

    @classmethod
    def parse_sheet(cls, rows: list[tuple], source: workbooks.Source, file_name: str, sheet: str):  # type: ignore[no-untyped-def]
        start = cls.find_header(rows, source.header)
        if start is None:
            return None
        out = {"source": source, "sheet": sheet, "vintage": 0, "columns": [], "records": [], "lines": [],
               "findings": []}
        where = f"{file_name}[{sheet}]"

        def finding(line, column, rule, message, hint, severity="error"):  # type: ignore[no-untyped-def]
            out["findings"].append(Finding(where, line, column, rule, message, hint, severity))

        norm = workbooks.norm
        titles = [norm(c) for row in rows[:start] for c in row if norm(c)]
        vintage = workbooks.year_from(titles, source.vintage)
        if vintage is None:
            finding(start + 1, "", "WORKBOOK-VINTAGE", "the titles above the header do not say which year the data "
                    f"are for (looked for /{source.vintage.pattern}/)",
                    f"check the sheet, then update the vintage pattern of {source.id} in queries/workbooks.yaml")
        out["vintage"] = vintage or 0
        if source.note and not any(source.note.search(t) for t in titles):
            finding(start + 1, "", "WORKBOOK-NOTE", f"the sheet does not say /{source.note.pattern}/ above the "
                    "header; its figures may be in another unit",
                    f"check the unit in the sheet, then update the note of {source.id} in queries/workbooks.yaml")
        codes_at = cls.find_codes(rows, source.codes) if source.codes else None
        if source.codes and codes_at is None:
            finding(start + 1, "", "WORKBOOK-CODES", "no row of variable codes found in the sheet",
                    f"check the sheet, then update the codes pattern of {source.id} in queries/workbooks.yaml")
        codes = rows[codes_at] if codes_at is not None else None

        def is_header(i: int) -> bool:
            return workbooks.has_header(workbooks.cell_keys(rows[i]), source.header)

        names: list[str] = []
        for i in range(start, len(rows)):
            row = rows[i]
            if i == codes_at:
                continue
            if is_header(i):
                names = workbooks.column_names(rows[i], codes)
                end = i + 1
                while end < len(rows) and not cls.is_blank(rows[end]) and not is_header(end):
                    end += 1
                body = [r for k, r in enumerate(rows[i + 1:end], i + 1) if k != codes_at]
                seen: dict[str, int] = {}
                for j, name in enumerate(names):
                    if not name:
                        if any(j < len(r) and r[j] is not None and str(r[j]).strip() for r in body):
                            finding(i + 1, f"#{j + 1}", "WORKBOOK-HEADER",
                                    f"column {j + 1} of the table has values but no name",
                                    "check the header row of the sheet")
                        continue
                    key = name.casefold()
                    if key in seen:
                        finding(i + 1, name, "WORKBOOK-HEADER", f"column name {name!r} appears twice (columns "
                                f"{seen[key] + 1} and {j + 1})",
                                "name the columns from the row of variable codes, or fix the header")
                    seen[key] = j
                for name in names:
                    if name and name not in out["columns"]:
                        out["columns"].append(name)
                continue
            if cls.is_blank(row):
                names = []
                continue
            if not names:
                if cls.filled(row) > 1:
                    finding(i + 1, "", "WORKBOOK-STRAY", "row holds values outside any table; not loaded",
                            "check whether a table's header row is missing", "warning")
                continue
            record = {n: (None if c is None else str(c)) for n, c in zip(names, row) if n}
            if source.key and not (record.get(source.key) or "").strip():
                finding(i + 1, source.key, "WORKBOOK-ROW", f"row has no {source.key}; not loaded",
                        "check for a note or a second table without a blank row above it", "warning")
                continue
            out["records"].append(record)
            out["lines"].append(i + 1)
        return out

    @staticmethod
    def to_arrow(t: dict, file_name: str) -> pa.Table:  # type: ignore[type-arg]
        n = len(t["records"])
        if t["columns"]:
            table = pa.table({c: pa.array([r.get(c) for r in t["records"]], pa.string()) for c in t["columns"]})
        else:
            table = pa.Table.from_pylist(t["records"], schema=pa.schema([]))
        release = f"{t['source'].publication}-{t['vintage']}"
        lineage = {"_release": pa.array([release] * n, pa.string()),
                   "_vintage": pa.array([t["vintage"]] * n, pa.int32()),
                   "_file": pa.array([file_name] * n, pa.string()), "_line": pa.array(t["lines"], pa.int32()),
                   "_sheet": pa.array([t["sheet"]] * n, pa.string())}
        for name, column in lineage.items():
            table = table.append_column(name, column)
        return table

    @classmethod
    def read_workbook(cls, data: bytes, info: InputFile) -> workbooks.WorkbookRead:
        """read_workbook as it was (no quarantine, no second copies: the comparisons read one file at a time)."""
        result = workbooks.WorkbookRead()
        info.kind = "workbook"
        sources, unused = workbooks.load_spec()
        book = fastexcel.read_excel(data)
        sheets = list(book.sheet_names)

        def read_sheet(sheet: str) -> list[tuple]:
            frame = book.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string").to_polars()
            return list(frame.iter_rows())

        cache: dict[str, list[tuple]] = {}
        found = []
        for sheet in sheets:
            for source in sources:
                if not source.sheet.search(sheet):
                    continue
                rows = cache[sheet] if sheet in cache else cache.setdefault(sheet, read_sheet(sheet))
                table = cls.parse_sheet(rows, source, info.name, sheet)
                if table is not None:
                    found.append(table)
                    break
        if not found:
            for rule in unused:
                for sheet in sheets:
                    if rule.sheet is not None and not rule.sheet.search(sheet):
                        continue
                    if rule.header and cls.find_header(read_sheet(sheet), rule.header) is None:
                        continue
                    info.reason = f"workbook not used: {rule.reason}"
                    return result
            info.reason = f"workbook: no source in queries/workbooks.yaml recognises its sheets ({', '.join(sheets)})"
            return result
        findings = [f for t in found for f in t["findings"]]
        result.findings.extend(findings)
        if any(f.severity == "error" for f in findings):
            info.status, info.reason = "invalid", "failed the input checks"
            return result
        for t in found:
            result.tables.append((t["source"].id, cls.to_arrow(t, info.name)))
        releases = {f"{t['source'].publication}-{t['vintage']}" for t in found}
        info.status, info.table = "loaded", found[0]["source"].id
        info.release, info.vintage = ", ".join(sorted(releases)), max(t["vintage"] for t in found)
        info.rows = sum(len(t["records"]) for t in found)
        info.reason = "; ".join(f"sheet {t['sheet']}: {len(t['records'])} rows → raw.{t['source'].id}" for t in found)
        skipped = [s for s in sheets if s not in {t["sheet"] for t in found}]
        if skipped:
            info.reason += f" (not read: {', '.join(skipped)})"
        return result


def assert_same_reading(name: str, data: bytes) -> workbooks.WorkbookRead:
    """The reader and the oracle give the same tables, findings and inventory entry for one workbook."""
    new_info, old_info = (InputFile(name=name, sha256="", size=0, kind="other") for _ in range(2))
    new = workbooks.read_workbook(data, new_info, {})
    old = Oracle.read_workbook(data, old_info)
    assert new_info == old_info, name
    assert new.findings == old.findings, name
    assert [t for t, _ in new.tables] == [t for t, _ in old.tables], name
    for (table, got), (_, want) in zip(new.tables, old.tables):
        assert got.schema.equals(want.schema, check_metadata=True), (name, table)
        assert got.equals(want), (name, table)
        assert got.to_pylist() == want.to_pylist(), (name, table)  # every cell, None and "" kept apart
    return new


def xlsx(path: Path, sheets: dict[str, list[list]]) -> bytes:
    return make_workbook(path, sheets).read_bytes()


# ---- awkward sheet shapes ------------------------------------------------------------------------------------------

SERIES = "Providers+places_Time_series"
SERIES_TITLE = ["National number of providers and places as at 31 March 2023"]


def series_header(*extra: str) -> list[str]:
    return ["Date", "Data type", *extra]


def read_xlsx(tmp_path: Path, sheets: dict[str, list[list]]) -> tuple[InputFile, workbooks.WorkbookRead]:
    data = xlsx(tmp_path / "book.xlsx", sheets)
    read = assert_same_reading("book.xlsx", data)
    info = InputFile(name="book.xlsx", sha256="", size=0, kind="other")
    workbooks.read_workbook(data, info, {})
    return info, read


def rows_of(read: workbooks.WorkbookRead, table: str) -> list[dict]:
    [t] = [t for name, t in read.tables if name == table]
    return t.to_pylist()


def test_blank_rows_end_a_table_and_what_follows_without_a_header_is_not_loaded(tmp_path: Path) -> None:
    info, read = read_xlsx(tmp_path, {SERIES: [
        SERIES_TITLE, series_header("Homes"),
        ["31-Mar-23", "Providers", 3050],
        [None, "   ", None],  # whitespace only: blank
        ["31-Mar-22", "Providers", 2798],  # after the blank row, no header: a stray row, not loaded
        ["Source: Ofsted"],  # a single cell: a note, said nothing of
        [None], [None],
    ]})
    assert [(r["_line"], r["Date"], r["Homes"]) for r in rows_of(read, "ofsted_csc_providers_places_series")] == [
        (3, "31-Mar-23", "3050")]
    assert [(f.rule, f.line, f.severity) for f in read.findings] == [("WORKBOOK-STRAY", 5, "warning")]
    assert info.rows == 1


def test_a_second_header_block_brings_its_own_columns(tmp_path: Path) -> None:
    _, read = read_xlsx(tmp_path, {SERIES: [
        SERIES_TITLE, series_header("Homes", "Places"),
        ["31-Mar-23", "Providers", 3050, None],
        [None],
        ["Table 6b"],
        # the second table names its columns in another order, drops one and adds one
        ["Places", "Data type", "Date", None, "Secure"],
        [11857, "Places", "31-Mar-23", None, 230],
        [11800, "Places", "31-Mar-22", None, None],
    ]})
    rows = rows_of(read, "ofsted_csc_providers_places_series")
    assert list(rows[0]) == ["Date", "Data type", "Homes", "Places", "Secure", "_release", "_vintage", "_file",
                             "_line", "_sheet"]
    assert [(r["_line"], r["Date"], r["Homes"], r["Places"], r["Secure"]) for r in rows] == [
        (3, "31-Mar-23", "3050", None, None), (7, "31-Mar-23", None, "11857", "230"),
        (8, "31-Mar-22", None, "11800", None)]
    assert not read.findings


def test_a_header_row_right_below_a_table_starts_the_next_table(tmp_path: Path) -> None:
    _, read = read_xlsx(tmp_path, {SERIES: [
        SERIES_TITLE, series_header("Homes"), ["31-Mar-23", "Providers", 3050],
        series_header("Places"), ["31-Mar-23", "Places", 11857]]})
    assert [(r["_line"], r["Homes"], r["Places"]) for r in rows_of(read, "ofsted_csc_providers_places_series")] == [
        (3, "3050", None), (5, None, "11857")]


def test_stray_rows_and_rows_without_the_key(tmp_path: Path) -> None:
    _, read = read_xlsx(tmp_path, {SERIES: [
        SERIES_TITLE, ["stray", "before the header", "is a title"],  # above the header: titles, never stray
        series_header("Homes"),
        ["31-Mar-23", "Providers", 3050],
        [" ", "Providers", 3000],  # whitespace in the key: not loaded
        [None],
        ["a", "b"],  # outside any table, two cells: stray
        ["c"],  # one cell: a title
    ]})
    assert [r["_line"] for r in rows_of(read, "ofsted_csc_providers_places_series")] == [4]
    assert [(f.rule, f.line, f.column) for f in read.findings] == [("WORKBOOK-ROW", 5, "Date"),
                                                                  ("WORKBOOK-STRAY", 7, "")]


def test_a_header_cell_with_line_breaks_and_spaces_names_its_column_collapsed(tmp_path: Path) -> None:
    _, read = read_xlsx(tmp_path, {SERIES: [
        SERIES_TITLE, ["  Date ", "Data\ntype", "All children's\n  homes\t(C1)"],
        ["31-Mar-23", "Providers", 3119]]})
    [row] = rows_of(read, "ofsted_csc_providers_places_series")
    assert row["Data type"] == "Providers" and row["All children's homes (C1)"] == "3119"


def test_a_column_with_values_but_no_name_and_a_repeated_name_are_errors(tmp_path: Path) -> None:
    info, read = read_xlsx(tmp_path, {SERIES: [
        SERIES_TITLE, ["Date", "Data type", None, "HOMES", "homes"],
        ["31-Mar-23", "Providers", "x", 1, 2]]})
    assert info.status == "invalid" and not read.tables
    assert [(f.rule, f.column) for f in read.findings] == [("WORKBOOK-HEADER", "#3"), ("WORKBOOK-HEADER", "homes")]


RO3_TITLE = ["Revenue Outturn (RO) 2024-25: Social Care (RO3) data"]
RO3_NOTE = ["Data are reported in £ thousand."]


def test_the_codes_row_absent_is_an_error(tmp_path: Path) -> None:
    info, read = read_xlsx(tmp_path, {"RO3_LA_Data_202425": [
        RO3_TITLE, RO3_NOTE, ["E-code", "ONS Code", "Total"], ["E4305", "E08000015", 90210],
        ["RO3-csctot-tot-exp", "not a code", "nor this"]]})  # one code in three cells: not the codes row
    assert info.status == "invalid"
    assert [(f.rule, f.line) for f in read.findings] == [("WORKBOOK-CODES", 3)]


@pytest.mark.parametrize("codes", [
    [None, None, "RO3-csclkd-tot-exp", "ro3-CSCTOT-tot-exp"],  # codes are matched case-insensitively
    [None, None, " RO3-csclkd-tot-exp ", "RO3-csctot-tot-exp\n"],  # trimmed
    [None, None, "RO3-csclkd-tot-exp", "RO3-csctot-\ntot-exp"],  # a line break inside: not a code, half are
    [None, None, "RO3-csclkd-tot-exp", "RO3-\u212a"],  # a Kelvin sign, case-folded to k: a code
    [None, None, "RO3-csclkd-tot-exp", "RO3–csctot–tot–exp"],  # en dashes: not a code; one code in two cells
], ids=["case", "spaces", "line-break", "kelvin", "dashes"])
def test_the_codes_row_is_found_wherever_its_cells_need_normalising(tmp_path: Path, codes: list) -> None:
    info, read = read_xlsx(tmp_path, {"RO3_LA_Data_202425": [
        RO3_TITLE, RO3_NOTE, ["E-code", "ONS Code", "Total", "All"],
        ["E4305", "E08000015", 90210, 1], [None], codes]})
    assert info.status == "loaded"
    [row] = rows_of(read, "mhclg_ro3")
    assert row["ONS Code"] == "E08000015" and row["_line"] == 4
    assert row[workbooks.norm(codes[2])] == "90210"


def test_header_cells_are_matched_by_case_folding_beyond_ascii(tmp_path: Path) -> None:
    """"DATE" in a row of non-ASCII text, and a header name whose case folding is not its lower case."""
    sources = workbooks.Source(id="t", publication="p", sheet=re.compile("s"), header=("Straße", "Date"),
                               vintage=re.compile(r"(\d{4})"))
    sheet = workbooks.Sheet(pa.RecordBatch.from_pydict({
        "a": ["Title 2023", "STRASSE", "straße", "Strasse", "ＳＴＲＡＳＳＥ"],
        "b": [None, "DATE", "date\u00a0", "Dates", "DATE"]}))
    assert sheet.header_rows(sources.header) == [1, 2]


# ---- the pre-filters against the exact tests, on random tricky cells ---------------------------------------------

TRICKY = [None, None, "", " ", "\n", "x", "12.5", "[x]", "E-code", "e-CODE", "ONS Code", "ons  code", "ONS\nCode",
          "\u00a0ONS Code", "ONS\u2003Code", "Local authority", "RO3-csclkd-tot-exp", " RO3-abc ", "ro3-ABC",
          "RO3-a\nbc", "RO3-a bc", "RO3–abc", "ＲＯ3-abc", "RO3-\u212abc", "RO3-abc\x1c", "\x1cRO3-abc", "Straße",
          "STRASSE", "\u212a", "k", "£ thousand", "code\tcode", "a\x85b", "ons", "code", "RO3-", "RO3-abc-"]


@pytest.mark.parametrize("seed", range(6))
def test_the_pre_filters_keep_every_row_the_exact_tests_accept(seed: int) -> None:
    rng = random.Random(seed)
    width, height = rng.randint(1, 6), 300
    columns = {f"c{j}": [rng.choice(TRICKY) for _ in range(height)] for j in range(width)}
    sheet = workbooks.Sheet(pa.RecordBatch.from_pydict(columns, schema=pa.schema(
        [pa.field(c, pa.string()) for c in columns])))
    rows = list(zip(*columns.values()))
    for header in [("E-code", "ONS Code"), ("ons code",), ("Straße",), ("k",), ("RO3-abc",), ("",)]:
        want = [i for i, r in enumerate(rows) if workbooks.has_header(workbooks.cell_keys(r), header)]
        assert sheet.header_rows(header) == want, header
    for pattern in [r"^RO3-[a-z0-9-]+$", r"^ro3-", r"k$", r"^\w+ \w+$", r"^(?=RO3)", r"^code\scode$", r"^\S+$"]:
        compiled = re.compile(pattern, re.IGNORECASE)
        want_codes = Oracle.find_codes(rows, compiled)
        assert sheet.codes_row(compiled) == want_codes, pattern
    assert sheet.blank == [Oracle.is_blank(r) for r in rows]
    assert [sheet.count(i) for i in range(height)] == [Oracle.filled(r) for r in rows]
    for j in range(width):
        assert sheet.filled_in(j) == [c is not None and bool(c.strip()) for c in columns[f"c{j}"]]


def test_python_whitespace_as_an_arrow_pattern() -> None:
    """SPACE is exactly what Python's str.split and str.strip take for whitespace, and arrow's RE2 reads
    NONSPACE as every other character."""
    every = [chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i <= 0xDFFF]
    assert set(workbooks.SPACE) == {c for c in every if c.isspace()}
    found = pc.match_substring_regex(pa.array(every, pa.string()), workbooks.NONSPACE).to_pylist()
    assert [c for c, other in zip(every, found) if other == c.isspace()] == []


@pytest.mark.filterwarnings("ignore::FutureWarning")  # Python reads [[ and && literally, for now
def test_codes_patterns_outside_the_shared_syntax_are_left_to_python() -> None:
    plain = workbooks._re2_codes
    assert plain(re.compile(r"^RO3-[a-z0-9-]+$", re.IGNORECASE)) == r"^RO3-[a-z0-9-]+$"
    for pattern in [r"^(?=RO3)", r"RO3\Z", r"\<RO3", r"[[:alpha:]]", r"[a-z&&[^e]]", r"[+--]", r"(?i)x", r"(a)\1",
                    "£"]:
        assert plain(re.compile(pattern, re.IGNORECASE)) is None, pattern
    for source in workbooks.load_spec()[0]:
        assert source.codes is None or plain(source.codes) is not None, source.id
    # in the shared syntax, but beyond what RE2 compiles (a repeat over 1,000): Python decides its rows
    assert workbooks._PLAIN.fullmatch(r"^x{2000}") and "repetition" in (workbooks._re2_refusal(r"^x{2000}") or "")
    assert workbooks._re2_refusal(r"^E\d{8}$") is None
    assert plain(re.compile(r"^x{2000}", re.IGNORECASE)) is None


def test_the_first_rows_of_a_sheet_are_its_rows_read_whole(tmp_path: Path) -> None:
    """The unused rules look for a header in a sheet's first rows, loaded alone."""
    sheets = {"A": [[None], *[[f"r{i}", i] for i in range(60)]], "B": [["x"]]}
    book = fastexcel.read_excel(xlsx(tmp_path / "b.xlsx", sheets))
    for name in sheets:
        top = workbooks.load_sheet(book, name, workbooks.HEADER_WITHIN)
        whole = workbooks.load_sheet(book, name)
        assert top.cells.equals(whole.cells.slice(0, workbooks.HEADER_WITHIN))


# ---- every real reference workbook ---------------------------------------------------------------------------------

def _raw() -> Path:
    env = os.environ.get("CARESTATS_TEST_RAW")
    return Path(env).resolve() if env else paths.default_raw()


@pytest.mark.slow
@pytest.mark.skipif(not _raw().is_dir(), reason="the published release files are absent; set CARESTATS_TEST_RAW")
def test_every_real_workbook_reads_as_the_row_by_row_reader_read_it() -> None:
    raw = _raw()
    found = sorted(p for p in raw.rglob("*") if p.is_file() and p.suffix.lower() in workbooks.SUFFIXES)
    assert found
    loaded = 0
    for path in found:
        read = assert_same_reading(path.relative_to(raw).as_posix(), path.read_bytes())
        loaded += sum(t.num_rows for _, t in read.tables)
    assert loaded > 5000


def test_the_build_reads_workbooks_as_the_oracle_does(tmp_path: Path) -> None:
    """Through read_inputs (the build's path, with the workbook opened ahead on a thread)."""
    (tmp_path / "in").mkdir()
    xlsx(tmp_path / "in" / "series.xlsx", {SERIES: [
        SERIES_TITLE, series_header("Homes"), ["31-Mar-23", "Providers", 3050], [None], ["a", "b"]]})
    res = read_inputs(tmp_path / "in")
    want = Oracle.read_workbook((tmp_path / "in" / "series.xlsx").read_bytes(),
                                InputFile(name="series.xlsx", sha256="", size=0, kind="other"))
    [table] = res.tables["ofsted_csc_providers_places_series"]
    assert table.equals(want.tables[0][1]) and res.findings == want.findings
