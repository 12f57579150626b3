"""The targets of issues 7 and 16, judged on the benchmark's medians, and the table `make bench` prints."""

from __future__ import annotations

from measure import Measurement

TARGETS = {
    "full_cold_build": "full cold build ≤ 60 s",
    "ingest_vs_scan": "ingest + compute ≤ 3 × the bare DuckDB scan",
    "pandas_speedup": "≥ 5 × faster than the pandas baseline",
    "noop_rebuild": "no-op rebuild ≤ 1 s",
    "one_la_report": "one LA report ≤ 2 s",
    "site": "web edition ≤ 15 s on top of the data stages",
    "linear": "cost at {n}× within 15 % of linear",
    "ssda903_one_year": "SSDA903 validated and computed, one council-year ≤ 30 s",
    "ssda903_five_years": "SSDA903 validated and computed, five council-years ≤ 60 s",
    "cold_build_90": "full cold build ≤ 90 s (issue 16)",
    "la_render_cpu": "WeasyPrint CPU per LA report ≤ 0.8 s",
    "england_render_cpu": "WeasyPrint CPU for the England report ≤ 4 s",
}
RENDER_NOTE = "parse, layout and write in one warm process, least of the runs"
SSDA903_NOTE = "carestats build --ssda903 --no-reports: the DfE's rules, the pseudonymised tables, the local indicators"
PANDAS_NOTE = "ingest + compute also checks every file, reads the workbooks and writes the exports"


def _row(key: str, figure: float | None, limit: float, unit: str, met: bool | None, note: str = "",
         **fmt: object) -> dict:
    return {"target": key, "what": TARGETS[key].format(**fmt),
            "figure": None if figure is None else round(figure, 3), "unit": unit, "limit": limit, "met": met,
            "note": note}


def _at_most(figure: float | None, limit: float) -> bool | None:
    return None if figure is None else figure <= limit


def verdicts(results: dict[str, Measurement], scales: list[dict], render_cpu: dict | None = None) -> list[dict]:
    """Each target with the measured figure and whether it is met (None: not measured). render_cpu: WeasyPrint's
    CPU seconds per report (`la_report_s`, the median of the LA sample; `england_report_s`), as run.py measures."""
    def wall(name: str) -> float | None:
        m = results.get(name)
        return m.wall_s if m else None

    cold, ingest, scan, pandas = (wall(n) for n in ("full_cold_build", "ingest_compute", "bare_scan",
                                                    "pandas_baseline"))
    ratio = ingest / scan if ingest and scan else None
    speedup = pandas / ingest if ingest and pandas else None
    noop, la = wall("noop_rebuild"), wall("one_la_report")
    la_note = "" if la is not None else results["one_la_report"].note if "one_la_report" in results else ""
    out = [
        _row("full_cold_build", cold, 60, "s", _at_most(cold, 60), _render_note(cold, ingest, wall("render_floor"))),
        _row("ingest_vs_scan", ratio, 3.0, "× scan", _at_most(ratio, 3.0)),
        _row("pandas_speedup", speedup, 5, "× faster", None if speedup is None else speedup >= 5,
             PANDAS_NOTE),
        _row("noop_rebuild", noop, 1, "s", _at_most(noop, 1)),
        _row("one_la_report", la, 2, "s", _at_most(la, 2), la_note),
        _site(wall("site_html"), ingest),
        _row("ssda903_one_year", wall("ssda903_one_year"), 30, "s", _at_most(wall("ssda903_one_year"), 30),
             SSDA903_NOTE),
        _row("ssda903_five_years", wall("ssda903_five_years"), 60, "s", _at_most(wall("ssda903_five_years"), 60),
             SSDA903_NOTE),
    ]
    cpu = render_cpu or {}
    la_cpu, england_cpu, notes = cpu.get("la_report_s"), cpu.get("england_report_s"), cpu.get("notes", {})
    out += [
        _row("cold_build_90", cold, 90, "s", _at_most(cold, 90)),
        _row("la_render_cpu", la_cpu, 0.8, "s CPU", _at_most(la_cpu, 0.8),
             notes.get("la_report_s") or f"median of the sample; {RENDER_NOTE}"),
        _row("england_render_cpu", england_cpu, 4, "s CPU", _at_most(england_cpu, 4),
             notes.get("england_report_s") or RENDER_NOTE),
    ]
    base = next((s for s in scales if s["scale"] == 1), None)
    for s in scales:
        if s["scale"] != 1:
            out.append(_linear(base, s))
    return out


def _site(html: float | None, data: float | None) -> dict:
    """The web edition's own time: `build --format html` less `build --no-reports` (both from empty folders)."""
    if html is None or data is None:
        return _row("site", None, 15, "s", None)
    own = max(html - data, 0.0)
    return _row("site", own, 15, "s", own <= 15, f"build --format html {html:.1f} s, the data stages {data:.1f} s")


def _render_note(cold: float | None, data: float | None, floor: float | None) -> str:
    """Where the cold build's time goes: rendering (the build less ingest + compute) beside WeasyPrint alone."""
    if cold is None or data is None or floor is None:
        return ""
    rendering = max(cold - data, 0.0)
    return (f"rendering about {rendering:.0f} s of it; WeasyPrint alone on the same HTML {floor:.0f} s, "
            f"so carestats adds {max(rendering - floor, 0.0):.0f} s")


def _linear(base: dict | None, s: dict) -> dict:
    """Cost against data: time at N× over time at 1×, divided by the rows at N× over the rows at 1×."""
    n = s["scale"]
    if not base or not base["ok"]:
        return _row("linear", None, 15, "% over linear", None, "the 1× run failed", n=n)
    data = s["rows"] / base["rows"]
    if s["ok"]:
        cost = s["wall_s"] / base["wall_s"]
        over = cost / data - 1
        return _row("linear", over * 100, 15, "% over linear", over <= 0.15,
                    f"{cost:.1f}× the time for {data:.1f}× the rows", n=n)
    if s["error"].startswith("stopped: still running"):
        low = s["time_limit_s"] / base["wall_s"] / data - 1
        return _row("linear", None, 15, "% over linear", False,
                    f"{s['error']}: at least {low * 100:.0f} % over linear", n=n)
    return _row("linear", None, 15, "% over linear", False, s["error"], n=n)  # cannot run at this scale here


def table(results: dict[str, Measurement], scales: list[dict], targets: list[dict]) -> str:
    lines = [f"{'measurement':<22} {'median wall':>11} {'cpu':>9} {'peak MB':>8} {'runs':>4}  what"]
    for m in results.values():
        wall = f"{m.wall_s:.2f} s" if m.ok else "—"
        cpu = f"{m.cpu_s:.2f} s" if m.ok else "—"
        peak = f"{m.peak_rss_mb:,.0f}" if m.peak_rss_mb else "—"
        note = m.note or ("" if m.ok else m.runs[-1].error if m.runs else "")
        lines.append(f"{m.name:<22} {wall:>11} {cpu:>9} {peak:>8} {len(m.runs):>4}  {note or m.what}")
    if scales:
        head = f"{'scale':<6} {'rows':>11} {'MB':>8} {'wall':>9} {'cpu':>9} {'peak MB':>8}  data made in"
        lines += ["", head]
        for s in scales:
            wall = f"{s['wall_s']:.1f} s" if s["ok"] else "—"
            cpu = f"{s['cpu_s']:.1f} s" if s["ok"] else "—"
            peak = f"{s['peak_rss_mb']:,.0f}" if s["peak_rss_mb"] else "—"
            lines.append(f"{str(s['scale']) + '×':<6} {s['rows']:>11,} {s['bytes'] / 1e6:>8,.1f} {wall:>9} "
                         f"{cpu:>9} {peak:>8}  {s['generate_s']:.0f} s{'' if s['ok'] else '; ' + s['error']}")
    lines += ["", f"{'target':<46} {'measured':>17}  met"]
    for t in targets:
        fig = "—" if t["figure"] is None else f"{t['figure']:.2f} {t['unit']}"
        met = {True: "yes", False: "NO", None: "not measured"}[t["met"]]
        lines.append(f"{t['what']:<46} {fig:>17}  {met}{'  (' + t['note'] + ')' if t['note'] else ''}")
    return "\n".join(lines)
