"""Chart geometry for hand-drawn SVG: pure functions returning what templates/_charts.html.j2 draws.

- Axes that do not mislead: value axes include zero, a percentage axis runs to 100 once values pass 60,
  and the time axis is spaced by year, so a gap in the files shows as a gap in time.
- Colour is never the only cue: each series also has its own dash and marker shape, and the spine chart
  uses a different shape for each comparator, with a key.
- A value that is not published is a gap with its symbol marked, never a zero.
- Every chart carries a title and a description in words (alt text); its data is a table in the report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from carestats.core.periods import end_year
from carestats.reports.formatting import fmt_number, fmt_period, fmt_value

# Okabe-Ito colours, safe for the common colour-vision deficiencies.
# Styles by position: 0 the area, 1 its neighbours, 2 its region, 3 England (as in the spine chart's key).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#000000", "#CC79A7", "#E69F00", "#56B4E9"]
DASHES = ["", "6 3", "2 2", "8 3 2 3", "4 4", "1 3", "3 1"]
MARKERS = ["circle", "diamond", "triangle", "square", "circle", "square", "triangle"]
FONT = "DejaVu Sans"


@dataclass
class Series:
    label: str
    points: list[tuple[int, float | None, str | None]]  # (period, value, status)
    style: int | None = None  # index into PALETTE/DASHES/MARKERS; default: the series' position


def marker_path(kind: str, x: float, y: float, r: float = 3.0) -> str:
    """One marker as SVG path data, so a series' markers are drawn as a single element."""
    if kind == "square":
        return f"M{x - r:.1f},{y - r:.1f}h{2 * r:.1f}v{2 * r:.1f}h{-2 * r:.1f}Z"
    if kind == "triangle":
        return f"M{x:.1f},{y - r - 1:.1f}L{x + r + 1:.1f},{y + r:.1f}L{x - r - 1:.1f},{y + r:.1f}Z"
    if kind == "diamond":
        return f"M{x:.1f},{y - r - 1:.1f}L{x + r + 1:.1f},{y:.1f}L{x:.1f},{y + r + 1:.1f}L{x - r - 1:.1f},{y:.1f}Z"
    return f"M{x - r:.1f},{y:.1f}a{r},{r} 0 1,0 {2 * r:.1f},0a{r},{r} 0 1,0 {-2 * r:.1f},0Z"


@dataclass
class LineChart:
    width: float
    height: float
    left: float
    top: float
    plot_w: float
    plot_h: float
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    series: list[dict] = field(default_factory=list)
    gaps: list[dict] = field(default_factory=list)
    title: str = ""
    desc: str = ""
    unit: str = ""
    axis_label: str = ""
    zero_y: float = 0.0
    grid: str = ""  # path data for the horizontal grid lines


@dataclass
class Multiples:
    """Small line charts side by side in one SVG (one box to lay out, however many panels)."""
    width: float
    height: float
    panels: list[dict]
    legend: list[dict]
    title: str = ""
    desc: str = ""


def multiples(charts_: list[tuple[str, LineChart]], title: str, per_row: int = 3, gap: float = 14.0) -> Multiples:
    """Place each (heading, chart) in a grid; the key lists every series style used, once."""
    panels = []
    seen: dict[str, dict] = {}
    for n, (heading, c) in enumerate(charts_):
        col, row = n % per_row, n // per_row
        panels.append({"x": col * (c.width + gap), "y": row * (c.height + 14), "heading": heading, "chart": c})
        for s in c.series:
            seen.setdefault(s["label"], s)
    if not charts_:
        return Multiples(0, 0, [], [], title, "Chart with no published values.")
    cw, ch = charts_[0][1].width, charts_[0][1].height
    rows = (len(charts_) + per_row - 1) // per_row
    width = min(len(charts_), per_row) * (cw + gap) - gap
    desc = " ".join(f"{heading}. {c.desc}" for heading, c in charts_)
    return Multiples(width, rows * (ch + 14), panels, list(seen.values()), title, desc)


def nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    exp = math.floor(math.log10(v))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * 10**exp >= v * (1 - 1e-12):
            return m * 10**exp
    return 10 ** (exp + 1)


def nice_step(span: float, ticks: int = 4) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving at most `ticks` intervals."""
    raw = span / ticks
    exp = math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * 10**exp >= raw * (1 - 1e-12):
            return m * 10**exp
    return 10 ** (exp + 1)


def value_range(values: list[float], unit: str) -> tuple[float, float]:
    """The y-axis: always includes zero, ends on a round tick; percentages run to 100 once values pass 60."""
    if not values:
        return 0.0, 1.0
    hi, lo = max(max(values), 0.0), min(min(values), 0.0)
    if unit == "%" and 60 < hi <= 100 and lo >= 0:
        return 0.0, 100.0
    if hi == lo:
        return 0.0, 1.0
    step = nice_step((hi - lo) * 1.05)
    return round(math.floor(lo / step) * step, 10), round(math.ceil(hi * 1.0001 / step) * step, 10)


def tick_label(v: float, span: float) -> str:
    return fmt_number(v, 0 if span >= 4 else (1 if span >= 0.4 else 2))


def line_chart(series: list[Series], title: str, unit: str, decimals: int, width: float = 470,
               height: float = 170, max_ticks: int = 8, axis_label: str = "") -> LineChart:
    periods = sorted({p for s in series for p, _, _ in s.points})
    years = [end_year(p) for p in periods]
    values = [v for s in series for _, v, _ in s.points if v is not None]
    y_lo, y_hi = value_range(values, unit)
    left, top, right, bottom = 50.0, 14.0, 12.0, 24.0
    pw, ph = width - left - right, height - top - bottom
    first, last = (min(years), max(years)) if years else (0, 0)
    span_years = max(1, last - first)

    def x(p: int) -> float:
        if first == last:
            return left + pw / 2
        return left + 8 + (pw - 16) * (end_year(p) - first) / span_years

    def y(v: float) -> float:
        return top + ph - ph * (v - y_lo) / (y_hi - y_lo)

    step = max(1, math.ceil(len(periods) / max_ticks))
    x_ticks = [(x(p), fmt_period(p)) for i, p in enumerate(periods) if (len(periods) - 1 - i) % step == 0]
    step = nice_step(y_hi - y_lo) if y_hi > y_lo else 1.0
    ticks = [y_lo + step * k for k in range(int(round((y_hi - y_lo) / step)) + 1)]
    y_ticks = [(y(t), tick_label(t, step * 4)) for t in ticks]
    chart = LineChart(width, height, left, top, pw, ph, x_ticks, y_ticks, title=title, unit=unit,
                      axis_label=axis_label, zero_y=y(0.0))
    chart.grid = "".join(f"M{left:.1f},{ty:.1f}H{left + pw:.1f}" for ty, _ in y_ticks)
    for i, s in enumerate(series):
        runs: list[list[tuple[float, float]]] = [[]]
        markers = []
        prev_year = None
        for p, v, status in sorted(s.points):
            if v is None:
                if runs[-1]:
                    runs.append([])
                chart.gaps.append({"x": x(p), "y": y(0.0), "symbol": status or "–", "series": i,
                                   "label": s.label})
                prev_year = None
                continue
            if prev_year is not None and end_year(p) - prev_year > 1 and runs[-1]:
                runs.append([])  # a year missing from the files: no line across it
            runs[-1].append((x(p), y(v)))
            markers.append({"x": x(p), "y": y(v), "label": fmt_number(v, decimals)})
            prev_year = end_year(p)
        k = i if s.style is None else s.style
        kind = MARKERS[k % len(MARKERS)]
        chart.series.append({
            "label": s.label, "colour": PALETTE[k % len(PALETTE)], "dash": DASHES[k % len(DASHES)],
            "marker": kind,
            "path": " ".join(" ".join(f"{'M' if j == 0 else 'L'}{px:.1f},{py:.1f}" for j, (px, py) in enumerate(run))
                             for run in runs if len(run) > 1),
            "marker_d": "".join(marker_path(kind, m["x"], m["y"]) for m in markers),
            "gap_d": "".join(marker_path(kind, g["x"], g["y"] - 4) for g in chart.gaps if g["series"] == i),
            "markers": markers,
        })
    chart.desc = describe(series, unit, decimals)
    return chart


def describe(series: list[Series], unit: str, decimals: int) -> str:
    """Alt text: what the chart shows, in words, with first and last values."""
    parts = []
    for s in series:
        pts = sorted(s.points)
        if not pts:
            continue
        first, last = pts[0], pts[-1]

        def show(pt: tuple[int, float | None, str | None]) -> str:
            return f"{fmt_value(pt[1], unit, decimals, pt[2])} in {fmt_period(pt[0])}"

        gaps = [fmt_period(p) for p, v, _ in pts if v is None]
        text = f"{s.label}: {show(first)} to {show(last)}"
        if gaps:
            text += f" (not published for {', '.join(gaps)})"
        parts.append(text)
    return "Line chart. " + "; ".join(parts) + "." if parts else "Chart with no published values."


@dataclass
class BarChart:
    width: float
    height: float
    left: float
    plot_w: float
    bars: list[dict]
    x_ticks: list[tuple[float, str]]
    title: str = ""
    desc: str = ""
    row_h: float = 14.0
    top: float = 4.0


def bar_chart(rows: list[tuple[str, float | None, str | None]], title: str, unit: str, decimals: int,
              width: float = 470) -> BarChart:
    """Horizontal bars from zero, one per category, the value printed at the end of each bar."""
    row_h, top, left, right = 14.0, 4.0, 190.0, 60.0
    values = [v for _, v, _ in rows if v is not None]
    lo, hi = value_range(values, unit)
    pw = width - left - right

    def x(v: float) -> float:
        return left + pw * (v - lo) / (hi - lo)

    bars = []
    for i, (label, v, status) in enumerate(rows):
        y0 = top + i * row_h
        text = fmt_value(v, unit, decimals, status)
        if v is None:
            bars.append({"label": label, "y": y0, "x": x(0), "w": 0, "text": text, "gap": True})
        else:
            a, b = sorted((x(0), x(v)))
            bars.append({"label": label, "y": y0, "x": a, "w": max(b - a, 0.5), "text": text, "gap": False,
                         "end": max(a, b)})
    step = nice_step(hi - lo)
    ticks = [(x(lo + step * k), tick_label(lo + step * k, step * 4)) for k in range(int(round((hi - lo) / step)) + 1)]
    height = top + len(rows) * row_h + 16
    desc = "Bar chart. " + "; ".join(f"{b['label']}: {b['text']}" for b in bars) + "." if bars else \
        "Chart with no published values."
    return BarChart(width, height, left, pw, bars, ticks, title=title, desc=desc, row_h=row_h, top=top)


@dataclass
class SpineRow:
    """One indicator in a spine chart: where the area sits among all local authorities."""
    label: str
    value: float | None
    status: str | None
    lowest: float | None
    q1: float | None
    q3: float | None
    highest: float | None
    england: float | None
    region: float | None
    neighbours: float | None
    polarity: str
    unit: str
    decimals: int


@dataclass
class SpineChart:
    width: float
    height: float
    left: float
    plot_w: float
    rows: list[dict]
    title: str = ""
    desc: str = ""
    row_h: float = 18.0
    top: float = 16.0


def spine_chart(rows: list[SpineRow], title: str, area: str, width: float = 500, left: float = 170.0,
                right: float = 64.0, row_h: float = 18.0, top: float = 16.0) -> SpineChart:
    """Each row spans the lowest to the highest local authority (the middle half darker), with the area,
    England, its region and its neighbours' median marked. Where an indicator has a polarity, better is
    on the right, so 'to the right' always reads 'better'; without one, higher is on the right."""
    pw = width - left - right
    out = []
    words = []
    for i, r in enumerate(rows):
        y0 = top + i * row_h
        item: dict = {"label": r.label, "y": y0, "text": fmt_value(r.value, r.unit, r.decimals, r.status),
                      "gap": r.value is None, "marks": [], "flipped": r.polarity == "lower_is_better"}
        if r.lowest is None or r.highest is None:
            item["range"] = None
            out.append(item)
            words.append(f"{r.label}: {area} {item['text']} (no range across local authorities)")
            item["desc"] = words[-1]
            continue
        lo, hi = r.lowest, r.highest
        flip = r.polarity == "lower_is_better"

        def x(v: float, lo: float = lo, hi: float = hi, flip: bool = flip) -> float:
            t = 0.5 if hi == lo else (v - lo) / (hi - lo)
            return left + pw * ((1 - t) if flip else t)

        a, b = sorted((x(lo), x(hi)))
        item["range"] = {"x": a, "w": b - a}
        if r.q1 is not None and r.q3 is not None:
            c, d = sorted((x(r.q1), x(r.q3)))
            item["iqr"] = {"x": c, "w": max(d - c, 1.0)}
        else:
            item["iqr"] = None
        ends = (fmt_value(hi if flip else lo, r.unit, r.decimals), fmt_value(lo if flip else hi, r.unit, r.decimals))
        item["ends"] = ends
        for kind, v in (("england", r.england), ("region", r.region), ("neighbours", r.neighbours)):
            if v is not None:
                item["marks"].append({"kind": kind, "x": x(min(max(v, lo), hi))})
        if r.value is not None:
            item["marks"].append({"kind": "area", "x": x(min(max(r.value, lo), hi))})
        parts = [f"{area} {item['text']}"]
        for name, v in (("England", r.england), ("region", r.region), ("neighbours' median", r.neighbours)):
            if v is not None:
                parts.append(f"{name} {fmt_value(v, r.unit, r.decimals)}")
        direction = "better to the right" if r.polarity != "none" else "higher to the right"
        words.append(f"{r.label}: {', '.join(parts)}; local authorities range from "
                     f"{fmt_value(lo, r.unit, r.decimals)} to {fmt_value(hi, r.unit, r.decimals)} ({direction})")
        item["desc"] = words[-1]
        out.append(item)
    height = top + len(rows) * row_h + 6
    desc = ("Spine chart. " + "; ".join(words) + ".") if words else "Chart with no published values."
    return SpineChart(width, height, left, pw, out, title=title, desc=desc, row_h=row_h, top=top)


def spine_cells(rows: list[SpineRow], area: str, width: float = 104.0) -> list[dict]:
    """One small spine per table row (drawn in the row's last cell), each with its own alt text."""
    chart = spine_chart(rows, "", area, width=width, left=3.0, right=3.0, row_h=12.0, top=0.0)
    for r in chart.rows:
        r["y"] = 0.0
        r["width"], r["height"] = width, 12.0
    return chart.rows


@dataclass
class DotPlot:
    """Every council's figure as a dot on its region's row, England as a line, the extremes named."""
    width: float
    height: float
    left: float
    top: float
    plot_w: float
    rows: list[dict]
    x_ticks: list[tuple[float, str]]
    reference: dict | None
    labels: list[dict]
    title: str = ""
    desc: str = ""
    unit: str = ""


def dot_plot(groups: list[tuple[str, list[tuple[str, float]]]], title: str, unit: str, decimals: int,
             reference: tuple[str, float] | None = None, width: float = 470, row_h: float = 15.0,
             named: int = 1) -> DotPlot:
    """One row per group (region) with a dot per member (council) at its value; the `named` lowest and
    highest of all are labelled with their names. `reference` (label, value) is drawn as a vertical line.
    Members without a published figure are not drawn (the text beside the chart counts them)."""
    left, right, top, bottom = 118.0, 14.0, 14.0, 20.0
    values = [v for _, members in groups for _, v in members]
    if reference is not None:
        values.append(reference[1])
    lo, hi = value_range(values, unit)
    pw = width - left - right

    def x(v: float) -> float:
        return left + pw * (v - lo) / (hi - lo)

    rows = []
    for i, (label, members) in enumerate(groups):
        y = top + i * row_h + row_h / 2
        dots = "".join(marker_path("circle", x(v), y, 2.4) for _, v in sorted(members, key=lambda m: m[1]))
        rows.append({"label": label, "y": y, "d": dots, "n": len(members)})
    height = top + len(groups) * row_h + bottom
    step = nice_step(hi - lo) if hi > lo else 1.0
    ticks = [lo + step * k for k in range(int(round((hi - lo) / step)) + 1)]
    x_ticks = [(x(t), tick_label(t, step * 4)) for t in ticks]
    everyone = sorted(((v, name, i) for i, (_, members) in enumerate(groups) for name, v in members))
    labels = []
    if everyone:
        n = min(named, max(1, len(everyone) // 2))
        room = 70.0  # beside the dot, on the side where no other council is, when the chart has the room
        for low, (v, name, i) in [*((True, e) for e in everyone[:n]), *((False, e) for e in everyone[-n:])]:
            outward = x(v) - left > room if low else left + pw - x(v) > room
            anchor = ("end" if low else "start") if outward else ("start" if low else "end")
            labels.append({"x": x(v) + (-4 if anchor == "end" else 4),
                           "y": rows[i]["y"] + (2.5 if outward else row_h * 0.62),  # else under its row's dots
                           "text": f"{name} {fmt_value(v, unit, decimals)}", "anchor": anchor})
    ref = None
    if reference is not None:
        ref = {"x": x(reference[1]), "label": f"{reference[0]} {fmt_value(reference[1], unit, decimals)}"}
    count = sum(len(m) for _, m in groups)
    desc = f"Dot plot of {count} councils in {len(groups)} regions"
    if everyone:
        desc += (f", from {everyone[0][1]} ({fmt_value(everyone[0][0], unit, decimals)}) to "
                 f"{everyone[-1][1]} ({fmt_value(everyone[-1][0], unit, decimals)})")
    if ref:
        desc += f"; {ref['label']} is marked by a line"
    return DotPlot(width, height, left, top, pw, rows, x_ticks, ref, labels, title, desc + ".", unit)


@dataclass
class FunnelPlot:
    """Every council's figure against its denominator, England's figure as the centre line, the 95% and
    99.8% limits as curves, and the councils outside the 99.8% limits named in a key beside the plot."""
    width: float
    height: float
    left: float
    top: float
    plot_w: float
    plot_h: float
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    centre: dict  # {"y", "label"}
    limits: list[dict]  # {"d", "kind": "95%" or "99.8%", "dash"}
    within_d: str  # the councils inside the 99.8% limits, as one path
    above_d: str
    below_d: str
    outliers: list[dict]  # {"name", "value", "side": "above" or "below", "text"}
    key: list[dict]  # the key's lines: {"x", "y", "text", "heading"}
    title: str = ""
    desc: str = ""
    unit: str = ""
    x_label: str = ""
    limit_key: list[dict] = field(default_factory=list)  # {"x", "label", "dash"}: how each limit is drawn
    x_lines: list[str] = field(default_factory=list)  # the x axis title, on one or two lines


FUNNEL_LIMITS = (("95", "95% limits", "4 2"), ("998", "99.8% limits", "1.2 1.6"))


def funnel_side(value: float, low: float, high: float) -> str:
    """'above' or 'below' the limits, or '' within them (a figure on a limit is within it)."""
    return "above" if value > high else "below" if value < low else ""


def funnel_position(row: dict) -> str | None:
    """Where a council's figure falls against its funnel limits, in a few words for a table cell: above or
    below the 99.8% limit (the councils a funnel plot marks and names), above or below the 95% limit (and
    within the 99.8%), or within the limits (a figure on a limit is within it). None without a figure or
    limits. `row` has value and the comparisons table's funnel columns."""
    if row.get("value") is None:
        return None
    for key, label, _ in reversed(FUNNEL_LIMITS):
        low, high = row.get(f"funnel_{key}_low"), row.get(f"funnel_{key}_high")
        if low is None or high is None:
            return None
        side = funnel_side(row["value"], low, high)
        if side:
            return f"{side} the {label.removesuffix('s')}"
    return "within the limits"


def funnel_plot(rows: list[dict], centre: float, title: str, unit: str, decimals: int, x_label: str = "",
                width: float = 470, plot_width: float = 232, height: float = 160) -> FunnelPlot:
    """`rows`: one per council with a published figure and denominator: name, denominator, value and the
    limits at its denominator (funnel_95_low/high, funnel_998_low/high, as the comparisons table has them;
    nothing is recomputed here). The limits are drawn through the councils' own denominators. The councils
    outside the 99.8% limits are drawn as triangles (pointing the way they lie) and named in the key, in
    two columns right of the plot; the others are small grey circles."""
    left, top, bottom = 34.0, 12.0, 24.0
    pw, ph = plot_width - left - 6.0, height - top - bottom
    got = sorted((r for r in rows if r.get("value") is not None and r.get("denominator")),
                 key=lambda r: (r["denominator"], r["name"]))
    x_max = nice_max(max((r["denominator"] for r in got), default=1.0))
    ys = [r["value"] for r in got] + [centre]
    ys += [r[f"funnel_998_{s}"] for r in got for s in ("low", "high") if r.get(f"funnel_998_{s}") is not None]
    lo, hi = value_range(ys, unit)

    def x(v: float) -> float:
        return left + pw * v / x_max

    def y(v: float) -> float:
        return top + ph - ph * (min(max(v, lo), hi) - lo) / (hi - lo)

    limits = []
    for key, label, dash in FUNNEL_LIMITS:
        for side in ("low", "high"):
            seen: dict[float, float] = {}
            for r in got:
                if r.get(f"funnel_{key}_{side}") is not None:
                    seen.setdefault(r["denominator"], r[f"funnel_{key}_{side}"])
            if len(seen) > 1:
                limits.append({"d": "M" + "L".join(f"{x(n):.1f},{y(v):.1f}" for n, v in seen.items()),
                               "kind": label, "dash": dash})
    within, above, below, outliers = [], [], [], []
    for r in got:
        side = "" if r.get("funnel_998_low") is None or r.get("funnel_998_high") is None \
            else funnel_side(r["value"], r["funnel_998_low"], r["funnel_998_high"])
        px, py = x(r["denominator"]), y(r["value"])
        if side == "above":
            above.append(f"M{px:.1f},{py - 3:.1f}L{px + 2.6:.1f},{py + 1.6:.1f}L{px - 2.6:.1f},{py + 1.6:.1f}Z")
        elif side == "below":
            below.append(f"M{px:.1f},{py + 3:.1f}L{px + 2.6:.1f},{py - 1.6:.1f}L{px - 2.6:.1f},{py - 1.6:.1f}Z")
        else:
            within.append(marker_path("circle", px, py, 1.5))
        if side:
            outliers.append({"name": r["name"], "value": r["value"], "side": side,
                             "text": f"{r['name']} {fmt_value(r['value'], unit, decimals)}"})
    ups = sorted((o for o in outliers if o["side"] == "above"), key=lambda o: (-o["value"], o["name"]))
    downs = sorted((o for o in outliers if o["side"] == "below"), key=lambda o: (o["value"], o["name"]))
    lines: list[tuple[str, bool]] = []
    for heading, group in ((f"▲ Above the 99.8% limits: {len(ups)}", ups),
                           (f"▼ Below the 99.8% limits: {len(downs)}", downs)):
        lines.append((heading, True))
        lines += [(o["text"], False) for o in group] or [("none", False)]
    line_h, key_top = 7.2, top
    per_col = max(math.ceil(len(lines) / 2), int((height - key_top) // line_h))
    col_w = (width - plot_width - 8.0) / 2
    key = [{"x": plot_width + 8.0 + (i // per_col) * col_w, "y": key_top + (i % per_col) * line_h + 5,
            "text": text, "heading": heading} for i, (text, heading) in enumerate(lines)]
    full_h = max(height, key_top + per_col * line_h + 2)
    step = nice_step(x_max)
    x_ticks = [(x(step * k), fmt_number(step * k)) for k in range(int(round(x_max / step)) + 1)]
    y_step = nice_step(hi - lo)
    y_ticks = [(y(lo + y_step * k), tick_label(lo + y_step * k, y_step * 4))
               for k in range(int(round((hi - lo) / y_step)) + 1)]
    centre_text = fmt_value(centre, unit, decimals)
    desc = (f"Funnel plot of {len(got):,} councils' figures against their denominator ({x_label or 'size'}), "
            f"with England's {centre_text} as the centre line and the 95% and 99.8% limits around it as curves. "
            f"{len(ups):,} {'lies' if len(ups) == 1 else 'lie'} above the 99.8% limits"
            + (f" ({', '.join(o['text'] for o in ups)})" if ups else "")
            + f" and {len(downs):,} below" + (f" ({', '.join(o['text'] for o in downs)})" if downs else "") + ".")
    words, x_lines = x_label.split(), [""]
    for w in words:  # the axis title on at most two lines of the plot's width (about 3.3pt a character)
        if x_lines[-1] and len(x_lines[-1]) + 1 + len(w) > pw / 3.3:
            x_lines.append(w)
        else:
            x_lines[-1] = f"{x_lines[-1]} {w}".strip()
    return FunnelPlot(width, full_h, left, top, pw, ph, x_ticks, y_ticks,
                      {"y": y(centre), "label": f"England {centre_text}"}, limits, "".join(within),
                      "".join(above), "".join(below), ups + downs, key, title, desc, unit, x_label,
                      [{"x": left + 60.0 * i, "label": label, "dash": dash}
                       for i, (_, label, dash) in enumerate(FUNNEL_LIMITS)], x_lines[:2])


@dataclass
class HexMap:
    """Every council as a hexagon of a published layout, coloured by the group its figure falls in; a
    council whose figure is a symbol is grey with the symbol in its hexagon, never a colour of a figure."""
    width: float
    height: float
    groups: list[dict]  # {"d", "colour", "label", "n"}: the hexagons of each colour group, as one path
    unpublished: dict  # {"d", "colour", "marks": [{"x", "y", "text"}], "label", "n"}
    key: list[dict]  # {"x", "y", "colour", "label"}
    title: str = ""
    desc: str = ""
    attribution: str = ""
    attribution_y: float = 0.0
    key_x: float = 0.0


# A sequential single-hue ramp (light to dark blue: ColorBrewer "Blues"), safe for colour-vision deficiencies;
# a council with no figure is grey, which no group uses.
HEX_RAMP = ("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
HEX_NONE = "#cfcfcf"


def hex_cell(q: int, r: int, size: float, rows: int, part: int = 0, parts: int = 1) -> tuple[str, float, float]:
    """One pointy-topped hexagon of an odd-r layout (r grows northwards, so it is drawn from the top down),
    or the `part`-th of `parts` vertical slices of it, west to east: (path data, centre x, centre y)."""
    w = math.sqrt(3) * size
    cx = w * (q + 0.5 * (r % 2)) + w / 2
    cy = size + 1.5 * size * (rows - 1 - r)
    corners = [(cx, cy - size), (cx + w / 2, cy - size / 2), (cx + w / 2, cy + size / 2), (cx, cy + size),
               (cx - w / 2, cy + size / 2), (cx - w / 2, cy - size / 2)]
    x0 = cx - w / 2 + w * part / parts
    x1 = x0 + w / parts
    for edge, keep in ((x0, lambda x, e: x >= e - 1e-9), (x1, lambda x, e: x <= e + 1e-9)):
        if parts == 1:
            break
        clipped = []
        for i, (ax, ay) in enumerate(corners):  # each side of the polygon against one vertical line
            bx, by = corners[(i + 1) % len(corners)]
            if keep(ax, edge):
                clipped.append((ax, ay))
            if keep(ax, edge) != keep(bx, edge):
                clipped.append((edge, ay + (by - ay) * (edge - ax) / (bx - ax)))
        corners = clipped
    d = "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in corners) + "Z"
    return d, (x0 + x1) / 2, cy


def hex_breaks(values: list[float], decimals: int, groups: int = len(HEX_RAMP)) -> list[float]:
    """The upper bounds of all but the last group: equal numbers of councils in each (quantiles), on the
    figures as printed, so two councils that print alike are always in the same group."""
    shown = sorted(float(round_half(v, decimals)) for v in values)
    if not shown:
        return []
    out: list[float] = []
    for k in range(1, groups):
        b = shown[min(len(shown) - 1, math.ceil(k * len(shown) / groups) - 1)]
        if (not out or b > out[-1]) and b < shown[-1]:
            out.append(b)
    return out


def round_half(v: float, decimals: int) -> float:
    from carestats.reports.formatting import shown

    return float(shown(v, decimals))


def hex_map(cells: list[dict], title: str, unit: str, decimals: int, attribution: str, map_width: float = 236,
            width: float = 470) -> HexMap:
    """`cells`: one per council: code, name, q, r, part, parts (its slice of a shared hexagon), value and
    status (the publisher's symbol, or None with no value when the files have no figure)."""
    cols = max((c["q"] for c in cells), default=0) + 1.5
    rows = max((c["r"] for c in cells), default=0) + 1
    size = map_width / cols / math.sqrt(3)
    published = [c for c in cells if c["value"] is not None]
    breaks = hex_breaks([c["value"] for c in published], decimals)
    groups = [{"d": "", "colour": HEX_RAMP[i], "n": 0, "values": []} for i in range(len(breaks) + 1)]
    none = {"d": "", "colour": HEX_NONE, "marks": [], "n": 0, "names": []}
    for c in sorted(cells, key=lambda c: (c["r"], c["q"], c["part"], c["code"])):
        d, x, y = hex_cell(c["q"], c["r"], size, rows, c["part"], c["parts"])
        if c["value"] is None:
            none["d"] += d
            none["n"] += 1
            mark = c["status"] or "–"
            none["marks"].append({"x": x, "y": y + 1.8, "text": mark})
            none["names"].append(f"{c['name']} ({mark})")
            continue
        v = round_half(c["value"], decimals)
        g = groups[next((k for k, b in enumerate(breaks) if v <= b), len(breaks))]
        g["d"] += d
        g["n"] += 1
        g["values"].append(v)
    for g in groups:  # each group by the lowest and highest printed figure in it
        lo, hi = (fmt_value(min(g["values"]), unit, decimals), fmt_value(max(g["values"]), unit, decimals)) \
            if g["values"] else ("", "")
        g["label"] = f"{lo} to {hi} ({g['n']:,})" if lo != hi else f"{lo} ({g['n']:,})"
    from carestats.reports.formatting import SYMBOLS

    height = size * 2 + 1.5 * size * (rows - 1)
    key_x = map_width + 14.0
    key = [{"x": key_x, "y": 20.0 + 11.0 * i, "colour": g["colour"], "label": g["label"], "mark": ""}
           for i, g in enumerate(reversed(groups))]
    for mark in sorted({m["text"] for m in none["marks"]}):  # each symbol in grey, with its meaning
        n = sum(m["text"] == mark for m in none["marks"])
        meaning = SYMBOLS.get(mark, "no figure in the files")
        key.append({"x": key_x, "y": 20.0 + 11.0 * len(key), "colour": HEX_NONE, "mark": mark,
                    "label": f"{mark}: {meaning} ({n:,})"})
    desc = (f"Hex map of {len(cells):,} councils in England, one hexagon each, shaded in {len(groups)} groups "
            f"of about equal size from light (lowest) to dark (highest): "
            + "; ".join(g["label"] for g in groups) + ".")
    if none["n"]:
        desc += f" Grey, with the publisher's symbol or a dash: {', '.join(none['names'])}."
    return HexMap(max(width, key_x), height + 12, [g for g in groups if g["n"]], none, key, title, desc,
                  attribution, height + 9, key_x)
