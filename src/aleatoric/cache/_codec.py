"""Compressed segment entries: arrays delta-encoded, byte-shuffled and compressed with zstd.

A raw segment is about 4.5x the Parquet it produces (160 MB against 35 MB for a simulated hour
of BTCUSDT); this codec stores it at about 0.75x. Integer matrices (the event rows) are
stored column by column as differences from the previous row, which turns timestamps,
sequence numbers and prices into small numbers; every array's bytes are then shuffled (byte
``k`` of every value together) and compressed with zstd (through PyArrow, a dependency
already). Decoding is exact: integer differences wrap and sum back bit for bit.

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


def _shuffle(data: bytes, itemsize: int) -> bytes:
    if itemsize <= 1 or len(data) % itemsize:
        return data
    return np.frombuffer(data, np.uint8).reshape(-1, itemsize).T.tobytes()


def _unshuffle(data: bytes, itemsize: int) -> bytes:
    if itemsize <= 1 or len(data) % itemsize:
        return data
    return np.frombuffer(data, np.uint8).reshape(itemsize, -1).T.tobytes()


def _encode(array: npt.NDArray[Any]) -> tuple[dict[str, Any], U8]:
    a = np.ascontiguousarray(array)
    meta: dict[str, Any] = {"dtype": a.dtype.str, "shape": list(a.shape), "delta": False}
    if a.dtype.kind in "iu" and a.ndim == 2 and a.shape[0] > 1:
        # Column-major differences along the rows.
        cols = np.ascontiguousarray(a.T)
        a = np.diff(cols, axis=1, prepend=np.zeros((cols.shape[0], 1), dtype=cols.dtype))
        meta["delta"] = True
    data = _shuffle(a.tobytes(), a.dtype.itemsize)
    packed = pa.Codec(CODEC, compression_level=LEVEL).compress(data, asbytes=True)
    meta["bytes"] = len(data)
    return meta, np.frombuffer(packed, dtype=np.uint8)


def _decode(meta: dict[str, Any], packed: U8) -> npt.NDArray[Any]:
    dtype = np.dtype(meta["dtype"])
    data = pa.Codec(CODEC).decompress(packed.tobytes(), meta["bytes"], asbytes=True)
    assert isinstance(data, bytes)
    flat = np.frombuffer(_unshuffle(data, dtype.itemsize), dtype=dtype)
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
