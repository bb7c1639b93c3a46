"""Datasets held by a model server, keyed by content fingerprint.

A dataset is decoded once from its Arrow IPC upload (zero-copy: the table's
buffers point into the received bytes). Windows are slices of it: contiguous
row ranges are views, index arrays are gathers of just those rows.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from ._proto.mow.v1 import fold_service_pb2, types_pb2
from .arrow_io import ipc_to_table


class DatasetTooLarge(ValueError):
    """An upload would exceed the server's dataset memory budget."""


@dataclass
class HeldDataset:
    """One decoded dataset plus cached NumPy views of its columns."""

    fingerprint: str
    table: pa.Table
    _matrices: dict[tuple[str, ...], np.ndarray] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def num_bytes(self) -> int:
        """Bytes held: the table plus the feature matrices that are copies (views cost nothing)."""
        return self.table.nbytes + sum(m.nbytes for m in self._matrices.values() if m.base is None)

    def feature_matrix(self, columns: tuple[str, ...]) -> np.ndarray:
        """A float64 matrix of ``columns`` (rows x columns), built once per column set.

        When the columns are float64 without nulls and lie evenly spaced in the
        uploaded buffer (the usual case: consecutive float64 columns of an Arrow
        IPC upload), the matrix is a read-only, column-major view of that buffer
        and costs no memory. Otherwise it is a C-ordered copy.
        """
        with self._lock:
            matrix = self._matrices.get(columns)
            if matrix is None:
                matrix = _column_major_view(self.table, columns)
            if matrix is None:
                matrix = np.empty((self.table.num_rows, len(columns)), dtype=np.float64)
                for j, name in enumerate(columns):
                    matrix[:, j] = self.table.column(name).to_numpy()
                matrix.flags.writeable = False  # shared by every window and trial, like the views
            if columns not in self._matrices:
                if len(self._matrices) >= 2:  # keep the two most recent column sets
                    self._matrices.pop(next(iter(self._matrices)))
                self._matrices[columns] = matrix
            return matrix

    def column_array(self, name: str) -> np.ndarray:
        """A column as NumPy (zero-copy for numeric columns without nulls)."""
        return self.table.column(name).to_numpy()

    def info(self) -> fold_service_pb2.DatasetInfo:
        return fold_service_pb2.DatasetInfo(
            fingerprint=self.fingerprint, present=True, num_rows=self.table.num_rows,
            num_bytes=self.table.nbytes, columns=self.table.column_names,
        )


def _column_major_view(table: pa.Table, columns: tuple[str, ...]) -> np.ndarray | None:
    """A zero-copy (rows, columns) view when every column is one float64 chunk without nulls,
    all inside one parent buffer (the upload) at equal distances; None otherwise."""
    n = table.num_rows
    if n == 0 or not columns:
        return None
    addresses, parent = [], None
    for name in columns:
        column = table.column(name)
        if column.type != pa.float64() or column.num_chunks != 1 or column.null_count:
            return None
        chunk = column.chunk(0)
        buffer = chunk.buffers()[1]
        parent = parent or buffer.parent
        start = buffer.address + chunk.offset * 8
        if parent is None or not parent.address <= start <= parent.address + parent.size - n * 8:
            return None  # the view must lie in memory that the first column keeps alive
        addresses.append(start)
    stride = addresses[1] - addresses[0] if len(addresses) > 1 else n * 8
    if stride < n * 8 or any(b - a != stride for a, b in itertools.pairwise(addresses)):
        return None
    first = table.column(columns[0]).chunk(0).to_numpy(zero_copy_only=True)  # keeps the buffer alive
    return np.lib.stride_tricks.as_strided(first, shape=(n, len(columns)), strides=(8, stride), writeable=False)


class DatasetStore:
    """Thread-safe map fingerprint -> HeldDataset with a memory budget in bytes.

    When a new dataset does not fit, the least recently used ones are dropped.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._held: OrderedDict[str, HeldDataset] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, fingerprint: str) -> HeldDataset | None:
        with self._lock:
            held = self._held.get(fingerprint)
            if held is not None:
                self._held.move_to_end(fingerprint)
            return held

    def check_room(self, num_bytes: int) -> None:
        if num_bytes > self.max_bytes:
            raise DatasetTooLarge(
                f"dataset of {num_bytes} bytes exceeds this server's limit of {self.max_bytes} bytes "
                "(start it with a larger --max-dataset-bytes)"
            )

    def put(self, fingerprint: str, ipc_bytes: bytearray | pa.Buffer) -> HeldDataset:
        self.check_room(len(ipc_bytes))
        held = HeldDataset(fingerprint, ipc_to_table(ipc_bytes))
        with self._lock:
            self._held.pop(fingerprint, None)
            while self._held and sum(d.num_bytes for d in self._held.values()) + held.num_bytes > self.max_bytes:
                self._held.popitem(last=False)
            self._held[fingerprint] = held
        return held

    def drop(self, fingerprint: str) -> HeldDataset | None:
        with self._lock:
            return self._held.pop(fingerprint, None)


def select_rows(selection: types_pb2.RowSelection, num_rows: int) -> slice | np.ndarray:
    """The rows a RowSelection names, as a slice (range) or an index array.

    Raises:
        IndexError: the selection is empty or reaches outside [0, num_rows).
    """
    kind = selection.WhichOneof("selection")
    if kind == "range":
        start, stop = selection.range.start, selection.range.stop
        if not 0 <= start < stop <= num_rows:
            raise IndexError(f"row range [{start}, {stop}) is empty or outside the dataset's {num_rows} rows")
        return slice(start, stop)
    if kind == "indices":
        rows = np.asarray(selection.indices.rows, dtype=np.int64)
        if rows.size == 0 or rows.min() < 0 or rows.max() >= num_rows:
            raise IndexError(f"row indices are empty or outside the dataset's {num_rows} rows")
        return rows
    raise IndexError("window part has no rows (set range or indices)")


def take_table(table: pa.Table, rows: slice | np.ndarray) -> pa.Table:
    """Rows of an Arrow table: a zero-copy slice for a range, a gather for indices."""
    if isinstance(rows, slice):
        return table.slice(rows.start, rows.stop - rows.start)
    return table.take(pa.array(rows))
