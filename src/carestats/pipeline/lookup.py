"""Finding an area as an analyst names it: by code, or by a unique part of its name, in any case.

`england` (or E92000001) means the England report. A code must be one the build knows; a name must
match one current council (an exact name first, then a part of one), and an ambiguous name lists the
candidates rather than choosing one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from carestats.core import paths
from carestats.core.errors import DataError

ENGLAND = "E92000001"
CODE = re.compile(r"^E\d{8}$", re.I)
SQL = paths.QUERIES_DIR / "reports" / "area_list.sql"


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    region: str
    old_la_code: str
    current: bool
    valid_to: str


def area_list(out: Path) -> list[Area]:
    """The local authorities in the warehouse of the build in `out`."""
    from carestats.warehouse import db

    warehouse = out / db.WAREHOUSE_NAME
    if not warehouse.exists():
        raise DataError(f"no warehouse at {warehouse}", "run `carestats build` (or `build --no-reports`) first")
    con = db.connect(warehouse, read_only=True)
    try:
        rows = con.execute(SQL.read_text(encoding="utf-8")).fetchall()
    finally:
        con.close()
    return [Area(*row) for row in rows]


def _fold(text: str) -> str:
    return " ".join(text.casefold().replace("&", "and").split())


def resolve(wanted: str, areas: list[Area]) -> str:
    """The code of the area `wanted` names: `england`, a code, or a unique (part of a) council's name."""
    text = wanted.strip()
    if _fold(text) in ("england", ENGLAND.casefold()):
        return ENGLAND
    if CODE.match(text):
        code = text.upper()
        if any(a.code == code for a in areas):
            return code
        raise DataError(f"no local authority {code} in this build",
                        "`carestats areas` lists the codes and names it knows")
    key = _fold(text)
    if not key:
        raise DataError("--area is empty", "give a code such as E10000016 or a name such as Kent")
    current = [a for a in areas if a.current]
    for candidates in ([a for a in current if _fold(a.name) == key],
                       [a for a in areas if _fold(a.name) == key],
                       [a for a in current if key in _fold(a.name)]):
        if len(candidates) == 1:
            return candidates[0].code
        if len(candidates) > 1:
            listed = "; ".join(f"{a.code} {a.name}" for a in candidates[:12])
            more = f" and {len(candidates) - 12} more" if len(candidates) > 12 else ""
            raise DataError(f"--area {text!r} matches {len(candidates)} councils: {listed}{more}",
                            "give the code, or more of the name")
    raise DataError(f"no local authority called {text!r} in this build",
                    "`carestats areas` lists the codes and names it knows")
