"""WeasyPrint's CPU time on the England report, two checkouts alternated (issue 16: the chapters' charts).

    python benchmarks/england_render_cpu.py --build BUILD --src OLD/src --src NEW/src [--reps 5]

Each checkout makes the England report's HTML as a build gives it (benchmarks/render_floor.py's
`write_html` with no local authority, in a process of its own with its `src` first on the path); then, in
this one process, the two HTMLs are parsed, laid out and written in turn, `--reps` times, each step's
least CPU time kept (la_render_cpu.py's `time_once`: `time.process_time`, this process only).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def england_html(src: Path, build: Path, to: Path) -> dict:
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import render_floor; from pathlib import Path; "
            "render_floor.write_html(Path(sys.argv[2]), Path(sys.argv[3]), []); "
            "from carestats.core import paths; print(paths.TEMPLATES_DIR)")
    env = {**os.environ, "PYTHONPATH": str(src.resolve())}
    made = subprocess.run([sys.executable, "-c", code, str(Path(__file__).resolve().parent), str(build), str(to)],
                          check=True, env=env, capture_output=True, text=True)
    import render_floor

    items = json.loads((to / render_floor.LIST).read_text())
    item = next(i for i in items if i["pdf"].startswith("england"))
    return {**item, "templates": made.stdout.strip().splitlines()[-1]}


def main() -> None:
    from la_render_cpu import counts, time_once

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", type=Path, required=True, help="a build folder (`build --no-reports` will do)")
    ap.add_argument("--src", type=Path, action="append", required=True, help="a checkout's src/ (give two)")
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1735689600")
    with tempfile.TemporaryDirectory() as tmp:
        dirs = [Path(tmp) / str(n) for n in range(len(args.src))]
        items = [england_html(src, args.build, d) for src, d in zip(args.src, dirs)]
        import weasyprint  # noqa: F401  (its import is not the report's cost)

        gc.set_threshold(50_000, 20, 100)  # as a render worker has it
        best: list[dict] = [{} for _ in items]
        pages = [0] * len(items)
        for _ in range(args.reps):
            for n, item in enumerate(items):  # the checkouts alternate
                pages[n] = time_once(item, dirs[n], best[n])
        print("| checkout | pages | elements | svg | parse | layout | write | total |")
        print("|---|---|---|---|---|---|---|---|")
        for n, src in enumerate(args.src):
            c = counts((dirs[n] / items[n]["html"]).read_text(encoding="utf-8"))
            b = best[n]
            print(f"| {src} | {pages[n]} | {c['elements']} | {c['svg']} | {b['parse']:.3f} | {b['layout']:.3f} | "
                  f"{b['write']:.3f} | {b['parse'] + b['layout'] + b['write']:.3f} |")


if __name__ == "__main__":
    main()
