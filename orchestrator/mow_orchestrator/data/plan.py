"""From config to windows: the :class:`~.windows.WindowSpec`, the folds and the plan of a split.

Temporal folds give a :class:`~.windows.WindowPlan` (windows slide inside each fold). I.i.d.
folds (``folds.kind`` = ``kfold``, ``stratified``, ``group``, ``purged``) give a
:class:`~.windows.FoldPlan`: one window per fold, train = every other development row
(``purged``: less the purged and embargoed rows), as index arrays. Their final window trains
on every development row and validates on the holdout (``purged``: less the rows whose label
interval reaches into the holdout's).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..config import FoldsSection, IntRange, WindowsSection
from ..errors import DataError
from .folds import group_kfold, kfold, purged_kfold, stratified_kfold, time_blocks, time_periods
from .spans import parse_span
from .split import Split
from .timeaxis import Length, TimeAxis, as_length
from .windows import FoldPlan, Window, WindowPlan, WindowSpec, plan_windows


def window_spec(windows: WindowsSection, axis: TimeAxis, *, validation: int | None = None,
                step: int | None = None) -> WindowSpec:
    """The window spec of ``[windows]``, with ``start`` read on ``axis``.

    Tuned train lengths and gaps are placed at their largest value (a trial picks a smaller one
    inside each window). ``validation`` and ``step`` are one trial's choice when those are tuned;
    default: the largest validation, and a step that follows it unless ``windows.step`` is given.
    """
    start = axis.parse_time(windows.start, "windows.start") if windows.start is not None else None
    if windows.start is not None and not axis.has_times:
        raise DataError("windows.start: needs data.time_column")
    valid = validation if validation is not None else windows.max_validation
    if step is None and windows.step is not None:
        step = windows.step_rows  # type: ignore[assignment]
    return WindowSpec(
        kind=windows.kind,
        train=as_length(windows.max_train, "windows.train"),
        validation=as_length(valid, "windows.validation"),
        step=as_length(step, "windows.step") if step is not None else None,
        gap=as_length(windows.max_gap, "windows.gap"),
        anchor=windows.anchor,
        start=start,
        partial=windows.partial,
        max_windows=windows.max_windows,
    )


def fold_ranges(folds: FoldsSection, axis: TimeAxis) -> list[tuple[int, int]] | None:
    """``[lo, hi)`` step ranges of the temporal folds, or None without folds."""
    if folds.kind == "none":
        return None
    if folds.kind == "blocks":
        return time_blocks(axis, folds.n)
    return time_periods(axis, parse_span(folds.period))


def plan_for(split: Split, windows: WindowsSection, folds: FoldsSection | None = None, *,
             validation: int | None = None, step: int | None = None) -> WindowPlan | FoldPlan:
    """Place the windows of ``split``'s development part (checks that every fold holds one).

    ``validation`` and ``step`` are a trial's choice of tuned lengths (see :func:`window_spec`).
    With an i.i.d. ``folds.kind`` the result is a :class:`FoldPlan` and ``windows`` is not used.
    """
    folds = folds or FoldsSection()
    if folds.iid:
        return iid_plan(split, folds)
    axis = split.dev_axis()
    spec = window_spec(windows, axis, validation=validation, step=step)
    return plan_windows(axis, spec, fold_ranges(folds, axis), drop_short_folds=folds.drop_short)


def iid_plan(split: Split, folds: FoldsSection) -> FoldPlan:
    """One window per fold of an i.i.d. k-fold family over the development rows (see the module docstring).

    Raises:
        DataError: a needed column is missing or empty, a group has rows on both sides of the
            holdout, too few rows, groups or class members for ``folds.n``, or purging leaves a
            fold without train rows.
    """
    n = split.n_dev
    rows = np.arange(n)
    pairs: list[tuple[np.ndarray, np.ndarray]]
    if folds.kind == "purged":
        start, end = label_intervals(split, folds.label_end_column)  # type: ignore[arg-type]
        pairs = purged_kfold(start[:n], end[:n], folds.n, embargo=folds.embargo)
    else:
        if folds.kind == "kfold":
            valid = kfold(n, folds.n, shuffle=folds.shuffle, seed=folds.seed or 0)
        elif folds.kind == "stratified":
            target = split.dev.column(split.prepared.target).to_numpy(zero_copy_only=False)
            valid = stratified_kfold(target, folds.n, shuffle=folds.shuffle, seed=folds.seed or 0)
        else:
            valid = group_kfold(_groups(split, folds.group_column), folds.n)  # type: ignore[arg-type]
        pairs = []
        for v in valid:
            is_valid = np.zeros(n, dtype=bool)
            is_valid[v] = True
            pairs.append((rows[~is_valid], np.sort(v)))
    windows = tuple(Window.from_rows(f"fold{i}", train, valid, fold=i) for i, (train, valid) in enumerate(pairs))
    return FoldPlan(folds.kind, windows, folds.label_end_column if folds.kind == "purged" else None)


def _column(split: Split, name: str, field: str) -> pa.ChunkedArray:
    table = split.full
    if name not in table.column_names:
        raise DataError(f"folds.{field}: column {name!r} is not in the prepared table "
                        f"(columns there: {', '.join(table.column_names)})")
    column = table.column(name)
    if column.null_count:
        first = np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[:5]
        raise DataError(f"folds.{field}: {name!r} is empty in rows {', '.join(map(str, first))} "
                        "(row numbers count from 0, after preparation); fill them or drop those rows")
    return column


def _groups(split: Split, name: str) -> np.ndarray:
    """The development rows' groups; no group may also have held-out rows."""
    groups = _column(split, name, "group_column").to_numpy(zero_copy_only=False)
    dev, held = groups[: split.n_dev], groups[split.n_dev:]
    if len(held):
        shared = np.intersect1d(dev, held)
        if len(shared):
            first = shared[0].item() if isinstance(shared[0], np.generic) else shared[0]
            raise DataError(f"folds.group_column: group {first!r} has rows in the development part and in the "
                            f"holdout ({len(shared)} group(s) do); hold out whole groups (sort the file by "
                            f"{name!r} and use holdout.kind = 'last') or set holdout.fraction = 0")
    return dev


def label_intervals(split: Split, label_end: str) -> tuple[np.ndarray, np.ndarray]:
    """``(start, end)`` of every row's label as int64 ticks: the time column and ``label_end``."""
    time_column = split.prepared.time_column
    if time_column is None:
        raise DataError("folds.kind = 'purged': needs data.time_column (the start of each row's label) "
                        "and holdout.kind = 'last'")
    start = _column(split, time_column, "label_end_column")
    end = _column(split, label_end, "label_end_column")
    if not pa.types.is_timestamp(end.type):
        raise DataError(f"folds.label_end_column: {label_end!r} is {end.type}, not a time; give times like "
                        f"the time column {time_column!r}")
    if (start.type.tz is None) != (end.type.tz is None):
        raise DataError(f"folds.label_end_column: {label_end!r} and the time column {time_column!r} must both "
                        "carry a time zone or both be naive; set data.timezone")
    end = pc.cast(end, start.type)
    return (start.cast(pa.int64()).to_numpy(zero_copy_only=False),
            end.cast(pa.int64()).to_numpy(zero_copy_only=False))


def trial_train(value: int | float | str | IntRange, field: str = "windows.train") -> Length:
    """A train length (or gap, naming its ``field``) from a trial parameter or the config (count or span text)."""
    if isinstance(value, IntRange):
        value = value.high
    if isinstance(value, str):
        return as_length(value, field)
    return int(value)


def final_window(split: Split, plan: WindowPlan | FoldPlan, train: Length | None = None,
                 gap: Length | None = None) -> Window:
    """The refit window: train just before the held-out part (same gap and train
    length as the trials; default: the placement's), validate on every held-out row.

    I.i.d. folds: train on every development row (``purged``: less those whose label
    interval touches or overlaps the holdout's, as between folds)."""
    if isinstance(plan, FoldPlan):
        return _final_iid_window(split, plan)
    axis = split.full_axis()
    spec = plan.spec
    train = spec.train if train is None else train
    first = axis.step_of_row(split.n_dev)
    stop = axis.back(first, spec.gap if gap is None else gap)
    start = 0 if spec.kind == "expanding" else max(axis.back(stop, train), 0)
    if stop <= start:
        raise DataError("holdout: no development rows are left before the held-out part once the gap is left out")
    return Window("holdout", axis.row(start), axis.row(stop), split.n_dev, split.full.num_rows)


def _final_iid_window(split: Split, plan: FoldPlan) -> Window:
    n_dev, n_rows = split.n_dev, split.full.num_rows
    if plan.label_end_column is None or n_rows == n_dev:
        return Window("holdout", 0, n_dev, n_dev, n_rows)
    start, end = label_intervals(split, plan.label_end_column)
    held_start, held_end = start[n_dev:].min(), end[n_dev:].max()
    keep = ~((start[:n_dev] <= held_end) & (end[:n_dev] >= held_start))
    if not keep.any():
        raise DataError("holdout: every development row's label reaches into the holdout, which leaves no train "
                        "rows for the final fit; use a longer development part or shorter labels")
    if keep.all():
        return Window("holdout", 0, n_dev, n_dev, n_rows)
    train = np.flatnonzero(keep)
    return Window("holdout", int(train[0]), int(train[-1]) + 1, n_dev, n_rows, 0, train_rows=train)
