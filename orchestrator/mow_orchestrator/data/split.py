"""Split prepared rows into the development part and the held-out test part."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from ..errors import DataError
from .prepare import PreparedTable


@dataclass(frozen=True)
class Split:
    """Row ``n_dev`` is the first held-out row; both parts are zero-copy slices."""

    prepared: PreparedTable
    n_dev: int

    @property
    def full(self) -> pa.Table:
        return self.prepared.table

    @property
    def dev(self) -> pa.Table:
        return self.prepared.table.slice(0, self.n_dev)

    @property
    def holdout(self) -> pa.Table:
        return self.prepared.table.slice(self.n_dev)

    @property
    def n_holdout(self) -> int:
        return self.prepared.table.num_rows - self.n_dev


def holdout_last(prepared: PreparedTable, fraction: float) -> Split:
    """Keep the last ``fraction`` of rows (rounded down) as the test part.

    The test part never reaches a model server during optimization.
    """
    n = prepared.table.num_rows
    n_holdout = int(n * fraction)
    if fraction > 0 and n_holdout == 0:
        raise DataError(f"holdout.fraction: {fraction} of {n} rows is less than one row; raise it or set 0")
    return Split(prepared, n - n_holdout)
