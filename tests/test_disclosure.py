"""Disclosure control: primary suppression (1 to the threshold), secondary suppression so that no `c` can be
worked out from a total and its siblings, links between indicators, and the settings that choose it."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carestats.core.errors import ConfigError
from carestats.core.settings import Settings, load
from carestats.core.vocabulary import DISCLOSURE_THRESHOLD, SYMBOLS, UNSUPPRESSED_MARK, edition_mark
from carestats.indicators.disclosure import COLUMNS, primary, registry_links, registry_units, suppress
from carestats.indicators.registry import load_indicators

SCHEMA = {"indicator_id": pl.String, "time_period": pl.Int64, "geographic_level": pl.String,
          "area_code": pl.String, "area_name": pl.String, "breakdown": pl.String, "value": pl.Float64,
          "status": pl.String, "numerator": pl.Float64, "denominator": pl.Float64, "release": pl.String}


def rows(indicator: str, cells: dict[str, float | None], *, num: dict | None = None, den: float | None = None,
         period: int = 2025, area: str = "E10000016") -> list[dict]:
    out = []
    for breakdown, value in cells.items():
        out.append({"indicator_id": indicator, "time_period": period, "geographic_level": "Local authority",
                    "area_code": area, "area_name": "Kent", "breakdown": breakdown, "value": value,
                    "status": None, "numerator": (num or {}).get(breakdown), "denominator": den,
                    "release": "ssda903-2025"})
    return out


def frame(*groups: list[dict]) -> pl.DataFrame:
    return pl.DataFrame([r for g in groups for r in g], schema=SCHEMA, orient="row")


def shown(out: pl.DataFrame, indicator: str) -> dict[str, float | str]:
    """breakdown → the shown value, or 'c'."""
    sub = out.filter(pl.col("indicator_id") == indicator)
    return {r["breakdown"]: (r["status"] if r["status"] else r["value"]) for r in sub.to_dicts()}


UNITS = {"by_age": "count", "total": "count", "share": "%", "ceasing": "count", "adopted_pct": "%"}


# --- primary suppression -------------------------------------------------------------------------------

def test_counts_one_to_five_are_c_and_zero_stays_zero() -> None:
    f = frame(*(rows(f"n{v}", {"Total": v}) for v in (0, 1, 5, 6)))
    out = suppress(f, 5, units={f"n{v}": "count" for v in (0, 1, 5, 6)})
    assert [shown(out, f"n{v}")["Total"] for v in (0, 1, 5, 6)] == [0, "c", "c", 6]
    row = out.filter(pl.col("indicator_id") == "n5").row(0, named=True)
    assert row["value"] is None and row["numerator"] is None and row["denominator"] is None


def test_a_share_is_c_when_its_numerator_or_denominator_is_small() -> None:
    f = frame(rows("a", {"Total": 60.0}, num={"Total": 3}, den=5),     # both small
              rows("b", {"Total": 10.0}, num={"Total": 4}, den=40),    # numerator small
              rows("c", {"Total": 0.0}, num={"Total": 0}, den=40),     # a true 0%: shown
              rows("d", {"Total": 100.0}, num={"Total": 40}, den=40),  # large both: shown
              rows("e", {"Total": 50.0}, num={"Total": 2}, den=4))
    out = suppress(f, 5, units=dict.fromkeys("abcde", "%"))
    assert [shown(out, i)["Total"] for i in "abcde"] == ["c", "c", 0.0, 100.0, "c"]
    assert primary("%", 75.0, 30, 4, 5) and not primary("%", 75.0, 30, 40, 5)
    assert primary("days", 210.0, None, 3, 5)  # a mean or median over 3 children


def test_the_threshold_is_the_one_given() -> None:
    f = frame(rows("n", {"Total": 7}))
    assert shown(suppress(f, 5, units={"n": "count"}), "n")["Total"] == 7
    assert shown(suppress(f, 10, units={"n": "count"}), "n")["Total"] == "c"


def test_symbols_already_there_stay_themselves() -> None:
    f = frame(rows("n", {"Total": None, "A": None, "B": 9}))
    f = f.with_columns(pl.Series("status", ["x", "z", None]))
    out = suppress(f, 5, units={"n": "count"})
    assert out["status"].to_list() == ["x", "z", None] and set(out["status"].drop_nulls()) <= set(SYMBOLS)


def test_same_columns_rows_and_order_and_unit_column_accepted() -> None:
    f = frame(rows("by_age", {"Total": 30, "16 years": 3, "17 years": 27}))
    out = suppress(f, 5, units=UNITS)
    assert out.columns == COLUMNS and out.schema == f.schema and out["breakdown"].to_list() == f["breakdown"].to_list()
    with_unit = f.with_columns(pl.lit("count").alias("unit"))
    assert suppress(with_unit, 5).drop("unit").equals(out)
    with pytest.raises(ValueError, match="no unit for indicator 'by_age'"):
        suppress(f, 5)


# --- secondary suppression: plain examples ---------------------------------------------------------------

def test_one_small_cell_takes_the_next_smallest_sibling_with_it() -> None:
    f = frame(rows("by_age", {"Total": 40, "Under 1 year": 3, "1 to 4 years": 12, "5 to 9 years": 10,
                              "10 to 15 years": 15, "16 years": 0}))
    out = shown(suppress(f, 5, units=UNITS), "by_age")
    assert out == {"Total": 40, "Under 1 year": "c", "1 to 4 years": 12, "5 to 9 years": "c",
                   "10 to 15 years": 15, "16 years": 0}  # 0 is never the second cell while a non-zero one is left


def test_ties_are_broken_by_breakdown_name_every_time() -> None:
    f = frame(rows("by_age", {"Total": 30, "b": 10, "a": 10, "c": 2, "d": 8}))
    first = suppress(f, 5, units=UNITS)
    assert shown(first, "by_age") == {"Total": 30, "b": 10, "a": 10, "c": "c", "d": "c"}
    f2 = frame(rows("by_age", {"Total": 24, "b": 11, "a": 11, "c": 2}))
    assert shown(suppress(f2, 5, units=UNITS), "by_age") == {"Total": 24, "b": 11, "a": "c", "c": "c"}
    assert suppress(f2, 5, units=UNITS).equals(suppress(f2.reverse(), 5, units=UNITS).reverse())


def test_a_small_total_hides_its_parts_and_a_lone_part_hides_the_total() -> None:
    f = frame(rows("by_age", {"Total": 4, "16 years": 4, "17 years": 0}))
    assert shown(suppress(f, 5, units=UNITS), "by_age") == {"Total": "c", "16 years": "c", "17 years": 0}
    g = frame(rows("by_age", {"Total": 9, "16 years": 2, "17 years": 0}))  # only a zero sibling left
    assert shown(suppress(g, 5, units=UNITS), "by_age") == {"Total": "c", "16 years": "c", "17 years": 0}


def test_two_ones_beside_a_shown_total_are_not_left_alone() -> None:
    f = frame(rows("by_age", {"Total": 20, "a": 1, "b": 1, "c": 8, "d": 10}))
    # hiding only a and b leaves a + b = 2, so each is 1: c goes too
    assert shown(suppress(f, 5, units=UNITS), "by_age") == {"Total": 20, "a": "c", "b": "c", "c": "c", "d": 10}


def test_shares_of_one_whole_are_protected_like_counts() -> None:
    num = {"16 years": 3, "17 years": 10, "18 years and over": 27}
    f = frame(rows("share", {k: 100 * v / 40 for k, v in num.items()}, num=num, den=40))
    out = shown(suppress(f, 5, units=UNITS), "share")
    assert out == {"16 years": "c", "17 years": "c", "18 years and over": 67.5}
    # shares that are not parts of one whole (they do not add up to it) are left to primary suppression
    loose = {"a": 3, "b": 10}
    g = frame(rows("share", {k: 100 * v / 40 for k, v in loose.items()}, num=loose, den=40))
    assert shown(suppress(g, 5, units=UNITS), "share") == {"a": "c", "b": 25.0}


def test_a_hidden_total_is_hidden_in_every_indicator_that_shows_it() -> None:
    # 16 years is 2 and its only sibling is a 0, so the Total goes; cla_ceasing is that same 9, and the
    # adoption share shows it as its denominator
    f = frame(rows("by_age", {"Total": 9, "16 years": 2, "17 years": 0}), rows("ceasing", {"Total": 9}),
              rows("adopted_pct", {"Total": 600 / 9}, num={"Total": 6}, den=9))
    links = {"by_age": "ceasing", "adopted_pct": "ceasing"}
    out = suppress(f, 5, units=UNITS, links=links)
    assert shown(out, "by_age") == {"Total": "c", "16 years": "c", "17 years": 0}
    assert shown(out, "ceasing")["Total"] == "c" and shown(out, "adopted_pct")["Total"] == "c"
    unlinked = suppress(f, 5, units=UNITS)
    assert shown(unlinked, "ceasing")["Total"] == 9 and shown(unlinked, "adopted_pct")["Total"] != "c"
    # the other way round: a hidden cla_ceasing hides the Total of the age breakdown, which then needs a
    # second hidden cell beside it
    g = frame(rows("by_age", {"Total": 30, "16 years": 10, "17 years": 20}), rows("ceasing", {"Total": 30}))
    g = g.with_columns(pl.when(pl.col("indicator_id") == "ceasing").then(pl.lit("c")).otherwise(None)
                       .alias("status"))
    out = suppress(g, 5, units=UNITS, links=links)
    assert shown(out, "by_age") == {"Total": "c", "16 years": "c", "17 years": 20}


def test_a_small_share_does_not_hide_its_count() -> None:
    f = frame(rows("ceasing", {"Total": 40}), rows("adopted_pct", {"Total": 7.5}, num={"Total": 3}, den=40))
    out = suppress(f, 5, units=UNITS, links={"adopted_pct": "ceasing"})
    assert shown(out, "ceasing")["Total"] == 40 and shown(out, "adopted_pct")["Total"] == "c"


def test_the_registry_gives_units_and_links() -> None:
    inds = load_indicators()
    assert registry_units(inds)["cla_count"] == "count" and registry_units(inds)["ceased_adopted_pct"] == "%"
    assert registry_links(inds)["cla_ceasing_by_age"] == "cla_ceasing"


# --- secondary suppression: properties --------------------------------------------------------------------

def attacker_range(parts: list[float], total: float, hidden: list[bool], i: int) -> tuple[float, float]:
    """What someone who sees the table can tell about hidden cell i (0 is the Total, then the parts): its
    lowest and highest possible values, knowing the shown cells, that the parts add up to the Total, that no
    cell is negative and that a hidden cell is not 0 (0 is always shown)."""
    if hidden[0]:
        return (1, float("inf"))  # the Total is unknown: nothing bounds a hidden cell from above
    rest = total - sum(v for v, h in zip(parts, hidden[1:]) if not h)  # what the hidden parts add up to
    others = sum(hidden[1:]) - 1  # the other hidden parts, each at least 1
    return (1 if others else rest, rest - others)


counts = st.lists(st.integers(min_value=0, max_value=25), min_size=1, max_size=7)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=counts, threshold=st.integers(min_value=1, max_value=10))
def test_no_hidden_count_can_be_worked_out(parts: list[int], threshold: int) -> None:
    names = [f"b{k}" for k in range(len(parts))]
    total = sum(parts)
    f = frame(rows("by_age", {"Total": total, **dict(zip(names, parts))}))
    out = suppress(f, threshold, units=UNITS)
    got = shown(out, "by_age")
    values = [total, *parts]
    hidden = [got[k] == "c" for k in ["Total", *names]]
    # every small count is hidden, every shown cell is as it was, and 0 is shown as 0
    for v, h, k in zip(values, hidden, ["Total", *names]):
        if 0 < v <= threshold:
            assert h, (k, v)
        if not h:
            assert got[k] == v
    # no hidden cell has only one possible value
    for i, h in enumerate(hidden):
        if h and values[i] > 0:
            lo, hi = attacker_range(parts, total, hidden, i)
            assert lo < hi, (values, hidden, i)
            assert lo <= values[i] <= hi
    # the same input gives the same output
    assert suppress(f, threshold, units=UNITS).equals(out)


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.integers(min_value=0, max_value=30), min_size=2, max_size=6),
       threshold=st.integers(min_value=1, max_value=8))
def test_no_hidden_share_can_be_worked_out(parts: list[int], threshold: int) -> None:
    whole = sum(parts)
    if whole == 0:
        return
    names = [f"b{k}" for k in range(len(parts))]
    f = frame(rows("share", {n: 100 * p / whole for n, p in zip(names, parts)}, num=dict(zip(names, parts)),
                   den=whole))
    out = suppress(f, threshold, units=UNITS)
    got = shown(out, "share")
    hidden = [got[n] == "c" for n in names]
    for p, h in zip(parts, hidden):
        if 0 < p <= threshold or whole <= threshold:
            assert h
    if all(hidden):
        return  # the whole is hidden with them
    # the whole is shown (every shown row carries the denominator): the hidden shares add up to what is left
    for i, h in enumerate(hidden):
        if h and parts[i] > 0:
            lo, hi = attacker_range(parts, whole, [False, *hidden], i + 1)
            assert lo < hi, (parts, hidden, i)
    # shown percentages are unchanged
    for n, p, h in zip(names, parts, hidden):
        if not h:
            assert got[n] == pytest.approx(100 * p / whole)


# --- settings and the internal edition's marking ---------------------------------------------------------

def test_threshold_from_file_env_and_flag(tmp_path, monkeypatch) -> None:
    (tmp_path / "elsewhere").mkdir()
    cfg = tmp_path / "elsewhere" / "carestats.toml"
    cfg.write_text("[disclosure]\nthreshold = 10\n", encoding="utf-8")
    monkeypatch.delenv("CARESTATS_DISCLOSURE_THRESHOLD", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Settings().threshold == 5 == DISCLOSURE_THRESHOLD and load().threshold == 5  # no file here
    assert load(cfg).threshold == 10
    monkeypatch.setenv("CARESTATS_DISCLOSURE_THRESHOLD", "7")
    assert load(cfg).threshold == 7
    assert load(cfg, threshold=8).threshold == 8


@pytest.mark.parametrize("text, message", [
    ("[disclosure]\nthreshold = 3\n", r"carestats.toml:2:13: disclosure threshold 3 is outside 5 to 100"),
    ("[disclosure]\nthreshold = \"five\"\n", r"\[disclosure\] threshold must be a int"),
    ("[disclosure]\nthreshhold = 5\n", r"unknown key 'threshhold' in \[disclosure\]"),
    ("[disclosure]\nunsuppressed = true\n", r"unknown key 'unsuppressed'"),
])
def test_bad_thresholds_are_refused(tmp_path, monkeypatch, text, message) -> None:
    monkeypatch.delenv("CARESTATS_DISCLOSURE_THRESHOLD", raising=False)
    cfg = tmp_path / "carestats.toml"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load(cfg)


def test_env_threshold_that_is_not_a_number(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CARESTATS_DISCLOSURE_THRESHOLD", "lots")
    with pytest.raises(ConfigError, match="disclosure threshold 'lots' is not a whole number"):
        load()


def test_unsuppressed_is_asked_for_on_the_command_line_only(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    assert load().unsuppressed is False and load(unsuppressed=True).unsuppressed is True
    assert edition_mark(True) == UNSUPPRESSED_MARK == "Contains unsuppressed figures: not for publication"
    assert edition_mark(False) == ""


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.integers(min_value=0, max_value=15), min_size=1, max_size=5),
       adopted=st.integers(min_value=0, max_value=15), ceasing_hidden=st.booleans())
def test_linked_indicators_never_show_a_hidden_total(parts: list[int], adopted: int, ceasing_hidden: bool) -> None:
    total = sum(parts)
    adopted = min(adopted, total)
    names = [f"b{k}" for k in range(len(parts))]
    share = [] if total == 0 else [rows("adopted_pct", {"Total": 100 * adopted / total}, num={"Total": adopted},
                                        den=total)]
    f = frame(rows("by_age", {"Total": total, **dict(zip(names, parts))}), rows("ceasing", {"Total": total}),
              *share)
    if ceasing_hidden:  # hidden already (as the publisher gave it, or by another table)
        f = f.with_columns(pl.when(pl.col("indicator_id") == "ceasing").then(pl.lit("c")).otherwise("status")
                           .alias("status"))
    out = suppress(f, 5, units=UNITS, links={"by_age": "ceasing", "adopted_pct": "ceasing"})
    by_age, ceasing = shown(out, "by_age"), shown(out, "ceasing")
    # the total is hidden in both or shown in both, and a shown share never gives a hidden total away
    assert (by_age["Total"] == "c") == (ceasing["Total"] == "c")
    if share and ceasing["Total"] == "c":
        assert shown(out, "adopted_pct")["Total"] == "c"
    if by_age["Total"] != "c":
        hidden = [by_age[k] == "c" for k in ["Total", *names]]
        for i, h in enumerate(hidden):
            if h and ([total, *parts])[i] > 0:
                lo, hi = attacker_range(parts, total, hidden, i)
                assert lo < hi


def test_a_frame_that_was_not_suppressed_is_refused() -> None:
    from carestats.core.errors import DataError
    from carestats.indicators.disclosure import check_suppressed

    f = frame(rows("by_age", {"Total": 40, "Under 1 year": 3, "1 to 4 years": 37}))
    with pytest.raises(DataError, match="local_indicator_values.csv: by_age E10000016 2025 'Under 1 year' shows a "
                                        "figure from 1 to 5 children"):
        check_suppressed(f, 5, units=UNITS, where="local_indicator_values.csv")
    check_suppressed(suppress(f, 5, units=UNITS), 5, units=UNITS)  # suppressed: accepted


def test_another_symbol_is_never_turned_into_c() -> None:
    f = frame(rows("by_age", {"Total": None, "16 years": 3, "17 years": 0}), rows("ceasing", {"Total": 3}))
    f = f.with_columns(pl.when(pl.col("breakdown").eq("Total") & pl.col("indicator_id").eq("by_age"))
                       .then(pl.lit("x")).otherwise("status").alias("status"))
    out = suppress(f, 5, units=UNITS, links={"by_age": "ceasing"})
    # the x Total is left as it is (and counted as known): the second hidden cell is the 0 beside the 3
    assert shown(out, "by_age") == {"Total": "x", "16 years": "c", "17 years": "c"}
    assert shown(out, "ceasing") == {"Total": "c"}


def test_a_frame_whose_status_and_numerators_are_all_null() -> None:
    f = pl.DataFrame(rows("by_age", {"Total": 40.0, "Under 1 year": 3.0, "1 to 4 years": 37.0}))
    assert f.schema["status"] == pl.Null and f.schema["numerator"] == pl.Null  # as polars infers them
    out = suppress(f, 5, units=UNITS)
    assert out["status"].to_list() == [None, "c", "c"] and out.schema["status"] == pl.String
    assert out["value"].to_list() == [40.0, None, None] and out.columns == f.columns


def test_an_empty_frame_stays_empty() -> None:
    f = frame()
    assert suppress(f, 5, units=UNITS).equals(f)
