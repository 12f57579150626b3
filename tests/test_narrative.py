"""The generated sentences: every case the files can hold, numbers as printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from carestats.indicators.registry import Indicator
from carestats.reports.narrative import (
    Comparator,
    Formation,
    comparison_sentence,
    grade_history_sentence,
    key_message,
    longest_view,
    record_clause,
    spread_sentence,
    trend_sentence,
)


def ind(id: str = "x_measure", unit: str = "count", decimals: int = 0, polarity: str = "lower_is_better",
        short_title: str = "Widgets counted") -> Indicator:
    return Indicator(id=id, title=short_title, theme="children_in_care", unit=unit, polarity=polarity,
                     decimals=decimals, definition="", numerator="", denominator="", sources=(), source_files=(),
                     method="published", method_note="", headline=False, order=1, path=Path("x.sql"), sql="",
                     short_title=short_title)


CLA = ind("cla_count")
CLA_SERIES = [(2021, 80850.0, None), (2022, 82080.0, None), (2023, 83840.0, None), (2024, 83530.0, None),
              (2025, 81770.0, None)]


def test_the_issue_example_word_for_word() -> None:
    assert trend_sentence(CLA, CLA_SERIES, 2025) == (
        "81,770 children were looked after on 31 March 2025, 2% fewer than a year earlier "
        "and the lowest since 2021.")


def test_a_rise_with_a_series_record() -> None:
    pts = [(2019, 10.0, None), (2020, 11.0, None), (2021, 12.0, None), (2022, 15.0, None)]
    assert trend_sentence(ind(), pts, 2022) == (
        "Widgets counted: 15 in 2022, 25% higher than a year earlier and the highest in the series, "
        "which starts in 2019.")


def test_a_fall_without_a_record_when_the_year_before_was_lower() -> None:
    pts = [(2022, 10.0, None), (2023, 14.0, None), (2024, 12.0, None)]
    assert trend_sentence(ind(), pts, 2024) == "Widgets counted: 12 in 2024, 14% lower than a year earlier."


def test_no_change_is_judged_on_the_printed_figures() -> None:
    pct = ind(unit="%", decimals=0, short_title="Share")
    pts = [(2024, 54.4, None), (2025, 53.6, None)]
    assert trend_sentence(pct, pts, 2025) == "Share: 54% in 2025, unchanged from 54% a year earlier."
    pts = [(2024, 100.0, None), (2025, 100.0, None)]
    assert trend_sentence(ind(), pts, 2025) == "Widgets counted: 100 in 2025, the same as a year earlier."


def test_a_tiny_count_change_is_not_called_zero_percent() -> None:
    pts = [(2024, 10000.0, None), (2025, 10020.0, None)]
    assert trend_sentence(ind(), pts, 2025) == (
        "Widgets counted: 10,020 in 2025, almost the same as a year earlier (10,000).")


def test_percentage_points_from_the_printed_figures() -> None:
    pct = ind(unit="%", decimals=0, short_title="Share")
    pts = [(2024, 54.4, None), (2025, 56.5, None)]  # printed 54% and 57%: 3 points, not 2.1
    assert trend_sentence(pct, pts, 2025) == "Share: 57% in 2025, up 3 percentage points from 54% a year earlier."
    pts = [(2024, 56.0, None), (2025, 55.0, None)]
    assert trend_sentence(pct, pts, 2025) == "Share: 55% in 2025, down 1 percentage point from 56% a year earlier."


def test_rates_keep_their_decimals_and_say_up_or_down() -> None:
    rate = ind(unit="rate per 10,000", decimals=1, short_title="Rate")
    pts = [(2024, 70.04, None), (2025, 70.25, None)]
    assert trend_sentence(rate, pts, 2025) == "Rate: 70.3 in 2025, up from 70.0 a year earlier."


def test_academic_years_and_a_gap_year_name_the_compared_year() -> None:
    pct = ind(unit="%", decimals=1, short_title="Attainment")
    pts = [(202122, 40.0, None), (202324, 41.25, None)]
    assert trend_sentence(pct, pts, 202324) == (
        "Attainment: 41.3% in 2023/24, up 1.3 percentage points from 40.0% in 2021/22.")
    pts = [(202223, 40.0, None), (202324, 41.0, None)]
    assert "a year earlier" in trend_sentence(pct, pts, 202324)


def test_latest_suppressed_names_the_symbol_and_the_last_published_figure() -> None:
    pts = [(2023, 7.0, None), (2024, None, "c"), (2025, None, "c")]
    assert trend_sentence(ind(), pts, 2025, area="Rutland") == (
        "Widgets counted: the 2025 figure for Rutland is suppressed to protect confidentiality (c); "
        "the latest published figure is 7 in 2023.")


def test_previous_suppressed_means_no_comparison() -> None:
    pts = [(2024, None, "c"), (2025, 12.0, None)]
    assert trend_sentence(ind(), pts, 2025) == (
        "Widgets counted: 12 in 2025; the 2024 figure is suppressed to protect confidentiality (c), so there is "
        "no comparison with a year earlier.")


def test_missing_latest_year() -> None:
    pts = [(2022, 5.0, None), (2023, 6.0, None)]
    assert trend_sentence(ind(), pts, 2025) == (
        "Widgets counted: there is no 2025 figure in the files; the latest published figure is 6 in 2023.")
    assert trend_sentence(ind(), [], 2025, area="Kent") == (
        "Widgets counted: there is no 2025 figure for Kent in the files for any year.")


def test_first_year_of_a_new_council() -> None:
    pts = [(2022, None, "z"), (2023, None, "z"), (2024, 482.0, None)]
    got = trend_sentence(CLA, pts, 2024, area="Cumberland", formed=Formation(2023, ("Cumbria",)))
    assert got == ("482 children were looked after on 31 March 2024. This is the first year of figures for "
                   "Cumberland, which was formed in 2023 from Cumbria, so there is no earlier figure to compare with.")
    pts.append((2025, 458.0, None))
    assert trend_sentence(CLA, pts, 2025, area="Cumberland", formed=Formation(2023, ("Cumbria",))) == (
        "458 children were looked after on 31 March 2025, 5% fewer than a year earlier.")


def test_first_year_in_the_files_and_singular() -> None:
    assert trend_sentence(CLA, [(2025, 1.0, None)], 2025) == (
        "1 child was looked after on 31 March 2025, the first year in the files.")


def test_record_needs_every_year_between_published() -> None:
    pts = [(2020, 1.0, None), (2021, None, "c"), (2022, 9.0, None), (2023, 8.0, None), (2024, 7.0, None),
           (2025, 5.0, None)]
    assert record_clause(ind(), pts) == ""
    pts[1] = (2021, 2.0, None)
    assert record_clause(ind(), pts) == "the lowest since 2021"


def test_comparison_groups_relations_on_printed_figures() -> None:
    rate = ind(unit="rate per 10,000", decimals=0, short_title="Rate")
    got = comparison_sentence(rate, 95.4, [Comparator("England", 70.0), Comparator("the North West", 95.2),
                                           Comparator("the median of its statistical neighbours", 101.0)],
                              rank=120, rank_of=152, band="D")
    assert got == ("This is higher than England (70), the same as the North West (95), and lower than the median "
                   "of its statistical neighbours (101); it ranks 120th of 152 local authorities (1st is best), "
                   "quartile band D (A is the best quarter).")


def test_comparison_without_polarity_has_no_rank_and_skips_missing_comparators() -> None:
    none = ind(polarity="none")
    got = comparison_sentence(none, 5.0, [Comparator("England", None), Comparator("the region", 4.0)],
                              rank=3, rank_of=10)
    assert got == "This is higher than the region (4)."
    assert comparison_sentence(none, None, [Comparator("England", 4.0)]) == ""


@pytest.mark.parametrize("history, want", [
    ([], "No Ofsted judgement of overall effectiveness for Kent is in the files."),
    ([(2023, 3.0, None), (2024, 2.0, None), (2025, 2.0, None)],
     "Ofsted's judgement of overall effectiveness for Kent at 31 March 2025 is Good, up from Requires "
     "improvement to be good at 31 March 2023."),
    ([(2024, 1.0, None), (2025, 4.0, None)],
     "Ofsted's judgement of overall effectiveness for Kent at 31 March 2025 is Inadequate, down from "
     "Outstanding at 31 March 2024."),
    ([(2023, 2.0, None), (2024, None, "x"), (2025, 2.0, None)],
     "Ofsted's judgement of overall effectiveness for Kent at 31 March 2025 is Good, unchanged since at least "
     "31 March 2023."),
])
def test_grade_history(history, want) -> None:
    assert grade_history_sentence(history, "Kent") == want


def test_grade_trend_uses_labels() -> None:
    grade = ind(unit="grade", short_title="Ofsted overall effectiveness")
    pts = [(2024, 3.0, None), (2025, 2.0, None)]
    assert trend_sentence(grade, pts, 2025) == (
        "Ofsted overall effectiveness: Good at 31 March 2025, up from Requires improvement to be good a year earlier.")


def test_a_key_message_gives_the_figure_its_change_and_the_first_year_in_the_files() -> None:
    series = [(1994, 49100.0, None), *[(y, 60000.0 + y, None) for y in range(1995, 2021)], *CLA_SERIES]
    got = key_message(CLA, series, 2025)
    assert got == ("81,770 children were looked after on 31 March 2025, 2% fewer than a year earlier and the "
                   "lowest since 2021. In 1994, the first year in the files, the figure was 49,100.")
    assert longest_view(CLA, CLA_SERIES[-2:], 2025) == ""  # a year back is the change clause's, not a view
    assert longest_view(CLA, [(2019, None, "x"), *CLA_SERIES], 2025) == \
        "The first year in the files, 2019, is not available (x); the first published figure is 80,850 in 2021."
    assert longest_view(CLA, [(2019, None, "x"), (2020, None, "c"), (2025, 1.0, None)], 2025) == \
        "The first year in the files, 2019, is not available (x)."


def test_the_spread_names_the_highest_and_lowest_councils_and_counts_those_without_a_figure() -> None:
    rate = ind("cla_rate_per_10k", unit="rate per 10,000", short_title="Rate in care per 10,000")
    got = spread_sentence(rate, [("Blackpool", 184.0), ("Harrow", 29.0), ("Kent", 55.0), ("Richmond", 27.0),
                                 ("Stoke", 170.0)], 2025, 7)
    assert got == ("Rate in care per 10,000, 2025: across the 5 councils with a published figure, the highest are "
                   "Blackpool (184) and Stoke (170) and the lowest are Richmond (27) and Harrow (29); 2 have no "
                   "published figure (a symbol or no row).")
    assert spread_sentence(rate, [], 2025, 3) == "Rate in care per 10,000: no council has a published figure for 2025."
