from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from carestats.reports.formatting import fmt_change, fmt_number, fmt_period, fmt_value


def test_half_up_rounding_and_separators() -> None:
    assert fmt_number(81770, 0) == "81,770"
    assert fmt_number(2.5, 0) == "3"
    assert fmt_number(0.125, 2) == "0.13"
    assert fmt_number(-0.4, 0) == "0"


def test_symbols_are_never_zero_or_blank() -> None:
    assert fmt_value(None, "%", 0, "c") == "c"
    assert fmt_value(None, "count", 0, "low") == "low"
    assert fmt_value(None, "count", 0, None) == "–"
    assert fmt_value(10, "%", 0) == "10%"
    assert fmt_value(1234.5, "£", 0) == "£1,235"


def test_changes_and_periods() -> None:
    assert fmt_change(-1760, "count", 0) == "−1,760"
    assert fmt_change(1, "%", 0) == "+1 pp"
    assert fmt_period(202425) == "2024/25" and fmt_period(2025) == "2025"


@given(st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)),
       st.sampled_from(["c", "k", "u", "x", "z", "low"]), st.integers(0, 3))
def test_a_suppressed_value_always_shows_its_symbol(value, status, decimals) -> None:
    text = fmt_value(None, "count", decimals, status)
    assert text == status
    if value is not None:
        assert fmt_number(value, decimals) not in ("", "c", "k")


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False), st.integers(0, 3))
def test_rounding_round_trips(value, decimals) -> None:
    text = fmt_number(value, decimals).replace(",", "")
    assert abs(float(text) - value) <= 0.5 * 10 ** -decimals + 1e-9 * max(1, value)


def test_period_arithmetic_lives_in_one_module() -> None:
    import duckdb
    import polars as pl

    from carestats.core import periods

    assert [periods.end_year(p) for p in (2025, 202425, 199900)] == [2025, 2025, 2000]
    assert periods.previous_period(202425) == 202324 and periods.previous_period(200001) == 199900
    assert periods.next_period(202324) == 202425 and periods.next_period(2024) == 2025
    assert periods.parse(" 202425 ") == 202425 and periods.parse("202499") is None
    assert periods.end_year_of_text("202425") == 2025 and periods.end_year_of_text("x") is None
    assert periods.report_year([2023, 202425, 2024]) == 2025 and periods.report_year([]) == 0
    assert periods.up_to([2026, 202425, 2024, 2024], 2025) == [2024, 202425]
    col = pl.DataFrame({"p": [2025, 202425, 202324]})
    assert col.select(periods.end_year_expr(pl.col("p")))["p"].to_list() == [2025, 2025, 2024]
    assert col.select(periods.next_period_expr(pl.col("p")))["p"].to_list() == [2026, 202526, 202425]
    con = duckdb.connect()
    periods.register_macros(con)
    got = con.sql("select period_end_year(p), period_previous(p) from (values (2025), (202425), (200001)) t(p)")
    assert got.fetchall() == [(2025, 2024), (2025, 202324), (2001, 199900)]
