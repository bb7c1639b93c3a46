"""The receiving end of PutDataset: chunks read without copying, memory mapped ahead.

Measured with bench/bench_dataplane.py: each of the two saves about a sixth of the
time a 1 GiB upload takes.
"""

from __future__ import annotations

import ctypes
import functools
import mmap
import sys
import threading
from dataclasses import dataclass

import pyarrow as pa


def receive_buffer(total: int) -> tuple[pa.Buffer, memoryview]:
    """Memory for an upload of ``total`` bytes, and a writable byte view of it.

    Writing into fresh memory page by page costs more than the transfer itself, so on Linux
    the pages are mapped ahead of the writer: by a background thread (MADV_POPULATE_WRITE,
    Linux 5.14+) that runs on another core while the bytes arrive, else all at once before
    the first byte (MAP_POPULATE: ~0.4 s per GiB here). Elsewhere Arrow's allocator (aligned,
    not zero-filled). All are page/64-byte aligned.
    """
    if _MADV_POPULATE_WRITE is not None:
        region = mmap.mmap(-1, total, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        buffer = pa.py_buffer(region)
        if _populate(buffer.address, min(total, _POPULATE_STEP)) == 0:
            threading.Thread(target=_populate_ahead, args=(region, buffer.address, total), daemon=True,
                             name="mow-populate").start()
            return buffer, memoryview(region)
        del buffer
        region.close()
    populate = getattr(mmap, "MAP_POPULATE", None)
    if populate is not None:
        region = mmap.mmap(-1, total, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | populate)
        return pa.py_buffer(region), memoryview(region)
    buffer = pa.allocate_buffer(total)
    return buffer, memoryview(buffer).cast("B")  # Arrow exports signed bytes ("b")


#: madvise(2) advice that faults pages in writable without touching them (Linux 5.14+).
_MADV_POPULATE_WRITE = 23 if sys.platform.startswith("linux") else None

#: Bytes the populating thread maps per call (32 MiB: it stays ahead of a 1 GB/s writer).
_POPULATE_STEP = 32 * 1024 * 1024


def _populate(address: int, length: int) -> int:
    """madvise(MADV_POPULATE_WRITE); 0 on success. ctypes releases the GIL during the call."""
    return _madvise()(address, length, _MADV_POPULATE_WRITE)


@functools.cache
def _madvise():
    madvise = ctypes.CDLL(None, use_errno=True).madvise
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    return madvise


def _populate_ahead(region: mmap.mmap, address: int, total: int) -> None:
    """Map the rest of ``region`` (the reference keeps it mapped until this returns)."""
    for start in range(_POPULATE_STEP, total, _POPULATE_STEP):
        if region.closed or _populate(address + start, min(_POPULATE_STEP, total - start)) != 0:
            return


@dataclass(frozen=True)
class ChunkView:
    """A DatasetChunk read straight from its wire bytes: ``data`` is a view into them."""

    fingerprint: str = ""
    total_bytes: int = 0
    data: memoryview = memoryview(b"")
    error: str | None = None  # the bytes were not a DatasetChunk


_FIELDS = {1: "fingerprint", 2: "total_bytes", 3: "data"}


def decode_chunk(raw: bytes) -> ChunkView:
    """Parse a ``DatasetChunk`` without copying its data (the generated parser copies it
    twice: into the message, then out to a new ``bytes`` on access; bench/bench_dataplane.py).

    Never raises: a malformed message comes back with ``error`` set.
    """
    view, position, fields = memoryview(raw), 0, {}
    try:
        while position < len(raw):
            key, position = _read_varint(raw, position)
            number, wire_type = key >> 3, key & 7
            if wire_type == 0:
                value, position = _read_varint(raw, position)
                value = value - (1 << 64) if value >= 1 << 63 else value  # int64/int32 are two's complement
            elif wire_type == 2:
                length, position = _read_varint(raw, position)
                if position + length > len(raw):
                    raise ValueError("a field runs past the end of the message")
                value, position = view[position:position + length], position + length
            elif wire_type in (1, 5):
                value, position = None, position + (8 if wire_type == 1 else 4)
            else:
                raise ValueError(f"unsupported wire type {wire_type}")
            name = _FIELDS.get(number)
            if name is not None:
                if (name in ("fingerprint", "data")) != (wire_type == 2):
                    raise ValueError(f"field {name} has wire type {wire_type}")
                fields[name] = str(value, "utf-8") if name == "fingerprint" else value
        if position != len(raw):
            raise ValueError("truncated message")
        return ChunkView(**fields)
    except (ValueError, IndexError) as exc:
        return ChunkView(error=f"not a DatasetChunk: {exc}")


def _read_varint(raw: bytes, position: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = raw[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, position
        shift += 7
        if shift > 63:
            raise ValueError("varint longer than 10 bytes")
