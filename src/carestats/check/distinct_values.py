"""A column of text cells seen as its distinct values: the input checks look at each value once.

A data file has thousands of rows but few distinct periods, areas, labels and symbols. A rule on a cell
alone (is this a number? a known level? trimmed?) is decided once per distinct value, with the answer
spread back to every row through the column's dictionary indices. Arrow decides what it decides exactly as
Python would (RE2 patterns of ASCII digits, set membership, ASCII lower case, byte equality); Python
decides the rest (str.strip, str.lower and `re`, whose `\\d` is any digit), only for the values an Arrow
pre-filter cannot clear: those that are empty or start or end with a space, a control character or a
character beyond ASCII (`maybe_untrimmed`), non-ASCII text to lower-case, codes and numbers a pattern of
ASCII digits does not match.

Arrow calls cost about as much to make as to run on a column's few values, so a file's columns share one
Batch: each question asked of every column (the stripped text, blanks, lower case, totals) is one Arrow
call over all their distinct values; `together` does the same for a question asked of some columns.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Hashable
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from carestats.core import arrays

T = TypeVar("T", bound=Hashable)
MAYBE_BLANK = r"^[\pZ\pC]*$"  # a superset of the values str.strip() empties


class Batch:
    """The distinct values of several columns (a file's), one after the other: what the rules ask of every
    value (its stripped text, is it blank, …) is answered by one Arrow call over all of them, rather than
    one call per column (most columns have few distinct values, and each call has its cost)."""

    def __init__(self, dictionaries: list[pa.Array]) -> None:
        self.offsets = list(itertools.accumulate((len(d) for d in dictionaries), initial=0))
        self.values = _joined(dictionaries)
        self._stripped: pa.Array | None = None
        self._untrimmed: np.ndarray | None = None
        self._answers: dict[str, np.ndarray | pa.Array] = {}

    def _answer(self, key: str, work: Callable[[], np.ndarray | pa.Array]) -> np.ndarray | pa.Array:
        if key not in self._answers:
            self._answers[key] = work()
        return self._answers[key]

    @property
    def stripped(self) -> pa.Array:
        """Each value as str.strip() leaves it (`values` itself when none changes): Python strips the values
        `maybe_untrimmed` picks out."""
        if self._stripped is None:
            odd = maybe_untrimmed(self.values)
            positions = np.flatnonzero(arrays.to_numpy(odd))
            originals = self.values.take(arrays.ints(positions)).to_pylist() if len(positions) else []
            fixed = [v.strip() for v in originals]
            self._untrimmed = np.zeros(len(self.values), bool)
            self._untrimmed[positions] = [v != w for v, w in zip(originals, fixed)]
            self._stripped = (pc.replace_with_mask(self.values, odd, arrays.strings(fixed))
                              if self._untrimmed.any() else self.values)
        return self._stripped

    @property
    def untrimmed(self) -> np.ndarray:
        """Per value: whether str.strip() changes it."""
        self.stripped  # noqa: B018 (worked out with it)
        assert self._untrimmed is not None
        return self._untrimmed

    @property
    def blank(self) -> np.ndarray:
        """Per value: `not v.strip()`."""
        return self._answer("blank", lambda: arrays.to_numpy(pc.binary_length(self.stripped)) == 0)

    @property
    def folded(self) -> pa.Array:
        """Each value as v.strip().lower() leaves it: Arrow lower-cases ASCII, Python the rest."""
        def work() -> pa.Array:
            stripped = self.stripped
            other = pc.invert(pc.string_is_ascii(stripped))
            folded = pc.ascii_lower(stripped)
            if pc.any(other).as_py():
                fixed = [v.lower() for v in stripped.filter(other).to_pylist()]
                folded = pc.replace_with_mask(folded, other, arrays.strings(fixed))
            return folded
        return self._answer("folded", work)

    def stripped_in(self, allowed: frozenset[str], folded: bool = False) -> np.ndarray:
        """Per value: whether it is one of `allowed` once stripped (and lower-cased, with `folded`)."""
        return self._answer(f"in {folded} {sorted(allowed)}", lambda: arrays.to_numpy(
            pc.is_in(self.folded if folded else self.stripped, value_set=value_set(allowed))))


def _joined(texts: list[pa.Array]) -> pa.Array:
    """Arrays of text one after the other, as one `string` array."""
    texts = [t if t.type == pa.string() else t.cast(pa.string()) for t in texts]
    if len(texts) == 1:
        return texts[0]
    return pa.concat_arrays(texts) if texts else arrays.strings([])


# (made from an array's buffers: pa.scalar, and a compute function given a Python value, import pandas)
_BYTES = pa.Array.from_buffers(pa.binary(), 2, [None, pa.py_buffer(np.array([0, 1, 2], np.int32)),
                                                pa.py_buffer(b" \x80")])
_SPACE, _NON_ASCII = _BYTES[0], _BYTES[1]


def maybe_untrimmed(values: pa.Array) -> pa.Array:
    """Which texts are empty, or start or end with a byte up to a space or not ASCII: a superset of those
    str.strip() changes (Python's white space is the ASCII bytes 0x09–0x0d, 0x1c–0x20, and characters
    beyond ASCII, whose UTF-8 bytes are all 0x80 or more). Compared as bytes, which is cheaper than a
    pattern."""
    raw = values.cast(pa.binary())
    first, last = pc.binary_slice(raw, 0, 1), pc.binary_slice(raw, -1)
    return pc.or_(pc.or_(pc.less_equal(first, _SPACE), pc.greater_equal(first, _NON_ASCII)),
                  pc.or_(pc.less_equal(last, _SPACE), pc.greater_equal(last, _NON_ASCII)))


@functools.lru_cache(maxsize=64)
def value_set(values: frozenset[str]) -> pa.Array:
    """A set of texts as an Arrow array, for pc.is_in (made once)."""
    return arrays.strings(sorted(values))


class DistinctValues:
    """One column's distinct values (`dictionary`) and, for each row, the index of its value.

    What the rules ask of a value is answered for every distinct value at once (numpy arrays "per value",
    in dictionary order) and spread to the rows with `rows`: its text as str.strip() leaves it
    (`stripped`), whether it is blank, lower-cased as str.lower() does (`folded`). Arrow does the work for
    the values it treats as Python does; Python, only for the values an Arrow pre-filter cannot clear.
    The columns of a file share a Batch, so that each such answer is one Arrow call for all of them.
    """

    def __init__(self, dictionary: pa.Array, indices: np.ndarray) -> None:
        self.dictionary = dictionary
        self.indices = indices
        self._values: list[str] | None = None
        self._batch: Batch | None = None
        self._start = 0
        self._ids: dict[bool, tuple[np.ndarray, pa.Array]] = {}  # several rules key rows by trimmed cells

    @classmethod
    def of(cls, column: pa.Array) -> DistinctValues:
        encoded = pc.dictionary_encode(column)
        return cls(encoded.dictionary, arrays.to_numpy(encoded.indices))

    @classmethod
    def empty(cls, n: int) -> DistinctValues:
        """An absent column: an empty cell on every row (as the rules read a column that is not there)."""
        return cls(arrays.strings([""]), np.zeros(n, np.int32))

    @staticmethod
    def side_by_side(columns: list[DistinctValues]) -> None:
        """Let `columns` share one Batch."""
        batch = Batch([c.dictionary for c in columns])
        for c, start in zip(columns, batch.offsets):
            c._batch, c._start = batch, start

    @property
    def batch(self) -> Batch:
        if self._batch is None:
            self.side_by_side([self])
        assert self._batch is not None
        return self._batch

    def _mine(self, per_value):  # type: ignore[no-untyped-def]
        """This column's part of a Batch's per-value answer (a numpy or an Arrow array)."""
        n = len(self.dictionary)
        if isinstance(per_value, np.ndarray):
            return per_value[self._start:self._start + n]
        return per_value if self._start == 0 and len(per_value) == n else per_value.slice(self._start, n)

    @property
    def values(self) -> list[str]:
        if self._values is None:
            self._values = self.dictionary.to_pylist()
        return self._values

    def value(self, row: int) -> str:
        return self.values[self.indices[row]]

    def rows(self, per_value: np.ndarray) -> np.ndarray:
        """A per-value answer spread to every row."""
        return per_value[self.indices]

    # --- the values as the rules read them ---------------------------------------------------------------

    @property
    def stripped(self) -> pa.Array:
        """Each distinct value as str.strip() leaves it."""
        return self._mine(self.batch.stripped)

    @property
    def untrimmed(self) -> np.ndarray:
        """Per value: whether str.strip() changes it."""
        return self._mine(self.batch.untrimmed)

    @property
    def blank(self) -> np.ndarray:
        """Per value: whether it is empty once stripped (`not v.strip()`)."""
        return self._mine(self.batch.blank)

    @property
    def folded(self) -> pa.Array:
        """Each distinct value as v.strip().lower() leaves it."""
        return self._mine(self.batch.folded)

    def stripped_in(self, allowed: frozenset[str], folded: bool = False) -> np.ndarray:
        """Per value: whether it is one of `allowed` once stripped (and lower-cased, with `folded`): asked
        of every column of the Batch at once."""
        return self._mine(self.batch.stripped_in(allowed, folded))

    def one_of(self, allowed: frozenset[str]) -> np.ndarray:
        """Per value: whether it is exactly one of `allowed`."""
        return arrays.to_numpy(pc.is_in(self.dictionary, value_set=value_set(allowed)))

    # --- rules decided in Python -------------------------------------------------------------------------

    def _picked(self, only: pa.Array | np.ndarray | None) -> tuple[np.ndarray, list[str]]:
        """(positions, values) of the distinct values a rule needs to see: all, or those `only` marks."""
        if only is None:
            return np.arange(len(self.dictionary)), self.values
        positions = np.flatnonzero(only if isinstance(only, np.ndarray) else arrays.to_numpy(only))
        if self._values is not None:
            return positions, [self._values[p] for p in positions]
        if not len(positions):
            return positions, []
        return positions, self.dictionary.take(arrays.ints(positions)).to_pylist()

    def decide(self, predicate: Callable[[str], bool], only: pa.Array | np.ndarray | None = None) -> np.ndarray:
        """Per value, whether it passes `predicate` (values outside `only` count as False)."""
        per_value = np.zeros(len(self.dictionary), bool)
        positions, values = self._picked(only)
        if len(positions):
            per_value[positions] = [bool(predicate(v)) for v in values]
        return per_value

    def classify(self, rule: Callable[[str], T | None], only: pa.Array | np.ndarray | None = None
                 ) -> tuple[np.ndarray, list[T]]:
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

    def label(self, decided: list[tuple[T, np.ndarray]]) -> tuple[np.ndarray, list[T]]:
        """`classify` with the answers given per value: (answer, per-value mask) pairs, the first mask that
        holds for a value giving its answer. The answers are numbered as `classify` numbers them, in the
        order of the first value that gives each."""
        if not any(mask.any() for _, mask in decided):
            return np.full(len(self.indices), -1, np.int64), []
        per_value = np.full(len(self.dictionary), -1, np.int64)
        for j, (_, mask) in enumerate(decided):
            per_value[(per_value < 0) & mask] = j
        given = per_value[per_value >= 0]
        uniq, first = np.unique(given, return_index=True)
        ranked = uniq[np.argsort(first)]
        number = np.full(len(decided) + 1, -1, np.int64)
        number[ranked] = np.arange(len(ranked))
        return number[per_value][self.indices], [decided[j][0] for j in ranked.tolist()]

    def ids(self, lower: bool = False) -> tuple[np.ndarray, pa.Array]:
        """For each row, an id of its value as str.strip() (and, with `lower`, str.lower()) leaves it: equal
        ids, equal values. And those values, by id."""
        if lower not in self._ids:
            values = self.folded if lower else self.stripped
            if not lower and not self.untrimmed.any():  # every value is already what strip() makes of it
                self._ids[lower] = (self.indices, self.dictionary)
            else:
                encoded = pc.dictionary_encode(values)
                self._ids[lower] = (arrays.to_numpy(encoded.indices)[self.indices], encoded.dictionary)
        return self._ids[lower]

    def matches(self, pattern: str) -> pa.Array:
        """Which distinct values match an RE2 pattern (Arrow's regex): a pre-filter for `only`."""
        return pc.match_substring_regex(self.dictionary, pattern)


def together(columns: list[DistinctValues], answer: Callable[[pa.Array], pa.Array], stripped: bool = True
             ) -> list[np.ndarray]:
    """For each of `columns`, `answer` (an Arrow call giving a boolean per text) of its distinct values,
    stripped or as they are: one call over all of them rather than one per column."""
    parts = [c.stripped if stripped else c.dictionary for c in columns]
    if not parts:
        return []
    whole = arrays.to_numpy(answer(_joined(parts)))
    bounds = itertools.accumulate((len(p) for p in parts), initial=0)
    return [whole[a:b] for a, b in itertools.pairwise(bounds)]


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
