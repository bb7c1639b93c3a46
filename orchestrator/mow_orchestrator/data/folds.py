"""Folds: contiguous blocks of time for temporal data; k-fold families for i.i.d. data.

Temporal folds are ``[lo, hi)`` ranges of time steps (see :mod:`.timeaxis`),
so rows sharing a timestamp stay in one fold; windows then slide inside each
fold (:func:`.windows.plan_windows`).

I.i.d. folds give, per fold, the validation rows as an index array; train
rows are the rest. Their assignment equals scikit-learn's ``KFold``,
``StratifiedKFold`` and ``GroupKFold`` (tested against them), reimplemented
here so that the orchestrator does not depend on scikit-learn.

Purged k-fold (for labels that span time, after López de Prado): contiguous
validation blocks; every row ``i`` has a label interval
``[label_start[i], label_end[i]]`` (both ends *included*). A train row is
dropped ("purged") when its interval touches or overlaps the interval
``[min label_start, max label_end]`` of the validation block, i.e. when
``label_start[i] <= max_end and label_end[i] >= min_start`` (touching ends
count as overlap). ``embargo`` further drops the first ``embargo`` rows after
the validation block that survive purging (their features may still carry
information from the validation period).
"""

from __future__ import annotations

import itertools

import numpy as np

from ..errors import ConfigError, DataError
from .spans import Span, floor
from .timeaxis import TimeAxis


def time_blocks(axis: TimeAxis, n: int) -> list[tuple[int, int]]:
    """``n`` contiguous folds of (almost) equal numbers of time steps; the first
    ``n_steps % n`` folds are one step longer (as ``numpy.array_split``)."""
    if n < 1:
        raise ConfigError(f"folds.n: must be at least 1 (got {n})")
    if n > axis.n_steps:
        raise DataError(f"folds.n: {n} folds need at least {n} time steps; the development part has {axis.n_steps}")
    size, extra = divmod(axis.n_steps, n)
    bounds = [0]
    for i in range(n):
        bounds.append(bounds[-1] + size + (1 if i < extra else 0))
    return list(itertools.pairwise(bounds))


def time_periods(axis: TimeAxis, period: Span) -> list[tuple[int, int]]:
    """One fold per calendar period (``1Y``: calendar years, ``3M``: quarters, ``1W``: Monday-to-Sunday
    weeks, ...) in the time column's zone; periods without rows are left out."""
    if not axis.has_times:
        raise ConfigError("folds.period: calendar folds need data.time_column; use folds.n for equal blocks")
    if axis.n_steps == 0:
        return []
    last = axis.time(axis.n_steps - 1)
    t = floor(axis.time(0), period, axis.unit, axis.tz)
    folds: list[tuple[int, int]] = []
    lo = 0
    k = 1
    while lo < axis.n_steps:
        boundary = axis.shift_time(t, period, k)
        hi = axis.step_at(boundary) if boundary <= last else axis.n_steps
        if hi > lo:
            folds.append((lo, hi))
        lo = hi
        k += 1
    return folds


# -- i.i.d. folds: validation index arrays --------------------------------


def kfold(n_rows: int, n_splits: int, *, shuffle: bool = False, seed: int | None = 0) -> list[np.ndarray]:
    """Validation rows of each fold, as scikit-learn ``KFold(n_splits, shuffle, random_state=seed)``."""
    _check_splits(n_splits, n_rows, "rows")
    order = np.arange(n_rows)
    if shuffle:
        np.random.RandomState(seed).shuffle(order)
    sizes = np.full(n_splits, n_rows // n_splits)
    sizes[: n_rows % n_splits] += 1
    bounds = np.concatenate(([0], np.cumsum(sizes)))
    return [np.sort(order[a:b]) if shuffle else order[a:b] for a, b in itertools.pairwise(bounds)]


def stratified_kfold(y: np.ndarray, n_splits: int, *, shuffle: bool = False, seed: int | None = 0) -> list[np.ndarray]:
    """Validation rows of each fold, as scikit-learn ``StratifiedKFold`` (class shares kept per fold)."""
    y = np.asarray(y)
    _check_splits(n_splits, len(y), "rows")
    _, first, inverse = np.unique(y, return_index=True, return_inverse=True)
    _, class_perm = np.unique(first, return_inverse=True)
    encoded = class_perm[inverse.reshape(-1)]
    n_classes = len(first)
    counts = np.bincount(encoded)
    if np.all(n_splits > counts):
        raise DataError(f"folds.n: {n_splits} stratified folds need a class with at least {n_splits} rows; "
                        f"the largest has {counts.max()}")
    rng = np.random.RandomState(seed) if shuffle else None
    ordered = np.sort(encoded)
    allocation = np.asarray([np.bincount(ordered[i::n_splits], minlength=n_classes) for i in range(n_splits)])
    test_folds = np.empty(len(y), dtype=np.int64)
    for k in range(n_classes):
        folds_for_class = np.arange(n_splits).repeat(allocation[:, k])
        if rng is not None:
            rng.shuffle(folds_for_class)
        test_folds[encoded == k] = folds_for_class
    return [np.flatnonzero(test_folds == i) for i in range(n_splits)]


def group_kfold(groups: np.ndarray, n_splits: int) -> list[np.ndarray]:
    """Validation rows of each fold, as scikit-learn ``GroupKFold`` (no group in two folds;
    the largest groups go first to the lightest fold)."""
    groups = np.asarray(groups)
    unique, group_idx = np.unique(groups, return_inverse=True)
    group_idx = group_idx.reshape(-1)
    _check_splits(n_splits, len(unique), "groups")
    per_group = np.bincount(group_idx)
    order = np.argsort(per_group, kind="stable")[::-1]
    per_fold = np.zeros(n_splits)
    group_to_fold = np.zeros(len(unique), dtype=np.int64)
    for position, weight in enumerate(per_group[order]):
        lightest = int(np.argmin(per_fold))
        per_fold[lightest] += weight
        group_to_fold[order[position]] = lightest
    fold_of_row = group_to_fold[group_idx]
    return [np.flatnonzero(fold_of_row == i) for i in range(n_splits)]


def purged_kfold(label_start: np.ndarray, label_end: np.ndarray, n_splits: int, *, embargo: int = 0
                 ) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train rows, validation rows) per fold for labels spanning time (see the module docstring).

    Rows must be sorted by ``label_start``; validation blocks are contiguous, as ``KFold``.

    Raises:
        DataError: a label ends before it starts, rows are unsorted, or a fold keeps no train row.
    """
    label_start = np.asarray(label_start)
    label_end = np.asarray(label_end)
    n = len(label_start)
    if embargo < 0:
        raise ConfigError(f"folds.embargo: must not be negative (got {embargo})")
    bad = np.flatnonzero(label_end < label_start)
    if bad.size:
        raise DataError(f"folds.label_end_column: the label ends before it starts in rows {', '.join(map(str, bad[:5]))}")
    if n > 1 and (np.diff(label_start) < 0).any():
        raise DataError("folds: purged k-fold needs rows sorted by label start (the time column)")
    out = []
    rows = np.arange(n)
    for fold, valid in enumerate(kfold(n, n_splits)):
        hi = int(valid[-1]) + 1
        start, end = label_start[valid].min(), label_end[valid].max()
        overlaps = (label_start <= end) & (label_end >= start)
        keep = ~overlaps
        if embargo:
            after = np.flatnonzero(keep & (rows >= hi))[:embargo]  # the first rows clear of the labels
            keep[after] = False
        train = rows[keep]
        if train.size == 0:
            raise DataError(f"folds: purging leaves fold {fold} without train rows; use more folds or shorter labels")
        out.append((train, valid))
    return out


def _check_splits(n_splits: int, n: int, what: str) -> None:
    if n_splits < 2:
        raise ConfigError(f"folds.n: k-fold needs at least 2 folds (got {n_splits})")
    if n_splits > n:
        raise DataError(f"folds.n: {n_splits} folds need at least {n_splits} {what}; there are {n}")
