"""An independent reading of the published CSVs, to check indicator_values against the files themselves.

Deliberately simple and separate from the pipeline: Python's csv module, the filters written out by hand,
the latest release (the file whose data reaches the latest year) winning for each period and area.
"""

from __future__ import annotations

import csv
from pathlib import Path

SYMBOLS = {"c", "k", "u", "x", "z", "low"}
LEVEL_CODE = {"National": "country_code", "Regional": "region_code", "Local authority": "new_la_code"}


def read(path: Path) -> list[dict]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    return list(csv.DictReader(text.splitlines()))


def expected(raw: Path, file_names: list[str], filters: dict[str, set[str]], value_cols: list[str]) -> dict:
    """{(period, level, area_code): (value, status)} with the latest release winning per key."""
    best: dict[tuple, tuple[int, tuple]] = {}
    for name in file_names:
        for path in raw.rglob(name):
            rows = read(path)
            vintage = max(int(r["time_period"][:4]) + (1 if len(r["time_period"]) == 6 else 0) for r in rows)
            for r in rows:
                ok = True
                for col_options, allowed in filters.items():
                    col = next((c for c in col_options.split("|") if c in r), None)
                    if col is None or r[col].strip().lower() not in allowed:
                        ok = False
                        break
                if not ok:
                    continue
                level = r["geographic_level"]
                key = (int(r["time_period"]), level, r[LEVEL_CODE[level]].strip())
                col = next(c for c in value_cols if c in r)
                cell = r[col].strip()
                val = (None, cell) if cell in SYMBOLS else (float(cell), None)
                if key not in best or best[key][0] < vintage:
                    best[key] = (vintage, val)
    return {k: v for k, (_, v) in best.items()}
