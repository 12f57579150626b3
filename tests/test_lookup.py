"""Choosing an area as an analyst names it: `report --area` and `carestats areas`."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from carestats.cli.commands import app
from carestats.core.errors import DataError
from carestats.pipeline.lookup import ENGLAND, Area, area_list, resolve

AREAS = [
    Area("E06000014", "York", "Yorkshire and The Humber", "816", True, ""),
    Area("E06000065", "North Yorkshire", "Yorkshire and The Humber", "815", True, ""),
    Area("E10000023", "North Yorkshire", "Yorkshire and The Humber", "815", False, "2023-03-31"),
    Area("E10000016", "Kent", "South East", "886", True, ""),
    Area("E06000046", "Isle of Wight", "South East", "921", True, ""),
    Area("E09000012", "Hackney", "London", "204", True, ""),
    Area("E09000014", "Haringey", "London", "211", True, ""),
]


@pytest.mark.parametrize(("wanted", "code"), [
    ("E10000016", "E10000016"), ("e10000016", "E10000016"), (" Kent ", "E10000016"), ("KENT", "E10000016"),
    ("isle of wight", "E06000046"), ("wight", "E06000046"), ("york", "E06000014"),
    ("north yorkshire", "E06000065"), ("england", ENGLAND), ("England", ENGLAND), ("E92000001", ENGLAND),
    ("E10000023", "E10000023"),
])
def test_an_area_by_code_or_unique_name_in_any_case(wanted: str, code: str) -> None:
    assert resolve(wanted, AREAS) == code


def test_an_ambiguous_name_lists_the_candidates() -> None:
    with pytest.raises(DataError) as err:
        resolve("ha", AREAS)
    assert "E09000012 Hackney" in str(err.value) and "E09000014 Haringey" in str(err.value)


@pytest.mark.parametrize("wanted", ["Narnia", "E99999999", ""])
def test_an_unknown_area_says_where_the_codes_are_listed(wanted: str) -> None:
    with pytest.raises(DataError) as err:
        resolve(wanted, AREAS)
    assert "carestats areas" in str(err.value) or "empty" in str(err.value)


@pytest.fixture()
def small_build(tmp_path: Path) -> Path:
    from carestats.warehouse import db

    con = db.connect(tmp_path / db.WAREHOUSE_NAME)
    con.execute("""create table areas as select * from (values
        ('E92000001', 'England', 'National', null, null, null::date),
        ('E12000006', 'South East', 'Regional', null, null, null::date),
        ('E10000016', 'Kent', 'Local authority', 'E12000006', '886', null::date),
        ('E06000061 / E06000062', 'North / West Northamptonshire', 'Local authority', null, null, null::date),
        ('E10000021', 'Northamptonshire', 'Local authority', 'E12000006', '928', date '2021-03-31'))
        as t(code, name, level, region_code, old_la_code, valid_to)""")
    con.close()
    return tmp_path


def test_area_list_reads_the_councils_of_a_build(small_build: Path) -> None:
    got = area_list(small_build)
    assert [(a.code, a.region, a.current) for a in got] == [("E10000016", "South East", True),
                                                            ("E10000021", "South East", False)]


def test_areas_command_lists_codes_names_and_regions(small_build: Path) -> None:
    res = CliRunner().invoke(app, ["areas", "--out", str(small_build)])
    assert res.exit_code == 0, res.output
    assert res.output.splitlines() == ["E10000016\tKent\tSouth East\t886",
                                       "E10000021\tNorthamptonshire\tSouth East\t928\tended 2021-03-31"]
    res = CliRunner().invoke(app, ["areas", "kent", "--out", str(small_build)])
    assert res.output.splitlines() == ["E10000016\tKent\tSouth East\t886"]


def test_report_without_a_build_says_to_build_first(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["report", "--area", "kent", "--out", str(tmp_path)])
    assert isinstance(res.exception, DataError) and "run `carestats build`" in str(res.exception)
