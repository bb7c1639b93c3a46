"""Windows against scikit-learn's TimeSeriesSplit, over many parameter combinations (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.model_selection import TimeSeriesSplit

from mow_orchestrator.data import TimeAxis, WindowSpec, plan_windows


def _rows(n: int) -> TimeAxis:
    return TimeAxis(n, None, "s", None, None, None)


@settings(max_examples=300, deadline=None)
@given(n=st.integers(2, 400), n_splits=st.integers(2, 12), test_size=st.integers(1, 40), gap=st.integers(0, 10),
       max_train=st.one_of(st.none(), st.integers(1, 100)), with_times=st.booleans())
def test_anchor_end_equals_time_series_split(n, n_splits, test_size, gap, max_train, with_times):
    first_train = n - gap - test_size * n_splits  # rows before the first validation window, less the gap
    if first_train < 1 or (max_train is not None and first_train < max_train):
        return  # sklearn then trains on fewer than max_train rows; MOW rejects a short train part instead
    theirs = list(TimeSeriesSplit(n_splits=n_splits, test_size=test_size, gap=gap, max_train_size=max_train)
                  .split(np.zeros(n)))
    kind = "expanding" if max_train is None else "sliding"
    axis = TimeAxis.from_ticks(np.arange(n) * 60, "s") if with_times else _rows(n)
    spec = WindowSpec(kind, max_train or 1, test_size, test_size, gap, anchor="end", max_windows=n_splits)
    ours = plan_windows(axis, spec).windows()
    assert len(ours) == len(theirs)
    for w, (tr, te) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(np.arange(w.train_start, w.train_stop), tr)
        np.testing.assert_array_equal(np.arange(w.valid_start, w.valid_stop), te)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(20, 300), train=st.integers(1, 30), validation=st.integers(1, 15), gap=st.integers(0, 5))
def test_anchor_start_windows_are_time_series_split_shifted(n, train, validation, gap):
    """Anchored at the start, the windows equal TimeSeriesSplit's on the rows after a fixed offset."""
    spec = WindowSpec("sliding", train, validation, validation, gap)
    first = train + gap
    if first + validation > n:
        return
    ours = plan_windows(_rows(n), spec).windows()
    if len(ours) < 2:
        return  # TimeSeriesSplit needs two windows or more
    offset = (n - first) % validation
    theirs = list(TimeSeriesSplit(n_splits=len(ours), test_size=validation, gap=gap, max_train_size=train)
                  .split(np.zeros(n - offset)))
    for w, (tr, te) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(np.arange(w.valid_start, w.valid_stop), te)
        np.testing.assert_array_equal(np.arange(w.train_start, w.train_stop), tr)
