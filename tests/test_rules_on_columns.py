"""The input checks on one path: the reader tokenises, the rules run once on whole columns.

Replaces tests/test_fastpath.py (which kept a column-at-a-time screen in step with the row-by-row rules;
the screen is gone). What is pinned here instead:

- the reader reads plain bytes with Arrow and anything else with Python's csv module; on any file the two
  give the same header, cells, line numbers and findings, and so the same check results;
- the rules, written once on columns, find in a file what they find in each of its rows alone (rules on
  a cell or a row), in row order, and the rules across rows (duplicates, time families, code pairs) on
  the right lines;
- ingest loads the cells as read, with their line numbers and origin.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from carestats.check.ees_rules import check_ees
from carestats.check.geography_pairs import GeoIndex
from carestats.ingest import csvfile
from carestats.ingest.csvfile import read_csv
from carestats.pipeline import inputs as ingest
from carestats.pipeline.inputs import is_ees_header, read_inputs

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
INVALID = Path(__file__).parent / "data" / "invalid"
MEASURES = {"children_count", "children_percent", "rate_per_10k"}
GEO = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
       "region_name", "old_la_code", "new_la_code", "la_name"]
AREAS = [("National", "", "", "", "", ""), ("Regional", "E12000001", "North East", "", "", ""),
         ("Regional", "E12000007", "London", "", "", ""),
         ("Local authority", "E12000001", "North East", "805", "E06000001", "Hartlepool"),
         ("Local authority", "E12000001", "North East", "806", "E06000002", "Middlesbrough"),
         ("Local authority", "E12000007", "London", "202", "E09000007", "Camden"),
         ("Local authority", "E12000007", "London", "", "x", "x"),
         ("Local authority", "E12000001", "North East", "805", "E06000099", "Hartlepool and Elsewhere")]
PERIODS = {"Reporting year": ["2023", "2024", "2025"], "Academic year": ["202223", "202324", "202425"]}
LABELS = ["Total", "Boys", "Girls", "Aged 10 to 15", "Aged 16, 17", 'The "other" group', "Gone Abroad",
          "gone abroad", "Café"]
VALUES = ["0", "1", "12", "12.5", ".5", "100", "c", "k", "low", "x", "z"]
JUNK = ["", " ", "N/A", "#DIV/0!", "1,234", "62%", "-5", "1e3", " 7", "7 ", "101", "Total", "all", "national",
        " E92000001", "E9200001", "E06000009", "Hartlepol", "Reporting Year", "2025/26", "202426", "2025",
        "202425", "Academic year", "\u00a0x", "\u2028", "Girls", "boys", "805", "geographic_level", "E12000007", "999"]
CORRUPTIONS = ["cell", "duplicate-row", "blank-line", "lone-cr", "stray-quote", "quoted-newline", "cp1252",
               "ragged", "header-space", "no-final-newline", "empty-cells-row", "repeat-header", "nul",
               "tab-line", "unclosed-quote", "text-after-quote", "case-duplicate"]


def field(v: str) -> str:
    return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\r\n') else v


@st.composite
def ees_files(draw):  # type: ignore[no-untyped-def]
    """A clean EES file's header and rows (one time family, distinct observations, consistent codes)."""
    la_cols = draw(st.booleans())
    header = GEO[:7] + (GEO[7:] if la_cols else []) if draw(st.booleans()) or la_cols else GEO[:5]
    filters = draw(st.sampled_from([["breakdown"], ["breakdown", "age_group"], []]))
    measures = draw(st.lists(st.sampled_from(sorted(MEASURES)), min_size=1, max_size=3, unique=True))
    header = header + filters + measures
    tid = draw(st.sampled_from(sorted(PERIODS)))
    areas = AREAS if la_cols else AREAS[:3] if "region_code" in header else AREAS[:1]
    keys = draw(st.lists(st.tuples(st.sampled_from(PERIODS[tid]), st.integers(0, len(areas) - 1),
                                   *[st.sampled_from(LABELS) for _ in filters]),
                         min_size=1, max_size=30, unique_by=lambda k: (k[0], k[1], *(x.lower() for x in k[2:]))))
    # 805 is Hartlepool's old code, except in the first period where it stands for another area: clean
    keys = [k for k in keys if (k[0] == PERIODS[tid][0]) == (areas[k[1]][4] == "E06000099") or
            areas[k[1]][3] != "805"]
    assume(keys)
    rows = []
    for period, area, *labels in keys:
        level, rcode, rname, old, new, name = areas[area]
        geo = dict(zip(GEO, [period, tid, level, "E92000001", "England", rcode, rname, old, new, name]))
        rows.append([geo[c] for c in header if c in geo] + labels +
                    [draw(st.sampled_from(VALUES)) for _ in measures])
    return header, rows


def render(header: list[str], rows: list[list[str]], newline: str) -> str:
    return "".join(",".join(field(v) for v in r) + newline for r in [header, *rows])


@st.composite
def files(draw):  # type: ignore[no-untyped-def]
    """The bytes of a generated EES file, clean or with up to three corruptions."""
    header, rows = draw(ees_files())
    rows = copy.deepcopy(rows)
    kinds = draw(st.lists(st.sampled_from(CORRUPTIONS), max_size=3))
    for kind in [k for k in kinds if k in ("cell", "duplicate-row", "empty-cells-row", "repeat-header",
                                            "case-duplicate")]:
        i = draw(st.integers(0, len(rows) - 1))
        if kind == "case-duplicate":  # the same observation, a label written in another case
            rows.insert(i, [v.swapcase() if c == "breakdown" else v for c, v in zip(header, rows[i])])
        elif kind == "cell":
            rows[i][draw(st.integers(0, len(header) - 1))] = draw(st.sampled_from(JUNK))
        elif kind == "duplicate-row":
            rows.insert(i, list(rows[i]))
        else:
            rows.insert(i, [""] * len(header) if kind == "empty-cells-row" else list(header))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = render(header, rows, newline)
    lines = text.split(newline)
    for kind in kinds:
        k = draw(st.integers(1, len(lines) - 1))
        if kind == "blank-line":
            lines.insert(k, "")
        elif kind == "lone-cr":
            lines[k - 1] += "\r"
        elif kind == "stray-quote":
            pos = draw(st.integers(0, len(lines[k - 1])))
            lines[k - 1] = lines[k - 1][:pos] + '"' + lines[k - 1][pos:]
        elif kind == "quoted-newline":
            lines[k - 1] += ',"a' + newline + 'b"'
        elif kind == "ragged":
            lines[k - 1] += ","
        elif kind == "header-space":
            lines[0] = " " + lines[0]
        elif kind == "tab-line":
            lines[k - 1] = lines[k - 1].replace(",", "\t")
        elif kind == "unclosed-quote":
            lines[k - 1] += ',"open'
        elif kind == "text-after-quote":
            lines[k - 1] = lines[k - 1] + ',"q"x'
    text = newline.join(lines)
    if "no-final-newline" in kinds:
        text = text.rstrip("\r\n")
    data = text.encode("cp1252" if "cp1252" in kinds else "utf-8", errors="replace")
    if "nul" in kinds:
        data = data.replace(b",", b",\x00", 1)
    if draw(st.booleans()) and "cp1252" not in kinds:
        data = b"\xef\xbb\xbf" + data
    return data


@st.composite
def earlier(draw):  # type: ignore[no-untyped-def]
    """A GeoIndex as an earlier file may have left it: agreeing with the generated areas or not."""
    geo = GeoIndex()
    for key, name in draw(st.lists(st.sampled_from([(("la", "E06000001"), "Hartlepool"),
                                                     (("la", "E06000001"), "Hartlepol"),
                                                     (("region", "E12000007"), "London"),
                                                     (("country", "E92000001"), "England (all)"),
                                                     (("la-old", "E09000007"), "203")]), max_size=3)):
        geo.pairs.setdefault(key, (name, "earlier.csv", 7))
    return geo



def findings(f) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [(x.line, x.column, x.rule, x.message, x.hint, x.severity) for x in f.findings]


def checked(data: bytes, geo: GeoIndex, plain: bool = True):  # type: ignore[no-untyped-def]
    """The file read (by Arrow when its bytes are plain, unless `plain` is False) and checked."""
    if plain:
        f = read_csv(Path("f.csv"), "f.csv", "", data)
    else:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(csvfile, "_read_plain", lambda *a: False)
            f = read_csv(Path("f.csv"), "f.csv", "", data)
    if f.header and is_ees_header(f.header) and f.ok:
        check_ees(f, MEASURES, geo)
    return f


def assert_same_either_way(data: bytes, geo: GeoIndex) -> bool:
    """Read by Arrow (when plain) or by Python's csv module, a file gives the same cells and findings;
    True when Arrow read it."""
    with pytest.MonkeyPatch.context() as mp:
        took: list[bool] = []
        plain = csvfile._read_plain
        mp.setattr(csvfile, "_read_plain", lambda *a: took.append(plain(*a)) or took[-1])
        geo_a = copy.deepcopy(geo)
        a = checked(data, geo_a)
    geo_b = copy.deepcopy(geo)
    b = checked(data, geo_b, plain=False)
    assert (a.header, a.encoding, a.rows, a.lines, a.ends, a.first) == (b.header, b.encoding, b.rows, b.lines, b.ends,
                                                                         b.first)
    assert findings(a) == findings(b)
    assert geo_a.pairs == geo_b.pairs
    return bool(took and took[0])


@SETTINGS
@given(files(), earlier())
def test_either_tokeniser_gives_the_same_cells_and_findings(data: bytes, geo: GeoIndex) -> None:
    event("arrow" if assert_same_either_way(data, geo) else "python")


@SETTINGS
@given(ees_files(), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_a_clean_file_is_read_by_arrow_and_passes(file, newline: str, bom: bool) -> None:  # type: ignore[no-untyped-def]
    header, rows = file
    data = (b"\xef\xbb\xbf" if bom else b"") + render(header, rows, newline).encode()
    assert assert_same_either_way(data, GeoIndex())
    f = checked(data, GeoIndex())
    assert f.findings == [] and f.rows == rows and f.lines == f.ends == list(range(2, len(rows) + 2))


any_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8)


@SETTINGS
@given(st.lists(st.tuples(any_text, st.sampled_from(VALUES) | any_text), min_size=1, max_size=10,
                unique_by=lambda cell: cell[0].strip().lower()), st.sampled_from(["\n", "\r\n"]),
       st.sampled_from(["utf-8", "cp1252"]))
def test_a_file_gets_the_findings_of_its_rows_one_by_one(cells: list[tuple[str, str]], newline: str,
                                                         encoding: str) -> None:
    """Labels and values of any text (quotes, commas, line breaks, odd spaces, any case): the rules on
    whole columns find, row by row and in order, what they find in a file of that row alone."""
    header = GEO[:5] + ["breakdown", "children_count", "children_percent"]
    rows = [["2025", "Reporting year", "National", "E92000001", "England", label, value, value]
            for label, value in cells]
    data = render(header, rows, newline).encode(encoding, errors="replace")
    assert_same_either_way(data, GeoIndex())
    whole = checked(data, GeoIndex())
    assume(whole.header == header and len(whole.rows) == len(rows))  # no blank rows, nothing unreadable
    expected = []
    for i, (row, line) in enumerate(zip(whole.rows, whole.lines)):
        one = checked(render(header, [row], newline).encode("utf-8"), GeoIndex())
        expected += [(line, *x[1:]) for x in findings(one)
                     if x[2] not in ("ENC-CP1252", "NO-FINAL-NEWLINE", "EMPTY-COLUMN")]
    # DUP-OBS and EMPTY-COLUMN are rules on rows together, not on a row alone
    got = [x for x in findings(whole) if x[2] not in ("ENC-CP1252", "NO-FINAL-NEWLINE", "DUP-OBS", "EMPTY-COLUMN")]
    # a message naming lines (a value spanning lines) names them where the row is
    assert [x[:3] for x in got] == [x[:3] for x in expected]
    assert [x for x in got if x[2] != "EMBEDDED-NEWLINE"] == [x for x in expected if x[2] != "EMBEDDED-NEWLINE"]


def test_warnings_of_a_whole_file_are_given_by_either_tokeniser() -> None:
    header, rows = GEO[:5] + ["breakdown", "children_count"], [["2025", "Reporting year", "National", "E92000001",
                                                                 "England", "Café", "5"]]
    text = render(header, rows, "\n")
    assert assert_same_either_way(text.encode("cp1252"), GeoIndex())
    assert [x.rule for x in checked(text.encode("cp1252"), GeoIndex()).findings] == ["ENC-CP1252"]
    assert assert_same_either_way(text.rstrip("\n").encode(), GeoIndex())
    assert [(x.rule, x.line) for x in checked(text.rstrip("\n").encode(), GeoIndex()).findings] == \
        [("NO-FINAL-NEWLINE", 2)]


@pytest.mark.parametrize("fixture", sorted(p.name for p in INVALID.iterdir() if p.is_file()))
def test_every_invalid_fixture_gives_the_same_answer_either_way(fixture: str) -> None:
    assert_same_either_way((INVALID / fixture).read_bytes(), GeoIndex())


def test_an_old_code_for_two_areas_in_one_period_is_a_geo_pair() -> None:
    header = GEO + ["breakdown", "children_count"]
    row = ["2025", "Reporting year", "Local authority", "E92000001", "England", "E12000001", "North East"]
    rows = [[*row, "805", "E06000001", "Hartlepool", "Total", "5"], [*row, "805", "E06000099", "Other", "Total", "5"]]
    f = checked(render(header, rows, "\n").encode(), GeoIndex())
    assert [(x.rule, x.line, x.column) for x in f.findings] == [("GEO-PAIR", 3, "new_la_code")]
    rows[1][0] = "2024"  # in another period the old code may stand for another area
    assert checked(render(header, rows, "\n").encode(), GeoIndex()).findings == []


def test_labels_are_compared_lower_cased_for_duplicates() -> None:
    header = GEO[:5] + ["breakdown", "children_count"]
    row = ["2025", "Reporting year", "National", "E92000001", "England"]
    rows = [[*row, "Gone Abroad", "5"], [*row, "gone abroad", "6"], [*row, " GONE ABROAD", "7"]]
    f = checked(render(header, rows, "\n").encode(), GeoIndex())
    assert [(x.rule, x.line, x.message) for x in f.findings if x.rule == "DUP-OBS"] == [
        ("DUP-OBS", 3, "duplicate observation: same period, area and filters as line 2"),
        ("DUP-OBS", 4, "duplicate observation: same period, area and filters as line 2")]
    rows[1][0] = rows[2][0] = "2024"
    f = checked(render(header, rows, "\n").encode(), GeoIndex())
    assert [(x.rule, x.line) for x in f.findings if x.severity == "error"] == [("DUP-OBS", 4)]


def test_a_second_time_family_is_named_on_its_first_row_only() -> None:
    header = GEO[:5] + ["children_count"]
    rows = [["2025", "Reporting year", "National", "E92000001", "England", "5"],
            ["202425", "Academic year", "National", "E92000001", "England", "5"],
            ["202324", "Academic year", "National", "E92000001", "England", "5"],
            ["2024", "Calendar year", "National", "E92000001", "England", "5"]]
    f = checked(render(header, rows, "\n").encode(), GeoIndex())
    assert [(x.rule, x.line, x.message) for x in f.findings if x.rule == "TIME-ID-MIX"] == [
        ("TIME-ID-MIX", 3, "'Academic year' mixes academic and reporting periods (line 2) in one file"),
        ("TIME-ID-MIX", 5, "'Calendar year' mixes calendar and reporting periods (line 2) in one file")]


def test_findings_of_a_row_come_in_rule_order_and_caps_count_across_columns() -> None:
    """On one row: geography, then time, then values and labels in column order; LABEL-SPACE of geography
    and of filters share one cap."""
    header = GEO[:5] + ["breakdown", "children_count", "children_percent"]
    row = [" 2025", "Reporting year", "National", "E92000001", "Total", " Boys", "-5", "120"]
    f = checked(render(header, [row] + [[str(2000 + i), *row[1:5], " Girls", "1", "2"] for i in range(25)],
                       "\n").encode(), GeoIndex())
    assert [(x.line, x.rule, x.column) for x in f.findings][:6] == [
        (2, "LABEL-SPACE", "time_period"), (2, "GEO-TOTAL", "country_name"), (2, "TIME-PERIOD", "time_period"),
        (2, "NEGATIVE-COUNT", "children_count"), (2, "PERCENT-RANGE", "children_percent"),
        (2, "LABEL-SPACE", "breakdown")]
    spaces = [x for x in f.findings if x.rule == "LABEL-SPACE"]
    assert len(spaces) == 21 and spaces[-1].message == "7 more finding(s) of this rule (lines 21–27)"


def result_of(raw: Path) -> tuple:
    res = read_inputs(raw)
    tables = {k: [(t.schema, t.to_pydict()) for t in v] for k, v in res.tables.items()}
    return res.files, res.findings, tables


def test_ingest_gives_the_same_result_whichever_tokeniser_reads(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(INVALID, tmp_path / "invalid")
    header, rows = GEO + ["breakdown", "children_count"], [
        [p, "Reporting year", *AREAS[a][:1], "E92000001", "England", *AREAS[a][1:], label, "5"]
        for p in PERIODS["Reporting year"] for a in range(len(AREAS) - 1) for label in ("Total", "Boys")]
    (tmp_path / "placements.csv").write_text(render(header, rows, "\r\n"))
    renamed = [[*r[:9], "Hartlepol" if r[9] == "Hartlepool" else r[9], *r[10:]] for r in rows]
    (tmp_path / "z_later.csv").write_text(render(header, renamed, "\n"))
    calls: list[bool] = []
    plain = csvfile._read_plain
    monkeypatch.setattr(csvfile, "_read_plain", lambda *a: calls.append(r := plain(*a)) or r)
    by_arrow = result_of(tmp_path)
    assert any(calls)
    monkeypatch.setattr(csvfile, "_read_plain", lambda *a: False)
    assert result_of(tmp_path) == by_arrow
    assert any(f.rule == "GEO-PAIR" and f.path == "z_later.csv" for f in by_arrow[1])
    assert isinstance(by_arrow[2]["placements"][0][0], pa.Schema)


def test_ingest_loads_the_cells_line_numbers_and_origin(tmp_path: Path) -> None:
    header = GEO[:5] + ["breakdown", "children_count"]
    rows = [["2024", "Reporting year", "National", "E92000001", "England", "Aged 16, 17", "12"],
            ["2025", "Reporting year", "National", "E92000001", "England", "Aged 16, 17", "c"]]
    (tmp_path / "placements.csv").write_text(render(header, rows, "\n"))
    (tmp_path / "cla_other.csv").write_text(render(header, rows, "\n").replace('"Aged 16, 17"', '"Aged\n16"'))
    res = read_inputs(tmp_path)
    table = res.tables["placements"][0]  # no known publication: a table named after the file
    assert table.column("breakdown").to_pylist() == ["Aged 16, 17"] * 2
    assert table.column("_line").to_pylist() == [2, 3]
    assert table.column("_release").to_pylist() == ["ees-2025"] * 2
    assert table.column("_vintage").type == pa.int64() and table.column("_file").to_pylist()[0].endswith(".csv")
    assert ingest.table_name(Path("placements.csv")) in res.tables
    assert [(x.rule, x.line) for x in res.findings] == [("EMBEDDED-NEWLINE", 2), ("EMBEDDED-NEWLINE", 4)]
