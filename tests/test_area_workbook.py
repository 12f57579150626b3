"""`carestats export --area`: one council beside each of its neighbours, its region and England (LAIT's
layout), with symbols kept as symbols and figures rounded as the reports round them."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from carestats.cli.commands import app


@pytest.fixture()
def small_build(tmp_path: Path) -> Path:
    from carestats.warehouse import db

    con = db.connect(tmp_path / db.WAREHOUSE_NAME)
    con.execute("""
        create table areas as select * from (values
            ('E10000016', 'Kent', 'Local authority', 'E12000008', '886', null::date),
            ('E10000012', 'Essex', 'Local authority', 'E12000006', '881', null::date),
            ('E10000011', 'East Sussex', 'Local authority', 'E12000008', '845', null::date))
            as t(code, name, level, region_code, old_la_code, valid_to);
        create schema ref;
        create table ref.statistical_neighbours as select * from (values
            ('2021', 2021, 'E10000016', 1, 'E10000011', 'East Sussex'),
            ('2025', 2025, 'E10000016', 1, 'E10000012', 'Essex'),
            ('2025', 2025, 'E10000016', 2, 'E10000011', 'East Sussex'))
            as t(sn_set, set_year, area_code, neighbour_rank, neighbour_code, neighbour_name);
        create table indicator_values as select * from (values
            ('cla_rate_per_10k', 2025, 'Total', 'E10000016', 53.04::double, null),
            ('cla_rate_per_10k', 2025, 'Total', 'E10000012', 40.25, null),
            ('cla_rate_per_10k', 2025, 'Total', 'E10000011', null, 'c'),
            ('cla_rate_per_10k', 2024, 'Total', 'E10000016', 56.0, null),
            ('cla_rate_per_10k', 2024, 'Total', 'E10000012', 41.0, null))
            as t(indicator_id, time_period, breakdown, area_code, value, status);
        create table comparisons as select * from (values
            ('cla_rate_per_10k', 2025, 'Total', 'E10000016', 'rate per 10,000', 'none', 53.04, null, 'E12000008',
             55.0, 67.0, 12, 151, 'lowest 25%', 'down', -2.96, 'cla-2025'),
            ('cla_rate_per_10k', 2024, 'Total', 'E10000016', 'rate per 10,000', 'none', 56.0, null, 'E12000008',
             56.0, 69.0, 13, 152, null, null, null, 'cla-2025'))
            as t(indicator_id, time_period, breakdown, area_code, unit, polarity, value, status, region_code,
                 region_value, england_value, rank, rank_of, quartile_band, trend, change_1y, release)
    """)
    con.close()
    return tmp_path


def sheet(path: Path) -> list[dict]:
    ws = load_workbook(path)["Compared"]
    rows = list(ws.iter_rows(values_only=True))
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{len(rows)}"
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def test_a_council_beside_each_neighbour_of_its_latest_set_its_region_and_england(small_build: Path) -> None:
    res = CliRunner().invoke(app, ["export", "--area", "kent", "--out", str(small_build)])
    assert res.exit_code == 0, res.output
    target = small_build / "exports" / "areas" / "E10000016.xlsx"
    assert res.output.strip() == f"wrote {target}"
    new, old = sheet(target)
    assert (new["time_period"], old["time_period"]) == (2025, 2024)  # newest first
    assert new["Kent"] == 53.0  # rounded to the indicator's decimals, as the reports show it
    assert new["East Sussex (E10000011)"] == "c"  # a symbol stays a symbol
    assert old["East Sussex (E10000011)"] == "–"  # no row at all is not a symbol, and not blank
    assert new["neighbours with a figure"] == 1
    assert (new["region"], new["England"], new["rank"], new["of councils"]) == (55, 67, 12, 151)
    assert (new["quartile_band"], new["trend"]) == ("lowest 25%", "down")
    # two runs give the same bytes
    first = target.read_bytes()
    CliRunner().invoke(app, ["export", "--area", "E10000016", "--out", str(small_build)])
    assert target.read_bytes() == first


def test_the_neighbours_rounded_like_the_council(small_build: Path) -> None:
    from carestats.indicators.registry import load_indicators

    decimals = {i.id: i.decimals for i in load_indicators()}["cla_rate_per_10k"]
    CliRunner().invoke(app, ["export", "--area", "kent", "--out", str(small_build)])
    (new, _) = sheet(small_build / "exports" / "areas" / "E10000016.xlsx")
    assert new["Essex (E10000012)"] == {0: 40.0, 1: 40.3, 2: 40.25}[decimals]
    assert new["neighbours' mean"] == new["neighbours' median"] == new["Essex (E10000012)"]


def test_england_is_not_a_council_to_compare(small_build: Path) -> None:
    res = CliRunner().invoke(app, ["export", "--area", "england", "--out", str(small_build)])
    assert res.exit_code != 0 and "council" in str(res.exception)
