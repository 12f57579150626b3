"""core/arrays.py: the arrays the data stages make without pandas are those pyarrow's own calls make."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from carestats.core import arrays


@pytest.mark.parametrize("values", [[], ["a"], ["", "é", None, "x,y"], ["same"] * 5])
def test_strings_are_what_pa_array_makes(values: list) -> None:
    made = arrays.strings(values)
    made.validate(full=True)
    assert made.equals(pa.array(values, pa.string()))


@pytest.mark.parametrize("type_", [pa.int64(), pa.int32(), pa.int16(), pa.int8()])
def test_ints_and_repeats_are_what_pa_array_makes(type_: pa.DataType) -> None:
    assert arrays.ints([3, -1, 7], type_).equals(pa.array([3, -1, 7], type_))
    assert arrays.ints(np.arange(4), type_).equals(pa.array(range(4), type_))
    assert arrays.ints([], type_).equals(pa.array([], type_))
    assert arrays.repeat(12, 3, type_).equals(pa.array([12] * 3, type_))


@pytest.mark.parametrize("value,n", [("cla-2025", 4), ("", 3), ("ünïcode", 2), ("x", 0)])
def test_repeated_text_is_what_pa_array_makes(value: str, n: int) -> None:
    made = arrays.repeat(value, n, pa.string())
    made.validate(full=True)
    assert made.equals(pa.array([value] * n, pa.string()))


def test_to_numpy_gives_what_pyarrow_gives_for_slices_and_null_booleans() -> None:
    ints = pa.array(range(100), pa.int32()).slice(13, 50)
    assert arrays.to_numpy(ints).tolist() == ints.to_numpy(zero_copy_only=False).tolist()
    assert arrays.to_numpy(ints).dtype == np.int32
    flags = pa.array([bool(i % 3) if i % 7 else None for i in range(41)], pa.bool_()).slice(5, 30)
    assert arrays.to_numpy(flags).tolist() == [bool(v) for v in flags.to_numpy(zero_copy_only=False)]
    codes = pc.dictionary_encode(pa.chunked_array([["b", "a"], ["b"]])).combine_chunks().indices
    assert arrays.to_numpy(codes).tolist() == [0, 1, 0]
    assert arrays.to_numpy(pa.array([], pa.bool_())).tolist() == []
