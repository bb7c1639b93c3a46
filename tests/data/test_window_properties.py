"""Invariants of windows on tied timestamps, spans, folds and time zones (hypothesis)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mow_orchestrator.data import Span, TimeAxis, WindowSpec, plan_windows, time_blocks, time_periods
from mow_orchestrator.errors import ConfigError, DataError

HOUR = 3600


@st.composite
def tied_times(draw):
    """Sorted timestamps (seconds) with repeats, as a panel or tied observations give."""
    n_steps = draw(st.integers(5, 120))
    spacing = draw(st.lists(st.integers(1, 3 * HOUR), min_size=n_steps, max_size=n_steps))
    repeats = draw(st.lists(st.integers(1, 4), min_size=n_steps, max_size=n_steps))
    stamps = np.cumsum(spacing)
    return np.repeat(stamps, repeats).astype(np.int64)


length = st.one_of(st.integers(1, 12), st.builds(Span, st.integers(1, 18), st.sampled_from(["h", "min"])))
gap_length = st.one_of(st.integers(0, 4), st.builds(Span, st.integers(1, 6), st.just("h")))


@settings(max_examples=300, deadline=None)
@given(times=tied_times(), kind=st.sampled_from(["sliding", "expanding"]), train=length, validation=length,
       step=st.one_of(st.none(), length), gap=gap_length, anchor=st.sampled_from(["start", "end"]),
       partial=st.sampled_from(["drop", "keep"]), max_windows=st.one_of(st.none(), st.integers(1, 6)),
       n_folds=st.integers(1, 3))
def test_invariants(times, kind, train, validation, step, gap, anchor, partial, max_windows, n_folds):
    before = times.copy()
    axis = TimeAxis.from_ticks(times, "s")
    spec = WindowSpec(kind, train, validation, step, gap, anchor=anchor, partial=partial, max_windows=max_windows)
    folds = time_blocks(axis, n_folds) if n_folds <= axis.n_steps else None
    try:
        plan = plan_windows(axis, spec, folds, drop_short_folds=True)
        windows = plan.windows()
    except DataError:
        return  # too short for one window: rejected, never an empty or leaking window
    again = plan_windows(TimeAxis.from_ticks(times, "s"), spec, folds, drop_short_folds=True).windows()
    assert windows == again  # deterministic
    np.testing.assert_array_equal(times, before)  # inputs untouched
    assert len(plan) == len(windows)
    boundaries = {0, len(times)}
    if folds:
        boundaries |= {axis.row(lo) for lo, _ in folds}
    by_fold: dict[int, list] = {}
    for w in windows:
        by_fold.setdefault(w.fold, []).append(w)
        assert 0 <= w.train_start < w.train_stop <= w.valid_start < w.valid_stop <= len(times)
        for row in (w.train_start, w.train_stop, w.valid_start, w.valid_stop):  # ties never split
            assert row in (0, len(times)) or times[row - 1] != times[row]
        assert times[w.train_stop - 1] < times[w.valid_start]
        if isinstance(gap, Span):
            assert times[w.train_stop - 1] < times[w.valid_start] - gap.n * HOUR
        else:
            steps_between = len(np.unique(times[w.train_stop:w.valid_start]))
            assert steps_between == gap
        if folds:  # inside its fold
            lo, hi = folds[w.fold]
            assert axis.row(lo) <= w.train_start and w.valid_stop <= axis.row(hi)
        if kind == "sliding" and isinstance(train, int):
            assert len(np.unique(times[w.train_start:w.train_stop])) == train
    for group in by_fold.values():
        sizes = [len(np.unique(times[w.valid_start:w.valid_stop])) for w in group]
        if isinstance(validation, int):
            full = [s == validation for s in sizes]
            assert all(full[:-1])  # only the last may be short ...
            assert full[-1] or (partial == "keep" and anchor == "start")  # ... and only when allowed
        starts = [w.valid_start for w in group]
        assert starts == sorted(set(starts))
        if max_windows:
            assert len(group) <= max_windows


def test_panel_window_holds_every_series_of_its_time_range():
    times = np.repeat(np.arange(10) * 86400, 3)  # three series, ten days, sorted by (time, series)
    plan = plan_windows(TimeAxis.from_ticks(times, "s"), WindowSpec("sliding", 4, 2, 2, 1))
    w = plan.windows()[0]
    assert (w.train_start, w.train_stop, w.valid_start, w.valid_stop) == (0, 12, 15, 21)


def test_day_span_follows_the_local_calendar_across_dst():
    tz = ZoneInfo("America/New_York")
    start = int(dt.datetime(2024, 3, 1, tzinfo=tz).timestamp())
    ticks = start + np.arange(24 * 20, dtype=np.int64) * HOUR  # every hour; 10 March 2024 is 23 h long there
    axis = TimeAxis.from_ticks(ticks, "s", "America/New_York")
    spec = WindowSpec("sliding", Span(3, "D"), Span(1, "D"), Span(1, "D"))
    windows = plan_windows(axis, spec).windows()
    local = [dt.datetime.fromtimestamp(int(ticks[w.valid_start]), tz) for w in windows]
    assert all((t.hour, t.minute) == (0, 0) for t in local)  # every validation day starts at local midnight
    assert [t.day for t in local] == list(range(4, 4 + len(local)))
    lengths = {dt.datetime.fromtimestamp(int(ticks[w.valid_start]), tz).day: w.n_valid for w in windows}
    assert lengths[10] == 23 and lengths[9] == 24 and lengths[11] == 24  # 10 March 2024 has 23 hours
    first_train = windows[0]
    assert first_train.n_train == 72


def test_off_grid_start_rounds_up_to_the_next_timestamp():
    ticks = np.arange(0, 100) * 10
    spec = WindowSpec("sliding", 5, 3, 3, start=123)
    assert plan_windows(TimeAxis.from_ticks(ticks, "s"), spec).windows()[0].valid_start == 13


def test_start_that_leaves_no_train_is_rejected():
    spec = WindowSpec("sliding", 50, 3, 3, start=100)
    with pytest.raises(DataError, match="windows.start: .* move windows.start later"):
        plan_windows(TimeAxis.from_ticks(np.arange(0, 100) * 10, "s"), spec)


def test_start_after_the_last_row_is_named_as_such():
    spec = WindowSpec("sliding", 5, 3, 3, start=5000)
    with pytest.raises(DataError, match=r"windows.start: .* is after the last development row .*; move windows.start earlier"):
        plan_windows(TimeAxis.from_ticks(np.arange(0, 100) * 10, "s"), spec)


def test_calendar_folds_and_windows_know_their_fold():
    days = np.array([int(dt.datetime(2012, 1, 1, tzinfo=dt.timezone.utc).timestamp()) + 86400 * d
                     for d in range(365 * 3 + 1)], dtype=np.int64)
    axis = TimeAxis.from_ticks(days, "s")
    folds = time_periods(axis, Span(1, "Y"))
    assert [hi - lo for lo, hi in folds] == [366, 365, 365]
    plan = plan_windows(axis, WindowSpec("sliding", 90, 30), folds)
    windows = plan.windows()
    assert {w.fold for w in windows} == {0, 1, 2}
    assert windows[0].id == "f0-w000" and all(w.valid_stop <= axis.row(folds[w.fold][1]) for w in windows)
    quarters = time_periods(axis, Span(3, "M"))
    assert len(quarters) == 12 and quarters[0] == (0, 91) and quarters[-1][1] == len(days)


def test_errors_say_what_is_needed():
    axis = TimeAxis(40, None, "s", None, None, None)
    with pytest.raises(DataError, match=r"needs 45 rows \(train 30 \+ gap 5 \+ validation 10\) but the development part has 40"):
        plan_windows(axis, WindowSpec("sliding", 30, 10, 10, 5))
    with pytest.raises(ConfigError, match="windows.train: the time span 90D needs data.time_column"):
        plan_windows(axis, WindowSpec("sliding", Span(90, "D"), 10))
    with pytest.raises(DataError, match="windows.validation: must be at least 1"):
        WindowSpec("sliding", 3, 0)
    with pytest.raises(DataError, match="fold 1 .* set folds.drop_short = true"):
        plan_windows(axis, WindowSpec("sliding", 15, 5), [(0, 30), (30, 40)])


def test_partial_last_window_is_kept_only_when_asked():
    axis = TimeAxis(35, None, "s", None, None, None)
    drop = plan_windows(axis, WindowSpec("sliding", 10, 10, 10)).windows()
    keep = plan_windows(axis, WindowSpec("sliding", 10, 10, 10, partial="keep")).windows()
    assert [(w.valid_start, w.valid_stop) for w in drop] == [(10, 20), (20, 30)]
    assert [(w.valid_start, w.valid_stop) for w in keep] == [(10, 20), (20, 30), (30, 35)]
