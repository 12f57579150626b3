from __future__ import annotations

from pathlib import Path

import polars as pl
from openpyxl import load_workbook

from carestats.exports.workbook import write_xlsx
from carestats.exports.xlsx import column_letter
from carestats.exports.xlsx import write_xlsx as write_sheets
from carestats.indicators.compute import SCHEMA
from carestats.indicators.registry import load_indicators

ROWS = [
    {"indicator_id": "cla_count", "time_period": 2025, "geographic_level": "National", "area_code": "E92000001",
     "area_name": "England", "breakdown": "Total", "value": 81770.0, "status": None, "numerator": 81770.0,
     "denominator": None, "release": "cla-2025"},
    {"indicator_id": "cla_count", "time_period": 2025, "geographic_level": "Local authority",
     "area_code": "E06000001", "area_name": "=HYPERLINK(\"http://x\")<&>", "breakdown": "Total", "value": None,
     "status": "c", "numerator": None, "denominator": None, "release": "cla-2025"},
]


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


def test_xlsx_sheets_numbers_symbols_and_formula_safety(tmp_path: Path) -> None:
    target = write_xlsx(pl.DataFrame(ROWS, schema=SCHEMA), load_indicators(), tmp_path / "x.xlsx", 2025)
    wb = load_workbook(target)
    assert wb.sheetnames[0] == "About" and "Children in care" in wb.sheetnames and wb.sheetnames[-1] == "Metadata"
    ws = wb["Children in care"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    first, second = dict(zip(header, rows[1])), dict(zip(header, rows[2]))
    assert first["value"] == 81770 and isinstance(first["value"], (int, float)) and first["time_period"] == 2025 and first["time_period_label"] == "2025"
    assert second["value"] is None and second["value_symbol"] == "c" and second["status"] == "c"
    cell = ws.cell(row=3, column=header.index("area_name") + 1)
    assert cell.data_type == "s" and cell.value == "=HYPERLINK(\"http://x\")<&>"  # text, never a formula
    meta = {r[0]: r for r in wb["Metadata"].iter_rows(values_only=True)}
    assert "cla_count" in meta


def test_xlsx_is_byte_identical_for_the_same_inputs(tmp_path: Path) -> None:
    df = pl.DataFrame(ROWS, schema=SCHEMA)
    a = write_xlsx(df, load_indicators(), tmp_path / "a.xlsx", 2025).read_bytes()
    b = write_xlsx(df, load_indicators(), tmp_path / "b.xlsx", 2025).read_bytes()
    assert a == b


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    """Text starting with = + - @ (and <r>...</r>, which one library writes as raw rich-text XML) is a string."""
    texts = ["=1+1", "+44 20", "-3", "@SUM(A1:A2)", "=HYPERLINK(\"http://x\")", "<r>x</r>", " padded ", "a\x01b"]
    target = write_sheets([("Texts", pl.DataFrame({"text": texts}))], tmp_path / "t.xlsx")
    ws = load_workbook(target)["Texts"]
    cells = [ws.cell(row=r, column=1) for r in range(2, len(texts) + 2)]
    assert all(c.data_type == "s" for c in cells), [(c.value, c.data_type) for c in cells]
    assert [c.value for c in cells] == [*texts[:-1], "ab"]  # a control character is dropped, not written


def test_every_sheet_has_its_header_frozen_and_filters_on_its_columns(tmp_path: Path) -> None:
    target = write_xlsx(pl.DataFrame(ROWS, schema=SCHEMA), load_indicators(), tmp_path / "x.xlsx", 2025)
    wb = load_workbook(target)
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref == f"A1:{column_letter(ws.max_column - 1)}{ws.max_row}", ws.title
    assert wb["Children in care"].auto_filter.ref.endswith("3")  # the header and both rows


def test_workbook_values_are_rounded_to_the_indicators_decimals_half_up(tmp_path: Path) -> None:
    rows = [{**ROWS[0], "indicator_id": "cla_rate_per_10k", "value": 20.180475799835932},
            {**ROWS[0], "indicator_id": "cla_rate_per_10k", "area_code": "E12000001", "value": 70.25},
            {**ROWS[0], "indicator_id": "cla_rate_per_10k", "area_code": "E12000002", "value": 1.005}]
    decimals = {i.id: i.decimals for i in load_indicators()}["cla_rate_per_10k"]
    target = write_xlsx(pl.DataFrame(rows, schema=SCHEMA), load_indicators(), tmp_path / "x.xlsx", 2025)
    ws = load_workbook(target)["Children in care"]
    table = list(ws.iter_rows(values_only=True))
    got = [dict(zip(table[0], r))["value"] for r in table[1:]]
    expect = {0: [20.0, 70.0, 1.0], 1: [20.2, 70.3, 1.0], 2: [20.18, 70.25, 1.01]}[decimals]
    assert got == expect
    # the exact values are left to the Parquet and CSV files
    assert pl.DataFrame(rows, schema=SCHEMA)["value"][0] == 20.180475799835932


def test_every_output_names_the_period_column_time_period(tmp_path: Path) -> None:
    target = write_xlsx(pl.DataFrame(ROWS, schema=SCHEMA), load_indicators(), tmp_path / "x.xlsx", 2025)
    header = next(load_workbook(target)["Children in care"].iter_rows(values_only=True))
    assert "period" not in header and "time_period" in header and "time_period" in SCHEMA
