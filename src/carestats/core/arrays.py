"""Arrow arrays made from Python values without importing pandas.

`pyarrow.array` and `pyarrow.scalar` ask, on their first call in a process, whether pandas is installed,
and that question imports it: 0.15 s of CPU time that a build, which never uses pandas, would spend
before its first CSV is read. The data stages make their arrays here instead, from their buffers
(numpy for numbers, polars for text), with the same types and values `pyarrow.array` gives.
tests/test_speed.py checks that `build --no-reports` imports no pandas.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pyarrow as pa

INT64 = pa.int64()
_NUMPY = {pa.int64(): np.int64, pa.int32(): np.int32, pa.int16(): np.int16, pa.int8(): np.int8}


def ints(values: Iterable[int], type: pa.DataType = INT64) -> pa.Array:
    """Integers (no nulls) as an arrow array of `type` (a signed integer type)."""
    if isinstance(values, np.ndarray):
        data = values.astype(_NUMPY[type], copy=False)
    else:
        data = np.fromiter(values, dtype=_NUMPY[type])
    data = np.ascontiguousarray(data)
    return pa.Array.from_buffers(type, len(data), [None, pa.py_buffer(data)])


def strings(values: Sequence[str | None]) -> pa.Array:
    """Text cells (None for a null) as an arrow `string` array."""
    import polars as pl

    if not len(values):
        return pa.Array.from_buffers(pa.string(), 0, [None, pa.py_buffer(np.zeros(1, np.int32)), pa.py_buffer(b"")])
    return pl.Series(values, dtype=pl.String, strict=True).to_arrow().cast(pa.string())


def repeat(value: str | int, n: int, type: pa.DataType) -> pa.Array:
    """`value` n times, as an arrow array of `type` (string or a signed integer type)."""
    if type == pa.string():
        data = str(value).encode("utf-8")
        offsets = np.arange(n + 1, dtype=np.int64) * len(data)
        if offsets[-1] >= 2**31:
            raise ValueError(f"{n} copies of a {len(data)}-byte text exceed an arrow string array")
        return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets.astype(np.int32)),
                                                      pa.py_buffer(data * n)])
    return ints(np.full(n, int(value), _NUMPY[type]), type)


def to_numpy(array: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """An integer or boolean arrow array as numpy, as `array.to_numpy(zero_copy_only=False)` gives it (a
    null boolean is False), read from its buffers: pyarrow's own conversion imports pandas."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    n, offset = len(array), array.offset
    validity, data = array.buffers()[:2]
    if pa.types.is_boolean(array.type):
        values = _bits(data, offset, n) if n else np.zeros(0, bool)
        return values & _bits(validity, offset, n) if array.null_count and n else values
    if array.null_count or not pa.types.is_integer(array.type):
        return array.to_numpy(zero_copy_only=False)  # (a float array with NaN for the nulls)
    dtype = np.dtype(f"{'i' if pa.types.is_signed_integer(array.type) else 'u'}{array.type.bit_width // 8}")
    if not n:
        return np.zeros(0, dtype)
    return np.frombuffer(data, dtype=dtype, count=n, offset=offset * dtype.itemsize)


def _bits(buffer: pa.Buffer, offset: int, n: int) -> np.ndarray:
    packed = np.frombuffer(buffer, np.uint8, count=(offset + n + 7) // 8)
    return np.unpackbits(packed, bitorder="little", count=offset + n)[offset:].astype(bool)
