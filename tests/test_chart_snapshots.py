"""Snapshots of the hand-drawn SVG charts: one chart of each kind, drawn from fixed inputs, compared with
the text kept in tests/snapshots/charts/. Any change to a chart's geometry (reports/charts.py) or its
markup (templates/_charts.html.j2) fails here until the snapshot is rewritten on purpose:

    CARESTATS_UPDATE_SNAPSHOTS=1 pytest tests/test_chart_snapshots.py

then look at the diff of tests/snapshots/ before committing it.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from carestats.reports import charts
from carestats.reports.render import environment

SNAPSHOTS = Path(__file__).parent / "snapshots" / "charts"
UPDATE = "CARESTATS_UPDATE_SNAPSHOTS"


def assert_snapshot(name: str, text: str, folder: Path = SNAPSHOTS) -> None:
    """`text` must equal the file `name` in `folder`; with CARESTATS_UPDATE_SNAPSHOTS=1 the file is rewritten."""
    path = folder / name
    if os.environ.get(UPDATE) == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        return
    if not path.exists():
        pytest.fail(f"no snapshot {path}; run with {UPDATE}=1 to write it")
    kept = path.read_text(encoding="utf-8")
    if text != kept:
        diff = "".join(list(difflib.unified_diff(kept.splitlines(True), text.splitlines(True), f"kept/{name}",
                                                 f"drawn/{name}"))[:60])
        pytest.fail(f"chart {name} differs from its snapshot (rewrite with {UPDATE}=1 if intended):\n{diff}")


def _macros():  # type: ignore[no-untyped-def]
    return environment().get_template("_charts.html.j2").module


def _line() -> charts.LineChart:
    """Two series over academic years, one with a suppressed value and one with a year missing."""
    return charts.line_chart([
        charts.Series("Kent", [(201920, 52.0, None), (202021, 55.5, None), (202122, None, "c"),
                               (202223, 61.25, None), (202324, 64.0, None)], style=0),
        charts.Series("England", [(201920, 50.0, None), (202021, 51.0, None), (202324, 58.0, None)], style=3),
    ], "Care leavers in education, employment or training", "%", 1, axis_label="%")


def _multiples() -> charts.Multiples:
    small = [(f"Panel {n}: a heading long enough to be cut short by the template's truncation", charts.line_chart(
        [charts.Series("Rutland", [(2022, 10.0 + n, None), (2023, None, "x"), (2024, 14.0 + n, None)], style=0),
         charts.Series("Neighbours", [(2022, 9.0, None), (2023, 11.0, None), (2024, 12.5, None)], style=1)],
        f"Panel {n}", "count", 0, width=160, height=110)) for n in range(4)]
    return charts.multiples(small, "Rutland beside its neighbours")


def _bar() -> charts.BarChart:
    return charts.bar_chart([("Outstanding", 21.0, None), ("Good", 48.0, None),
                             ("Requires improvement to be good", 23.0, None), ("Inadequate", None, "c")],
                            "Local authorities by inspection grade, 2025", "count", 0)


def _spine_rows() -> list[charts.SpineRow]:
    return [
        charts.SpineRow("Children in care per 10,000", 71.0, None, 30.0, 60.0, 90.0, 180.0, 70.0, 85.0, 75.0,
                        "none", "rate per 10,000", 0),
        charts.SpineRow("Care leavers in suitable accommodation", 92.5, None, 70.0, 86.0, 93.0, 99.0, 88.0, None,
                        90.0, "higher_is_better", "%", 1),
        charts.SpineRow("Children with 3 or more placements", None, "c", 2.0, 8.0, 11.0, 20.0, 10.0, 9.5, None,
                        "lower_is_better", "%", 0),
        charts.SpineRow("A measure with no range", 5.0, None, None, None, None, None, 4.0, None, None,
                        "none", "count", 0),
    ]


def _draw(kind: str) -> str:
    m = _macros()
    if kind == "line_chart":
        return str(m.line_chart(_line(), "snap-line"))
    if kind == "multiples":
        return str(m.multiples(_multiples(), "snap-multiples"))
    if kind == "bar_chart":
        return str(m.bar_chart(_bar(), "snap-bar"))
    if kind == "spine_chart":
        return str(m.spine_chart(charts.spine_chart(_spine_rows(), "Where Kent sits", "Kent"), "snap-spine"))
    if kind == "spine_cell":
        cells = charts.spine_cells(_spine_rows(), "Kent")
        return "".join(str(m.spine_cell(cell, f"snap-cell-{i}", row.label, "Kent"))
                       for i, (cell, row) in enumerate(zip(cells, _spine_rows())))
    if kind == "spine_key":
        return str(m.spine_key("Kent"))
    raise ValueError(kind)


KINDS = ["line_chart", "multiples", "bar_chart", "spine_chart", "spine_cell", "spine_key"]


@pytest.mark.parametrize("kind", KINDS)
def test_chart_matches_its_snapshot(kind: str) -> None:
    assert_snapshot(f"{kind}.html", _draw(kind))


def test_a_chart_is_drawn_the_same_way_twice() -> None:
    assert [_draw(k) for k in KINDS] == [_draw(k) for k in KINDS]


def test_every_snapshot_is_a_chart_drawn_here() -> None:
    assert sorted(p.name for p in SNAPSHOTS.glob("*.html")) == sorted(f"{k}.html" for k in KINDS)


def test_a_changed_chart_fails_its_snapshot(monkeypatch) -> None:
    monkeypatch.delenv(UPDATE, raising=False)
    kept = (SNAPSHOTS / "line_chart.html").read_text(encoding="utf-8")
    assert_snapshot("line_chart.html", kept)
    monkeypatch.setattr(charts, "PALETTE", ["#123456", *charts.PALETTE[1:]])  # another colour for the area
    with pytest.raises(pytest.fail.Exception, match=r"differs from its snapshot[\s\S]*#123456"):
        assert_snapshot("line_chart.html", _draw("line_chart"))
    assert_snapshot("bar_chart.html", _draw("bar_chart"))
    monkeypatch.setattr(charts, "value_range", lambda values, unit: (0.0, 200.0))  # another scale
    with pytest.raises(pytest.fail.Exception, match="differs from its snapshot"):
        assert_snapshot("bar_chart.html", _draw("bar_chart"))


def test_a_missing_snapshot_fails_and_the_update_switch_writes_it(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(UPDATE, raising=False)
    with pytest.raises(pytest.fail.Exception, match="no snapshot"):
        assert_snapshot("new.html", "<svg/>", tmp_path)
    monkeypatch.setenv(UPDATE, "1")
    assert_snapshot("new.html", "<svg/>", tmp_path)
    monkeypatch.delenv(UPDATE)
    assert_snapshot("new.html", "<svg/>", tmp_path)
    with pytest.raises(pytest.fail.Exception):
        assert_snapshot("new.html", "<svg></svg>", tmp_path)
