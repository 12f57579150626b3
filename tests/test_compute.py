"""Stage 4, compute: each indicator query's rows checked for shape, and the queries run two at a time with
their results taken in the registry's order."""

from __future__ import annotations

import threading
from pathlib import Path

import polars as pl
import pytest

from carestats.core.errors import QueryError
from carestats.indicators import compute
from carestats.indicators.registry import Indicator
from carestats.warehouse import db as warehouse


def ind(id_: str, sql: str) -> Indicator:
    return Indicator(id=id_, title=id_, theme="children_in_care", unit="count", polarity="none", decimals=0,
                     definition="", numerator="", denominator="", sources=(), source_files=(), method="published",
                     method_note="", headline=False, order=1, path=Path(f"{id_}.sql"), sql=sql)


def select(*rows: str) -> str:
    cols = ("time_period", "geographic_level", "area_code", "area_name", "breakdown", "value", "status",
            "numerator", "denominator", "release")
    body = " union all ".join(f"select {r}" for r in rows)
    return f"select {', '.join(f'c{i} as {c}' for i, c in enumerate(cols))} from ({body}) t(" + \
        ", ".join(f"c{i}" for i in range(len(cols))) + ")"


GOOD = "2025, 'National', 'E92000001', 'England', 'Total', 1.0, null, null, null, 'cla-2025'"


@pytest.mark.parametrize(("row", "what"), [
    ("2025, 'National', 'E92000001', 'England', 'Total', null, null, null, null, 'cla-2025'",
     "1 rows with neither a value nor a status symbol (first: National E92000001 2025 cla-2025)"),
    ("2025, 'National', 'E92000001', 'England', 'Total', 1.0, 'c', null, null, 'cla-2025'",
     "1 rows with both a value and a status"),
    ("2025, 'National', 'E92000001', 'England', 'Total', null, 'q', null, null, 'cla-2025'",
     "1 unknown status symbols (first: National E92000001 2025 cla-2025)"),
    ("2025, 'Ward', 'E92000001', 'England', 'Total', 1.0, null, null, null, 'cla-2025'",
     "1 unknown geographic levels (first: Ward E92000001 2025 cla-2025)"),
    ("2025, 'National', null, 'England', 'Total', 1.0, null, null, null, 'cla-2025'",
     "1 rows without an area code, breakdown, release or period"),
    (GOOD, "2 duplicate rows for one area, period, breakdown and release"),
])
def test_a_query_whose_rows_break_a_rule_is_named_with_the_first_offending_row(row: str, what: str) -> None:
    con = warehouse.connect(None)
    try:
        with pytest.raises(QueryError) as exc:
            compute.run_indicator(con, ind("bad", select(GOOD, row) if row != GOOD else select(GOOD, GOOD)))
        assert f"bad.sql: {what}" in str(exc.value)
    finally:
        con.close()


def test_the_queries_run_two_at_a_time_and_come_back_in_the_order_given(monkeypatch: pytest.MonkeyPatch) -> None:
    con = warehouse.connect(None)
    threads: set[str] = set()
    real = compute.run_indicator

    def spy(c, i, params=None):  # type: ignore[no-untyped-def]
        threads.add(threading.current_thread().name)
        assert c is not con  # a connection of each thread's own
        return real(c, i, params)

    monkeypatch.setattr(compute, "run_indicator", spy)
    inds = [ind(f"i{k:02d}", select(GOOD.replace("1.0", f"{k}.0"))) for k in range(12)]
    try:
        got = list(compute.run_indicators(con, inds))
        assert [df["indicator_id"][0] for df in got] == [i.id for i in inds]
        assert [df["value"][0] for df in got] == [float(k) for k in range(12)]
        assert len(threads) == 2 and all(t.startswith("carestats-query") for t in threads)
        broken = [*inds[:3], ind("broken", "select nothing_here"), *inds[3:]]
        with pytest.raises(QueryError, match="broken.sql"):
            list(compute.run_indicators(con, broken))
        _, vintages = compute.compute_all(con, inds)
        one_by_one = pl.concat([real(con, i) for i in inds])
        assert vintages.equals(compute.order(one_by_one))
        assert con.execute("select count(*) from indicator_values").fetchone() == (12,)
    finally:
        con.close()


# What the warehouse ran to pick the latest release before the pick was made in Polars (compute.latest_of):
# the two must give the same rows in the same order.
LATEST_SQL = """
select * exclude (vintage, level_order)
from (
    select *, try_cast(regexp_extract(release, '(\\d{4})$', 1) as bigint) as vintage,
        case geographic_level when 'National' then 0 when 'Regional' then 1 when 'Local authority' then 2
            else 3 end as level_order
    from v
)
qualify row_number() over (
    partition by indicator_id, time_period, geographic_level, area_code, breakdown
    order by vintage desc nulls first, release desc
) = 1
order by indicator_id, time_period, level_order, area_code, breakdown, release
"""


def test_the_latest_release_is_picked_as_the_warehouse_picked_it() -> None:
    import random

    rng = random.Random(12)
    releases = ["cla-2023", "cla-2024", "cla-2025", "cla-2025b", "cla-2025-revised", "cla", "extra", "cin-2024",
                "z-2024", "a-2024"]
    rows = []
    for ind_id in ("b_ind", "a_ind", "Ä_ind"):
        for period in (2023, 2024, 2025):
            for level, code in (("National", "E92000001"), ("Regional", "E12000001"),
                                ("Local authority", "E06000001"), ("Local authority", "E10000016")):
                for breakdown in ("Total", "Boys", "Girls"):
                    for release in rng.sample(releases, rng.randint(1, 5)):
                        value = rng.choice([None, float(rng.randint(0, 99)), rng.random()])
                        rows.append({"indicator_id": ind_id, "time_period": period, "geographic_level": level,
                                     "area_code": code, "area_name": f"{code} {release}", "breakdown": breakdown,
                                     "value": value, "status": None if value is not None else "c",
                                     "numerator": None, "denominator": None, "release": release})
    rng.shuffle(rows)
    vintages = pl.DataFrame(rows, schema=compute.SCHEMA)
    con = warehouse.connect(None)
    try:
        warehouse.load_frame(con, "main", "v", vintages)
        expected = warehouse.query_pl(con, LATEST_SQL).cast(compute.SCHEMA)  # type: ignore[arg-type]
    finally:
        con.close()
    got = compute.latest_of(vintages)
    assert got.height == vintages.select(compute.KEY).unique().height < vintages.height
    assert got.equals(expected)
    assert set(got["release"]) >= {"cla", "extra"}  # a release without a year counts as the latest


def test_every_releases_rows_are_stored_beside_the_latest_ones_on_a_connection_of_their_own(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """indicator_vintages is written on a thread and connection of its own while indicator_values is
    picked and written: both tables whole when compute_all returns."""
    con = warehouse.connect(None)
    stored: dict[str, tuple[str, bool]] = {}
    real = compute.load_frame

    def spy(c, schema, name, df, *args, **kwargs):  # type: ignore[no-untyped-def]
        stored[name] = (threading.current_thread().name, c is con)
        return real(c, schema, name, df, *args, **kwargs)

    monkeypatch.setattr(compute, "load_frame", spy)
    older = GOOD.replace("1.0", "2.0").replace("cla-2025", "cla-2024")
    try:
        latest, vintages = compute.compute_all(con, [ind("one", select(GOOD, older))])
        assert stored == {"indicator_vintages": ("carestats-vintages_0", False),
                          "indicator_values": (threading.current_thread().name, True)}
        assert con.execute("select count(*) from indicator_vintages").fetchone() == (2,)
        assert con.execute("select release, value from indicator_values").fetchall() == [("cla-2025", 1.0)]
        assert vintages.height == 2 and latest.height == 1
    finally:
        con.close()
