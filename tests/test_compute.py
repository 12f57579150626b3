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
