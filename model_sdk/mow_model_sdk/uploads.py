"""Receive a dataset upload, over one PutDataset call or several concurrent ones.

One call moves one message at a time, so an upload split into byte ranges sent over
parallel calls goes faster; the parts are written straight into one buffer, which
is decoded once the ranges cover every byte.
"""

from __future__ import annotations

import mmap
import threading
import time
from dataclasses import dataclass, field

import pyarrow as pa

#: Seconds an incomplete upload with no call writing to it is kept (1 minute).
PENDING_TTL_S = 60.0


class UploadError(ValueError):
    """The parts of an upload do not fit together (sizes, overlaps, a failed part)."""


@dataclass
class PartialUpload:
    """The bytes of one dataset as they arrive: one buffer, the ranges written so far."""

    fingerprint: str
    total: int
    buffer: pa.Buffer
    view: memoryview
    ranges: list[tuple[int, int]] = field(default_factory=list)
    writers: int = 0
    failed: str | None = None
    touched: float = field(default_factory=time.monotonic)

    @property
    def received(self) -> int:
        return sum(end - start for start, end in self.ranges)


class UploadAssembler:
    """The uploads in progress, by fingerprint (thread-safe).

    A call ``begin``s (creating the buffer, or joining the parts already there),
    writes its range into ``upload.view``, then ``finish``es (True when the upload
    is complete: the caller decodes it) or ``fail``s (the whole upload is dropped).
    """

    def __init__(self, ttl_s: float = PENDING_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._pending: dict[str, PartialUpload] = {}
        self._lock = threading.Lock()

    def begin(self, fingerprint: str, total: int) -> PartialUpload:
        with self._lock:
            self._drop_stale()
            upload = self._pending.get(fingerprint)
            if upload is not None and upload.total != total:
                raise UploadError(f"total_bytes={total} differs from the {upload.total} of the other parts of this upload")
            if upload is None:
                buffer, view = receive_buffer(total)
                upload = self._pending[fingerprint] = PartialUpload(fingerprint, total, buffer, view)
            upload.writers += 1
            upload.touched = time.monotonic()
            return upload

    def finish(self, upload: PartialUpload, start: int, end: int) -> bool:
        """Record that bytes [start, end) arrived; True when the upload is now complete."""
        with self._lock:
            upload.writers -= 1
            upload.touched = time.monotonic()
            if upload.failed:
                raise UploadError(f"another part of this upload failed: {upload.failed}")
            overlap = next(((a, b) for a, b in upload.ranges if start < b and a < end), None)
            if overlap is not None:
                self._discard(upload, "overlapping parts")
                raise UploadError(f"bytes [{start}, {end}) overlap the part [{overlap[0]}, {overlap[1]}) already received")
            if end > start:
                upload.ranges.append((start, end))
            if upload.received < upload.total:
                return False
            self._pending.pop(upload.fingerprint, None)
            return True

    def fail(self, upload: PartialUpload, reason: str) -> None:
        with self._lock:
            upload.writers -= 1
            self._discard(upload, reason)

    def pending_bytes(self) -> int:
        with self._lock:
            return sum(u.total for u in self._pending.values())

    def _discard(self, upload: PartialUpload, reason: str) -> None:
        upload.failed = upload.failed or reason
        if self._pending.get(upload.fingerprint) is upload:
            del self._pending[upload.fingerprint]

    def _drop_stale(self) -> None:
        now = time.monotonic()
        for upload in [u for u in self._pending.values() if not u.writers and now - u.touched > self.ttl_s]:
            self._discard(upload, f"no part arrived for {self.ttl_s:g} s")


def receive_buffer(total: int) -> tuple[pa.Buffer, memoryview]:
    """Memory for an upload of ``total`` bytes, and a writable byte view of it.

    On Linux the pages are mapped in one go (MAP_POPULATE): writing into fresh memory page by
    page cost more than the transfer itself (about 0.5 GB/s here, against 1.3 GB/s populated).
    Elsewhere Arrow's allocator (aligned, not zero-filled). Both are page/64-byte aligned.
    """
    populate = getattr(mmap, "MAP_POPULATE", None)
    if populate is not None:
        region = mmap.mmap(-1, total, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | populate)
        return pa.py_buffer(region), memoryview(region)
    buffer = pa.allocate_buffer(total)
    return buffer, memoryview(buffer).cast("B")  # Arrow exports signed bytes ("b")


@dataclass(frozen=True)
class ChunkView:
    """A DatasetChunk read straight from its wire bytes: ``data`` is a view into them."""

    fingerprint: str = ""
    total_bytes: int = 0
    data: memoryview = memoryview(b"")
    offset: int = 0
    parts: int = 0
    error: str | None = None  # the bytes were not a DatasetChunk


_FIELDS = {1: "fingerprint", 2: "total_bytes", 3: "data", 4: "offset", 5: "parts"}


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
