"""Chart geometry for hand-drawn SVG: pure functions returning what templates/_charts.html.j2 draws.

Axes start at zero (no truncated axes), each series has its own colour, dash and marker shape (colour is
never the only cue), and a value that is not published is a gap with its symbol marked at the baseline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from carestats.formatting import fmt_number, fmt_period

# Okabe-Ito colours, safe for the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
DASHES = ["", "6 3", "2 2", "8 3 2 3", "4 4", "1 3", ""]
MARKERS = ["circle", "square", "triangle", "diamond", "circle", "square", "triangle"]


@dataclass
class Series:
    label: str
    points: list[tuple[int, float | None, str | None]]  # (period, value, status)


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


def nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    exp = math.floor(math.log10(v))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * 10**exp >= v:
            return m * 10**exp
    return 10 ** (exp + 1)


def line_chart(series: list[Series], title: str, unit: str, decimals: int, width: float = 460,
               height: float = 190, max_ticks: int = 8) -> LineChart:
    periods = sorted({p for s in series for p, _, _ in s.points})
    values = [v for s in series for _, v, _ in s.points if v is not None]
    top_v = 100.0 if unit == "%" and values and max(values) > 60 else nice_max(max(values) * 1.05 if values else 1)
    left, top, right, bottom = 52.0, 10.0, 10.0, 26.0
    pw, ph = width - left - right, height - top - bottom
    n = len(periods)

    def x(p: int) -> float:
        i = periods.index(p)
        return left + (pw * (i + 0.5) / n if n else 0)

    def y(v: float) -> float:
        return top + ph - ph * v / top_v

    step = max(1, math.ceil(n / max_ticks))
    x_ticks = [(x(p), fmt_period(p)) for i, p in enumerate(periods) if (n - 1 - i) % step == 0]
    y_ticks = [(y(top_v * k / 4), fmt_number(top_v * k / 4, 0 if top_v >= 4 else 1)) for k in range(5)]
    chart = LineChart(width, height, left, top, pw, ph, x_ticks, y_ticks, title=title, unit=unit)
    for i, s in enumerate(series):
        runs: list[list[tuple[float, float]]] = [[]]
        markers = []
        for p, v, status in sorted(s.points):
            if v is None:
                if runs[-1]:
                    runs.append([])
                chart.gaps.append({"x": x(p), "y": top + ph, "symbol": status or "–", "series": i})
                continue
            runs[-1].append((x(p), y(v)))
            markers.append({"x": x(p), "y": y(v), "label": fmt_number(v, decimals)})
        chart.series.append({
            "label": s.label, "colour": PALETTE[i % len(PALETTE)], "dash": DASHES[i % len(DASHES)],
            "marker": MARKERS[i % len(MARKERS)],
            "paths": [" ".join(f"{'M' if j == 0 else 'L'}{px:.1f},{py:.1f}" for j, (px, py) in enumerate(run))
                      for run in runs if run],
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
            val = fmt_number(pt[1], decimals, pt[2])
            return f"{val}{'%' if unit == '%' and pt[1] is not None else ''} in {fmt_period(pt[0])}"

        parts.append(f"{s.label}: {show(first)} to {show(last)}")
    return "Line chart. " + "; ".join(parts) + "." if parts else "Chart with no published values."
