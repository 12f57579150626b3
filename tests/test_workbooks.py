"""The workbook reader: small ODS/XLSX-shaped workbooks made here with openpyxl, then the real published files."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from carestats.core.errors import DataError
from carestats.indicators import compute
from carestats.indicators.registry import load_indicators
from carestats.ingest import workbooks
from carestats.pipeline.build import load_raw
from carestats.pipeline.inputs import IngestResult, InputFile, read_inputs
from carestats.warehouse import db as warehouse
from carestats.warehouse import staging as stage

ILACS_HEADER = ["Web link", "Local authority area code", "Local authority name", "Ofsted region", "Inspection date",
                "Publication date", "Overall effectiveness",
                "The impact of leaders on social work practice with children and families"]


def xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    """A workbook with one sheet per entry; None leaves a cell empty, so blank rows stay blank."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for r, row in enumerate(rows, 1):
            for c, value in enumerate(row, 1):
                if value is not None:
                    sheet.cell(r, c, value)
    book.save(path)
    return path


def ilacs_2025(rows: list[list]) -> dict[str, list[list]]:
    return {
        "Cover": [["Local authority inspection outcomes"]],
        "Inspections_as_at_31_March": [
            [None],
            ["Local authority inspection judgements as at 31 March 2025"],
            ["This worksheet contains one table with no blank rows or columns."],
            ILACS_HEADER,
            *rows,
        ],
    }


def ro3(codes_at_top: bool, note: str = "Data are reported in £ thousand.") -> dict[str, list[list]]:
    """An RO3-shaped sheet: titles, a row of variable codes, the authorities, then a second table of totals."""
    ids = ["E-code", "ONS Code", "Local authority", "Class"]
    codes = [None, None, None, None, "RO3-csclkd-tot-exp", "RO3-csctot-tot-exp"]
    title = ["Worksheet 2: Revenue Outturn (RO) 2024-25: Social Care and Public Health (RO3) data"]
    # the 2023-24 layout prints the measure under a group row, so two columns share the name "Total Expenditure"
    header = [*ids, "Total Expenditure\n (C3 = C1 + C2)", "Total Expenditure\n (C3 = C1 + C2)"]
    body = [
        ["E4305", "E08000015", "Wirral", "MD", 90210, "[x]"],
        ["Eng", "E92000001", "ENGLAND", "Eng", 8917040.25, 16878876.5],
        [*ids, "Total Expenditure (C3 = C1 + C2)", "Total Expenditure (C3 = C1 + C2)"],
        ["[Y]", "E06", "Unitary Authorities", "UA", 86765.5, 1000],
    ]
    rows = [title, [note]] + ([codes] if codes_at_top else []) + [header, *body] + ([] if codes_at_top else [codes])
    return {"Front_Page": [["General Fund Revenue Account Outturn"]], "RO3_LA_Data_202425": rows}


def read_one(path: Path) -> tuple[InputFile, IngestResult]:
    res = read_inputs(path.parent)
    return next(f for f in res.files if f.name == path.name), res


def test_a_recognised_workbook_loads_every_row_with_its_spreadsheet_row_number(tmp_path: Path) -> None:
    rows = [["link", "E09000002", "Barking and Dagenham", "London", dt.datetime(2023, 7, 10), None,
             "Requires improvement to be good", "Good"],
            ["link", "E06000014", "York", "North East", dt.datetime(2025, 2, 24), None, "Outstanding", "Outstanding"]]
    path = xlsx(tmp_path / "any_name.xlsx", ilacs_2025(rows))
    info, res = read_one(path)
    assert (info.status, info.kind, info.release, info.vintage, info.rows) == ("loaded", "workbook", "ofsted-2025",
                                                                                 2025, 2)
    assert "Inspections_as_at_31_March: 2 rows → raw.ofsted_ilacs_judgements" in info.reason
    assert "not read: Cover" in info.reason
    table = res.tables["ofsted_ilacs_judgements"][0].to_pylist()
    # row 1 is blank, the title and note are rows 2-3, the header row 4: the data are rows 5 and 6
    assert [r["_line"] for r in table] == [5, 6]
    assert table[1]["Local authority name"] == "York" and table[1]["Overall effectiveness"] == "Outstanding"
    assert table[0]["Publication date"] is None  # an empty cell stays empty, never ""
    assert {r["_file"] for r in table} == {"any_name.xlsx"} and table[0]["_sheet"] == "Inspections_as_at_31_March"
    assert table[0]["_vintage"] == 2025 and table[0]["_release"] == "ofsted-2025"
    assert not res.findings


def test_stacked_tables_are_split_on_blank_rows_and_each_keeps_its_header(tmp_path: Path) -> None:
    header = ["Date", "Data type", "All Children's Homes", "Children's Homes"]
    sheet = [
        ["Children's social care data in England 2023 - National number of providers and places as at 31 March"],
        ["This worksheet contains two tables."],
        ["Table 6a: National number of children's social care providers as at 31 March 2023"],
        header,
        [dt.datetime(2023, 3, 31), "Providers", 3119, 3050],
        ["31-Mar-15 [Note 3]", "Providers", 2074, 1974],
        [None],
        ["Table 6b: National number of children's social care places as at 31 March 2023"],
        header,
        [dt.datetime(2023, 3, 31), "Places", 13528, 11857],
    ]
    path = xlsx(tmp_path / "csc.xlsx", {"Providers+places_Time_series": sheet})
    info, res = read_one(path)
    assert (info.status, info.release, info.rows) == ("loaded", "ofsted-csc-2023", 3)
    rows = res.tables["ofsted_csc_providers_places_series"][0].to_pylist()
    assert [(r["_line"], r["Data type"], r["Children's Homes"]) for r in rows] == [
        (5, "Providers", "3050"), (6, "Providers", "1974"), (10, "Places", "11857")]
    assert rows[1]["Date"] == "31-Mar-15 [Note 3]" and rows[0]["Date"].startswith("2023-03-31")
    assert not res.findings


@pytest.mark.parametrize("codes_at_top", [True, False], ids=["codes-above-header", "codes-below-tables"])
def test_columns_are_named_by_the_row_of_variable_codes(tmp_path: Path, codes_at_top: bool) -> None:
    path = xlsx(tmp_path / "outturn.xlsx", ro3(codes_at_top))
    info, res = read_one(path)
    assert (info.status, info.release, info.vintage, info.rows) == ("loaded", "mhclg-2025", 2025, 3)
    rows = res.tables["mhclg_ro3"][0].to_pylist()
    assert [r["ONS Code"] for r in rows] == ["E08000015", "E92000001", "E06"]  # the totals table is loaded too
    assert rows[0]["RO3-csclkd-tot-exp"] == "90210" and rows[0]["RO3-csctot-tot-exp"] == "[x]"
    assert rows[1]["RO3-csclkd-tot-exp"] == "8917040.25"
    assert not [c for c in rows[0] if c.startswith("Total Expenditure")]
    assert not res.findings


def test_a_workbook_without_its_units_note_is_not_loaded(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "outturn.xlsx", ro3(True, note="Data are reported in £ million."))
    info, res = read_one(path)
    assert info.status == "invalid" and "mhclg_ro3" not in res.tables
    [finding] = res.errors
    assert finding.rule == "WORKBOOK-NOTE" and finding.path == "outturn.xlsx[RO3_LA_Data_202425]"
    assert "thousand" in finding.message


def test_a_sheet_without_its_year_is_an_error_naming_the_spec(tmp_path: Path) -> None:
    sheets = ilacs_2025([["link", "E06000014", "York", "North East", None, None, "Good", "Good"]])
    sheets["Inspections_as_at_31_March"][1] = ["Local authority inspection judgements"]
    info, res = read_one(xlsx(tmp_path / "ilacs.xlsx", sheets))
    assert info.status == "invalid"
    assert [f.rule for f in res.errors] == ["WORKBOOK-VINTAGE"] and res.errors[0].line == 4


def test_rows_outside_a_table_and_rows_without_the_key_are_reported(tmp_path: Path) -> None:
    sheets = ilacs_2025([["link", "E06000014", "York", "North East", None, None, "Good", "Good"],
                         ["Source: Ofsted"],
                         [None],
                         ["link", "E09000002", "Barking", "London", None, None, "Good", "Good"]])
    info, res = read_one(xlsx(tmp_path / "ilacs.xlsx", sheets))
    assert (info.status, info.rows) == ("loaded", 1)
    assert [(f.rule, f.line, f.severity) for f in res.findings] == [
        ("WORKBOOK-ROW", 6, "warning"), ("WORKBOOK-STRAY", 8, "warning")]


def test_a_repeated_column_name_is_an_error(tmp_path: Path) -> None:
    sheets = ilacs_2025([["link", "E06000014", "York", "North East", None, None, "Good", "Good"]])
    sheets["Inspections_as_at_31_March"][3] = [*ILACS_HEADER[:-1], "overall effectiveness"]
    info, res = read_one(xlsx(tmp_path / "ilacs.xlsx", sheets))
    assert info.status == "invalid" and [f.rule for f in res.errors] == ["WORKBOOK-HEADER"]


def test_unrecognised_and_deliberately_unused_workbooks_are_listed_with_a_reason(tmp_path: Path) -> None:
    xlsx(tmp_path / "budget.xlsx", {"Sheet1": [["Item", "Cost"], ["Paper", 3]]})
    xlsx(tmp_path / "scrape.xlsx", {"ofsted_cs_inspections_overview": [["urn", "la_code", "overall_effectiveness_grade"],
                                                                      ["80426", "370", "good"]]})
    res = read_inputs(tmp_path)
    by_name = {f.name: f for f in res.files}
    assert by_name["budget.xlsx"].status == "unused" and "(Sheet1)" in by_name["budget.xlsx"].reason
    assert by_name["scrape.xlsx"].status == "unused" and "third-party" in by_name["scrape.xlsx"].reason
    assert all(f.kind == "workbook" for f in res.files) and not res.findings and not res.tables


@pytest.mark.parametrize("content", [b"", b"not a spreadsheet", b"PK\x03\x04 truncated zip"])
def test_an_unreadable_workbook_is_a_finding_not_a_crash(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "broken.ods").write_bytes(content)
    res = read_inputs(tmp_path)
    assert res.files[0].status == "invalid" and res.files[0].reason == "cannot be read as a workbook"
    assert [f.rule for f in res.errors] == ["WORKBOOK-UNREADABLE"]


def test_a_workbook_with_a_corrupt_sheet_is_a_finding(tmp_path: Path) -> None:
    import zipfile

    good = xlsx(tmp_path / "src" / "ilacs.xlsx", ilacs_2025([["link", "E06000014", "York", "NE", None, None, "Good",
                                                               "Good"]]))
    bad = tmp_path / "in" / "ilacs.xlsx"
    bad.parent.mkdir()
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, data[: len(data) // 2] if item.filename.endswith("sheet2.xml") else data)
    res = read_inputs(bad.parent)
    assert res.files[0].status == "invalid"
    assert [f.rule for f in res.errors] == ["WORKBOOK-UNREADABLE"]


def test_copies_of_one_release(tmp_path: Path) -> None:
    rows = [["link", "E06000014", "York", "North East", None, None, "Good", "Good"]]
    xlsx(tmp_path / "a" / "ilacs.xlsx", ilacs_2025(rows))
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "ilacs.xlsx").write_bytes((tmp_path / "a" / "ilacs.xlsx").read_bytes())
    assert sorted(f.status for f in read_inputs(tmp_path).files) == ["duplicate", "loaded"]
    xlsx(tmp_path / "c" / "ilacs.xlsx", ilacs_2025([r[:6] + ["Inadequate", "Good"] for r in rows]))
    with pytest.raises(DataError, match="both hold the ofsted-2025 release of ofsted_ilacs_judgements"):
        read_inputs(tmp_path)


def test_year_patterns() -> None:
    fy = re.compile(r"\(RO\) (\d{4})-(\d{2})")
    assert workbooks.year_from(["Revenue Outturn (RO) 2024-25: RO3"], fy) == 2025
    assert workbooks.year_from(["Revenue Outturn (RO) 2024-26: RO3"], fy) is None
    assert workbooks.year_from(["title", "as at 31 March 2024"], re.compile(r"31 March (\d{4})")) == 2024


def test_the_spec_names_valid_tables_and_patterns() -> None:
    sources, unused = workbooks.load_spec()
    assert len({s.id for s in sources}) == len(sources) >= 7 and unused
    assert all(workbooks.IDENT.match(s.id) and s.header for s in sources)


def test_bad_specs_are_configuration_errors(tmp_path: Path) -> None:
    from carestats.core.errors import ConfigError

    spec = tmp_path / "workbooks.yaml"
    spec.write_text("sources:\n  - {id: x, publication: p, sheet: '(', header: [a], vintage: '(\\d{4})'}\n")
    with pytest.raises(ConfigError, match="sheet is not a valid pattern"):
        workbooks.load_spec(spec)
    spec.write_text("sources:\n  - {id: x, publication: p, sheet: s}\n")
    with pytest.raises(ConfigError, match="lacks header, vintage"):
        workbooks.load_spec(spec)


HISTORY_HEADER = ["Web link", "Local authority area code", "Local authority name", "Local authority status",
                  "Ofsted region", "Inspection date", "Publication date", "Inspection type", "Overall effectiveness"]


def test_workbooks_reach_the_indicators(tmp_path: Path) -> None:
    """End to end: two years of inspection outcomes → raw → staging → ilacs_overall_effectiveness."""
    sheets = ilacs_2025([
        ["link", "E06000010", "Kingston upon Hull", "NE", None, None, "Good", "Good"],
        ["link", "E06000063", "Cumberland", "North West", None, None, "Requires improvement to be good", "Good"]])
    sheets["ILACS_inspection_history"] = [
        ["ILACS inspection history from 2018-2025"],
        HISTORY_HEADER,
        ["link", "E10000006", "Cumbria", "No longer exists", "North West", dt.datetime(2022, 9, 20),
         dt.datetime(2022, 11, 1), "ILACS Standard Inspection", "Requires improvement to be good"],
        ["link", "E06000010", "Kingston upon Hull", "Current", "NE", dt.datetime(2024, 11, 4),
         dt.datetime(2025, 1, 6), "ILACS Short Inspection", "Good"],
    ]
    xlsx(tmp_path / "2025.xlsx", sheets)
    xlsx(tmp_path / "2024.xlsx", {"Inspections_31_March_2024": [
        ["Local authority inspection judgements as at 31 March 2024"],
        ["Web link", "Local authority name", "Ofsted region", "Inspection date", "Overall effectiveness",
         "Impact of leaders"],
        ["link", "Kingston Upon Hull", "NE", dt.datetime(2023, 1, 9), "Inadequate", "Inadequate"],
        ["link", "Cumberland", "North West", "Not yet inspected", None, None],
    ]})
    res = read_inputs(tmp_path)
    assert sorted(f.release for f in res.files) == ["ofsted-2024", "ofsted-2025"]
    con = warehouse.connect(None)
    try:
        load_raw(con, res)
        stage.build_staging(con)
        lines = con.execute("select area_name, source_file, source_sheet, source_line from "
                            "staging.stg_ofsted_ilacs_judgements order by source_file, source_line").fetchall()
        history = con.execute("select area_code, la_status, inspection_day, inspection_type, "
                              "overall_effectiveness, release, source_line from staging.stg_ofsted_ilacs_history "
                              "order by source_line").fetchall()
        ind = next(i for i in load_indicators() if i.id == "ilacs_overall_effectiveness")
        values, _ = compute.compute_all(con, [ind])
    finally:
        con.close()
    assert history == [
        ("E10000006", "No longer exists", dt.date(2022, 9, 20), "ILACS Standard Inspection",
         "Requires improvement to be good", "ofsted-2025", 3),
        ("E06000010", "Current", dt.date(2024, 11, 4), "ILACS Short Inspection", "Good", "ofsted-2025", 4)]
    assert lines[:2] == [("Kingston Upon Hull", "2024.xlsx", "Inspections_31_March_2024", 3),
                         ("Cumberland", "2024.xlsx", "Inspections_31_March_2024", 4)]
    got = {(r["time_period"], r["area_name"]): (r["area_code"], r["value"], r["status"])
           for r in values.iter_rows(named=True)}
    assert got == {(2024, "Kingston Upon Hull"): ("E06000010", 4.0, None),
                   (2024, "Cumberland"): ("E06000063", None, "z"),
                   (2025, "Kingston upon Hull"): ("E06000010", 2.0, None),
                   (2025, "Cumberland"): ("E06000063", 3.0, None)}


# ---- the real published workbooks -------------------------------------------------------------------------------

REAL = {  # file → (status, release, rows loaded)
    "ofsted/ilacs/LA_Inspection_Outcomes_as_at_31_March_2025.ods": ("loaded", "ofsted-2025", 153 + 271),
    "ofsted/ilacs/LA_Inspection_Outcomes_as_at_March_2024.ods": ("loaded", "ofsted-2024", 153),
    "ofsted/csc_in_england_2023/Childrens_social_care_in_England_2023_underlying_data.ods":
        ("loaded", "ofsted-csc-2023", 152 + 3812 + 24),
    # RO3/RSX: the authorities and England (rows 8-418 in 2024-25, 13-424 in 2023-24) and 11 class totals
    "expenditure/mhclg_revenue_outturn_2024_25/RO3_LA_Data_2024-25_data_by_LA.ods": ("loaded", "mhclg-2025", 411 + 11),
    "expenditure/mhclg_revenue_outturn_2024_25/RSX_LA_Data_2024-25_data_by_LA.ods": ("loaded", "mhclg-2025", 411 + 11),
    "expenditure/mhclg_revenue_outturn_2023_24/RO3_2023-24_data_by_LA.ods": ("loaded", "mhclg-2024", 412 + 11),
    "ofsted/ilacs_third_party_scrape/ofsted_csc_ilacs_overview.xlsx": ("unused", "", 0),
    "geography/la_code_list.xlsx": ("unused", "", 0),
    "geography/sn_april_2021.xlsx": ("unused", "", 0),
    "geography/sn_may_2025.xlsx": ("unused", "", 0),
    "population/mye23tablesew.xlsx": ("unused", "", 0),
}


@pytest.mark.slow
def test_every_real_workbook_is_loaded_or_listed_with_a_reason(raw_dir: Path) -> None:
    found = sorted(p.relative_to(raw_dir).as_posix() for p in raw_dir.rglob("*")
                   if p.suffix.lower() in workbooks.SUFFIXES)
    assert found == sorted(REAL)
    for name, (status, release, rows) in REAL.items():
        info = InputFile(name=name, sha256="", size=0, kind="other")
        res = workbooks.read_workbook((raw_dir / name).read_bytes(), info, {})
        assert (info.status, info.release, info.rows) == (status, release, rows), name
        assert info.reason and not res.findings, name
        for _, table in res.tables:
            lines = table["_line"].to_pylist()
            assert len(lines) == len(set(lines)) and min(lines) > 1


@pytest.mark.slow
def test_ilacs_judgements_match_the_workbooks(raw_dir: Path, real_values: pl.DataFrame) -> None:
    import fastexcel

    grade = {"Outstanding": 1.0, "Good": 2.0, "Requires improvement to be good": 3.0, "Inadequate": 4.0}
    sheets = {2025: ("ofsted/ilacs/LA_Inspection_Outcomes_as_at_31_March_2025.ods", "Inspections_as_at_31_March", 2),
              2024: ("ofsted/ilacs/LA_Inspection_Outcomes_as_at_March_2024.ods", "Inspections_31_March_2024", 2),
              2023: ("ofsted/csc_in_england_2023/Childrens_social_care_in_England_2023_underlying_data.ods",
                     "LA_level_at_31_Mar_2023", 3)}
    got_all = real_values.filter(pl.col("indicator_id") == "ilacs_overall_effectiveness")
    for year, (name, sheet, header) in sheets.items():
        df = fastexcel.read_excel(raw_dir / name).load_sheet(sheet, header_row=header, dtypes="string").to_polars()
        want = {r["Local authority name"].strip(): (grade.get((r["Overall effectiveness"] or "").strip()),
                                                    None if r["Overall effectiveness"] else "z")
                for r in df.iter_rows(named=True)}
        got = {r["area_name"]: (r["value"], r["status"])
               for r in got_all.filter(pl.col("time_period") == year).iter_rows(named=True)}
        assert got == want, year
    codes = got_all.filter(pl.col("time_period") == 2024)["area_code"]
    assert codes.null_count() == 0 and codes.n_unique() == 153
    assert got_all.filter(pl.col("status") == "z")["area_name"].sort().to_list() == [
        "Cumberland", "Westmorland and Furness"]


@pytest.mark.slow
def test_childrens_homes_add_up_to_ofsteds_england_figures(real_values: pl.DataFrame) -> None:
    for ind, england_2023 in (("childrens_homes_count", 3050), ("childrens_homes_places", 11857)):
        rows = real_values.filter((pl.col("indicator_id") == ind) & (pl.col("time_period") == 2023))
        eng = rows.filter(pl.col("geographic_level") == "National")
        las = rows.filter(pl.col("geographic_level") == "Local authority")
        assert eng["value"].to_list() == [england_2023]
        assert las["value"].sum() == england_2023 and las.height == 152 and las["status"].null_count() == 152
    series = real_values.filter((pl.col("indicator_id") == "childrens_homes_count")
                                & (pl.col("geographic_level") == "National")).sort("time_period")
    assert series["time_period"].to_list() == list(range(2012, 2024))
    assert series["value"].to_list() == [1984, 1950, 1953, 1974, 1972, 2050, 2124, 2221, 2378, 2624, 2798, 3050]
    places = real_values.filter((pl.col("indicator_id") == "childrens_homes_places")
                                & (pl.col("geographic_level") == "National")).sort("time_period")
    assert places["value"].to_list()[:2] == [9282, 9174] and places.height == 12


@pytest.mark.slow
def test_spending_matches_the_revenue_outturn(raw_dir: Path, real_values: pl.DataFrame, real_build: Path) -> None:
    import fastexcel

    want: dict[tuple[int, str], tuple[float | None, str | None]] = {}
    for name, period in (("expenditure/mhclg_revenue_outturn_2024_25/RO3_LA_Data_2024-25_data_by_LA.ods", 202425),
                         ("expenditure/mhclg_revenue_outturn_2023_24/RO3_2023-24_data_by_LA.ods", 202324)):
        book = fastexcel.read_excel(raw_dir / name)
        sheet = next(s for s in book.sheet_names if s.startswith("RO3_LA_Data"))
        rows = list(book.load_sheet(sheet, header_row=None, skip_rows=0, dtypes="string").to_polars().iter_rows())
        codes = next(r for r in rows if "RO3-csclkd-tot-exp" in r)
        col = codes.index("RO3-csclkd-tot-exp")
        ons, cls = rows[[i for i, r in enumerate(rows) if "ONS Code" in r][0]].index("ONS Code"), 4
        for r in rows:
            if r[cls] in ("UA", "MD", "LB", "SC", "Eng") and re.fullmatch(r"E\d{8}", r[ons] or ""):
                cell = r[col].strip()
                want[(period, r[ons])] = (None, "x") if cell == "[x]" else (float(cell), None)
    spend = real_values.filter(pl.col("indicator_id") == "cla_spend_total")
    got = {(r["time_period"], r["area_code"]): (r["value"], r["status"]) for r in spend.iter_rows(named=True)}
    assert got == want and len(want) == 2 * 154
    assert got[(202425, "E92000001")] == (8917040.346139999, None)

    share = real_values.filter((pl.col("indicator_id") == "cla_spend_share_pct") & (pl.col("area_code") == "E92000001")
                               & (pl.col("time_period") == 202425))
    assert share["value"][0] == pytest.approx(100 * 8917040.346139999 / 16878876.029169999)
    per_child = real_values.filter((pl.col("indicator_id") == "cla_spend_per_child")
                                   & (pl.col("area_code") == "E92000001")).sort("time_period")
    assert per_child["denominator"].to_list() == [83530, 81770]  # the 2025 release's revised 2024 count
    assert per_child["value"][1] == pytest.approx(8917040.346139999 * 1000 / 81770)

    con = warehouse.connect(real_build / "carestats.duckdb", read_only=True)
    try:
        differ = con.execute("select count(*), count(*) filter (where r.csc_expenditure <> x.csc_expenditure) "
                             "from staging.stg_mhclg_ro3 as r join staging.stg_mhclg_rsx as x "
                             "using (time_period, area_code)").fetchone()
    finally:
        con.close()
    assert differ == (154, 0)  # RO3's children's social care total is the RSX service total


def test_the_build_starts_opening_the_workbooks_before_it_loads_the_readers(tmp_path: Path,
                                                                              monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """build.run makes the workbooks' Prefetch before the ingest starts, and the ingest uses that one."""
    from carestats.ingest import workbooks as wb
    from carestats.pipeline import build, inputs

    raw = tmp_path / "raw"
    (raw / "r").mkdir(parents=True)
    (raw / "r" / "my_counts.csv").write_text(
        "time_period,time_identifier,geographic_level,country_code,country_name,n\n"
        "2025,Reporting year,National,E92000001,England,5\n", encoding="utf-8")
    (raw / "r" / "book.xlsx").write_bytes(b"not a workbook")
    events: list[str] = []
    made: list[object] = []
    real_init, real_read = wb.Prefetch.__init__, inputs.read_inputs

    def init(self, paths, *args, **kwargs):  # type: ignore[no-untyped-def]
        paths = list(paths)
        events.append(f"prefetch {[p.name for p in paths if p.suffix == '.xlsx']}")
        made.append(self)
        real_init(self, paths, *args, **kwargs)

    def read(raw_dir, skip=None, found=None, books=None):  # type: ignore[no-untyped-def]
        events.append(f"read_inputs with {'that prefetch' if books is made[0] else books}, "
                      f"{len(found or [])} files listed")
        return real_read(raw_dir, skip, found=found, books=books)

    monkeypatch.setattr(wb.Prefetch, "__init__", init)
    monkeypatch.setattr(inputs, "read_inputs", read)
    from carestats.core.errors import CheckFailed

    with pytest.raises(CheckFailed):  # the unreadable workbook fails the checks, as when it was opened in the ingest
        build.run(build.BuildOptions(raw=raw, out=tmp_path / "out", reports=False))
    assert events == ["prefetch ['book.xlsx']", "read_inputs with that prefetch, 2 files listed"]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
