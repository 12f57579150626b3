"""Sentences written from the numbers: what the latest figure is, how it moved, how it compares.

Every number goes through formatting.py, and every comparison in words (higher, lower, the same, the
lowest since) is made on the figures as printed, so a sentence never contradicts the table beside it.
A figure that is not published is named by its symbol; a missing year is said to be missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from carestats.core import periods
from carestats.indicators.registry import Indicator
from carestats.reports import formatting as f

Point = tuple[int, float | None, str | None]  # (period, value, status)

# Plain-English forms for indicators whose subject reads well as a sentence: (plural, singular).
PHRASES: dict[str, tuple[str, str]] = {
    "cla_count": ("{value} children were looked after on 31 March {year}",
                  "{value} child was looked after on 31 March {year}"),
    "cla_starting": ("{value} children started to be looked after in the year to 31 March {year}",
                     "{value} child started to be looked after in the year to 31 March {year}"),
    "cla_ceasing": ("{value} children ceased to be looked after in the year to 31 March {year}",
                    "{value} child ceased to be looked after in the year to 31 March {year}"),
    "cin_count": ("{value} children were in need on 31 March {year}",
                  "{value} child was in need on 31 March {year}"),
}
MIN_RECORD_RUN = 2  # "the lowest since X" only when at least this many later years were all higher


@dataclass(frozen=True)
class Formation:
    """A council that replaced others: the year it started and the names it replaced."""
    year: int
    predecessors: tuple[str, ...]


def symbol_words(status: str | None) -> str:
    meaning = f.SYMBOLS.get(status or "", "not published")
    return f"{meaning} ({status})" if status else meaning


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _when(p: int, latest: int) -> str:
    return "a year earlier" if p == periods.previous_period(latest) else f"in {f.fmt_period(p)}"


def opening(ind: Indicator, period: int, value: float) -> str:
    """The figure itself: '81,770 children were looked after on 31 March 2025' or 'Title: 56% in 2025'."""
    text = f.fmt_value(value, ind.unit, ind.decimals)
    if ind.id in PHRASES:
        plural, single = PHRASES[ind.id]
        form = single if text == "1" else plural
        return form.format(value=text, year=f.fmt_period(period))
    if ind.unit == "grade":
        return f"{ind.short_title}: {text} at 31 March {periods.end_year(period)}"
    return f"{ind.short_title}: {text} in {f.fmt_period(period)}"


def change_clause(ind: Indicator, latest: Point, prev: Point) -> str:
    """How the latest figure compares with an earlier published one, on the printed figures."""
    period, new, _ = latest
    p_old, old, _ = prev
    assert new is not None and old is not None
    when = _when(p_old, period)
    d_new, d_old = f.shown(new, ind.decimals), f.shown(old, ind.decimals)
    old_text = f.fmt_value(old, ind.unit, ind.decimals)
    if ind.unit == "grade":
        if d_new == d_old:
            return f"the same as {when}"
        better = d_new < d_old
        return f"{'up' if better else 'down'} from {old_text} {when}"
    if d_new == d_old:
        return f"the same as {when}" if ind.unit != "%" else f"unchanged from {old_text} {when}"
    up = d_new > d_old
    if ind.unit == "%":
        pp = f.fmt_number(float(abs(d_new - d_old)), ind.decimals)
        unit = "percentage point" if pp == "1" else "percentage points"
        return f"{'up' if up else 'down'} {pp} {unit} from {old_text} {when}"
    if ind.unit == "count" and old > 0 and new > 0:
        pct = f.pct_change(old, new)
        assert pct is not None
        if f.shown(abs(pct), 0) == 0:
            return f"almost the same as {when} ({old_text})"
        more, fewer = ("more", "fewer") if ind.id in PHRASES else ("higher", "lower")
        return f"{f.fmt_pct(pct)} {more if up else fewer} than {when}"
    return f"{'up' if up else 'down'} from {old_text} {when}"


def record_clause(ind: Indicator, points: list[Point]) -> str:
    """'the lowest since 2021', 'the highest in the series, which starts in 1994', or nothing.

    Only claimed when every year between is published; made on the printed figures.
    """
    if ind.unit == "grade" or len(points) < 2:
        return ""
    _, new, _ = points[-1]
    if new is None or points[-2][1] is None:
        return ""
    d_new = f.shown(new, ind.decimals)
    d_prev = f.shown(points[-2][1], ind.decimals)
    if d_new == d_prev:
        return ""
    rising = d_new > d_prev
    run = 0
    for p, v, _ in reversed(points[:-1]):
        if v is None:
            return ""
        d = f.shown(v, ind.decimals)
        beaten = d < d_new if rising else d > d_new
        if not beaten:
            if run < MIN_RECORD_RUN:
                return ""
            return f"the {'highest' if rising else 'lowest'} since {f.fmt_period(p)}"
        run += 1
    if run < MIN_RECORD_RUN + 1:
        return ""
    return f"the {'highest' if rising else 'lowest'} in the series, which starts in {f.fmt_period(points[0][0])}"


def trend_sentence(ind: Indicator, points: list[Point], period: int, area: str = "",
                   formed: Formation | None = None) -> str:
    """One sentence on the figure for `period` and how it moved, for every case the files can hold."""
    pts = sorted(p for p in points if p[0] <= period)
    while pts and pts[0][1] is None and pts[0][2] == "z" and pts[0][0] != period:
        pts = pts[1:]  # "not applicable" before an area's first figure: it did not exist yet
    latest = pts[-1] if pts and pts[-1][0] == period else None
    earlier = [p for p in pts if p[0] < period]
    last_published = next((p for p in reversed(earlier) if p[1] is not None), None)
    name = f"for {area} " if area else ""
    if latest is None or latest[1] is None:
        if latest is None:
            head = f"{ind.short_title}: there is no {f.fmt_period(period)} figure {name}in the files"
        else:
            head = f"{ind.short_title}: the {f.fmt_period(period)} figure {name}is {symbol_words(latest[2])}"
        if last_published:
            head += (f"; the latest published figure is "
                     f"{f.fmt_value(last_published[1], ind.unit, ind.decimals)} in {f.fmt_period(last_published[0])}")
        elif not earlier and latest is None:
            head += " for any year"
        return head + "."
    text = opening(ind, period, latest[1])
    if not earlier:
        if formed and formed.year <= periods.end_year(period):
            was = " and ".join(formed.predecessors) if formed.predecessors else "earlier councils"
            return (f"{text}. This is the first year of figures for {area or 'this council'}, which was formed "
                    f"in {formed.year} from {was}, so there is no earlier figure to compare with.")
        return f"{text}, the first year in the files."
    prev = earlier[-1]
    if prev[1] is None:
        return (f"{text}; the {f.fmt_period(prev[0])} figure is {symbol_words(prev[2])}, so there is no "
                f"comparison with {_when(prev[0], period)}.")
    clauses = [change_clause(ind, latest, prev)]
    record = record_clause(ind, [p for p in pts if p[0] <= period])
    if record:
        clauses.append(record)
    return f"{text}, {' and '.join(clauses)}."


@dataclass(frozen=True)
class Comparator:
    label: str  # "England", "the South East", "the median of its 10 statistical neighbours"
    value: float | None


def _relation(ind: Indicator, mine: Decimal, other: float) -> str:
    theirs = f.shown(other, ind.decimals)
    if mine == theirs:
        return "the same as"
    if ind.unit == "grade":
        return "better than" if mine < theirs else "worse than"
    return "higher than" if mine > theirs else "lower than"


def comparison_sentence(ind: Indicator, value: float | None, comparators: list[Comparator],
                        rank: int | None = None, rank_of: int | None = None, band: str | None = None,
                        subject: str = "This") -> str:
    """'This is higher than England (70) and the North West (95), and lower than …; it ranks 45th of 152.'"""
    if value is None:
        return ""
    mine = f.shown(value, ind.decimals)
    groups: dict[str, list[str]] = {}
    for c in comparators:
        if c.value is None:
            continue
        groups.setdefault(_relation(ind, mine, c.value), []).append(
            f"{c.label} ({f.fmt_value(c.value, ind.unit, ind.decimals)})")
    parts = [f"{rel} {_join(items)}" for rel, items in groups.items()]
    sentence = f"{subject} is {_join(parts, ', and ')}" if parts else ""
    if rank and rank_of and ind.polarity != "none":
        ranking = f"ranks {f.fmt_ordinal(rank)} of {rank_of:,} local authorities (1st is best)"
        if band:
            ranking += f", quartile band {band} (A is the best quarter)"
        sentence = f"{sentence}; it {ranking}" if sentence else f"{subject} {ranking}"
    return f"{_upper_first(sentence)}." if sentence else ""


def _join(items: list[str], last: str = " and ") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + last + items[-1]


def grade_history_sentence(history: list[Point], area: str) -> str:
    """Ofsted's overall effectiveness judgement over the snapshots in the files."""
    known = [(p, v) for p, v, _ in sorted(history) if v is not None]
    if not known:
        return f"No Ofsted judgement of overall effectiveness for {area} is in the files."
    period, value = known[-1]
    text = (f"Ofsted's judgement of overall effectiveness for {area} at 31 March {periods.end_year(period)} "
            f"is {f.grade_label(value)}")
    changed = next(((p, v) for p, v in reversed(known[:-1]) if f.shown(v, 0) != f.shown(value, 0)), None)
    if changed:
        better = f.shown(value, 0) < f.shown(changed[1], 0)
        text += (f", {'up' if better else 'down'} from {f.grade_label(changed[1])} at 31 March "
                 f"{periods.end_year(changed[0])}")
    elif len(known) > 1:
        text += f", unchanged since at least 31 March {periods.end_year(known[0][0])}"
    return text + "."


def longest_view(ind: Indicator, points: list[Point], period: int) -> str:
    """The first figure the files hold, as the longest view back: 'In 1994 the figure was 49,000.'

    Nothing when the files start in the year before `period` or later (the change clause covers it)."""
    pts = sorted(p for p in points if p[0] < period)
    if not pts or pts[0][0] >= periods.previous_period(period):
        return ""
    first = pts[0]
    if first[1] is None:
        text = f"The first year in the files, {f.fmt_period(first[0])}, is {symbol_words(first[2])}"
        published = next((p for p in pts if p[1] is not None), None)
        if published is not None:
            text += (f"; the first published figure is {f.fmt_value(published[1], ind.unit, ind.decimals)} "
                     f"in {f.fmt_period(published[0])}")
        return text + "."
    return (f"In {f.fmt_period(first[0])}, the first year in the files, the figure was "
            f"{f.fmt_value(first[1], ind.unit, ind.decimals)}.")


def key_message(ind: Indicator, points: list[Point], period: int) -> str:
    """A key message: the figure, its change on a year earlier (or a record), and the longest view back."""
    sentence = trend_sentence(ind, points, period)
    view = longest_view(ind, points, period)
    return f"{sentence} {view}" if view else sentence


def spread_sentence(ind: Indicator, values: list[tuple[str, float]], period: int, count: int,
                    extremes: int = 2) -> str:
    """How far apart the councils are: the lowest and highest named, on the figures as printed.

    `values` are the councils with a published figure (name, value); `count` the councils in the files for
    the period, so those without a figure are counted in words, never as zero."""
    if not values:
        return f"{ind.short_title}: no council has a published figure for {f.fmt_period(period)}."
    ordered = sorted(values, key=lambda nv: (nv[1], nv[0]))
    n = min(extremes, len(ordered) // 2) or 1
    lows = [f"{name} ({f.fmt_value(v, ind.unit, ind.decimals)})" for name, v in ordered[:n]]
    highs = [f"{name} ({f.fmt_value(v, ind.unit, ind.decimals)})" for name, v in reversed(ordered[-n:])]
    text = (f"{ind.short_title}, {f.fmt_period(period)}: across the {len(ordered):,} councils with a published "
            f"figure, the highest {'is' if n == 1 else 'are'} {_join(highs)} and the lowest "
            f"{'is' if n == 1 else 'are'} {_join(lows)}")
    missing = count - len(ordered)
    if missing > 0:
        text += f"; {missing:,} {'has' if missing == 1 else 'have'} no published figure (a symbol or no row)"
    return text + "."


def funnel_sentence(ind: Indicator, period: int, above: list[tuple[str, float]], below: list[tuple[str, float]],
                    plotted: int, centre: float, named: int = 3) -> str:
    """Which councils lie outside the 99.8% funnel limits around England's figure: every one of them when
    there are few, otherwise the `named` furthest each way (highest above, lowest below) and how many more
    the funnel plot's key names. `above` and `below` as (name, value)."""
    england = f.fmt_value(centre, ind.unit, ind.decimals)
    head = (f"{ind.short_title}, {f.fmt_period(period)}: of the {plotted:,} councils with a published figure "
            f"and denominator, ")
    if not above and not below:
        return head + f"none lies outside the 99.8% limits around England's {england}."
    every = len(above) + len(below) <= 2 * named

    def listed(group: list[tuple[str, float]], extreme: str) -> str:
        if not group:
            return ""
        items = _join([f"{name} {f.fmt_value(v, ind.unit, ind.decimals)}" for name, v in
                       (group if every else group[:named])])
        return f" ({items})" if every or len(group) <= named else f" (the {extreme}: {items})"

    ups = sorted(above, key=lambda nv: (-nv[1], nv[0]))
    downs = sorted(below, key=lambda nv: (nv[1], nv[0]))
    first = f"{len(ups):,} {'lies' if len(ups) == 1 else 'lie'}" if ups else "none lies"
    text = (head + f"{first} above the 99.8% limits around England's {england}{listed(ups, 'highest')} and "
            + (f"{len(downs):,} below{listed(downs, 'lowest')}" if downs else "none below"))
    if not every:
        text += "; the funnel plot's key names them all"
    return text + "."


AGE_NAMES = ("16", "17", "18 or over")  # the age groups of leaving_age_sentence, in order


def leaving_age_sentence(period: int, latest: tuple[float | None, ...], first: tuple[int, tuple] | None = None,
                         statuses: list[str | None] | None = None) -> str:
    """Those leaving care at 16 or 17 against all who left at 16 or over: `latest` the figures at 16, 17
    and 18 or over for `period`, `first` (period, figures) the first year in the files. The sums are of
    the publisher's figures (England's are rounded to the nearest 10), so a share is of those sums."""
    year = periods.end_year(period)
    statuses = statuses or [None] * len(latest)
    gaps = [(name, s) for name, v, s in zip(AGE_NAMES, latest, statuses) if v is None]
    if gaps:
        which = _join([f"at {name} is {symbol_words(s)}" for name, s in gaps])
        return f"Children leaving care in the year to 31 March {year}: the figure {which}, so no share is given."

    def share(n16: float, n17: float, n18: float) -> tuple[str, str, str]:
        young, total = n16 + n17, n16 + n17 + n18
        pct = f.fmt_value(100 * young / total, "%", 0) if total else f.NO_DATA
        return f.fmt_number(young), pct, f.fmt_number(total)

    n16, n17, n18 = latest
    young, pct, total = share(n16, n17, n18)
    text = (f"{young} young people left care aged 16 or 17 in the year to 31 March {year} "
            f"({f.fmt_number(n16)} at 16 and {f.fmt_number(n17)} at 17), {pct} of the {total} who left aged 16 "
            f"or over; {f.fmt_number(n18)} left at 18 or over")
    if first is not None and first[0] != period and all(v is not None for v in first[1]):
        young0, pct0, _ = share(*first[1])
        text += f"; in the year to 31 March {periods.end_year(first[0])}, {young0} ({pct0}) left at 16 or 17"
    return text + ". The publisher rounds England's figures to the nearest 10; the sums and shares are of those."


def gap_sentence(ind: Indicator, mine: list[Point], theirs: list[Point], group: str) -> str:
    """Children in care beside another group, on the printed figures: the latest year both are published,
    and the first, with the gap in percentage points (or in the unit)."""
    both = sorted((p, a, b) for (p, a, _), (q, b, _) in
                  ((x, y) for x in mine for y in theirs if x[0] == y[0]) if a is not None and b is not None)
    if not both:
        return f"{ind.short_title}: no year in the files has a published figure for both children in care and {group}."

    def gap(a: float, b: float) -> tuple[str, str]:
        d = f.shown(a, ind.decimals) - f.shown(b, ind.decimals)
        size = f.fmt_number(float(abs(d)), ind.decimals) + (" percentage points" if ind.unit == "%" else "")
        return size, ("lower" if d < 0 else "higher" if d > 0 else "the same")

    p, a, b = both[-1]
    size, way = gap(a, b)
    text = (f"{ind.short_title}, {f.fmt_period(p)}: {f.fmt_value(a, ind.unit, ind.decimals)} of children in care "
            f"against {f.fmt_value(b, ind.unit, ind.decimals)} of {group}, "
            + (f"{size} {way}" if way != "the same" else "the same figure"))
    if len(both) > 1:
        p0, a0, b0 = both[0]
        size0, way0 = gap(a0, b0)
        text += (f"; in {f.fmt_period(p0)}, {f.fmt_value(a0, ind.unit, ind.decimals)} against "
                 f"{f.fmt_value(b0, ind.unit, ind.decimals)}, " + (f"{size0} {way0}" if way0 != "the same"
                                                                    else "the same figure"))
    return text + "."
