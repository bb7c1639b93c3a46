"""Datasets held by a model server, keyed by content fingerprint.

A dataset is decoded once from its Arrow IPC upload (zero-copy: the table's
buffers point into the received bytes). Windows are slices of it: contiguous
row ranges are views, index arrays are gathers of just those rows.
"""

from __future__ import annotations

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
        return self.table.nbytes + sum(m.nbytes for m in self._matrices.values())

    def feature_matrix(self, columns: tuple[str, ...]) -> np.ndarray:
        """A C-ordered float64 matrix of ``columns``, built once per column set."""
        with self._lock:
            matrix = self._matrices.get(columns)
            if matrix is None:
                matrix = np.empty((self.table.num_rows, len(columns)), dtype=np.float64)
                for j, name in enumerate(columns):
                    matrix[:, j] = self.table.column(name).to_numpy()
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

    def put(self, fingerprint: str, ipc_bytes: bytearray) -> HeldDataset:
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
