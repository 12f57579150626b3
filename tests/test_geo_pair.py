"""GEO-PAIR blames the rows that disagree with the majority for a code, not every row after the first seen.

Ties go to the partner seen first in the file (so of two rows that disagree, the later one is blamed); a
code named by an earlier accepted file keeps that file's name, whatever this file's majority.

On the old rule (the first row seen for a code was the reference) these failed: the wrong name first in
the file, the majority coming last, the tie (same lines, but the message did not say how many rows the
reference has), three names for one code, and the old code of a period. The others pin what did not change.
"""

from __future__ import annotations

from pathlib import Path

from carestats.check.ees_rules import check_ees
from carestats.check.geography_pairs import GeoIndex
from carestats.ingest.csvfile import read_csv

HEADER = ["time_period", "time_identifier", "geographic_level", "country_code", "country_name", "region_code",
          "region_name", "old_la_code", "new_la_code", "la_name", "breakdown", "children_count"]
LABELS = [f"Group {i}" for i in range(600)]


def la_row(label: str, name: str = "Hartlepool", code: str = "E06000001", old: str = "805",
           period: str = "2025") -> str:
    return f"{period},Reporting year,Local authority,E92000001,England,E12000001,North East,{old},{code},{name}," \
           f"{label},5\n"


def check(body: list[str], geo: GeoIndex | None = None, name: str = "f.csv"):  # type: ignore[no-untyped-def]
    f = read_csv(Path(name), name, "", (",".join(HEADER) + "\n" + "".join(body)).encode())
    check_ees(f, {"children_count"}, geo)
    return f


def pairs(f) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    return [(x.line, x.column, x.message) for x in f.findings if x.rule == "GEO-PAIR"]


def test_one_wrong_name_first_in_the_file_is_blamed_alone() -> None:
    body = [la_row(LABELS[0], name="Hartlepol")] + [la_row(label) for label in LABELS[1:600]]
    f = check(body)
    message = "new_la_code E06000001 goes with la_name 'Hartlepol' here but 'Hartlepool' in line 3 (and 598 more line(s))"
    assert pairs(f) == [(2, "la_name", message)]
    assert [x.rule for x in f.findings] == ["GEO-PAIR"]  # no summary of hundreds of blamed rows


def test_one_wrong_name_on_line_500_is_reported_there_and_only_there() -> None:
    """(The old rule gave the same here: the wrong row came after a right one.)"""
    body = [la_row(label, name="Hartlepol" if i == 498 else "Hartlepool") for i, label in enumerate(LABELS)]
    assert [line for line, _, _ in pairs(check(body))] == [500]


def test_the_majority_wins_even_when_it_comes_last() -> None:
    body = [la_row(LABELS[i], name="Hartlepol") for i in range(3)] + [la_row(LABELS[i]) for i in range(3, 10)]
    assert [(line, col) for line, col, _ in pairs(check(body))] == [(2, "la_name"), (3, "la_name"), (4, "la_name")]


def test_a_tie_goes_to_the_name_seen_first() -> None:
    body = [la_row(LABELS[0]), la_row(LABELS[1], name="Hartlepol"), la_row(LABELS[2], name="Hartlepol"),
            la_row(LABELS[3])]
    message = "new_la_code E06000001 goes with la_name 'Hartlepol' here but 'Hartlepool' in line 2 (and 1 more line(s))"
    assert pairs(check(body)) == [(3, "la_name", message), (4, "la_name", message)]


def test_three_names_for_one_code_blame_both_minorities() -> None:
    body = [la_row(LABELS[0], name="A"), la_row(LABELS[1], name="B"), la_row(LABELS[2], name="B"),
            la_row(LABELS[3], name="C"), la_row(LABELS[4], name="B")]
    assert [(line, msg.split(" here")[0][-3:]) for line, _, msg in pairs(check(body))] == [(2, "'A'"), (5, "'C'")]


def test_an_earlier_file_is_the_reference_whatever_this_files_majority() -> None:
    geo = GeoIndex()
    assert check([la_row(LABELS[0])], geo, "a.csv").findings == []
    body = [la_row(LABELS[i], name="Hartlepol") for i in range(3)] + [la_row(LABELS[3])]
    f = check(body, geo, "b.csv")
    assert [line for line, _, _ in pairs(f)] == [2, 3, 4]
    assert "here but 'Hartlepool' in a.csv line 2" in pairs(f)[0][2]
    assert geo.pairs[("la", "E06000001")] == ("Hartlepool", "a.csv", 2)


def test_a_failing_file_leaves_its_pairs_out_of_the_index() -> None:
    geo = GeoIndex()
    check([la_row(LABELS[0], name="Hartlepol"), la_row(LABELS[1]), la_row(LABELS[2])], geo)
    assert geo.pairs == {}
    check([la_row(LABELS[1], code="E06000002", name="Middlesbrough", old="806")], geo, "g.csv")
    assert geo.pairs[("la", "E06000002")] == ("Middlesbrough", "g.csv", 2)


def test_a_wrong_old_code_is_blamed_against_the_majority_of_its_period() -> None:
    body = [la_row(LABELS[0], old="806")] + [la_row(LABELS[i]) for i in range(1, 4)]
    assert [(line, col) for line, col, _ in pairs(check(body))] == [(2, "old_la_code")]
    # an old code standing for two new codes within one period: the new code of the fewer rows is blamed
    body = [la_row(LABELS[0], code="E06000099", name="Elsewhere")] + [la_row(LABELS[i]) for i in range(1, 4)]
    f = check(body)
    assert [(line, col) for line, col, _ in pairs(f)] == [(2, "new_la_code")]
    assert pairs(f)[0][2] == "old_la_code 805 goes with new_la_code 'E06000099' here but 'E06000001' in line 3 " \
                             "(and 2 more line(s))"


def test_a_suppressed_or_missing_code_says_nothing() -> None:
    body = [la_row(LABELS[0], code="x", name="Hartlepool", old="x"), la_row(LABELS[1], code="x", name="Other", old=""),
            la_row(LABELS[2], name="")]
    assert pairs(check(body)) == []
