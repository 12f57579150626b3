"""Reading and filtering the release files with pandas, for the pandas baseline (pandas_baseline.py).

Every cell is read as text, so symbols stay symbols; labels are matched trimmed and in lower case;
a column renamed between releases is asked for by all its names ("children_count|number").
"""

from __future__ import annotations

import operator
import re
from functools import reduce
from pathlib import Path
from typing import Callable

import pandas as pd

SYMBOLS = {"c", "k", "u", "x", "z", "low"}
CODE = {"National": "country_code", "Regional": "region_code", "Local authority": "new_la_code"}
NAME = {"National": "country_name", "Regional": "region_name", "Local authority": "la_name"}
FIGURES = ["time_period", "geographic_level", "area_code", "area_name", "breakdown", "value", "status",
           "release", "vintage"]
Test = Callable[[pd.Series], pd.Series]


def publication(name: str) -> str:
    if re.match(r"(ks2_la|ks4_la|la_conviction_health|national_conviction_health)", name):
        return "outcomes"
    if re.match(r"([abcd]\d_|headline_figures)", name):
        return "cin"
    if name.startswith("csww_"):
        return "workforce"
    return "population" if "population_estimates" in name else "cla"


class Files:
    """The release files under raw, each read once, with its release (publication and latest year)."""

    def __init__(self, raw: Path) -> None:
        self.raw = raw
        self.frames: dict[Path, pd.DataFrame] = {}

    def get(self, *patterns: str) -> list[pd.DataFrame]:
        paths = [p for pattern in patterns for p in sorted(self.raw.rglob(pattern))]
        for p in paths:
            if p not in self.frames:
                self.frames[p] = self.read(p)
        return [self.frames[p] for p in paths]

    @staticmethod
    def read(path: Path) -> pd.DataFrame:
        try:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except UnicodeDecodeError:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="cp1252")
        df.columns = [c.strip() for c in df.columns]
        period = df["time_period"].str.strip()
        last = (period.str[:4].astype(int) + (period.str.len() == 6).astype(int)).max()
        return df.assign(release=f"{publication(path.name)}-{last}", vintage=last)


def text(df: pd.DataFrame, names: str) -> pd.Series:
    """The first of these columns ("new|old") the file has, else empty cells."""
    for name in names.split("|"):
        if name in df.columns:
            return df[name]
    return pd.Series("", index=df.index)


def label(df: pd.DataFrame, names: str) -> pd.Series:
    return text(df, names).str.strip().str.lower()


def like(series: pd.Series, pattern: str) -> pd.Series:
    """SQL LIKE on labels: % is any text."""
    return series.str.fullmatch(".*".join(re.escape(p) for p in pattern.split("%")))


def one_of(*labels: str) -> Test:
    return lambda s: s.isin(labels)


def matching(*patterns: str) -> Test:
    return lambda s: reduce(operator.or_, [like(s, p) for p in patterns])


def number(cells: pd.Series) -> pd.Series:
    return pd.to_numeric(cells.str.strip(), errors="coerce")


def symbol(cells: pd.Series) -> pd.Series:
    s = cells.str.strip().str.lower()
    return s.where(s.isin(SYMBOLS))


def figures(df: pd.DataFrame, cells: pd.Series, breakdown: pd.Series | str = "Total",
            value: pd.Series | None = None, status: pd.Series | None = None) -> pd.DataFrame:
    """Rows in the output shape: period, level, area, breakdown, the figure (or its symbol), release."""
    level = df["geographic_level"].str.strip()
    code = pd.Series("", index=df.index)
    name = pd.Series("", index=df.index)
    for lvl in CODE:
        code = code.mask(level == lvl, text(df, CODE[lvl]).str.strip())
        name = name.mask(level == lvl, text(df, NAME[lvl]).str.strip())
    return pd.DataFrame({
        "time_period": df["time_period"].str.strip().astype(int), "geographic_level": level,
        "area_code": code, "area_name": name,
        "breakdown": breakdown.str.strip() if isinstance(breakdown, pd.Series) else breakdown,
        "value": number(cells) if value is None else value,
        "status": symbol(cells) if status is None else status,
        "release": df["release"], "vintage": df["vintage"],
    })


def stack(frames: list[pd.DataFrame], columns: list[str] | None = None) -> pd.DataFrame:
    """Frames one under the other; an empty frame when a publication is not among the inputs."""
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns or FIGURES)


def published(frames: list[pd.DataFrame], value: str, *filters: tuple[str, Test]) -> pd.DataFrame:
    """The figure in the value column on the rows whose labels pass every (column, test) filter."""
    out = []
    for df in frames:
        keep = pd.Series(True, index=df.index)
        for columns, test in filters:
            keep &= test(label(df, columns)).fillna(False)
        rows = df[keep]
        out.append(figures(rows, text(rows, value)))
    return stack(out)


def final_first(df: pd.DataFrame) -> pd.DataFrame:
    """KS2/KS4: should one release hold both versions of a year, the Final figures are kept."""
    rank = label(df, "version").map({"final": 0, "revised": 1}).fillna(2)
    keys = [k for k in ("time_period", "geographic_level", "country_code", "region_code", "new_la_code",
                        "social_care_group") if k in df.columns]
    by_rank = df.assign(_rank=rank).sort_values("_rank", kind="stable")
    return by_rank.drop_duplicates(keys).drop(columns="_rank")
