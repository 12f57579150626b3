"""WeasyPrint's CPU time on the England report, step by step (issue 16: the England report ≤ 4 s).

    python benchmarks/england_render_cpu.py --build BUILD [--reps 3] [--json OUT]
    python benchmarks/england_render_cpu.py --build BUILD --src OLD/src --src NEW/src   # checkouts compared
    python benchmarks/england_render_cpu.py --build BUILD --html A.html --html B.html   # HTML variants
    python benchmarks/england_render_cpu.py --build BUILD --profile OUT.prof           # cProfile of one run

BUILD is a build folder (`carestats build --raw RAW --out BUILD --no-reports` will do). Each checkout
(`--src`, its `src/` folder; none: this one) makes the England report's HTML in a process of its own,
through carestats' own render path with the PDF step replaced by keeping the HTML (benchmarks/
render_floor.py's `write_html`), so the HTML is exactly what a build gives WeasyPrint. Then, in this one
process, the report is parsed (`HTML(...)`), laid out (`render()`) and written (`write_pdf`) with the
build's PDF options and fetcher (benchmarks/la_render_cpu.py's `time_once`), `--reps` times, the
checkouts alternated run by run so that a shared machine's load falls on each alike; the table shows the
least CPU time (`time.process_time`) of each step over the repetitions. `--html FILE` adds a hand-edited
HTML file (with the templates of this checkout), for trying a change of layout before writing it.

Also counts what the layout is given (elements, table cells, inline <svg>s) and, with `--pages`, lists
each page of the last checkout's PDF: how far down its content reaches (the share of the page's content
area filled) and the first heading on it, to find pages left mostly empty.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import la_render_cpu  # noqa: E402  (its counts and its timing of one parse, layout and write)


def make_html(src: Path | None, build: Path, to: Path) -> dict:
    """The England report's HTML of the checkout whose package folder is `src` (None: this one)."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import render_floor; from pathlib import Path; "
            "render_floor.write_html(Path(sys.argv[2]), Path(sys.argv[3]), []); "
            "from carestats.core import paths; print(paths.TEMPLATES_DIR)")
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src.resolve())
    made = subprocess.run([sys.executable, "-c", code, str(Path(__file__).resolve().parent), str(build), str(to)],
                          check=True, env=env, capture_output=True, text=True)
    import render_floor

    templates = made.stdout.strip().splitlines()[-1]
    items = [i for i in json.loads((to / render_floor.LIST).read_text()) if i["pdf"].startswith("england")]
    if len(items) != 1:
        raise SystemExit(f"expected the England report's HTML in {to}, found {len(items)}")
    return {**items[0], "templates": templates}


def page_fill(html: str, item: dict) -> list[tuple[int, float, str]]:
    """Each page of the laid-out report: its number, the share of its content area that its content
    reaches down to, and the first heading (h1-h3 or caption) that starts on it."""
    import weasyprint

    from carestats.reports import render

    templates = Path(item["templates"])
    fetcher = render.make_fetcher([*(Path(d) for d in item["template_dirs"]), templates],
                                  tuple(Path(a) for a in item["assets"]))
    doc = weasyprint.HTML(string=html, base_url=str(templates) + "/", url_fetcher=fetcher).render(
        **{k: v for k, v in render.PDF_OPTIONS.items() if k != "attachments"})
    out = []
    for n, page in enumerate(doc.pages, 1):
        root = page._page_box
        top = root.content_box_y()
        height = root.height
        lowest, heading = top, ""
        stack = [*root.children]
        while stack:
            box = stack.pop()
            if type(box).__name__ == "MarginBox":
                continue
            if box.element_tag in ("h1", "h2", "h3", "caption") and not heading:
                heading = " ".join(_text(box).split())[:60]
            kind = type(box).__name__
            if kind in ("LineBox", "TableRowBox") or kind.endswith("ReplacedBox"):  # what is seen, not
                lowest = max(lowest, box.position_y + box.margin_height() - box.margin_bottom)  # its blocks
            elif getattr(box, "children", None) is not None:
                stack.extend(reversed(box.children))
        out.append((n, (lowest - top) / height if height else 0.0, heading))
    return out


def _text(box) -> str:  # type: ignore[no-untyped-def]
    if hasattr(box, "text"):
        return box.text
    return " ".join(_text(c) for c in getattr(box, "children", []))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", type=Path, required=True, help="a build folder (`build --no-reports` will do)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--src", type=Path, action="append",
                    help="a checkout's package folder (its src/); give two or more to compare them")
    ap.add_argument("--html", type=Path, action="append", help="an England HTML file to time as well")
    ap.add_argument("--keep-html", type=Path, help="copy each checkout's HTML into this folder")
    ap.add_argument("--pages", action="store_true", help="list each page's fill and first heading")
    ap.add_argument("--profile", type=Path, help="cProfile one parse, layout and write into this file")
    args = ap.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1735689600")

    srcs: list[Path | None] = list(args.src or ([] if args.html else [None]))
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        names, items, htmls = [], [], []
        for n, src in enumerate(srcs):
            d = Path(tmp) / str(n)
            item = make_html(src, args.build, d)
            names.append(str(src or "this checkout"))
            items.append(item)
            htmls.append(d / item["html"])
            if args.keep_html:
                args.keep_html.mkdir(parents=True, exist_ok=True)
                (args.keep_html / f"{n}-{item['pdf'].removesuffix('.pdf')}.html").write_text(
                    htmls[-1].read_text(encoding="utf-8"), encoding="utf-8")
        if args.html:
            base = items[-1] if items else make_html(None, args.build, Path(tmp) / "here")
            for h in args.html:
                names.append(str(h))
                items.append({**base, "html": h.name})
                htmls.append(h.resolve())
        import gc

        import weasyprint  # noqa: F401  (its import is not the report's cost)

        gc.set_threshold(50_000, 20, 100)  # as a render worker has it (reports/render.py GC_THRESHOLD)
        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
            la_render_cpu.time_once(items[-1], htmls[-1].parent, {})
            prof.disable()
            prof.dump_stats(args.profile)
            print(f"profile of {names[-1]} in {args.profile}")
        best: list[dict] = [{} for _ in items]
        pages = [0] * len(items)
        for _ in range(args.reps):
            for n, item in enumerate(items):  # the checkouts alternate, run by run
                pages[n] = la_render_cpu.time_once(item, htmls[n].parent, best[n])
        rows = []
        for n, item in enumerate(items):
            html = htmls[n].read_text(encoding="utf-8")
            b = best[n]
            b["total"] = b["parse"] + b["layout"] + b["write"]
            rows.append({"checkout": names[n], "pages": pages[n], **la_render_cpu.counts(html),
                         **{s: round(v, 3) for s, v in b.items()}})
        fill = page_fill(htmls[-1].read_text(encoding="utf-8"), items[-1]) if args.pages else []
    load.append(os.getloadavg()[0])
    cols = ["checkout", "pages", "elements", "cells", "svg", "parse", "layout", "write", "total"]
    print(f"\nEngland report: least CPU seconds of {args.reps}")
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")
    if fill:
        print(f"\npages of {names[-1]}: share of the content area filled, first heading")
        for n, share, heading in fill:
            print(f"{n:3d} {share:5.0%}  {heading}")
    print(f"\nload average {load[0]:.2f} before, {load[1]:.2f} after")
    if args.json:
        args.json.write_text(json.dumps({"load": load, "rows": rows,
                                         "pages": [{"page": n, "fill": round(s, 3), "heading": h}
                                                   for n, s, h in fill]}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
