"""The floor for rendering: WeasyPrint alone, on the very HTML a build makes, with the build's pool size.

    python benchmarks/render_floor.py html --build BUILD --to DIR    # every report's HTML (not timed)
    python benchmarks/render_floor.py pdf --html DIR --to DIR [--jobs N]  # the floor (time this command)

`html` goes through carestats' own path (`carestats render`, one process) with the PDF step replaced by
writing the HTML, so the files are exactly what WeasyPrint is given in a build. `pdf` starts N fresh
processes, each importing WeasyPrint, and turns every HTML file into a PDF with carestats' PDF options and
asset fetcher, largest file first: nothing of carestats runs but the call into WeasyPrint. What a build's
render stage costs above this (making HTML, the report data, reusing unchanged reports) is carestats'.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

LIST = "reports.json"  # in the HTML folder: each HTML file's report name and template folders


def write_html(build: Path, to: Path, areas: list[str] | None = None) -> int:
    """Every report's HTML as a build makes it (England and the LAs, or only `areas`), into `to`; how many."""
    from carestats.core.progress import Reporter
    from carestats.core.settings import Settings
    from carestats.pipeline import build as stages
    from carestats.reports import render

    to.mkdir(parents=True, exist_ok=True)
    made: list[dict] = []

    def keep_html(html: str, out: Path, template_dirs=None, asset_files=()) -> None:  # type: ignore[no-untyped-def]
        name = f"{len(made):03d}-{out.stem}.html"
        (to / name).write_text(html, encoding="utf-8")
        made.append({"html": name, "pdf": out.name, "template_dirs": [str(d) for d in template_dirs or []],
                     "assets": [str(a) for a in asset_files]})

    real, render.html_to_pdf = render.html_to_pdf, keep_html  # for this call only
    try:
        stages.render_reports(build, Reporter(quiet=True), Settings(jobs=1, areas=areas, force=True),
                              aside=to / "aside")
    finally:
        render.html_to_pdf = real
    for item in made:  # the date the build gives its PDFs, so that the floor's PDFs are the build's bytes
        item["epoch"] = os.environ.get("SOURCE_DATE_EPOCH", "")
    (to / LIST).write_text(json.dumps(made, indent=1), encoding="utf-8")
    return len(made)


def _pdf(item: dict, html_dir: str, to: str) -> None:
    from carestats.reports import render

    if item["epoch"]:
        os.environ["SOURCE_DATE_EPOCH"] = item["epoch"]
    html = (Path(html_dir) / item["html"]).read_text(encoding="utf-8")
    render.html_to_pdf(html, Path(to) / item["pdf"], [Path(d) for d in item["template_dirs"]],
                       tuple(Path(a) for a in item["assets"]))


def write_pdfs(html_dir: Path, to: Path, jobs: int) -> int:
    items = json.loads((html_dir / LIST).read_text(encoding="utf-8"))
    items.sort(key=lambda i: -(html_dir / i["html"]).stat().st_size)  # the longest first, as a build does
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn")) as pool:
        list(pool.map(_pdf, items, [str(html_dir)] * len(items), [str(to)] * len(items)))
    return len(items)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="step", required=True)
    h = sub.add_parser("html", help="write every report's HTML from an existing build")
    h.add_argument("--build", type=Path, required=True)
    h.add_argument("--to", type=Path, required=True)
    p = sub.add_parser("pdf", help="WeasyPrint alone: every HTML file to a PDF")
    p.add_argument("--html", type=Path, required=True)
    p.add_argument("--to", type=Path, required=True)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    if args.step == "html":
        print(f"{write_html(args.build, args.to)} reports' HTML in {args.to}")
    else:
        args.to.mkdir(parents=True, exist_ok=True)
        print(f"{write_pdfs(args.html, args.to, args.jobs)} PDFs in {args.to}")


if __name__ == "__main__":
    sys.exit(main())
