"""WeasyPrint's CPU time on a sample of local authority reports, step by step (issue 16, part 5).

    python benchmarks/la_render_cpu.py --build BUILD [--sample 10] [--reps 3] [--json OUT]
    python benchmarks/la_render_cpu.py --build BUILD --src OLD/src --src NEW/src   # two checkouts compared

The HTML is carestats' own for each report (benchmarks/render_floor.py's `write_html`, so exactly what a
build gives WeasyPrint); then, in this one process, each report is parsed (`HTML(...)`), laid out
(`render()`) and written (`write_pdf`) with the build's PDF options and fetcher, `--reps` times, and the
CPU time (`time.process_time`: this process only, so other jobs on a shared machine count for little) of
each step is kept; the table shows each report's least CPU time over the repetitions and the median over
the sample. The sample: `--sample` councils spread evenly over the build's LAs by code (or `--areas`).
Also counts what the layout is given: elements, inline <svg>s, images (the spines are SVG images) and
table cells.

With `--src` given more than once, each checkout makes its own HTML (in a process of its own, with its
`src` first on the path) and the repetitions of the checkouts alternate report by report, so that a
shared machine's load falls on each alike; the table then has one block per checkout.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def sample_areas(build: Path, n: int) -> list[str]:
    """`n` LA codes spread evenly over the build's local authorities, sorted by code."""
    import duckdb

    con = duckdb.connect(str(build / "carestats.duckdb"), read_only=True)
    try:
        codes = [r[0] for r in con.execute(
            "SELECT DISTINCT area_code FROM main.indicator_values WHERE geographic_level = 'Local authority' "
            "ORDER BY 1").fetchall()]
    finally:
        con.close()
    if not codes:
        raise SystemExit("no local authorities in the build")
    step = max(len(codes) / n, 1)
    return sorted({codes[int(i * step)] for i in range(min(n, len(codes)))})


def counts(html: str) -> dict[str, int]:
    return {"elements": len(re.findall(r"<[a-zA-Z]", html)), "svg": html.count("<svg"),
            "images": html.count("<img"), "cells": len(re.findall(r"<t[dh][ >]", html))}


def time_once(item: dict, html_dir: Path, best: dict) -> int:
    """One parse, layout and write of the report: each step's CPU time kept in `best` if lower; its pages.
    The report's stylesheet is its own checkout's (`item["templates"]`)."""
    import weasyprint

    from carestats.reports import render

    html = (html_dir / item["html"]).read_text(encoding="utf-8")
    templates = Path(item["templates"])
    dirs = [*(Path(d) for d in item["template_dirs"]), templates]
    with tempfile.TemporaryDirectory() as tmp:
        gc.collect()
        fetcher = render.make_fetcher(dirs, tuple(Path(a) for a in item["assets"]))
        t0 = time.process_time()
        doc = weasyprint.HTML(string=html, base_url=str(templates) + "/", url_fetcher=fetcher)
        t1 = time.process_time()
        laid = doc.render(**{k: v for k, v in render.PDF_OPTIONS.items() if k != "attachments"})
        t2 = time.process_time()
        laid.write_pdf(Path(tmp) / "out.pdf", **render.PDF_OPTIONS)
        t3 = time.process_time()
    for step, took in (("parse", t1 - t0), ("layout", t2 - t1), ("write", t3 - t2)):
        best[step] = min(best.get(step, float("inf")), took)
    return len(laid.pages)


def make_html(src: Path | None, build: Path, to: Path, areas: list[str]) -> list[dict]:
    """The LA reports' HTML of the checkout whose package folder is `src` (None: this one)."""
    import subprocess

    code = ("import sys; sys.path.insert(0, sys.argv[1]); import render_floor; from pathlib import Path; "
            "render_floor.write_html(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4:]); "
            "from carestats.core import paths; print(paths.TEMPLATES_DIR)")
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src.resolve())
    made = subprocess.run([sys.executable, "-c", code, str(Path(__file__).resolve().parent), str(build), str(to),
                           *areas], check=True, env=env, capture_output=True, text=True)
    import render_floor

    templates = made.stdout.strip().splitlines()[-1]
    return [{**i, "templates": templates} for i in json.loads((to / render_floor.LIST).read_text())
            if i["pdf"].startswith("E")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", type=Path, required=True, help="a build folder (`build --no-reports` will do)")
    ap.add_argument("--sample", type=int, default=10)
    ap.add_argument("--areas", nargs="*", help="LA codes instead of the even sample")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--src", type=Path, action="append",
                    help="a checkout's package folder (its src/); give two or more to compare them")
    args = ap.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1735689600")

    areas = args.areas or sample_areas(args.build, args.sample)
    srcs: list[Path | None] = list(args.src or [None])
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        dirs = [Path(tmp) / str(n) for n in range(len(srcs))]
        items = [make_html(src, args.build, d, areas) for src, d in zip(srcs, dirs)]
        import weasyprint  # noqa: F401  (its import is not the report's cost)

        gc.set_threshold(50_000, 20, 100)  # as a render worker has it (reports/render.py GC_THRESHOLD)
        best: list[list[dict]] = [[{} for _ in its] for its in items]
        pages: list[list[int]] = [[0] * len(its) for its in items]
        for _ in range(args.reps):
            for k in range(len(items[0])):
                for n in range(len(srcs)):  # the checkouts alternate, report by report
                    pages[n][k] = time_once(items[n][k], dirs[n], best[n][k])
        tables = []
        for n, src in enumerate(srcs):
            rows = []
            for k, item in enumerate(items[n]):
                html = (dirs[n] / item["html"]).read_text(encoding="utf-8")
                b = best[n][k]
                b["total"] = b["parse"] + b["layout"] + b["write"]
                rows.append({"pdf": item["pdf"], "pages": pages[n][k], **counts(html),
                             **{s: round(v, 3) for s, v in b.items()}})
            tables.append({"src": str(src or "this checkout"), "rows": rows})
    load.append(os.getloadavg()[0])
    cols = ["pdf", "pages", "elements", "svg", "images", "cells", "parse", "layout", "write", "total"]
    for t in tables:
        print(f"\n{t['src']}: least CPU seconds of {args.reps} per report")
        print("| " + " | ".join(cols) + " |")
        print("|" + "---|" * len(cols))
        for r in t["rows"]:
            print("| " + " | ".join(str(r[c]) for c in cols) + " |")
        t["median"] = {c: statistics.median(r[c] for r in t["rows"]) for c in cols[1:]}
        print("| **median** | " + " | ".join(f"{t['median'][c]:g}" for c in cols[1:]) + " |")
    print(f"\nload average {load[0]:.2f} before, {load[1]:.2f} after")
    if args.json:
        args.json.write_text(json.dumps({"load": load, "checkouts": tables}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
