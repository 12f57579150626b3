"""Findings of the row rules, put in reading order and capped per rule.

Every rule reports the rows it rejects at once (an array of row numbers). What `carestats check` prints is
as if the rules had run row by row: for each row in turn, its findings in the order the rules are listed
(`stage`, a small number per rule and column); at most MAX_PER_RULE findings of a rule, then one line per
rule saying how many more there are and on which lines, in the order those rules first went over the cap.
Only the findings that are printed get a message; the others are counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from carestats.ingest.csvfile import CsvFile

MAX_PER_RULE = 20  # beyond this, one summary line per rule and file
WARNINGS = {"LABEL-SPACE", "VALUE-SPACE", "GEO-REGION"}
STAGES = 1 << 16  # more than any stage number: row * STAGES + stage orders findings as they are read

# What a rule says about one of its rows: (column, message, hint).
Describe = Callable[[int], tuple[str, str, str]]


@dataclass
class _Hits:
    rule: str
    stage: int
    rows: np.ndarray  # row numbers (0-based), ascending
    describe: Describe


class RowFindings:
    """The findings of one file's row rules, collected rule by rule and written to the file in order."""

    def __init__(self) -> None:
        self.hits: list[_Hits] = []

    def add(self, rule: str, stage: int, rows: np.ndarray, describe: Describe) -> None:
        """`rule` fires on each of `rows` (a boolean mask of every row, or row numbers)."""
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        if len(rows):
            self.hits.append(_Hits(rule, stage, rows, describe))

    def write(self, f: CsvFile, lines: np.ndarray) -> None:
        by_rule: dict[str, list[_Hits]] = {}
        for hits in self.hits:
            by_rule.setdefault(hits.rule, []).append(hits)
        shown: list[tuple[int, str, _Hits, int]] = []
        more: list[tuple[int, str, int, int, int]] = []  # key of the first one not shown, rule, count, lines
        for rule, group in by_rule.items():
            keys = np.concatenate([h.rows.astype(np.int64) * STAGES + h.stage for h in group])
            which = np.concatenate([np.full(len(h.rows), i) for i, h in enumerate(group)])
            rows = np.concatenate([h.rows for h in group])
            order = np.argsort(keys, kind="stable")
            for k in order[:MAX_PER_RULE]:
                shown.append((int(keys[k]), rule, group[which[k]], int(rows[k])))
            rest = order[MAX_PER_RULE:]
            if len(rest):
                more.append((int(keys[rest[0]]), rule, len(rest), int(lines[rows[rest[0]]]),
                             int(lines[rows[rest[-1]]])))
        for _, rule, hits, row in sorted(shown, key=lambda s: s[0]):
            col, message, hint = hits.describe(row)
            (f.warn if rule in WARNINGS else f.error)(int(lines[row]), col, rule, message, hint)
        for _, rule, count, first, last in sorted(more):
            (f.warn if rule in WARNINGS else f.error)(
                first, "", rule, f"{count} more finding(s) of this rule (lines {first}–{last})",
                "see the lines above for what to do")
