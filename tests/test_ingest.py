from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carestats.core.errors import DataError
from carestats.core.periods import end_year_of_text as period_end_year
from carestats.ingest.workbooks import RowKeys, cell_keys, has_header
from carestats.pipeline.inputs import read_inputs, table_name

# the columns of the 2025 cla_number_and_rate_per_10k_children file, by which it is recognised
HEADER = ("time_period,time_identifier,geographic_level,country_code,country_name,population_type,children_count,"
          "population_estimate,rate_per_10000\n")


def write(path: Path, text: str) -> Path:
    """Write a file; the rows of a HEADER file get its last two cells (population estimate, rate)."""
    if text.startswith(HEADER):
        text = HEADER + "".join(row + ",100,1\n" for row in text[len(HEADER):].splitlines())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_table_names_drop_the_year_range() -> None:
    assert table_name(Path("b1_children_in_need_2013_to_2025.csv")) == "b1_children_in_need"
    assert table_name(Path("cla_time_series_1994_2024.csv")) == "cla_time_series"
    assert table_name(Path("ons_mid-year_population_estimates_2012_to_2024.csv")) == "ons_mid_year_population_estimates"


def test_period_end_year() -> None:
    assert period_end_year("2025") == 2025
    assert period_end_year("202425") == 2025
    assert period_end_year("199900") == 2000
    assert period_end_year("202426") is None


def test_files_are_recognised_by_header_wherever_they_are(tmp_path: Path) -> None:
    write(tmp_path / "deep" / "er" / "cla_number_and_rate_per_10k_children.csv",
          HEADER + "2025,Reporting year,National,E92000001,England,Children looked after on 31 March each year,81770\n")
    write(tmp_path / "notes.csv", "name,value\nx,1\n")
    write(tmp_path / "readme.txt", "hello")
    res = read_inputs(tmp_path)
    by_name = {f.name: f for f in res.files}
    loaded = by_name["deep/er/cla_number_and_rate_per_10k_children.csv"]
    assert (loaded.status, loaded.release, loaded.rows) == ("loaded", "cla-2025", 1)
    assert by_name["notes.csv"].status == "unused" and "EES" in by_name["notes.csv"].reason
    assert by_name["readme.txt"].status == "unused"
    assert res.tables["cla_number_and_rate_per_10k_children"][0].num_rows == 1


def test_every_row_is_accounted_for(tmp_path: Path) -> None:
    body = "".join(f"{2020 + i % 5},Reporting year,National,E92000001,England,x{i},{i}\n" for i in range(500))
    write(tmp_path / "cla_number_and_rate_per_10k_children.csv", HEADER + body)
    res = read_inputs(tmp_path)
    assert res.files[0].rows == 500 == res.tables["cla_number_and_rate_per_10k_children"][0].num_rows


def test_identical_copies_are_listed_as_duplicates(tmp_path: Path) -> None:
    text = HEADER + "2025,Reporting year,National,E92000001,England,x,1\n"
    write(tmp_path / "a" / "cla_number_and_rate_per_10k_children.csv", text)
    write(tmp_path / "b" / "cla_number_and_rate_per_10k_children.csv", text)
    statuses = sorted(f.status for f in read_inputs(tmp_path).files)
    assert statuses == ["duplicate", "loaded"]


def test_two_different_copies_of_one_release_are_an_error(tmp_path: Path) -> None:
    write(tmp_path / "a" / "cla_number_and_rate_per_10k_children.csv", HEADER + "2025,Reporting year,National,E92000001,England,x,1\n")
    write(tmp_path / "b" / "cla_number_and_rate_per_10k_children.csv", HEADER + "2025,Reporting year,National,E92000001,England,x,2\n")
    res = read_inputs(tmp_path)
    [err] = res.errors  # a located finding on the second copy, naming the first
    assert (err.path, err.line, err.rule) == ("b/cla_number_and_rate_per_10k_children.csv", 1, "RELEASE-TWICE")
    assert "both the cla-2025 release" in err.message and "a/cla_number_and_rate_per_10k_children.csv" in err.message


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        read_inputs(tmp_path / "nope")


words = st.sampled_from(["Local", "authority", "LOCAL", "Authority", "code", "Straße", "STRASSE", "ﬁle", "file", "",
                         " ", "\n", "\u00a0", "x"])
cells = st.lists(words, max_size=4).map("".join) | st.none() | st.integers(0, 9)


@settings(max_examples=300, deadline=None)
@given(st.lists(cells, max_size=8), st.lists(st.lists(words, min_size=1, max_size=3).map(" ".join), min_size=1,
                                             max_size=3).map(tuple))
def test_a_workbook_row_is_ruled_out_as_a_header_only_when_it_is_not_one(row: list, header: tuple) -> None:
    """The cheap test on a row's text never rules out a row that holds every header name."""
    assert RowKeys([tuple(row)]).has_header(0, header) == has_header(cell_keys(tuple(row)), header)
