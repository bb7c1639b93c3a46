"""From config to windows: the :class:`~.windows.WindowSpec`, the folds and the plan of a split."""

from __future__ import annotations

from ..config import FoldsSection, IntRange, WindowsSection
from ..errors import DataError
from .folds import time_blocks, time_periods
from .spans import parse_span
from .split import Split
from .timeaxis import Length, TimeAxis, as_length
from .windows import Window, WindowPlan, WindowSpec, plan_windows


def window_spec(windows: WindowsSection, axis: TimeAxis) -> WindowSpec:
    """The window spec of ``[windows]``, with ``start`` read on ``axis``."""
    start = axis.parse_time(windows.start, "windows.start") if windows.start is not None else None
    if windows.start is not None and not axis.has_times:
        raise DataError("windows.start: needs data.time_column")
    return WindowSpec(
        kind=windows.kind,
        train=as_length(windows.max_train, "windows.train"),
        validation=as_length(windows.validation, "windows.validation"),
        step=as_length(windows.step, "windows.step") if windows.step is not None else None,
        gap=as_length(windows.gap, "windows.gap"),
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


def plan_for(split: Split, windows: WindowsSection, folds: FoldsSection | None = None) -> WindowPlan:
    """Place the windows of ``split``'s development part (checks that every fold holds one)."""
    axis = split.dev_axis()
    folds = folds or FoldsSection()
    return plan_windows(axis, window_spec(windows, axis), fold_ranges(folds, axis), drop_short_folds=folds.drop_short)


def trial_train(value: int | float | str | IntRange) -> Length:
    """A train length from a trial parameter or the config (count or span text)."""
    if isinstance(value, IntRange):
        value = value.high
    if isinstance(value, str):
        return as_length(value, "windows.train")
    return int(value)


def final_window(split: Split, plan: WindowPlan, train: Length | None = None) -> Window:
    """The refit window: train just before the held-out part (same gap and train
    length as the trials), validate on every held-out row."""
    axis = split.full_axis()
    spec = plan.spec
    train = spec.train if train is None else train
    first = axis.step_of_row(split.n_dev)
    stop = axis.back(first, spec.gap)
    start = 0 if spec.kind == "expanding" else max(axis.back(stop, train), 0)
    if stop <= start:
        raise DataError("holdout: no development rows are left before the held-out part once the gap is left out")
    return Window("holdout", axis.row(start), axis.row(stop), split.n_dev, split.full.num_rows)
