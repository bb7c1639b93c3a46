"""Split prepared rows into the development part and the held-out test part.

Temporal data (``kind = "last"``): the test part is the last time steps,
sized by ``fraction`` (rounded down to whole steps), ``rows`` (exactly the
last ``rows`` steps; rows when timestamps are distinct) or ``cutoff`` (every
row at or after that time). Rows that share a timestamp stay together. Both
parts are zero-copy slices of the prepared table.

I.i.d. data (``random``, ``stratified``): a seeded random part; the table is
reordered once so that development rows come first (original order kept
inside each part), so both parts are again contiguous slices.

The test part never reaches a model server during optimization: only
``Split.dev`` is uploaded for the trials.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ..config import HoldoutSection
from ..errors import DataError
from .prepare import PreparedTable
from .timeaxis import TimeAxis


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

    def dev_axis(self) -> TimeAxis:
        """Time axis of the development part (its end time is the first held-out time)."""
        return TimeAxis.from_table(self.full, self.prepared.time_column, self.n_dev)

    def full_axis(self) -> TimeAxis:
        return TimeAxis.from_table(self.full, self.prepared.time_column)


def split_holdout(prepared: PreparedTable, holdout: HoldoutSection) -> Split:
    """The split that ``holdout`` describes (see the module docstring).

    Raises:
        DataError: the test part would be empty while asked for, or would take every row.
        ConfigError: a cutoff on data without a time column, or not ISO 8601.
    """
    if holdout.kind == "last":
        axis = TimeAxis.from_table(prepared.table, prepared.time_column)
        if holdout.cutoff is not None:
            if not axis.has_times:
                raise DataError("holdout.cutoff: needs data.time_column; use holdout.rows or holdout.fraction")
            step = axis.step_at(axis.parse_time(holdout.cutoff, "holdout.cutoff"))
            if step == 0:
                raise DataError(f"holdout.cutoff: {holdout.cutoff} is at or before the first row "
                                f"({axis.format(axis.time(0))}), which leaves no development rows")
            if step >= axis.n_steps:
                raise DataError(f"holdout.cutoff: {holdout.cutoff} is after the last row "
                                f"({axis.format(axis.time(axis.n_steps - 1))}), which holds out nothing; "
                                "choose an earlier cutoff (or holdout.fraction = 0 for no holdout)")
            return Split(prepared, axis.row(step))
        if holdout.rows is not None:
            if holdout.rows >= axis.n_steps:
                raise DataError(f"holdout.rows: {holdout.rows} of {axis.n_steps} time steps leaves no development rows")
            return Split(prepared, axis.row(axis.n_steps - holdout.rows))
        return holdout_last(prepared, holdout.fraction, axis)
    return holdout_random(prepared, holdout.fraction, seed=holdout.seed, stratified=holdout.kind == "stratified")


def holdout_last(prepared: PreparedTable, fraction: float, axis: TimeAxis | None = None) -> Split:
    """Keep the last ``fraction`` of time steps (rounded down) as the test part."""
    axis = axis or TimeAxis.from_table(prepared.table, prepared.time_column)
    n_steps = axis.n_steps
    n_holdout = int(n_steps * fraction)
    if fraction > 0 and n_holdout == 0:
        raise DataError(f"holdout.fraction: {fraction} of {n_steps} time steps is less than one; raise it or set 0")
    return Split(prepared, axis.row(n_steps - n_holdout))


def holdout_rows_random(n: int, fraction: float, *, seed: int, labels: np.ndarray | None = None) -> np.ndarray:
    """Sorted row numbers of a seeded random test part of ``round(n * fraction)`` rows; with
    ``labels``, each class contributes its share (largest remainders get the rounding)."""
    rng = np.random.default_rng(seed)
    n_test = int(round(n * fraction))
    if fraction > 0 and n_test == 0:
        raise DataError(f"holdout.fraction: {fraction} of {n} rows is less than one row; raise it or set 0")
    if labels is None:
        return np.sort(rng.choice(n, size=n_test, replace=False))
    classes, inverse = np.unique(labels, return_inverse=True)
    inverse = inverse.reshape(-1)
    counts = np.bincount(inverse)
    exact = counts * n_test / n
    take = np.floor(exact).astype(np.int64)
    rest = n_test - int(take.sum())
    order = np.argsort(-(exact - take), kind="stable")
    take[order[:rest]] += 1
    chosen = [rng.choice(np.flatnonzero(inverse == c), size=int(k), replace=False) for c, k in enumerate(take) if k]
    return np.sort(np.concatenate(chosen)) if chosen else np.array([], dtype=np.int64)


def holdout_random(prepared: PreparedTable, fraction: float, *, seed: int = 0, stratified: bool = False) -> Split:
    """A seeded random (optionally stratified by the target) test part, moved to the end of the table."""
    table = prepared.table
    labels = table.column(prepared.target).to_numpy(zero_copy_only=False) if stratified else None
    test = holdout_rows_random(table.num_rows, fraction, seed=seed, labels=labels)
    if len(test) >= table.num_rows:
        raise DataError(f"holdout.fraction: {fraction} takes all {table.num_rows} rows; lower it")
    is_test = np.zeros(table.num_rows, dtype=bool)
    is_test[test] = True
    order = np.concatenate((np.flatnonzero(~is_test), test))
    reordered = table.take(pa.array(order))
    return Split(PreparedTable(reordered, prepared.feature_columns, prepared.target, None, prepared.series_column),
                 table.num_rows - len(test))
