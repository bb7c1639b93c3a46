"""Walk-forward validation windows as row ranges into the development part.

Every length (``train``, ``gap``, ``validation``, ``step``) is either a count
of *time steps* (distinct timestamps; rows when timestamps are distinct or
there is no time column) or a time span such as ``"90D"`` (see
:mod:`.spans`). Lengths are measured on the time axis (:mod:`.timeaxis`), so
rows that share a timestamp always land on the same side of every boundary.

With ``train`` = 4, ``gap`` = 1, ``validation`` = 2, ``step`` = 2
(``*`` train, ``-`` gap, ``x`` validation, one column per time step)::

    sliding                    expanding
    * * * * - x x . . .        * * * * - x x . . .
    . . * * * * - x x .        * * * * * * - x x .

Placement. Validation windows are placed for the *largest* train length the
search may pick (``train`` of :class:`WindowSpec`), so every trial is scored
on the same validation rows whatever train length it tries. A validation
window starting at step ``v`` trains on steps before ``back(v, gap)``:
``gap`` counts steps left out, or for a span, every train timestamp ``t``
satisfies ``t < time(v) - gap``.

- ``anchor = "start"``: the first validation window starts at the earliest
  step with a whole ``train + gap`` before it inside its fold (or at
  ``start``, a time, rounded up to the next timestamp); window ``k`` starts
  ``k`` steps later (``k × step`` counted on the calendar from the first
  start, then rounded up to the next timestamp). A last window whose
  validation runs past the end is dropped, or kept shorter with
  ``partial = "keep"`` (only that one window can be short).
- ``anchor = "end"``: the last validation window ends at the end of the fold
  and the others step backwards from it, as in scikit-learn's TimeSeriesSplit;
  windows that would lack a whole train part are left out.

A window whose validation span holds no timestamp (a hole in the data) is
left out. ``max_windows`` keeps the most recent windows of each fold.

Folds (:mod:`.folds`) cut the development part into contiguous blocks of
time; windows then slide inside each fold (train and validation rows both
inside it) and carry the fold's number.

I.i.d. folds (k-fold families, :func:`.plan.plan_for`) are not walk-forward:
each fold is one window whose validation rows and train rows are index
arrays (:class:`Window` ``train_rows`` / ``valid_rows``), collected in a
:class:`FoldPlan`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from ..errors import DataError
from .spans import TICKS_PER_SECOND, Span
from .timeaxis import Length, TimeAxis, describe_length


@dataclass(frozen=True)
class Window:
    """Rows of one train/validation pair, and its fold.

    Each part is a half-open row range ``[start, stop)`` or, for i.i.d. folds, a sorted
    index array (``train_rows`` / ``valid_rows``; the range fields then hold the smallest
    range containing those rows, for display only). Read the rows through
    :meth:`train_index` / :meth:`valid_index`, which give a slice or the array.
    """

    id: str
    train_start: int
    train_stop: int
    valid_start: int
    valid_stop: int
    fold: int = 0
    train_rows: np.ndarray | None = field(default=None, compare=False, repr=False)
    """Train rows as an index array (None: the range ``[train_start, train_stop)``)."""
    valid_rows: np.ndarray | None = field(default=None, compare=False, repr=False)
    """Validation rows as an index array (None: the range ``[valid_start, valid_stop)``)."""

    def __post_init__(self) -> None:
        for name in ("train_rows", "valid_rows"):
            rows = getattr(self, name)
            if rows is not None:  # an own read-only copy: a window never changes, nor its caller's array
                rows = np.array(rows, dtype=np.int64)
                rows.setflags(write=False)
                object.__setattr__(self, name, rows)

    @classmethod
    def from_rows(cls, id: str, train_rows: np.ndarray, valid_rows: np.ndarray, fold: int = 0) -> "Window":
        """A window of two sorted, non-empty index arrays."""
        return cls(id, int(train_rows[0]), int(train_rows[-1]) + 1, int(valid_rows[0]), int(valid_rows[-1]) + 1,
                   fold, train_rows, valid_rows)

    @property
    def indexed(self) -> bool:
        """True when a part is an index array rather than a range."""
        return self.train_rows is not None or self.valid_rows is not None

    @property
    def n_train(self) -> int:
        return len(self.train_rows) if self.train_rows is not None else self.train_stop - self.train_start

    @property
    def n_valid(self) -> int:
        return len(self.valid_rows) if self.valid_rows is not None else self.valid_stop - self.valid_start

    def train_index(self) -> slice | np.ndarray:
        """The train rows: ``target[w.train_index()]`` works for both kinds of window."""
        return self.train_rows if self.train_rows is not None else slice(self.train_start, self.train_stop)

    def valid_index(self) -> slice | np.ndarray:
        """The validation rows, in the order the model's predictions come back."""
        return self.valid_rows if self.valid_rows is not None else slice(self.valid_start, self.valid_stop)

    def valid_array(self) -> np.ndarray:
        """The validation rows as an index array (a range is expanded)."""
        return self.valid_rows if self.valid_rows is not None else np.arange(self.valid_start, self.valid_stop)

    def train_array(self) -> np.ndarray:
        """The train rows as an index array (a range is expanded)."""
        return self.train_rows if self.train_rows is not None else np.arange(self.train_start, self.train_stop)


@dataclass(frozen=True)
class WindowSpec:
    """How to cut windows (see the module docstring). Counts are time steps.

    Attributes:
        kind: ``sliding`` (fixed train length) or ``expanding`` (train from the fold's start).
        train: the largest train length a trial may use (sliding), or the
            smallest train part (expanding); placement uses it. Default 365 steps.
        validation: validation length per window. Default 30 steps.
        step: distance between consecutive validation starts (default: ``validation``).
        gap: left out between train and validation (embargo). Default 0.
        anchor: ``start`` (first window at the start) or ``end`` (last window at the end).
        start: earliest validation start, in ticks of the time column (anchor ``start``).
        partial: ``drop`` or ``keep`` a last validation window that runs past the end.
        max_windows: keep the most recent windows per fold (default: all).
    """

    kind: Literal["sliding", "expanding"] = "sliding"
    train: Length = 365
    validation: Length = 30
    step: Length | None = None
    gap: Length = 0
    anchor: Literal["start", "end"] = "start"
    start: int | None = None
    partial: Literal["drop", "keep"] = "drop"
    max_windows: int | None = None

    def __post_init__(self) -> None:
        for name in ("train", "validation", "step"):
            value = getattr(self, name)
            if isinstance(value, int) and not isinstance(value, bool) and value < 1:
                raise DataError(f"windows.{name}: must be at least 1 (got {value})")
        if isinstance(self.gap, int) and self.gap < 0:
            raise DataError(f"windows.gap: must not be negative (got {self.gap})")
        if self.max_windows is not None and self.max_windows < 1:
            raise DataError(f"windows.max_windows: must be at least 1 (got {self.max_windows})")

    @property
    def step_length(self) -> Length:
        return self.step if self.step is not None else self.validation


@dataclass(frozen=True)
class _Slot:
    fold: int
    lo: int
    valid_start: int
    valid_stop: int
    train_stop: int
    index: int


@dataclass(frozen=True, eq=False)
class WindowPlan:
    """Validation windows placed once; :meth:`windows` adds each trial's train part.

    ``len(plan)`` is the number of windows every trial gets.
    """

    axis: TimeAxis
    spec: WindowSpec
    folds: tuple[tuple[int, int], ...]
    slots: tuple[_Slot, ...] = field(repr=False)

    def __len__(self) -> int:
        return len(self.slots)

    def windows(self, train: Length | None = None, gap: Length | None = None) -> list[Window]:
        """The windows of a trial that trains on ``train`` and leaves out ``gap`` before each
        validation part (defaults: ``spec.train`` and ``spec.gap``, the placement lengths).

        Raises:
            ValueError: ``train`` or ``gap`` is longer than its placement length in ``spec``.
            DataError: a time-span train part holds no rows (a hole in the data).
        """
        spec, axis = self.spec, self.axis
        train = spec.train if train is None else train
        if spec.kind == "sliding" and _longer(train, spec.train):
            raise ValueError(f"train ({describe_length(train)}) must not exceed the placement length {describe_length(spec.train)}")
        if gap is not None and _longer(gap, spec.gap):
            raise ValueError(f"gap ({describe_length(gap)}) must not exceed the placement gap {describe_length(spec.gap)}")
        named = len(self.folds) > 1
        out = []
        for slot in self.slots:
            train_stop = slot.train_stop if gap is None else axis.back(slot.valid_start, gap)
            start = slot.lo if spec.kind == "expanding" else max(axis.back(train_stop, train), slot.lo)
            if start >= train_stop:
                raise DataError(
                    f"windows.train: the {describe_length(train)} before {self._when(train_stop)} hold no rows "
                    "(a hole in the data); use a longer train span or a count of rows"
                )
            wid = f"f{slot.fold}-w{slot.index:03d}" if named else f"w{slot.index:03d}"
            out.append(Window(wid, axis.row(start), axis.row(train_stop), axis.row(slot.valid_start),
                              axis.row(slot.valid_stop), slot.fold))
        return out

    def _when(self, step: int) -> str:
        return self.axis.format(self.axis.time(step)) if self.axis.has_times else f"row {self.axis.row(step)}"


@dataclass(frozen=True, eq=False)
class FoldPlan:
    """The windows of i.i.d. folds (``folds.kind`` = ``kfold``, ``stratified``, ``group``, ``purged``):
    one window per fold, validation rows and train rows as index arrays into the development
    part. The train length of a trial does not apply, so :meth:`windows` ignores it.
    """

    kind: str
    fold_windows: tuple[Window, ...]
    label_end_column: str | None = None
    """``purged``: the column where each row's label ends (the final window is purged against the holdout)."""

    def __len__(self) -> int:
        return len(self.fold_windows)

    @property
    def folds(self) -> tuple[np.ndarray, ...]:
        """The validation rows of each fold."""
        return tuple(w.valid_array() for w in self.fold_windows)

    def windows(self, train: Length | None = None, gap: Length | None = None) -> list[Window]:
        """Every fold's window (``train`` and ``gap`` are accepted for the same call as
        :class:`WindowPlan`, and ignored)."""
        return list(self.fold_windows)


def _longer(a: Length, b: Length) -> bool:
    if isinstance(a, int) and isinstance(b, int):
        return a > b
    if isinstance(a, Span) and isinstance(b, Span):
        return a.min_seconds > b.min_seconds if a.unit != b.unit else a.n > b.n
    return False


def plan_windows(axis: TimeAxis, spec: WindowSpec, folds: list[tuple[int, int]] | None = None,
                 *, drop_short_folds: bool = False) -> WindowPlan:
    """Place the validation windows of every fold (default: one fold, the whole axis).

    Args:
        axis: the development part's time axis.
        spec: window lengths and placement.
        folds: ``[lo, hi)`` step ranges, in time order (see :mod:`.folds`).
        drop_short_folds: leave out folds too short for one window instead of failing.

    Raises:
        DataError: a fold (or the whole part) is too short for one window; the
            message says how much is needed.
        ConfigError: a time span on data without a time column.
    """
    for name in ("train", "validation", "step_length", "gap"):
        axis.check_length(getattr(spec, name), f"windows.{name.removesuffix('_length')}")
    regions = list(folds) if folds else [(0, axis.n_steps)]
    slots: list[_Slot] = []
    for fold, (lo, hi) in enumerate(regions):
        found = _region_slots(axis, spec, lo, hi, fold)
        if not found and not drop_short_folds:
            raise DataError(_too_short(axis, spec, lo, hi, fold if folds else None))
        slots.extend(found)
    if not slots:
        raise DataError(_too_short(axis, spec, 0, axis.n_steps, None))
    return WindowPlan(axis, spec, tuple(regions), tuple(slots))


def _too_short(axis: TimeAxis, spec: WindowSpec, lo: int, hi: int, fold: int | None) -> str:
    counts = all(isinstance(x, int) for x in (spec.train, spec.gap, spec.validation))
    unit = "rows" if axis.step_rows is None else "time steps"
    where = "the development part" if fold is None else f"fold {fold} (rows {axis.row(lo)}-{axis.row(hi) - 1})"
    fix = "shorten windows.train or windows.validation, or lower holdout.fraction"
    if fold is not None:
        fix += ", use fewer folds, or set folds.drop_short = true"
    if spec.start is not None:
        fix += ", or move windows.start later"
    if counts:
        needed = spec.train + spec.gap + spec.validation  # type: ignore[operator]
        return (f"windows: one window needs {needed} {unit} (train {spec.train} + gap {spec.gap} + validation "
                f"{spec.validation}) but {where} has {hi - lo}; {fix}")
    span = f"{axis.format(axis.time(lo))} to {axis.format(axis.time(hi - 1))}" if hi > lo else "nothing"
    return (f"windows: one window needs train {describe_length(spec.train)} + gap {describe_length(spec.gap)} + "
            f"validation {describe_length(spec.validation)} but {where} spans {span}; {fix}")


def _region_slots(axis: TimeAxis, spec: WindowSpec, lo: int, hi: int, fold: int) -> list[_Slot]:
    """Validation windows of one fold ``[lo, hi)`` (steps), oldest first."""
    if hi <= lo:
        return []

    def whole_before(step: int, length: Length) -> int | None:
        """First step of ``length`` ending just before ``step``, if all of it lies in the fold."""
        if isinstance(length, Span):
            t = axis.shift_time(axis.time(step), length, -1)
            return axis.step_at(t) if t >= axis.time(lo) else None
        return step - length if step - length >= lo else None

    def feasible(vs: int) -> bool:
        stop = whole_before(vs, spec.gap) if spec.gap else vs
        if stop is None or stop <= lo:
            return False
        return whole_before(stop, spec.train) is not None

    # smallest validation start with a whole train + gap before it (feasibility grows with vs)
    a, b = lo, hi
    while a < b:
        mid = (a + b) // 2
        if feasible(mid):
            b = mid
        else:
            a = mid + 1
    v_min = a
    if v_min >= hi:
        return []
    start_step = axis.step_at(spec.start) if spec.start is not None else lo
    step = spec.step_length
    val = spec.validation
    end_time = axis.time(hi) if axis.has_times else None

    def valid_end(vs: int, nominal: int | None) -> tuple[int, bool]:
        """(validation stop step, whole) for a window starting at step vs / nominal time."""
        if isinstance(val, Span):
            t_end = axis.shift_time(nominal if nominal is not None else axis.time(vs), val, 1)
            return axis.step_at(t_end), t_end <= end_time  # type: ignore[operator]
        return vs + val, vs + val <= hi

    if spec.anchor == "start":
        if spec.start is not None and start_step >= hi == axis.n_steps:  # after the end, not just this fold's
            raise DataError(f"windows.start: {axis.format(spec.start)} is after the last development row "
                            f"({axis.format(axis.time(hi - 1))}); move windows.start earlier")
        if spec.start is not None and start_step < v_min:
            raise DataError(
                f"windows.start: a validation window starting at {axis.format(axis.time(start_step))} leaves less than "
                f"train {describe_length(spec.train)} + gap {describe_length(spec.gap)} before it"
                + (f" in fold {fold}" if fold else "") + "; move windows.start later or shorten windows.train"
            )
        if isinstance(step, Span):
            t0 = spec.start if spec.start is not None else axis.time(v_min)

            def at(k: int) -> tuple[int, int | None]:
                t = axis.shift_time(t0, step, k)
                return axis.step_at(t), t

            span_s = (end_time - t0) / TICKS_PER_SECOND[axis.unit]  # type: ignore[operator]
            k_up = int(span_s / step.min_seconds) + 2
        else:
            p0 = max(v_min, start_step)

            def at(k: int) -> tuple[int, int | None]:
                return p0 + k * step, None

            k_up = (hi - p0) // step + 1

        def whole(k: int) -> bool:
            vs, nominal = at(k)
            return vs < hi and valid_end(vs, nominal)[1]

        a, b = -1, k_up  # largest k with a whole window (whole() is true then false as k grows)
        while a < b:
            mid = (a + b + 1) // 2
            if whole(mid):
                a = mid
            else:
                b = mid - 1
        k_last = a
        ks: list[int] = []
        if spec.partial == "keep" and at(k_last + 1)[0] < hi:
            ks.append(k_last + 1)
        ks.extend(range(k_last, -1, -1))
    else:
        if isinstance(val, Span):
            t_last = axis.shift_time(end_time, val, -1)  # type: ignore[arg-type]
        else:
            t_last = axis.time(hi - val) if axis.has_times and hi - val >= lo else None
            if hi - val < lo:
                return []  # the validation length alone is longer than the fold
        if isinstance(step, Span):
            assert t_last is not None

            def at(k: int) -> tuple[int, int | None]:
                t = axis.shift_time(t_last, step, -k)
                return axis.step_at(t), t
        else:
            p_last = hi - val if isinstance(val, int) else axis.step_at(t_last)  # type: ignore[arg-type]

            def at(k: int) -> tuple[int, int | None]:
                return p_last - k * step, (t_last if k == 0 and isinstance(val, Span) else None)

        ks = []
        k = 0
        while True:
            vs, _ = at(k)
            if vs < v_min or vs < start_step:
                break
            ks.append(k)
            k += 1
            if spec.max_windows and len(ks) == spec.max_windows and isinstance(step, int) and isinstance(val, int):
                break  # counts never give an empty window: these are the newest max_windows

    found: list[tuple[int, int]] = []
    last_vs: int | None = None
    for k in ks:  # newest first
        vs, nominal = at(k)
        ve = min(valid_end(vs, nominal)[0], hi)
        if ve <= vs or vs == last_vs:
            continue  # no timestamp in this validation span, or the same rows as its neighbour
        last_vs = vs
        found.append((vs, ve))
        if spec.max_windows and len(found) == spec.max_windows:
            break
    found.reverse()
    return [_Slot(fold, lo, vs, ve, axis.back(vs, spec.gap), i) for i, (vs, ve) in enumerate(found)]


# -- row-count helpers kept for callers of the first API ------------------


def validation_starts(
    n_rows: int, *, train_max: int, validation: int, step: int, gap: int = 0, max_windows: int | None = None
) -> list[int]:
    """First row of every validation window over ``n_rows`` distinct rows (anchor ``start``).

    Raises:
        DataError: not even one window fits, naming the rows needed.
    """
    spec = WindowSpec("sliding", train_max, validation, step, gap, max_windows=max_windows)
    return [slot.valid_start for slot in plan_windows(_row_axis(n_rows), spec).slots]


def make_windows(
    n_rows: int, *, kind: str, train: int, train_max: int, validation: int, step: int,
    gap: int = 0, max_windows: int | None = None, trial_gap: int | None = None,
) -> list[Window]:
    """Windows over ``n_rows`` rows: ``train`` rows (sliding) or all earlier rows (expanding),
    placed for ``train_max`` and ``gap``; ``trial_gap`` (at most ``gap``) is the gap a trial uses."""
    spec = WindowSpec(kind, train_max, validation, step, gap, max_windows=max_windows)  # type: ignore[arg-type]
    return plan_windows(_row_axis(n_rows), spec).windows(train, trial_gap)


def _row_axis(n_rows: int) -> TimeAxis:
    return TimeAxis(n_rows, None, "s", None, None, None)
