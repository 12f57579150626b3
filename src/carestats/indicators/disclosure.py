"""Disclosure control for figures made from child-level data: primary and secondary suppression.

The rule is the DfE's for children's social care statistics (docs/disclosure.md cites it): a count from 1 to
the threshold (5 by default, `[disclosure] threshold` in carestats.toml) is shown as `c`, and so is a
percentage, rate or mean whose numerator or denominator is from 1 to the threshold. 0 stays 0. Secondary
suppression then hides more cells so that no `c` can be worked out by subtraction:

- **Groups.** The rows of one indicator, period, area and release with several breakdowns form a group.
  For a count, the `Total` row is the sum of the other rows. For a percentage (or any other unit), the
  other rows form a distribution when they share one denominator and their numerators add up to it (their
  percentages add up to 100); the shared denominator is then the group's total, shown on every row.
- **Within a group** a hidden cell is recoverable when it is the only hidden cell of the sum, or when the
  total is shown and every hidden cell must be 1 (k hidden cells adding up to k). While that is so, one more
  cell is hidden: the smallest non-zero shown breakdown (ties by breakdown name, so the choice is the same
  on every run), else the Total, else the smallest zero.
- **Across linked indicators.** `links` maps an indicator to another whose Total is the same quantity
  (`same_quantity_as` in the registry: cla_ceasing_by_age's Total is cla_ceasing), or to the count that is
  a percentage indicator's denominator. When one side's Total is hidden, the other side's copy of it is
  hidden too (for a percentage indicator, every row, since each row shows the denominator), and the groups
  are checked again until nothing changes.

What the attacker is assumed to know: every shown cell, that each group's total is the sum of its
breakdowns, that cells are never negative and that 0 is always shown. What is not handled: bounds from
the threshold itself (that a `c` is at most 5), differencing across areas (LA against region or England;
the local figures are for one council) and across years.

The unit of each indicator comes from the registry header `unit`: pass `units` (indicator id → unit), or
give the frame a `unit` column. Cells the input already holds as a symbol (a publisher's `c`, `x`, `z`, …)
keep their symbol; only `c` counts as hidden when a group is checked (the others are treated as known).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from carestats.core.vocabulary import DISCLOSURE_THRESHOLD

if TYPE_CHECKING:
    import polars as pl

    from carestats.indicators.registry import Indicator

TOTAL = "Total"
SUPPRESSED = "c"
COUNT = "count"

COLUMNS = ["indicator_id", "time_period", "geographic_level", "area_code", "area_name", "breakdown", "value",
           "status", "numerator", "denominator", "release"]


@dataclass
class _Cell:
    row: int
    breakdown: str
    value: float | None
    numerator: float | None
    denominator: float | None
    hidden: bool  # shown as c (already, or by this run)
    size: float | None  # what the cell adds to its group's sum: the count, or the numerator of a share

    @property
    def shows(self) -> bool:
        """Whether the cell shows a figure (a cell with another symbol, x or z, shows none and keeps it)."""
        return not self.hidden and any(v is not None for v in (self.value, self.numerator, self.denominator))


@dataclass
class _Group:
    indicator: str
    where: tuple  # (time_period, geographic_level, area_code): what links match on
    is_count: bool
    total: _Cell | None  # the Total row of a count group
    parts: list[_Cell] = field(default_factory=list)  # the breakdowns other than Total
    members: list[_Cell] = field(default_factory=list)  # every row of the group
    additive: bool = False  # the parts add up to a total (a count's Total, or a shared denominator)

    def cells(self) -> list[_Cell]:
        return ([self.total] if self.total else []) + self.parts


def registry_units(indicators: Iterable[Indicator]) -> dict[str, str]:
    """Indicator id → its unit, from the registry headers."""
    return {i.id: i.unit for i in indicators}


def registry_links(indicators: Iterable[Indicator]) -> dict[str, str]:
    """Indicator id → the indicator whose Total is the same quantity (`same_quantity_as` in the headers)."""
    return {i.id: i.same_quantity_as for i in indicators if i.same_quantity_as}


def primary(unit: str, value: float | None, numerator: float | None, denominator: float | None,
            threshold: int) -> bool:
    """Whether one cell is suppressed on its own: a count from 1 to the threshold, or any other unit whose
    numerator or denominator is from 1 to the threshold. 0 is not suppressed."""
    def small(x: float | None) -> bool:
        return x is not None and 0 < x <= threshold

    if unit == COUNT:
        return small(value) or small(numerator)
    return small(numerator) or small(denominator)


def suppress(frame: pl.DataFrame, threshold: int = DISCLOSURE_THRESHOLD, units: Mapping[str, str] | None = None,
             links: Mapping[str, str] | None = None) -> pl.DataFrame:
    """The frame with small cells and the cells that would give them away shown as `c`: their value,
    numerator and denominator null and status 'c'. Same columns, same rows, same order."""
    import polars as pl

    if threshold < 1:
        raise ValueError(f"disclosure threshold {threshold} must be at least 1")
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"suppress: the frame has no column {', '.join(missing)}")
    rows = frame.to_dicts()
    unit_of = _units(rows, units)
    cells: list[_Cell] = []
    for n, r in enumerate(rows):
        status = r["status"]
        hidden = status == SUPPRESSED or (
            status is None and primary(unit_of[r["indicator_id"]], r["value"], r["numerator"], r["denominator"],
                                       threshold))
        is_count = unit_of[r["indicator_id"]] == COUNT
        size = r["value"] if is_count or r["numerator"] is None else r["numerator"]
        cells.append(_Cell(n, str(r["breakdown"]), r["value"], r["numerator"], r["denominator"], hidden, size))
    groups = _groups(rows, cells, unit_of)
    _protect(groups, links or {})
    hide = pl.Series("_hide", [c.hidden for c in cells], dtype=pl.Boolean)
    blank = [pl.when(hide).then(None).otherwise(pl.col(c)).alias(c) for c in ("value", "numerator", "denominator")]
    status = pl.when(hide).then(pl.lit(SUPPRESSED)).otherwise(pl.col("status").cast(pl.String)).alias("status")
    return frame.with_columns(*blank, status)  # a status column of nulls only becomes text


def _units(rows: list[dict], units: Mapping[str, str] | None) -> dict[str, str]:
    unit_of: dict[str, str] = dict(units or {})
    for r in rows:
        if r["indicator_id"] not in unit_of:
            if r.get("unit"):
                unit_of[r["indicator_id"]] = str(r["unit"])
            else:
                raise ValueError(f"suppress: no unit for indicator {r['indicator_id']!r}: pass units= from the "
                                 "registry (registry_units) or give the frame a unit column")
    return unit_of


def _groups(rows: list[dict], cells: list[_Cell], unit_of: Mapping[str, str]) -> list[_Group]:
    by_key: dict[tuple, list[_Cell]] = {}
    for r, cell in zip(rows, cells):
        key = (r["indicator_id"], r["time_period"], r["geographic_level"], r["area_code"], r["release"])
        by_key.setdefault(key, []).append(cell)
    groups = []
    for key in sorted(by_key, key=repr):
        members = by_key[key]
        is_count = unit_of[key[0]] == COUNT
        total = next((c for c in members if c.breakdown == TOTAL), None) if is_count else None
        parts = sorted((c for c in members if c.breakdown != TOTAL), key=lambda c: c.breakdown)
        g = _Group(key[0], key[1:4], is_count, total, parts, members)
        if is_count:
            g.additive = total is not None and len(parts) >= 1
        else:
            g.additive = len(parts) >= 2 and _distribution(parts)
        groups.append(g)
    return groups


def _distribution(parts: list[_Cell]) -> bool:
    """Shares of one whole: one shared denominator that the numerators add up to, or (without numerators)
    percentages that add up to 100 within rounding."""
    dens = {p.denominator for p in parts if p.denominator is not None}
    known = [p.numerator for p in parts if p.numerator is not None]
    if len(dens) == 1 and known:
        whole = next(iter(dens))
        return sum(known) == whole if len(known) == len(parts) else sum(known) <= whole
    values = [p.value for p in parts if p.value is not None]
    return len(values) == len(parts) and abs(sum(values) - 100) <= 0.5 * len(parts)


def _exposed(group: _Group) -> bool:
    """Whether a hidden cell of the group can be worked out from the shown cells and the sum."""
    hidden = [c for c in group.cells() if c.hidden]
    if len(hidden) == 0:
        return False
    if len(hidden) == 1:
        return True
    # a share's whole is its denominator, shown on every row (a Total row's too) until all are hidden
    total_hidden = group.total.hidden if group.total else all(c.hidden for c in group.members)
    if total_hidden:
        return False
    # The total is shown: the hidden parts add up to a known amount. If every hidden part is non-zero and
    # the amount equals their number, each must be 1.
    sizes = [c.size for c in hidden]
    return all(s is not None and s > 0 for s in sizes) and sum(sizes) == len(hidden)  # type: ignore[misc]


def _hide_one_more(group: _Group) -> bool:
    """Hide the next cell: the smallest non-zero shown part, else the Total, else the smallest zero part."""
    shown = [p for p in group.parts if not p.hidden and p.size is not None]
    nonzero = sorted((p for p in shown if p.size), key=lambda p: (p.size, p.breakdown))
    if nonzero:
        nonzero[0].hidden = True
        return True
    if group.total is not None and group.total.shows:
        group.total.hidden = True
        return True
    zeros = sorted((p for p in shown if p.size == 0), key=lambda p: p.breakdown)
    if zeros:
        zeros[0].hidden = True
        return True
    return False


def _base_hidden(group: _Group) -> bool:
    """Whether a count group's whole (its Total, or its one row) is hidden. A percentage group never counts
    as hiding its denominator: its rows may be hidden for their numerators while the count is safe to show."""
    if not group.is_count:
        return False
    return group.total.hidden if group.total else bool(group.parts) and all(p.hidden for p in group.parts)


def _hide_base(group: _Group) -> bool:
    """Hide every cell of the group that shows its whole; True when something changed."""
    if group.is_count:
        target = [group.total] if group.total else group.parts
    else:
        target = group.members  # every share shows the denominator
    changed = [c for c in target if c.shows]
    for c in changed:
        c.hidden = True
    return bool(changed)


def _protect(groups: list[_Group], links: Mapping[str, str]) -> None:
    index: dict[tuple[str, tuple], list[_Group]] = {}
    for g in groups:
        index.setdefault((g.indicator, g.where), []).append(g)
    pairs = []
    for a, b in sorted(links.items()):
        for g in groups:
            if g.indicator == a:
                pairs.extend((g, h) for h in index.get((b, g.where), []))
    changed = True
    while changed:
        changed = False
        for g in groups:
            while g.additive and _exposed(g):
                if not _hide_one_more(g):
                    break
                changed = True
        for g, h in pairs:
            if _base_hidden(g) != _base_hidden(h):
                changed |= _hide_base(h if _base_hidden(g) else g)


def check_suppressed(frame: pl.DataFrame, threshold: int = DISCLOSURE_THRESHOLD,
                     units: Mapping[str, str] | None = None, where: str = "output") -> None:
    """Refuse a frame that still shows a small cell (what `suppress` would hide on its own): the last check
    before figures from child-level data are written out. Raises DataError naming the first such row by its
    indicator, area, period and breakdown (never a child)."""
    from carestats.core.errors import DataError

    rows = frame.to_dicts()
    unit_of = _units(rows, units)
    for r in rows:
        if r["status"] is None and primary(unit_of[r["indicator_id"]], r["value"], r["numerator"],
                                           r["denominator"], threshold):
            raise DataError(f"{where}: {r['indicator_id']} {r['area_code']} {r['time_period']} "
                            f"{r['breakdown']!r} shows a figure from 1 to {threshold} children",
                            "pass the figures through indicators.disclosure.suppress before writing them")
