"""Compressed segment entries: arrays delta-encoded and compressed with zstd.

A raw segment is about 4.5x the Parquet it produces (160 MB against 35 MB for a simulated hour
of BTCUSDT); this codec stores it at about 0.65x. Integer matrices (the event rows) are
stored column by column as differences from the previous row, which turns timestamps,
sequence numbers and prices into small numbers; every array is then compressed with zstd
(through PyArrow, a dependency already). Decoding is exact: integer differences wrap and sum
back bit for bit.

The container is still an ``.npz`` (a zip of arrays): one ``uint8`` array per original array
and a JSON header; entries written before this codec (raw arrays, no header) still load.
"""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

__all__ = ["decode_arrays", "encode_arrays", "is_encoded"]

HEADER = "__codec__"
CODEC = "zstd"
LEVEL = 1
U8 = npt.NDArray[np.uint8]


def _unshuffle(data: bytes, itemsize: int) -> bytes:
    if itemsize <= 1 or len(data) % itemsize:
        return data
    return np.frombuffer(data, np.uint8).reshape(itemsize, -1).T.tobytes()


def _encode(array: npt.NDArray[Any]) -> tuple[dict[str, Any], U8]:
    a = np.ascontiguousarray(array)
    meta: dict[str, Any] = {"dtype": a.dtype.str, "shape": list(a.shape), "delta": False,
                            "shuffle": False}  # fmt: skip
    if a.dtype.kind in "iu" and a.ndim == 2 and a.shape[0] > 1:
        # Column-major differences along the rows, in one pass over the matrix.
        cols = np.empty((a.shape[1], a.shape[0]), dtype=a.dtype)
        for j in range(a.shape[1]):
            cols[j, 0] = a[0, j]
            np.subtract(a[1:, j], a[:-1, j], out=cols[j, 1:])
        a = cols
        meta["delta"] = True
    data = pa.py_buffer(a)
    packed = pa.Codec(CODEC, compression_level=LEVEL).compress(data, asbytes=True)
    meta["bytes"] = data.size
    return meta, np.frombuffer(packed, dtype=np.uint8)


def _decode(meta: dict[str, Any], packed: U8) -> npt.NDArray[Any]:
    dtype = np.dtype(meta["dtype"])
    data = pa.Codec(CODEC).decompress(packed.tobytes(), meta["bytes"], asbytes=True)
    assert isinstance(data, bytes)
    # Entries of the first compressed format had their bytes shuffled.
    if meta.get("shuffle", True):
        data = _unshuffle(data, dtype.itemsize)
    flat = np.frombuffer(data, dtype=dtype)
    shape = tuple(meta["shape"])
    if meta["delta"]:
        cols = np.cumsum(flat.reshape(shape[1], shape[0]), axis=1, dtype=dtype)
        return np.ascontiguousarray(cols.T)
    return flat.reshape(shape).copy()


def encode_arrays(arrays: dict[str, npt.NDArray[Any]]) -> bytes:
    """Return the compressed ``.npz`` bytes of named arrays."""
    header: dict[str, Any] = {"codec": CODEC, "arrays": {}}
    blobs: dict[str, U8] = {}
    for name, array in arrays.items():
        meta, blob = _encode(array)
        header["arrays"][name] = meta
        blobs[name] = blob
    text = json.dumps(header, sort_keys=True).encode()
    out = io.BytesIO()
    np.savez(out, **{HEADER: np.frombuffer(text, dtype=np.uint8)}, **blobs)  # type: ignore[arg-type]
    return out.getvalue()


def is_encoded(files: list[str]) -> bool:
    """Return whether an ``.npz`` with these member names was written by this codec."""
    return HEADER in files


def decode_arrays(npz: Any) -> dict[str, npt.NDArray[Any]]:
    """Return the arrays of an opened ``.npz`` (``numpy.load``), compressed or raw.

    Raises
    ------
    ValueError
        If the header is unreadable or an array does not decode to its recorded size.
    """
    if not is_encoded(list(npz.files)):
        return {name: npz[name] for name in npz.files}
    try:
        header = json.loads(npz[HEADER].tobytes())
        if header.get("codec") != CODEC:
            raise ValueError(f"codec must be {CODEC}, was {header.get('codec')!r}")
        return {name: _decode(meta, npz[name]) for name, meta in header["arrays"].items()}
    except (pa.ArrowException, json.JSONDecodeError, AttributeError) as exc:
        raise ValueError(f"cannot decode the segment ({exc})") from None
