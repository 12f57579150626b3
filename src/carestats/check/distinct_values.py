"""A column of text cells seen as its distinct values: the input checks look at each value once.

A data file has thousands of rows but few distinct periods, areas, labels and symbols. A rule on a cell
alone (is this a number? a known level? trimmed?) is Python code run once per distinct value, with the
answer spread back to every row through the column's dictionary indices. Exact Python string semantics
(str.strip, str.lower, re) are kept; where a column has many distinct values (measures), an Arrow
pre-filter picks out the values the Python rule can possibly reject.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carestats.core import arrays

T = TypeVar("T", bound=Hashable)
# Empty, or starting or ending with a separator or control character: a superset of what str.strip()
# removes (Python's whitespace is all in Unicode categories Z and Cc).
MAYBE_UNTRIMMED = r"^$|^[\pZ\pC]|[\pZ\pC]$"


class DistinctValues:
    """One column's distinct values (`dictionary`) and, for each row, the index of its value."""

    def __init__(self, dictionary: pa.Array, indices: np.ndarray) -> None:
        self.dictionary = dictionary
        self.indices = indices
        self._values: list[str] | None = None
        self._ids: dict[bool, tuple[np.ndarray, pa.Array]] = {}  # several rules key rows by trimmed cells

    @classmethod
    def of(cls, column: pa.Array) -> DistinctValues:
        encoded = pc.dictionary_encode(column)
        return cls(encoded.dictionary, arrays.to_numpy(encoded.indices))

    @classmethod
    def empty(cls, n: int) -> DistinctValues:
        """An absent column: an empty cell on every row (as the rules read a column that is not there)."""
        return cls(arrays.strings([""]), np.zeros(n, np.int32))

    @property
    def values(self) -> list[str]:
        if self._values is None:
            self._values = self.dictionary.to_pylist()
        return self._values

    def value(self, row: int) -> str:
        return self.values[self.indices[row]]

    def _picked(self, only: pa.Array | None) -> tuple[np.ndarray, list[str]]:
        """(positions, values) of the distinct values a rule needs to see: all, or those `only` marks."""
        if only is None:
            return np.arange(len(self.dictionary)), self.values
        positions = np.flatnonzero(arrays.to_numpy(only))
        if self._values is not None:
            return positions, [self._values[p] for p in positions]
        return positions, self.dictionary.take(arrays.ints(positions)).to_pylist()

    def test(self, predicate: Callable[[str], bool], only: pa.Array | None = None) -> np.ndarray:
        """For each row, whether its value passes `predicate` (values outside `only` count as False)."""
        per_value = np.zeros(len(self.dictionary), bool)
        positions, values = self._picked(only)
        if len(positions):
            per_value[positions] = [bool(predicate(v)) for v in values]
        return per_value[self.indices]

    def classify(self, rule: Callable[[str], T | None], only: pa.Array | None = None) -> tuple[np.ndarray, list[T]]:
        """For each row, which of the distinct answers of `rule` its value gives (-1 for None), and those
        answers: the answers are few (a rule id, a family), the rows many."""
        answers: dict[T, int] = {}
        per_value = np.full(len(self.dictionary), -1, np.int64)
        positions, values = self._picked(only)
        for p, v in zip(positions, values):
            answer = rule(v)
            if answer is not None:
                per_value[p] = answers.setdefault(answer, len(answers))
        return per_value[self.indices], list(answers)

    def ids(self, lower: bool = False) -> tuple[np.ndarray, pa.Array]:
        """For each row, an id of its value as str.strip() (and, with `lower`, str.lower()) leaves it: equal
        ids, equal values. And those values, by id.

        Arrow does the work for the values it treats as Python does: ASCII (for `lower`) without anything
        strip() would remove at either end; Python does it for the others."""
        if lower not in self._ids:
            self._ids[lower] = self._normalised_ids(lower)
        return self._ids[lower]

    def _normalised_ids(self, lower: bool) -> tuple[np.ndarray, pa.Array]:
        values = self.dictionary
        odd = self.matches(MAYBE_UNTRIMMED)
        if lower:
            odd = pc.or_(odd, pc.invert(pc.string_is_ascii(values)))
            values = pc.ascii_lower(values)
        if pc.any(odd).as_py():
            _, originals = self._picked(odd)
            fixed = [v.strip().lower() if lower else v.strip() for v in originals]
            values = pc.replace_with_mask(values, odd, arrays.strings(fixed))
        elif not lower:
            return self.indices, self.dictionary  # every value is already what strip() makes of it
        encoded = pc.dictionary_encode(values)
        per_value = arrays.to_numpy(encoded.indices)
        return per_value[self.indices], encoded.dictionary

    def matches(self, pattern: str) -> pa.Array:
        """Which distinct values match an RE2 pattern (Arrow's regex): a pre-filter for `only`."""
        return pc.match_substring_regex(self.dictionary, pattern)


def first_of_each(keys: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each of `rows` (ascending row numbers), the first of `rows` with the same key (keys: one int per
    entry of rows)."""
    if not len(rows):
        return rows
    order = np.lexsort((rows, keys))
    k = keys[order]
    starts = np.ones(len(k), bool)
    starts[1:] = k[1:] != k[:-1]
    run_first = rows[order][np.maximum.accumulate(np.where(starts, np.arange(len(k)), 0))]
    out = np.empty_like(rows)
    out[order] = run_first
    return out


def combine(ids: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """One int key per row from several columns of ids (each with its number of distinct ids): rows
    with equal keys agree on every column. Re-numbered as it goes, so the key never overflows."""
    key = np.zeros(len(ids[0][0]) if ids else 0, np.int64)
    size = 1
    for column, n in ids:
        key = key * max(n, 1) + column
        size *= max(n, 1)
        if size > 1 << 31:
            _, key = np.unique(key, return_inverse=True)
            key = key.astype(np.int64).ravel()
            size = int(key.max()) + 1 if len(key) else 1
    return key
